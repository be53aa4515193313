//! `leadscore evaluate` and `leadscore suggest` on generated data with a planted truth
//! (`src/gen/outcomes.rs`): every format of the report, the HTML page held to the JSON
//! report, and the suggestion recovering the planted signal.

use insta_cmd::get_cargo_bin;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

fn run(args: &[&str]) -> Output {
    Command::new(get_cargo_bin("leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let output = run(args);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The generated data, made once for every test of this file.
fn data() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().display().to_string();
        ok(&["gen", "--leads", "8000", "--events", "80000", "--out", &out]);
        dir
    })
    .path()
}

/// `command MODEL` with the generated data, as of the planted truth's cut-off.
fn args<'a>(command: &'a str, model: &'a str, dir: &'a str) -> Vec<String> {
    [
        command,
        model,
        "--leads",
        &format!("{dir}/leads.jsonl"),
        "--events",
        &format!("{dir}/events.jsonl"),
        "--outcomes",
        &format!("{dir}/outcomes.jsonl"),
        "--as-of",
        "2026-08-03",
        "--horizon",
        "90d",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn with(base: Vec<String>, more: &[&str]) -> Vec<String> {
    base.into_iter()
        .chain(more.iter().map(|s| s.to_string()))
        .collect()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn json_report() -> serde_json::Value {
    let dir = data().display().to_string();
    let a = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--format", "json"],
    );
    serde_json::from_str(&ok(&strs(&a))).unwrap()
}

#[test]
fn evaluate_reports_every_score_grade_and_flag() {
    let report = json_report();
    let conversions = report["conversions"].as_u64().unwrap();
    assert!(conversions > 300, "{conversions}");
    let scores: Vec<&str> = report["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["score"].as_str().unwrap())
        .collect();
    assert_eq!(scores, ["fit", "engagement", "total"]);
    // The planted truth rewards what the model scores: each score ranks better than chance.
    for score in report["scores"].as_array().unwrap() {
        assert!(score["auc"]["low"].as_f64().unwrap() > 0.5, "{score}");
        assert_eq!(score["deciles"].as_array().unwrap().len(), 10);
    }
    let fit = &report["scores"][0]["grade"];
    assert!(fit["suggested"]["block"]
        .as_str()
        .unwrap()
        .contains("grade fit {"));
    assert_eq!(report["flags"][0]["flag"], "mql");
    let dir = data().display().to_string();
    let text = ok(&strs(&args("evaluate", "examples/b2b.score", &dir)));
    assert!(
        text.contains("threshold sweep") && text.contains("grade bands"),
        "{text}"
    );
    let markdown = ok(&strs(&with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--format", "markdown"],
    )));
    assert!(
        markdown.starts_with("# Evaluation of `examples/b2b.score`"),
        "{markdown}"
    );
}

#[test]
fn evaluate_by_segment_and_refuses_an_unknown_field() {
    let dir = data().display().to_string();
    let a = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--by", "lead.segment", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&ok(&strs(&a))).unwrap();
    let values: Vec<&str> = report["segments"]["segments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["enterprise", "mid-market", "smb", "(absent)"]);
    let a = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--by", "lead.segmnt"],
    );
    let output = run(&strs(&a));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error[E0831]") && stderr.contains("did you mean `lead.segment`?"),
        "{stderr}"
    );
}

#[test]
fn evaluate_needs_a_cut_off_and_enough_conversions() {
    let dir = data().display().to_string();
    let mut a = args("evaluate", "examples/b2b.score", &dir);
    a.truncate(a.len() - 4);
    a.extend(["--horizon".to_string(), "90d".to_string()]);
    let output = run(&strs(&a));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("give the cut-off time with --as-of"));
    // An outcome nobody has.
    let a = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--outcome", "won"],
    );
    let output = run(&strs(&a));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error[E0830]: only 0 of 8000 leads converted"),
        "{stderr}"
    );
}

/// Every number a table cell of `class` holds for `score`, in order (`data-value`).
fn cells(html: &str, class: &str, score: &str) -> Vec<f64> {
    let start = html
        .find(&format!("<table class=\"{class}\" data-score=\"{score}\">"))
        .unwrap_or_else(|| panic!("no {class} table for {score}"));
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table
        .split("data-value=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// Checks tags open and close in order (void elements and `/>` aside).
fn well_formed(html: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').expect("a tag ends") + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name == "meta" {
            continue;
        }
        if tag.starts_with('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.as_str()),
                "</{name}> closes what was not open"
            );
        } else {
            stack.push(name);
        }
    }
    assert!(stack.is_empty(), "left open: {stack:?}");
}

#[test]
fn the_html_report_is_self_contained_and_holds_the_json_numbers() {
    let dir = data().display().to_string();
    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("report.html");
    let page_arg = page.display().to_string();
    let a = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--format", "json", "--html", &page_arg, "--by", "segment"],
    );
    let report: serde_json::Value = serde_json::from_str(&ok(&strs(&a))).unwrap();
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    well_formed(&html);
    assert!(
        !html.contains("<script") && !html.contains("src="),
        "nothing from elsewhere"
    );
    assert_eq!(html.matches("<svg").count(), 4 * 3, "four charts per score");
    for score in report["scores"].as_array().unwrap() {
        let name = score["score"].as_str().unwrap();
        let expected: Vec<f64> = score["deciles"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| {
                ["leads", "conversions", "rate", "lift", "gains"].map(|k| d[k].as_f64().unwrap())
            })
            .collect();
        assert_eq!(cells(&html, "deciles", name), expected, "{name}");
        let Some(grade) = score.get("grade") else {
            continue;
        };
        let expected: Vec<f64> = grade["bands"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| ["leads", "conversions", "rate", "lift"].map(|k| b[k].as_f64().unwrap()))
            .collect();
        assert_eq!(cells(&html, "grades", name), expected, "{name}");
    }
    let segments = &report["segments"]["segments"];
    assert_eq!(
        html.matches("<tr><td>smb</td>").count(),
        segments[2]["scores"].as_array().unwrap().len()
    );
    let base = format!("data-value=\"{}\"", report["base_rate"]);
    assert!(html.contains(&base), "{base}");
}

