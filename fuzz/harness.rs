//! The bodies of the fuzz targets, shared by `cargo fuzz` (`fuzz/fuzz_targets/*.rs`) and
//! by `cargo test` (`tests/fuzz_regressions.rs`, which runs every file under
//! `fuzz/regressions/<target>/` through the same function), so each check is written
//! once. Every function takes any bytes; a panic (a failed assertion included) is a
//! finding. See docs/reliability.md, "Fuzzing".

use leadscore::batch::Batch;
use leadscore::format::format_source;
use leadscore::input::scan::{self, Raw as Scanned};
use leadscore::input::{self, EventRecord, Format, Keys, RecordError, Source};
use leadscore::time::{self, TsUnit, DAY, SECOND};
use leadscore::vocab::{self, Raw};
use leadscore::{MemoryLoader, Plan, ReadOptions, Scorer, Value, ValueType};
use serde_json::Value as Json;
use std::sync::{Arc, OnceLock};

/// A target's body: any bytes in, a panic for a finding.
pub type Target = fn(&[u8]);

/// Every target by name: the name is its directory under `fuzz/regressions/` and its
/// binary under `fuzz/fuzz_targets/`.
pub const TARGETS: [(&str, Target); 4] = [
    ("model", model),
    ("plan", plan),
    ("data", data),
    ("time", time),
];

/// The time every target scores at: 2026-11-01T00:00:00Z.
const AS_OF: i64 = 1_793_491_200 * SECOND;

/// The schema `examples/b2b.score` imports, so that a fuzzed model may import it too.
const ACME_SCHEMA: &str = include_str!("../examples/acme-schema.score");
const B2B: &str = include_str!("../examples/b2b.score");

fn loader() -> MemoryLoader {
    MemoryLoader::new().with("acme-schema.score", ACME_SCHEMA)
}

/// The bytes as model text (invalid UTF-8 replaced, as no loader passes it on).
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

// ---------------------------------------------------------------------------------------
// model: parse, check, lower, format

/// Bytes as a model: checking never panics; its diagnostics render; a model that checks
/// lowers to a plan that survives bytes and JSON, runs, and runs its `test` blocks; and
/// `fmt` is idempotent and keeps the meaning of a model that checks.
pub fn model(data: &[u8]) {
    let text = text(data);
    let checked = leadscore::check_source("fuzz.score", &text, &loader());
    let diagnostics: Vec<_> = checked.diagnostics.iter().cloned().collect();
    let _ = leadscore::diagnostics::render::human(&diagnostics, &checked.sources, false);
    let _ = leadscore::diagnostics::render::json(&diagnostics, &checked.sources);
    let _ = leadscore::diagnostics::render::github(&diagnostics, &checked.sources);
    let plan = checked.model.as_ref().map(|model| {
        let plan = Plan::from_model(model);
        plan_survives_storage(&plan);
        let _ = plan.disassemble();
        let scorer = Scorer::new(plan.clone()).expect("a lowered plan runs");
        score_fixed_leads(&scorer);
        let _ = leadscore::testing::run_tests(model, &scorer);
        plan
    });
    let Ok(once) = format_source(&text) else {
        return;
    };
    let twice = format_source(&once).expect("formatted text parses");
    assert_eq!(once, twice, "formatting is not idempotent");
    if let Some(plan) = plan {
        let formatted = leadscore::compile_source("fuzz.score", &once, &loader());
        let again = formatted.plan.unwrap_or_else(|| {
            panic!(
                "the formatted model does not check:\n{once}\n{:#?}",
                formatted.diagnostics
            )
        });
        assert_eq!(meaning(plan), meaning(again), "formatting changed the plan");
    }
}

/// A plan without what formatting may change: source positions and the source hash.
fn meaning(mut plan: Plan) -> Plan {
    plan.source_hash.clear();
    plan.origins.clear();
    plan
}

/// A loaded or lowered plan reloads from its bytes and from its JSON as itself.
fn plan_survives_storage(plan: &Plan) {
    assert_eq!(
        Plan::from_bytes(&plan.to_bytes()).as_ref(),
        Ok(plan),
        "bytes"
    );
    assert_eq!(
        Plan::from_bytes(plan.to_json().as_bytes()).as_ref(),
        Ok(plan),
        "JSON"
    );
}

// ---------------------------------------------------------------------------------------
// plan: load, verify, run

