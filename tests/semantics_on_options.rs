//! Section 11.3 of the language sketch: the options of `on` rules (`without … for`,
//! `distinct by`, `max K per D`, `max K`, `decay -PCT% per D`) and `count(… distinct
//! by)`, one test per numbered step and per fine point, through the library API.

mod common;

use common::{at, s, scorer, Ev, T};
use leadscore::{MemoryLoader, Outcome, Scorer, Value};

fn run(scorer: &Scorer, events: Vec<Ev<'_>>) -> Outcome {
    common::outcome(scorer, vec![], events)
}

const SCHEMA: &str = r#"
lead { size: int }
event email.send { message_id: string, topic: string }
event email.open { message_id: string }
event email.bounce { message_id: int }
event page.view { path: string, seconds: number }
"#;

fn model(body: &str) -> Scorer {
    scorer(&format!("{SCHEMA}\n{body}"))
}

/// The score `e` of a model whose only score block is `body`'s rule.
fn score(rule: &str, events: Vec<Ev<'_>>) -> f64 {
    let sc = model(&format!("score e {{\n  {rule}\n}}"));
    run(&sc, events).score("e").unwrap()
}

fn view(ts: &str, path: &str) -> Ev<'static> {
    let ts: &'static str = Box::leak(ts.to_string().into_boxed_str());
    let path: &'static str = Box::leak(path.to_string().into_boxed_str());
    ("page.view", ts, vec![("path", s(path))])
}

fn send(ts: &'static str, id: &'static str) -> Ev<'static> {
    ("email.send", ts, vec![("message_id", s(id))])
}

fn open(ts: &'static str, id: &'static str) -> Ev<'static> {
    ("email.open", ts, vec![("message_id", s(id))])
}

// ---------------------------------------------------------------- 1. match

#[test]
fn step_1_only_matching_past_events_of_the_type_count() {
    let rule = r#"on page.view where path == "/a" +10 decay -50% per 30d"#;
    let events = vec![
        view("2026-10-31", "/a"),             // period 0: 10
        view("2026-10-31", "/b"),             // `where` fails
        view("2026-11-02", "/a"),             // after T: does not exist yet
        ("email.open", "2026-10-31", vec![]), // another type
    ];
    assert_eq!(score(rule, events), 10.0);
}

// ---------------------------------------------------------------- 2. within

#[test]
fn step_2_within_applies_before_distinct_and_the_caps() {
    // `within` drops the events before T - 10d first; `distinct` sees only the rest.
    let rule = "on page.view +1 within 10d distinct by path";
    let events = vec![
        view("2026-10-20", "/a"), // outside: T - 12d
        view("2026-10-22", "/a"), // exactly T - 10d: inside
        view("2026-10-01", "/b"), // outside
    ];
    assert_eq!(score(rule, events), 1.0);
    let rule = "on page.view +1 within 10d max 5 per 30d";
    let events = vec![view("2026-10-21T23:59:59Z", "/a"), view("2026-10-25", "/a")];
    assert_eq!(score(rule, events), 1.0);
}

// ---------------------------------------------------------------- 3. without … for

#[test]
fn step_3_a_send_counts_once_its_waiting_period_is_over_without_an_answer() {
    let rule = "on email.send without email.open for 60d -5";
    let events = vec![
        send("2026-08-01", "m1"), // waited 92 days: kept
        send("2026-09-02", "m2"), // exactly T - 60d: the period ends at T, kept
        send("2026-09-03", "m3"), // still waiting
    ];
    assert_eq!(score(rule, events), -10.0);
}

#[test]
fn step_3_answers_at_exactly_the_send_and_at_the_end_of_the_wait_both_count() {
    let rule = "on email.send without email.open for 10d -5";
    assert_eq!(
        score(
            rule,
            vec![send("2026-09-01", "m1"), open("2026-09-01", "m1")]
        ),
        0.0
    );
    assert_eq!(
        score(
            rule,
            vec![send("2026-09-01", "m1"), open("2026-09-11", "m1")]
        ),
        0.0
    );
    // One microsecond later, or one before the send, is no answer.
    assert_eq!(
        score(
            rule,
            vec![
                send("2026-09-01", "m1"),
                open("2026-09-11T00:00:00.000001Z", "m1")
            ]
        ),
        -5.0
    );
    assert_eq!(
        score(
            rule,
            vec![
                send("2026-09-01", "m1"),
                open("2026-08-31T23:59:59.999999Z", "m1")
            ]
        ),
        -5.0
    );
}

#[test]
fn step_3_answers_must_hold_q() {
    let rule = r#"on email.send without email.open where message_id == "x" for 10d -5"#;
    assert_eq!(
        score(
            rule,
            vec![send("2026-09-01", "m1"), open("2026-09-02", "m1")]
        ),
        -5.0
    );
    assert_eq!(
        score(
            rule,
            vec![send("2026-09-01", "m1"), open("2026-09-02", "x")]
        ),
        0.0
    );
}

