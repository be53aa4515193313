//! The data path's promises (issue 12, docs/reliability.md): sums exact in any order,
//! outputs that never overwrite inputs, bad records told with their line, non-finite
//! numbers shown alike everywhere. Each test failed before its fix.

use insta_cmd::get_cargo_bin;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// A model with a sum, a flag on its sign and a lead field.
const MODEL: &str = "lead { name: string }
event e { v: number }
score s { on e +1 }
flag pos when sum(e.v) > 0
";

fn leadscore(dir: &Path) -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(dir);
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `text` as `name` in `dir`; returns the path.
fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A directory with the model as `m.score`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.score", MODEL);
    dir
}

/// `score m.score` with `args` in `dir`.
fn score(dir: &Path, args: &[&str]) -> Output {
    leadscore(dir)
        .args(["score", "m.score", "--as-of", AS_OF])
        .args(args)
        .output()
        .unwrap()
}

/// Events of lead L1 with the values `vs`, as CSV.
fn events_csv(vs: &[&str]) -> String {
    let mut text = "lead,type,ts,v\n".to_string();
    for v in vs {
        text.push_str(&format!("L1,e,2026-10-01,{v}\n"));
    }
    text
}

// ---- Item 2: sums exact whatever the order, even past a float's range ----

#[test]
fn a_sum_whose_partial_sums_overflow_does_not_depend_on_event_order() {
    let dir = setup();
    let mut seen = Vec::new();
    for order in [
        ["1e308", "-1e308", "1e308"],
        ["1e308", "1e308", "-1e308"],
        ["-1e308", "1e308", "1e308"],
    ] {
        write(dir.path(), "e.csv", events_csv(&order));
        let output = score(dir.path(), &["--events", "e.csv"]);
        assert!(output.status.success(), "{}", stderr(&output));
        seen.push(stdout(&output));
    }
    // The exact sum is 1e308: positive in every order.
    assert!(seen[0].contains("\"pos\":true"), "{}", seen[0]);
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
}

#[test]
fn a_sum_out_of_range_is_absent() {
    let dir = setup();
    // The exact sum, 2e308, has no float: absent, so the comparison is false.
    write(dir.path(), "e.csv", events_csv(&["1e308", "1e308"]));
    let output = score(dir.path(), &["--events", "e.csv"]);
    assert!(
        stdout(&output).contains("\"pos\":false"),
        "{}",
        stdout(&output)
    );
}
