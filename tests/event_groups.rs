//! Language 1.1, sections 11.2, 11.4 and 11.5: event-type groups (`prefix.*`) and
//! bracketed lists of types and groups, wherever a rule or aggregate names events; the
//! scope of properties over them; and the errors.

mod common;

use common::{at, s, Ev, T};
use leadscore::testing::run_tests;
use leadscore::{MemoryLoader, Outcome, Scorer, Value};

/// `seconds` is an `int` on one social type and a `number` on the other, at different
/// positions, so a `where` over the group reads a different property index per type.
const SCHEMA: &str = r#"
lead { size: int }
event social {}
event social.like { seconds: int, url: string }
event social.post.share { url: string, seconds: number, network: string }
event socialx.like { seconds: int }
event email.send {}
event email.open {}
event email.click { campaign: string }
event page.view { path: string, seconds: number }
"#;

fn scorer(body: &str) -> Scorer {
    common::scorer(&format!("{SCHEMA}\n{body}"))
}

fn run(scorer: &Scorer, events: Vec<Ev<'_>>) -> Outcome {
    common::outcome(scorer, vec![], events)
}

fn score(body: &str, events: Vec<Ev<'_>>) -> f64 {
    run(&scorer(body), events).score("e").unwrap()
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

/// One event of each social-looking type, a day apart.
fn social_events() -> Vec<Ev<'static>> {
    vec![
        ("social", "2026-10-01", vec![]),
        ("social.like", "2026-10-02", vec![]),
        ("social.post.share", "2026-10-03", vec![]),
        ("socialx.like", "2026-10-04", vec![]),
    ]
}

#[test]
fn a_group_covers_every_depth_below_its_prefix_and_nothing_else() {
    // `social.like` and `social.post.share`; not `social` itself, not `socialx.like`.
    assert_eq!(score("score e { on social.* +1 }", social_events()), 2.0);
    assert_eq!(
        score("score e { on social.post.* +1 }", social_events()),
        1.0
    );
}

#[test]
fn an_event_listed_twice_counts_once() {
    let events = vec![
        ("email.open", "2026-10-01", vec![]),
        ("email.click", "2026-10-02", vec![]),
    ];
    let body = "score e { on [email.open, email.open, email.*] +1 }";
    assert_eq!(score(body, events.clone()), 2.0);
    let body = "score e { when count([email.*, email.click, email.open]) == 2 +1 }";
    assert_eq!(score(body, events), 1.0);
}

#[test]
fn a_list_is_the_union_of_its_types_and_groups() {
    let events = vec![
        ("email.send", "2026-10-01", vec![]),
        ("email.open", "2026-10-02", vec![]),
        ("page.view", "2026-10-03", vec![]),
        ("social.like", "2026-10-04", vec![]),
    ];
    assert_eq!(
        score(
            "score e { on [email.open, social.*, page.view] +1 }",
            events
        ),
        3.0
    );
}

#[test]
fn idle_decay_without_a_list_is_not_reset_by_a_send() {
    let events = vec![
        ("email.open", "2026-09-01", vec![]), // 61 days before T: two periods
        ("email.send", "2026-10-31", vec![]), // our own send: not engagement
    ];
    let body = "score e { decay -10 per 30d without [email.open, email.click, page.*] }";
    assert_eq!(score(body, events.clone()), -20.0);
    // `idle` is reset by every declared type, the send included.
    assert_eq!(
        score("score e { decay -10 per 30d idle }", events.clone()),
        0.0
    );
    // A click or a page view resets it.
    let mut clicked = events;
    clicked.push(("page.view", "2026-10-20", vec![]));
    let body = "score e { decay -10 per 30d without [email.open, email.click, page.*] }";
    assert_eq!(score(body, clicked), 0.0);
}

#[test]
fn idle_decay_without_a_group_with_a_where() {
    let events = vec![
        ("social.like", "2026-09-01", vec![("url", s("a"))]),
        ("social.post.share", "2026-10-25", vec![("url", s("b"))]),
    ];
    let body = r#"score e { decay -8 per 30d without social.* where url == "a" }"#;
    assert_eq!(score(body, events.clone()), -16.0);
    assert_eq!(
        score("score e { decay -8 per 30d without social.* }", events),
        0.0
    );
}

