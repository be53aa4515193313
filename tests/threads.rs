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

/// Leads spread over several blocks of the leads file (each parsed on any thread, then
/// added in line order as the blocks before it are) give the results and set-aside
/// records of one thread: a lead listed twice is the later line, naming the first, even
/// when the two lines are blocks apart, and bad records come in line order.
#[test]
fn leads_over_many_blocks_are_added_in_line_order_on_any_thread_count() {
    let source = "lead { size: int }\nevent a {}\nscore s { when lead.size >= 5 +1\n on a +1 }";
    let plan = compile_source("m.score", source, &MemoryLoader::new())
        .plan
        .unwrap();
    let scorer = Arc::new(Scorer::new(plan).unwrap());
    // 330,000 lines of about 60 bytes: more than three blocks (of at most 6 MiB), the
    // lines listed twice each a block or two after their first.
    let (twice, bad) = ([120_000, 250_000, 299_000], [20_000, 210_000]);
    let leads: String = (1..=330_000u32)
        .map(|line| match line {
            _ if twice.contains(&line) => format!("{{\"id\":\"L{}\",\"size\":1}}\n", line / 3),
            _ if bad.contains(&line) => "{\"id\":\n".to_string(),
            _ => format!(
                "{{\"id\":\"L{line}\",\"size\":{},\"pad\":\"{:030}\"}}\n",
                line % 9,
                0
            ),
        })
        .collect();
    assert!(leads.len() > 3 * (6 << 20), "{} bytes", leads.len());
    let events = "{\"lead\":\"L7\",\"type\":\"a\",\"ts\":\"2026-10-01T00:00:00Z\"}\n";
    let run = |threads: usize| {
        let mut job = ScoreJob::new(leadscore::time::parse_timestamp("2026-11-01").unwrap());
        job.threads = threads;
        let (mut out, mut rejects) = (Vec::new(), Vec::new());
        let leads = Source::new("leads.jsonl", leads.as_bytes());
        let events = Source::new("events.jsonl", events.as_bytes());
        job.run(
            scorer.clone(),
            Some(leads),
            Some(events),
            &mut out,
            Some(&mut rejects),
        )
        .unwrap();
        (out, String::from_utf8(rejects).unwrap())
    };
    let (out, rejects) = run(1);
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 5, "{rejects}");
    for (reject, line) in lines
        .iter()
        .zip([20_000, 120_000, 210_000, 250_000, 299_000])
    {
        assert!(reject.contains(&format!("\"line\":{line},")), "{reject}");
    }
    let first = |line: u32| format!("appears twice (first on line {})", line / 3);
    assert!(lines[1].contains(&first(120_000)), "{}", lines[1]);
    assert!(lines[3].contains(&first(250_000)), "{}", lines[3]);
    assert!(lines[4].contains(&first(299_000)), "{}", lines[4]);
    for threads in [2, 3] {
        assert_eq!(
            run(threads),
            (out.clone(), rejects.clone()),
            "{threads} threads"
        );
    }
}
