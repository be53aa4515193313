//! Never-panic laws: whatever text the compiler is given, and however a compiled plan is
//! damaged, leadscore reports an error or runs; it never panics.
//!
//! - Arbitrary text, token soup and mutated example models (tokens or lines deleted,
//!   duplicated or swapped) go through `compile_source` and `Scorer::new`, and a model
//!   that compiles is run with generated leads and events.
//! - A real plan's bytes with any byte changed are refused (its checksum); changed
//!   with the checksum made again, cut short, or its JSON form mutated, they are
//!   refused by `Plan::from_bytes` or, when they load, run with generated leads and
//!   events, one by one (`Scorer::observe`, `Scorer::outcome`) and through the batch
//!   path (events added and read from JSON Lines, results formatted as every writer does).

use leadscore::batch::Batch;
use leadscore::input::{EventRecord, Keys, Source};
use leadscore::plan::{FieldDecl, ValueType};
use leadscore::time::{DAY, HOUR, SECOND};
use leadscore::{FsLoader, Lead, Loader, MemoryLoader, Plan, Scorer, Value};
use proptest::prelude::*;
use serde_json::Value as Json;
use std::sync::Arc;
use std::sync::OnceLock;

const AS_OF: i64 = 1_793_491_200 * SECOND; // 2026-11-01T00:00:00Z

/// The models the mutation laws start from, by crate-relative path (imports are read
/// from disk). `every_op` uses every instruction of the plan format.
const MODELS: &[&str] = &[
    "examples/b2b.score",
    "examples/matrix.score",
    "examples/loyalty.score",
    "examples/changes/b2b-v2.score",
    "tests/golden/every_op.score",
];

fn model_text(index: usize) -> &'static str {
    static TEXTS: OnceLock<Vec<String>> = OnceLock::new();
    &TEXTS.get_or_init(|| {
        MODELS
            .iter()
            .map(|path| std::fs::read_to_string(path).unwrap())
            .collect()
    })[index]
}

fn model_plan(index: usize) -> &'static Plan {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    &PLANS.get_or_init(|| {
        (0..MODELS.len())
            .map(|i| {
                leadscore::compile_source(MODELS[i], model_text(i), &FsLoader)
                    .plan
                    .expect("the model compiles")
            })
            .collect()
    })[index]
}

// ---------------------------------------------------------------------------------------
// Leads and events for any plan, from a seed.

/// A small deterministic generator (xorshift), so one `u64` from proptest makes a
/// whole set of records.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % sides as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.roll(items.len())]
    }
}

/// A value of type `ty`, or absent: ordinary values and extremes that input files can
/// hold (times and durations near the ends of their range).
fn value(dice: &mut Dice, ty: ValueType) -> Option<Value> {
    if dice.roll(6) == 0 {
        return None;
    }
    Some(match ty {
        ValueType::String => Value::Str(
            dice.pick(&[
                "",
                "software",
                "Ana@Example.COM",
                "/pricing",
                "  Straße ",
                "x@y",
            ])
            .into(),
        ),
        ValueType::Int => Value::Number(dice.pick(&[0.0, 1.0, -3.0, 120.0, 1e15])),
        ValueType::Number => Value::Number(dice.pick(&[0.0, 0.5, -2.25, 900.0, 1e300, -1e300])),
        ValueType::Bool => Value::Bool(dice.roll(2) == 0),
        ValueType::Time => Value::Time(dice.pick(&[
            AS_OF,
            AS_OF - 3 * DAY,
            AS_OF - 400 * DAY,
            0,
            i64::MAX - 1,
            i64::MIN + 1,
        ])),
        ValueType::Duration => {
            Value::Duration(dice.pick(&[0, 30 * DAY, -HOUR, i64::MAX - 1, i64::MIN + 1]))
        }
        other => unreachable!("a type of a new kind: {other:?}"),
    })
}

fn fields(dice: &mut Dice, decls: &[FieldDecl]) -> Vec<(String, Value)> {
    decls
        .iter()
        .filter_map(|d| Some((d.name.clone(), value(dice, d.ty)?)))
        .collect()
}

