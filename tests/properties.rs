//! Laws that hold for any input: event order never changes the output, plans survive
//! a round trip through bytes, and a damaged plan is refused or runs without panicking.

use leadscore::batch::Batch;
use leadscore::input::EventRecord;
use leadscore::time::{DAY, HOUR, SECOND};
use leadscore::{Plan, Scorer, Value};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

fn example_plan(name: &str) -> Plan {
    leadscore::compile_file(Path::new(&format!(
        "{}/examples/{name}.score",
        env!("CARGO_MANIFEST_DIR")
    )))
    .unwrap()
    .plan
    .expect("example compiles")
}

const AS_OF: i64 = 1_793_491_200 * SECOND; // 2026-11-01T00:00:00Z

/// How many cases a property runs: `default`, or `PROPTEST_CASES` when set (so a long run
/// reaches these properties too, not only those on proptest's own default).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default)
}

/// A random event for the B2B example: (lead, type, days before T, property seed).
fn event_strategy() -> impl Strategy<Value = (u8, u8, i64, u8)> {
    (0u8..6, 0u8..9, -5i64..120, 0u8..8)
}

fn event(scorer: &Scorer, (lead, kind, days, seed): (u8, u8, i64, u8)) -> EventRecord {
    const TYPES: [&str; 9] = [
        "email.open",
        "email.click",
        "page.view",
        "webinar.attend",
        "demo.request",
        "email.unsubscribe",
        "form.submit",
        "chat.message",
        "page.view",
    ];
    const PATHS: [&str; 4] = ["/pricing", "/careers/eng", "/blog", "/pricing"];
    let lead = format!("L{lead}");
    let ts = AS_OF - days * DAY + seed as i64 * HOUR;
    let props = vec![
        ("path", Value::Str(PATHS[seed as usize % 4].into())),
        ("seconds", Value::Number(seed as f64 * 0.1 + 0.7)),
        (
            "form",
            Value::Str(
                if seed % 2 == 0 {
                    "contact"
                } else {
                    "newsletter"
                }
                .into(),
            ),
        ),
        ("campaign", Value::Str("autumn".into())),
    ];
    match scorer
        .event(&lead, TYPES[kind as usize], ts, props)
        .unwrap()
    {
        Some(e) => EventRecord::Declared(e),
        None => EventRecord::Undeclared {
            lead,
            event_type: TYPES[kind as usize].into(),
        },
    }
}

fn score_all(scorer: &Arc<Scorer>, events: &[EventRecord]) -> Vec<u8> {
    let mut batch = Batch::new(scorer.clone(), AS_OF);
    let lead = scorer
        .lead(
            "L1",
            [
                ("industry", Value::Str("software".into())),
                ("company_size", Value::Number(120.0)),
                ("segment", Value::Str("smb".into())),
            ],
        )
        .unwrap();
    batch.add_lead(lead, 1).unwrap();
    for e in events {
        batch.add_event(e.clone());
    }
    let (outcomes, _) = batch.finish(true);
    let mut out = Vec::new();
    leadscore::output::write_jsonl(&outcomes, &mut out).unwrap();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(200)))]

    #[test]
    fn shuffling_events_never_changes_the_output(
        raw in proptest::collection::vec(event_strategy(), 0..80),
        order in any::<proptest::sample::Index>(),
        rotate in any::<usize>(),
    ) {
        let scorer = Arc::new(Scorer::new(example_plan("b2b")).unwrap());
        let events: Vec<EventRecord> = raw.into_iter().map(|r| event(&scorer, r)).collect();
        let expected = score_all(&scorer, &events);
        let mut shuffled = events.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let k = order.index(shuffled.len());
            shuffled.swap(0, k);
            let r = rotate % shuffled.len();
            shuffled.rotate_left(r);
        }
        prop_assert_eq!(expected, score_all(&scorer, &shuffled));
    }

    #[test]
    fn a_damaged_plan_is_refused_or_runs_without_panicking(position in any::<proptest::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = example_plan("b2b").to_bytes();
        let i = position.index(bytes.len());
        bytes[i] = byte;
        if let Ok(plan) = Plan::from_bytes(&bytes) {
            let scorer = Scorer::new(plan).unwrap();
            let lead = leadscore::Lead::unknown("L1", scorer.plan());
            let state = scorer.new_state();
            let _ = scorer.outcome(&lead, &state, AS_OF, true);
        }
    }
}