#[test]
fn step_3_same_pairs_by_the_property_and_an_unpairable_send_is_not_kept() {
    let rule = "on email.send without email.open same message_id for 10d -5";
    // A different message, or an open without one, does not answer.
    assert_eq!(
        score(
            rule,
            vec![send("2026-09-01", "m1"), open("2026-09-02", "m2")]
        ),
        -5.0
    );
    assert_eq!(
        score(
            rule,
            vec![
                send("2026-09-01", "m1"),
                ("email.open", "2026-09-02", vec![])
            ]
        ),
        -5.0
    );
    assert_eq!(
        score(
            rule,
            vec![send("2026-09-01", "m1"), open("2026-09-02", "m1")]
        ),
        0.0
    );
    // A send without a message id cannot be paired: it is not kept.
    assert_eq!(score(rule, vec![("email.send", "2026-09-01", vec![])]), 0.0);
}

#[test]
fn step_3_same_pairs_int_and_number_values_as_one_type() {
    let sc = model(
        "event mail.sent { message_id: number }\n\
         score e { on mail.sent without email.bounce same message_id for 1d +1 }",
    );
    let outcome = run(
        &sc,
        vec![
            (
                "mail.sent",
                "2026-09-01",
                vec![("message_id", Value::Number(7.0))],
            ),
            (
                "email.bounce",
                "2026-09-01",
                vec![("message_id", Value::Number(7.0))],
            ),
            (
                "mail.sent",
                "2026-09-02",
                vec![("message_id", Value::Number(8.0))],
            ),
        ],
    );
    assert_eq!(outcome.score("e"), Some(1.0));
}

#[test]
fn step_3_one_answer_answers_several_sends() {
    let rule = "on email.send without email.open for 10d -5";
    let events = vec![
        send("2026-09-01", "m1"),
        send("2026-09-03", "m2"),
        open("2026-09-05", "m9"),
    ];
    assert_eq!(score(rule, events), 0.0);
    let rule = "on email.send without email.open same message_id for 10d -5";
    let events = vec![
        send("2026-09-01", "m1"),
        send("2026-09-03", "m1"),
        open("2026-09-05", "m1"),
    ];
    assert_eq!(score(rule, events), 0.0);
}

#[test]
fn step_3_an_event_does_not_answer_itself_but_other_events_at_its_time_do() {
    // "An open not followed by another open".
    let rule = "on email.open without email.open for 7d -1";
    assert_eq!(score(rule, vec![open("2026-10-01", "m1")]), -1.0);
    // Two opens at the same time answer each other.
    assert_eq!(
        score(
            rule,
            vec![open("2026-10-01", "m1"), open("2026-10-01", "m2")]
        ),
        0.0
    );
    // The earlier open is answered by the later one; the later one is not.
    assert_eq!(
        score(
            rule,
            vec![open("2026-10-01", "m1"), open("2026-10-05", "m2")]
        ),
        -1.0
    );
    // With `where` on the answers, only an open that holds Q can answer; an open
    // holding Q still does not answer itself.
    let rule = r#"on email.open without email.open where message_id == "x" for 7d -1"#;
    assert_eq!(
        score(rule, vec![open("2026-10-01", "x"), open("2026-10-01", "y")]),
        -1.0 // y is answered by x; x has no other answer
    );
}

#[test]
fn step_3_a_kept_send_keeps_its_own_time_for_the_later_steps() {
    let rule = "on email.send without email.open for 10d +8 decay -50% per 30d";
    // T - 70d: 2 whole periods, 8 × 0.25.
    assert_eq!(score(rule, vec![send("2026-08-23", "m1")]), 2.0);
}

// ---------------------------------------------------------------- 4. distinct by

#[test]
fn step_4_distinct_keeps_the_newest_of_each_value_and_drops_events_lacking_it() {
    let rule = "on page.view +8 distinct by path decay -50% per 30d";
    let events = vec![
        view("2026-09-22", "/a"),            // older /a: dropped
        view("2026-10-27", "/a"),            // newest /a: 8
        view("2026-09-27", "/b"),            // one period: 4
        ("page.view", "2026-10-31", vec![]), // no path: dropped
    ];
    assert_eq!(score(rule, events), 12.0);
}

#[test]
fn step_4_distinct_after_without_counts_unanswered_sends_per_topic() {
    let rule = "on email.send without email.open same message_id for 10d -5 distinct by topic";
    let topic = |ts: &'static str, id: &'static str, t: &'static str| -> Ev<'static> {
        (
            "email.send",
            ts,
            vec![("message_id", s(id)), ("topic", s(t))],
        )
    };
    let events = vec![
        topic("2026-09-01", "m1", "news"),
        topic("2026-09-05", "m2", "news"),
        topic("2026-09-07", "m3", "sale"),
        open("2026-09-08", "m3"), // answers the sale
    ];
    assert_eq!(score(rule, events), -5.0);
}