fn named(fields: &[(String, Value)]) -> impl Iterator<Item = (&str, Value)> {
    fields.iter().map(|(name, v)| (name.as_str(), v.clone()))
}

/// A few leads (`L0`…) and events for them and for leads without a record, of the plan's
/// event types and of one it does not declare, at and around the as-of time.
fn records(scorer: &Scorer, seed: u64) -> (Vec<Lead>, Vec<EventRecord>) {
    let plan = scorer.plan();
    let mut dice = Dice(seed | 1);
    let leads = (0..dice.roll(3))
        .map(|i| {
            let id = format!("L{i}");
            let fields = fields(&mut dice, &plan.lead_fields);
            scorer
                .lead(&id, named(&fields))
                .unwrap_or_else(|_| Lead::unknown(id, plan))
        })
        .collect();
    let events = (0..dice.roll(12))
        .map(|_| {
            let lead = format!("L{}", dice.roll(4));
            let ts = dice.pick(&[
                AS_OF,
                AS_OF + 1,
                AS_OF - 5 * HOUR,
                AS_OF - 20 * DAY,
                0,
                i64::MIN + 1,
            ]);
            match dice.roll(plan.events.len() + 1) {
                i if i == plan.events.len() => EventRecord::Undeclared {
                    lead,
                    event_type: "not.declared".into(),
                },
                i => {
                    let decl = &plan.events[i];
                    let props = fields(&mut dice, &decl.props);
                    match scorer.event(&lead, &decl.name, ts, named(&props)) {
                        Ok(Some(event)) => EventRecord::Declared(event),
                        _ => EventRecord::Undeclared {
                            lead,
                            event_type: decl.name.clone(),
                        },
                    }
                }
            }
        })
        .collect();
    (leads, events)
}

/// One event as a JSON Lines record (times and durations in seconds).
fn event_line(plan: &Plan, record: &EventRecord) -> String {
    let mut object = serde_json::Map::new();
    let (lead, kind) = match record {
        EventRecord::Declared(e) => {
            let decl = &plan.events[e.event_type as usize];
            object.insert("ts".into(), Json::from(e.ts / SECOND));
            for (d, v) in decl.props.iter().zip(&e.props) {
                let json = match v {
                    None => Json::Null,
                    Some(Value::Str(s)) => Json::from(s.as_str()),
                    Some(Value::Number(n)) => Json::from(*n),
                    Some(Value::Bool(b)) => Json::from(*b),
                    Some(Value::Time(t) | Value::Duration(t)) => Json::from(t / SECOND),
                    Some(other) => unreachable!("a value of a new kind: {other:?}"),
                };
                object.insert(d.name.clone(), json);
            }
            (&e.lead, &decl.name)
        }
        EventRecord::Undeclared { lead, event_type } => {
            object.insert("ts".into(), Json::from(AS_OF / SECOND));
            (lead, event_type)
        }
    };
    object.insert("lead".into(), Json::from(lead.as_str()));
    object.insert("type".into(), Json::from(kind.as_str()));
    Json::Object(object).to_string()
}

/// Runs a plan on generated records every way there is.
fn run(scorer: &Arc<Scorer>, seed: u64) {
    let plan = scorer.plan();
    let (leads, events) = records(scorer, seed);

    // One lead at a time.
    for lead in &leads {
        let mut state = scorer.new_state();
        for record in &events {
            if let EventRecord::Declared(e) = record {
                scorer.observe(&mut state, lead, e, AS_OF);
            }
        }
        let outcome = scorer.outcome(lead, &state, AS_OF, true);
        leadscore::output::explain_table(plan, &outcome, AS_OF);
    }

    // The batch path: events added one by one, and the same events read as JSON Lines.
    let mut added = Batch::new(Arc::clone(scorer), AS_OF);
    let mut read = Batch::new(Arc::clone(scorer), AS_OF);
    for (line, lead) in leads.iter().enumerate() {
        let _ = added.add_lead(lead.clone(), line as u64 + 1);
        let _ = read.add_lead(lead.clone(), line as u64 + 1);
    }
    let lines: String = events.iter().map(|e| event_line(plan, e) + "\n").collect();
    for record in events {
        added.add_event(record);
    }
    let source = Source {
        name: "events.jsonl".into(),
        reader: lines.as_bytes(),
        size: None,
        mapped: None,
    };
    let _ = read.read_events_parallel(source, &Keys::default(), Default::default(), 2);

    let mut out = Vec::new();
    let (outcomes, _) = added.finish(true);
    leadscore::output::write_jsonl(&outcomes, &mut out).unwrap();
    leadscore::output::write_csv_header(plan, true, &mut out).unwrap();
    leadscore::output::write_csv_rows(&outcomes, true, &mut out).unwrap();
    read.finish_with(2, |share| {
        let mut csv = leadscore::output::CsvResults::new(plan, Vec::new());
        let lines = leadscore::output::JsonlResults::new(plan);
        share.try_for_each(|id, results| {
            lines.write(id, results, &mut Vec::new())?;
            csv.write(id, results)
        })
    });
}

