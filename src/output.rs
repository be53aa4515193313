//! Writing outcomes: JSON Lines, CSV, and the explanation table a sales rep reads.

use crate::eval::{round_points, Outcome, Points, ReasonKind, Results};
use crate::plan::Plan;
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;
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

/// A number as the outputs show it: whole numbers without a fraction.
pub fn format_points(x: f64) -> String {
    let mut text = String::new();
    push_points(&mut text, x);
    text
}

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
    if x > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// CSV with a header: `lead`, each score, `<score>_grade` for each graded score, each
/// flag; with `explain`, a last `why` column summarising the contributions.
pub fn write_csv(
    plan: &Plan,
    outcomes: &[Outcome],
    explain: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    write_csv_header(plan, explain, out)?;
    write_csv_rows(outcomes, explain, out)
}

/// The CSV header row.
pub fn write_csv_header(plan: &Plan, explain: bool, out: &mut impl Write) -> io::Result<()> {
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
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&header).map_err(io::Error::other)?;
    writer.flush()
}

/// CSV rows (no header), one per outcome.
pub fn write_csv_rows(outcomes: &[Outcome], explain: bool, out: &mut impl Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for outcome in outcomes {
        let mut row = vec![outcome.lead.clone()];
        row.extend(outcome.scores.iter().map(|(_, v)| format_points(*v)));
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
                        r.rule,
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
            push_points(&mut self.number, score);
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

/// One JSON Lines line from results without explanations: the bytes [`write_jsonl`]
/// writes for the lead's outcome.
pub fn write_jsonl_result(
    plan: &Plan,
    id: &str,
    results: &Results,
    out: &mut impl Write,
) -> io::Result<()> {
    let line = JsonResults { plan, id, results };
    serde_json::to_writer(&mut *out, &line).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

struct JsonResults<'a> {
    plan: &'a Plan,
    id: &'a str,
    results: &'a Results,
}

impl Serialize for JsonResults<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (plan, results) = (self.plan, self.results);
        let scores = || {
            plan.scores
                .iter()
                .zip(&results.scores)
                .map(|(s, &v)| (&s.name, Points(v)))
        };
        let grades = || {
            plan.grades
                .iter()
                .zip(&results.bands)
                .map(|(g, &band)| (&plan.scores[g.score as usize].name, &g.bands[band].name))
        };
        let flags = || {
            plan.flags
                .iter()
                .zip(&results.flags)
                .map(|(f, v)| (&f.name, v))
        };
        // The fields and order of `Outcome`'s serialization.
        let mut line = s.serialize_struct("Outcome", 4)?;
        line.serialize_field("lead", self.id)?;
        line.serialize_field("scores", &Map(scores))?;
        line.serialize_field("grades", &Map(grades))?;
        line.serialize_field("flags", &Map(flags))?;
        line.end()
    }
}

/// A map serialized from the pairs a closure yields.
struct Map<F>(F);

impl<F, I, K, V> Serialize for Map<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (K, V)>,
    K: Serialize,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map((self.0)())
    }
}

/// One lead's breakdown as a readable table (`leadscore explain`).
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
        .map(|r| r.rule.chars().count())
        .max()
        .unwrap_or(0)
        .min(64);
    for (name, value) in &outcome.scores {
        let grade = outcome
            .grade(name)
            .map(|g| format!("  grade {g}"))
            .unwrap_or_default();
        let _ = writeln!(out, "\n{name} = {}{grade}", format_points(*value));
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
            let rule: String = r.rule.chars().take(64).collect();
            let _ = writeln!(
                out,
                "  {:>8} {:>4}  {:<width$}  {}:{}{note}",
                signed(r.points),
                times,
                rule,
                r.file,
                r.line
            );
        }
    }
    if !outcome.flags.is_empty() {
        let flags: Vec<String> = outcome
            .flags
            .iter()
            .map(|(n, v)| format!("{n} {}", if *v { "yes" } else { "no" }))
            .collect();
        let _ = writeln!(out, "\nflags: {}", flags.join(", "));
    }
    out
}
