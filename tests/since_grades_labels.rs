//! Language 1.1, sections 11.6–11.8, through the library API: decay from a lead's own
//! time (`since lead.FIELD`), `> N` band thresholds, `grade(SCORE)`, `least` and
//! `greatest`, and rule labels in explanations.

mod common;

use common::{at, outcome as run, s, Ev, T};
use leadscore::testing::run_tests;
use leadscore::{check_source, MemoryLoader, Outcome, Scorer, Value};

const SCHEMA: &str = r#"
lead { created_at: time, renewed_at: time, segment: string, revenue: number, size: int, name: string }
event email.open {}
event page.view { path: string }
"#;

fn source(body: &str) -> String {
    format!("{SCHEMA}\n{body}")
}

fn model(body: &str) -> Scorer {
    let compiled = leadscore::compile_source("test.score", &source(body), &MemoryLoader::new());
    assert!(
        !compiled.diagnostics.has_errors(),
        "model does not compile: {:#?}",
        compiled.diagnostics
    );
    Scorer::new(compiled.plan.unwrap()).unwrap()
}

/// The codes of the errors a model has.
fn errors(body: &str) -> Vec<&'static str> {
    let checked = check_source("test.score", &source(body), &MemoryLoader::new());
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code.severity() == leadscore::Severity::Error)
        .map(|d| d.code.as_str())
        .collect()
}

fn time(text: &str) -> Value {
    Value::Time(at(text))
}

// ---------------------------------------------------------------- 11.6 since

#[test]
fn a_lead_that_never_engaged_decays_from_its_creation() {
    let sc = model("score e { decay -10 per 30d idle since lead.created_at }");
    // 2026-08-03 is 90 days before T.
    let outcome = run(&sc, vec![("created_at", time("2026-08-03"))], vec![]);
    assert_eq!(outcome.score("e"), Some(-30.0));
    let why = outcome.why.as_ref().unwrap();
    assert_eq!(why[0].fired, Some(3));
    assert_eq!(why[0].idle_days, Some(90));
}

#[test]
fn since_takes_the_later_of_the_newest_event_and_the_field() {
    let sc = model("score e { decay -10 per 30d idle since lead.created_at }");
    // The event is later: 31 days before T, one period.
    let event_later = run(
        &sc,
        vec![("created_at", time("2026-01-01"))],
        vec![("email.open", "2026-10-01", vec![])],
    );
    assert_eq!(event_later.score("e"), Some(-10.0));
    // The field is later: 61 days before T, two periods (the event is 200 days old).
    let field_later = run(
        &sc,
        vec![("created_at", time("2026-09-01"))],
        vec![("email.open", "2026-04-15", vec![])],
    );
    assert_eq!(field_later.score("e"), Some(-20.0));
    // The explanation lists the event that reset the clock, if one did.
    let events = |o: &Outcome| o.why.as_ref().unwrap()[0].events.clone();
    assert_eq!(events(&event_later), [at("2026-10-01")]);
    assert!(
        events(&field_later).is_empty(),
        "the field started the clock"
    );
    assert_eq!(field_later.why.as_ref().unwrap()[0].idle_days, Some(61));
}

#[test]
fn since_ignores_an_absent_field_and_no_events() {
    let sc = model("score e { decay -10 per 30d idle since lead.created_at }");
    let field_absent = run(&sc, vec![], vec![("email.open", "2026-09-01", vec![])]);
    assert_eq!(
        field_absent.score("e"),
        Some(-20.0),
        "the event alone counts"
    );
    let both_absent = run(&sc, vec![], vec![]);
    assert_eq!(
        both_absent.score("e"),
        Some(0.0),
        "nothing to start from: no decay"
    );
    assert!(both_absent.why.unwrap().is_empty());
}

#[test]
fn a_since_field_later_than_t_gives_no_decay() {
    let sc = model("score e { decay -10 per 30d idle since lead.created_at }");
    let future = run(
        &sc,
        vec![("created_at", time("2027-06-01"))],
        vec![("email.open", "2025-01-01", vec![])],
    );
    assert_eq!(future.score("e"), Some(0.0), "never points, never a decay");
    let just_after = run(
        &sc,
        vec![("created_at", time("2026-11-01T00:00:00.000001Z"))],
        vec![],
    );
    assert_eq!(just_after.score("e"), Some(0.0));
    let exactly_t = run(&sc, vec![("created_at", time(T))], vec![]);
    assert_eq!(exactly_t.score("e"), Some(0.0), "zero whole periods");
}