/// Bytes as a plan (binary, or JSON when they start with `{`): loading refuses it or
/// gives a plan that survives storage and scores fixed leads and events without panicking.
pub fn plan(data: &[u8]) {
    let Ok(plan) = Plan::from_bytes(data) else {
        return;
    };
    plan_survives_storage(&plan);
    let _ = plan.disassemble();
    if let Ok(scorer) = Scorer::new(plan) {
        score_fixed_leads(&scorer);
    }
}

/// A value of `ty`, picked by `pick` from a few that matter (zero, negative, large, empty).
fn sample(ty: ValueType, pick: usize) -> Value {
    match ty {
        ValueType::String => Value::Str(["", "software", "é\u{1}", "/pricing"][pick % 4].into()),
        ValueType::Int => Value::Number([0.0, -7.0, 120.0, 9.0e15][pick % 4]),
        ValueType::Number => Value::Number([0.0, -0.5, 2.5e300, 1e-300][pick % 4]),
        ValueType::Bool => Value::Bool(pick.is_multiple_of(2)),
        ValueType::Time => Value::Time([0, AS_OF - DAY, i64::MIN, i64::MAX][pick % 4]),
        ValueType::Duration => Value::Duration([0, DAY, -DAY, i64::MAX][pick % 4]),
        // A type without samples yet: text, which such a field refuses (the lead is
        // then left out).
        _ => Value::Str(String::new()),
    }
}

/// Scores a lead without fields and leads with sample values, each with an event of every
/// declared type at a few times, in a batch and one event at a time, with reasons.
fn score_fixed_leads(scorer: &Scorer) {
    let plan = scorer.plan();
    let mut leads = vec![leadscore::Lead::unknown("L0", plan)];
    for pick in 0..3 {
        let fields = plan
            .lead_fields()
            .iter()
            .map(|f| (f.name.as_str(), sample(f.ty, pick)));
        leads.extend(scorer.lead(&format!("L{}", pick + 1), fields).ok());
    }
    let times = [AS_OF - 40 * DAY, AS_OF - DAY, AS_OF, AS_OF + DAY, i64::MIN];
    let mut batch = Batch::new(Arc::new(scorer.clone()), AS_OF);
    for (line, lead) in leads.iter().enumerate() {
        let mut state = scorer.new_state();
        let mut events = Vec::new();
        for (i, decl) in plan.event_types().iter().enumerate() {
            for (k, ts) in times.iter().enumerate() {
                let props = decl
                    .props
                    .iter()
                    .map(|p| (p.name.as_str(), sample(p.ty, i + k)));
                if let Ok(Some(event)) = scorer.event(&lead.id, &decl.name, *ts, props) {
                    scorer.observe(&mut state, lead, &event, AS_OF);
                    events.push(event);
                }
            }
        }
        let outcome = scorer.evaluate(lead, &events, AS_OF, true);
        let _ = scorer.outcome(lead, &state, AS_OF, true);
        let _ = leadscore::explain_table(plan, &outcome, AS_OF);
        let _ = batch.add_lead(lead.clone(), line as u64 + 1);
        for event in events {
            batch.add_event(EventRecord::Declared(event));
        }
    }
    let (outcomes, _) = batch.finish(true);
    write_outcomes(&outcomes);
}

/// The outcomes in every results format (the writers format whatever numbers they get).
fn write_outcomes(outcomes: &[leadscore::Outcome]) -> Vec<u8> {
    let mut out = Vec::new();
    leadscore::output::write_jsonl(outcomes, &mut out).expect("writes to memory");
    leadscore::output::write_csv_rows(outcomes, true, &mut Vec::new()).expect("writes to memory");
    out
}

// ---------------------------------------------------------------------------------------
// data: the input readers

/// The model data is read against: `examples/b2b.score`, compiled once.
fn data_scorer() -> &'static Arc<Scorer> {
    static SCORER: OnceLock<Arc<Scorer>> = OnceLock::new();
    SCORER.get_or_init(|| {
        let compiled = leadscore::compile_source("b2b.score", B2B, &loader());
        Arc::new(Scorer::new(compiled.plan.expect("b2b.score compiles")).expect("runs"))
    })
}

/// Bytes as a JSON Lines file and as a CSV file of leads and of events: the fast scanner
/// and serde_json read every line alike, the parallel readers read what the sequential
/// ones read, and CSV is read without panicking.
pub fn data(data: &[u8]) {
    let scorer = data_scorer();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(line) = std::str::from_utf8(line.strip_suffix(b"\r").unwrap_or(line)) {
            scanner_agrees_with_serde(line);
            both_parsers_read_alike(scorer.plan(), line);
        }
    }
    parallel_readers_agree(scorer, data);
    for kind in [Kind::Leads, Kind::Events] {
        let (batch, _) = read_sequentially(scorer, data, Format::Csv, kind);
        write_outcomes(&batch.finish(true).0);
    }
}

