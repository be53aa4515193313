//! Outcomes for the generated B2B data, drawn from a planted truth, so that
//! `leadscore evaluate` has something real to measure and `leadscore suggest` a signal
//! to recover.
//!
//! The truth, looked at as of [`OUTCOMES_AS_OF`] (90 days before the end of the
//! history; nothing later is used): a lead's log-odds of becoming an `sql` within the
//! [`OUTCOMES_HORIZON`] after it are
//!
//! | what | log-odds |
//! |---|---|
//! | base | −3.2 |
//! | each demo request before | +1.2 |
//! | each view of `/pricing` in the 30 days before, at most 3 | +0.5 |
//! | industry `software` or `it services` | +0.8 |
//! | a senior title (CEO, CTO, VP, Head) | +0.5 |
//! | a student | −1.2 |
//! | each unsubscribe from email | −0.7 |
//! | noise: per lead, 0.5 × a standard normal draw | ± |
//!
//! E-mail opens, clicks, forms, webinars, company size and country play no part. A
//! converted lead gets an `sql` record at a uniform time in the horizon, and half of
//! them an `mql` record a few days before. Some records fall outside the window, as in
//! real exports: 2% of leads have an `sql` before the cut-off and 2% one after the
//! horizon. The draws use a generator of their own, so the leads and events are the
//! same bytes with or without outcomes.

use super::{generate_with, write_event, write_lead, Config, Rng, AS_OF};
use crate::time::DAY;
use std::cell::RefCell;
use std::io::{self, Write};

/// The cut-off the planted truth looks from: 2026-08-03T00:00:00Z, 90 days before the
/// end of the generated history.
pub const OUTCOMES_AS_OF: i64 = AS_OF - 90 * DAY;
/// How long after the cut-off the planted conversions happen: 90 days.
pub const OUTCOMES_HORIZON: i64 = 90 * DAY;

/// What the truth looks at of one lead.
#[derive(Default, Clone)]
struct Seen {
    software: bool,
    senior: bool,
    student: bool,
    demos: u32,
    pricing_views: u32,
    unsubscribes: u32,
}

impl Seen {
    fn log_odds(&self) -> f64 {
        let flag = |holds: bool| f64::from(u8::from(holds));
        -3.2 + 1.2 * f64::from(self.demos)
            + 0.5 * f64::from(self.pricing_views.min(3))
            + 0.8 * flag(self.software)
            + 0.5 * flag(self.senior)
            - 1.2 * flag(self.student)
            - 0.7 * f64::from(self.unsubscribes)
    }

    fn lead(&mut self, record: &serde_json::Value) {
        let text = |key: &str| record[key].as_str().unwrap_or_default().to_string();
        self.software = matches!(text("industry").as_str(), "software" | "it services");
        let title = text("title").to_lowercase();
        self.senior = ["ceo", "cto", "vp", "head"]
            .iter()
            .any(|t| title.contains(t));
        self.student = record["student"].as_bool().unwrap_or(false);
    }

    fn event(&mut self, record: &serde_json::Value) {
        let ts = record["ts"]
            .as_str()
            .and_then(crate::time::parse_timestamp)
            .unwrap_or(i64::MAX);
        if ts > OUTCOMES_AS_OF {
            return;
        }
        match record["type"].as_str().unwrap_or_default() {
            "demo.request" => self.demos += 1,
            "email.unsubscribe" => self.unsubscribes += 1,
            "page.view" if record["path"] == "/pricing" && ts >= OUTCOMES_AS_OF - 30 * DAY => {
                self.pricing_views += 1
            }
            _ => {}
        }
    }
}

