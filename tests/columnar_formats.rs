//! Parquet and Arrow IPC inputs (`--input-format parquet|arrow`): the same records give
//! the same bytes as JSON Lines and CSV, whatever the thread count; a value that does not
//! fit names the file, the row and the column.
#![cfg(feature = "columnar")]

use arrow_array::{
    ArrayRef, BooleanArray, Float32Array, Float64Array, Int16Array, Int32Array, Int64Array,
    Int8Array, RecordBatch, StringArray, TimestampMicrosecondArray, UInt16Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use leadscore::input::{Format, Source};
use leadscore::job::{JobError, RecordBatches, Records, ScoreJob};
use leadscore::OutputFormat;
use leadscore::{MemoryLoader, Scorer};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

const MODEL: &str = r#"lead { industry: string, size: int, revenue: number, student: bool }
event page.view { path: string, seconds: number }
event email.open {}
score fit {
  when lead.industry in ["software", "retail"]  +20
  when lead.size >= 50                          +15
  when lead.revenue > 1000.5                    +5
  when lead.student                             -20
  on page.view where starts_with(path, "/p")    +3 within 30d
  on page.view where seconds > 10               +1
  on email.open                                 +1
}
"#;

/// 2026-11-01T00:00:00Z, in microseconds.
const AS_OF: i64 = 1_793_491_200_000_000;

#[derive(Debug, Clone)]
struct LeadRow {
    id: String,
    industry: Option<String>,
    size: Option<i64>,
    revenue: Option<f64>,
    student: Option<bool>,
}

#[derive(Debug, Clone)]
struct EventRow {
    lead: String,
    kind: &'static str,
    ts: i64,
    path: Option<String>,
    seconds: Option<f64>,
}

fn scorer() -> Arc<Scorer> {
    let compiled = leadscore::compile_source("m.score", MODEL, &MemoryLoader::new());
    Arc::new(Scorer::new(compiled.plan.expect("the model compiles")).unwrap())
}

fn lead_rows() -> impl Strategy<Value = Vec<LeadRow>> {
    let industry = prop::option::of(prop::sample::select(vec!["software", "retail", "x y"]));
    let lead = (
        0u32..40,
        industry,
        prop::option::of(-5i64..1000),
        prop::option::of(-2000.0f64..5000.0),
        prop::option::of(any::<bool>()),
    );
    prop::collection::vec(lead, 0..30).prop_map(|leads| {
        let mut seen = std::collections::HashSet::new();
        leads
            .into_iter()
            // One record per id: a duplicate is an error, tested apart.
            .filter(|(n, ..)| seen.insert(*n))
            .map(|(n, industry, size, revenue, student)| LeadRow {
                id: format!("L{n}"),
                industry: industry.map(str::to_string),
                size,
                revenue,
                student,
            })
            .collect()
    })
}

fn event_rows() -> impl Strategy<Value = Vec<EventRow>> {
    let kind = prop::sample::select(vec!["page.view", "email.open", "chat.message"]);
    let path = prop::option::of(prop::sample::select(vec!["/pricing", "/p", "/careers"]));
    let event = (
        0u32..45,
        kind,
        // From 60 days before the as-of time to a day after it.
        -60 * 86_400i64..86_400,
        path,
        prop::option::of(0.0f64..30.0),
    );
    prop::collection::vec(event, 0..80).prop_map(|events| {
        events
            .into_iter()
            .map(|(n, kind, offset, path, seconds)| EventRow {
                lead: format!("L{n}"),
                kind,
                ts: AS_OF + offset * 1_000_000,
                path: path.map(str::to_string),
                seconds,
            })
            .collect()
    })
}

/// A JSON member `"name":value` for a value that is there.
fn member(name: &str, value: Option<serde_json::Value>) -> Option<String> {
    value.map(|v| format!("\"{name}\":{v}"))
}

fn write_jsonl(dir: &Path, leads: &[LeadRow], events: &[EventRow]) {
    let object = |members: Vec<Option<String>>| {
        let members: Vec<String> = members.into_iter().flatten().collect();
        format!("{{{}}}\n", members.join(","))
    };
    let leads: String = leads
        .iter()
        .map(|l| {
            object(vec![
                member("id", Some(l.id.clone().into())),
                member("industry", l.industry.clone().map(Into::into)),
                member("size", l.size.map(Into::into)),
                member("revenue", l.revenue.map(Into::into)),
                member("student", l.student.map(Into::into)),
            ])
        })
        .collect();
    let events: String = events
        .iter()
        .map(|e| {
            object(vec![
                member("lead", Some(e.lead.clone().into())),
                member("type", Some(e.kind.into())),
                member("ts", Some(leadscore::time::format_timestamp(e.ts).into())),
                member("path", e.path.clone().map(Into::into)),
                member("seconds", e.seconds.map(Into::into)),
            ])
        })
        .collect();
    std::fs::write(dir.join("leads.jsonl"), leads).unwrap();
    std::fs::write(dir.join("events.jsonl"), events).unwrap();
}

fn write_csv(dir: &Path, leads: &[LeadRow], events: &[EventRow]) {
    let cell = |v: Option<String>| v.unwrap_or_default();
    let mut out = csv::Writer::from_path(dir.join("leads.csv")).unwrap();
    out.write_record(["id", "industry", "size", "revenue", "student"])
        .unwrap();
    for l in leads {
        out.write_record([
            l.id.clone(),
            cell(l.industry.clone()),
            cell(l.size.map(|n| n.to_string())),
            cell(l.revenue.map(|n| n.to_string())),
            cell(l.student.map(|b| b.to_string())),
        ])
        .unwrap();
    }
    out.flush().unwrap();
    let mut out = csv::Writer::from_path(dir.join("events.csv")).unwrap();
    out.write_record(["lead", "type", "ts", "path", "seconds"])
        .unwrap();
    for e in events {
        out.write_record([
            e.lead.clone(),
            e.kind.to_string(),
            leadscore::time::format_timestamp(e.ts),
            cell(e.path.clone()),
            cell(e.seconds.map(|n| n.to_string())),
        ])
        .unwrap();
    }
    out.flush().unwrap();
}

/// The leads and events as Arrow record batches, in several batches (row groups) so
/// that more than one thread has work.
fn batches(leads: &[LeadRow], events: &[EventRow]) -> (Vec<RecordBatch>, Vec<RecordBatch>) {
    let text = |v: Vec<Option<String>>| Arc::new(StringArray::from(v)) as ArrayRef;
    let lead_schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("industry", DataType::Utf8, true),
        Field::new("size", DataType::Int64, true),
        Field::new("revenue", DataType::Float64, true),
        Field::new("student", DataType::Boolean, true),
    ]));
    let utc = Some(Arc::from("UTC"));
    let event_schema = Arc::new(Schema::new(vec![
        Field::new("lead", DataType::Utf8, false),
        Field::new("type", DataType::Utf8, false),
        Field::new(
            "ts",
            DataType::Timestamp(TimeUnit::Microsecond, utc.clone()),
            false,
        ),
        Field::new("path", DataType::Utf8, true),
        Field::new("seconds", DataType::Float64, true),
    ]));
    let lead_batch = |leads: &[LeadRow]| {
        let columns = vec![
            text(leads.iter().map(|l| Some(l.id.clone())).collect()),
            text(leads.iter().map(|l| l.industry.clone()).collect()),
            Arc::new(Int64Array::from_iter(leads.iter().map(|l| l.size))) as ArrayRef,
            Arc::new(Float64Array::from_iter(leads.iter().map(|l| l.revenue))),
            Arc::new(BooleanArray::from_iter(leads.iter().map(|l| l.student))),
        ];
        RecordBatch::try_new(lead_schema.clone(), columns).unwrap()
    };
    let event_batch = |events: &[EventRow]| {
        let ts = TimestampMicrosecondArray::from_iter_values(events.iter().map(|e| e.ts))
            .with_timezone_opt(utc.clone());
        let columns = vec![
            text(events.iter().map(|e| Some(e.lead.clone())).collect()),
            text(events.iter().map(|e| Some(e.kind.to_string())).collect()),
            Arc::new(ts) as ArrayRef,
            text(events.iter().map(|e| e.path.clone()).collect()),
            Arc::new(Float64Array::from_iter(events.iter().map(|e| e.seconds))),
        ];
        RecordBatch::try_new(event_schema.clone(), columns).unwrap()
    };
    // Empty inputs still have one (empty) batch, which carries the schema.
    let leads = leads.chunks(7).map(lead_batch).collect::<Vec<_>>();
    let events = events.chunks(13).map(event_batch).collect::<Vec<_>>();
    let or_empty = |mut b: Vec<RecordBatch>, empty: RecordBatch| {
        if b.is_empty() {
            b.push(empty);
        }
        b
    };
    (
        or_empty(leads, lead_batch(&[])),
        or_empty(events, event_batch(&[])),
    )
}