/// What the scanner accepts, serde_json accepts too, with the same members.
fn scanner_agrees_with_serde(line: &str) {
    let mut members = Vec::new();
    if scan::scan_object(line, &mut members).is_none() {
        return;
    }
    let parsed: serde_json::Map<String, Json> = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("the scanner accepts what serde_json refuses ({e}): {line}"));
    let mut keys: Vec<&str> = members.iter().map(|(key, _)| *key).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), parsed.len(), "members of {line}");
    for (key, value) in &parsed {
        let scanned = scan::member(&members, key).unwrap_or_else(|| panic!("{key} in {line}"));
        let same = match (scanned, value) {
            (Scanned::Str { text, .. }, Json::String(s)) => {
                serde_json::from_str::<String>(&format!("\"{text}\""))
                    .ok()
                    .as_ref()
                    == Some(s)
            }
            (Scanned::Num(text), Json::Number(n)) => text.parse::<f64>().ok() == n.as_f64(),
            (Scanned::Bool(b), Json::Bool(c)) => b == *c,
            (Scanned::Null, Json::Null) => true,
            _ => false,
        };
        assert!(
            same,
            "`{key}` is {scanned:?} to the scanner, {value} to serde_json: {line}"
        );
    }
}

/// A line means the same read by the fast scanner as by serde_json, which reads it when
/// it has a nested member: the line with `"~":{}` put first (where the line is a JSON
/// object with members, so that the nested one is one too).
fn both_parsers_read_alike(plan: &Plan, line: &str) {
    match serde_json::from_str::<Json>(line) {
        Ok(Json::Object(members)) if !members.is_empty() => {}
        _ => return,
    }
    let nested = line.replacen('{', "{\"~\":{},", 1);
    let (keys, options) = (Keys::default(), ReadOptions::default());
    let what = |e: RecordError| (e.code(), e.field, e.message);
    let event = |text: &str| {
        input::parse_event_line(plan, &keys, options, "e.jsonl", 1, text).map_err(what)
    };
    assert_eq!(event(line), event(&nested), "an event line: {line}");
    let lead =
        |text: &str| input::parse_lead_line(plan, &keys, options, "l.jsonl", 1, text).map_err(what);
    assert_eq!(lead(line), lead(&nested), "a lead line: {line}");
}

/// Which records a file holds.
#[derive(Clone, Copy)]
enum Kind {
    Leads,
    Events,
}

/// The records read one line at a time, as `score` reads CSV (and JSON Lines for one
/// lead), into a batch; and the bad ones.
fn read_sequentially(
    scorer: &Arc<Scorer>,
    data: &[u8],
    format: Format,
    kind: Kind,
) -> (Batch, Vec<RecordError>) {
    let (plan, keys) = (scorer.plan(), Keys::default());
    let options = ReadOptions::default();
    let mut batch = Batch::new(scorer.clone(), AS_OF);
    let mut errors = Vec::new();
    let source = Source::new("f", data);
    let read = match kind {
        Kind::Leads => input::read_leads(
            source,
            format,
            plan,
            &keys,
            options,
            |line, lead, record| {
                // As a scoring job does: a lead listed twice keeps its record.
                let added = lead.and_then(|lead| {
                    batch
                        .add_lead(lead, line)
                        .map_err(|e| e.at("f", line, &keys.id).with_raw(record()))
                });
                errors.extend(added.err());
                Ok(())
            },
        ),
        Kind::Events => input::read_events(source, format, plan, &keys, options, |_, event| {
            match event {
                Ok(event) => batch.add_event(event),
                Err(e) => errors.push(e),
            }
            Ok(())
        }),
    };
    errors.extend(read.err());
    (batch, errors)
}

