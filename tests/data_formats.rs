//! One coercion path: the same value means the same thing in JSON Lines (read by the
//! fast scanner or by serde_json, one record at a time or on every core), in CSV and
//! through the library's `Scorer::lead`; and the job API reads, sets aside and reports
//! bad records with stable codes.

use leadscore::diagnostics::Code;
use leadscore::input::scan::{member, scan_object};
use leadscore::input::{self, Format, Keys, ReadOptions, Source};
use leadscore::job::{JobError, ScoreJob};
use leadscore::time::TsUnit;
use leadscore::{MemoryLoader, Scorer, Value};
use std::sync::Arc;

const MODEL: &str = "lead { s: string, i: int, n: number, b: bool, t: time, d: duration }
event page.view { path: string }
score fit {
  when has(lead.s) +1
  on page.view +1
}
";

fn scorer() -> Arc<Scorer> {
    let compiled = leadscore::compile_source("m.score", MODEL, &MemoryLoader::new());
    Arc::new(Scorer::new(compiled.plan.expect("the model compiles")).unwrap())
}

fn field_index(scorer: &Scorer, field: &str) -> usize {
    let fields = &scorer.plan().lead_fields;
    fields.iter().position(|f| f.name == field).unwrap()
}

/// A field's value (or the problem with it) as one reading path sees it.
type Seen = Result<Option<Value>, String>;

/// The value of lead field `field` given as `json` (a JSON value) or `csv` (a cell), as
/// every path reads it with `options` (the library's `Scorer::lead` reads with the
/// default options, so it is a path only for them).
fn every_path(
    scorer: &Scorer,
    options: ReadOptions,
    field: &str,
    json: &str,
    csv: &str,
) -> Vec<(&'static str, Seen)> {
    let plan = scorer.plan();
    let keys = Keys::default();
    let i = field_index(scorer, field);
    let lead_line = |text: &str| -> Seen {
        input::parse_lead_line(plan, &keys, options, "l.jsonl", 1, text)
            .map(|lead| lead.fields[i].clone())
            .map_err(|e| e.message)
    };
    let flat = format!("{{\"id\":\"L1\",\"{field}\":{json}}}");
    // A nested member sends the line to serde_json.
    let nested = format!("{{\"id\":\"L1\",\"x\":{{}},\"{field}\":{json}}}");
    let mut paths = vec![
        ("JSON Lines, scanned", lead_line(&flat)),
        ("JSON Lines, serde_json", lead_line(&nested)),
    ];

    // The event reader's fast path fills reused slots, and leaves what does not fit to
    // the full reader.
    let mut members = Vec::new();
    scan_object(&flat, &mut members).unwrap();
    let mut slots = vec![None; plan.lead_fields.len()];
    let get = |key: &str| member(&members, key);
    if input::fill_fields(&plan.lead_fields, &get, &mut slots, options).is_some() {
        paths.push(("JSON Lines, fast path", Ok(slots[i].clone())));
    }

    let mut from_csv = None;
    let text = format!("id,{field}\nL1,{csv}\n");
    let source = Source::new("l.csv", text.as_bytes());
    input::read_leads(source, Format::Csv, plan, &keys, options, |_, lead, _| {
        from_csv = Some(
            lead.map(|lead| lead.fields[i].clone())
                .map_err(|e| e.message),
        );
        Ok(())
    })
    .unwrap();
    paths.push(("CSV", from_csv.unwrap()));

    if options != ReadOptions::default() {
        return paths;
    }
    let value = match serde_json::from_str::<serde_json::Value>(json).unwrap() {
        serde_json::Value::String(text) => Value::Str(text),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap()),
        serde_json::Value::Bool(b) => Value::Bool(b),
        other => panic!("no library value for {other}"),
    };
    let from_library = scorer.lead("L1", [(field, value)]);
    paths.push((
        "Scorer::lead",
        from_library
            .map(|lead| lead.fields[i].clone())
            .map_err(|e| e.problem),
    ));
    paths
}