fn write_parquet(path: &Path, batches: &[RecordBatch]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
        // One row group per batch.
        writer.flush().unwrap();
    }
    writer.close().unwrap();
}

fn write_arrow(path: &Path, batches: &[RecordBatch]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = arrow_ipc::writer::FileWriter::try_new(file, &batches[0].schema()).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.finish().unwrap();
}

/// The file `name` in `dir`, as a source named by its path (which tells its format).
fn source(dir: &Path, name: &str) -> leadscore::Input<'static> {
    let path = dir.join(name).display().to_string();
    let bytes = std::fs::read(&path).unwrap();
    Source::new(path, std::io::Cursor::new(bytes))
}

/// Scores the files `leads` and `events` (found in `dir`; their names tell the format)
/// on `threads` threads.
fn score(dir: &Path, leads: &str, events: &str, threads: usize) -> Result<String, JobError> {
    let job = ScoreJob {
        threads,
        ..ScoreJob::new(AS_OF)
    };
    let source = |name: &str| {
        let path = dir.join(name).display().to_string();
        let bytes = std::fs::read(&path).unwrap();
        Source::new(path, std::io::Cursor::new(bytes))
    };
    let mut out = Vec::new();
    job.run(
        scorer(),
        Some(source(leads)),
        Some(source(events)),
        &mut out,
        None,
    )?;
    Ok(String::from_utf8(out).unwrap())
}