#[test]
fn aggregates_take_groups_and_lists() {
    let events = vec![
        ("social.like", "2026-10-20", vec![("seconds", n(5.0))]),
        ("social.post.share", "2026-10-29", vec![("seconds", n(2.5))]),
        ("social.post.share", "2026-09-01", vec![]), // no seconds: sum skips it
        ("socialx.like", "2026-10-31", vec![("seconds", n(100.0))]),
    ];
    let sc = scorer(
        "score c = count(social.* within 30d)\n\
         score all = count([social.*, socialx.like])\n\
         score total = sum(social.*.seconds)\n\
         score recent = sum(social.*.seconds within 10d)\n\
         score quiet = days_since(social.*)\n\
         score quiet_list = days_since([email.open, social.post.*])\n\
         flag any when exists(social.* where seconds > 4)\n\
         flag none when exists([email.open, email.click])",
    );
    let outcome = run(&sc, events);
    assert_eq!(outcome.score("c"), Some(2.0));
    assert_eq!(outcome.score("all"), Some(4.0));
    assert_eq!(outcome.score("total"), Some(7.5));
    assert_eq!(outcome.score("recent"), Some(2.5));
    assert_eq!(outcome.score("quiet"), Some(3.0));
    assert_eq!(outcome.score("quiet_list"), Some(3.0));
    assert_eq!(outcome.flag("any"), Some(true));
    assert_eq!(outcome.flag("none"), Some(false));
}

#[test]
fn where_on_a_group_reads_each_types_own_property_with_int_and_number_mixed() {
    // `seconds` is an int at index 0 of social.like and a number at index 1 of
    // social.post.share: the filter must read the right one for each type.
    let events = vec![
        (
            "social.like",
            "2026-10-20",
            vec![("seconds", n(5.0)), ("url", s("x"))],
        ),
        ("social.like", "2026-10-21", vec![("seconds", n(1.0))]),
        (
            "social.post.share",
            "2026-10-22",
            vec![("url", s("y")), ("seconds", n(4.5)), ("network", s("li"))],
        ),
        ("social.post.share", "2026-10-23", vec![("seconds", n(0.5))]),
    ];
    assert_eq!(
        score(
            "score e { on social.* where seconds > 2 +1 }",
            events.clone()
        ),
        2.0
    );
    // The shared property is a number: comparing it with a fraction is fine.
    assert_eq!(
        score(
            "score e { on social.* where seconds >= 4.5 and has(url) +1 }",
            events.clone()
        ),
        2.0
    );
    assert_eq!(
        score(
            "score e { when count(social.* where seconds < 2) == 2 +1 }",
            events
        ),
        1.0
    );
}

#[test]
fn a_group_rule_and_a_type_rule_count_the_same_events_independently() {
    let events = vec![
        ("email.open", "2026-10-01", vec![]),
        ("email.click", "2026-10-02", vec![("campaign", s("spring"))]),
    ];
    let body = r#"score e {
  on email.* +1
  on email.click where campaign == "spring" +10
  on [email.click, page.view] +100
}"#;
    assert_eq!(score(body, events), 112.0);
}

#[test]
fn test_blocks_feed_group_rules() {
    let source = format!(
        "{SCHEMA}\n{}",
        r#"score e {
  on social.* where seconds > 1 +5
  decay -10 per 30d without [email.open, email.click, page.*]
}
test "a share and an old open" {
  as of @2026-11-01
  events {
    @2026-09-01 email.open
    @2026-10-30 email.send
    @2026-10-31 social.post.share { seconds: 3 }
    @2026-10-31 social.like { seconds: 1 }
  }
  expect e == -15
}"#
    );
    let checked = leadscore::check_source("m.score", &source, &MemoryLoader::new());
    let model = checked.model.expect("checks");
    let scorer = Scorer::new(leadscore::plan::lower(&model)).unwrap();
    let results = run_tests(&model, &scorer);
    assert_eq!(results.len(), 1);
    assert!(results[0].passed(), "{:#?}", results[0].failures);
}

