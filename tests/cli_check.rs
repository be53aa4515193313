//! `leadscore check`: exit codes, the three output formats, I/O errors.

use insta_cmd::{assert_cmd_snapshot, get_cargo_bin};
use std::process::Command;

fn leadscore() -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command.env_remove("NO_COLOR");
    command
}

#[test]
fn clean_examples_exit_0() {
    assert_cmd_snapshot!(leadscore().args([
        "check",
        "examples/b2b.score",
        "examples/matrix.score",
        "examples/loyalty.score",
        "examples/acme-schema.score"
    ]));
}

#[test]
fn errors_exit_1_with_human_output_on_stderr() {
    assert_cmd_snapshot!(leadscore().args(["check", "tests/diagnostics/E0301_unknown_event.score"]));
}

#[test]
fn json_format_gives_one_object_per_diagnostic() {
    assert_cmd_snapshot!(leadscore().args([
        "check",
        "--format",
        "json",
        "tests/diagnostics/E0201_declared_twice.score",
        "tests/diagnostics/W0001_zero_points.score"
    ]));
}

#[test]
fn github_format_gives_workflow_annotations() {
    assert_cmd_snapshot!(leadscore().args([
        "check",
        "--format",
        "github",
        "tests/diagnostics/E0302_unknown_lead_field.score",
        "tests/diagnostics/W0002_unused_let.score"
    ]));
}

#[test]
fn warnings_pass_unless_denied() {
    let file = "tests/diagnostics/W0002_unused_let.score";
    let allowed = leadscore().args(["check", file]).output().unwrap();
    assert_eq!(allowed.status.code(), Some(0));
    assert_cmd_snapshot!(leadscore().args(["check", "--deny-warnings", file]));
}

#[test]
fn colour_is_used_only_when_asked_or_on_a_terminal() {
    let file = "tests/diagnostics/E0302_unknown_lead_field.score";
    let plain = leadscore().args(["check", file]).output().unwrap();
    assert!(!String::from_utf8_lossy(&plain.stderr).contains('\u{1b}'));
    let coloured = leadscore()
        .args(["check", "--color", "always", file])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&coloured.stderr).contains('\u{1b}'));
}

#[test]
fn a_missing_file_is_a_clear_error_with_exit_2() {
    assert_cmd_snapshot!(leadscore().args(["check", "examples/nope.score", "examples/b2b.score"]));
}

#[test]
fn usage_errors_exit_2() {
    let output = leadscore()
        .args(["check", "--format", "xml", "examples/b2b.score"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
