//! The README's commands work verbatim and print what the README shows.

use insta_cmd::get_cargo_bin;
use std::process::Command;

fn readme() -> String {
    std::fs::read_to_string("README.md").unwrap()
}

/// The arguments of a `cargo run --release -- …` or `leadscore …` line.
fn arguments(line: &str) -> Vec<String> {
    let rest = line
        .strip_prefix("cargo run --release -- ")
        .or_else(|| line.strip_prefix("leadscore "))
        .unwrap_or_else(|| panic!("not a leadscore command: {line}"));
    rest.split_whitespace().map(str::to_string).collect()
}

/// The body of the first fenced block after `marker` (a block that opens with ```text).
fn text_block_after(text: &str, marker: &str) -> String {
    let from = text
        .find(marker)
        .unwrap_or_else(|| panic!("no `{marker}` in README"));
    let open = from + text[from..].find("```text\n").unwrap() + "```text\n".len();
    let close = open + text[open..].find("```").unwrap();
    text[open..close].to_string()
}

#[test]
fn the_first_command_prints_what_the_readme_shows() {
    let text = readme();
    let first_block = text.split("```sh\n").nth(1).unwrap();
    let mut lines = first_block.lines();
    let run = lines.next().unwrap();
    assert_eq!(
        lines.next(),
        Some("cargo test"),
        "the second command runs the tests"
    );
    let output = Command::new(get_cargo_bin("leadscore"))
        .args(arguments(run))
        .output()
        .unwrap();
    assert!(output.status.success());
    let shown = text_block_after(&text, "The first command builds leadscore");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    let mut shown_lines = shown.lines();
    for (shown, actual) in shown_lines.by_ref().zip(stdout.lines()) {
        if shown == "…" {
            break;
        }
        assert_eq!(shown, actual);
    }
    let summary = shown.lines().last().unwrap();
    let summary_start = &summary[..summary.rfind(" in ").unwrap()];
    assert!(stderr.starts_with(summary_start), "{stderr}");
}

#[test]
fn the_explanation_shown_is_the_one_printed() {
    let text = readme();
    let from =
        text.find("A lead's explanation, from `").unwrap() + "A lead's explanation, from `".len();
    let command: String = text[from..from + text[from..].find('`').unwrap()]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let output = Command::new(get_cargo_bin("leadscore"))
        .args(arguments(&command))
        .output()
        .unwrap();
    assert!(output.status.success());
    let shown = text_block_after(&text, "A lead's explanation, from `");
    assert_eq!(String::from_utf8(output.stdout).unwrap(), shown);
}

#[test]
fn the_speed_figure_is_the_one_in_the_performance_notes() {
    // The README quotes docs/performance.md's DuckDB ratio at 10M events; they must agree.
    let text = readme();
    let at = text
        .find("× faster than DuckDB on 10M events")
        .expect("the README quotes a speed-up");
    let figure = text[..at]
        .rsplit(|c: char| !(c.is_ascii_digit() || c == '.'))
        .next()
        .unwrap();
    let performance = std::fs::read_to_string("docs/performance.md").unwrap();
    assert!(
        performance.contains(&format!("DuckDB took {figure}× leadscore's time")),
        "README says {figure}×, docs/performance.md does not"
    );
}