#[test]
fn since_works_with_without_and_where() {
    let sc = model(
        r#"score e { decay -5 per 10d without page.view where path == "/pricing" since lead.renewed_at }"#,
    );
    let outcome = run(
        &sc,
        vec![("renewed_at", time("2026-10-01"))],
        vec![
            ("page.view", "2026-10-21", vec![("path", s("/blog"))]), // does not match
            ("page.view", "2026-09-01", vec![("path", s("/pricing"))]),
        ],
    );
    // From the renewal (31 days: three periods), not the older matching view.
    assert_eq!(outcome.score("e"), Some(-15.0));
}

#[test]
fn since_names_a_time_field_of_the_lead() {
    assert_eq!(
        errors("score e { decay -1 per 1d idle since lead.segment }"),
        ["E0401"]
    );
    assert_eq!(
        errors("score e { decay -1 per 1d idle since lead.created }"),
        ["E0302"]
    );
    assert_eq!(
        errors("event signup { since: time }"),
        ["E0202"],
        "`since` is a keyword"
    );
}

// ---------------------------------------------------------------- 11.7 thresholds

#[test]
fn a_strict_threshold_excludes_the_score_itself() {
    let sc = model(
        "score e { on email.open +10 }
         score f = e
         grade e { hot > 70; warm >= 30; cold }
         grade f { hot >= 70; warm >= 30; cold }",
    );
    let opens = |n: usize| vec![("email.open", "2026-10-01", vec![]); n];
    let seventy = run(&sc, vec![], opens(7));
    assert_eq!(seventy.grade("e"), Some("warm"), "70 is not above 70");
    assert_eq!(seventy.grade("f"), Some("hot"), "70 is at least 70");
    let eighty = run(&sc, vec![], opens(8));
    assert_eq!(eighty.grade("e"), Some("hot"));
    // The next band up of a strict threshold needs more than the difference.
    let next = seventy.next_bands.as_ref().unwrap();
    let (_, e_next) = next.iter().find(|(s, _)| s == "e").unwrap();
    assert_eq!(
        (e_next.band.as_str(), e_next.needs, e_next.beyond),
        ("hot", 0.0, true)
    );
    let json = serde_json::to_value(&seventy).unwrap();
    assert_eq!(json["next_bands"]["e"]["beyond"], true);
    assert!(
        json["next_bands"].get("f").is_none(),
        "f is in its top band"
    );
}

#[test]
fn a_strict_band_above_an_inclusive_one_of_the_same_threshold_is_not_unreachable() {
    let checked = check_source(
        "test.score",
        &source(
            "score e { on email.open +10 }
             grade e { top > 70; high >= 70; low >= 70; cold }",
        ),
        &MemoryLoader::new(),
    );
    let unreachable: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str() == "W0004")
        .map(|d| checked.sources.slice(d.primary.span))
        .collect();
    assert_eq!(
        unreachable,
        ["low >= 70"],
        "only `low` is shadowed (by `high`)"
    );
}

// ---------------------------------------------------------------- 11.7 grade()

const GRADED: &str = r#"
score fit { when lead.size >= 100 +60; when lead.segment == "smb" +30 }
score engagement { on email.open +5 }
grade fit { A >= 50; B >= 30; C }
grade engagement {
  hot >= 90
  hot >= 70 if lead.segment == "smb"
  warm >= 30
  cold
}
flag mql when grade(engagement) == "hot" and grade(fit) in ["A", "B"]
"#;

fn opens(n: usize) -> Vec<Ev<'static>> {
    vec![("email.open", "2026-10-01", vec![]); n]
}