/// The outcome of one lead (`explain`, which reads the inputs one record at a time and
/// keeps only that lead's), as text.
fn explain(dir: &Path, leads: &str, events: &str, id: &str) -> String {
    let job = ScoreJob::new(AS_OF);
    let outcome = job
        .explain(
            scorer(),
            id,
            Some(source(dir, leads)),
            Some(source(dir, events)),
            None,
            &mut |_| {},
        )
        .unwrap();
    format!("{outcome:?}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The same records give the same bytes from JSON Lines, CSV, Parquet and Arrow, on
    /// one thread or three.
    #[test]
    fn the_same_records_score_the_same_in_every_format(leads in lead_rows(), events in event_rows()) {
        let dir = tempfile::tempdir().unwrap();
        write_jsonl(dir.path(), &leads, &events);
        write_csv(dir.path(), &leads, &events);
        let (lead_batches, event_batches) = batches(&leads, &events);
        write_parquet(&dir.path().join("leads.parquet"), &lead_batches);
        write_parquet(&dir.path().join("events.parquet"), &event_batches);
        write_arrow(&dir.path().join("leads.arrow"), &lead_batches);
        write_arrow(&dir.path().join("events.arrow"), &event_batches);
        let expected = score(dir.path(), "leads.jsonl", "events.jsonl", 1).unwrap();
        let id = leads.first().map_or("L0", |l| l.id.as_str()).to_string();
        let explained = explain(dir.path(), "leads.jsonl", "events.jsonl", &id);
        for (leads, events) in [("leads.csv", "events.csv"), ("leads.parquet", "events.parquet"), ("leads.arrow", "events.arrow")] {
            for threads in [1, 3] {
                let got = score(dir.path(), leads, events, threads).unwrap();
                prop_assert_eq!(&got, &expected, "{} and {} on {} threads", leads, events, threads);
            }
            prop_assert_eq!(explain(dir.path(), leads, events, &id), explained.clone(), "{}", leads);
        }
        // Record batches in memory give the rows the CSV output has.
        let csv = score_as(dir.path(), "leads.jsonl", "events.jsonl", OutputFormat::Csv);
        for threads in [1, 3] {
            let got = csv_of_batches(&results_of_batches(&lead_batches, &event_batches, threads));
            prop_assert_eq!(&got, &csv, "record batches on {} threads", threads);
        }
    }
}

/// Scores the files `leads` and `events` (in `dir`) with results in `format`.
fn score_as(dir: &Path, leads: &str, events: &str, format: OutputFormat) -> String {
    let job = ScoreJob {
        output_format: format,
        ..ScoreJob::new(AS_OF)
    };
    let mut out = Vec::new();
    let (leads, events) = (source(dir, leads), source(dir, events));
    job.run(scorer(), Some(leads), Some(events), &mut out, None)
        .unwrap();
    String::from_utf8(out).unwrap()
}

/// The results of scoring record batches in memory, as record batches.
fn results_of_batches(
    leads: &[RecordBatch],
    events: &[RecordBatch],
    threads: usize,
) -> Vec<RecordBatch> {
    let job = ScoreJob {
        threads,
        ..ScoreJob::new(AS_OF)
    };
    let leads = RecordBatches::new("leads", leads[0].schema(), leads.to_vec()).unwrap();
    let events = RecordBatches::new("events", events[0].schema(), events.to_vec()).unwrap();
    let (leads, events) = (Records::Batches(&leads), Records::Batches(&events));
    let results = job.results_of(scorer(), Some(leads), Some(events), None, &mut |_| {});
    results.unwrap().to_record_batches()
}

/// Results record batches written as the CSV output writes them (scores as their
/// shortest digits, which are the CSV's when whole numbers have no fraction).
fn csv_of_batches(batches: &[RecordBatch]) -> String {
    let schema = leadscore::job::results_schema(scorer().plan(), false);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(schema.fields().iter().map(|f| f.name()))
        .unwrap();
    for batch in batches {
        assert_eq!(batch.schema(), schema);
        for row in 0..batch.num_rows() {
            let cells = batch
                .columns()
                .iter()
                .map(|column| cell_text(column.as_ref(), row));
            writer.write_record(cells.collect::<Vec<_>>()).unwrap();
        }
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn cell_text(column: &dyn arrow_array::Array, row: usize) -> String {
    use arrow_array::cast::AsArray;
    use arrow_array::types::Float64Type;
    if column.is_null(row) {
        return String::new();
    }
    match column.data_type() {
        DataType::Utf8 => column.as_string::<i32>().value(row).to_string(),
        DataType::Boolean => column.as_boolean().value(row).to_string(),
        DataType::Float64 => column.as_primitive::<Float64Type>().value(row).to_string(),
        other => panic!("no results column holds {other}"),
    }
}

/// Record batches in memory are read as an Arrow file is: a value that does not fit
/// names the batches, the row counted across them and the column; the rows go through
/// the job's rejects like a file's; batches with other columns than the first are
/// refused.
#[test]
fn record_batches_in_memory_name_the_row_of_a_bad_value() {
    let (leads, _) = batches(
        &[LeadRow {
            id: "L1".into(),
            industry: None,
            size: Some(3),
            revenue: None,
            student: None,
        }],
        &[],
    );
    let schema = Arc::new(Schema::new(vec![
        Field::new("lead", DataType::Utf8, true),
        Field::new("type", DataType::Utf8, true),
        Field::new("ts", DataType::Utf8, true),
    ]));
    let batch = |ts: Vec<Option<&str>>| {
        let n = ts.len();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(vec![Some("L1"); n])),
            Arc::new(StringArray::from(vec![Some("email.open"); n])),
            Arc::new(StringArray::from(ts)),
        ];
        RecordBatch::try_new(schema.clone(), columns).unwrap()
    };
    let good = Some("2026-10-01T00:00:00Z");
    let events = vec![batch(vec![good, good]), batch(vec![good, Some("soon")])];
    let events = RecordBatches::new("events", schema.clone(), events).unwrap();
    let lead_batch = leads[0].clone();
    let leads = RecordBatches::new("leads", lead_batch.schema(), leads).unwrap();
    let job = ScoreJob::new(AS_OF);
    let run = |rejects: Option<&mut dyn std::io::Write>| {
        let (l, e) = (Records::Batches(&leads), Records::Batches(&events));
        job.results_of(scorer(), Some(l), Some(e), rejects, &mut |_| {})
    };
    let Err(JobError::Record(error)) = run(None) else {
        panic!("`soon` is no time");
    };
    assert!(
        error.to_string().starts_with("events:4:3: field `ts`: "),
        "{error}"
    );
    let mut rejects = Vec::new();
    let results = run(Some(&mut rejects)).unwrap();
    assert_eq!(results.scores(0), [3.0]);
    let rejects = String::from_utf8(rejects).unwrap();
    assert!(rejects.contains("\"line\":4"), "{rejects}");
    let other = RecordBatches::new("events", schema, vec![lead_batch]);
    assert!(other
        .unwrap_err()
        .to_string()
        .contains("record batch 1 has other columns"));
}

#[test]
fn file_names_tell_the_columnar_formats() {
    let format = |name: &str| Format::from_path(Path::new(name));
    assert_eq!(format("events.parquet"), Format::Parquet);
    assert_eq!(format("events.PARQUET"), Format::Parquet);
    assert_eq!(format("events.arrow"), Format::Arrow);
    assert_eq!(format("events.feather"), Format::Arrow);
    assert_eq!(format("events.jsonl"), Format::Jsonl);
}

/// A value that does not fit its field names the file, the row (from 1) and the column
/// (from 1, in the file's order) with the field's name.
#[test]
fn a_value_that_does_not_fit_names_the_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, true),
        Field::new("size", DataType::Utf8, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![Some("L1"), Some("L2"), Some("L3")])),
        Arc::new(StringArray::from(vec![Some("5"), None, Some("big")])),
    ];
    let batch = RecordBatch::try_new(schema, columns).unwrap();
    let path = dir.path().join("leads.parquet");
    write_parquet(&path, &[batch]);
    write_jsonl(dir.path(), &[], &[]);
    let Err(JobError::Record(error)) = score(dir.path(), "leads.parquet", "events.jsonl", 2) else {
        panic!("the text in an int column is refused");
    };
    assert_eq!((error.line, error.column), (1, Some(2)));
    assert_eq!(error.field.as_deref(), Some("size"));
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}:1:2: field `size`: ", path.display())),
        "{error}"
    );
}

