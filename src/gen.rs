//! Synthetic leads and events for benchmarks and demos (`leadscore gen`): in the schema
//! of `examples/acme-schema.score` (the B2B example model), or of any model
//! ([`generate_for`], in `gen/model.rs`).
//!
//! The data is deterministic for a seed, on every platform and every version of this
//! crate: it uses its own small generator (SplitMix64) rather than a crate whose output
//! may change between releases. Shape: a year of history ending at 2026-11-01, events in
//! time order across leads, a few very active leads and many quiet ones (activity follows
//! a power law), and about 5% of attributes absent. The B2B data also has a few percent
//! of events of types the model does not declare, and outcomes drawn from a documented
//! planted truth ([`generate_with_outcomes`], in `gen/outcomes.rs`).

mod model;
mod outcomes;

pub use model::generate_for;
pub use outcomes::{generate_with_outcomes, OUTCOMES_AS_OF, OUTCOMES_HORIZON};

use std::io::{self, Write};

/// The end of the generated history (2026-11-01T00:00:00Z): score as of this time.
pub const AS_OF: i64 = 1_793_491_200 * crate::time::SECOND;
/// A year of whole seconds (the generated times have no fraction).
const YEAR_SECONDS: i64 = 365 * 86_400;

/// How much to generate.
pub struct Config {
    /// Lead records.
    pub leads: u64,
    /// Event records, spread over the year before [`AS_OF`].
    pub events: u64,
    /// The generator's seed: the same seed gives the same bytes.
    pub seed: u64,
}

/// SplitMix64: tiny, fast, and stable forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

fn lead_id(i: u64) -> String {
    format!("L{i:07}")
}

const INDUSTRIES: &[&str] = &[
    "software",
    "it services",
    "retail",
    "manufacturing",
    "finance",
    "healthcare",
    "education",
];
const TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "VP Marketing",
    "Head of Sales",
    "Engineer",
    "Analyst",
    "Marketing Manager",
    "Student",
    "Director of IT",
    "Consultant",
];
const COUNTRIES: &[&str] = &["PL", "DE", "US", "GB", "FR", "ES", "IT", "NL", "BR", "IN"];
const DOMAINS: &[&str] = &[
    "gmail.com",
    "yahoo.com",
    "acme.io",
    "example.com",
    "corp.de",
    "firma.pl",
    "outlook.com",
    "startup.dev",
];
const SEGMENTS: &[&str] = &["smb", "mid-market", "enterprise"];
const PATHS: &[&str] = &[
    "/pricing",
    "/careers/engineering",
    "/blog/lead-scoring",
    "/docs/api",
    "/",
    "/pricing",
    "/blog/mql",
    "/careers",
];
const CAMPAIGNS: &[&str] = &["spring", "autumn-webinar", "pricing-followup", "newsletter"];
const FORMS: &[&str] = &["contact", "newsletter", "webinar"];
const TOPICS: &[&str] = &["scoring 101", "mql handoff", "pipeline analytics"];

/// Writes `config.leads` lead records and `config.events` event records of the B2B
/// example as JSON Lines.
pub fn generate(
    config: &Config,
    leads: &mut impl Write,
    events: &mut impl Write,
) -> io::Result<()> {
    generate_with(
        config,
        leads,
        events,
        |rng, i, out| write_lead(rng, i, out),
        |rng, lead, ts, out| write_event(rng, lead, ts, out),
    )
}

/// The shape of every generated data set: `lead` writes lead `i`, then `event` writes
/// each event of a lead at a time, both drawing from one generator.
fn generate_with<L: Write, E: Write>(
    config: &Config,
    leads: &mut L,
    events: &mut E,
    mut lead: impl FnMut(&mut Rng, u64, &mut L) -> io::Result<()>,
    mut event: impl FnMut(&mut Rng, u64, i64, &mut E) -> io::Result<()>,
) -> io::Result<()> {
    let mut rng = Rng(config.seed);
    for i in 0..config.leads {
        lead(&mut rng, i, leads)?;
    }
    // Events spread evenly over the year, in time order; a power law picks the lead, and
    // a multiplier coprime with the lead count scatters the active leads over the ids.
    let stride = coprime_stride(config.leads);
    let start = AS_OF - YEAR_SECONDS * crate::time::SECOND;
    for i in 0..config.events {
        let offset = (i as i128 * YEAR_SECONDS as i128 / config.events.max(1) as i128) as i64;
        let ts = start + offset * crate::time::SECOND;
        let rank = (config.leads as f64 * rng.unit().powi(3)) as u64;
        let target = (rank.wrapping_mul(stride)) % config.leads.max(1);
        event(&mut rng, target, ts, events)?;
    }
    Ok(())
}

