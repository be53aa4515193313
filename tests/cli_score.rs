//! `leadscore score`, `explain`, `compile` and `plan show` through the command line.

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::path::Path;
use std::process::Command;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn leadscore() -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Snapshots with the run time (which varies) replaced.
fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"in \d+\.\d+s", "in [TIME]");
    settings
}

fn b2b(extra: &[&str]) -> Command {
    let mut command = leadscore();
    command.args([
        "score",
        "examples/b2b.score",
        "--leads",
        "examples/data/b2b/leads.jsonl",
        "--events",
        "examples/data/b2b/events.jsonl",
        "--as-of",
        AS_OF,
    ]);
    command.args(extra);
    command
}

#[test]
fn scores_the_b2b_example() {
    settings().bind(|| assert_cmd_snapshot!(b2b(&[])));
}

#[test]
fn explains_every_point() {
    settings().bind(|| assert_cmd_snapshot!(b2b(&["--explain"])));
}

#[test]
fn scores_the_matrix_example() {
    settings().bind(|| {
        assert_cmd_snapshot!(leadscore().args([
            "score",
            "examples/matrix.score",
            "--leads",
            "examples/data/matrix/leads.jsonl",
            "--events",
            "examples/data/matrix/events.jsonl",
            "--as-of",
            AS_OF,
            "--explain"
        ]))
    });
}

#[test]
fn reads_and_writes_csv() {
    settings().bind(|| {
        assert_cmd_snapshot!(leadscore().args([
            "score",
            "examples/loyalty.score",
            "--leads",
            "examples/data/loyalty/customers.csv",
            "--events",
            "examples/data/loyalty/events.csv",
            "--as-of",
            AS_OF,
            "--format",
            "csv",
            "--explain"
        ]))
    });
}

#[test]
fn explain_prints_one_lead_as_a_table() {
    assert_cmd_snapshot!(leadscore().args([
        "explain",
        "examples/b2b.score",
        "--leads",
        "examples/data/b2b/leads.jsonl",
        "--events",
        "examples/data/b2b/events.jsonl",
        "--as-of",
        AS_OF,
        "--lead",
        "L002"
    ]));
}

#[test]
fn explain_shows_long_rules_whole_why_flags_are_off_and_the_next_band() {
    let dir = scratch(&[
        (
            "m.score",
            r#"lead { size: int, country: string }
score e {
  when lead.size >= 10 and lead.size <= 500 and lead.country in ["PL", "DE", "FR"] +2
  when lead.size > 10 +5
}
grade e { hot >= 20; warm >= 5; cold }
flag keen when e >= 20 or lead.size > 100
"#,
        ),
        (
            "leads.jsonl",
            "{\"id\":\"A\",\"size\":12,\"country\":\"PL\"}\n",
        ),
    ]);
    let output = Command::new(get_cargo_bin("leadscore"))
        .current_dir(dir.path())
        .args(["explain", "m.score", "--leads", "leads.jsonl"])
        .args(["--as-of", AS_OF, "--lead", "A"])
        .output()
        .unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap(), @r#"
    lead A  as of 2026-11-01T00:00:00Z  (model m)

    e = 7  grade warm  (+13 to reach hot)
            +2       when lead.size >= 10 and lead.size <= 500 and lead.country in     m.score:3
                     ["PL", "DE", "FR"] +2
            +5       when lead.size > 10 +5                                            m.score:4

    flags: keen no
      keen no: any of
        e >= 20 ✗ (e 7)
        lead.size > 100 ✗ (lead.size 12)
    "#);
}

