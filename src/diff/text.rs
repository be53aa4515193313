//! The report as plain text, for the terminal.

use super::{mean, percent, DiffReport, Presence};
use crate::output::{format_points, signed};
use std::fmt::Write as _;

/// A plain-text report for the terminal.
pub fn text(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} → {}: {} leads as of {}",
        report.old_model, report.new_model, report.leads, report.as_of
    );
    let leads = report.leads;
    for s in &report.scores {
        let tag = match s.presence {
            Presence::Both => "",
            Presence::Added => " (new)",
            Presence::Removed => " (removed)",
        };
        let changed = &s.changed;
        let _ = write!(
            out,
            "\nscore {}{tag}: changed: {} of {leads} leads ({})",
            s.score,
            changed.leads,
            percent(changed.leads, leads),
        );
        if let (Some(mean_change), Some(min), Some(median), Some(max)) =
            (changed.mean, changed.min, changed.median, changed.max)
        {
            let _ = write!(
                out,
                ", {} up, {} down, mean {}, median {}, range {} .. {}; all leads: mean {}",
                changed.up,
                changed.down,
                mean(mean_change),
                signed(median),
                signed(min),
                signed(max),
                mean(s.all_leads.mean),
            );
        }
        out.push('\n');
    }
    for g in &report.grades {
        let _ = writeln!(
            out,
            "\ngrade {}: {} of {leads} leads change band",
            g.score, g.moved
        );
        for (i, row) in g.matrix.iter().enumerate() {
            for (j, n) in row.iter().enumerate() {
                if i != j && *n > 0 {
                    let _ = writeln!(out, "  {:>6} leads {} → {}", n, g.bands[i], g.bands[j]);
                }
            }
        }
    }
    for f in &report.flags {
        let _ = writeln!(
            out,
            "\nflag {}: set for {} → {} of {leads} leads (+{} gained, −{} lost)",
            f.flag, f.before, f.after, f.gained, f.lost
        );
    }
    if !report.movers.is_empty() {
        let _ = writeln!(out, "\ntop movers:");
        for m in &report.movers {
            let changes: Vec<String> = m
                .changes
                .iter()
                .map(|(s, a, b)| format!("{s} {} → {}", format_points(*a), format_points(*b)))
                .collect();
            let _ = writeln!(out, "  {}: {}", m.lead, changes.join(", "));
            for r in &m.rules {
                let _ = writeln!(
                    out,
                    "      {} → {}  {}",
                    signed(r.old_points),
                    signed(r.new_points),
                    r.rule
                );
            }
        }
    }
    out
}
