//! The evaluation rules of the language sketch (sections 4–7 and 10), one test per
//! rule form or fine point, through the library API.

mod common;

use common::{at, outcome as run, s, scorer, T};
use leadscore::{Scorer, Value};

fn n(x: f64) -> Value {
    Value::Number(x)
}

const SCHEMA: &str = r#"
lead { country: string, size: int, revenue: number, student: bool, email: string, segment: string, title: string }
event email.open {}
event email.click { campaign: string }
event page.view { path: string, seconds: number }
event unused.kind {}
"#;

fn model(body: &str) -> Scorer {
    scorer(&format!("{SCHEMA}\n{body}"))
}

#[test]
fn window_includes_both_ends_and_excludes_the_future() {
    let sc = model("score e { on email.open +1 within 1d }");
    let outcome = run(
        &sc,
        vec![],
        vec![
            ("email.open", "2026-10-31T00:00:00Z", vec![]), // exactly T - D: counts
            ("email.open", "2026-10-30T23:59:59Z", vec![]), // one second earlier: no
            ("email.open", T, vec![]),                      // exactly T: counts
            ("email.open", "2026-11-01T00:00:01Z", vec![]), // after T: does not exist yet
        ],
    );
    assert_eq!(outcome.score("e"), Some(2.0));
}

#[test]
fn without_a_window_every_past_event_counts() {
    let sc = model("score e { on email.open +1 }");
    let outcome = run(
        &sc,
        vec![],
        vec![
            ("email.open", "2020-01-01", vec![]),
            ("email.open", "2026-10-31", vec![]),
            ("email.open", "2026-12-01", vec![]),
        ],
    );
    assert_eq!(outcome.score("e"), Some(2.0));
}

#[test]
fn max_caps_the_count_also_for_negative_points() {
    let sc = model(r#"score e { on page.view where starts_with(path, "/careers") -5 max 2 }"#);
    let views = (1..=5)
        .map(|d| {
            (
                "page.view",
                if d == 1 { "2026-10-01" } else { "2026-10-02" },
                vec![("path", s("/careers/eng"))],
            )
        })
        .collect();
    assert_eq!(run(&sc, vec![], views).score("e"), Some(-10.0));
}

#[test]
fn idle_decay_counts_whole_periods_since_the_newest_declared_event() {
    let sc = model("score e { on email.click +100\n decay -10 per 30d idle }");
    // Newest event 65 days before T: two whole periods.
    let outcome = run(&sc, vec![], vec![("email.click", "2026-08-28", vec![])]);
    assert_eq!(outcome.score("e"), Some(80.0));
    // A lead with no events: no decay.
    assert_eq!(run(&sc, vec![], vec![]).score("e"), Some(0.0));
}

#[test]
fn idle_is_reset_by_any_declared_event_but_not_by_undeclared_or_future_ones() {
    let sc = model("score e { on email.click +100\n decay -10 per 30d idle }");
    let events = vec![
        ("email.click", "2026-08-28", vec![]),
        ("unused.kind", "2026-10-30", vec![]), // declared, no rule: resets
        ("chat.message", "2026-10-31", vec![]), // undeclared: ignored
    ];
    assert_eq!(run(&sc, vec![], events).score("e"), Some(100.0));
    let events = vec![
        ("email.click", "2026-08-28", vec![]),
        ("chat.message", "2026-10-31", vec![]),
        ("email.open", "2026-11-02", vec![]), // future: does not reset
    ];
    assert_eq!(run(&sc, vec![], events).score("e"), Some(80.0));
}

#[test]
fn decay_without_matches_only_the_named_events() {
    let sc = model(
        r#"score e { on email.click +100
      decay -15 per 45d without page.view where path == "/pricing" }"#,
    );
    // No matching event at all: nothing.
    let none = vec![
        ("email.click", "2026-10-30", vec![]),
        ("page.view", "2026-10-30", vec![("path", s("/blog"))]),
    ];
    assert_eq!(run(&sc, vec![], none).score("e"), Some(100.0));
    // Matching view 100 days ago: two whole 45-day periods.
    let old = vec![
        ("email.click", "2026-10-30", vec![]),
        ("page.view", "2026-07-24", vec![("path", s("/pricing"))]),
    ];
    assert_eq!(run(&sc, vec![], old).score("e"), Some(70.0));
}

