//! Section 11.3's options over event groups and lists (sections 11.2 and 11.3 together):
//! E and F of `on E … without F … for D` as groups and lists, `same` and `distinct by`
//! read from each event's own type (properties at different places, `int` and `number`
//! as one), `count([…] distinct by)`, labels and `since` beside the options, and the
//! errors for a property some type lacks.

mod common;

use leadscore::diagnostics::Severity;
use leadscore::{MemoryLoader, Outcome, Scorer, Value};

const T: &str = "2026-11-01T00:00:00Z";

fn at(text: &str) -> i64 {
    leadscore::time::parse_timestamp(text).unwrap()
}

/// The schema: the types of each group declare their shared properties at different
/// places, and `ref` is an `int` on some ticket types and a `number` on another.
const SCHEMA: &str = r#"
lead { joined: time }
event email.send { message_id: string }
event email.open { client: string, message_id: string }
event email.click { link: string, url: string, message_id: string }
event ticket.open { priority: int, ref: int }
event ticket.reply { ref: number }
event ticket.note { text: string, extra: string, ref: int }
event page.view { path: string, seconds: number }
event page.scroll { seconds: int, depth: int, path: string }
"#;

fn compile(body: &str) -> leadscore::Compiled {
    leadscore::compile_source(
        "test.score",
        &format!("{SCHEMA}\n{body}"),
        &MemoryLoader::new(),
    )
}

fn scorer(body: &str) -> Scorer {
    common::scorer(&format!("{SCHEMA}\n{body}"))
}

