//! Writing outcomes: JSON Lines, CSV, and the explanation table a sales rep reads.

use crate::eval::{round_points, Outcome, ReasonKind};
use crate::plan::Plan;
use std::fmt::Write as _;
use std::io::{self, Write};

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
    let x = round_points(x);
    if x.fract() == 0.0 && x.abs() < 9e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
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