/// A number in a numeric column of any width reads as its digits do in JSON: the same
/// scores when it fits its field, and the same error when an `int` gets a fraction or a
/// whole number too large to keep exactly (the columns hold what the JSON spells).
#[test]
fn numbers_of_every_column_type_read_as_their_json_digits() {
    let cases: Vec<(&str, ArrayRef)> = vec![
        ("49", Arc::new(Int8Array::from(vec![49]))),
        ("50", Arc::new(Int16Array::from(vec![50]))),
        ("-7", Arc::new(Int32Array::from(vec![-7]))),
        ("1001", Arc::new(UInt16Array::from(vec![1001]))),
        ("1000.5", Arc::new(Float32Array::from(vec![1000.5f32]))),
        // The float nearest 1000.6 as an f32, written out.
        (
            "1000.5999755859375",
            Arc::new(Float32Array::from(vec![1000.6f32])),
        ),
        ("60.5", Arc::new(Float64Array::from(vec![60.5]))),
        (
            "9007199254740991",
            Arc::new(Int64Array::from(vec![(1i64 << 53) - 1])),
        ),
        (
            "9007199254740993",
            Arc::new(Int64Array::from(vec![(1i64 << 53) + 1])),
        ),
        (
            "18446744073709551615",
            Arc::new(UInt64Array::from(vec![u64::MAX])),
        ),
    ];
    for (digits, column) in cases {
        let dir = tempfile::tempdir().unwrap();
        for field in ["size", "revenue"] {
            let json = format!("{{\"id\":\"L1\",\"{field}\":{digits}}}\n");
            std::fs::write(dir.path().join("leads.jsonl"), json).unwrap();
            let schema = Arc::new(Schema::new(vec![
                Field::new("id", DataType::Utf8, false),
                Field::new(field, column.data_type().clone(), false),
            ]));
            let ids = Arc::new(StringArray::from(vec!["L1"])) as ArrayRef;
            let batch = RecordBatch::try_new(schema, vec![ids, column.clone()]).unwrap();
            write_parquet(&dir.path().join("leads.parquet"), &[batch]);
            std::fs::write(dir.path().join("events.jsonl"), "").unwrap();
            let outcome = |leads: &str| {
                score(dir.path(), leads, "events.jsonl", 2).map_err(|e| match e {
                    JobError::Record(e) => (e.code(), e.field, e.message),
                    other => panic!("{other}"),
                })
            };
            let expected = outcome("leads.jsonl");
            assert_eq!(outcome("leads.parquet"), expected, "{field} = {digits}");
        }
    }
}