#[test]
fn plans_round_trip_through_bytes_and_json() {
    for name in ["b2b", "matrix", "loyalty"] {
        let plan = example_plan(name);
        assert_eq!(
            Plan::from_bytes(&plan.to_bytes()).unwrap(),
            plan,
            "{name} binary"
        );
        assert_eq!(
            Plan::from_bytes(plan.to_json().as_bytes()).unwrap(),
            plan,
            "{name} json"
        );
    }
}

#[test]
fn the_verifier_refuses_inconsistent_plans() {
    use leadscore::plan::{Op, PlanError};
    let plan = example_plan("b2b");
    let mut bad = plan.clone();
    bad.code[0] = Op::LeadField(999);
    assert!(matches!(bad.verify(), Err(PlanError::Invalid(_))));
    let mut bad = plan.clone();
    bad.order.reverse();
    assert!(
        matches!(bad.verify(), Err(PlanError::Invalid(m)) if m.contains("before it is computed"))
    );
    let mut bad = plan.clone();
    bad.code[0] = Op::Add;
    assert!(matches!(bad.verify(), Err(PlanError::Invalid(m)) if m.contains("underflows")));
    assert_eq!(Plan::from_bytes(b"hello"), Err(PlanError::NotAPlan));
    let mut truncated = b"LEADPLAN".to_vec();
    truncated.extend_from_slice(&leadscore::plan::FORMAT_VERSION.to_le_bytes());
    truncated.push(0xff);
    assert!(matches!(
        Plan::from_bytes(&truncated),
        Err(PlanError::Corrupt(_))
    ));
}

/// One event line in an arbitrary but valid-or-invalid shape, to compare the fast
/// parallel reader with the full sequential parser.
fn event_line() -> impl Strategy<Value = String> {
    let lead = prop_oneof![
        Just("\"L1\"".to_string()),
        Just("\"L2\"".to_string()),
        Just("7".to_string()),
        Just("\"L\\u0033\"".to_string())
    ];
    let kind = prop_oneof![
        Just("page.view"),
        Just("email.click"),
        Just("form.submit"),
        Just("demo.request"),
        Just("chat.message"),
    ];
    let ts = prop_oneof![
        Just("\"2026-10-20T10:00:00Z\"".to_string()),
        Just("\"2026-10-20T12:00:00+02:00\"".to_string()),
        Just("\"2026-10-30\"".to_string()),
        Just("1792000000".to_string()),
        Just("\"2026-12-01T00:00:00Z\"".to_string()),
        Just("\"not a time\"".to_string()),
    ];
    let path = prop_oneof![
        Just(",\"path\":\"/pricing\"".to_string()),
        Just(",\"path\":\"/careers/x\"".to_string()),
        Just(",\"path\":\"/pri\\u0063ing\"".to_string()),
        Just(",\"path\":null".to_string()),
        Just(",\"path\":3".to_string()),
        Just(String::new()),
    ];
    let seconds = prop_oneof![
        Just(",\"seconds\":12.5".to_string()),
        Just(",\"seconds\":\"12\"".to_string()),
        Just(",\"extra\":{\"nested\":[1]}".to_string()),
        Just(String::new()),
    ];
    (lead, kind, ts, path, seconds, any::<bool>()).prop_map(|(lead, kind, ts, path, seconds, spaced)| {
        let sep = if spaced { " " } else { "" };
        format!("{{\"lead\":{sep}{lead},\"type\":\"{kind}\",{sep}\"ts\":{ts}{path}{seconds},\"form\":\"contact\"}}")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(120)))]

    #[test]
    fn the_parallel_fast_reader_agrees_with_the_full_parser(
        lines in proptest::collection::vec(event_line(), 0..60),
        blank in any::<proptest::sample::Index>(),
    ) {
        let scorer = Arc::new(Scorer::new(example_plan("b2b")).unwrap());
        let keys = leadscore::input::Keys::default();
        let mut text: Vec<String> = lines.clone();
        if !text.is_empty() {
            text.insert(blank.index(text.len()), String::new());
        }
        let text = text.join("\n");

        // The reference: the full parser, one line at a time.
        let mut sequential = Batch::new(scorer.clone(), AS_OF);
        let mut expected_errors = Vec::new();
        for (i, line) in text.split('\n').enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match leadscore::input::parse_event_line(scorer.plan(), &keys, Default::default(), "e.jsonl", i as u64 + 1, line) {
                Ok(record) => sequential.add_event(record),
                Err(e) => expected_errors.push(e),
            }
        }
        let expected = sequential.finish(true);
        for threads in [1, 2] {
            let mut parallel = Batch::new(scorer.clone(), AS_OF);
            let source = leadscore::input::Source { name: "e.jsonl".to_string(), reader: text.as_bytes(), size: None, mapped: None };
            let errors = parallel.read_events_parallel(source, &keys, Default::default(), threads).unwrap();
            prop_assert_eq!(&errors, &expected_errors);
            prop_assert_eq!(&parallel.finish(true), &expected);
        }
    }
}

