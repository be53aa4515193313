//! Times are kept to the microsecond (language sketch 11.1), on every input path.

use insta_cmd::get_cargo_bin;
use leadscore::time::{parse_timestamp, DAY, SECOND};
use leadscore::{MemoryLoader, Scorer};
use std::process::Command;

const MODEL: &str = "event page.view {}\nscore recent { on page.view +1 within 30d }\n";
const T: &str = "2026-11-01T00:00:00Z";

/// Scores `events` (a JSON Lines or CSV file body) with `MODEL` as of `as_of`; returns stdout.
fn score(file_name: &str, events: &str, as_of: &str) -> String {
    score_with(file_name, events, as_of, &[])
}

/// [`score`] with more options.
fn score_with(file_name: &str, events: &str, as_of: &str, options: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.score"), MODEL).unwrap();
    std::fs::write(dir.path().join(file_name), events).unwrap();
    let output = Command::new(get_cargo_bin("leadscore"))
        .current_dir(dir.path())
        .args(["score", "m.score", "--events", file_name, "--as-of", as_of])
        .args(["--format", "csv"])
        .args(options)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn jsonl(rows: &[(&str, &str)]) -> String {
    rows.iter()
        .map(|(lead, ts)| format!("{{\"lead\":\"{lead}\",\"type\":\"page.view\",\"ts\":{ts}}}\n"))
        .collect()
}

fn csv(rows: &[(&str, &str)]) -> String {
    let body: String = rows
        .iter()
        .map(|(lead, ts)| format!("{lead},page.view,{}\n", ts.trim_matches('"')))
        .collect();
    format!("lead,type,ts\n{body}")
}

/// Events just inside and just outside the window and the present, in every time form.
fn edge_events() -> Vec<(&'static str, &'static str)> {
    vec![
        // Half a second after T: in the future, so it does not count.
        ("future_rfc3339", "\"2026-11-01T00:00:00.500Z\""),
        ("future_epoch", "1793491200.5"),
        // Exactly 30 days before T: the window keeps both ends.
        ("edge_kept", "\"2026-10-02T00:00:00Z\""),
        // One microsecond earlier: outside.
        ("edge_dropped", "\"2026-10-01T23:59:59.999999Z\""),
        ("edge_dropped_epoch", "1790899199.999999"),
        // Seven fractional digits: truncated toward the earlier time, so outside too.
        ("truncated", "\"2026-10-01T23:59:59.9999999Z\""),
        // `.1` is read as written (.100000), whatever its nearest float is.
        ("now_epoch", "1793491199.1"),
    ]
}

const EXPECTED: &str = "lead,recent\n\
edge_dropped,0\n\
edge_dropped_epoch,0\n\
edge_kept,1\n\
future_epoch,0\n\
future_rfc3339,0\n\
now_epoch,1\n\
truncated,0\n";

#[test]
fn sub_second_times_decide_windows_and_the_future_in_json_lines() {
    assert_eq!(score("events.jsonl", &jsonl(&edge_events()), T), EXPECTED);
}

#[test]
fn sub_second_times_decide_windows_and_the_future_in_csv() {
    assert_eq!(score("events.csv", &csv(&edge_events()), T), EXPECTED);
}

/// [`edge_events`] with its epoch times in milliseconds (`--ts-unit ms`), as text or as
/// numbers: the fraction of a millisecond is kept to the microsecond.
#[test]
fn sub_second_times_in_milliseconds_decide_windows_and_the_future() {
    let in_ms = |ts: &str| match ts.split_once('.') {
        _ if ts.starts_with('"') => ts.to_string(),
        Some((whole, fraction)) => {
            let fraction = format!("{fraction:0<3}");
            let (ms, rest) = fraction.split_at(3);
            format!("{whole}{ms}.{rest}")
                .trim_end_matches('.')
                .to_string()
        }
        None => format!("{ts}000"),
    };
    let events: Vec<(&str, String)> = edge_events()
        .into_iter()
        .map(|(lead, ts)| (lead, in_ms(ts)))
        .collect();
    let events: Vec<(&str, &str)> = events.iter().map(|(l, t)| (*l, t.as_str())).collect();
    let ms = ["--ts-unit", "ms"];
    assert_eq!(
        score_with("events.jsonl", &jsonl(&events), T, &ms),
        EXPECTED
    );
    assert_eq!(score_with("events.csv", &csv(&events), T, &ms), EXPECTED);
    // The as-of time too: a microsecond before the event, and at it.
    let events = jsonl(&[("L1", "1793491200500")]);
    assert_eq!(
        score_with("events.jsonl", &events, "1793491200499.999", &ms),
        "lead,recent\nL1,0\n"
    );
    assert_eq!(
        score_with("events.jsonl", &events, "1793491200500", &ms),
        "lead,recent\nL1,1\n"
    );
}

#[test]
fn the_as_of_time_keeps_its_fraction() {
    let events = jsonl(&[("L1", "\"2026-11-01T00:00:00.500Z\"")]);
    assert_eq!(
        score("events.jsonl", &events, "2026-11-01T00:00:00.499999Z"),
        "lead,recent\nL1,0\n"
    );
    assert_eq!(
        score("events.jsonl", &events, "2026-11-01T00:00:00.5Z"),
        "lead,recent\nL1,1\n"
    );
}

#[test]
fn days_since_counts_whole_days_on_microseconds() {
    let source = "event page.view {}\nscore s { when days_since(page.view) >= 1 +1 }\n";
    let compiled = leadscore::compile_source("m.score", source, &MemoryLoader::new());
    let scorer = Scorer::new(compiled.plan.unwrap()).unwrap();
    let t = parse_timestamp(T).unwrap();
    let lead = scorer.lead("L1", []).unwrap();
    let score_with_last_view_at = |ts: i64| {
        let view = scorer.event("L1", "page.view", ts, []).unwrap().unwrap();
        scorer.evaluate(&lead, &[view], t, false).score("s")
    };
    assert_eq!(score_with_last_view_at(t - DAY), Some(1.0));
    assert_eq!(score_with_last_view_at(t - DAY + 1), Some(0.0));
    assert_eq!(score_with_last_view_at(t - DAY - SECOND / 2), Some(1.0));
}

#[test]
fn time_literals_in_models_keep_their_fraction() {
    let source = "event page.view {}\nscore s { when now() > @2026-11-01T00:00:00.25Z +1 }\n";
    let compiled = leadscore::compile_source("m.score", source, &MemoryLoader::new());
    assert!(
        !compiled.diagnostics.has_errors(),
        "{:?}",
        compiled.diagnostics
    );
    let scorer = Scorer::new(compiled.plan.unwrap()).unwrap();
    let lead = scorer.lead("L1", []).unwrap();
    let t = parse_timestamp(T).unwrap();
    let at = |micros: i64| scorer.evaluate(&lead, &[], t + micros, false).score("s");
    assert_eq!(at(250_000), Some(0.0));
    assert_eq!(at(250_001), Some(1.0));
}