/// A lead row with an id and a size, and nothing else.
fn sized(id: &str, size: i64) -> LeadRow {
    LeadRow {
        id: id.into(),
        industry: None,
        size: Some(size),
        revenue: None,
        student: None,
    }
}

/// The results of `leads` and `events` on `threads` threads, with the bad records set
/// aside (as JSON, one a line).
fn results_and_rejects(
    leads: Option<Records<'_>>,
    events: Option<Records<'_>>,
    threads: usize,
) -> (leadscore::job::LeadResults, Vec<serde_json::Value>) {
    let job = ScoreJob {
        threads,
        ..ScoreJob::new(AS_OF)
    };
    let mut rejects = Vec::new();
    let results = job
        .results_of(scorer(), leads, events, Some(&mut rejects), &mut |_| {})
        .unwrap();
    let rejects = String::from_utf8(rejects).unwrap();
    let rejects = rejects
        .lines()
        .map(|line| serde_json::from_str(line).unwrap());
    (results, rejects.collect())
}

/// Leads are added in row order whichever thread reads their row group: a lead listed
/// twice is the later row, set aside with the row of the first, on one thread or three.
#[test]
fn a_lead_listed_twice_is_the_later_row_whatever_the_threads() {
    let dir = tempfile::tempdir().unwrap();
    // One row group per batch: ids A, B | C, A | D, C.
    let groups = [
        vec![sized("A", 1), sized("B", 2)],
        vec![sized("C", 3), sized("A", 60)],
        vec![sized("D", 4), sized("C", 70)],
    ];
    let lead_batches: Vec<RecordBatch> = groups
        .iter()
        .map(|g| batches(g, &[]).0[0].clone())
        .collect();
    write_parquet(&dir.path().join("leads.parquet"), &lead_batches);
    write_jsonl(dir.path(), &[], &[]);
    let mut seen = Vec::new();
    for threads in [1, 3] {
        let job = ScoreJob {
            threads,
            ..ScoreJob::new(AS_OF)
        };
        let (mut out, mut rejects) = (Vec::new(), Vec::new());
        let leads = source(dir.path(), "leads.parquet");
        let events = source(dir.path(), "events.jsonl");
        job.run(
            scorer(),
            Some(leads),
            Some(events),
            &mut out,
            Some(&mut rejects),
        )
        .unwrap();
        let rejects: Vec<serde_json::Value> = String::from_utf8(rejects)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        let rows: Vec<(u64, String)> = rejects
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["error"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (4, "lead `A` appears twice (first on line 1)".to_string()),
                (6, "lead `C` appears twice (first on line 3)".to_string())
            ],
            "{threads} threads"
        );
        seen.push(String::from_utf8(out).unwrap());
    }
    // The first rows' sizes score: A and C under 50.
    assert!(
        seen[0].contains("{\"lead\":\"A\",\"scores\":{\"fit\":0}"),
        "{}",
        seen[0]
    );
    assert_eq!(seen[0], seen[1]);
}

