//! What the commands take as files: models and plans told apart by their bytes, never by
//! their names, and directories standing for the models below them.

use insta_cmd::get_cargo_bin;
use std::path::Path;
use std::process::{Command, Output};

const MODEL: &str = "lead { size: int }\nscore fit {\n  when lead.size >= 50  +10\n}\n\
                     test \"big\" {\n  as of @2026-03-01\n  lead { size: 80 }\n  expect fit == 10\n}\n";

/// What scoring `leads.jsonl` with [`MODEL`] gives.
const SCORED: &str = "{\"lead\":\"L1\",\"scores\":{\"fit\":10},\"grades\":{},\"flags\":{}}\n";

fn leadscore(dir: &Path, args: &[&str]) -> Output {
    Command::new(get_cargo_bin("leadscore"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A directory with the model, a lead to score, and the model compiled to `plan.score`
/// (binary) and `plan-json.score` (JSON).
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("model.plan"), MODEL).unwrap();
    std::fs::write(
        dir.path().join("leads.jsonl"),
        "{\"id\":\"L1\",\"size\":80}\n",
    )
    .unwrap();
    for (output, emit) in [("plan.score", "binary"), ("plan-json.score", "json")] {
        let compiled = leadscore(
            dir.path(),
            &["compile", "model.plan", "-o", output, "--emit", emit],
        );
        assert!(compiled.status.success(), "{}", stderr(&compiled));
    }
    dir
}

#[test]
fn a_model_named_like_a_plan_is_read_as_a_model() {
    let dir = workspace();
    for command in [&["check", "model.plan"][..], &["test", "model.plan"]] {
        let output = leadscore(dir.path(), command);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command:?}: {}",
            stderr(&output)
        );
    }
    let scored = leadscore(
        dir.path(),
        &["score", "model.plan", "--leads", "leads.jsonl"],
    );
    assert_eq!(stdout(&scored), SCORED);
}

#[test]
fn a_plan_named_like_a_model_is_read_as_a_plan() {
    let dir = workspace();
    for plan in ["plan.score", "plan-json.score"] {
        let shown = leadscore(dir.path(), &["plan", "show", plan]);
        assert!(
            stdout(&shown).starts_with("plan \"model\""),
            "{}",
            stdout(&shown)
        );
        let scored = leadscore(dir.path(), &["score", plan, "--leads", "leads.jsonl"]);
        assert_eq!(stdout(&scored), SCORED);
        // The commands that work on source say what the file is, instead of parsing a
        // JSON plan as a model (E0001) or calling a binary one "not UTF-8 text".
        for command in ["check", "test", "fmt"] {
            let output = leadscore(dir.path(), &[command, plan]);
            assert_eq!(output.status.code(), Some(2), "{command} {plan}");
            assert!(
                stderr(&output).contains(&format!(
                    "error: `{plan}` is a compiled plan, not a model: give the `.score` file it was compiled from"
                )),
                "{command} {plan}: {}",
                stderr(&output)
            );
        }
    }
}

#[test]
fn binary_data_is_neither_a_model_nor_a_plan() {
    let dir = tempfile::tempdir().unwrap();
    // Valid UTF-8, but NUL bytes: data, not a model with syntax errors.
    std::fs::write(
        dir.path().join("data.score"),
        b"\0\0\0\x01lead { size: int }\n",
    )
    .unwrap();
    // Not UTF-8 (and not gzip or zstd, which would be decompressed first).
    std::fs::write(dir.path().join("data.plan"), [0xff, 0xfe, 0x08, 0x00, 0xff]).unwrap();
    let message = "is binary data: neither a model (UTF-8 text) nor a compiled plan (a plan starts with `LEADPLAN`)";
    for file in ["data.score", "data.plan"] {
        for command in [&["check", file][..], &["plan", "show", file]] {
            let output = leadscore(dir.path(), command);
            assert_eq!(output.status.code(), Some(2), "{command:?}");
            assert!(
                stderr(&output).contains(&format!("error: `{file}` {message}")),
                "{command:?}: {}",
                stderr(&output)
            );
        }
    }
}

/// A tree of models (all unformatted, each with one passing test), a hidden directory
/// and a file that is not a model.
fn model_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let untidy = MODEL.replace("+10", "   +10");
    for file in [
        "b.score",
        "a.score",
        "sub/c.score",
        ".hidden/d.score",
        "top.score",
    ] {
        let path = dir.path().join("models").join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &untidy).unwrap();
    }
    std::fs::write(dir.path().join("models/notes.txt"), "not a model").unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    dir
}

#[test]
fn directories_stand_for_every_model_below_them_sorted() {
    let dir = model_tree();
    let files =
        "models/top.score\nmodels/a.score\nmodels/b.score\nmodels/sub/c.score\nmodels/top.score\n";
    let listed = leadscore(
        dir.path(),
        &["fmt", "--check", "models/top.score", "models"],
    );
    assert_eq!(listed.status.code(), Some(1));
    assert_eq!(stdout(&listed), files);

    let checked = leadscore(dir.path(), &["check", "models"]);
    assert_eq!(checked.status.code(), Some(0));
    assert_eq!(stderr(&checked), "checked 4 files: 0 errors, 0 warnings\n");

    let tested = leadscore(dir.path(), &["test", "models"]);
    let runs: Vec<String> = stdout(&tested)
        .lines()
        .filter(|l| l.starts_with("running"))
        .map(String::from)
        .collect();
    assert_eq!(
        runs,
        ["a", "b", "sub/c", "top"].map(|f| format!("running 1 test from models/{f}.score"))
    );
    assert!(stdout(&tested).ends_with("4 passed, 0 failed\n"));

    let formatted = leadscore(dir.path(), &["fmt", "models"]);
    assert_eq!(formatted.status.code(), Some(0));
    let tidy = leadscore(dir.path(), &["fmt", "--check", "models"]);
    assert_eq!(tidy.status.code(), Some(0), "{}", stdout(&tidy));
}

#[test]
fn a_directory_without_models_is_an_error() {
    let dir = model_tree();
    for command in ["check", "test", "fmt"] {
        let output = leadscore(dir.path(), &[command, "empty", "models/a.score"]);
        assert_eq!(output.status.code(), Some(2), "{command}");
        assert!(
            stderr(&output).contains("error: `empty` is a directory with no `.score` files in it"),
            "{command}: {}",
            stderr(&output)
        );
    }
}