fn coprime_stride(n: u64) -> u64 {
    let gcd = |mut a: u64, mut b: u64| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a
    };
    (7919..).find(|s| gcd(*s, n.max(1)) == 1).unwrap_or(1)
}

/// Writes `,"key":value` pairs; each attribute is absent with probability 5%.
struct Record<'w, W: Write> {
    out: &'w mut W,
    rng: &'w mut Rng,
}

impl<W: Write> Record<'_, W> {
    fn absent(&mut self) -> bool {
        self.rng.chance(0.05)
    }

    fn pick(&mut self, key: &str, choices: &[&str]) -> io::Result<()> {
        let value = self.rng.pick(choices);
        self.text(key, value)
    }

    fn text(&mut self, key: &str, value: &str) -> io::Result<()> {
        if self.absent() {
            return Ok(());
        }
        write!(self.out, ",\"{key}\":\"{value}\"")
    }

    fn raw(&mut self, key: &str, value: impl std::fmt::Display) -> io::Result<()> {
        if self.absent() {
            return Ok(());
        }
        write!(self.out, ",\"{key}\":{value}")
    }
}

fn write_lead(rng: &mut Rng, i: u64, out: &mut impl Write) -> io::Result<()> {
    write!(out, "{{\"id\":\"{}\"", lead_id(i))?;
    let mut r = Record { out, rng };
    r.pick("industry", INDUSTRIES)?;
    r.pick("title", TITLES)?;
    let size = 1 + (r.rng.unit().powi(2) * 5000.0) as u64;
    r.raw("company_size", size)?;
    r.pick("country", COUNTRIES)?;
    let email = format!("user{i}@{}", r.rng.pick(DOMAINS));
    r.text("email", &email)?;
    let revenue = (r.rng.unit() * 5e7).round();
    r.raw("revenue", revenue)?;
    let student = r.rng.chance(0.03);
    r.raw("student", student)?;
    r.pick("segment", SEGMENTS)?;
    writeln!(r.out, "}}")
}

fn write_event(rng: &mut Rng, lead: u64, ts: i64, out: &mut impl Write) -> io::Result<()> {
    let kind = match rng.unit() {
        r if r < 0.33 => "email.open",
        r if r < 0.48 => "email.click",
        r if r < 0.80 => "page.view",
        r if r < 0.84 => "webinar.attend",
        r if r < 0.855 => "demo.request",
        r if r < 0.87 => "email.unsubscribe",
        r if r < 0.94 => "form.submit",
        r if r < 0.97 => "chat.message",
        _ => "ad.impression",
    };
    let time = crate::time::format_timestamp(ts);
    write!(
        out,
        "{{\"lead\":\"{}\",\"type\":\"{kind}\",\"ts\":\"{time}\"",
        lead_id(lead)
    )?;
    let mut r = Record { out, rng };
    match kind {
        "email.click" => r.pick("campaign", CAMPAIGNS)?,
        "page.view" => {
            r.pick("path", PATHS)?;
            let seconds = (r.rng.unit() * 6000.0).round() / 10.0;
            r.raw("seconds", seconds)?;
        }
        "webinar.attend" => r.pick("topic", TOPICS)?,
        "form.submit" => r.pick("form", FORMS)?,
        "chat.message" => r.text("text", "hello")?,
        _ => {}
    }
    writeln!(r.out, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64) -> (Vec<u8>, Vec<u8>) {
        let (mut leads, mut events) = (Vec::new(), Vec::new());
        generate(
            &Config {
                leads: 50,
                events: 500,
                seed,
            },
            &mut leads,
            &mut events,
        )
        .unwrap();
        (leads, events)
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }

    #[test]
    fn events_are_in_time_order_and_activity_is_skewed() {
        let (_, events) = run(1);
        let text = String::from_utf8(events).unwrap();
        let mut per_lead = std::collections::HashMap::<String, usize>::new();
        let mut last = String::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let ts = v["ts"].as_str().unwrap().to_string();
            assert!(ts >= last, "events out of time order");
            last = ts;
            *per_lead
                .entry(v["lead"].as_str().unwrap().to_string())
                .or_default() += 1;
        }
        let mut counts: Vec<usize> = per_lead.values().copied().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        assert!(
            counts[0] > 5 * counts[counts.len() / 2],
            "the busiest lead is far busier than the median"
        );
    }
}
