//! A command whose output cannot be written fails: exit 2, never a panic and never a
//! silent 0. Output goes to a full disk (`/dev/full`: a message on stderr) or into a pipe
//! whose reader has gone (`EPIPE`: quietly).
#![cfg(target_os = "linux")]

use insta_cmd::get_cargo_bin;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Models whose disassembly (`flags.score`: a flag per line), test report (`tests.score`:
/// a passing test per line) and diagnostics (`bad.score`: an error per line) are each well
/// over a pipe's buffer (64 KiB), so that a write into a closed pipe fails whenever its
/// reader goes away.
fn big_models(dir: &Path) {
    let mut flags = String::from("lead { x: int }\n");
    let mut tests = String::from("lead { x: int }\nscore s { when lead.x > 1 +1 }\n");
    let mut bad = String::from("lead { x: int }\n");
    for i in 0..5000 {
        let _ = writeln!(flags, "flag f{i} when lead.x > {i}");
        let _ = writeln!(
            tests,
            "test \"t{i}\" {{\n  as of @2026-01-01\n  lead {{ x: 5 }}\n  expect s == 1\n}}"
        );
        let _ = writeln!(bad, "flag f{i} when lead.x == \"{i}\"");
    }
    std::fs::write(dir.join("flags.score"), flags).unwrap();
    std::fs::write(dir.join("tests.score"), tests).unwrap();
    std::fs::write(dir.join("bad.score"), bad).unwrap();
    std::fs::write(dir.join("unformatted.score"), "lead {x:int}\n").unwrap();
}

fn leadscore(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .env("NO_COLOR", "1");
    command
}

fn dev_full() -> Stdio {
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

/// Runs `args` with stdout on `/dev/full`.
fn to_full_disk(dir: &Path, args: &[&str]) -> Output {
    leadscore(dir, args)
        .stdout(dev_full())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Runs `args` with stdout (or stderr, when `stderr`) into a pipe whose reading end is
/// closed as soon as the command starts; the other stream is captured.
fn to_closed_pipe(dir: &Path, args: &[&str], stderr: bool) -> (i32, String) {
    let mut command = leadscore(dir, args);
    if stderr {
        command.stdout(Stdio::null()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
    }
    let mut child = command.spawn().unwrap();
    let other = if stderr {
        drop(child.stderr.take());
        None
    } else {
        drop(child.stdout.take());
        child.stderr.take()
    };
    let mut message = String::new();
    if let Some(mut other) = other {
        std::io::Read::read_to_string(&mut other, &mut message).unwrap();
    }
    let status = child.wait().unwrap();
    (status.code().expect("exited, not killed"), message)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_front_end_command_fails_with_exit_2_on_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    big_models(dir.path());
    let commands: &[&[&str]] = &[
        &["check", "--format", "json", "bad.score"],
        &["check", "--format", "github", "bad.score"],
        &["compile", "flags.score", "-o", "-"],
        &["plan", "show", "flags.score"],
        &["fmt", "--check", "unformatted.score"],
        &["test", "tests.score"],
        &["completions", "bash"],
        &["man"],
        &["man", "check"],
        &["--help"],
    ];
    for args in commands {
        let output = to_full_disk(dir.path(), args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
        assert!(
            message.contains("error: cannot write to stdout: No space left on device"),
            "{args:?}: {message}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_a_command_quietly_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    big_models(dir.path());
    let commands: &[&[&str]] = &[
        &["plan", "show", "flags.score"],
        &["test", "tests.score"],
        &["check", "--format", "json", "bad.score"],
    ];
    for args in commands {
        let (code, message) = to_closed_pipe(dir.path(), args, false);
        assert_eq!(code, 2, "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
        assert!(!message.contains("cannot write"), "{args:?}: {message}");
    }
}

#[test]
fn human_check_fails_with_exit_2_when_its_stderr_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    big_models(dir.path());
    let (code, _) = to_closed_pipe(dir.path(), &["check", "bad.score"], true);
    assert_eq!(code, 2);
    let output = leadscore(dir.path(), &["check", "bad.score"])
        .stdout(Stdio::null())
        .stderr(dev_full())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn output_that_is_written_keeps_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    big_models(dir.path());
    let checked = leadscore(dir.path(), &["check", "--format", "json", "bad.score"])
        .output()
        .unwrap();
    assert_eq!(checked.status.code(), Some(1));
    assert!(checked.stdout.len() > 1 << 20);
    let commands: &[&[&str]] = &[&["plan", "show", "flags.score"], &["test", "tests.score"]];
    for args in commands {
        let output = leadscore(dir.path(), args).output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.len() > 1 << 16, "{args:?}");
    }
}

#[test]
fn the_data_commands_fail_with_exit_2_on_a_full_disk() {
    // `explain` and `diff` used `print!`, which panics when stdout cannot be written.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = [
        "--leads",
        "examples/data/b2b/leads.jsonl",
        "--events",
        "examples/data/b2b/events.jsonl",
        "--as-of",
        "2026-11-01",
    ];
    let explain: Vec<&str> = ["explain", "examples/b2b.score", "--lead", "L002"]
        .into_iter()
        .chain(data)
        .collect();
    let diff: Vec<&str> = [
        "diff",
        "examples/b2b.score",
        "examples/changes/b2b-v2.score",
    ]
    .into_iter()
    .chain(data)
    .collect();
    let score: Vec<&str> = ["score", "examples/b2b.score"]
        .into_iter()
        .chain(data)
        .collect();
    for args in [&explain, &diff, &score] {
        let output = to_full_disk(root, args);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
        assert!(!message.contains("panicked"), "{args:?}: {message}");
        assert!(
            message.contains("No space left on device"),
            "{args:?}: {message}"
        );
    }
}