#[test]
fn explanations_show_groups_and_lists_as_written() {
    let sc = scorer("score e {\n  on [email.open, social.*]  +1\n}\nflag f when count(social.* where seconds > 1) >= 1");
    let outcome = run(
        &sc,
        vec![("social.like", "2026-10-02", vec![("seconds", n(3.0))])],
    );
    let why = outcome.why.as_ref().unwrap();
    assert_eq!(why[0].rule, "on [email.open, social.*] +1");
    let listing = sc.plan().disassemble();
    assert!(
        listing.contains("count of [email.open, social.*]\n"),
        "{listing}"
    );
    // A group's slot lists its types, each with its own filter.
    assert!(listing.contains("count of social.*\n"), "{listing}");
    assert!(listing.contains("social.post.share where c"), "{listing}");
    let parts = serde_json::to_string(&outcome.flags_why).unwrap();
    assert!(
        parts.contains("count(social.* where seconds > 1) >= 1"),
        "{parts}"
    );
}

/// The codes `check` reports for a score block `body` over the schema.
fn codes(body: &str) -> Vec<String> {
    let source = format!("{SCHEMA}\n{body}");
    let checked = leadscore::check_source("m.score", &source, &MemoryLoader::new());
    checked
        .diagnostics
        .iter()
        .filter(|d| d.code.as_str().starts_with('E'))
        .map(|d| d.code.as_str().to_string())
        .collect()
}

#[test]
fn a_group_that_matches_no_type_is_an_error() {
    assert_eq!(codes("score e { on sociall.* +1 }"), ["E0308"]);
    // `email.open.*` would cover `email.open.x`, not `email.open`.
    assert_eq!(
        codes("score e { decay -1 per 1d without email.open.* }"),
        ["E0308"]
    );
    assert_eq!(
        codes("score e { when count([email.open, nope.*]) > 1 +1 }"),
        ["E0308"]
    );
}