/// Text in dictionaries (Arrow's dictionary arrays, a data frame's categories) reads as
/// the same text does: the same results and the same bad records as JSON Lines, for a
/// Parquet file written with dictionaries, an Arrow file of dictionary columns and the
/// same columns as record batches in memory, on one thread or three.
#[test]
fn text_in_dictionaries_reads_as_the_same_text() {
    use arrow_array::types::{Int16Type, Int8Type};
    use arrow_array::DictionaryArray;
    let dir = tempfile::tempdir().unwrap();
    let jsonl = concat!(
        "{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":\"2026-10-20T00:00:00Z\",\"path\":\"/pricing\"}\n",
        "{\"lead\":\"L1\",\"type\":null,\"ts\":\"2026-10-20T00:00:00Z\",\"path\":\"/p\"}\n",
        "{\"lead\":\"L2\",\"type\":\"email.open\",\"ts\":\"2026-10-21T00:00:00Z\"}\n",
        "{\"lead\":\"L2\",\"type\":\"\",\"ts\":\"2026-10-21T00:00:00Z\",\"path\":\"/p\"}\n",
        "{\"lead\":\"L3\",\"type\":\"chat.message\",\"ts\":null}\n",
        "{\"lead\":\"L3\",\"type\":\"page.view\",\"ts\":\"2026-10-22T00:00:00Z\",\"path\":\"/p\"}\n",
    );
    std::fs::write(dir.path().join("events.jsonl"), jsonl).unwrap();
    let values = StringArray::from(vec![
        Some("page.view"),
        Some("email.open"),
        Some(""),
        Some("chat.message"),
        None,
    ]);
    let kinds = DictionaryArray::<Int8Type>::try_new(
        vec![Some(0), Some(4), Some(1), Some(2), Some(3), Some(0)].into(),
        Arc::new(values),
    )
    .unwrap();
    let paths = DictionaryArray::<Int16Type>::try_new(
        vec![Some(0), Some(1), None, Some(1), None, Some(1)].into(),
        Arc::new(StringArray::from(vec!["/pricing", "/p"])),
    )
    .unwrap();
    let times = (0..6).map(|i| AS_OF - (12 - i / 2) * 86_400_000_000);
    let utc = Some(Arc::from("UTC"));
    // An undeclared type's event needs a time too: row 5 has none.
    let times = times.enumerate().map(|(i, t)| (i != 4).then_some(t));
    let ts = TimestampMicrosecondArray::from_iter(times).with_timezone_opt(utc);
    let leads = StringArray::from(vec!["L1", "L1", "L2", "L2", "L3", "L3"]);
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("lead", Arc::new(leads)),
        ("type", Arc::new(kinds)),
        ("ts", Arc::new(ts)),
        ("path", Arc::new(paths)),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    write_arrow(
        &dir.path().join("events.arrow"),
        std::slice::from_ref(&batch),
    );
    write_parquet(
        &dir.path().join("events.parquet"),
        std::slice::from_ref(&batch),
    );
    write_jsonl(dir.path(), &[], &[]);
    std::fs::write(dir.path().join("events.jsonl"), jsonl).unwrap();
    // Each lead's outcome and the (line, code) of each bad record.
    let run = |events: Records<'_>, threads: usize| {
        let (results, rejects) = results_and_rejects(None, Some(events), threads);
        let bad: Vec<(u64, String)> = rejects
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let outcomes: Vec<_> = (0..results.len())
            .map(|i| format!("{:?}", results.explain(results.id(i))))
            .collect();
        (outcomes, bad)
    };
    let file = |name: &str| Records::Stream(source(dir.path(), name));
    let expected = run(file("events.jsonl"), 1);
    let missing = |line: u64| (line, "E0802".to_string());
    assert_eq!(expected.1, [missing(2), missing(4), missing(5)]);
    let schema = batch.schema();
    let in_memory = RecordBatches::new("events", schema, vec![batch]).unwrap();
    for threads in [1, 3] {
        assert_eq!(
            run(file("events.arrow"), threads),
            expected,
            "Arrow on {threads}"
        );
        assert_eq!(
            run(file("events.parquet"), threads),
            expected,
            "Parquet on {threads}"
        );
        assert_eq!(
            run(Records::Batches(&in_memory), threads),
            expected,
            "batches on {threads}"
        );
    }
}

