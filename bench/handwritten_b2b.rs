//! A straightforward hand-written scorer for the B2B example model only — the program a
//! Rust developer would write instead of using leadscore: serde_json for parsing, two
//! threads, a hash map of per-lead counters. bench/run.sh times it against leadscore and
//! checks that both give the same CSV.
//!
//! cargo run --release --example handwritten_b2b -- LEADS EVENTS AS_OF_EPOCH > out.csv

use serde::Deserialize;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::sync::mpsc;

#[derive(Deserialize)]
struct Lead {
    id: String,
    industry: Option<String>,
    title: Option<String>,
    company_size: Option<i64>,
    country: Option<String>,
    email: Option<String>,
    student: Option<bool>,
    segment: Option<String>,
}

#[derive(Deserialize)]
struct Event {
    lead: String,
    #[serde(rename = "type")]
    kind: String,
    ts: String,
    path: Option<String>,
    form: Option<String>,
}

#[derive(Default, Clone)]
struct Activity {
    opens: i64,
    clicks: i64,
    pricing: i64,
    careers: i64,
    contact: i64,
    demos: i64,
    recent_demos: i64,
    unsubscribes: i64,
    webinars: i64,
    last_any: Option<i64>,
    last_view: Option<i64>,
}

impl Activity {
    fn merge(&mut self, o: &Activity) {
        self.opens += o.opens;
        self.clicks += o.clicks;
        self.pricing += o.pricing;
        self.careers += o.careers;
        self.contact += o.contact;
        self.demos += o.demos;
        self.recent_demos += o.recent_demos;
        self.unsubscribes += o.unsubscribes;
        self.webinars += o.webinars;
        self.last_any = self.last_any.max(o.last_any);
        self.last_view = self.last_view.max(o.last_view);
    }
}

const DECLARED: [&str; 7] = [
    "email.open",
    "email.click",
    "page.view",
    "webinar.attend",
    "demo.request",
    "email.unsubscribe",
    "form.submit",
];
const DAY: i64 = 86_400;

fn observe(map: &mut HashMap<String, Activity>, line: &str, t0: i64) {
    let e: Event = serde_json::from_str(line).expect("valid event");
    let a = map.entry(e.lead).or_default();
    let t = chrono::DateTime::parse_from_rfc3339(&e.ts)
        .expect("rfc 3339")
        .timestamp();
    if t > t0 || !DECLARED.contains(&e.kind.as_str()) {
        return;
    }
    a.last_any = a.last_any.max(Some(t));
    let recent = |days: i64| t >= t0 - days * DAY;
    match e.kind.as_str() {
        "email.open" if recent(30) => a.opens += 1,
        "email.click" if recent(30) => a.clicks += 1,
        "page.view" => {
            a.last_view = a.last_view.max(Some(t));
            let path = e.path.as_deref().unwrap_or("");
            if e.path.as_deref() == Some("/pricing") && recent(30) {
                a.pricing += 1;
            }
            if e.path.is_some() && path.starts_with("/careers") {
                a.careers += 1;
            }
        }
        "form.submit" if e.form.as_deref() == Some("contact") => a.contact += 1,
        "demo.request" => {
            a.demos += 1;
            if recent(14) {
                a.recent_demos += 1;
            }
        }
        "email.unsubscribe" => a.unsubscribes += 1,
        "webinar.attend" if recent(90) => a.webinars += 1,
        _ => {}
    }
}

fn fit(l: Option<&Lead>, title: &regex::Regex) -> i64 {
    let Some(l) = l else { return 0 };
    let mut s = 0;
    if matches!(l.industry.as_deref(), Some("software" | "it services")) {
        s += 20;
    }
    if l.title.as_deref().is_some_and(|t| title.is_match(t)) {
        s += 20;
    }
    if l.company_size.is_some_and(|n| (50..=500).contains(&n)) {
        s += 15;
    }
    if l.country
        .as_deref()
        .is_some_and(|c| !["PL", "DE", "US", "GB"].contains(&c))
    {
        s -= 30;
    }
    let domain = l
        .email
        .as_deref()
        .and_then(|e| e.rsplit_once('@'))
        .map(|(_, d)| d.to_lowercase());
    if domain.is_some_and(|d| {
        ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com"].contains(&d.as_str())
    }) {
        s -= 10;
    }
    if l.student == Some(true) {
        s -= 20;
    }
    s.clamp(0, 100)
}

fn engagement(a: &Activity, t0: i64) -> i64 {
    let mut s = 5 * a.opens + 15 * a.clicks + 10 * a.pricing.min(3) - 5 * a.careers
        + 25 * a.contact
        + 50 * a.demos
        - 20 * a.unsubscribes;
    if a.webinars >= 2 {
        s += 10;
    }
    if let Some(last) = a.last_any {
        s -= 10 * ((t0 - last) / (30 * DAY));
    }
    if let Some(last) = a.last_view {
        s -= 15 * ((t0 - last) / (45 * DAY));
    }
    s.clamp(0, 100)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (leads_path, events_path, t0) = (
        &args[1],
        &args[2],
        args[3].parse::<i64>().expect("as-of epoch"),
    );
    let leads: HashMap<String, Lead> =
        BufReader::new(std::fs::File::open(leads_path).expect("leads"))
            .lines()
            .map(|l| serde_json::from_str::<Lead>(&l.expect("read")).expect("valid lead"))
            .map(|l| (l.id.clone(), l))
            .collect();

    // Two workers, each with its own map, fed batches of lines.
    let (tx, rx) = mpsc::sync_channel::<Vec<String>>(4);
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let rx = rx.clone();
            std::thread::spawn(move || {
                let mut map = HashMap::new();
                while let Ok(batch) = rx.lock().unwrap().recv() {
                    for line in batch {
                        observe(&mut map, &line, t0);
                    }
                }
                map
            })
        })
        .collect();
    let mut batch = Vec::with_capacity(10_000);
    for line in BufReader::new(std::fs::File::open(events_path).expect("events")).lines() {
        batch.push(line.expect("read"));
        if batch.len() == 10_000 {
            tx.send(std::mem::take(&mut batch)).unwrap();
        }
    }
    tx.send(batch).unwrap();
    drop(tx);
    let mut activity: HashMap<String, Activity> = HashMap::new();
    for worker in workers {
        for (lead, a) in worker.join().unwrap() {
            activity.entry(lead).or_default().merge(&a);
        }
    }

    let title = regex::Regex::new(r"(?i)\b(ceo|cto|cio|vp|head)\b").unwrap();
    let mut ids: Vec<&String> = leads.keys().chain(activity.keys()).collect();
    ids.sort();
    ids.dedup();
    let empty = Activity::default();
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(
        out,
        "lead,fit,engagement,total,fit_grade,engagement_grade,mql,sales_ready"
    )
    .unwrap();
    for id in ids {
        let lead = leads.get(id);
        let a = activity.get(id).unwrap_or(&empty);
        let (f, e) = (fit(lead, &title), engagement(a, t0));
        let fit_grade = match f {
            50.. => "A",
            35.. => "B",
            20.. => "C",
            _ => "D",
        };
        let smb = lead.and_then(|l| l.segment.as_deref()) == Some("smb");
        let eng_grade = if e >= 90 || (e >= 70 && smb) {
            "hot"
        } else if e >= 30 {
            "warm"
        } else {
            "cold"
        };
        let mql = e >= 70 && f >= 40;
        let sales_ready = mql && a.recent_demos > 0;
        writeln!(
            out,
            "{id},{f},{e},{},{fit_grade},{eng_grade},{mql},{sales_ready}",
            f + e
        )
        .unwrap();
    }
}
