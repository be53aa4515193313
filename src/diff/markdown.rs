//! The report in Markdown, ready to paste into a pull-request comment.

use super::{mean, percent, DiffReport, Presence};
use crate::output::{format_points, signed};
use std::fmt::Write as _;

/// A Markdown report, ready to paste into a pull-request comment.
pub fn markdown(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Scoring change: `{}` → `{}`\n",
        report.old_model, report.new_model
    );
    let _ = writeln!(
        out,
        "{} leads, scored as of {}.\n",
        report.leads, report.as_of
    );
    let _ = writeln!(out, "### Scores\n");
    let _ = writeln!(
        out,
        "| score | leads changed | up | down | mean change | smallest | median | largest |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for s in &report.scores {
        let name = match s.presence {
            Presence::Both => format!("`{}`", s.score),
            Presence::Added => format!("`{}` (new)", s.score),
            Presence::Removed => format!("`{}` (removed)", s.score),
        };
        let _ = writeln!(
            out,
            "| {name} | {} ({}) | {} | {} | {} | {} | {} | {} |",
            s.changed,
            percent(s.changed, report.leads),
            s.up,
            s.down,
            mean(s.mean),
            signed(s.min),
            signed(s.median),
            signed(s.max)
        );
    }
    for g in &report.grades {
        let _ = writeln!(
            out,
            "\n### Grade `{}`: {} leads ({}) change band\n",
            g.score,
            g.moved,
            percent(g.moved, report.leads)
        );
        let _ = writeln!(out, "| old ↓ new → | {} |", g.bands.join(" | "));
        let _ = writeln!(out, "|---|{}", "---:|".repeat(g.bands.len()));
        for (i, row) in g.matrix.iter().enumerate() {
            let cells: Vec<String> = row
                .iter()
                .enumerate()
                .map(|(j, n)| {
                    if i != j && *n > 0 {
                        format!("**{n}**")
                    } else {
                        n.to_string()
                    }
                })
                .collect();
            let _ = writeln!(out, "| {} | {} |", g.bands[i], cells.join(" | "));
        }
    }
    if !report.flags.is_empty() {
        let _ = writeln!(out, "\n### Flags\n");
        let _ = writeln!(out, "| flag | before | after | gained | lost |");
        let _ = writeln!(out, "|---|---:|---:|---:|---:|");
        for f in &report.flags {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | +{} | −{} |",
                f.flag, f.before, f.after, f.gained, f.lost
            );
        }
    }
    if !report.movers.is_empty() {
        let _ = writeln!(out, "\n### Top movers\n");
        let _ = writeln!(out, "| lead | change | rules that moved it |");
        let _ = writeln!(out, "|---|---|---|");
        for m in &report.movers {
            let changes: Vec<String> = m
                .changes
                .iter()
                .map(|(s, a, b)| {
                    format!(
                        "{s} {} → {} ({})",
                        format_points(*a),
                        format_points(*b),
                        signed(b - a)
                    )
                })
                .collect();
            let rules: Vec<String> = m
                .rules
                .iter()
                .map(|r| {
                    format!(
                        "`{}` {} → {}",
                        r.rule.replace('|', "\\|"),
                        signed(r.old_points),
                        signed(r.new_points)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                m.lead,
                changes.join("<br>"),
                rules.join("<br>")
            );
        }
    }
    out
}