/// An empty record batch (Arrow files and batches in memory may hold them) adds no rows:
/// the rows around it keep their numbers, and a lead listed twice across it is the later
/// row, on one thread or three.
#[test]
fn empty_record_batches_hold_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let one = |rows: &[LeadRow]| batches(rows, &[]).0[0].clone();
    let lead_batches = vec![
        one(&[sized("A", 1), sized("B", 2)]),
        one(&[]),
        one(&[sized("C", 60), sized("A", 70)]),
        one(&[]),
    ];
    write_arrow(&dir.path().join("leads.arrow"), &lead_batches);
    let schema = lead_batches[0].schema();
    let in_memory = RecordBatches::new("leads", schema, lead_batches).unwrap();
    let run = |leads: Records<'_>, threads: usize| {
        let (results, rejects) = results_and_rejects(Some(leads), None, threads);
        let ids: Vec<(String, f64)> = (0..results.len())
            .map(|i| (results.id(i).to_string(), results.scores(i)[0]))
            .collect();
        (ids, rejects)
    };
    let expected = [("A", 0.0), ("B", 0.0), ("C", 15.0)].map(|(id, s)| (id.to_string(), s));
    for threads in [1, 3] {
        let file = Records::Stream(source(dir.path(), "leads.arrow"));
        for leads in [file, Records::Batches(&in_memory)] {
            let (ids, rejects) = run(leads, threads);
            assert_eq!(ids, expected, "{threads} threads");
            let [reject] = rejects.as_slice() else {
                panic!("one lead listed twice: {rejects:?}");
            };
            assert_eq!(reject["line"], 4);
            assert_eq!(reject["error"], "lead `A` appears twice (first on line 1)");
        }
    }
}