#[test]
fn clamp_limits_the_sum_and_explains_the_difference() {
    let sc = model("score e { on email.click +60\n clamp 0 100 }");
    let clicks = vec![
        ("email.click", "2026-10-01", vec![]),
        ("email.click", "2026-10-02", vec![]),
    ];
    let outcome = run(&sc, vec![], clicks);
    assert_eq!(outcome.score("e"), Some(100.0));
    let clamp = outcome
        .why
        .unwrap()
        .into_iter()
        .find(|r| r.rule == "clamp 0 100")
        .unwrap();
    assert_eq!(clamp.points, -20.0);
    let sc = model("score e { on email.click -60\n clamp 0 100 }");
    assert_eq!(
        run(&sc, vec![], vec![("email.click", "2026-10-01", vec![])]).score("e"),
        Some(0.0)
    );
}

#[test]
fn derived_scores_chain_in_dependency_order_and_count_absent_as_zero() {
    let sc = model(
        "score total = fit + double\nscore double = fit * 2\nscore fit { when lead.size > 10 +5 }\nscore per_k = fit + lead.revenue / 1000",
    );
    let outcome = run(&sc, vec![("size", n(20.0))], vec![]);
    assert_eq!(outcome.score("double"), Some(10.0));
    assert_eq!(outcome.score("total"), Some(15.0));
    assert_eq!(
        outcome.score("per_k"),
        Some(5.0),
        "absent revenue counts as 0"
    );
    let outcome = run(&sc, vec![("size", n(20.0)), ("revenue", n(2500.0))], vec![]);
    assert_eq!(outcome.score("per_k"), Some(7.5));
}

#[test]
fn grades_take_the_first_band_that_holds_including_its_condition() {
    let sc = model(
        r#"score e { on email.click +35 }
        grade e { hot >= 90; hot >= 70 if lead.segment == "smb"; warm >= 30; cold }"#,
    );
    let clicks = || {
        vec![
            ("email.click", "2026-10-01", vec![]),
            ("email.click", "2026-10-02", vec![]),
        ]
    };
    assert_eq!(
        run(&sc, vec![("segment", s("smb"))], clicks()).grade("e"),
        Some("hot")
    );
    assert_eq!(
        run(&sc, vec![("segment", s("enterprise"))], clicks()).grade("e"),
        Some("warm")
    );
    assert_eq!(
        run(&sc, vec![], clicks()).grade("e"),
        Some("warm"),
        "absent segment: condition false"
    );
    assert_eq!(run(&sc, vec![], vec![]).grade("e"), Some("cold"));
}

#[test]
fn flags_read_scores_and_other_flags() {
    let sc = model(
        r#"score fit { when lead.size >= 50 +40 }
        score e { on email.click +70 }
        flag mql when e >= 70 and fit >= 40
        flag sql when mql and exists(page.view where path == "/demo")"#,
    );
    let events = vec![
        ("email.click", "2026-10-01", vec![]),
        ("page.view", "2026-10-02", vec![("path", s("/demo"))]),
    ];
    let outcome = run(&sc, vec![("size", n(60.0))], events);
    assert_eq!(
        (outcome.flag("mql"), outcome.flag("sql")),
        (Some(true), Some(true))
    );
    let outcome = run(
        &sc,
        vec![("size", n(10.0))],
        vec![("email.click", "2026-10-01", vec![])],
    );
    assert_eq!(
        (outcome.flag("mql"), outcome.flag("sql")),
        (Some(false), Some(false))
    );
}

#[test]
fn absent_values_follow_two_valued_logic() {
    let sc = model(
        r#"score ne { when lead.country != "PL" +1 }
        score notin { when lead.country not in ["PL", "DE"] +1 }
        score negated { when not (lead.country == "PL") +1 }
        score notbool { when not lead.student +1 }
        score present { when has(lead.country) +1 }
        score arith { when lead.size + 1 > 0 +1 }
        score func { when starts_with(lead.email, "a") +1 }
        score nofunc { when not starts_with(lead.email, "a") +1 }"#,
    );
    let absent = run(&sc, vec![], vec![]);
    let got: Vec<f64> = absent.scores.iter().map(|(_, v)| *v).collect();
    assert_eq!(got, vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 1.0]);
    let present = run(
        &sc,
        vec![("country", s("US")), ("student", Value::Bool(true))],
        vec![],
    );
    assert_eq!(present.score("ne"), Some(1.0));
    assert_eq!(present.score("notin"), Some(1.0));
    assert_eq!(present.score("notbool"), Some(0.0));
    assert_eq!(present.score("present"), Some(1.0));
}

#[test]
fn matches_searches_anywhere_and_respects_case() {
    let sc = model(
        r#"score a { when lead.title matches "cto" +1 }
        score b { when lead.title matches "(?i)cto" +1 }
        score c { when lead.title matches "^cto$" +1 }"#,
    );
    let outcome = run(&sc, vec![("title", s("Acting CTO / cto"))], vec![]);
    assert_eq!(outcome.score("a"), Some(1.0), "unanchored search");
    assert_eq!(outcome.score("b"), Some(1.0));
    assert_eq!(outcome.score("c"), Some(0.0));
    let outcome = run(&sc, vec![("title", s("CTO"))], vec![]);
    assert_eq!(outcome.score("a"), Some(0.0), "case-sensitive without (?i)");
}