// ---------------------------------------------------------------- 5. max K per D

#[test]
fn step_5_periods_are_counted_back_from_t() {
    let rule = "on page.view +1 max 2 per 7d";
    let events = vec![
        view("2026-10-31", "/a"),
        view("2026-10-30", "/a"),
        view("2026-10-26", "/a"),           // period 0 has three: two count
        view("2026-10-25", "/a"),           // exactly T - 7d: period 1
        view("2026-10-18T00:00:01Z", "/a"), // period 1
        view("2026-10-18", "/a"),           // exactly T - 14d: period 2
    ];
    assert_eq!(score(rule, events), 5.0);
}

#[test]
fn step_5_the_newest_of_a_period_are_kept() {
    let rule = "on page.view +8 max 1 per 30d decay -50% per 1d";
    // Both in period 0 of 30d; the newest (0 days) gives 8, not the older (1 day) 4.
    let events = vec![view("2026-10-31", "/a"), view(T, "/a")];
    assert_eq!(score(rule, events), 8.0);
}

// ---------------------------------------------------------------- 6. max K

#[test]
fn step_6_max_keeps_the_newest() {
    let rule = "on page.view +10 max 2 decay -50% per 30d";
    let events = vec![
        view("2026-10-31", "/a"), // 10
        view("2026-09-22", "/a"), // 1 period: 5
        view("2026-08-23", "/a"), // not among the 2 newest
    ];
    assert_eq!(score(rule, events), 15.0);
}

#[test]
fn max_and_max_per_together_apply_per_period_first() {
    let rule = "on page.view +1 max 1 per 7d max 2";
    let events = vec![
        view("2026-10-31", "/a"),
        view("2026-10-30", "/a"),
        view("2026-10-20", "/a"),
        view("2026-10-10", "/a"),
    ];
    // One per period: 3 periods have events, so 3 are kept, then the 2 newest.
    assert_eq!(score(rule, events), 2.0);
    // Without `max 2` all three periods count.
    let rule = "on page.view +1 max 1 per 7d";
    let events = vec![
        view("2026-10-31", "/a"),
        view("2026-10-30", "/a"),
        view("2026-10-20", "/a"),
        view("2026-10-10", "/a"),
    ];
    assert_eq!(score(rule, events), 3.0);
}

// ---------------------------------------------------------------- 7. points

#[test]
fn step_7_decay_fades_the_points_by_whole_periods() {
    let rule = "on email.click +20 decay -50% per 30d";
    let click = |ts: &'static str| ("email.click", ts, vec![]);
    let sc = model(&format!(
        "event email.click {{ campaign: string }}\nscore e {{ {rule} }}"
    ));
    let outcome = run(
        &sc,
        vec![
            click("2026-10-15"),           // 20 this month
            click("2026-10-02"),           // exactly 30 days: 10
            click("2026-09-01T12:00:00Z"), // 60.5 days: 5
        ],
    );
    assert_eq!(outcome.score("e"), Some(35.0));
    let why = &outcome.why.as_ref().unwrap()[0];
    assert_eq!(why.fired, Some(3));
    let points: Vec<f64> = why.kept.iter().map(|k| k.points).collect();
    assert_eq!(points, vec![20.0, 10.0, 5.0]);
    assert_eq!(why.kept[1].periods, Some(1));
}

#[test]
fn step_7_a_full_decay_keeps_the_current_period_and_nothing_older() {
    let rule = "on page.view +20 decay -100% per 30d";
    let events = vec![
        view("2026-10-03", "/a"), // period 0: 20
        view("2026-10-02", "/a"), // period 1: 0
        view("2026-01-01", "/a"), // long ago: 0
    ];
    assert_eq!(score(rule, events), 20.0);
}

#[test]
fn step_7_a_percentage_may_have_a_fraction() {
    let rule = "on page.view +16 decay -12.5% per 30d";
    let events = vec![view("2026-10-01", "/a"), view("2026-08-31", "/a")];
    // 16 × 0.875 + 16 × 0.875² = 14 + 12.25
    assert_eq!(score(rule, events), 26.25);
}

// ---------------------------------------------------------------- fine points

#[test]
fn ties_in_times_give_one_result() {
    let rule = "on page.view +1 max 1";
    assert_eq!(
        score(
            rule,
            vec![view("2026-10-01", "/a"), view("2026-10-01", "/b")]
        ),
        1.0
    );
    let rule = "on page.view +1 distinct by path";
    assert_eq!(
        score(
            rule,
            vec![view("2026-10-01", "/a"), view("2026-10-01", "/a")]
        ),
        1.0
    );
}

