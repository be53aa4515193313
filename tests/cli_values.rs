//! Values as people's data has them, through the command line: epoch times in another
//! unit (`--ts-unit`), timestamps as warehouses write them (in the data and in
//! `--as-of`), numbers sent as text (`--coerce-numbers`). Issue 11, items 3, 7 and 10.

use insta_cmd::get_cargo_bin;
use std::process::Command;

const MODEL: &str = "lead { company_size: int }
event page.view {}
score fit { when lead.company_size >= 10 +5 }
score recent { on page.view +1 within 30d }
";

/// What a run printed and how it ended.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `leadscore score m.score` in a directory holding the model and `files`, with
/// results as CSV.
fn score(files: &[(&str, &str)], args: &[&str]) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.score"), MODEL).unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let output = Command::new(get_cargo_bin("leadscore"))
        .current_dir(dir.path())
        .args(["score", "m.score", "--format", "csv"])
        .args(args)
        .output()
        .unwrap();
    Ran {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// An event of lead `L1` at `ts` (a JSON value), as one JSON line.
fn view_at(ts: &str) -> String {
    format!("{{\"lead\":\"L1\",\"type\":\"page.view\",\"ts\":{ts}}}\n")
}

// 2026-10-15T00:00:00Z, and the as-of time 2026-11-01T00:00:00Z.
const TS: &str = "1792022400";
const AS_OF: &str = "2026-11-01T00:00:00Z";

#[test]
fn epoch_milliseconds_are_refused_as_seconds_with_a_hint_and_read_with_ts_unit_ms() {
    let events = view_at(&format!("{TS}000"));
    let files = [("e.jsonl", events.as_str())];
    let ran = score(&files, &["--events", "e.jsonl", "--as-of", AS_OF]);
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert_eq!(
        ran.stderr,
        "error[E0803]: e.jsonl:1: field `ts`: 1792022400000 seconds since 1970 is after the \
         year 9999: if it is in milliseconds, use --ts-unit ms\n  (use --rejects FILE to set \
         bad records aside and score the rest)\n"
    );
    let ms = ["--events", "e.jsonl", "--as-of", AS_OF, "--ts-unit", "ms"];
    let ran = score(&files, &ms);
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "lead,fit,recent\nL1,0,1\n")
    );
    // Microseconds, in CSV too.
    let csv = format!("lead,type,ts\nL1,page.view,{TS}000000\n");
    let us = ["--events", "e.csv", "--as-of", AS_OF, "--ts-unit", "us"];
    let ran = score(&[("e.csv", &csv)], &us);
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "lead,fit,recent\nL1,0,1\n")
    );
}

#[test]
fn timestamps_as_warehouses_write_them_are_read_in_the_data_and_in_as_of() {
    let events: String = [
        "\"2026-10-15 00:00:00+00\"",
        "\"2026-10-15 02:00:00.5+0200\"",
        "\"2026-10-14t19:00:00-05\"",
        "\"2026-10-15t00:00:00z\"",
    ]
    .map(view_at)
    .concat();
    let files = [("e.jsonl", events.as_str())];
    // The as-of time in every form `ts` takes, epoch seconds included.
    for as_of in [
        "2026-11-01",
        "2026-11-01 00:00:00+00",
        "2026-11-01T01:00:00+0100",
        "2026-11-01t00:00:00z",
        "1793491200",
        "1793491200.0",
    ] {
        let ran = score(&files, &["--events", "e.jsonl", "--as-of", as_of]);
        assert_eq!(
            ran.stdout, "lead,fit,recent\nL1,0,4\n",
            "{as_of}: {}",
            ran.stderr
        );
    }
    // An epoch as-of time is read in `--ts-unit`, as `ts` is.
    let ms = [
        "--events",
        "e.jsonl",
        "--as-of",
        "1793491200000",
        "--ts-unit",
        "ms",
    ];
    assert_eq!(score(&files, &ms).stdout, "lead,fit,recent\nL1,0,4\n");
    let ran = score(&files, &["--events", "e.jsonl", "--as-of", "1793491200000"]);
    assert_eq!(ran.code, 2);
    assert_eq!(
        ran.stderr,
        "error: --as-of: 1793491200000 seconds since 1970 is after the year 9999: if it is in \
         milliseconds, use --ts-unit ms\n"
    );
}

#[test]
fn an_as_of_time_that_is_no_time_is_refused_before_anything_is_read() {
    for (as_of, hint) in [
        ("yesterday", "write a date like 2026-10-01"),
        ("2026-11-01 00:00:00", "a time of day needs a time zone"),
        (
            "2026-10-31T23:59:60Z",
            "a leap second (`:60`) is not a time here",
        ),
    ] {
        let ran = score(&[], &["--events", "missing.jsonl", "--as-of", as_of]);
        assert_eq!(ran.code, 2, "{as_of}");
        let expected = format!(
            "invalid value '{as_of}' for '--as-of <TIME>': `{as_of}` is not a time: {hint}"
        );
        assert!(ran.stderr.contains(&expected), "{as_of}: {}", ran.stderr);
    }
}

#[test]
fn numbers_sent_as_text_are_refused_unless_coerce_numbers_asks_for_them() {
    let leads = "{\"id\":\"L1\",\"company_size\":\"12\"}\n";
    let files = [("l.jsonl", leads)];
    let ran = score(&files, &["--leads", "l.jsonl", "--as-of", AS_OF]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stderr.starts_with(
            "error[E0803]: l.jsonl:1: field `company_size`: expected an int, found the text \
             \"12\" (to read numbers and booleans sent as text, use --coerce-numbers)\n"
        ),
        "{}",
        ran.stderr
    );
    let coerce = ["--leads", "l.jsonl", "--as-of", AS_OF, "--coerce-numbers"];
    let ran = score(&files, &coerce);
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "lead,fit,recent\nL1,5,0\n")
    );
    // CSV cells are text by nature: read by the field's type without the option.
    let csv = [("l.csv", "id,company_size\nL1,12\n")];
    let ran = score(&csv, &["--leads", "l.csv", "--as-of", AS_OF]);
    assert_eq!(
        (ran.code, ran.stdout.as_str()),
        (0, "lead,fit,recent\nL1,5,0\n")
    );
}