/// The parallel JSON Lines readers (the fast path `score` takes) find the records and the
/// bad records the sequential reader finds, on one thread and on two.
fn parallel_readers_agree(scorer: &Arc<Scorer>, data: &[u8]) {
    let (keys, options) = (Keys::default(), ReadOptions::default());
    let scored = |batch: Batch| {
        let (outcomes, summary) = batch.finish(true);
        (write_outcomes(&outcomes), summary)
    };
    let (batch, expected_errors) = read_sequentially(scorer, data, Format::Jsonl, Kind::Events);
    let expected = scored(batch);
    for threads in [1, 2] {
        let mut batch = Batch::new(scorer.clone(), AS_OF);
        let source = Source {
            name: "f".to_string(),
            reader: data,
            size: None,
            mapped: None,
        };
        let errors = batch.read_events_parallel(source, &keys, options, threads);
        assert_eq!(
            errors,
            Ok(expected_errors.clone()),
            "event errors, {threads} threads"
        );
        assert!(scored(batch) == expected, "events, {threads} threads");
    }
    let (batch, expected_errors) = read_sequentially(scorer, data, Format::Jsonl, Kind::Leads);
    let expected = scored(batch);
    let mut batch = Batch::new(scorer.clone(), AS_OF);
    let source = Source {
        name: "f".to_string(),
        reader: data,
        // The size sizes the index up front: any estimate gives the same leads.
        size: Some(data.len() as u64),
        mapped: None,
    };
    let errors = batch.read_leads_parallel(source, &keys, options, 2, true);
    assert_eq!(errors, Ok(expected_errors), "lead errors");
    assert!(scored(batch) == expected, "leads");
}

// ---------------------------------------------------------------------------------------
// time: timestamps, numeric times, durations

/// Bytes as the text of a time or a duration, read every way the readers read one:
/// nothing panics, and what is read formats back to text that reads as the same value.
pub fn time(data: &[u8]) {
    let text = text(data);
    let text = text.as_ref();
    if let Some(t) = time::parse_timestamp(text) {
        let formatted = time::format_timestamp(t);
        assert_eq!(
            time::parse_timestamp(&formatted),
            Some(t),
            "{text} → {formatted}"
        );
    }
    if let Some(t) = time::parse_simple_utc(text.as_bytes()) {
        // The fast form is exactly what formatting a whole second gives.
        assert_eq!(time::format_timestamp(t), text, "parse_simple_utc");
    }
    // The scanner's timestamps remember the last date: each line as the last one's
    // successor reads as it does alone.
    let mut timestamps = scan::Timestamps::default();
    for line in text.lines() {
        let alone = time::parse_simple_utc(line.as_bytes());
        assert_eq!(
            timestamps.parse(line.as_bytes()),
            alone,
            "Timestamps: {line}"
        );
    }
    for unit in TsUnit::ALL {
        if let Some(t) = time::parse_decimal(text, unit).filter(|&t| t != i64::MIN) {
            // i64::MIN is read from a fraction below -i64::MAX units (rounded down) and
            // has no decimal of its own in range; every other value does.
            let formatted = decimal(t, unit);
            assert_eq!(
                time::parse_decimal(&formatted, unit),
                Some(t),
                "{text} → {formatted}"
            );
        }
    }
    if let Some(d) = time::parse_duration(text) {
        let formatted = time::format_duration(d);
        assert_eq!(
            time::parse_duration(&formatted),
            Some(d),
            "{text} → {formatted}"
        );
    }
    let _ = time::timestamp_hint(text);
    let _ = time::is_decimal(text);
    for ts_unit in TsUnit::ALL {
        for coerce_numbers in [false, true] {
            read_every_way(
                text,
                ReadOptions {
                    ts_unit,
                    coerce_numbers,
                },
            );
        }
    }
}

/// `micros` as a decimal number of `unit`s with every digit down to the microsecond.
fn decimal(micros: i64, unit: TsUnit) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let size = unit.micros().unsigned_abs();
    let (whole, fraction) = (micros.unsigned_abs() / size, micros.unsigned_abs() % size);
    match unit {
        TsUnit::Micros => format!("{sign}{whole}"),
        TsUnit::Millis => format!("{sign}{whole}.{fraction:03}"),
        TsUnit::Seconds => format!("{sign}{whole}.{fraction:06}"),
    }
}

/// `text` read as a time and as every type, as a JSON string, a CSV cell and a JSON
/// number, the way the readers and `--as-of` read it; a time is the same whether the
/// text is a JSON string or a cell.
fn read_every_way(text: &str, options: ReadOptions) {
    let as_string = vocab::read_time("t", Raw::Text(text), options);
    let as_cell = vocab::read_time("t", Raw::Untyped(text), options);
    assert_eq!(
        as_string.ok(),
        as_cell.ok(),
        "a time as text and as a cell: {text}"
    );
    let _ = vocab::read_time("t", Raw::Number(text), options);
    let _ = leadscore::read_time_text(text, options);
    for ty in [
        ValueType::String,
        ValueType::Int,
        ValueType::Number,
        ValueType::Bool,
        ValueType::Time,
        ValueType::Duration,
    ] {
        for raw in [Raw::Text(text), Raw::Untyped(text), Raw::Number(text)] {
            let _ = vocab::read_value("v", ty, raw, options);
        }
    }
}