#[test]
fn aggregates_with_where_and_within() {
    let sc = model(
        r#"score n { when count(page.view where path == "/pricing" within 30d) >= 2 +1 }
        score total_seconds = sum(page.view.seconds within 30d)
        score pricing_seconds = sum(page.view.seconds where path == "/pricing")
        score seen { when exists(email.click where campaign == "spring") +1 }
        score recency = days_since(page.view)
        score stale { when days_since(email.click) > 5 +1 }"#,
    );
    let events = vec![
        (
            "page.view",
            "2026-10-20",
            vec![("path", s("/pricing")), ("seconds", n(30.5))],
        ),
        (
            "page.view",
            "2026-10-25",
            vec![("path", s("/pricing")), ("seconds", n(10.0))],
        ),
        ("page.view", "2026-10-29", vec![("path", s("/blog"))]), // no seconds: skipped by sum
        (
            "page.view",
            "2026-08-01",
            vec![("path", s("/pricing")), ("seconds", n(100.0))],
        ),
    ];
    let outcome = run(&sc, vec![], events);
    assert_eq!(outcome.score("n"), Some(1.0));
    assert_eq!(outcome.score("total_seconds"), Some(40.5));
    assert_eq!(outcome.score("pricing_seconds"), Some(140.5));
    assert_eq!(outcome.score("seen"), Some(0.0));
    assert_eq!(outcome.score("recency"), Some(3.0));
    assert_eq!(
        outcome.score("stale"),
        Some(0.0),
        "days_since of nothing is absent: condition false"
    );
    let empty = run(&sc, vec![], vec![]);
    assert_eq!(
        empty.score("total_seconds"),
        Some(0.0),
        "sum of nothing is 0"
    );
    assert_eq!(
        empty.score("recency"),
        Some(0.0),
        "absent counts as 0 in a derived score"
    );
}

#[test]
fn division_is_real_and_division_by_zero_is_absent() {
    let sc = model(
        r#"score half = 7 / 2
        score ratio { when lead.revenue / lead.size > 1 +1 }
        score zero { when not (lead.revenue / lead.size > 1) +1 }"#,
    );
    let outcome = run(&sc, vec![("revenue", n(10.0)), ("size", n(0.0))], vec![]);
    assert_eq!(outcome.score("half"), Some(3.5));
    assert_eq!(outcome.score("ratio"), Some(0.0));
    assert_eq!(outcome.score("zero"), Some(1.0));
}

#[test]
fn domain_is_lowercased_and_absent_without_an_at_sign() {
    let sc = model(
        r#"score free { when domain(lead.email) in ["gmail.com"] +1 }
        score has_domain { when has(lead.email) and not (domain(lead.email) == "x") +1 }"#,
    );
    assert_eq!(
        run(&sc, vec![("email", s("Ann@GMail.com"))], vec![]).score("free"),
        Some(1.0)
    );
    assert_eq!(
        run(&sc, vec![("email", s("no-at-sign"))], vec![]).score("free"),
        Some(0.0)
    );
}

#[test]
fn case_and_trim_functions_whether_or_not_the_text_changes() {
    let sc = model(
        r#"score lo { when lower(lead.email) == "ann@x.io" +1 }
        score up { when upper(lead.email) == "ANN@X.IO" +1 }
        score tr { when trim(lead.email) == "ann@x.io" +1 }
        score dz { when domain(lead.email) == "dž.io" +1 }"#,
    );
    let scores = |email: &str| {
        let outcome = run(&sc, vec![("email", s(email))], vec![]);
        ["lo", "up", "tr", "dz"].map(|name| outcome.score(name) == Some(1.0))
    };
    assert_eq!(scores("ann@x.io"), [true, true, true, false]);
    assert_eq!(scores("ANN@X.IO"), [true, true, false, false]);
    assert_eq!(scores(" ann@x.io "), [false, false, true, false]);
    // A title-case letter is not upper case, yet lowercasing changes it.
    assert_eq!(scores("a@Dž.io"), [false, false, false, true]);
}

#[test]
fn int_and_number_mix_freely() {
    let sc = model("score a { when lead.size * 1.5 >= lead.revenue +1 }");
    assert_eq!(
        run(&sc, vec![("size", n(10.0)), ("revenue", n(15.0))], vec![]).score("a"),
        Some(1.0)
    );
}

