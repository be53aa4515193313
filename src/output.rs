//! Writing outcomes: JSON Lines, CSV, and the explanation table a sales rep reads.

use crate::eval::{round_points, Outcome, PartWhy, PartWhyKind, Points, ReasonKind, Results};
use crate::plan::Plan;
use std::fmt::Write as _;
use std::io::{self, Write};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object per lead per line.
    #[default]
    Jsonl,
    /// A header row, then one row per lead.
    Csv,
}

impl Format {
    /// The format a results file's name asks for: `.csv` is CSV, `.jsonl` and `.json`
    /// JSON Lines; `None` for any other name (the caller's default then holds).
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// What comes before the leads' results: the CSV header row (JSON Lines has none).
pub fn write_header(
    plan: &Plan,
    format: Format,
    explain: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        Format::Jsonl => Ok(()),
        Format::Csv => write_csv_header(plan, explain, out),
    }
}

/// One JSON object per lead per line.
pub fn write_jsonl(outcomes: &[Outcome], out: &mut impl Write) -> io::Result<()> {
    for outcome in outcomes {
        serde_json::to_writer(&mut *out, outcome).map_err(io::Error::other)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// A number as the outputs show it: whole numbers without a fraction; `absent` for a
/// number that is not finite.
pub fn format_points(x: f64) -> String {
    if !x.is_finite() {
        return "absent".to_string();
    }
    let mut text = String::new();
    push_points(&mut text, x);
    text
}

/// A number as a CSV cell: as [`format_points`] shows it, blank (absent) when it is
/// not finite.
fn push_csv_points(text: &mut String, x: f64) {
    if let Some(x) = shown_points(x) {
        push_points(text, x);
    }
}

/// The number an output shows for a score: rounded as every output rounds it (the
/// digits a CSV cell has read back as this number), `None` (absent) when not finite.
pub(crate) fn shown_points(x: f64) -> Option<f64> {
    x.is_finite().then(|| round_points(x))
}

/// A finite number as the outputs show it.
fn push_points(text: &mut String, x: f64) {
    let x = round_points(x);
    let _ = if x.fract() == 0.0 && x.abs() < 9e15 {
        write!(text, "{}", x as i64)
    } else {
        write!(text, "{x}")
    };
}

/// A number with its sign: `+15`, `-5`, `0`.
pub fn signed(x: f64) -> String {
    let text = format_points(x);
    if x > 0.0 && x.is_finite() {
        format!("+{text}")
    } else {
        text
    }
}

/// The names of the CSV output's columns: `lead`, each score, each grade
/// (`SCORE_grade`), each flag, and with explanations `why`.
pub(crate) fn csv_columns(plan: &Plan, explain: bool) -> Vec<String> {
    let mut header = vec!["lead".to_string()];
    header.extend(plan.scores.iter().map(|s| s.name.clone()));
    header.extend(
        plan.grades
            .iter()
            .map(|g| format!("{}_grade", plan.scores[g.score as usize].name)),
    );
    header.extend(plan.flags.iter().map(|f| f.name.clone()));
    if explain {
        header.push("why".into());
    }
    header
}

/// The CSV header row.
pub fn write_csv_header(plan: &Plan, explain: bool, out: &mut impl Write) -> io::Result<()> {
    let header = csv_columns(plan, explain);
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&header).map_err(io::Error::other)?;
    writer.flush()
}

/// CSV rows (no header), one per outcome.
pub fn write_csv_rows(outcomes: &[Outcome], explain: bool, out: &mut impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for outcome in outcomes {
        let mut row = vec![outcome.lead.clone()];
        row.extend(outcome.scores.iter().map(|(_, v)| {
            let mut cell = String::new();
            push_csv_points(&mut cell, *v);
            cell
        }));
        row.extend(outcome.grades.iter().map(|(_, g)| g.clone()));
        row.extend(outcome.flags.iter().map(|(_, f)| f.to_string()));
        if explain {
            let reasons: Vec<String> = outcome
                .why
                .iter()
                .flatten()
                .map(|r| {
                    format!(
                        "{}: {} {} (line {})",
                        r.score,
                        signed(r.points),
                        r.text(),
                        r.line
                    )
                })
                .collect();
            row.push(reasons.join("; "));
        }
        writer.write_record(&row).map_err(io::Error::other)?;
    }
    writer.flush()
}

/// Writes results without explanations as CSV rows: the bytes [`write_csv_rows`] writes
/// for the same leads' outcomes, without building them (batch scoring's fast path).
pub struct CsvResults<'p, W: Write> {
    plan: &'p Plan,
    writer: csv::Writer<W>,
    number: String,
}

