//! `leadscore replay`: the bytes of `leadscore score` on every example and on generated
//! data, the changes file, and late events as bad records.

use insta_cmd::get_cargo_bin;
use std::path::Path;
use std::process::{Command, Output};

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn leadscore(args: &[&str]) -> Output {
    Command::new(get_cargo_bin("leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

/// `leadscore replay` of the B2B example as of [`AS_OF`], with `extra` arguments.
fn replay_b2b(extra: &[&str]) -> Output {
    let (model, leads, events) = EXAMPLES[0];
    let mut args = vec![
        "replay", model, "--leads", leads, "--events", events, "--as-of", AS_OF,
    ];
    args.extend(extra);
    leadscore(&args)
}

/// The example models with their data: (model, leads, events).
const EXAMPLES: &[(&str, &str, &str)] = &[
    (
        "examples/b2b.score",
        "examples/data/b2b/leads.jsonl",
        "examples/data/b2b/events.jsonl",
    ),
    (
        "examples/matrix.score",
        "examples/data/matrix/leads.jsonl",
        "examples/data/matrix/events.jsonl",
    ),
    (
        "examples/nurture.score",
        "examples/data/nurture/leads.jsonl",
        "examples/data/nurture/events.jsonl",
    ),
    (
        "examples/loyalty.score",
        "examples/data/loyalty/customers.csv",
        "examples/data/loyalty/events.csv",
    ),
];

/// Runs `score` and `replay` with the same arguments; both must succeed with the same
/// results.
fn assert_same_bytes(model: &str, leads: &str, events: &str, extra: &[&str]) {
    let run = |command: &str| {
        let mut args = vec![
            command, model, "--leads", leads, "--events", events, "--as-of", AS_OF,
        ];
        args.extend(extra);
        let output = leadscore(&args);
        assert!(
            output.status.success(),
            "{command} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let scored = run("score");
    assert!(!scored.is_empty());
    assert!(
        run("replay") == scored,
        "{model} {extra:?}: replay differs from score"
    );
}

#[test]
fn replay_writes_the_bytes_score_writes_for_every_example() {
    for &(model, leads, events) in EXAMPLES {
        for extra in [
            &[][..],
            &["--explain"],
            &["--format", "csv"],
            &["--format", "csv", "--explain"],
        ] {
            assert_same_bytes(model, leads, events, extra);
        }
    }
}

#[test]
fn replay_writes_the_bytes_score_writes_for_generated_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    for model in ["examples/b2b.score", "examples/nurture.score"] {
        let generated = leadscore(&[
            "gen", "--model", model, "--leads", "400", "--events", "8000", "--out", out,
        ]);
        assert!(
            generated.status.success(),
            "{}",
            String::from_utf8_lossy(&generated.stderr)
        );
        let leads = dir.path().join("leads.jsonl");
        let events = dir.path().join("events.jsonl");
        let (leads, events) = (leads.to_str().unwrap(), events.to_str().unwrap());
        assert_same_bytes(model, leads, events, &[]);
        assert_same_bytes(model, leads, events, &["--explain"]);
    }
}

fn changes(dir: &Path) -> Vec<serde_json::Value> {
    let path = dir.join("changes.jsonl");
    let output = replay_b2b(&["--changes", path.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn the_changes_file_lists_every_transition_in_time_lead_kind_and_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let changes = changes(dir.path());
    assert!(changes.len() >= 5, "{changes:#?}");
    let keys: Vec<_> = changes
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap().to_string();
            assert!(
                ["event", "time", "lead"].contains(&text("cause").as_str()),
                "{c}"
            );
            assert_ne!(c["from"], c["to"], "{c}");
            (
                leadscore::time::parse_timestamp(&text("at")).unwrap(),
                text("lead"),
                text("kind"),
                text("name"),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // L006's engagement cools down when its events age out, with no event at all.
    assert!(
        changes
            .iter()
            .any(|c| c["lead"] == "L006" && c["cause"] == "time" && c["to"] == "cold"),
        "{changes:#?}"
    );
    // The same run gives the same file.
    assert_eq!(changes, self::changes(dir.path()));
}

/// A directory with `leadscore gen` data for `model`: 300 leads, 6,000 events.
fn generated(model: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let generated = leadscore(&[
        "gen", "--model", model, "--leads", "300", "--events", "6000", "--out", out,
    ]);
    assert!(generated.status.success());
    dir
}

#[test]
fn results_and_changes_do_not_depend_on_the_thread_count() {
    let model = "examples/nurture.score";
    let dir = generated(model);
    let leads = dir.path().join("leads.jsonl");
    let events = dir.path().join("events.jsonl");
    let path = dir.path().join("changes.jsonl");
    let run = |threads: &str| {
        let output = leadscore(&[
            "replay",
            model,
            "--leads",
            leads.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--explain",
            "--threads",
            threads,
            "--changes",
            path.to_str().unwrap(),
        ]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (output.stdout, std::fs::read(&path).unwrap())
    };
    let one = run("1");
    assert!(!one.1.is_empty());
    for threads in ["2", "3", "7"] {
        assert!(run(threads) == one, "{threads} threads");
    }
}

#[test]
fn the_changes_are_the_same_with_and_without_explanations() {
    // Without `--explain` the engines keep no event times, and take events leaving a
    // window out of their states in other ways: the changes must not differ.
    let model = "examples/b2b.score";
    let dir = generated(model);
    let data = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (leads, events, path) = (
        data("leads.jsonl"),
        data("events.jsonl"),
        data("changes.jsonl"),
    );
    let run = |extra: &[&str]| {
        let mut args = vec![
            "replay",
            model,
            "--leads",
            &leads,
            "--events",
            &events,
            "--as-of",
            AS_OF,
            "--changes",
            &path,
        ];
        args.extend(extra);
        let output = leadscore(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read(&path).unwrap()
    };
    let explained = run(&["--explain"]);
    assert!(!explained.is_empty());
    assert!(run(&[]) == explained);
}

/// `leadscore replay` of the B2B model over `events` alone, with `extra` arguments.
fn replay_events(events: &str, extra: &[&str]) -> Output {
    b2b("replay", events, extra)
}

/// `leadscore COMMAND` of the B2B model over `events` as of [`AS_OF`], with `extra`
/// arguments.
fn b2b(command: &str, events: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        command,
        "examples/b2b.score",
        "--events",
        events,
        "--as-of",
        AS_OF,
    ];
    args.extend(extra);
    leadscore(&args)
}

fn late_events(dir: &Path) -> String {
    let path = dir.join("events.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"lead":"L1","type":"email.click","ts":"2026-10-02T08:00:00Z","campaign":"a"}"#,
            "\n",
            r#"{"lead":"L1","type":"email.click","ts":"2026-09-01T10:00:00Z","campaign":"a"}"#,
            "\n",
            r#"{"lead":"L2","type":"email.click","ts":"2026-09-30T10:00:00Z","campaign":"a"}"#,
            "\n",
        ),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn an_event_later_than_the_lateness_stops_the_run_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let events = late_events(dir.path());
    let output = replay_events(&events, &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error[E0840]") && stderr.contains("events.jsonl:2: field `ts`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the clock is at 2026-10-02T08:00:00Z"),
        "{stderr}"
    );
}

#[test]
fn a_late_event_is_set_aside_with_rejects_and_a_larger_lateness_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let events = late_events(dir.path());
    let rejects = dir.path().join("rejects.jsonl");
    let base = [
        "replay",
        "examples/b2b.score",
        "--events",
        &events,
        "--as-of",
        AS_OF,
    ];
    let mut args = base.to_vec();
    args.extend(["--rejects", rejects.to_str().unwrap()]);
    let output = leadscore(&args);
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 bad record set aside"));
    let reject: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&rejects).unwrap()).unwrap();
    assert_eq!(
        (reject["code"].as_str(), reject["line"].as_u64()),
        (Some("E0840"), Some(2))
    );
    assert!(reject["record"]
        .as_str()
        .unwrap()
        .contains("2026-09-01T10:00:00Z"));
    // With a lateness of 40 days the event is applied, and the results are score's.
    let mut args = base.to_vec();
    args.extend(["--lateness", "40d"]);
    let replayed = leadscore(&args);
    let scored = leadscore(&[
        "score",
        "examples/b2b.score",
        "--events",
        &events,
        "--as-of",
        AS_OF,
    ]);
    assert!(replayed.status.success());
    assert_eq!(replayed.stdout, scored.stdout);
}

#[test]
fn a_lateness_that_is_not_a_duration_is_a_usage_error() {
    let output = replay_b2b(&["--lateness", "7 days"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a duration"));
}

#[test]
fn the_changes_file_may_not_be_the_output_or_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let out = out.to_str().unwrap();
    let events = EXAMPLES[0].2;
    for changes in [out, events] {
        let output = replay_b2b(&["-o", out, "--changes", changes]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(Path::new(events).exists());
}

#[test]
fn a_replay_that_stops_leaves_an_existing_changes_file_as_it_was_and_makes_none() {
    let dir = tempfile::tempdir().unwrap();
    let events = late_events(dir.path());
    let kept = dir.path().join("kept.jsonl");
    std::fs::write(&kept, "what was there\n").unwrap();
    let fresh = dir.path().join("fresh.jsonl");
    for changes in [&kept, &fresh] {
        let output = replay_events(&events, &["--changes", changes.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
    }
    assert_eq!(std::fs::read_to_string(&kept).unwrap(), "what was there\n");
    assert!(!fresh.exists());
    // With no change at all, the file is still written (empty).
    let none = dir.path().join("none.jsonl");
    let output = replay_events(
        &events,
        &["--lateness", "60d", "--changes", none.to_str().unwrap()],
    );
    assert!(output.status.success());
    assert!(none.exists());
}

#[test]
fn leads_first_seen_in_events_that_do_not_count_are_the_same_leads_as_in_score() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.score");
    std::fs::write(
        &model,
        "lead { boost: int }\nevent page.view {}\nscore s {\n  on page.view +10\n  when now() >= @2026-10-15 +5\n}\nscore b = s + lead.boost\ngrade b { hi >= 30; mid >= 15; lo }\n",
    )
    .unwrap();
    let leads = dir.path().join("leads.jsonl");
    std::fs::write(&leads, "{\"id\":\"L1\",\"boost\":40}\n").unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        concat!(
            r#"{"lead":"L1","type":"x.unknown","ts":"2026-10-01T00:00:00Z"}"#,
            "\n",
            r#"{"lead":"L3","type":"page.view","ts":"2026-12-01T00:00:00Z"}"#,
            "\n",
            r#"{"lead":"L2","type":"page.view","ts":"2026-10-02T00:00:00Z"}"#,
            "\n",
        ),
    )
    .unwrap();
    let changes = dir.path().join("changes.jsonl");
    let paths = [&model, &leads, &events, &changes].map(|p| p.to_str().unwrap().to_string());
    let run = |command: &str| {
        let mut args = vec![
            command, &paths[0], "--leads", &paths[1], "--events", &paths[2], "--as-of", AS_OF,
        ];
        if command == "replay" {
            args.extend(["--changes", &paths[3]]);
        }
        let output = leadscore(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        (
            output.stdout,
            String::from_utf8_lossy(&output.stderr)
                .split(" in ")
                .next()
                .unwrap()
                .to_string(),
        )
    };
    // The same results and the same counts in the summary.
    assert_eq!(run("replay"), run("score"));
    let changes = std::fs::read_to_string(&changes).unwrap();
    // L1 was "hi" from the start: no change of the lead is made up.
    assert!(!changes.contains("\"cause\":\"lead\""), "{changes}");
    assert!(
        changes.contains(r#""lead":"L2","at":"2026-10-15T00:00:00Z""#),
        "{changes}"
    );
}

#[test]
fn a_lead_listed_twice_is_refused_as_score_refuses_it_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let leads = dir.path().join("leads.jsonl");
    let lines = [
        "{\"id\":\"L1\",\"industry\":\"software\"}",
        "{\"id\":\"L2\"}",
    ];
    std::fs::write(
        &leads,
        format!("{}\n{}\n{{\"id\":\"L1\"}}\n", lines[0], lines[1]),
    )
    .unwrap();
    let leads = leads.to_str().unwrap();
    let events = "examples/data/b2b/events.jsonl";
    let run = |command: &str, extra: &[&str]| {
        let mut args = vec!["--leads", leads];
        args.extend(extra);
        b2b(command, events, &args)
    };
    let refused = run("replay", &[]);
    assert_eq!(refused.status.code(), Some(1));
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(
        message.contains(":3: field `id`: lead `L1` appears twice (first on line 1)"),
        "{message}"
    );
    assert_eq!(refused.stderr, run("score", &[]).stderr);
    // Set aside, the later line is the reject and the first one is scored.
    let rejects = dir.path().join("rejects.jsonl");
    let aside = ["--rejects", rejects.to_str().unwrap()];
    let replayed = run("replay", &aside);
    assert!(replayed.status.success());
    let replay_rejects = std::fs::read(&rejects).unwrap();
    assert_eq!(replayed.stdout, run("score", &aside).stdout);
    assert_eq!(replay_rejects, std::fs::read(&rejects).unwrap());
    assert!(String::from_utf8_lossy(&replay_rejects).contains("appears twice"));
}

#[test]
fn a_lead_file_of_many_blocks_is_read_as_score_reads_it_bad_lines_and_all() {
    // Over 4 MB, so it is parsed in several blocks on several threads: a bad line in
    // the first, a line that is not UTF-8 and a lead listed again (from the first block)
    // in a later one.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leads.jsonl");
    let mut leads = Vec::new();
    for k in 0..60_000 {
        let line = match k {
            20_000 => "{\"id\": broken".to_string(),
            55_000 => "{\"id\":\"L000005\",\"industry\":\"retail\"}".to_string(),
            _ => format!(
                "{{\"id\":\"L{k:06}\",\"industry\":\"software\",\"employees\":{},\"note\":\"{}\"}}",
                k % 5000,
                "x".repeat(k % 60)
            ),
        };
        leads.extend_from_slice(line.as_bytes());
        leads.push(b'\n');
        if k == 41_000 {
            leads.extend_from_slice(b"{\"id\":\"L\xff\"}\n");
        }
    }
    std::fs::write(&path, &leads).unwrap();
    let leads = path.to_str().unwrap();
    let events = "examples/data/b2b/events.jsonl";
    let rejects = dir.path().join("rejects.jsonl");
    let run = |command: &str, extra: &[&str]| {
        let mut args = vec!["--leads", leads, "--threads", "2", "--format", "csv"];
        args.extend(extra);
        b2b(command, events, &args)
    };
    // Stopped by the first bad line, as score is.
    let stopped = run("replay", &[]);
    assert_eq!(stopped.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&stopped.stderr).contains(":20001:"));
    assert_eq!(stopped.stderr, run("score", &[]).stderr);
    // With the bad lines set aside: the same results and the same rejects, in order.
    let aside = ["--rejects", rejects.to_str().unwrap()];
    let replayed = run("replay", &aside);
    assert!(
        replayed.status.success(),
        "{}",
        String::from_utf8_lossy(&replayed.stderr)
    );
    let replay_rejects = std::fs::read_to_string(&rejects).unwrap();
    let scored = run("score", &aside);
    assert_eq!(replayed.stdout, scored.stdout);
    assert_eq!(replay_rejects, std::fs::read_to_string(&rejects).unwrap());
    let lines: Vec<&str> = replay_rejects.lines().collect();
    assert_eq!(lines.len(), 3, "{replay_rejects}");
    assert!(
        lines[2].contains("appears twice (first on line 6)"),
        "{}",
        lines[2]
    );
    // Every good lead of the file (six-digit ids; the events name others too).
    let file_leads = String::from_utf8_lossy(&replayed.stdout)
        .lines()
        .filter(|row| row.split(',').next().is_some_and(|id| id.len() == 7))
        .count();
    assert_eq!(file_leads, 60_000 - 2);
}
