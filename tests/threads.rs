//! `--threads` and `ScoreJob::threads` are bounded: a huge count is refused by the command
//! line (it used to panic with "capacity overflow", or abort at 20,000) and capped by the
//! library, with the same results.

use insta_cmd::get_cargo_bin;
use leadscore::job::ScoreJob;
use leadscore::{compile_source, MemoryLoader, Scorer, Source, MAX_THREADS};
use std::process::Command;
use std::sync::Arc;

#[test]
fn the_command_line_refuses_a_thread_count_out_of_range() {
    for count in ["18446744073709551615", "20000", "0", "many"] {
        let output = Command::new(get_cargo_bin("leadscore"))
            .args(["score", "examples/b2b.score", "--threads", count])
            .args([
                "--leads",
                "examples/data/b2b/leads.jsonl",
                "--as-of",
                "2026-11-01",
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{count}: {stderr}");
        assert!(!stderr.contains("panicked"), "{count}: {stderr}");
        assert!(
            stderr.contains(&format!("a whole number from 1 to {MAX_THREADS}")),
            "{count}: {stderr}"
        );
    }
}

#[test]
fn the_library_caps_the_thread_count_with_the_same_results() {
    let source = "event a {}\nscore s { on a +1 }";
    let plan = compile_source("m.score", source, &MemoryLoader::new())
        .plan
        .unwrap();
    let scorer = Arc::new(Scorer::new(plan).unwrap());
    let events: String = (0..50)
        .map(|i| {
            format!(
                "{{\"lead\":\"L{}\",\"type\":\"a\",\"ts\":\"2026-10-01T00:00:00Z\"}}\n",
                i % 7
            )
        })
        .collect();
    let run = |threads: usize| {
        let mut job = ScoreJob::new(leadscore::time::parse_timestamp("2026-11-01").unwrap());
        job.threads = threads;
        let mut out = Vec::new();
        let events = Source::new("events.jsonl", events.as_bytes());
        job.run(scorer.clone(), None, Some(events), &mut out, None)
            .unwrap();
        out
    };
    assert_eq!(run(usize::MAX), run(1));
    assert_eq!(run(0), run(2));
}
