//! The rule authors' workflow: `leadscore test`, `leadscore fmt`, `leadscore diff`.

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::process::Command;

fn leadscore() -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

#[test]
fn every_example_ships_with_passing_tests() {
    assert_cmd_snapshot!(leadscore().args([
        "test",
        "examples/b2b.score",
        "examples/b2b.test.score",
        "examples/matrix.score",
        "examples/loyalty.score"
    ]));
}

#[test]
fn a_failing_test_shows_expected_actual_and_the_breakdown() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.score");
    std::fs::write(
        &model,
        "event email.click {}\nscore engagement { on email.click +15 within 30d }\ngrade engagement { hot >= 30; cold }\nflag mql when engagement >= 30\n\
         test \"two clicks\" {\n  as of @2026-03-01\n  events {\n    @2026-02-20 email.click\n    @2026-01-01 email.click\n  }\n  expect engagement == 30\n  expect grade engagement == hot\n  expect flag mql\n}\n\
         test \"no clicks\" {\n  as of @2026-03-01\n  expect engagement == 0\n}\n",
    )
    .unwrap();
    let output = leadscore().arg("test").arg(&model).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout)
        .unwrap()
        .replace(&dir.path().display().to_string(), "[DIR]");
    assert!(stdout.ends_with("1 passed, 1 failed\n"), "{stdout}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_test_file_with_errors_fails() {
    let output = leadscore()
        .args(["test", "tests/diagnostics/E0601_test_without_as_of.score"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("E0601"));
}

#[test]
fn examples_are_formatted() {
    let output = leadscore()
        .args([
            "fmt",
            "--check",
            "examples/b2b.score",
            "examples/b2b.test.score",
            "examples/matrix.score",
        ])
        .args(["examples/loyalty.score", "examples/acme-schema.score"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn fmt_check_lists_what_would_change_and_fmt_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let messy = dir.path().join("messy.score");
    let tidy = dir.path().join("tidy.score");
    std::fs::write(
        &messy,
        "model   \"m\"\nevent  email.click{campaign:string}\nscore e {\n    on email.click    +15   within 30d # clicks\n  when count(email.click)>=3 +5\n}\n",
    )
    .unwrap();
    std::fs::write(&tidy, "event a {}\nscore s {\n  on a  +1\n}\n").unwrap();
    let output = leadscore()
        .args(["fmt", "--check"])
        .arg(&messy)
        .arg(&tidy)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("{}\n", messy.display())
    );
    let output = leadscore().arg("fmt").arg(&messy).output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(std::fs::read_to_string(&messy).unwrap());
    let output = leadscore()
        .args(["fmt", "--check"])
        .arg(&messy)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn fmt_refuses_a_file_with_syntax_errors() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.score");
    std::fs::write(&broken, "score s { whn x +1 }\n").unwrap();
    let output = leadscore().arg("fmt").arg(&broken).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "score s { whn x +1 }\n"
    );
}

fn diff(extra: &[&str]) -> Command {
    let mut command = leadscore();
    command.args([
        "diff",
        "examples/b2b.score",
        "examples/changes/b2b-v2.score",
        "--leads",
        "examples/data/b2b/leads.jsonl",
        "--events",
        "examples/data/b2b/events.jsonl",
        "--as-of",
        "2026-11-01",
    ]);
    command.args(extra);
    command
}

#[test]
fn diff_shows_the_impact_of_a_change() {
    assert_cmd_snapshot!(diff(&[]));
}

#[test]
fn diff_in_markdown_for_a_pull_request() {
    assert_cmd_snapshot!(diff(&["--format", "markdown", "--top", "3"]));
}

#[test]
fn diff_in_json_for_tools() {
    let output = diff(&["--format", "json"]).output().unwrap();
    assert!(output.status.success());
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["leads"], 11);
    let engagement = &report["grades"][1];
    assert_eq!(engagement["score"], "engagement");
    assert_eq!(
        engagement["bands"],
        serde_json::json!(["hot", "warm", "cold"])
    );
    assert_eq!(engagement["matrix"][1][0], 2, "two leads go warm → hot");
    assert_eq!(report["flags"][0]["gained"], 1);
}

#[test]
fn diff_figures_say_which_leads_they_are_over() {
    let output = diff(&["--format", "json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let engagement = &report["scores"][1];
    assert_eq!(engagement["score"], "engagement");
    // Four leads changed by +10, +15, +15 and +25: their mean is 16.25; over all eleven
    // leads the mean change is 65 / 11 (to the millionth, as every figure).
    assert_eq!(
        engagement["changed"],
        serde_json::json!({"leads": 4, "up": 4, "down": 0, "mean": 16.25, "min": 10.0, "median": 15.0, "max": 25.0})
    );
    assert_eq!(
        engagement["all_leads"],
        serde_json::json!({"leads": 11, "mean": 5.909091})
    );
    // No lead changed: the figures over changed leads have no population.
    let fit = &report["scores"][0];
    assert_eq!(fit["changed"]["leads"], 0);
    assert_eq!(fit["changed"]["mean"], serde_json::Value::Null);
    assert_eq!(fit["changed"]["max"], serde_json::Value::Null);
    assert_eq!(fit["all_leads"]["mean"], 0.0);
}

#[test]
fn diff_limits_fail_a_change_that_moves_too_many_leads() {
    let output = diff(&["--max-grade-changes", "10"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("18.2% of leads change band in grade `engagement` (limit 10%)"),
        "{stderr}"
    );
    let output = diff(&["--max-grade-changes", "20", "--max-flag-changes", "10"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn diff_of_a_model_with_itself_changes_nothing() {
    let output = leadscore()
        .args([
            "diff",
            "examples/b2b.score",
            "examples/b2b.score",
            "--leads",
            "examples/data/b2b/leads.jsonl",
        ])
        .args([
            "--events",
            "examples/data/b2b/events.jsonl",
            "--as-of",
            "2026-11-01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Not vacuous: the report lists every score, and none changed.
    let scores = report["scores"].as_array().unwrap();
    let names: Vec<&str> = scores
        .iter()
        .map(|s| s["score"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fit", "engagement", "total"]);
    assert!(
        scores.iter().all(|s| s["changed"]["leads"] == 0),
        "{scores:?}"
    );
    assert_eq!(report["movers"], serde_json::json!([]));
}