#[test]
fn explain_of_an_unknown_lead_says_so() {
    let output = leadscore()
        .args([
            "explain",
            "examples/b2b.score",
            "--leads",
            "examples/data/b2b/leads.jsonl",
            "--lead",
            "L999",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no lead `L999`"));
}

#[test]
fn plan_show_disassembles_each_example() {
    for model in ["b2b", "matrix", "loyalty"] {
        let output = leadscore()
            .args(["plan", "show", &format!("examples/{model}.score")])
            .output()
            .unwrap();
        assert!(output.status.success());
        insta::assert_snapshot!(
            format!("plan_{model}"),
            String::from_utf8(output.stdout).unwrap()
        );
    }
}

#[test]
fn scoring_a_compiled_plan_gives_the_same_bytes_as_the_source() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("b2b.plan");
    let json_plan = dir.path().join("b2b.plan.json");
    let status = leadscore()
        .args(["compile", "examples/b2b.score", "-o"])
        .arg(&plan)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let status = leadscore()
        .args(["compile", "examples/b2b.score", "--emit", "json", "-o"])
        .arg(&json_plan)
        .output()
        .unwrap();
    assert!(status.status.success());
    let from_source = b2b(&["--explain"]).output().unwrap().stdout;
    for compiled in [&plan, &json_plan] {
        let from_plan = leadscore()
            .arg("score")
            .arg(compiled)
            .args([
                "--leads",
                "examples/data/b2b/leads.jsonl",
                "--events",
                "examples/data/b2b/events.jsonl",
                "--as-of",
                AS_OF,
                "--explain",
            ])
            .output()
            .unwrap();
        assert!(from_plan.status.success());
        assert_eq!(from_source, from_plan.stdout);
    }
}

#[test]
fn a_plan_of_another_format_version_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("old.plan");
    let mut bytes = leadscore::compile_file(Path::new("examples/b2b.score"))
        .unwrap()
        .plan
        .unwrap()
        .to_bytes();
    bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
    std::fs::write(&plan, bytes).unwrap();
    let output = leadscore()
        .arg("score")
        .arg(&plan)
        .args(["--leads", "examples/data/b2b/leads.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("format version 99"), "{stderr}");
    assert!(stderr.contains("compile the model again"), "{stderr}");
}

fn scratch(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

const SMALL_MODEL: &str = "lead { size: int }\nevent page.view { seconds: number }\nscore e { on page.view +1\n when lead.size > 10 +5 }\n";

fn score_in(dir: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(dir).args([
        "score",
        "m.score",
        "--leads",
        "leads.jsonl",
        "--events",
        "events.jsonl",
        "--as-of",
        AS_OF,
    ]);
    command.args(extra);
    command
}

#[test]
fn a_bad_record_stops_the_run_naming_file_line_and_field() {
    let dir = scratch(&[
        ("m.score", SMALL_MODEL),
        (
            "leads.jsonl",
            "{\"id\":\"A\",\"size\":12}\n{\"id\":\"B\",\"size\":\"big\"}\n",
        ),
        (
            "events.jsonl",
            "{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-01\"}\n",
        ),
    ]);
    settings().bind(|| assert_cmd_snapshot!(score_in(dir.path(), &[])));
}

#[test]
fn broken_json_and_bad_timestamps_name_their_line() {
    let dir = scratch(&[
        ("m.score", SMALL_MODEL),
        ("leads.jsonl", "{\"id\":\"A\",\"size\":12}\n"),
        (
            "events.jsonl",
            "{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-01\"}\n\n{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"yesterday\"}\n{\"lead\":\"A\",\"type\":\"page.vi\n",
        ),
    ]);
    settings().bind(|| assert_cmd_snapshot!(score_in(dir.path(), &[])));
    let output = score_in(dir.path(), &["--rejects", "rejects.jsonl"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2 bad records set aside"), "{stderr}");
    insta::assert_snapshot!(std::fs::read_to_string(dir.path().join("rejects.jsonl")).unwrap());
}

#[test]
fn a_lead_listed_twice_is_an_error_naming_both_lines() {
    let dir = scratch(&[
        ("m.score", SMALL_MODEL),
        (
            "leads.jsonl",
            "{\"id\":\"A\",\"size\":12}\n{\"id\":\"B\"}\n{\"id\":\"A\",\"size\":3}\n",
        ),
        ("events.jsonl", ""),
    ]);
    let output = score_in(dir.path(), &[]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("leads.jsonl:3: field `id`: lead `A` appears twice (first on line 1)"),
        "{stderr}"
    );
}

#[test]
fn every_timestamp_form_means_the_same_instant() {
    let events = [
        "{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-01T00:00:00Z\"}",
        "{\"lead\":\"B\",\"type\":\"page.view\",\"ts\":\"2026-10-01T02:00:00+02:00\"}",
        "{\"lead\":\"C\",\"type\":\"page.view\",\"ts\":\"2026-10-01\"}",
        "{\"lead\":\"D\",\"type\":\"page.view\",\"ts\":1790812800}",
    ];
    let model = "event page.view {}\nscore recent { on page.view +1 within 31d }\nscore old { on page.view +1 within 30d }\n";
    let dir = scratch(&[("m.score", model), ("events.jsonl", &events.join("\n"))]);
    let output = leadscore()
        .current_dir(dir.path())
        .args([
            "score",
            "m.score",
            "--events",
            "events.jsonl",
            "--as-of",
            "2026-10-31T00:00:00Z",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    for lead in ["A", "B", "C", "D"] {
        assert!(
            stdout.contains(&format!(
                "{{\"lead\":\"{lead}\",\"scores\":{{\"recent\":1,\"old\":1}}"
            )),
            "{stdout}"
        );
    }
}

#[test]
fn missing_inputs_are_io_errors() {
    let output = leadscore()
        .args([
            "score",
            "examples/b2b.score",
            "--events",
            "examples/data/nope.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("cannot read `examples/data/nope.jsonl`: no such file"));
    let output = leadscore()
        .args(["score", "examples/b2b.score"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_model_with_errors_is_not_run() {
    let output = leadscore()
        .args([
            "score",
            "tests/diagnostics/E0301_unknown_event.score",
            "--leads",
            "examples/data/b2b/leads.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0301"));
}

#[test]
fn output_can_go_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("scores.jsonl");
    let output = b2b(&["-o"]).arg(&out).output().unwrap();
    assert!(output.status.success());
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        b2b(&[]).output().unwrap().stdout
    );
}

#[test]
fn generated_data_scores_identically_on_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let status = leadscore()
        .args([
            "gen", "--leads", "2000", "--events", "40000", "--seed", "3", "--out", &data,
        ])
        .output()
        .unwrap();
    assert!(status.status.success());
    let run = |threads: &str| {
        let output = leadscore()
            .args([
                "score",
                "examples/b2b.score",
                "--as-of",
                "2026-11-01",
                "--explain",
                "--threads",
                threads,
            ])
            .arg("--leads")
            .arg(dir.path().join("leads.jsonl"))
            .arg("--events")
            .arg(dir.path().join("events.jsonl"))
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    };
    let one = run("1");
    assert_eq!(one.iter().filter(|b| **b == b'\n').count(), 2000);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}

#[test]
fn a_line_that_is_not_utf8_is_one_bad_record_on_every_path() {
    let dir = scratch(&[
        ("m.score", SMALL_MODEL),
        ("leads.jsonl", "{\"id\":\"A\",\"size\":12}\n"),
    ]);
    let mut events = b"{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-01\"}\n".to_vec();
    events.extend_from_slice(
        b"{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-02\",\"x\":\"\xff\"}\n",
    );
    events.extend_from_slice(b"{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-03\"}\n");
    std::fs::write(dir.path().join("events.jsonl"), events).unwrap();
    // `explain` reads line by line; `score` reads in parallel blocks.
    let explain = |extra: &[&str]| {
        Command::new(get_cargo_bin("leadscore"))
            .current_dir(dir.path())
            .args([
                "explain",
                "m.score",
                "--leads",
                "leads.jsonl",
                "--events",
                "events.jsonl",
            ])
            .args(["--as-of", AS_OF, "--lead", "A"])
            .args(extra)
            .output()
            .unwrap()
    };
    let failed = explain(&[]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stderr)
        .contains("events.jsonl:2: this line is not valid UTF-8 text"));
    let set_aside = explain(&["--rejects", "rejects.jsonl"]);
    assert!(
        set_aside.status.success(),
        "{}",
        String::from_utf8_lossy(&set_aside.stderr)
    );
    assert!(
        String::from_utf8_lossy(&set_aside.stdout).contains("+2"),
        "both good events count"
    );
    let parallel = score_in(dir.path(), &[]).output().unwrap();
    assert_eq!(parallel.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&parallel.stderr)
        .contains("events.jsonl:2: this line is not valid UTF-8 text"));
}

#[test]
fn a_number_that_is_not_json_is_a_bad_record_even_in_a_member_the_model_ignores() {
    // The fast reader must refuse what the full JSON parser refuses: `01` and `1-2` are
    // not JSON numbers, even in a member no rule reads.
    for number in ["01", "1-2", "1.", "-", "2e"] {
        let dir = scratch(&[
            ("m.score", SMALL_MODEL),
            ("leads.jsonl", "{\"id\":\"A\",\"size\":12}\n"),
            (
                "events.jsonl",
                &format!(
                    "{{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-01T00:00:00Z\"}}\n{{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-02T00:00:00Z\",\"x\":{number}}}\n"
                ),
            ),
        ]);
        let output = score_in(dir.path(), &[]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{number}: {stderr}");
        assert!(
            stderr.contains("events.jsonl:2: broken JSON"),
            "{number}: {stderr}"
        );
    }
}