#[test]
fn suggest_recovers_the_planted_signal_and_writes_a_clean_model() {
    let dir = data().display().to_string();
    let out = tempfile::tempdir().unwrap();
    // The model beside its import, so the new file finds it too.
    for file in ["b2b.score", "acme-schema.score"] {
        std::fs::copy(Path::new("examples").join(file), out.path().join(file)).unwrap();
    }
    let model = out.path().join("b2b.score").display().to_string();
    let new = out.path().join("new.score").display().to_string();
    let a = with(
        args("suggest", &model, &dir),
        &["-o", &new, "--format", "json"],
    );
    let suggestion: serde_json::Value = serde_json::from_str(&ok(&strs(&a))).unwrap();
    let mut rules: Vec<(f64, &str)> = suggestion["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["suggested"].as_f64().unwrap(),
                r["rule"].as_str().unwrap(),
            )
        })
        .collect();
    rules.sort_by(|a, b| b.0.total_cmp(&a.0));
    // The planted truth's strongest effects: +1.2 per demo, +0.8 for the industry.
    assert!(rules[0].1.starts_with("on demo.request"), "{rules:?}");
    assert!(rules[1].1.starts_with("when lead.industry"), "{rules:?}");
    // E-mail opens play no part in the truth.
    let open = suggestion["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"].as_str().unwrap().starts_with("on email.open"))
        .unwrap();
    assert_eq!(open["indistinguishable"], true, "{open}");
    let current = suggestion["auc_current"]["value"].as_f64().unwrap();
    let suggested = suggestion["auc_suggested"]["value"].as_f64().unwrap();
    assert!(suggested >= current, "{suggested} < {current}");
    // The new model checks and is formatted; its tests run (the old expectations may
    // fail: that is the review).
    let check = run(&["check", &new]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(run(&["fmt", "--check", &new]).status.success());
    let text = std::fs::read_to_string(&new).unwrap();
    assert!(text.starts_with("# Acme B2B lead scoring"), "comments kept");
    let test = run(&["test", &new]);
    assert!(matches!(test.status.code(), Some(0 | 1)));
}

#[test]
fn the_report_does_not_depend_on_the_thread_count() {
    let dir = data().display().to_string();
    let base = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--format", "json", "--by", "segment"],
    );
    let one = ok(&strs(&with(base.clone(), &["--threads", "1"])));
    let three = ok(&strs(&with(base, &["--threads", "3"])));
    assert_eq!(one, three);
}

#[test]
fn a_bad_horizon_or_capacity_is_a_usage_error() {
    let dir = data().display().to_string();
    for (option, value, message) in [
        ("--horizon", "0d", "give a duration like `90d`"),
        ("--horizon", "90x", "give a duration like `90d`"),
        ("--capacity", "0%", "give a share of leads above 0"),
        ("--capacity", "150%", "give a share of leads above 0"),
    ] {
        let mut a = args("evaluate", "examples/b2b.score", &dir);
        if option == "--horizon" {
            a.truncate(a.len() - 2);
        }
        let output = run(&strs(&with(a, &[option, value])));
        assert_eq!(output.status.code(), Some(2), "{option} {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(message), "{option} {value}: {stderr}");
    }
    let a = with(
        args("evaluate", "examples/b2b.score", &dir),
        &["--capacity", "0.05", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_str(&ok(&strs(&a))).unwrap();
    assert_eq!(report["capacity"], 0.05);
    let share = report["scores"][1]["grade"]["suggested"]["cut"]["share"]
        .as_f64()
        .unwrap();
    assert!(share <= 0.05, "{share}");
}

/// The ```text blocks of `text` after `from`.
fn text_blocks<'a>(text: &'a str, from: &str) -> Vec<&'a str> {
    let start = text.find(from).unwrap_or_else(|| panic!("no `{from}`"));
    text[start..]
        .split("```text\n")
        .skip(1)
        .map(|block| &block[..block.find("```").unwrap()])
        .collect()
}

#[test]
fn the_reports_the_docs_show_are_the_ones_printed() {
    // The data the docs were made from: `leadscore gen --out data` (the defaults).
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    ok(&["gen", "--out", &out]);
    let evaluated = ok(&strs(&args("evaluate", "examples/b2b.score", &out)));
    let suggested = ok(&strs(&args("suggest", "examples/b2b.score", &out)));
    let readme = std::fs::read_to_string("README.md").unwrap();
    let guide = std::fs::read_to_string("docs/evaluating.md").unwrap();
    let mut blocks = text_blocks(&readme, "Whether a model predicts anything");
    blocks.truncate(1);
    blocks.extend(text_blocks(&guide, "## What each figure means"));
    assert!(blocks.len() >= 3);
    for block in blocks {
        for line in block
            .lines()
            .filter(|l| !l.trim().is_empty() && l.trim() != "…")
        {
            assert!(
                evaluated
                    .lines()
                    .chain(suggested.lines())
                    .any(|printed| printed == line),
                "not printed: {line}"
            );
        }
    }
}