impl<'p, W: Write> CsvResults<'p, W> {
    pub fn new(plan: &'p Plan, out: W) -> Self {
        CsvResults {
            plan,
            writer: csv::Writer::from_writer(out),
            number: String::new(),
        }
    }

    pub fn write(&mut self, id: &str, results: &Results) -> io::Result<()> {
        let w = &mut self.writer;
        w.write_field(id).map_err(io::Error::other)?;
        for &score in &results.scores {
            self.number.clear();
            push_csv_points(&mut self.number, score);
            w.write_field(&self.number).map_err(io::Error::other)?;
        }
        for (grade, &band) in self.plan.grades.iter().zip(&results.bands) {
            w.write_field(&grade.bands[band].name)
                .map_err(io::Error::other)?;
        }
        for &flag in &results.flags {
            w.write_field(if flag { "true" } else { "false" })
                .map_err(io::Error::other)?;
        }
        w.write_record(None::<&[u8]>).map_err(io::Error::other)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Writes results without explanations as JSON Lines: the bytes [`write_jsonl`] writes
/// for the same leads' outcomes, without building them (batch scoring's fast path).
/// The names of the plan's scores, grades, bands and flags are escaped once, when it is
/// made, and each line is those pieces with the lead's id and values between them.
pub struct JsonlResults<'p> {
    plan: &'p Plan,
    /// `,"scores":{`, then what comes before each score's value: `"name":` for the
    /// first, `,"name":` for the others.
    scores: Object,
    /// The same for the grades, and each grade's bands' names, quoted and escaped.
    grades: Object,
    bands: Vec<Vec<Vec<u8>>>,
    /// The same for the flags.
    flags: Object,
}

/// One of a line's objects: what opens it, and what comes before each member's value.
struct Object {
    open: Vec<u8>,
    keys: Vec<Vec<u8>>,
}

impl Object {
    fn new<'n>(name: &str, members: impl Iterator<Item = &'n str>) -> Object {
        let keys = members
            .enumerate()
            .map(|(i, member)| {
                let comma: &[u8] = if i == 0 { b"" } else { b"," };
                [comma, &quoted(member), b":"].concat()
            })
            .collect();
        Object {
            open: [b",".as_slice(), &quoted(name), b":{"].concat(),
            keys,
        }
    }
}

impl<'p> JsonlResults<'p> {
    pub fn new(plan: &'p Plan) -> Self {
        // A grade is named after its score.
        let grade_names = plan
            .grades
            .iter()
            .map(|g| plan.scores[g.score as usize].name.as_str());
        JsonlResults {
            plan,
            scores: Object::new("scores", plan.scores.iter().map(|s| s.name.as_str())),
            grades: Object::new("grades", grade_names),
            bands: plan
                .grades
                .iter()
                .map(|g| g.bands.iter().map(|band| quoted(&band.name)).collect())
                .collect(),
            flags: Object::new("flags", plan.flags.iter().map(|f| f.name.as_str())),
        }
    }

    /// Writes the line of lead `id` with `results` (computed with this writer's plan).
    pub fn write(&self, id: &str, results: &Results, out: &mut impl Write) -> io::Result<()> {
        debug_assert_eq!(self.plan.scores.len(), results.scores.len());
        out.write_all(b"{\"lead\":")?;
        write_json_str(out, id)?;
        out.write_all(&self.scores.open)?;
        for (key, &score) in self.scores.keys.iter().zip(&results.scores) {
            out.write_all(key)?;
            write_json_points(out, score)?;
        }
        out.write_all(b"}")?;
        out.write_all(&self.grades.open)?;
        let grades = self.grades.keys.iter().zip(&self.bands);
        for ((key, bands), &band) in grades.zip(&results.bands) {
            out.write_all(key)?;
            out.write_all(&bands[band])?;
        }
        out.write_all(b"}")?;
        out.write_all(&self.flags.open)?;
        for (key, &flag) in self.flags.keys.iter().zip(&results.flags) {
            out.write_all(key)?;
            out.write_all(if flag { b"true" } else { b"false" })?;
        }
        out.write_all(b"}}\n")
    }
}