#[test]
fn a_flag_reads_the_band_of_a_grade() {
    let sc = model(GRADED);
    let smb = run(&sc, vec![("segment", s("smb"))], opens(15));
    assert_eq!(smb.score("engagement"), Some(75.0));
    assert_eq!(smb.grade("engagement"), Some("hot"), "the smb band");
    assert_eq!(smb.grade("fit"), Some("B"));
    assert_eq!(smb.flag("mql"), Some(true));
    // The same engagement elsewhere is only warm: the band's `if` does not hold.
    let big = run(
        &sc,
        vec![("segment", s("enterprise")), ("size", Value::Number(500.0))],
        opens(15),
    );
    assert_eq!(big.grade("engagement"), Some("warm"));
    assert_eq!(big.flag("mql"), Some(false));
    let big_hot = run(
        &sc,
        vec![("segment", s("enterprise")), ("size", Value::Number(500.0))],
        opens(18),
    );
    assert_eq!(
        big_hot.flag("mql"),
        Some(true),
        "90 is hot for everyone; fit A"
    );
    // The explanation shows the band each part tested.
    let json = serde_json::to_value(&smb).unwrap();
    let parts = &json["flags_why"]["mql"]["all"];
    assert_eq!(parts[0]["values"]["grade(engagement)"], "hot");
    assert_eq!(parts[1]["values"]["grade(fit)"], "B");
}

#[test]
fn a_band_condition_reads_another_grade() {
    let sc = model(
        r#"score fit { when lead.size >= 100 +60 }
        score engagement { on email.open +5 }
        grade fit { A >= 50; B }
        grade engagement { vip if grade(fit) == "A"; warm >= 30; cold }
        flag vip when grade(engagement) == "vip""#,
    );
    let big = run(&sc, vec![("size", Value::Number(200.0))], vec![]);
    assert_eq!(big.grade("engagement"), Some("vip"));
    assert_eq!(big.flag("vip"), Some(true));
    let small = run(&sc, vec![("size", Value::Number(20.0))], opens(7));
    assert_eq!(small.grade("engagement"), Some("warm"));
    assert_eq!(small.flag("vip"), Some(false));
}