/// A model with fractional scores, an exact sum, grades with a condition and flags: what
/// the output writers must get right.
const WRITERS_MODEL: &str = r#"lead { segment: string }
event page.view { path: string, seconds: number }
event email.open {}
score minutes = sum(page.view.seconds within 30d) / 60
score views {
  on page.view +1.5
  on email.open where has(lead.segment) +0.25
  decay -0.1 per 7d idle
}
grade views { hot >= 3; hot >= 2 if lead.segment == "smb"; warm >= 1; cold }
flag engaged when views >= 2 and minutes > 0.01
"#;

/// Ids that need quoting in CSV or escaping in JSON, and plain ones.
const IDS: [&str; 5] = ["L1", "a,b", "say \"hi\"", "L2", "é\u{1}"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(64)))]

    /// `score` writes results straight from positions (`CsvResults`,
    /// `JsonlResults`); the bytes must be those the outcome writers give.
    #[test]
    fn results_writers_give_the_bytes_of_the_outcome_writers(
        events in proptest::collection::vec((0usize..5, any::<bool>(), 0i64..60, 0u32..100_000), 0..40),
        known in proptest::collection::vec(any::<bool>(), 5),
        threads in 1usize..4,
    ) {
        let plan = leadscore::compile_source("m.score", WRITERS_MODEL, &leadscore::MemoryLoader::new())
            .plan
            .unwrap();
        let scorer = Arc::new(Scorer::new(plan).unwrap());
        let mut batch = Batch::new(scorer.clone(), AS_OF);
        for (i, id) in IDS.iter().enumerate().filter(|(i, _)| known[*i]) {
            let segment = if i % 2 == 0 { "smb" } else { "enterprise" };
            let lead = scorer.lead(id, [("segment", Value::Str(segment.into()))]).unwrap();
            batch.add_lead(lead, i as u64 + 1).unwrap();
        }
        for (lead, view, days, millis) in events {
            let ts = AS_OF - days * DAY;
            let seconds = Value::Number(f64::from(millis) / 1000.0);
            let props = vec![("path", Value::Str("/p".into())), ("seconds", seconds)];
            let event = match view {
                true => scorer.event(IDS[lead], "page.view", ts, props),
                false => scorer.event(IDS[lead], "email.open", ts, []),
            };
            batch.add_event(EventRecord::Declared(event.unwrap().unwrap()));
        }
        let plan = scorer.plan();
        let (shares, _) = batch.finish_with(threads, |share| {
            let outcomes = share.outcomes(false);
            let (mut csv, mut csv_fast) = (Vec::new(), Vec::new());
            leadscore::output::write_csv_rows(&outcomes, false, &mut csv).unwrap();
            let mut rows = leadscore::output::CsvResults::new(plan, &mut csv_fast);
            share.try_for_each(|id, results| rows.write(id, results)).unwrap();
            rows.finish().unwrap();
            let (mut jsonl, mut jsonl_fast) = (Vec::new(), Vec::new());
            leadscore::output::write_jsonl(&outcomes, &mut jsonl).unwrap();
            let lines = leadscore::output::JsonlResults::new(plan);
            share
                .try_for_each(|id, results| lines.write(id, results, &mut jsonl_fast))
                .unwrap();
            (csv, csv_fast, jsonl, jsonl_fast)
        });
        for (csv, csv_fast, jsonl, jsonl_fast) in shares {
            prop_assert_eq!(String::from_utf8(csv_fast).unwrap(), String::from_utf8(csv).unwrap());
            prop_assert_eq!(String::from_utf8(jsonl_fast).unwrap(), String::from_utf8(jsonl).unwrap());
        }
    }
}