#[test]
fn the_same_value_means_the_same_on_every_path() {
    let scorer = scorer();
    let second = 1_000_000;
    let t = 1_790_899_200 * second; // 2026-10-02T00:00:00Z
    let cases: Vec<(&str, &str, &str, Seen)> = vec![
        // Text is taken as written: no trimming, in either format.
        ("s", r#"" a, b ""#, r#"" a, b ""#, Ok(Some(Value::Str(" a, b ".into())))),
        ("i", "120", "120", Ok(Some(Value::Number(120.0)))),
        ("i", "120", " 120 ", Ok(Some(Value::Number(120.0)))),
        ("n", "2.5", "2.5", Ok(Some(Value::Number(2.5)))),
        ("b", "true", "true", Ok(Some(Value::Bool(true)))),
        ("b", "false", "FALSE", Ok(Some(Value::Bool(false)))),
        // Times keep their microseconds, as text or as seconds since 1970.
        (
            "t",
            r#""2026-10-02T02:00:00.000001+02:00""#,
            "2026-10-02T02:00:00.000001+02:00",
            Ok(Some(Value::Time(t + 1))),
        ),
        ("t", "1790899200.000001", "1790899200.000001", Ok(Some(Value::Time(t + 1)))),
        ("t", r#""1790899200.000001""#, "1790899200.000001", Ok(Some(Value::Time(t + 1)))),
        ("t", r#""2026-10-02""#, "2026-10-02", Ok(Some(Value::Time(t)))),
        // Times as warehouses write them (issue 11, item 7).
        ("t", r#""2026-10-02 00:00:00+00""#, "2026-10-02 00:00:00+00", Ok(Some(Value::Time(t)))),
        ("t", r#""2026-10-02 02:00:00.000001+0200""#, "2026-10-02 02:00:00.000001+0200", Ok(Some(Value::Time(t + 1)))),
        ("t", r#""2026-10-01t22:00:00-02:00""#, "2026-10-01t22:00:00-02:00", Ok(Some(Value::Time(t)))),
        ("t", r#""2026-10-02t00:00:00z""#, "2026-10-02t00:00:00z", Ok(Some(Value::Time(t)))),
        ("d", r#""30d""#, "30d", Ok(Some(Value::Duration(30 * 86_400 * second)))),
        ("d", "1.5", "1.5", Ok(Some(Value::Duration(1_500_000)))),
        ("d", r#""90""#, "90", Ok(Some(Value::Duration(90 * second)))),
        // Numbers at the edge of a float's precision and range: serde_json once read
        // them otherwise than the scanner (issue 11, item 1).
        ("n", "23630134037095061e4", "23630134037095061e4", Ok(Some(Value::Number(23630134037095061e4)))),
        ("n", "1.7976931348623158e308", "1.7976931348623158e308", Ok(Some(Value::Number(f64::MAX)))),
        // What fits nowhere is refused everywhere, in the same words.
        (
            "i",
            r#""big""#,
            "big",
            Err(r#"expected an int, found the text "big""#.into()),
        ),
        (
            "b",
            r#""yes""#,
            "yes",
            Err(r#"expected a bool, found the text "yes""#.into()),
        ),
        (
            "t",
            "1790899200000",
            "1790899200000",
            Err("1790899200000 seconds since 1970 is after the year 9999: if it is in milliseconds, use --ts-unit ms".into()),
        ),
        (
            "t",
            r#""yesterday""#,
            "yesterday",
            Err("`yesterday` is not a time: write a date like 2026-10-01 or a time like 2026-10-01T10:00:00Z".into()),
        ),
        (
            "t",
            r#""2026-10-01 23:59:60+00""#,
            "2026-10-01 23:59:60+00",
            Err("`2026-10-01 23:59:60+00` is not a time: a leap second (`:60`) is not a time here: times count seconds since 1970 without them; write `:59` or the next minute".into()),
        ),
    ];
    for (field, json, csv, expected) in cases {
        let paths = every_path(&scorer, ReadOptions::default(), field, json, csv);
        // The fast path leaves only what does not fit to the full reader.
        assert_eq!(paths.len(), if expected.is_ok() { 5 } else { 4 }, "{json}");
        for (path, seen) in paths {
            assert_eq!(seen, expected, "{path}: `{field}` given as {json} / {csv}");
        }
    }
}

/// Numbers and booleans sent as JSON text (`"12"`, as CRM APIs send them) are refused
/// unless `--coerce-numbers` asks for them; a CSV cell is text by nature and is read by
/// the field's type either way (issue 11, item 10).
#[test]
fn numbers_and_booleans_sent_as_text_are_read_only_when_asked() {
    let scorer = scorer();
    let hint = "(to read numbers and booleans sent as text, use --coerce-numbers)";
    let coerce = ReadOptions {
        coerce_numbers: true,
        ..ReadOptions::default()
    };
    let cases: Vec<(&str, &str, Value)> = vec![
        ("i", "120", Value::Number(120.0)),
        ("i", " 120 ", Value::Number(120.0)),
        ("n", "2.5", Value::Number(2.5)),
        ("b", "TRUE", Value::Bool(true)),
        ("b", "false", Value::Bool(false)),
    ];
    for (field, text, value) in cases {
        let json = serde_json::to_string(text).unwrap();
        let article = if field == "i" { "an" } else { "a" };
        let ty = match field {
            "i" => "int",
            "n" => "number",
            _ => "bool",
        };
        let refused = format!("expected {article} {ty}, found the text {json} {hint}");
        for (path, seen) in every_path(&scorer, ReadOptions::default(), field, &json, text) {
            let expected = match path {
                "CSV" => Ok(Some(value.clone())),
                _ => Err(refused.clone()),
            };
            assert_eq!(seen, expected, "{path}: `{field}` given as {json}");
        }
        let paths = every_path(&scorer, coerce, field, &json, text);
        assert_eq!(paths.len(), 4, "{json}: every path but the library's");
        for (path, seen) in paths {
            assert_eq!(
                seen,
                Ok(Some(value.clone())),
                "{path}: `{field}` given as {json}"
            );
        }
    }
    // Text stays text, and what spells no number is refused with or without the option.
    for options in [ReadOptions::default(), coerce] {
        let paths = every_path(&scorer, options, "s", r#""12""#, "12");
        assert!(paths
            .iter()
            .all(|(_, seen)| *seen == Ok(Some(Value::Str("12".into())))));
        let paths = every_path(&scorer, options, "i", r#""12 apples""#, "12 apples");
        for (path, seen) in paths {
            let expected = r#"expected an int, found the text "12 apples""#;
            assert_eq!(seen, Err(expected.into()), "{path}");
        }
    }
}

const AS_OF: i64 = 1_793_491_200 * 1_000_000; // 2026-11-01T00:00:00Z

/// A number's digits are read as written whichever parser reads its line: serde_json's
/// float of `1100000000.1027049` prints as `…0.102705`, a microsecond later than the
/// digits (a case `numbers_mean_the_same_whichever_parser_reads_them` found).
#[test]
fn a_times_digits_are_read_as_written_whichever_parser_reads_the_line() {
    let scorer = scorer();
    let keys = Keys::default();
    let ts = |line: &str| match input::parse_event_line(
        scorer.plan(),
        &keys,
        Default::default(),
        "e.jsonl",
        1,
        line,
    ) {
        Ok(input::EventRecord::Declared(event)) => event.ts,
        other => panic!("{line}: {other:?}"),
    };
    let plain = r#"{"lead":"L1","type":"page.view","ts":1100000000.1027049,"path":"/p"}"#;
    let escaped = plain.replace("/p", "\\/p");
    let nested = plain.replacen('{', r#"{"x":[1],"#, 1);
    for line in [plain, &escaped, &nested] {
        assert_eq!(ts(line), 1_100_000_000_102_704, "{line}");
    }
}

/// A record is accepted or refused alike whether the scanner reads its line or, for a
/// string with an escape, serde_json: a number near the largest float in a property
/// the model does not declare was accepted on a plain line and refused as "number out
/// of range" next to `"\/pricing"` (issue 11, item 1).
#[test]
fn whether_a_record_is_refused_does_not_depend_on_the_parser() {
    for (number, accepted) in [
        ("1.7976931348623158e308", true),
        ("1.79769313486231581e308", false),
        ("1E310", false),
    ] {
        let line = |path: &str| {
            format!("{{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":\"2026-10-01\",\"path\":\"{path}\",\"x\":{number}}}\n")
        };
        for events in [line("/pricing"), line("\\/pricing")] {
            let ran = run(&job(), None, Some(("e.jsonl", events.as_bytes())), true).unwrap();
            let codes: Vec<&str> = ran
                .rejects
                .iter()
                .map(|r| r["code"].as_str().unwrap())
                .collect();
            let expected: &[&str] = if accepted { &[] } else { &["E0801"] };
            assert_eq!(codes, expected, "{events}");
        }
    }
}

fn job() -> ScoreJob {
    ScoreJob {
        threads: 2,
        ..ScoreJob::new(AS_OF)
    }
}

/// A file to read: its name (which tells the format) and its bytes.
type File<'a> = (&'a str, &'a [u8]);

/// What a job wrote: the results, the summary and the rejects (as JSON values).
struct Ran {
    results: String,
    summary: leadscore::batch::Summary,
    rejects: Vec<serde_json::Value>,
}

/// Runs `job` over the files, setting bad records aside when `set_aside`.
fn run(
    job: &ScoreJob,
    leads: Option<File<'_>>,
    events: Option<File<'_>>,
    set_aside: bool,
) -> Result<Ran, JobError> {
    let (mut out, mut rejects) = (Vec::new(), Vec::new());
    let summary = job.run(
        scorer(),
        leads.map(|(name, bytes)| Source::new(name, bytes)),
        events.map(|(name, bytes)| Source::new(name, bytes)),
        &mut out,
        set_aside.then_some(&mut rejects as &mut dyn std::io::Write),
    )?;
    let rejects = String::from_utf8(rejects).unwrap();
    Ok(Ran {
        results: String::from_utf8(out).unwrap(),
        summary,
        rejects: rejects
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
    })
}

/// Epoch milliseconds read as seconds fall around the year 58,000: such a time is a bad
/// record that says to use `--ts-unit ms`, and with it the same numbers are the times
/// they are, on every reader (issue 11, item 3).
#[test]
fn numeric_times_are_read_in_the_ts_unit_and_refused_after_the_year_9999() {
    let in_unit = |ts_unit| ScoreJob {
        read_options: ReadOptions {
            ts_unit,
            ..ReadOptions::default()
        },
        ..job()
    };
    // 2026-10-01T10:00:00Z, in events and in a `time` field.
    let t = 1_791_280_800u64;
    let ms = t * 1_000;
    let plain = format!("{{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":{ms}}}\n");
    let escaped =
        format!("{{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":\"{ms}\",\"path\":\"\\/p\"}}\n");
    let csv = format!("lead,type,ts\nL1,page.view,{ms}\n");
    let leads_json = format!("{{\"id\":\"L1\",\"s\":\"x\",\"t\":{ms}}}\n");
    let leads_csv = format!("id,s,t\nL1,x,{ms}\n");
    let expected = "{\"lead\":\"L1\",\"scores\":{\"fit\":2},\"grades\":{},\"flags\":{}}\n";
    let inputs = [
        (
            ("l.jsonl", leads_json.as_bytes()),
            ("e.jsonl", plain.as_bytes()),
        ),
        (
            ("l.jsonl", leads_json.as_bytes()),
            ("e.jsonl", escaped.as_bytes()),
        ),
        (("l.csv", leads_csv.as_bytes()), ("e.csv", csv.as_bytes())),
    ];
    let late = format!(
        "{ms} seconds since 1970 is after the year 9999: if it is in milliseconds, use --ts-unit ms"
    );
    for (leads, events) in inputs {
        let ran = run(&in_unit(TsUnit::Millis), Some(leads), Some(events), false).unwrap();
        assert_eq!(ran.results, expected, "{}", events.0);
        let one = Source::new(events.0, events.1);
        let explained =
            in_unit(TsUnit::Millis).explain(scorer(), "L1", None, Some(one), None, &mut |_| {});
        assert_eq!(explained.unwrap().unwrap().score("fit"), Some(1.0));

        // In seconds, both records are refused, with the hint.
        let ran = run(&job(), Some(leads), Some(events), true).unwrap();
        assert_eq!(ran.summary.rejected, 2, "{}", events.0);
        for (reject, field) in ran.rejects.iter().zip(["t", "ts"]) {
            assert_eq!(reject["code"], "E0803");
            assert_eq!(reject["field"], field);
            assert_eq!(reject["error"], late.as_str());
        }
    }
    // Microseconds: the same time again.
    let us = format!(
        "{{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":{}}}\n",
        ms * 1_000
    );
    let ran = run(
        &in_unit(TsUnit::Micros),
        None,
        Some(("e.jsonl", us.as_bytes())),
        false,
    )
    .unwrap();
    assert_eq!(
        ran.results,
        "{\"lead\":\"L1\",\"scores\":{\"fit\":1},\"grades\":{},\"flags\":{}}\n"
    );
}

#[test]
fn a_byte_order_mark_before_the_first_line_is_not_part_of_it() {
    let expected = "{\"lead\":\"L1\",\"scores\":{\"fit\":2},\"grades\":{},\"flags\":{}}\n";
    let leads = "\u{feff}{\"id\":\"L1\",\"s\":\"x\"}\n";
    let events = "\u{feff}{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":\"2026-10-01\"}\n";
    let (leads, events) = (
        ("l.jsonl", leads.as_bytes()),
        ("e.jsonl", events.as_bytes()),
    );
    // On every core…
    let ran = run(&job(), Some(leads), Some(events), false).unwrap();
    assert_eq!(ran.results, expected);
    // …one record at a time…
    let (l, e) = (
        Source::new(leads.0, leads.1),
        Source::new(events.0, events.1),
    );
    let one = job().explain(scorer(), "L1", Some(l), Some(e), None, &mut |_| {});
    assert_eq!(one.unwrap().unwrap().score("fit"), Some(2.0));
    // …and in CSV.
    let leads = "\u{feff}id,s\nL1,x\n";
    let events = "\u{feff}lead,type,ts\nL1,page.view,2026-10-01\n";
    let csv = (("l.csv", leads.as_bytes()), ("e.csv", events.as_bytes()));
    let ran = run(&job(), Some(csv.0), Some(csv.1), false).unwrap();
    assert_eq!(ran.results, expected);
}

#[test]
fn ids_and_text_keep_their_spaces_in_both_formats() {
    let expected = "{\"lead\":\" L1 \",\"scores\":{\"fit\":1},\"grades\":{},\"flags\":{}}\n";
    let json = "{\"id\":\" L1 \",\"s\":\" x\"}\n";
    let ran = run(&job(), Some(("l.jsonl", json.as_bytes())), None, false).unwrap();
    assert_eq!(ran.results, expected);
    let csv = "id,s\n L1 , x\n";
    let ran = run(&job(), Some(("l.csv", csv.as_bytes())), None, false).unwrap();
    assert_eq!(ran.results, expected);
}

#[test]
fn bad_records_are_set_aside_with_their_codes_or_stop_the_job() {
    let leads = "{\"id\":\"A\",\"i\":\"big\"}\n{\"s\":\"no id\"}\n{\"id\":\"B\"}\n{\"id\":\"B\"}\n[1]\n{\"id\":true}\n";
    let leads = ("l.jsonl", leads.as_bytes());
    let ran = run(&job(), Some(leads), None, true).unwrap();
    assert_eq!(ran.summary.rejected, 5);
    let codes: Vec<(u64, &str)> = ran
        .rejects
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            (1, "E0803"),
            (2, "E0802"),
            (4, "E0804"),
            (5, "E0801"),
            (6, "E0803")
        ]
    );
    match run(&job(), Some(leads), None, false) {
        Err(JobError::Record(error)) => {
            assert_eq!((error.line, error.code()), (1, Code::ValueMismatch));
            assert_eq!(
                error.to_string(),
                "l.jsonl:1: field `i`: expected an int, found the text \"big\""
            );
        }
        other => panic!("{:?}", other.map(|ran| ran.results)),
    }
}

#[test]
fn csv_errors_name_the_column_and_have_the_same_codes() {
    let leads = "id,i\nA,1\nA,2\n,3\nB,big\n";
    let ran = run(&job(), Some(("l.csv", leads.as_bytes())), None, true).unwrap();
    let seen: Vec<(u64, Option<u64>, &str, &str)> = ran
        .rejects
        .iter()
        .map(|r| {
            let (line, column) = (r["line"].as_u64().unwrap(), r["column"].as_u64());
            (
                line,
                column,
                r["code"].as_str().unwrap(),
                r["error"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (3, None, "E0804", "lead `A` appears twice (first on line 2)"),
            (4, Some(1), "E0802", "the lead id is empty"),
            (
                5,
                Some(2),
                "E0803",
                "expected an int, found the text \"big\""
            ),
        ]
    );
    let events = "lead,type\nA,page.view\n";
    match run(&job(), None, Some(("e.csv", events.as_bytes())), false) {
        Err(error) => assert_eq!(
            (error.code(), error.to_string()),
            (
                Code::MissingKey,
                "e.csv:2: the event has no `ts` column (its time)".to_string()
            )
        ),
        Ok(ran) => panic!("{}", ran.results),
    }
}

#[test]
fn a_csv_row_that_is_not_utf8_is_one_bad_record() {
    let events = b"lead,type,ts\nA,page.view,2026-10-01\nA,page.view,2026-10-0\xff\nA,page.view,2026-10-03\n";
    let ran = run(&job(), None, Some(("e.csv", events)), true).unwrap();
    assert_eq!((ran.summary.events_read, ran.summary.rejected), (2, 1));
    assert_eq!(ran.rejects[0]["line"], 3);
    assert_eq!(ran.rejects[0]["code"], "E0801");
    assert_eq!(ran.rejects[0]["error"], "this line is not valid UTF-8 text");
}

#[test]
fn explaining_a_lead_no_input_has_gives_nothing() {
    let leads = "{\"id\":\"A\"}\n";
    let leads = Some(Source::new("l.jsonl", leads.as_bytes()));
    let outcome = job().explain(scorer(), "B", leads, None, None, &mut |_| {});
    assert_eq!(outcome.unwrap(), None);
}

/// A reader that fails after its first bytes, as a broken disk or connection does.
struct Failing(&'static [u8]);

impl std::io::Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("connection reset"));
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn an_input_that_cannot_be_read_stops_the_job_even_with_rejects() {
    let first = b"{\"lead\":\"A\",\"type\":\"page.view\",\"ts\":\"2026-10-01\"}\n";
    for name in ["e.jsonl", "e.csv"] {
        let events = Source::new(name, Failing(first));
        let (mut out, mut rejects) = (Vec::new(), Vec::new());
        let result = job().run(scorer(), None, Some(events), &mut out, Some(&mut rejects));
        match result {
            Err(JobError::Record(error)) => {
                assert_eq!(error.code(), Code::UnreadableInput, "{name}");
                assert!(!error.can_be_set_aside());
                assert!(
                    error.message.contains("connection reset"),
                    "{name}: {error}"
                );
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}