#[test]
fn the_order_options_are_written_in_does_not_matter() {
    let events = || {
        vec![
            view("2026-10-31", "/a"),
            view("2026-10-30", "/b"),
            view("2026-10-29", "/b"),
            view("2026-10-10", "/c"),
            view("2026-09-10", "/d"),
        ]
    };
    let orders = [
        "on page.view +8 within 40d distinct by path max 1 per 7d max 2 decay -50% per 10d",
        "on page.view +8 decay -50% per 10d max 2 max 1 per 7d distinct by path within 40d",
        "on page.view +8 max 2 within 40d decay -50% per 10d distinct by path max 1 per 7d",
    ];
    let scores: Vec<f64> = orders.iter().map(|r| score(r, events())).collect();
    // `within` drops /d; `distinct` keeps /a, the newest /b and /c; one per 7d period
    // keeps /a (period 0, before /b) and /c (period 3); both are among the 2 newest:
    // 8 + 8 × 0.5^2.
    assert_eq!(scores, vec![10.0, 10.0, 10.0]);
}

#[test]
fn fired_is_the_number_of_kept_events_and_the_explanation_lists_unanswered_sends() {
    let sc = model("score e { on email.send without email.open same message_id for 10d -5 }");
    let outcome = run(
        &sc,
        vec![
            send("2026-09-01", "m1"),
            send("2026-09-02", "m2"),
            open("2026-09-03", "m2"),
            send("2026-10-30", "m3"), // still waiting
        ],
    );
    let why = &outcome.why.as_ref().unwrap()[0];
    assert_eq!(why.fired, Some(1));
    assert_eq!(why.points, -5.0);
    assert_eq!(why.unanswered, vec![at("2026-09-01")]);
}

#[test]
fn a_v1_rule_with_within_and_max_scores_as_before() {
    let rule = "on page.view +10 within 30d max 3";
    let events = (1..=5)
        .map(|d| view(&format!("2026-10-{:02}", 20 + d), "/a"))
        .collect();
    assert_eq!(score(rule, events), 30.0);
}

// ---------------------------------------------------------------- count distinct

#[test]
fn count_distinct_by_counts_distinct_present_values() {
    let sc = model(
        "score e {\n  when count(page.view distinct by path) >= 3 +5\n  \
         when count(page.view within 10d distinct by path) == 1 +1\n}",
    );
    let outcome = run(
        &sc,
        vec![
            view("2026-10-31", "/a"),
            view("2026-10-30", "/a"),
            view("2026-10-01", "/b"),
            ("page.view", "2026-10-31", vec![]), // no path: not a value
            view("2026-09-01", "/c"),
        ],
    );
    assert_eq!(outcome.score("e"), Some(6.0));
}

#[test]
fn many_events_give_the_same_result_in_any_order_as_the_slot_forgets_what_no_rule_needs() {
    // 40 daily views over 3 paths: enough for the slots to forget old events.
    let days: Vec<Ev<'static>> = (0..40)
        .map(|d| {
            let ts = leadscore::time::format_timestamp(at(T) - d * leadscore::time::DAY);
            view(&ts, ["/a", "/b", "/c"][d as usize % 3])
        })
        .collect();
    let cases = [
        // Periods 0..=5 of 7 days each have at least 2 views.
        ("on page.view +1 max 2 per 7d", 12.0),
        ("on page.view +1 distinct by path", 3.0),
        // The 3 newest are 0, 1 and 2 days old: one period of 30 days.
        ("on page.view +4 max 3 decay -50% per 30d", 12.0),
        // One per week, the 2 newest weeks.
        ("on page.view +1 max 1 per 7d max 2", 2.0),
        // The newest of each path is 0, 1 and 2 days old; days 0 and 1 share a 2-day period.
        ("on page.view +1 distinct by path max 1 per 2d", 2.0),
    ];
    for (rule, expected) in cases {
        let mut events = days.clone();
        assert_eq!(score(rule, events.clone()), expected, "{rule}");
        events.reverse();
        assert_eq!(score(rule, events.clone()), expected, "{rule} reversed");
        events.rotate_left(17);
        assert_eq!(score(rule, events), expected, "{rule} rotated");
    }
}

#[test]
fn the_new_keywords_cannot_be_names() {
    for word in ["for", "same", "distinct", "by"] {
        let source = format!("event page.view {{ {word}: string }}\nscore e {{ on page.view +1 }}");
        let compiled = leadscore::compile_source("m.score", &source, &MemoryLoader::new());
        let codes: Vec<&str> = compiled
            .diagnostics
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert!(codes.contains(&"E0202"), "{word}: {codes:?}");
    }
}