/// A Parquet file whose middle row group cannot be read stops the job with an error
/// naming the file, on one thread or three (the other threads read on; nothing panics).
#[test]
fn a_row_group_that_cannot_be_read_stops_the_job() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<LeadRow> = (0..30)
        .map(|i| LeadRow {
            id: format!("L{i}"),
            industry: Some(format!("industry {i}")),
            size: Some(i),
            revenue: None,
            student: None,
        })
        .collect();
    let chunks = rows.chunks(10);
    let lead_batches: Vec<RecordBatch> = chunks.map(|c| batches(c, &[]).0[0].clone()).collect();
    let path = dir.path().join("leads.parquet");
    write_parquet(&path, &lead_batches);
    // The second row group's first data page, overwritten.
    let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    let at = reader.metadata().row_group(1).column(0).data_page_offset() as usize;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[at..at + 16].fill(0xff);
    std::fs::write(&path, bytes).unwrap();
    write_jsonl(dir.path(), &[], &[]);
    for threads in [1, 3] {
        match score(dir.path(), "leads.parquet", "events.jsonl", threads) {
            Err(JobError::Record(error)) => {
                let text = error.to_string();
                assert!(text.contains("leads.parquet"), "{text}");
                assert!(text.contains("cannot read as Parquet"), "{text}");
            }
            other => panic!("{threads} threads: {:?}", other.map(|_| ())),
        }
    }
}

/// A file that is not Parquet stops the job with an error that names it.
#[test]
fn a_file_that_is_not_parquet_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("leads.parquet"), "{\"id\":\"L1\"}\n").unwrap();
    write_jsonl(dir.path(), &[], &[]);
    let Err(JobError::Record(error)) = score(dir.path(), "leads.parquet", "events.jsonl", 1) else {
        panic!("JSON is not Parquet");
    };
    assert!(error.to_string().contains("leads.parquet"), "{error}");
    assert!(
        error.to_string().contains("cannot read as Parquet"),
        "{error}"
    );
}

/// With explanations, each lead's `why` lists its reasons in order, as structs of the
/// reason's fields; without, there is no `why` column.
#[test]
fn explained_outcomes_as_record_batches_list_every_reason() {
    let leads = vec![LeadRow {
        id: "L1".into(),
        industry: Some("software".into()),
        size: Some(100),
        revenue: None,
        student: Some(true),
    }];
    let events = vec![EventRow {
        lead: "L2".into(),
        kind: "email.open",
        ts: AS_OF - 1,
        path: None,
        seconds: None,
    }];
    let (lead_batches, event_batches) = batches(&leads, &events);
    let leads = RecordBatches::new("leads", lead_batches[0].schema(), lead_batches).unwrap();
    let events = RecordBatches::new("events", event_batches[0].schema(), event_batches).unwrap();
    let job = ScoreJob {
        explain: true,
        ..ScoreJob::new(AS_OF)
    };
    let (l, e) = (Records::Batches(&leads), Records::Batches(&events));
    let (outcomes, _) = job
        .outcomes_of(scorer(), Some(l), Some(e), None, &mut |_| {})
        .unwrap();
    let plan = scorer().plan().clone();
    let [batch] = leadscore::job::outcomes_to_record_batches(&plan, &outcomes, true)
        .try_into()
        .unwrap();
    assert_eq!(batch.schema(), leadscore::job::results_schema(&plan, true));
    let why = batch.column_by_name("why").unwrap();
    let why = arrow_array::cast::AsArray::as_list::<i32>(why);
    for (row, outcome) in outcomes.iter().enumerate() {
        let reasons = why.value(row);
        let reasons = arrow_array::cast::AsArray::as_struct(&reasons);
        let rules =
            arrow_array::cast::AsArray::as_string::<i32>(reasons.column_by_name("rule").unwrap());
        let expected: Vec<&str> = outcome
            .why
            .iter()
            .flatten()
            .map(|r| r.rule.as_str())
            .collect();
        assert_eq!(rules.iter().flatten().collect::<Vec<_>>(), expected);
    }
    assert_eq!(why.value(0).len(), 3, "L1: software, size and student");
    let plain = leadscore::job::outcomes_to_record_batches(&plan, &outcomes, false);
    assert!(plain[0].column_by_name("why").is_none());
}