/// `text` as a JSON string, quoted and escaped by serde_json.
fn quoted(text: &str) -> Vec<u8> {
    serde_json::to_vec(text).expect("a string serializes")
}

/// Writes `text` as a JSON string, escaped as serde_json escapes it (only quotes,
/// backslashes and control characters): most ids need no escape and are copied.
fn write_json_str(out: &mut impl Write, text: &str) -> io::Result<()> {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.write_all(b"\"")?;
        out.write_all(text.as_bytes())?;
        out.write_all(b"\"")
    } else {
        serde_json::to_writer(out, text).map_err(io::Error::other)
    }
}

/// Writes a number as [`Points`] serializes it: whole numbers as integers, others as
/// serde_json writes them, `null` when not finite.
fn write_json_points(out: &mut impl Write, x: f64) -> io::Result<()> {
    let rounded = round_points(x);
    if rounded.is_finite() && rounded.fract() == 0.0 && rounded.abs() < 9e15 {
        out.write_all(itoa::Buffer::new().format(rounded as i64).as_bytes())
    } else {
        serde_json::to_writer(out, &Points(x)).map_err(io::Error::other)
    }
}

/// Rule text wider than this wraps onto more lines in the explain table.
const RULE_WIDTH: usize = 64;

/// One lead's breakdown as a readable table (`leadscore explain`): per score, the rules
/// that gave points with the dates of the events they counted, and the points to the
/// next band; per flag, which parts of its condition hold.
pub fn explain_table(plan: &Plan, outcome: &Outcome, as_of: i64) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "lead {}  as of {}  (model {})",
        outcome.lead,
        crate::time::format_timestamp(as_of),
        plan.model
    );
    let reasons = outcome.why.as_deref().unwrap_or_default();
    let width = reasons
        .iter()
        .map(|r| r.text().chars().count())
        .max()
        .unwrap_or(0)
        .min(RULE_WIDTH);
    // Where the rule text starts: after the points and the times column.
    let indent = " ".repeat(17);
    for (name, value) in &outcome.scores {
        let grade = outcome
            .grade(name)
            .map(|g| format!("  grade {g}"))
            .unwrap_or_default();
        let next = outcome
            .next_bands
            .iter()
            .flatten()
            .find(|(score, _)| score == name)
            .map(|(_, next)| {
                let more = if next.beyond { "more than " } else { "" };
                format!("  ({more}{} to reach {})", signed(next.needs), next.band)
            })
            .unwrap_or_default();
        let _ = writeln!(out, "\n{name} = {}{grade}{next}", format_points(*value));
        let mine: Vec<_> = reasons.iter().filter(|r| &r.score == name).collect();
        if mine.is_empty() {
            let _ = writeln!(out, "  (no rule gave points)");
        }
        for r in mine {
            let times = match (r.kind, r.fired) {
                (ReasonKind::Rule, Some(n)) if n > 1 => format!("{n}×"),
                (ReasonKind::Decay, Some(n)) => format!("{n}×"),
                _ => String::new(),
            };
            let note = match (r.kind, r.idle_days) {
                (ReasonKind::Decay, Some(days)) => format!("  ({days} days idle)"),
                (ReasonKind::Clamp, _) => "  (limit)".to_string(),
                _ => String::new(),
            };
            let mut lines = wrap(&r.text(), width).into_iter();
            let first = lines.next().unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:>8} {:>4}  {:<width$}  {}:{}{note}",
                signed(r.points),
                times,
                first,
                r.file,
                r.line
            );
            for line in lines {
                let _ = writeln!(out, "{indent}{line}");
            }
            if let Some(events) = event_dates(r) {
                let _ = writeln!(out, "{indent}{events}");
            }
            if let Some(unanswered) = unanswered_dates(r) {
                let _ = writeln!(out, "{indent}{unanswered}");
            }
            for line in kept_events(r) {
                let _ = writeln!(out, "{indent}{line}");
            }
        }
    }
    if !outcome.flags.is_empty() {
        let flags: Vec<String> = outcome
            .flags
            .iter()
            .map(|(n, v)| format!("{n} {}", yes_no(*v)))
            .collect();
        let _ = writeln!(out, "\nflags: {}", flags.join(", "));
    }
    for (name, why) in outcome.flags_why.iter().flatten() {
        let _ = write!(out, "  {name} {}: ", yes_no(why.holds));
        write_part(&mut out, why, 4, false);
    }
    out
}