#[test]
fn a_property_over_a_group_must_be_declared_by_every_type_alike() {
    // `url` is declared by both social types, `network` by one.
    assert!(codes(r#"score e { on social.* where url == "x" +1 }"#).is_empty());
    assert_eq!(
        codes(r#"score e { on social.* where network == "li" +1 }"#),
        ["E0309"]
    );
    assert_eq!(
        codes("score e { when sum([social.*, socialx.like].seconds) > 1 +1 }"),
        ["E0310"]
    );
    // `path` (string) and `seconds` (number) over a list: seconds is on both page.view
    // and the social types, as number, int and number.
    assert!(codes("score e { on [page.view, social.*] where seconds > 1 +1 }").is_empty());
    assert_eq!(
        codes(r#"score e { on [page.view, email.click] where path == "/" +1 }"#),
        ["E0309"]
    );
    let differ = "event other.a { seconds: string }\nscore e { on [other.a, page.view] where has(seconds) +1 }";
    assert_eq!(codes(differ), ["E0410"]);
    // A property no type declares is an unknown property, as for one type.
    assert_eq!(
        codes("score e { on social.* where nope > 1 +1 }"),
        ["E0303"]
    );
    assert_eq!(
        codes("score e { when sum(social.*.nope) > 1 +1 }"),
        ["E0303"]
    );
    assert_eq!(
        codes("score e { when sum(social.*.url) > 1 +1 }"),
        ["E0403"]
    );
}

#[test]
fn misused_lists_are_errors() {
    assert_eq!(codes("score e { on [] +1 }"), ["E0310"]);
    assert_eq!(
        codes("score e { on [email.open, [email.click]] +1 }"),
        ["E0310"]
    );
    assert_eq!(
        codes("score e { when sum([page.view].seconds) > 1 +1 }"),
        ["E0310"]
    );
    // Only `sum` names a property; `sum` of a group needs one.
    assert_eq!(
        codes("score e { when count(page.*.seconds) > 1 +1 }"),
        ["E0404"]
    );
    assert_eq!(codes("score e { when sum(page.*) > 1 +1 }"), ["E0404"]);
}

#[test]
fn unknown_types_in_a_list_are_all_reported() {
    assert_eq!(
        codes("score e { on [email.opne, page.veiw] +1 }"),
        ["E0301", "E0301"]
    );
}

/// Whether a plan changed by `change` is refused on loading, with `message` in the error.
fn refused(
    plan: &leadscore::Plan,
    change: impl Fn(&mut Vec<leadscore::plan::SlotEvent>),
    message: &str,
) {
    let mut changed = plan.clone();
    let members = changed.slots[0]
        .events
        .as_mut()
        .expect("a slot fed by types");
    change(members);
    let error = leadscore::Plan::from_bytes(&changed.to_bytes()).expect_err("refused");
    assert_eq!(error.code().as_str(), "E0704");
    assert!(error.to_string().contains(message), "{error}");
}

#[test]
fn a_plan_whose_slot_types_do_not_hold_together_is_refused() {
    let sum = scorer("score e = sum(social.*.seconds)").plan().clone();
    let count = scorer("score e = count(social.*)").plan().clone();
    refused(&sum, |m| m.reverse(), "out of order or twice");
    refused(&sum, |m| m[1] = m[0].clone(), "out of order or twice");
    refused(&sum, |m| m.clear(), "fed by no event type");
    refused(&sum, |m| m[1].event = 999, "unknown event type");
    refused(&sum, |m| m[0].prop = None, "sums no property");
    refused(&sum, |m| m[0].prop = Some(99), "unknown property");
    refused(&sum, |m| m[0].prop = Some(1), "not a number"); // social.like's url
    refused(&count, |m| m[0].prop = Some(0), "does not sum");
}

#[test]
fn the_batch_reader_scores_groups_as_one_lead_at_a_time_does() {
    use leadscore::batch::Batch;
    use leadscore::input::{Keys, Source};
    use std::sync::Arc;
    let scorer = Arc::new(scorer(
        "score e {\n  on social.* where seconds > 1 +1\n  when sum(social.*.seconds) > 0 +0.5\n  decay -1 per 7d without [email.open, page.*]\n}",
    ));
    let types = [
        "social.like",
        "social.post.share",
        "email.open",
        "email.send",
        "page.view",
    ];
    let lines: String = (0..90)
        .map(|i| {
            format!(
                "{{\"lead\":\"L{}\",\"type\":\"{}\",\"ts\":\"2026-10-{:02}\",\"seconds\":{}}}\n",
                i % 4,
                types[i % types.len()],
                1 + i % 28,
                i % 3
            )
        })
        .collect();
    let mut batch = Batch::new(Arc::clone(&scorer), at(T));
    let source = Source {
        name: "events.jsonl".into(),
        reader: lines.as_bytes(),
        size: None,
        mapped: None,
    };
    let bad = batch
        .read_events_parallel(source, &Keys::default(), Default::default(), 2)
        .unwrap();
    assert!(bad.is_empty());
    let batched = batch.finish(false).0;
    assert_eq!(batched.len(), 4);
    for outcome in batched {
        let lead = scorer.lead(&outcome.lead, vec![]).unwrap();
        let events: Vec<_> = lines
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|v| v["lead"] == outcome.lead.as_str())
            .filter_map(|v| {
                let seconds = ("seconds", n(v["seconds"].as_f64().unwrap()));
                let ts = at(v["ts"].as_str().unwrap());
                let kind = v["type"].as_str().unwrap();
                // Events of types without `seconds` are given none.
                let props = if kind.starts_with("social") || kind == "page.view" {
                    vec![seconds]
                } else {
                    vec![]
                };
                scorer.event(&outcome.lead, kind, ts, props).unwrap()
            })
            .collect();
        let alone = scorer.evaluate(&lead, &events, at(T), false);
        assert_eq!(outcome.score("e"), alone.score("e"), "{}", outcome.lead);
    }
}