/// A model reading every type from leads and events, to compare the input formats.
const DATA_MODEL: &str = r#"lead { industry: string, size: int, revenue: number, student: bool, joined: time, trial: duration }
event page.view { path: string, seconds: number }
event form.submit { form: string, sent: time }
score fit {
  when lead.industry == "software" +10
  when lead.industry == " software" +3
  when lead.size > 100 +5
  when lead.revenue >= 2.5 +2
  when lead.student -20
  when lead.joined < @2026-01-01 +4
  when lead.trial > 14d +3
}
score engagement {
  on page.view where path == "/pricing" +5 within 30d
  on page.view +1 within 7d
  on form.submit where form == "contact" +20
  on form.submit where sent < @2026-10-15 +1
}
score minutes = sum(page.view.seconds within 30d) / 60
flag hot when engagement >= 20
"#;

/// How a value is written in JSON; in CSV every value is its text.
#[derive(Debug, Clone, Copy)]
enum Json {
    Number,
    Text,
    Bool,
}

/// A value as written: its text and its JSON kind.
type Written = (&'static str, Json);

/// A field that is absent or has one of `choices`.
fn written(choices: &'static [Written]) -> impl Strategy<Value = Option<Written>> {
    proptest::option::of(proptest::sample::select(choices))
}

const INDUSTRIES: &[Written] = &[
    ("software", Json::Text),
    (" software", Json::Text),
    ("a,b", Json::Text),
    ("say \"hi\"", Json::Text),
    ("é\nx", Json::Text),
];
const SIZES: &[Written] = &[
    ("120", Json::Number),
    ("3", Json::Number),
    ("-7", Json::Number),
    ("150", Json::Text),
];
const REVENUES: &[Written] = &[
    ("2.5", Json::Number),
    ("0.1", Json::Number),
    ("1e3", Json::Number),
    ("2.75", Json::Text),
];
const BOOLS: &[Written] = &[
    ("true", Json::Bool),
    ("false", Json::Bool),
    ("TRUE", Json::Text),
];
const TIMES: &[Written] = &[
    ("2025-06-01", Json::Text),
    ("2026-10-01T10:00:00Z", Json::Text),
    ("2025-12-31T23:59:59.999999Z", Json::Text),
    ("2026-01-01T01:00:00+01:00", Json::Text),
    ("1767225599.999999", Json::Number),
    ("1767225600", Json::Text),
];
const DURATIONS: &[Written] = &[
    ("30d", Json::Text),
    ("14d", Json::Text),
    ("1209600.000001", Json::Number),
    ("90", Json::Text),
];
const EVENT_TIMES: &[Written] = &[
    ("2026-10-31T23:59:59Z", Json::Text),
    ("2026-10-25", Json::Text),
    ("2026-10-02T00:00:00.000001Z", Json::Text),
    ("1790899199.999999", Json::Number),
    ("1793404800.5", Json::Text),
    ("2026-11-02T00:00:00Z", Json::Text),
];
const PATHS: &[Written] = &[
    ("/pricing", Json::Text),
    (" /pricing", Json::Text),
    ("/blog", Json::Text),
];
const SECONDS: &[Written] = &[
    ("12.5", Json::Number),
    ("3", Json::Number),
    ("0.1", Json::Text),
];
const FORMS: &[Written] = &[("contact", Json::Text), ("newsletter", Json::Text)];
const LEAD_IDS: &[&str] = &["L1", "L 2 ", "a,b", "say \"hi\"", "7"];

const LEAD_COLUMNS: [&str; 7] = [
    "id", "industry", "size", "revenue", "student", "joined", "trial",
];
const EVENT_COLUMNS: [&str; 7] = ["lead", "type", "ts", "path", "seconds", "form", "sent"];

/// One record: a value (or none) for each column.
type Row = Vec<Option<Written>>;

fn lead_row() -> impl Strategy<Value = Row> {
    (
        written(INDUSTRIES),
        written(SIZES),
        written(REVENUES),
        written(BOOLS),
        written(TIMES),
        written(DURATIONS),
    )
        .prop_map(|(a, b, c, d, e, f)| vec![a, b, c, d, e, f])
}

fn event_row() -> impl Strategy<Value = Row> {
    let types: &'static [Written] = &[
        ("page.view", Json::Text),
        ("form.submit", Json::Text),
        ("email.open", Json::Text),
    ];
    let lead = proptest::sample::select(LEAD_IDS).prop_map(|id| (id, Json::Text));
    (
        lead,
        proptest::sample::select(types),
        proptest::sample::select(EVENT_TIMES),
        written(PATHS),
        written(SECONDS),
        written(FORMS),
        written(TIMES),
    )
        .prop_map(|(lead, t, ts, a, b, c, d)| vec![Some(lead), Some(t), Some(ts), a, b, c, d])
}

