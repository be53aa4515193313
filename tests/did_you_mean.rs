//! The "did you mean" help of every place that suggests a name, and the help each gives
//! when no name is close. The expected lines are those the checker gave before the
//! suggestions shared one helper (`Diagnostic::with_did_you_mean`).

use leadscore::{check_source, MemoryLoader};

const SCHEMA: &str = r#"
lead { industry: string, size: int }
event email.click { campaign: string }
event page.view { path: string, seconds: number }
let limit = 5
score fit { when lead.size > 10 +5 }
grade fit { a >= 5; b }
flag hot when fit > 3
"#;

/// The help of the one diagnostic whose message is `message`, checking `SCHEMA` followed
/// by `model` (with `files` beside it, for imports).
fn help(model: &str, message: &str, files: &[&str]) -> Option<String> {
    let loader = files
        .iter()
        .fold(MemoryLoader::new(), |loader, name| loader.with(*name, ""));
    let text = format!("{SCHEMA}{model}");
    let checked = check_source("main.score", &text, &loader);
    let found: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.message == message)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "one `{message}` expected, got {:#?}",
        checked.diagnostics
    );
    found[0].help.clone()
}

fn assert_help(model: &str, message: &str, expected: Option<&str>) {
    assert_eq!(help(model, message, &[]).as_deref(), expected, "{message}");
}

#[test]
fn field_types() {
    let model = "event x.y { a: strin, b: qqq }";
    assert_help(
        model,
        "unknown type `strin`",
        Some("did you mean `string`?"),
    );
    assert_help(
        model,
        "unknown type `qqq`",
        Some("use one of string, int, number, bool, time, duration"),
    );
}

#[test]
fn event_types() {
    let model = "score s {\n on email.clik +5\n on web.zzz +5\n}";
    assert_help(
        model,
        "unknown event type `email.clik`",
        Some("did you mean `email.click`?"),
    );
    assert_help(
        model,
        "unknown event type `web.zzz`",
        Some("declare it first: `event web.zzz {}`"),
    );
}

#[test]
fn properties_and_constants_inside_where() {
    let model = "score s {\n on email.click where campain == \"x\" +5\n on email.click where qqqq == \"x\" +5\n on page.view where limt > 1 +5\n}";
    assert_help(
        model,
        "`email.click` has no property `campain`",
        Some("did you mean `campaign`?"),
    );
    assert_help(
        model,
        "`email.click` has no property `qqqq`",
        Some("declare it: `event email.click { qqqq: string }`"),
    );
    assert_help(
        model,
        "`page.view` has no property `limt`",
        Some("did you mean `limit`?"),
    );
}

#[test]
fn bare_names_suggest_constants_then_lead_fields() {
    let model = "score s {\n when limt > 3 +5\n when industry == \"a\" +5\n when industri == \"a\" +5\n when xyzzy +5\n}";
    assert_help(model, "unknown name `limt`", Some("did you mean `limit`?"));
    assert_help(
        model,
        "unknown name `industry`",
        Some("did you mean `lead.industry`?"),
    );
    assert_help(
        model,
        "unknown name `industri`",
        Some("did you mean `lead.industry`?"),
    );
    assert_help(model, "unknown name `xyzzy`", None);
}

#[test]
fn lead_fields() {
    let model = "score s {\n when lead.industy == \"a\" +5\n when lead.zzz == \"a\" +5\n}";
    assert_help(
        model,
        "the lead has no field `industy`",
        Some("did you mean `industry`?"),
    );
    assert_help(
        model,
        "the lead has no field `zzz`",
        Some("declare it in the lead block: `lead { zzz: string }`"),
    );
}

#[test]
fn functions_and_aggregates() {
    let model = "score s {\n when lowr(lead.industry) == \"a\" +5\n when cont(lead.size) > 1 +5\n when zzzfn(lead.size) > 1 +5\n}";
    assert_help(
        model,
        "unknown function `lowr`",
        Some("did you mean `lower`?"),
    );
    assert_help(
        model,
        "unknown function `cont`",
        Some("did you mean `count`?"),
    );
    assert_help(model, "unknown function `zzzfn`", None);
}

#[test]
fn summed_properties() {
    let model = "score s {\n when sum(page.view.secnds) > 3 +5\n when sum(page.view.qq) > 3 +5\n}";
    assert_help(
        model,
        "`page.view` has no property `secnds`",
        Some("did you mean `seconds`?"),
    );
    assert_help(model, "`page.view` has no property `qq`", None);
}

#[test]
fn graded_scores() {
    let model = "grade fitt { a >= 5; b }\ngrade qqq { a >= 5; b }";
    assert_help(
        model,
        "there is no score `fitt` to grade",
        Some("did you mean `fit`?"),
    );
    assert_help(
        model,
        "there is no score `qqq` to grade",
        Some("a grade names a score of this model"),
    );
}

#[test]
fn test_blocks() {
    let model = r#"
test "t" {
  as of @2026-01-01
  lead { industy: "x", zzz: 1 }
  events {
    @2025-12-01 email.click { campain: "x", qq: 1 }
  }
  expect fitt == 3
  expect grade fit == aa
  expect grade fit == zz
  expect flag hott
  expect flag zzz
}
"#;
    assert_help(
        model,
        "the lead has no field `industy`",
        Some("did you mean `industry`?"),
    );
    assert_help(model, "the lead has no field `zzz`", None);
    assert_help(
        model,
        "`email.click` has no property `campain`",
        Some("did you mean `campaign`?"),
    );
    assert_help(model, "`email.click` has no property `qq`", None);
    assert_help(
        model,
        "there is no score `fitt`",
        Some("did you mean `fit`?"),
    );
    assert_help(
        model,
        "grade `fit` has no band `aa`",
        Some("did you mean `a`?"),
    );
    assert_help(
        model,
        "grade `fit` has no band `zz`",
        Some("the bands of `fit` are a, b"),
    );
    assert_help(
        model,
        "there is no flag `hott`",
        Some("did you mean `hot`?"),
    );
    assert_help(model, "there is no flag `zzz`", None);
}

#[test]
fn statement_keywords() {
    assert_help(
        "scor x = 5",
        "unexpected `scor`",
        Some("did you mean `score`?"),
    );
    assert_help(
        "score y {\n whn lead.size > 1 +5\n}",
        "unexpected `whn`",
        Some("did you mean `when`?"),
    );
    assert_help("zzzz", "unexpected `zzzz`", None);
}

#[test]
fn imported_files() {
    let model = "import \"commn.score\"\nimport \"zzzzz.score\"";
    assert_eq!(
        help(
            model,
            "cannot read `commn.score`: no such file",
            &["common.score"]
        )
        .as_deref(),
        Some("did you mean `common.score`?")
    );
    assert_eq!(
        help(
            model,
            "cannot read `zzzzz.score`: no such file",
            &["common.score"]
        )
        .as_deref(),
        Some("import paths are relative to the importing file")
    );
}