#[test]
fn grade_is_known_only_in_flags_and_band_conditions() {
    let graded = "score e { on email.open +5 }\ngrade e { hot >= 50; cold }\n";
    let with = |body: &str| errors(&format!("{graded}{body}"));
    assert_eq!(with(r#"score f { when grade(e) == "hot" +1 }"#), ["E0307"]);
    assert_eq!(with(r#"score f = length(grade(e))"#), ["E0307"]);
    assert_eq!(
        with(r#"score f { on page.view where grade(e) == "hot" +1 }"#),
        ["E0307"]
    );
    assert_eq!(with(r#"let g = grade(e)"#), ["E0307"]);
    assert_eq!(with(r#"flag f when grade(nope) == "hot""#), ["E0306"]);
    assert_eq!(
        with(
            r#"score g { on email.open +1 }
        flag f when grade(g) == "hot""#
        ),
        ["E0602"]
    );
    assert_eq!(
        with(r#"flag f when grade(e) == 3"#),
        ["E0401"],
        "a band is a string"
    );
    assert!(with(r#"flag f when grade(e) == "hot""#).is_empty());
}

#[test]
fn a_grade_may_not_depend_on_itself_through_grade() {
    assert_eq!(
        errors(
            r#"score e { on email.open +5 }
        grade e { hot >= 50 if grade(e) == "cold"; cold }"#
        ),
        ["E0501"]
    );
    // Through a flag, and through another grade.
    assert_eq!(
        errors(
            r#"score e { on email.open +5 }
        flag f when grade(e) == "hot"
        grade e { hot >= 50; vip if f; cold }"#
        ),
        ["E0501"]
    );
    assert_eq!(
        errors(
            r#"score a { on email.open +5 }
        score b { on email.open +1 }
        grade a { hot if grade(b) == "hot"; cold }
        grade b { hot if grade(a) == "hot"; cold }"#
        ),
        ["E0501"]
    );
    // A score that uses a flag that reads the score's own grade.
    assert_eq!(
        errors(
            r#"score e { on email.open +5; when f +1 }
        flag f when grade(e) == "hot"
        grade e { hot >= 50; cold }"#
        ),
        ["E0501"]
    );
}

// ---------------------------------------------------------------- 11.7 least, greatest

#[test]
fn least_and_greatest_skip_absent_arguments() {
    let sc = model(
        r#"flag low when least(lead.revenue, lead.size, 50) < 10
        flag high when greatest(lead.revenue, lead.size) > 100
        flag none when not (greatest(lead.revenue, lead.size) >= 0)"#,
    );
    let both = run(
        &sc,
        vec![
            ("revenue", Value::Number(5.0)),
            ("size", Value::Number(200.0)),
        ],
        vec![],
    );
    assert_eq!(
        (both.flag("low"), both.flag("high"), both.flag("none")),
        (Some(true), Some(true), Some(false))
    );
    let size_only = run(&sc, vec![("size", Value::Number(200.0))], vec![]);
    assert_eq!(
        size_only.flag("low"),
        Some(false),
        "least(absent, 200, 50) is 50"
    );
    assert_eq!(
        size_only.flag("high"),
        Some(true),
        "greatest(absent, 200) is 200"
    );
    let neither = run(&sc, vec![], vec![]);
    assert_eq!(neither.flag("high"), Some(false));
    assert_eq!(neither.flag("none"), Some(true), "all absent: absent");
    let json = serde_json::to_value(&neither).unwrap();
    assert_eq!(
        json["flags_why"]["high"]["values"]["greatest(lead.revenue, lead.size)"],
        serde_json::Value::Null
    );
}

#[test]
fn in_a_derived_score_absent_attributes_are_0_before_least_and_greatest() {
    let sc = model(
        r#"score fit { when lead.size >= 100 +10 }
        score engagement { on email.open -15 }
        score total = greatest(0, fit + engagement)
        score capped = least(lead.revenue, 100)
        score floor = greatest(lead.revenue, -5)"#,
    );
    let negative = run(&sc, vec![("size", Value::Number(500.0))], opens(1));
    assert_eq!(negative.score("total"), Some(0.0), "10 - 15 is below 0");
    assert_eq!(
        negative.score("capped"),
        Some(0.0),
        "absent revenue is 0, not skipped"
    );
    assert_eq!(negative.score("floor"), Some(0.0));
    let positive = run(
        &sc,
        vec![
            ("size", Value::Number(500.0)),
            ("revenue", Value::Number(250.0)),
        ],
        vec![],
    );
    assert_eq!(positive.score("total"), Some(10.0));
    assert_eq!(positive.score("capped"), Some(100.0));
    assert_eq!(positive.score("floor"), Some(250.0));
}

#[test]
fn least_and_greatest_fold_as_constants() {
    let sc = model(
        "let cap = least(80, 120, 95.5)
        score e { on email.open +10 }
        grade e { hot >= greatest(cap, 60); cold }",
    );
    assert_eq!(run(&sc, vec![], opens(8)).grade("e"), Some("hot"));
    assert_eq!(run(&sc, vec![], opens(7)).grade("e"), Some("cold"));
    assert_eq!(errors("let x = greatest(10 / 0, 1)"), ["E0409"]);
    assert_eq!(errors("let x = least(lead.size, 1)"), ["E0405"]);
}

#[test]
fn least_and_greatest_take_two_numbers_or_more() {
    assert_eq!(errors("score x = least(lead.revenue)"), ["E0404"]);
    assert_eq!(errors("score x = greatest()"), ["E0404"]);
    assert_eq!(
        errors("score x = least(lead.revenue, lead.name)"),
        ["E0401"]
    );
    assert!(errors("score x = least(1, 2, 3, 4, lead.size)").is_empty());
}

// ---------------------------------------------------------------- 11.8 labels

const LABELLED: &str = r#"
score engagement {
  on email.open +50 label "Opened an email"
  on page.view +1
  when lead.segment == "smb" +5 label "Small business"
  decay -10 per 30d idle since lead.created_at label "Gone quiet"
}
"#;

#[test]
fn explanations_show_labels_beside_the_source() {
    let sc = model(LABELLED);
    let outcome = run(
        &sc,
        vec![("segment", s("smb")), ("created_at", time("2026-01-01"))],
        vec![
            ("email.open", "2026-08-01", vec![]),
            ("page.view", "2026-10-01", vec![]),
        ],
    );
    let why = outcome.why.as_ref().unwrap();
    assert_eq!(
        why[0].rule, "on email.open +50",
        "the source without its label"
    );
    assert_eq!(why[0].label.as_deref(), Some("Opened an email"));
    assert_eq!(why[0].text(), "on email.open +50 \"Opened an email\"");
    assert_eq!(why[1].label, None);
    assert_eq!(why[2].label.as_deref(), Some("Small business"));
    assert_eq!(why[3].rule, "decay -10 per 30d idle since lead.created_at");
    assert_eq!(why[3].label.as_deref(), Some("Gone quiet"));

    let json = serde_json::to_value(&outcome).unwrap();
    assert_eq!(json["why"][0]["label"], "Opened an email");
    assert!(
        json["why"][1].get("label").is_none(),
        "omitted without a label"
    );

    let table = leadscore::explain_table(sc.plan(), &outcome, at(T));
    assert!(
        table.contains(r#"on email.open +50 "Opened an email""#),
        "{table}"
    );

    let mut csv = Vec::new();
    leadscore::output::write_csv_rows(std::slice::from_ref(&outcome), true, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.contains(r#"on email.open +50 ""Opened an email"""#),
        "{csv}"
    );
}

#[test]
fn labels_are_one_line_of_text() {
    assert_eq!(
        errors(r#"score e { on email.open +1 label "" }"#),
        ["E0514"]
    );
    assert_eq!(
        errors(r#"score e { on email.open +1 label "a\nb" }"#),
        ["E0514"]
    );
    assert_eq!(
        errors(
            r#"score e { on email.open +1 }
        let label = 1"#
        ),
        ["E0202"],
        "`label` is a keyword"
    );
}

// ---------------------------------------------------------------- test blocks

#[test]
fn test_blocks_check_flags_that_use_grades_and_least() {
    let text = source(&format!(
        r#"{GRADED}
flag cheap when least(lead.revenue, 1000) < 500
test "a small business that opened 15 emails is an MQL" {{
  as of @2026-11-01
  lead {{ segment: "smb", revenue: 200 }}
  events {{
    {}
  }}
  expect grade engagement == hot
  expect flag mql
  expect flag cheap
}}
test "a big firm at 75 is only warm" {{
  as of @2026-11-01
  lead {{ segment: "enterprise", size: 500 }}
  events {{
    {}
  }}
  expect grade engagement == warm
  expect not flag mql
  expect not flag cheap
}}
"#,
        "@2026-10-01 email.open\n    ".repeat(15),
        "@2026-10-01 email.open\n    ".repeat(15),
    ));
    let checked = check_source("test.score", &text, &MemoryLoader::new());
    let model = checked
        .model
        .unwrap_or_else(|| panic!("{:#?}", checked.diagnostics));
    let scorer = Scorer::new(leadscore::Plan::from_model(&model)).unwrap();
    let results = run_tests(&model, &scorer);
    assert_eq!(results.len(), 2);
    for result in results {
        assert!(
            result.failures.is_empty(),
            "{}: {:?}",
            result.name,
            result.failures
        );
    }
}

// ---------------------------------------------------------------- formatting

#[test]
fn fmt_keeps_the_new_forms() {
    let text = source(&format!(
        "{LABELLED}\ngrade engagement {{ hot  >  70 ; warm >= 30; cold }}\nflag f when grade( engagement ) == \"hot\" and greatest(lead.size,1) > 2\n"
    ));
    let once = leadscore::format::format_source(&text).unwrap();
    assert!(
        once.contains("grade engagement { hot > 70; warm >= 30; cold }"),
        "{once}"
    );
    assert!(
        once.contains("flag f when grade(engagement) == \"hot\" and greatest(lead.size, 1) > 2"),
        "{once}"
    );
    assert!(
        once.contains("decay -10 per 30d idle since lead.created_at label \"Gone quiet\""),
        "{once}"
    );
    assert!(once.contains("label \"Opened an email\""), "{once}");
    assert_eq!(leadscore::format::format_source(&once).unwrap(), once);
}
