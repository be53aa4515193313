//! Explanations a sales rep can read: the whole text of long rules, the dates of the
//! events each rule counted, why each flag is on or off, and the points a graded score
//! needs for its next band; in the `explain` table and in the JSON of `score --explain`.

mod common;

use common::{at, outcome, s, Ev, T};
use leadscore::batch::Batch;
use leadscore::eval::{PartWhy, PartWhyKind};
use leadscore::input::{Keys, Source};
use leadscore::output::explain_table;
use leadscore::plan::{PartKind, PartPlan};
use leadscore::{Outcome, Plan, Scorer, Value};
use serde_json::json;
use std::sync::Arc;

const SCHEMA: &str = r#"
lead { country: string, size: int, email: string, title: string, student: bool }
event email.open {}
event page.view { path: string, seconds: number }
event demo.request {}
"#;

fn plan(body: &str) -> Plan {
    common::plan(&format!("{SCHEMA}\n{body}"))
}

/// A scorer that keeps event times, as runs that explain use.
fn explaining(body: &str) -> Scorer {
    Scorer::new(plan(body)).unwrap().with_event_times()
}

fn table(scorer: &Scorer, outcome: &Outcome) -> String {
    explain_table(scorer.plan(), outcome, at(T))
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

fn views(days: &[&'static str]) -> Vec<Ev<'static>> {
    days.iter()
        .map(|&day| {
            (
                "page.view",
                day,
                vec![("path", s("/pricing")), ("seconds", n(60.0))],
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Long rules

#[test]
fn a_long_rule_is_shown_whole_on_more_lines() {
    let rule =
        r#"on page.view where starts_with(path, "/pricing") and seconds >= 30 +2 max 5 within 45s"#;
    let scorer = Scorer::new(plan(&format!("score e {{\n  {rule}\n}}"))).unwrap();
    let text = table(&scorer, &outcome(&scorer, vec![], views(&[T])));
    let lines: Vec<&str> = text.lines().collect();
    let first = lines
        .iter()
        .position(|l| l.contains("on page.view"))
        .expect("the rule is listed");
    // The first line ends with the rule's place; the rest continue under the text.
    assert!(lines[first].ends_with("m.score:8"), "{text}");
    let column = lines[first].find("on page.view").unwrap();
    let mut shown = vec![lines[first][column..].trim_end_matches("m.score:8").trim()];
    for line in &lines[first + 1..] {
        if line.len() <= column || !line[..column].trim().is_empty() {
            break;
        }
        shown.push(line.trim());
    }
    assert!(shown.len() > 1, "the rule wraps: {text}");
    assert_eq!(shown.join(" "), rule, "nothing of the rule is left out");
    assert!(
        shown.iter().all(|l| l.chars().count() <= 64),
        "no line of rule text is wider than the column: {text}"
    );
}

// ---------------------------------------------------------------------------------------
// Dates of events

#[test]
fn rules_list_the_dates_of_the_newest_events_they_counted() {
    let scorer = explaining(
        "score e {\n  on page.view where path == \"/pricing\" +10 max 3\n  on email.open +1\n  decay -1 per 2d idle\n}",
    );
    let mut events = views(&[
        "2026-10-20",
        "2026-10-28T10:00:00Z",
        "2026-10-25",
        "2026-10-26",
        "2026-10-01",
    ]);
    events.push(("email.open", "2026-09-01", vec![]));
    let outcome = outcome(&scorer, vec![], events);
    let why = outcome.why.as_ref().unwrap();
    assert_eq!(
        why[0].events,
        vec![
            at("2026-10-28T10:00:00Z"),
            at("2026-10-26"),
            at("2026-10-25")
        ]
    );
    assert_eq!((why[0].fired, why[0].more_events), (Some(3), 2));
    assert_eq!(
        (why[1].events.clone(), why[1].more_events),
        (vec![at("2026-09-01")], 0)
    );
    let text = table(&scorer, &outcome);
    assert!(
        text.contains("\n                 events 2026-10-28, 2026-10-26, 2026-10-25 and 2 more\n"),
        "{text}"
    );
    assert!(
        text.contains("\n                 event 2026-09-01\n"),
        "{text}"
    );
    // The decay is reset by the newest event of any type.
    assert_eq!(why[2].events, vec![at("2026-10-28T10:00:00Z")]);
    assert!(
        text.contains("\n                 last event 2026-10-28\n"),
        "{text}"
    );
}

#[test]
fn only_a_scorer_that_keeps_event_times_lists_the_events_of_on_rules() {
    let body = "score e {\n  on email.open +1\n  decay -1 per 30d idle\n}";
    let events = || vec![("email.open", "2026-09-01", vec![])];
    let plain = Scorer::new(plan(body)).unwrap();
    let why = outcome(&plain, vec![], events()).why.unwrap();
    assert!(why[0].events.is_empty());
    // A decay's reset is in every state.
    assert_eq!(why[1].events, vec![at("2026-09-01")]);
    let kept = outcome(&explaining(body), vec![], events()).why.unwrap();
    assert_eq!(kept[0].events, vec![at("2026-09-01")]);
}

/// JSON Lines of page views of leads `L0`…`L4` at times with many ties, in a scrambled
/// order (`turn` picks the order).
fn scrambled_views(turn: usize) -> String {
    let mut lines: Vec<String> = (0..60)
        .map(|i| {
            let lead = i % 5;
            let day = 1 + (i * 7) % 9;
            format!(
                "{{\"lead\":\"L{lead}\",\"type\":\"page.view\",\"ts\":\"2026-10-0{day}\",\"path\":\"/pricing\"}}"
            )
        })
        .collect();
    lines.rotate_left(turn * 13 % 60);
    if turn % 2 == 1 {
        lines.reverse();
    }
    lines.join("\n") + "\n"
}

/// The outcomes of a batch that reads `lines` in two parts, cut at line `cut` (the second
/// read's states are merged into the first's).
fn batch_outcomes(scorer: &Arc<Scorer>, lines: &str, cut: usize, threads: usize) -> Vec<Outcome> {
    let mut batch = Batch::new(Arc::clone(scorer), at(T));
    let at_line = lines
        .match_indices('\n')
        .nth(cut)
        .map_or(lines.len(), |(i, _)| i + 1);
    for part in [&lines[..at_line], &lines[at_line..]] {
        let source = Source {
            name: "events.jsonl".into(),
            reader: part.as_bytes(),
            size: None,
            mapped: None,
        };
        let bad = batch
            .read_events_parallel(source, &Keys::default(), Default::default(), threads)
            .unwrap();
        assert!(bad.is_empty());
    }
    batch.finish(true).0
}

#[test]
fn kept_event_times_do_not_depend_on_the_order_of_events_or_how_they_are_read() {
    let scorer = Arc::new(explaining(
        "score e { on page.view where path == \"/pricing\" +1 }",
    ));
    let expected = batch_outcomes(&scorer, &scrambled_views(0), 60, 1);
    assert_eq!(expected.len(), 5);
    let times = &expected[0].why.as_ref().unwrap()[0];
    assert_eq!((times.events.len(), times.more_events), (3, 9));
    for turn in 0..6 {
        for (cut, threads) in [(0, 1), (17, 2), (30, 1), (59, 3)] {
            let lines = scrambled_views(turn);
            assert_eq!(batch_outcomes(&scorer, &lines, cut, threads), expected);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Flags

fn test(text: &str, holds: bool, values: &[(&str, Option<Value>)]) -> PartWhy {
    PartWhy {
        holds,
        kind: PartWhyKind::Test {
            text: text.into(),
            values: values
                .iter()
                .map(|(t, v)| (t.to_string(), v.clone()))
                .collect(),
        },
    }
}

#[test]
fn flags_say_which_part_of_their_condition_holds_and_with_what_values() {
    let scorer = explaining(
        "score fit { when lead.size >= 50 +35 }\nscore engagement { on email.open +10 }\nflag mql when fit >= 20 and engagement >= 50",
    );
    let opens = vec![
        ("email.open", "2026-10-01", vec![]),
        ("email.open", "2026-10-02", vec![]),
        ("email.open", "2026-10-03", vec![]),
    ];
    let outcome = outcome(&scorer, vec![("size", n(120.0))], opens);
    assert_eq!(outcome.flag("mql"), Some(false));
    let why = outcome.flags_why.clone().unwrap();
    assert_eq!(
        why,
        vec![(
            "mql".to_string(),
            PartWhy {
                holds: false,
                kind: PartWhyKind::All(vec![
                    test("fit >= 20", true, &[("fit", Some(n(35.0)))]),
                    test("engagement >= 50", false, &[("engagement", Some(n(30.0)))]),
                ]),
            }
        )]
    );
    let text = table(&scorer, &outcome);
    assert!(
        text.ends_with(
            "flags: mql no\n  mql no: all of\n    fit >= 20 ✓ (fit 35)\n    engagement >= 50 ✗ (engagement 30)\n"
        ),
        "{text}"
    );
}

#[test]
fn nested_conditions_show_every_level_and_absent_values() {
    let scorer = explaining(
        r#"flag pitch when not (lead.country in ["PL", "DE"] or has(lead.email)) and lower(lead.title) == "ceo"
flag demo when exists(demo.request within 14d)
flag adult when not lead.student"#,
    );
    let outcome = outcome(&scorer, vec![("title", s("CEO"))], vec![]);
    let why = outcome.flags_why.clone().unwrap();
    let pitch = PartWhy {
        holds: true,
        kind: PartWhyKind::All(vec![
            PartWhy {
                holds: true,
                kind: PartWhyKind::Not(Box::new(PartWhy {
                    holds: false,
                    kind: PartWhyKind::Any(vec![
                        test(
                            r#"lead.country in ["PL", "DE"]"#,
                            false,
                            &[("lead.country", None)],
                        ),
                        test("has(lead.email)", false, &[("lead.email", None)]),
                    ]),
                })),
            },
            test(
                r#"lower(lead.title) == "ceo""#,
                true,
                &[("lower(lead.title)", Some(s("ceo")))],
            ),
        ]),
    };
    assert_eq!(why[0], ("pitch".to_string(), pitch));
    assert_eq!(
        why[1],
        (
            "demo".to_string(),
            test("exists(demo.request within 2w)", false, &[])
        )
    );
    assert_eq!(
        why[2],
        (
            "adult".to_string(),
            test("not lead.student", true, &[("lead.student", None)])
        )
    );
    let text = table(&scorer, &outcome);
    let flags = &text[text.find("\nflags:").unwrap() + 1..];
    assert_eq!(
        flags,
        r#"flags: pitch yes, demo no, adult yes
  pitch yes: all of
    not ✓
      any of ✗
        lead.country in ["PL", "DE"] ✗ (lead.country absent)
        has(lead.email) ✗ (lead.email absent)
    lower(lead.title) == "ceo" ✓ (lower(lead.title) "ceo")
  demo no: exists(demo.request within 2w) ✗
  adult yes: not lead.student ✓ (lead.student absent)
"#
    );
}

/// The texts of the tests among a flag's parts.
fn test_texts(plan: &Plan) -> Vec<&str> {
    plan.flags[0]
        .parts
        .iter()
        .filter_map(|p| match &p.kind {
            PartKind::Test { condition, .. } => {
                let origin = plan.chunks[*condition as usize].origin;
                Some(plan.origins[origin as usize].text.as_str())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_parts_of_a_condition_read_as_the_model_writes_them() {
    for (condition, tests) in [
        (
            "score1 >= 20 and (lead.size > 1 or lead.size < -2)",
            &["score1 >= 20", "lead.size > 1", "lead.size < -2"][..],
        ),
        (
            "lead.size - (lead.size - 1) > 0 and (lead.size + 1) * 2 >= -lead.size",
            &[
                "lead.size - (lead.size - 1) > 0",
                "(lead.size + 1) * 2 >= -lead.size",
            ],
        ),
        (
            r#"lead.title matches "(?i)\bceo\b" or starts_with(trim(lead.email), "vp")"#,
            &[
                r#"lead.title matches "(?i)\bceo\b""#,
                r#"starts_with(trim(lead.email), "vp")"#,
            ],
        ),
        (
            r#"count(page.view where path == "/pricing" and seconds > 30 within 30d) >= 3"#,
            &[r#"count(page.view where path == "/pricing" and seconds > 30 within 30d) >= 3"#],
        ),
        (
            "sum(page.view.seconds within 1w) > 0 or not exists(email.open)",
            &[
                "sum(page.view.seconds within 1w) > 0",
                "not exists(email.open)",
            ],
        ),
        // A backslash that starts no escape is written alone (`"a\\b"` is `"a\b"`).
        (
            r#"lead.title == "say \"hi\"\n" or lead.title != "a\\b""#,
            &[r#"lead.title == "say \"hi\"\n""#, r#"lead.title != "a\b""#],
        ),
        (
            "days_since(email.open) < 7 or now() - 30d > @2026-01-01T00:00:00Z",
            &[
                "days_since(email.open) < 7",
                "now() - 30d > @2026-01-01T00:00:00Z",
            ],
        ),
    ] {
        let plan = plan(&format!(
            "score score1 {{ when lead.size > 0 +1 }}\nflag f when {condition}"
        ));
        assert_eq!(test_texts(&plan), tests, "{condition}");
    }
}

#[test]
fn constants_in_conditions_show_their_values() {
    let plan = plan("let big = 2 * 50\nlet names = [\"a\", \"b\"]\nflag f when lead.size >= big and lead.title in names");
    assert_eq!(
        test_texts(&plan),
        ["lead.size >= 100", r#"lead.title in ["a", "b"]"#]
    );
    let PartKind::Test { condition, .. } = plan.flags[0].parts[1].kind else {
        panic!("a test")
    };
    let origin = &plan.origins[plan.chunks[condition as usize].origin as usize];
    assert_eq!(origin.line, 9, "at the flag's line");
}

// ---------------------------------------------------------------------------------------
// Bands

#[test]
fn graded_scores_show_the_points_to_the_next_band() {
    let scorer = explaining(
        r#"score e { on email.open +29 }
grade e { hot >= 90; hot >= 70 if lead.country == "PL"; warm >= 30; cold }"#,
    );
    let opens = |k: usize| vec![("email.open", "2026-10-01", vec![]); k];
    let next = |country: &str, k: usize| {
        let outcome = outcome(&scorer, vec![("country", s(country))], opens(k));
        let bands = outcome.next_bands.clone().unwrap();
        let header = table(&scorer, &outcome).lines().nth(2).unwrap().to_string();
        (
            bands
                .first()
                .map(|(score, b)| (score.clone(), b.band.clone(), b.needs)),
            header,
        )
    };
    // 58 in Poland: 12 to the lower `hot` band.
    assert_eq!(
        next("PL", 2),
        (
            Some(("e".into(), "hot".into(), 12.0)),
            "e = 58  grade warm  (+12 to reach hot)".into()
        )
    );
    // Elsewhere the `if` does not hold: hot is 90.
    assert_eq!(next("DE", 2).0, Some(("e".into(), "hot".into(), 32.0)));
    assert_eq!(next("DE", 1).1, "e = 29  grade cold  (+1 to reach warm)");
    // Hot in Poland is not below a band: the other `hot` is the same band.
    assert_eq!(next("PL", 3), (None, "e = 87  grade hot".into()));
    // The top band has no next one.
    assert_eq!(next("DE", 4), (None, "e = 116  grade hot".into()));
}

// ---------------------------------------------------------------------------------------
// JSON

#[test]
fn the_json_explanation_has_event_times_flag_parts_and_next_bands() {
    let scorer = explaining(
        "score e { on email.open +10 }\ngrade e { hot >= 50; cold }\nflag keen when e >= 20 or lead.student",
    );
    let opens = vec![
        ("email.open", "2026-10-01", vec![]),
        ("email.open", "2026-10-02T12:30:00Z", vec![]),
    ];
    let explained = outcome(&scorer, vec![], opens.clone());
    let line = serde_json::to_value(&explained).unwrap();
    assert_eq!(
        line,
        json!({
            "lead": "L1",
            "scores": {"e": 20},
            "grades": {"e": "cold"},
            "flags": {"keen": true},
            "why": [{
                "score": "e", "kind": "rule", "rule": "on email.open +10",
                "file": "m.score", "line": 7, "fired": 2, "points": 20,
                "events": ["2026-10-02T12:30:00Z", "2026-10-01T00:00:00Z"]
            }],
            "flags_why": {"keen": {"holds": true, "any": [
                {"holds": true, "test": "e >= 20", "values": {"e": 20}},
                {"holds": false, "test": "lead.student"}
            ]}},
            "next_bands": {"e": {"band": "hot", "needs": 30}}
        })
    );
    // Without an explanation, none of it.
    let lead = scorer.lead("L1", []).unwrap();
    let plain = scorer.evaluate(&lead, &[], at(T), false);
    assert_eq!(
        serde_json::to_string(&plain).unwrap(),
        r#"{"lead":"L1","scores":{"e":0},"grades":{"e":"cold"},"flags":{"keen":false}}"#
    );
}

// ---------------------------------------------------------------------------------------
// Damaged plans

#[test]
fn plans_whose_flag_parts_are_not_one_condition_are_refused() {
    let good = plan("flag f when lead.size > 1 and not (lead.size < 5 or lead.student)");
    good.verify().unwrap();
    let damaged = |change: &dyn Fn(&mut Vec<PartPlan>)| {
        let mut plan = good.clone();
        change(&mut plan.flags[0].parts);
        plan.verify().unwrap_err().to_string()
    };
    let operand_of_a_later_part = damaged(&|parts| parts[1].parent = Some(3));
    assert!(operand_of_a_later_part.contains("not one condition"));
    let two_roots = damaged(&|parts| parts[2].parent = None);
    assert!(two_roots.contains("not one condition"));
    let not_of_two = damaged(&|parts| parts[4].parent = Some(2));
    assert!(not_of_two.contains("wrong number of operands"));
    let test_with_operand = damaged(&|parts| parts[3].parent = Some(1));
    assert!(test_with_operand.contains("wrong number of operands"));
    let missing_chunk = damaged(&|parts| {
        parts[1].kind = PartKind::Test {
            condition: 9999,
            values: vec![],
        }
    });
    assert!(missing_chunk.contains("chunk"));
    let deep = damaged(&|parts| {
        let test = parts.pop().unwrap();
        parts.truncate(1);
        parts[0].kind = PartKind::Not;
        for i in 0..300 {
            parts.push(PartPlan {
                parent: Some(i),
                kind: PartKind::Not,
            });
        }
        parts.push(PartPlan {
            parent: Some(300),
            ..test
        });
    });
    assert!(deep.contains("too deeply"));
}

// ---------------------------------------------------------------------------------------
// Section 11.3's options

#[test]
fn kept_events_show_their_fading_and_non_response_rules_their_unanswered_sends() {
    let scorer = explaining(
        "event email.send { id: string }\nevent email.seen { id: string }\n\
         score e {\n  on page.view +20 distinct by path decay -50% per 30d\n  \
         on email.send without email.seen same id for 10d -5 max 1\n}",
    );
    let send = |ts: &'static str, id: &str| ("email.send", ts, vec![("id", s(id))]);
    let out = outcome(
        &scorer,
        vec![],
        vec![
            ("page.view", "2026-10-20", vec![("path", s("/a"))]),
            ("page.view", "2026-09-20", vec![("path", s("/b"))]),
            send("2026-09-01", "m1"),
            send("2026-09-05", "m2"),
            ("email.seen", "2026-09-06", vec![("id", s("m2"))]),
            send("2026-08-01", "m3"),
        ],
    );
    let text = table(&scorer, &out);
    assert!(
        text.contains("2026-10-20  +20 → 20 (0 periods, -50%)\n"),
        "{text}"
    );
    assert!(
        text.contains("2026-09-20  +20 → 10 (1 period, -50%)\n"),
        "{text}"
    );
    assert!(
        text.contains("unanswered 2026-09-01, 2026-08-01\n"),
        "{text}"
    );
    assert!(text.contains("event 2026-09-01\n"), "{text}");
    let json = serde_json::to_value(&out).unwrap();
    assert_eq!(
        json["why"][0]["kept"][1],
        json!({"ts": "2026-09-20T00:00:00Z", "full": 20, "points": 10, "periods": 1, "percent": 50})
    );
    assert_eq!(json["why"][0]["fired"], json!(2));
    assert_eq!(
        json["why"][1]["unanswered"],
        json!(["2026-09-01T00:00:00Z", "2026-08-01T00:00:00Z"])
    );
    assert_eq!(json["why"][1]["fired"], json!(1));
    assert_eq!(
        json["why"][1]["kept"],
        json!([{"ts": "2026-09-01T00:00:00Z", "full": -5, "points": -5}])
    );
}

#[test]
fn a_rule_shows_its_source_without_a_comment_after_it() {
    let scorer = explaining(
        "score s {\n\
           on email.open +1  # opens\n\
           when lead.size > 1 +1 # size\n\
           decay -1 per 1d without page.view where seconds > 1 # idle\n\
           on demo.request +5 label \"Demo\" # demo\n\
         }",
    );
    let events = vec![
        ("email.open", "2026-10-31T00:00:00Z", vec![]),
        ("demo.request", "2026-10-31T00:00:00Z", vec![]),
        (
            "page.view",
            "2026-10-29T00:00:00Z",
            vec![("seconds", Value::Number(5.0))],
        ),
    ];
    let outcome = outcome(&scorer, vec![("size", Value::Number(3.0))], events);
    let rules: Vec<&str> = outcome
        .why
        .as_ref()
        .unwrap()
        .iter()
        .map(|r| r.rule.as_str())
        .collect();
    assert_eq!(
        rules,
        [
            "on email.open +1",
            "when lead.size > 1 +1",
            "decay -1 per 1d without page.view where seconds > 1",
            "on demo.request +5",
        ]
    );
}