#[test]
fn time_arithmetic_and_now() {
    let sc = scorer(
        "lead { joined: time }\nscore loyal { when lead.joined <= now() - 365d +1 }\nscore early { when lead.joined < @2025-01-01 +1 }",
    );
    let old = sc
        .lead("L1", [("joined", Value::Time(at("2024-06-01")))])
        .unwrap();
    let outcome = sc.evaluate(&old, &[], at(T), false);
    assert_eq!(
        (outcome.score("loyal"), outcome.score("early")),
        (Some(1.0), Some(1.0))
    );
    let new = sc
        .lead("L1", [("joined", Value::Str("2026-06-01".into()))])
        .unwrap();
    let outcome = sc.evaluate(&new, &[], at(T), false);
    assert_eq!(
        (outcome.score("loyal"), outcome.score("early")),
        (Some(0.0), Some(0.0))
    );
}

#[test]
fn time_arithmetic_out_of_range_is_absent() {
    // Some 292,000 years from 1970 is the end of the range of times and durations.
    let sc = scorer(
        "lead { joined: time, trial: duration }
        score ends { when lead.joined + lead.trial > @2026-01-01 +1 }
        score not_ends { when not (lead.joined + lead.trial > @2026-01-01) +1 }
        score long { when now() - lead.joined > 1d +1 }
        score back { when -lead.trial < 1s +1 }",
    );
    let far = |since: i64, trial: i64| {
        let lead = sc
            .lead(
                "L1",
                [
                    ("joined", Value::Time(since)),
                    ("trial", Value::Duration(trial)),
                ],
            )
            .unwrap();
        let outcome = sc.evaluate(&lead, &[], at(T), false);
        ["ends", "not_ends", "long", "back"].map(|name| outcome.score(name) == Some(1.0))
    };
    assert_eq!(far(at(T), i64::MAX), [false, true, false, true]);
    assert_eq!(far(i64::MIN + 1, i64::MIN), [false, true, false, false]);
}

#[test]
fn days_since_and_decay_reach_back_to_the_earliest_time() {
    let sc = model("score e { decay -1 per 36500d idle }\nscore d = days_since(email.open)");
    let lead = sc.lead("L1", []).unwrap();
    let open = sc
        .event("L1", "email.open", i64::MIN + 1, [])
        .unwrap()
        .unwrap();
    let outcome = sc.evaluate(&lead, &[open], at(T), true);
    // The earliest time is 106,751,991 days and a bit before 1970, 2026-11-01 is 20,758
    // days after: 2,925 whole centuries.
    assert_eq!(outcome.score("d"), Some(106_772_749.0));
    assert_eq!(outcome.score("e"), Some(-2925.0));
}

#[test]
fn explanations_name_every_contributing_rule() {
    let sc = model(
        "score e { on email.click +15 within 30d\n on email.open +5\n decay -10 per 30d idle }",
    );
    let events = vec![
        ("email.click", "2026-08-01", vec![]),
        ("email.open", "2026-08-02", vec![]),
        ("email.open", "2026-08-03", vec![]),
    ];
    let outcome = run(&sc, vec![], events);
    let why = outcome.why.clone().unwrap();
    let summary: Vec<(String, Option<u64>, f64)> = why
        .iter()
        .map(|r| (r.rule.clone(), r.fired, r.points))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("on email.open +5".to_string(), Some(2), 10.0),
            ("decay -10 per 30d idle".to_string(), Some(3), -30.0),
        ]
    );
    assert_eq!(why[1].idle_days, Some(90));
    assert_eq!(why[0].line, 9, "the line in the model source");
    assert_eq!(outcome.score("e"), Some(-20.0));
}

#[test]
fn a_where_may_compare_the_event_with_the_lead() {
    let sc = model(
        r#"score e {
  on page.view where lead.segment == "smb" and seconds >= lead.size +1
  on email.click where campaign == lead.title +10
}"#,
    );
    let fields = vec![
        ("segment", s("smb")),
        ("size", n(30.0)),
        ("title", s("spring")),
    ];
    let events = vec![
        ("page.view", "2026-10-01", vec![("seconds", n(30.0))]), // counts
        ("page.view", "2026-10-02", vec![("seconds", n(29.0))]), // too short
        ("email.click", "2026-10-03", vec![("campaign", s("spring"))]), // counts
        ("email.click", "2026-10-04", vec![("campaign", s("autumn"))]),
    ];
    assert_eq!(run(&sc, fields, events.clone()).score("e"), Some(11.0));
    let enterprise = vec![("segment", s("ent")), ("size", n(30.0))];
    assert_eq!(run(&sc, enterprise, events).score("e"), Some(0.0));
}