/// Compiles a model and, when it compiles and loads, runs it.
fn compile_and_run(name: &str, text: &str, loader: &dyn Loader, seed: u64) {
    let compiled = leadscore::compile_source(name, text, loader);
    if let Some(plan) = compiled.plan {
        if let Ok(scorer) = Scorer::new(plan) {
            run(&Arc::new(scorer), seed);
        }
    }
}

/// Loads damaged plan bytes and, when they load, runs the plan.
fn load_and_run(bytes: &[u8], seed: u64) {
    if let Ok(plan) = Plan::from_bytes(bytes) {
        let scorer = Scorer::new(plan).expect("a plan that loads is accepted by the scorer");
        run(&Arc::new(scorer), seed);
    }
}

// ---------------------------------------------------------------------------------------
// Model text.

const TOKENS: &[&str] = &[
    "model",
    "import",
    "lead",
    "event",
    "let",
    "score",
    "on",
    "when",
    "where",
    "within",
    "max",
    "decay",
    "per",
    "idle",
    "without",
    "clamp",
    "grade",
    "if",
    "flag",
    "and",
    "or",
    "not",
    "in",
    "matches",
    "true",
    "false",
    "test",
    "for",
    "same",
    "distinct",
    "by",
    "-50%",
    "-150%",
    "%",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    ":",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "+5",
    "-10",
    "0",
    "3.5",
    "30d",
    "0d",
    "1mo",
    "@2026-01-31",
    "@bad",
    "\"x\"",
    "\"(?i)\\b\"",
    "\"(\"",
    "lead.size",
    "lead.nope",
    "email.click",
    "page.view",
    "page.*",
    "email.*",
    "nope.*",
    "page.*.seconds",
    "path",
    "size",
    "fit",
    "count(",
    "sum(",
    "exists(",
    "days_since(",
    "has(",
    "domain(",
    "lower(",
    "now()",
    "int",
    "string",
    "number",
    "bool",
    "time",
    "list<int>",
    "\n",
    "\n",
    "\n",
    " ",
    "#c\n",
    "as of",
    "expect",
    "events",
];

const PRELUDE: &str = "lead { size: int, email: string }\nevent email.click { campaign: string }\nevent page.view { path: string, seconds: number }\n";

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(TOKENS), 0..60)
        .prop_map(|tokens| tokens.join(" "))
}

fn fuzz_loader() -> MemoryLoader {
    MemoryLoader::new().with("other.score", "score other = 1")
}