/// [`super::generate`], and an outcomes file (JSON Lines, one record per outcome) drawn
/// from the planted truth of this module.
pub fn generate_with_outcomes(
    config: &Config,
    leads: &mut impl Write,
    events: &mut impl Write,
    outcomes: &mut impl Write,
) -> io::Result<()> {
    let seen = RefCell::new(vec![Seen::default(); config.leads as usize]);
    let record =
        |line: &[u8]| serde_json::from_slice::<serde_json::Value>(line).unwrap_or_default();
    generate_with(
        config,
        leads,
        events,
        |rng, i, out| {
            let mut line = Vec::new();
            write_lead(rng, i, &mut line)?;
            seen.borrow_mut()[i as usize].lead(&record(&line));
            out.write_all(&line)
        },
        |rng, lead, ts, out| {
            let mut line = Vec::new();
            write_event(rng, lead, ts, &mut line)?;
            seen.borrow_mut()[lead as usize].event(&record(&line));
            out.write_all(&line)
        },
    )?;
    let mut rng = Rng(config.seed ^ 0x6f75_7463_6f6d_6573);
    for (i, lead) in seen.into_inner().iter().enumerate() {
        write_outcomes(&mut rng, &super::lead_id(i as u64), lead, outcomes)?;
    }
    Ok(())
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u = rng.unit().max(f64::MIN_POSITIVE);
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * rng.unit()).cos()
}

fn write_outcomes(rng: &mut Rng, id: &str, lead: &Seen, out: &mut impl Write) -> io::Result<()> {
    let z = lead.log_odds() + 0.5 * normal(rng);
    let converted = rng.chance(1.0 / (1.0 + (-z).exp()));
    // Drawn for every lead, so one lead's outcome does not shift the next one's draws.
    let at = OUTCOMES_AS_OF + 1 + (rng.unit() * (OUTCOMES_HORIZON - 1) as f64) as i64;
    let (mql, early, late) = (rng.chance(0.5), rng.chance(0.02), rng.chance(0.02));
    let mut line = |label: &str, ts: i64| {
        // Whole seconds, as the events are.
        let ts = ts - ts.rem_euclid(crate::time::SECOND);
        let time = crate::time::format_timestamp(ts);
        writeln!(
            out,
            "{{\"lead\":\"{id}\",\"ts\":\"{time}\",\"outcome\":\"{label}\"}}"
        )
    };
    if early {
        line("sql", OUTCOMES_AS_OF - 20 * DAY)?;
    }
    if converted {
        if mql {
            line("mql", at - 3 * DAY)?;
        }
        line("sql", at)?;
    }
    if late {
        line("sql", OUTCOMES_AS_OF + OUTCOMES_HORIZON + 10 * DAY)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64) -> [Vec<u8>; 3] {
        let config = Config {
            leads: 300,
            events: 3000,
            seed,
        };
        let mut out = [Vec::new(), Vec::new(), Vec::new()];
        let [leads, events, outcomes] = &mut out;
        generate_with_outcomes(&config, leads, events, outcomes).unwrap();
        out
    }

    #[test]
    fn outcomes_leave_the_leads_and_events_as_they_were() {
        let [leads, events, outcomes] = run(3);
        let (mut plain_leads, mut plain_events) = (Vec::new(), Vec::new());
        let config = Config {
            leads: 300,
            events: 3000,
            seed: 3,
        };
        super::super::generate(&config, &mut plain_leads, &mut plain_events).unwrap();
        assert_eq!((leads, events), (plain_leads, plain_events));
        assert_eq!(run(3)[2], outcomes, "the same seed, the same outcomes");
        assert_ne!(run(4)[2], outcomes);
    }

    #[test]
    fn demo_requests_raise_the_odds() {
        let lead = Seen::default();
        let demo = Seen {
            demos: 1,
            ..Seen::default()
        };
        assert!((demo.log_odds() - lead.log_odds() - 1.2).abs() < 1e-12);
        let pricing = Seen {
            pricing_views: 7,
            ..Seen::default()
        };
        assert!(
            (pricing.log_odds() - lead.log_odds() - 1.5).abs() < 1e-12,
            "at most 3"
        );
    }
}
