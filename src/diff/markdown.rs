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
    let leads = report.leads;
    let _ = writeln!(out, "### Scores\n");
    let _ = writeln!(
        out,
        "| score | leads changed | up | down | changed: mean | changed: median | changed: range | all leads: mean |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
    for s in &report.scores {
        let name = match s.presence {
            Presence::Both => format!("`{}`", s.score),
            Presence::Added => format!("`{}` (new)", s.score),
            Presence::Removed => format!("`{}` (removed)", s.score),
        };
        let changed = &s.changed;
        let range = match (changed.min, changed.max) {
            (Some(min), Some(max)) => format!("{} .. {}", signed(min), signed(max)),
            _ => or_dash(None, signed),
        };
        let _ = writeln!(
            out,
            "| {name} | {} of {leads} ({}) | {} | {} | {} | {} | {range} | {} |",
            changed.leads,
            percent(changed.leads, leads),
            changed.up,
            changed.down,
            or_dash(changed.mean, mean),
            or_dash(changed.median, signed),
            mean(s.all_leads.mean)
        );
    }
    for g in &report.grades {
        let _ = writeln!(
            out,
            "\n### Grade `{}`: {} of {leads} leads ({}) change band\n",
            g.score,
            g.moved,
            percent(g.moved, leads)
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
        let _ = writeln!(out, "\n### Flags (of {leads} leads)\n");
        let _ = writeln!(out, "| flag | set before | set after | gained | lost |");
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

/// A figure shown by `show`, or `—` for a figure over no leads.
fn or_dash(x: Option<f64>, show: fn(f64) -> String) -> String {
    x.map_or_else(|| "—".to_string(), show)
}