/// One edit of a model's text.
#[derive(Debug, Clone)]
enum Edit {
    DeleteToken(prop::sample::Index),
    DuplicateToken(prop::sample::Index),
    SwapTokens(prop::sample::Index, prop::sample::Index),
    DeleteLine(prop::sample::Index),
    DuplicateLine(prop::sample::Index),
    SwapLines(prop::sample::Index, prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        index().prop_map(Edit::DeleteToken),
        index().prop_map(Edit::DuplicateToken),
        (index(), index()).prop_map(|(a, b)| Edit::SwapTokens(a, b)),
        index().prop_map(Edit::DeleteLine),
        index().prop_map(Edit::DuplicateLine),
        (index(), index()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
    ]
}

/// The text cut into pieces that keep it whole when joined: tokens (runs without
/// white space) with the white space after each, or lines with their line break.
fn pieces(text: &str, lines: bool) -> Vec<String> {
    if lines {
        return text.split_inclusive('\n').map(String::from).collect();
    }
    let mut pieces: Vec<String> = Vec::new();
    let mut in_space = true;
    for c in text.chars() {
        if !c.is_whitespace() && in_space {
            pieces.push(String::new());
        }
        in_space = c.is_whitespace();
        match pieces.last_mut() {
            Some(piece) => piece.push(c),
            None => pieces.push(c.to_string()),
        }
    }
    pieces
}

fn apply(text: &str, edit: &Edit) -> String {
    use Edit::*;
    let lines = matches!(edit, DeleteLine(_) | DuplicateLine(_) | SwapLines(..));
    let mut pieces = pieces(text, lines);
    if pieces.is_empty() {
        return String::new();
    }
    let n = pieces.len();
    match edit {
        DeleteToken(i) | DeleteLine(i) => {
            pieces.remove(i.index(n));
        }
        DuplicateToken(i) | DuplicateLine(i) => {
            let piece = pieces[i.index(n)].clone();
            pieces.insert(i.index(n), piece);
        }
        SwapTokens(a, b) | SwapLines(a, b) => pieces.swap(a.index(n), b.index(n)),
    }
    pieces.concat()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}", seed in any::<u64>()) {
        compile_and_run("fuzz.score", &text, &fuzz_loader(), seed);
    }

    #[test]
    fn token_soup_never_panics(soup in token_soup(), seed in any::<u64>()) {
        let loader = fuzz_loader();
        compile_and_run("fuzz.score", &soup, &loader, seed);
        compile_and_run("fuzz.score", &format!("{PRELUDE}score s {{\n{soup}\n}}\n"), &loader, seed);
        compile_and_run("fuzz.score", &format!("{PRELUDE}flag f when {soup}\n"), &loader, seed);
    }

    #[test]
    fn edited_examples_never_panic(
        model in 0..MODELS.len(),
        edits in proptest::collection::vec(edit(), 1..4),
        seed in any::<u64>(),
    ) {
        let text = edits.iter().fold(model_text(model).to_string(), |text, e| apply(&text, e));
        compile_and_run(MODELS[model], &text, &FsLoader, seed);
    }

    #[test]
    fn mutated_example_never_panics(cut in 0usize..2000, len in 0usize..40, insert in proptest::sample::select(TOKENS), seed in any::<u64>()) {
        let example = model_text(1);
        let cut = example.char_indices().map(|(i, _)| i).find(|&i| i >= cut.min(example.len())).unwrap_or(example.len());
        let end = example[cut..].char_indices().map(|(i, _)| cut + i).nth(len).unwrap_or(example.len());
        let mutated = format!("{}{}{}", &example[..cut], insert, &example[end..]);
        compile_and_run(MODELS[1], &mutated, &FsLoader, seed);
    }
}

// ---------------------------------------------------------------------------------------
// Damaged plans.

/// Numbers worth trying anywhere a plan holds one: indexes at and past the ends of small
/// tables and of `u32`, the ends of `i64`, fractions and huge floats.
const NUMBERS: &[f64] = &[
    0.0,
    1.0,
    2.0,
    3.0,
    7.0,
    -1.0,
    255.0,
    256.0,
    65535.0,
    4294967295.0,
    4294967296.0,
    0.5,
    1e300,
    -1e300,
];

/// Strings worth trying: variant names of the plan's enums, and patterns.
const STRINGS: &[&str] = &[
    "",
    "Now",
    "Not",
    "Add",
    "Div",
    "OrZero",
    "Eq",
    "Lt",
    "Count",
    "Sum",
    "Exists",
    "DaysSince",
    "Latest",
    "String",
    "Int",
    "Number",
    "Bool",
    "Time",
    "Duration",
    "Lower",
    "Has",
    "Ceil",
    "(",
    "(?i)a+",
];