fn yes_no(set: bool) -> &'static str {
    if set {
        "yes"
    } else {
        "no"
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a word longer than
/// a line is broken where it must be). Nothing of the text is left out.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut chars: Vec<char> = word.chars().collect();
        if used > 0 && used + 1 + chars.len() > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        while used + chars.len() > width {
            let rest = chars.split_off(width - used);
            line.extend(chars);
            lines.push(std::mem::take(&mut line));
            used = 0;
            chars = rest;
        }
        used += chars.len();
        line.extend(chars);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The dates of the events a rule counted: `events 2026-10-28, 2026-10-21 and 4 more`
/// (`event 2026-10-28` for one), or for decay `last event 2026-08-27`.
fn event_dates(r: &crate::eval::Reason) -> Option<String> {
    if r.events.is_empty() {
        return None;
    }
    let dates: Vec<String> = r.events.iter().map(|&t| date(t)).collect();
    let more = match r.more_events {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    let what = match (r.kind, dates.len() as u64 + r.more_events) {
        (ReasonKind::Decay, _) => "last event",
        (_, 1) => "event",
        _ => "events",
    };
    Some(format!("{what} {}{more}", dates.join(", ")))
}

/// The sends a non-response rule found unanswered:
/// `unanswered 2026-10-01, 2026-09-20 and 3 more`.
fn unanswered_dates(r: &crate::eval::Reason) -> Option<String> {
    if r.unanswered.is_empty() {
        return None;
    }
    let dates: Vec<String> = r.unanswered.iter().map(|&t| date(t)).collect();
    let more = match r.more_unanswered {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(format!("unanswered {}{more}", dates.join(", ")))
}

/// The events an `on` rule with the options of section 11.3 kept: with `decay`, one
/// line each with its fading, `2026-09-28  +20 → 10 (1 period, -50%)`; without, their
/// dates on one line, `events 2026-10-28, 2026-10-21` (left out when they are the
/// unanswered sends listed already).
fn kept_events(r: &crate::eval::Reason) -> Vec<String> {
    let more = match r.more_events {
        0 => None,
        n => Some(format!("and {n} more")),
    };
    let mut lines: Vec<String> = Vec::new();
    for kept in &r.kept {
        let (Some(periods), Some(percent)) = (kept.periods, kept.percent) else {
            continue;
        };
        let unit = if periods == 1 { "period" } else { "periods" };
        lines.push(format!(
            "{}  {} → {} ({periods} {unit}, -{}%)",
            date(kept.ts),
            signed(kept.full),
            format_points(kept.points),
            format_points(percent)
        ));
    }
    if !lines.is_empty() {
        lines.extend(more);
        return lines;
    }
    let times: Vec<i64> = r.kept.iter().map(|k| k.ts).collect();
    if times.is_empty() || (times == r.unanswered && r.more_events == r.more_unanswered) {
        return lines;
    }
    let dates: Vec<String> = times.iter().map(|&t| date(t)).collect();
    let what = if times.len() == 1 && more.is_none() {
        "event"
    } else {
        "events"
    };
    let more = more.map(|m| format!(" {m}")).unwrap_or_default();
    lines.push(format!("{what} {}{more}", dates.join(", ")));
    lines
}

/// The date (UTC) of a time, as in `2026-10-28`.
fn date(t: i64) -> String {
    let stamp = crate::time::format_timestamp(t);
    match stamp.split_once('T') {
        Some((day, _)) => day.to_string(),
        None => stamp,
    }
}

/// Writes a part of a flag's condition after the text already on the line: a test as
/// `fit >= 20 ✓ (fit 35)`, `and`/`or`/`not` as a heading with their operands below,
/// `indent` deeper. `mark`: whether the heading shows if it holds (the whole
/// condition's heading does not: the flag's yes or no says it).
fn write_part(out: &mut String, part: &PartWhy, indent: usize, mark: bool) {
    let check = if part.holds { "✓" } else { "✗" };
    let (heading, operands): (&str, Vec<&PartWhy>) = match &part.kind {
        PartWhyKind::Test { text, values } => {
            let values: Vec<String> = values
                .iter()
                .map(|(text, value)| format!("{text} {}", shown(value.as_ref())))
                .collect();
            let values = if values.is_empty() {
                String::new()
            } else {
                format!(" ({})", values.join(", "))
            };
            let _ = writeln!(out, "{text} {check}{values}");
            return;
        }
        PartWhyKind::All(parts) => ("all of", parts.iter().collect()),
        PartWhyKind::Any(parts) => ("any of", parts.iter().collect()),
        PartWhyKind::Not(inner) => ("not", vec![inner.as_ref()]),
    };
    if mark {
        let _ = writeln!(out, "{heading} {check}");
    } else {
        let _ = writeln!(out, "{heading}");
    }
    for operand in operands {
        let _ = write!(out, "{:indent$}", "");
        write_part(out, operand, indent + 2, true);
    }
}

/// A tested value as the explain table shows it.
fn shown(value: Option<&crate::record::Value>) -> String {
    use crate::record::Value;
    match value {
        None => "absent".to_string(),
        Some(Value::Number(n)) => format_points(*n),
        Some(Value::Str(s)) => format!("{s:?}"),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Time(t)) => crate::time::format_timestamp(*t),
        Some(Value::Duration(d)) => crate::time::format_duration(*d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plans without grades or flags (or scores) give empty objects, as the outcome's
    /// serialization does; names that need escapes are escaped.
    #[test]
    fn results_lines_are_the_outcomes_lines_for_any_plan() {
        let models = [
            "event a {}\nscore s { on a +1 }",
            "event a {}\nscore s { on a +1.5 }\ngrade s { hot >= 1; cold }",
            "event a {}\nscore s { on a +1 }\nflag f when s >= 1",
            "lead { x: int }",
        ];
        for source in models {
            let loader = crate::MemoryLoader::new();
            let plan = crate::compile_source("m.score", source, &loader)
                .plan
                .unwrap();
            let scorer = crate::eval::Scorer::new(plan).unwrap();
            let lead = scorer.lead("say \"hi\"", []).unwrap();
            let events: Vec<_> = scorer
                .event(&lead.id, "a", 10, [])
                .ok()
                .flatten()
                .into_iter()
                .collect();
            let outcome = scorer.evaluate(&lead, &events, 100, false);
            let mut expected = Vec::new();
            write_jsonl(std::slice::from_ref(&outcome), &mut expected).unwrap();
            let results = Results {
                scores: outcome.scores.iter().map(|(_, v)| *v).collect(),
                bands: scorer
                    .plan()
                    .grades
                    .iter()
                    .zip(&outcome.grades)
                    .map(|(g, (_, band))| g.bands.iter().position(|b| &b.name == band).unwrap())
                    .collect(),
                flags: outcome.flags.iter().map(|(_, v)| *v).collect(),
            };
            let mut fast = Vec::new();
            JsonlResults::new(scorer.plan())
                .write(&lead.id, &results, &mut fast)
                .unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{source}"
            );
        }
    }

    /// Numbers and ids are written as serde_json writes them through `Points` and
    /// `str`: whole numbers as integers, others in full, no negative zero, `null` when
    /// not finite; ids escaped only where JSON needs it.
    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let numbers = [
            0.0,
            -0.0,
            5.0,
            -30.0,
            0.25,
            -0.1,
            0.1 + 0.2,
            4.000_000_4,
            1e15,
            8.9e15,
            9e15,
            1e20,
            -1e300,
            2.5e-7,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in numbers {
            let mut fast = Vec::new();
            write_json_points(&mut fast, x).unwrap();
            let expected = serde_json::to_vec(&Points(x)).unwrap();
            assert_eq!(
                String::from_utf8(fast).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{x}"
            );
        }
        for id in [
            "L1",
            "",
            "say \"hi\"",
            "back\\slash",
            "tab\there",
            "\u{1}\u{1f}",
            "é\u{7f}ü",
            "😀",
        ] {
            let mut fast = Vec::new();
            write_json_str(&mut fast, id).unwrap();
            assert_eq!(fast, serde_json::to_vec(id).unwrap(), "{id:?}");
        }
    }
}