/// Events as (type, time, properties).
type Ev = (&'static str, &'static str, Vec<(&'static str, Value)>);

fn run(scorer: &Scorer, lead: Vec<(&str, Value)>, events: Vec<Ev>) -> Outcome {
    let lead = scorer.lead("L1", lead).unwrap();
    let events: Vec<_> = events
        .into_iter()
        .map(|(t, ts, props)| scorer.event("L1", t, at(ts), props).unwrap().unwrap())
        .collect();
    scorer.evaluate(&lead, &events, at(T), true)
}

/// The score `e` of a block of the one rule `rule`.
fn score(rule: &str, events: Vec<Ev>) -> f64 {
    let sc = scorer(&format!("score e {{\n  {rule}\n}}"));
    run(&sc, vec![], events).score("e").unwrap()
}

fn s(text: &str) -> Value {
    Value::Str(text.to_string())
}

fn n(value: f64) -> Value {
    Value::Number(value)
}

fn email(kind: &'static str, ts: &'static str, id: &str) -> Ev {
    let props = match kind {
        "email.open" => vec![("client", s("web")), ("message_id", s(id))],
        "email.click" => vec![("link", s("l")), ("url", s("u")), ("message_id", s(id))],
        _ => vec![("message_id", s(id))],
    };
    (kind, ts, props)
}

fn ticket(kind: &'static str, ts: &'static str, reference: f64) -> Ev {
    let props = match kind {
        "ticket.open" => vec![("priority", n(1.0)), ("ref", n(reference))],
        "ticket.note" => vec![("text", s("t")), ("extra", s("x")), ("ref", n(reference))],
        _ => vec![("ref", n(reference))],
    };
    (kind, ts, props)
}

fn page(kind: &'static str, ts: &'static str, path: Option<&str>, seconds: f64) -> Ev {
    let mut props = vec![("seconds", n(seconds))];
    if let Some(path) = path {
        props.push(("path", s(path)));
    }
    (kind, ts, props)
}

// ------------------------------------------------------------ non-response over sets

#[test]
fn a_group_answered_by_a_list_pairs_by_each_types_own_property_and_no_event_answers_itself() {
    let rule = "on email.* without [email.open, email.click] same message_id for 7d -5";
    let events = vec![
        email("email.send", "2026-10-01", "a"), // answered by the click of `a`
        email("email.click", "2026-10-02", "a"), // an E too: nothing answers it but itself
        email("email.send", "2026-10-10", "b"), // the open of `b` comes too late
        email("email.open", "2026-10-20", "b"), // unanswered
        email("email.send", "2026-10-28", "c"), // still waiting
    ];
    assert_eq!(score(rule, events), -15.0);
}

#[test]
fn same_over_a_group_reads_int_and_number_at_each_types_own_place() {
    // `ref` is the 2nd property of ticket.open, the only one of ticket.reply (a number)
    // and the 3rd of ticket.note.
    let rule = "on ticket.open without [ticket.reply, ticket.note] same ref for 2d -3";
    let events = vec![
        ticket("ticket.open", "2026-10-01", 1.0),
        ticket("ticket.reply", "2026-10-02", 1.0), // answers ref 1 (number = int)
        ticket("ticket.open", "2026-10-05", 2.0),
        ticket("ticket.note", "2026-10-06", 2.0), // answers ref 2 (its 3rd property)
        ticket("ticket.open", "2026-10-10", 3.0),
        ticket("ticket.reply", "2026-10-10", 4.0), // another ticket: ref 3 unanswered
        ticket("ticket.open", "2026-10-15", 5.0),
        ticket("ticket.note", "2026-10-20", 5.0), // too late: ref 5 unanswered
    ];
    assert_eq!(score(rule, events), -6.0);
}

#[test]
fn the_events_of_a_list_keep_their_same_value_from_their_own_type() {
    let rule = "on [ticket.open, ticket.note] without ticket.reply same ref for 2d -1";
    let events = vec![
        ticket("ticket.open", "2026-10-01", 1.0),
        ticket("ticket.reply", "2026-10-02", 1.0),
        ticket("ticket.note", "2026-10-05", 7.0), // its `ref` is its 3rd property
        ticket("ticket.reply", "2026-10-06", 7.0),
        ticket("ticket.note", "2026-10-10", 8.0), // unanswered
    ];
    assert_eq!(score(rule, events), -1.0);
}

#[test]
fn overlapping_sets_answer_each_other_but_never_themselves() {
    // Every ticket event is an E and an F: each one followed within 2 days by another
    // event of its ticket is answered.
    let rule = "on ticket.* without ticket.* same ref for 2d -1";
    let events = vec![
        ticket("ticket.open", "2026-10-01", 1.0),
        ticket("ticket.note", "2026-10-01", 1.0), // same time: they answer each other
        ticket("ticket.open", "2026-10-10", 2.0), // alone: unanswered
        ticket("ticket.reply", "2026-10-20", 3.0), // alone: unanswered
    ];
    assert_eq!(score(rule, events), -2.0);
}

#[test]
fn where_over_the_answers_uses_the_answer_sets_scope() {
    let rule = r#"on email.send without [email.open, email.click] where message_id != "x" same message_id for 7d -5"#;
    let events = vec![
        email("email.send", "2026-10-01", "x"),
        email("email.open", "2026-10-02", "x"), // fails Q: `x` is unanswered
        email("email.send", "2026-10-03", "y"),
        email("email.click", "2026-10-04", "y"),
    ];
    assert_eq!(score(rule, events), -5.0);
}

// ------------------------------------------------------------ distinct by over sets

#[test]
fn distinct_by_over_a_group_reads_each_types_property() {
    // `path` is the 1st property of page.view and the 3rd of page.scroll.
    let rule = "on page.* +2 distinct by path";
    let events = vec![
        page("page.view", "2026-10-01", Some("/a"), 1.0),
        page("page.scroll", "2026-10-02", Some("/a"), 2.0),
        page("page.scroll", "2026-10-03", Some("/b"), 3.0),
        page("page.view", "2026-10-04", Some("/c"), 4.0),
        page("page.scroll", "2026-10-05", None, 5.0), // no path: dropped
    ];
    assert_eq!(score(rule, events), 6.0);
}

#[test]
fn distinct_by_over_a_group_counts_int_and_number_values_as_one() {
    let rule = "on page.* +1 distinct by seconds";
    let events = vec![
        page("page.view", "2026-10-01", None, 5.0),
        page("page.scroll", "2026-10-02", None, 5.0), // the int 5 is the number 5
        page("page.scroll", "2026-10-03", None, 6.0),
    ];
    assert_eq!(score(rule, events), 2.0);
}

#[test]
fn count_distinct_over_a_list() {
    let sc = scorer(
        "score n = count([page.view, page.scroll] within 30d distinct by path)\n\
         score e { when count([email.open, email.click] distinct by message_id) >= 2 +4 }",
    );
    let events = vec![
        page("page.view", "2026-10-10", Some("/a"), 1.0),
        page("page.scroll", "2026-10-11", Some("/a"), 1.0),
        page("page.scroll", "2026-10-12", Some("/b"), 1.0),
        page("page.view", "2026-09-01", Some("/old"), 1.0), // outside the window
        email("email.open", "2026-10-01", "a"),
        email("email.click", "2026-10-02", "a"),
    ];
    let outcome = run(&sc, vec![], events.clone());
    assert_eq!(outcome.score("n"), Some(2.0));
    assert_eq!(outcome.score("e"), Some(0.0), "one message: not yet two");
    let mut more = events;
    more.push(email("email.click", "2026-10-03", "b"));
    assert_eq!(run(&sc, vec![], more).score("e"), Some(4.0));
}

// ------------------------------------------------------------ labels and since

#[test]
fn labels_and_since_sit_beside_the_options_over_groups() {
    let sc = scorer(
        r#"score e {
  on email.send without [email.open, email.click] same message_id for 7d -5 max 1 per 30d label "Ignored"
  on page.* +2 distinct by path decay -50% per 30d label "Read"
  decay -1 per 7d without email.* since lead.joined label "Quiet"
}"#,
    );
    let events = vec![
        email("email.send", "2026-09-20", "a"), // unanswered, alone in its period (1)
        email("email.send", "2026-10-05", "b"), // unanswered, but period 0 keeps one
        email("email.send", "2026-10-06", "c"), // unanswered, the newest of period 0
        page("page.view", "2026-10-31", Some("/a"), 1.0),
        page("page.scroll", "2026-09-15", Some("/b"), 1.0), // one period back: +1
    ];
    // The lead joined after its last email (2026-10-06): its idle clock starts then.
    let outcome = run(&sc, vec![("joined", Value::Time(at("2026-10-20")))], events);
    // Sends: one in each of 2 periods, -5 each. Pages: 2 + 1. Decay: 12 days, 1 week.
    assert_eq!(outcome.score("e"), Some(-10.0 + 3.0 - 1.0));
    let why = outcome.why.as_ref().unwrap();
    let labels: Vec<_> = why.iter().map(|r| r.label.as_deref()).collect();
    assert_eq!(labels, [Some("Ignored"), Some("Read"), Some("Quiet")]);
    assert_eq!(
        why[0].rule,
        "on email.send without [email.open, email.click] same message_id for 7d -5 max 1 per 30d"
    );
    assert_eq!(why[0].fired, Some(2));
}

// ------------------------------------------------------------ errors

/// The codes of the errors compiling `body` reports.
fn codes(body: &str) -> Vec<String> {
    compile(body)
        .diagnostics
        .iter()
        .filter(|d| d.severity() == Severity::Error)
        .map(|d| d.code.as_str().to_string())
        .collect()
}

#[test]
fn same_must_be_declared_on_every_type_of_e_and_of_f() {
    // page.view lacks `message_id`.
    for rule in [
        "on [email.send, page.view] without email.open same message_id for 7d -5",
        "on email.send without [email.open, page.view] same message_id for 7d -5",
    ] {
        assert_eq!(codes(&format!("score e {{ {rule} }}")), ["E0309"], "{rule}");
    }
    // No type of F declares it.
    assert_eq!(
        codes("score e { on email.send without page.* same message_id for 7d -5 }"),
        ["E0303"]
    );
}

#[test]
fn same_over_a_set_has_one_type_on_each_side_and_across_them() {
    // `seconds` is a number on one type and an int on the other: one type.
    assert_eq!(
        codes("score e { on page.* without page.* same seconds for 1d -1 }"),
        Vec::<String>::new()
    );
    // Within one side: `k` is a string on one type of F and an int on the other.
    let mixed = "event x.a { k: string }\nevent x.b { k: int }\n";
    assert_eq!(
        codes(&format!(
            "{mixed}score e {{ on x.a without x.* same k for 1d -1 }}"
        )),
        ["E0410"]
    );
    // Across the sides.
    let across = "event y.a { message_id: int }\n";
    assert_eq!(
        codes(&format!(
            "{across}score e {{ on email.* without y.a same message_id for 1d -1 }}"
        )),
        ["E0510"]
    );
}

#[test]
fn distinct_by_must_be_declared_on_every_type_of_the_set() {
    assert_eq!(
        codes("score e { on [page.view, email.open] +1 distinct by path }"),
        ["E0309"]
    );
    assert_eq!(
        codes("score e { when count(email.* distinct by client) > 1 +1 }"),
        ["E0309"]
    );
    assert_eq!(
        codes("score e { when count([page.view, page.scroll] distinct by depth) > 1 +1 }"),
        ["E0309"]
    );
}