/// One change to a plan's JSON form, at the node that `at` picks.
#[derive(Debug, Clone)]
enum JsonEdit {
    Number(prop::sample::Index, usize),
    Extreme(prop::sample::Index, bool),
    Str(prop::sample::Index, usize),
    Delete(prop::sample::Index),
    Duplicate(prop::sample::Index),
    /// Replace a node with a copy of another.
    Transplant(prop::sample::Index, prop::sample::Index),
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    let index = any::<prop::sample::Index>;
    prop_oneof![
        (index(), 0..NUMBERS.len()).prop_map(|(at, n)| JsonEdit::Number(at, n)),
        (index(), any::<bool>()).prop_map(|(at, max)| JsonEdit::Extreme(at, max)),
        (index(), 0..STRINGS.len()).prop_map(|(at, s)| JsonEdit::Str(at, s)),
        index().prop_map(JsonEdit::Delete),
        index().prop_map(JsonEdit::Duplicate),
        (index(), index()).prop_map(|(at, from)| JsonEdit::Transplant(at, from)),
    ]
}

/// JSON pointers to every node of `value` (the root excluded) whose kind `keep` accepts.
fn pointers(value: &Json, at: &str, keep: &dyn Fn(&Json) -> bool, out: &mut Vec<String>) {
    let children: Vec<(String, &Json)> = match value {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Json::Object(map) => map
            .iter()
            .map(|(k, v)| (k.replace('~', "~0").replace('/', "~1"), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        let pointer = format!("{at}/{key}");
        if keep(child) {
            out.push(pointer.clone());
        }
        pointers(child, &pointer, keep, out);
    }
}

fn pick(plan: &Json, at: &prop::sample::Index, keep: &dyn Fn(&Json) -> bool) -> Option<String> {
    let mut found = Vec::new();
    pointers(plan, "", keep, &mut found);
    (!found.is_empty()).then(|| found.swap_remove(at.index(found.len())))
}

/// The container of the node at `pointer`, and the node's key or index in it.
fn parent<'j>(plan: &'j mut Json, pointer: &str) -> (&'j mut Json, String) {
    let (up, key) = pointer.rsplit_once('/').expect("not the root");
    (
        plan.pointer_mut(up).expect("exists"),
        key.replace("~1", "/").replace("~0", "~"),
    )
}

fn apply_json(plan: &mut Json, edit: &JsonEdit) {
    let any = |_: &Json| true;
    match edit {
        JsonEdit::Number(at, n) => {
            if let Some(p) = pick(plan, at, &Json::is_number) {
                let n = NUMBERS[*n];
                // Whole numbers as JSON integers, or no integer field would take them.
                *plan.pointer_mut(&p).unwrap() = if n.fract() == 0.0 && n.abs() < 1e18 {
                    Json::from(n as i64)
                } else {
                    Json::from(n)
                };
            }
        }
        JsonEdit::Extreme(at, max) => {
            if let Some(p) = pick(plan, at, &Json::is_number) {
                *plan.pointer_mut(&p).unwrap() = Json::from(if *max { i64::MAX } else { i64::MIN });
            }
        }
        JsonEdit::Str(at, s) => {
            if let Some(p) = pick(plan, at, &Json::is_string) {
                *plan.pointer_mut(&p).unwrap() = Json::from(STRINGS[*s]);
            }
        }
        JsonEdit::Delete(at) | JsonEdit::Duplicate(at) => {
            let Some(p) = pick(plan, at, &any) else {
                return;
            };
            let (container, key) = parent(plan, &p);
            match container {
                Json::Array(items) => {
                    let i: usize = key.parse().unwrap();
                    if matches!(edit, JsonEdit::Delete(_)) {
                        items.remove(i);
                    } else {
                        items.insert(i, items[i].clone());
                    }
                }
                Json::Object(map) if matches!(edit, JsonEdit::Delete(_)) => {
                    map.remove(&key);
                }
                _ => {}
            }
        }
        JsonEdit::Transplant(at, from) => {
            let (Some(to), Some(from)) = (pick(plan, at, &any), pick(plan, from, &any)) else {
                return;
            };
            let copy = plan.pointer(&from).unwrap().clone();
            *plan.pointer_mut(&to).unwrap() = copy;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn plans_with_changed_bytes_are_refused(
        model in 0..MODELS.len(),
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let original = model_plan(model).to_bytes();
        let mut bytes = original.clone();
        for (at, byte) in &changes {
            let i = at.index(bytes.len());
            bytes[i] = *byte;
        }
        // The checksum finds every change.
        prop_assert_eq!(Plan::from_bytes(&bytes).is_ok(), bytes == original);
    }

    #[test]
    fn plans_changed_with_their_checksum_redone_are_refused_or_run(
        model in 0..MODELS.len(),
        changes in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        seed in any::<u64>(),
    ) {
        // As someone would who recomputes the checksum: the verifier must hold alone.
        let mut bytes = model_plan(model).to_bytes();
        for (at, byte) in &changes {
            let i = CHECKSUM_END + at.index(bytes.len() - CHECKSUM_END);
            bytes[i] = *byte;
        }
        load_and_run(&reseal(bytes), seed);
    }

    #[test]
    fn plans_with_edited_json_are_refused_or_run(
        model in 0..MODELS.len(),
        edits in proptest::collection::vec(json_edit(), 1..4),
        seed in any::<u64>(),
    ) {
        let mut json: Json = serde_json::from_str(&model_plan(model).to_json()).unwrap();
        for edit in &edits {
            apply_json(&mut json, edit);
        }
        load_and_run(json.to_string().as_bytes(), seed);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn cut_plans_are_refused(model in 0..MODELS.len(), at in any::<prop::sample::Index>()) {
        for bytes in [model_plan(model).to_bytes(), model_plan(model).to_json().into_bytes()] {
            let cut = at.index(bytes.len());
            prop_assert!(Plan::from_bytes(&bytes[..cut]).is_err());
        }
    }
}

/// Where a binary plan's checksum ends: after `LEADPLAN`, the version and 32 bytes.
const CHECKSUM_END: usize = 8 + 4 + 32;

/// `bytes` with the checksum of their payload written over the one they carry.
fn reseal(mut bytes: Vec<u8>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let sum = Sha256::digest(&bytes[CHECKSUM_END..]);
    bytes[12..CHECKSUM_END].copy_from_slice(&sum);
    bytes
}

#[test]
fn every_single_byte_change_of_a_plan_is_refused() {
    for (model, name) in MODELS.iter().enumerate() {
        let bytes = model_plan(model).to_bytes();
        assert!(
            Plan::from_bytes(&reseal(bytes.clone())).is_ok(),
            "reseal is a no-op"
        );
        for i in 0..bytes.len() {
            // One bit (a different one from byte to byte) and every bit.
            for mask in [1u8 << (i % 8), 0xFF] {
                let mut changed = bytes.clone();
                changed[i] ^= mask;
                assert!(
                    Plan::from_bytes(&changed).is_err(),
                    "{name}: byte {i} ^ {mask:#x} loads"
                );
            }
        }
    }
}

#[test]
fn every_model_runs() {
    for model in 0..MODELS.len() {
        let scorer = Arc::new(Scorer::new(model_plan(model).clone()).unwrap());
        for seed in 0..20 {
            run(&scorer, seed);
        }
    }
}

#[test]
fn extreme_nesting_is_an_error_not_a_crash() {
    let parens = format!(
        "lead {{ size: int }}\nscore a {{ when {}lead.size > 1{} +5 }}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let nots = format!(
        "lead {{ size: int }}\nscore a {{ when {}lead.size > 1 +5 }}\n",
        "not ".repeat(3000)
    );
    let chain = format!(
        "lead {{ size: int }}\nscore b = {}\n",
        vec!["lead.size"; 5000].join(" + ")
    );
    let list = format!("let l = [{}]\n", "[".repeat(3000));
    for text in [parens, nots, chain, list] {
        let checked = leadscore::check_source("deep.score", &text, &MemoryLoader::new());
        assert!(checked.diagnostics.has_errors());
    }
}