/// The rows as JSON Lines: each value in its JSON kind, absent values left out.
fn as_jsonl(columns: &[&str], rows: &[Row]) -> String {
    rows.iter()
        .map(|row| {
            let members: Vec<String> = columns
                .iter()
                .zip(row)
                .filter_map(|(column, value)| {
                    let (text, kind) = (*value)?;
                    let value = match kind {
                        Json::Number | Json::Bool => text.to_string(),
                        Json::Text => serde_json::to_string(text).unwrap(),
                    };
                    Some(format!("\"{column}\":{value}"))
                })
                .collect();
            format!("{{{}}}\n", members.join(","))
        })
        .collect()
}

/// The rows as CSV with a header: each value as its text, absent values empty.
fn as_csv(columns: &[&str], rows: &[Row]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(columns).unwrap();
    for row in rows {
        writer
            .write_record(row.iter().map(|value| value.map_or("", |(text, _)| text)))
            .unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(96)))]

    /// The same records written as JSON Lines and as CSV score to the same bytes (with
    /// `--coerce-numbers`, as some records send numbers and booleans as JSON text).
    #[test]
    fn json_lines_and_csv_mean_the_same(
        leads in proptest::collection::vec((any::<bool>(), lead_row()), LEAD_IDS.len()),
        events in proptest::collection::vec(event_row(), 0..30),
    ) {
        let plan = leadscore::compile_source("m.score", DATA_MODEL, &leadscore::MemoryLoader::new());
        let scorer = Arc::new(Scorer::new(plan.plan.expect("the model compiles")).unwrap());
        let leads: Vec<Row> = LEAD_IDS
            .iter()
            .zip(leads)
            .filter(|(_, (known, _))| *known)
            .map(|(id, (_, fields))| [vec![Some((*id, Json::Text))], fields].concat())
            .collect();
        let job = leadscore::job::ScoreJob {
            explain: true,
            threads: 2,
            read_options: leadscore::input::ReadOptions {
                coerce_numbers: true,
                ..Default::default()
            },
            ..leadscore::job::ScoreJob::new(AS_OF)
        };
        let score = |extension: &str, leads: String, events: String| {
            let mut out = Vec::new();
            let leads = leadscore::input::Source::new(format!("leads.{extension}"), leads.as_bytes());
            let events = leadscore::input::Source::new(format!("events.{extension}"), events.as_bytes());
            job.run(scorer.clone(), Some(leads), Some(events), &mut out, None).unwrap();
            String::from_utf8(out).unwrap()
        };
        let jsonl = score("jsonl", as_jsonl(&LEAD_COLUMNS, &leads), as_jsonl(&EVENT_COLUMNS, &events));
        let csv = score("csv", as_csv(&LEAD_COLUMNS, &leads), as_csv(&EVENT_COLUMNS, &events));
        prop_assert_eq!(jsonl, csv);
    }

    /// Events observed one by one through `Scorer::observe` give the batch's outcomes.
    #[test]
    fn observing_events_one_by_one_gives_the_batch_outcome(
        raw in proptest::collection::vec(event_strategy(), 0..60),
        known in proptest::collection::vec(proptest::option::of(0usize..3), 6),
    ) {
        let scorer = Arc::new(Scorer::new(example_plan("b2b")).unwrap());
        let events: Vec<EventRecord> = raw.into_iter().map(|r| event(&scorer, r)).collect();
        const INDUSTRIES: [&str; 3] = ["software", "retail", "it services"];
        let leads: Vec<leadscore::Lead> = known
            .iter()
            .enumerate()
            .filter_map(|(i, industry)| {
                let fields = [
                    ("industry", Value::Str(INDUSTRIES[(*industry)?].into())),
                    ("company_size", Value::Number(40.0 * i as f64)),
                    ("student", Value::Bool(i == 3)),
                ];
                Some(scorer.lead(&format!("L{i}"), fields).unwrap())
            })
            .collect();

        let mut batch = Batch::new(scorer.clone(), AS_OF);
        for (line, lead) in leads.iter().enumerate() {
            batch.add_lead(lead.clone(), line as u64 + 1).unwrap();
        }
        for event in &events {
            batch.add_event(event.clone());
        }
        let (outcomes, _) = batch.finish(true);

        let mut ids: Vec<&str> = leads.iter().map(|l| l.id.as_str()).chain(events.iter().map(EventRecord::lead)).collect();
        ids.sort_unstable();
        ids.dedup();
        let observed: Vec<leadscore::Outcome> = ids
            .into_iter()
            .map(|id| {
                let lead = leads.iter().find(|l| l.id == id).cloned()
                    .unwrap_or_else(|| leadscore::Lead::unknown(id, scorer.plan()));
                let mut state = scorer.new_state();
                for event in &events {
                    if let EventRecord::Declared(event) = event {
                        if event.lead == id {
                            scorer.observe(&mut state, &lead, event, AS_OF);
                        }
                    }
                }
                scorer.outcome(&lead, &state, AS_OF, true)
            })
            .collect();
        let bytes = |outcomes: &[leadscore::Outcome]| {
            let mut out = Vec::new();
            leadscore::output::write_jsonl(outcomes, &mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        prop_assert_eq!(bytes(&observed), bytes(&outcomes));
    }

    /// Numbers of any precision and size mean the same, and are refused alike, whether
    /// the fast scanner or serde_json reads the line.
    #[test]
    fn numbers_mean_the_same_whichever_parser_reads_them(
        seconds in "-?(0|[1-9][0-9]{0,19})(\\.[0-9]{1,19})?([eE][+-]?[0-9]{1,3})?",
        ts in "1[0-9]{9}(\\.[0-9]{1,12})?",
    ) {
        let plan = leadscore::compile_source("m.score", DATA_MODEL, &leadscore::MemoryLoader::new());
        let scorer = Scorer::new(plan.plan.expect("the model compiles")).unwrap();
        let keys = leadscore::input::Keys::default();
        let line = format!("{{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":{ts},\"seconds\":{seconds}}}");
        let nested = line.replacen('{', "{\"~\":{},", 1);
        let read = |text: &str| {
            leadscore::input::parse_event_line(scorer.plan(), &keys, Default::default(), "e.jsonl", 1, text)
                .map_err(|e| (e.code(), e.field))
        };
        prop_assert_eq!(read(&line), read(&nested), "{}", line);
    }

    /// A line means the same whether the fast scanner or serde_json reads it (a nested
    /// member sends a line to serde_json).
    #[test]
    fn the_scanner_and_serde_json_read_a_line_alike(line in event_line()) {
        let scorer = Scorer::new(example_plan("b2b")).unwrap();
        let keys = leadscore::input::Keys::default();
        let nested = line.replacen('{', "{\"~\":{},", 1);
        let read = |text: &str| {
            leadscore::input::parse_event_line(scorer.plan(), &keys, Default::default(), "e.jsonl", 1, text)
                .map_err(|e| (e.code(), e.field, e.message))
        };
        prop_assert_eq!(read(&line), read(&nested));
    }
}
