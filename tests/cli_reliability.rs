//! The data path's promises (issue 12, docs/reliability.md): sums exact in any order,
//! outputs that never overwrite inputs, bad records told with their line, non-finite
//! numbers shown alike everywhere. Each test failed before its fix.

use insta_cmd::get_cargo_bin;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AS_OF: &str = "2026-11-01T00:00:00Z";

/// A model with a sum, a flag on its sign and a lead field.
const MODEL: &str = "lead { name: string }
event e { v: number }
score s { on e +1 }
flag pos when sum(e.v) > 0
";

fn leadscore(dir: &Path) -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(dir);
    command
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Writes `text` as `name` in `dir`; returns the path.
fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A directory with the model as `m.score`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.score", MODEL);
    dir
}

/// `score m.score` with `args` in `dir`.
fn score(dir: &Path, args: &[&str]) -> Output {
    leadscore(dir)
        .args(["score", "m.score", "--as-of", AS_OF])
        .args(args)
        .output()
        .unwrap()
}

/// Events of lead L1 with the values `vs`, as CSV.
fn events_csv(vs: &[&str]) -> String {
    let mut text = "lead,type,ts,v\n".to_string();
    for v in vs {
        text.push_str(&format!("L1,e,2026-10-01,{v}\n"));
    }
    text
}

// ---- Item 2: sums exact whatever the order, even past a float's range ----

#[test]
fn a_sum_whose_partial_sums_overflow_does_not_depend_on_event_order() {
    let dir = setup();
    let mut seen = Vec::new();
    for order in [
        ["1e308", "-1e308", "1e308"],
        ["1e308", "1e308", "-1e308"],
        ["-1e308", "1e308", "1e308"],
    ] {
        write(dir.path(), "e.csv", events_csv(&order));
        let output = score(dir.path(), &["--events", "e.csv"]);
        assert!(output.status.success(), "{}", stderr(&output));
        seen.push(stdout(&output));
    }
    // The exact sum is 1e308: positive in every order.
    assert!(seen[0].contains("\"pos\":true"), "{}", seen[0]);
    assert!(seen.iter().all(|s| s == &seen[0]), "{seen:?}");
}

#[test]
fn a_sum_out_of_range_is_absent() {
    let dir = setup();
    // The exact sum, 2e308, has no float: absent, so the comparison is false.
    write(dir.path(), "e.csv", events_csv(&["1e308", "1e308"]));
    let output = score(dir.path(), &["--events", "e.csv"]);
    assert!(
        stdout(&output).contains("\"pos\":false"),
        "{}",
        stdout(&output)
    );
}

// ---- Item 7: an output is never an input or another output ----

/// Asserts `output` is the refusal of a clash naming `first` and `second`, exit 2.
#[track_caller]
fn refused_clash(output: &Output, first: &str, second: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    let message = stderr(output);
    let expected = format!("{first} and {second} name the same file");
    assert!(message.contains(&expected), "{message}");
    assert!(output.stdout.is_empty(), "{}", stdout(output));
}

#[test]
fn rejects_naming_an_input_are_refused_and_the_input_kept() {
    let dir = setup();
    let events = events_csv(&["1", "2"]);
    write(dir.path(), "e.csv", &events);
    write(dir.path(), "l.csv", "id,name\nL1,a\n");
    for (rejects, input) in [
        ("e.csv", "--events"),
        ("./e.csv", "--events"),
        ("l.csv", "--leads"),
        ("m.score", "the model"),
    ] {
        let output = score(
            dir.path(),
            &[
                "--events",
                "e.csv",
                "--leads",
                "l.csv",
                "--rejects",
                rejects,
            ],
        );
        refused_clash(&output, "--rejects", input);
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("e.csv")).unwrap(),
        events
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("m.score")).unwrap(),
        MODEL
    );
}

#[cfg(unix)]
#[test]
fn a_link_to_an_input_is_the_same_file() {
    let dir = setup();
    write(dir.path(), "e.csv", events_csv(&["1"]));
    std::os::unix::fs::symlink("e.csv", dir.path().join("link.csv")).unwrap();
    std::fs::hard_link(dir.path().join("e.csv"), dir.path().join("hard.csv")).unwrap();
    for rejects in ["link.csv", "hard.csv"] {
        let output = score(dir.path(), &["--events", "e.csv", "--rejects", rejects]);
        refused_clash(&output, "--rejects", "--events");
    }
}

#[test]
fn outputs_naming_one_new_file_are_refused() {
    let dir = setup();
    write(dir.path(), "e.csv", events_csv(&["1"]));
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let output = score(
        dir.path(),
        &[
            "--events",
            "e.csv",
            "-o",
            "out.jsonl",
            "--rejects",
            "sub/../out.jsonl",
        ],
    );
    refused_clash(&output, "--rejects", "-o");
    assert!(!dir.path().join("out.jsonl").exists());
    let output = score(
        dir.path(),
        &[
            "--events",
            "e.csv",
            "-o",
            "out.jsonl",
            "--summary-file",
            "out.jsonl",
        ],
    );
    refused_clash(&output, "--summary-file", "-o");
    assert!(
        !dir.path().join("out.jsonl").exists(),
        "the summary is not written either"
    );
}

#[test]
fn every_command_that_writes_refuses_to_overwrite_its_inputs() {
    let dir = setup();
    let events = events_csv(&["1"]);
    write(dir.path(), "e.csv", &events);
    let run = |args: &[&str]| leadscore(dir.path()).args(args).output().unwrap();
    let explain = run(&[
        "explain",
        "m.score",
        "--events",
        "e.csv",
        "--lead",
        "L1",
        "--rejects",
        "e.csv",
    ]);
    refused_clash(&explain, "--rejects", "--events");
    let diff = run(&[
        "diff",
        "m.score",
        "m.score",
        "--events",
        "e.csv",
        "--summary-file",
        "m.score",
    ]);
    refused_clash(&diff, "--summary-file", "OLD");
    let compile = run(&["compile", "m.score", "-o", "m.score"]);
    refused_clash(&compile, "-o", "the model");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    write(dir.path(), "out/leads.jsonl", MODEL);
    let gen = run(&["gen", "--model", "out/leads.jsonl", "--out", "out"]);
    refused_clash(&gen, "--out (leads.jsonl)", "--model");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("m.score")).unwrap(),
        MODEL
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("e.csv")).unwrap(),
        events
    );
}

#[test]
fn no_output_overwrites_a_file_the_model_imports() {
    let dir = setup();
    let schema = "event e { v: number }\n";
    write(dir.path(), "schema.score", schema);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    write(dir.path(), "sub/x.score", "lead { name: string }\n");
    write(
        dir.path(),
        "main.score",
        "import \"schema.score\"\nimport \"sub/x.score\"\nscore s { on e +1 }\n",
    );
    write(dir.path(), "e.csv", events_csv(&["1"]));
    let run = |args: &[&str]| leadscore(dir.path()).args(args).output().unwrap();
    let data = ["--events", "e.csv", "--as-of", AS_OF];
    let imported = "a file the model imports";
    let score_o = run(&[&["score", "main.score", "-o", "schema.score"][..], &data].concat());
    refused_clash(&score_o, "-o", imported);
    let rejects = ["score", "main.score", "--rejects", "sub/x.score"];
    refused_clash(&run(&[&rejects[..], &data].concat()), "--rejects", imported);
    let explain = [
        "explain",
        "main.score",
        "--lead",
        "L1",
        "--summary-file",
        "schema.score",
    ];
    refused_clash(
        &run(&[&explain[..], &data].concat()),
        "--summary-file",
        imported,
    );
    let compile = run(&["compile", "main.score", "-o", "sub/x.score"]);
    refused_clash(&compile, "-o", "the model");
    std::fs::create_dir(dir.path().join("out")).unwrap();
    write(dir.path(), "out/leads.jsonl", schema);
    write(
        dir.path(),
        "uses_out.score",
        "import \"out/leads.jsonl\"\nscore s { on e +1 }\n",
    );
    let gen = run(&["gen", "--model", "uses_out.score", "--out", "out"]);
    refused_clash(&gen, "--out (leads.jsonl)", "--model");
    for file in ["schema.score", "out/leads.jsonl"] {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(file)).unwrap(),
            schema
        );
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/x.score")).unwrap(),
        "lead { name: string }\n"
    );
}

#[test]
fn gen_needs_no_counts() {
    // `--leads` and `--events` are counts with defaults here, not data files.
    let dir = setup();
    let output = leadscore(dir.path())
        .args(["gen", "--model", "m.score", "--out", "g"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(dir.path().join("g/events.jsonl").exists());
}

// ---- Item 8: an unterminated quote in CSV is a bad record, never silent ----

#[test]
fn an_unterminated_quote_names_the_line_it_opened_on() {
    let dir = setup();
    write(
        dir.path(),
        "l.csv",
        "id,name\nL0,ok\nL1,\"abc\nL2,x\nL3,y\n",
    );
    let output = score(dir.path(), &["--leads", "l.csv"]);
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let message = stderr(&output);
    assert!(
        message.contains("error[E0801]: l.csv:3: the quote opened on line 3 is never closed"),
        "{message}"
    );
    // Under --rejects the swallowed rows are one bad record; the rows before are scored.
    let output = score(dir.path(), &["--leads", "l.csv", "--rejects", "r.jsonl"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 1, "{}", stdout(&output));
    let rejects = std::fs::read_to_string(dir.path().join("r.jsonl")).unwrap();
    let reject: serde_json::Value = serde_json::from_str(rejects.trim()).unwrap();
    assert_eq!(reject["line"], 3);
    assert_eq!(reject["code"], "E0801");
    assert_eq!(reject["record"], "L1,abc\nL2,x\nL3,y\n");
    assert!(
        stderr(&output).contains("1 bad record set aside"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unterminated_quote_in_the_header_stops_the_run() {
    let dir = setup();
    write(dir.path(), "l.csv", "id,\"name\nL1,a\n");
    let output = score(dir.path(), &["--leads", "l.csv", "--rejects", "r.jsonl"]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("l.csv:1: the quote opened on line 1"),
        "{message}"
    );
    assert!(
        !message.contains("use --rejects"),
        "--rejects was given: {message}"
    );
}

#[test]
fn quotes_that_close_are_read_as_before() {
    let dir = setup();
    // A doubled quote, a cell over two lines, a quote closed at the very end.
    write(
        dir.path(),
        "l.csv",
        "id,name\nL1,\"a\"\"b\"\nL2,\"x\ny\"\nL3,\"z\"",
    );
    let output = score(dir.path(), &["--leads", "l.csv"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output).lines().count(), 3, "{}", stdout(&output));
}

// ---- Item 11: a diff gate cannot be switched off by its limit ----

#[test]
fn limits_that_are_not_percentages_are_refused() {
    let dir = setup();
    write(dir.path(), "e.csv", events_csv(&["1"]));
    for option in [
        "--max-score-changes",
        "--max-grade-changes",
        "--max-flag-changes",
    ] {
        for bad in ["NaN", "inf", "-1"] {
            let output = leadscore(dir.path())
                .args([
                    "diff", "m.score", "m.score", "--events", "e.csv", "--as-of", AS_OF,
                ])
                .arg(format!("{option}={bad}"))
                .output()
                .unwrap();
            assert_eq!(output.status.code(), Some(2), "{option} {bad}");
            let message = stderr(&output);
            assert!(
                message.contains(option) && message.contains("not a percentage"),
                "{message}"
            );
        }
    }
}

// ---- Item 10: a number that is not finite is absent in every output ----

/// Derived scores that are huge, infinite and NaN for lead L1.
const BIG: &str = "lead { x: number }
score big = lead.x
score huge = lead.x * 10000000000
score nan = lead.x * 10000000000 - lead.x * 10000000000
";

#[test]
fn huge_scores_are_shown_and_non_finite_ones_are_absent_everywhere() {
    let dir = setup();
    write(dir.path(), "big.score", BIG);
    write(dir.path(), "l.jsonl", "{\"id\":\"L1\",\"x\":2e302}\n");
    let run = |args: &[&str]| {
        let output = leadscore(dir.path())
            .args(args)
            .args(["--leads", "l.jsonl", "--as-of", AS_OF])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    // 2e302 was `null` (its rounding overflowed); inf and NaN are null, as in CSV.
    let json = run(&["score", "big.score"]);
    assert!(
        json.contains(r#""scores":{"big":2e+302,"huge":null,"nan":null}"#),
        "{json}"
    );
    let csv = run(&["score", "big.score", "--format", "csv"]);
    let row = csv.lines().nth(1).unwrap();
    assert!(
        row.starts_with("L1,2000000000") && row.ends_with(",,"),
        "{row}"
    );
    let why = run(&["score", "big.score", "--format", "csv", "--explain"]);
    assert!(
        why.contains("huge: absent score huge") && !why.contains("inf"),
        "{why}"
    );
    let table = run(&["explain", "big.score", "--lead", "L1"]);
    assert!(
        table.contains("huge = absent") && table.contains("nan = absent"),
        "{table}"
    );
    assert!(
        !table.to_lowercase().contains("inf") && !table.contains("NaN"),
        "{table}"
    );
}

#[test]
fn diff_counts_absent_to_absent_as_no_change() {
    let dir = setup();
    write(dir.path(), "big.score", BIG);
    write(
        dir.path(),
        "new.score",
        BIG.replace("lead.x * 10000000000\n", "lead.x\n"),
    );
    write(dir.path(), "l.jsonl", "{\"id\":\"L1\",\"x\":2e302}\n");
    let diff = |old: &str, new: &str| {
        let output = leadscore(dir.path())
            .args(["diff", old, new, "--leads", "l.jsonl", "--as-of", AS_OF])
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let changed = |name: &str| {
            let score = report["scores"].as_array().unwrap();
            let score = score.iter().find(|s| s["score"] == name).unwrap();
            score["changed"]["leads"].as_u64().unwrap()
        };
        (changed("huge"), changed("nan"))
    };
    // The same model: NaN was counted as a change from NaN.
    assert_eq!(diff("big.score", "big.score"), (0, 0));
    // `huge` goes from absent to 2e302: a change (without a figure).
    assert_eq!(diff("big.score", "new.score"), (1, 0));
}

// ---- Item 12: records set aside keep their text; bad UTF-8 is one bad row ----

/// The rejects of a run, one JSON object per record.
fn rejects(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_lead_listed_twice_is_set_aside_with_its_record() {
    let dir = setup();
    write(dir.path(), "l.csv", "id,name\nL1,a\nL1,b\n");
    write(
        dir.path(),
        "l.jsonl",
        "{\"id\":\"L1\",\"name\":\"a\"}\n{\"id\":\"L1\",  \"name\":\"b\"}\n",
    );
    for (file, record) in [
        ("l.csv", "L1,b"),
        ("l.jsonl", "{\"id\":\"L1\",  \"name\":\"b\"}"),
    ] {
        // JSON Lines is read on every core, CSV (and explain) record by record.
        for command in ["score", "explain"] {
            let mut args = vec![command, "m.score", "--leads", file, "--rejects", "r.jsonl"];
            args.extend(["--as-of", AS_OF]);
            if command == "explain" {
                args.extend(["--lead", "L1"]);
            }
            let output = leadscore(dir.path()).args(&args).output().unwrap();
            assert!(output.status.success(), "{}", stderr(&output));
            let rejects = rejects(dir.path());
            assert_eq!(rejects.len(), 1, "{rejects:?}");
            assert_eq!(rejects[0]["code"], "E0804");
            assert_eq!(rejects[0]["line"], 3 - u64::from(file.ends_with("jsonl")));
            assert_eq!(rejects[0]["record"], record, "{command} {file}");
        }
    }
}

#[test]
fn a_csv_row_that_is_not_utf8_is_set_aside_and_the_run_goes_on() {
    let dir = setup();
    write(dir.path(), "l.csv", b"id,name\nL1,a\nL2,b\xff\nL3,c\n");
    write(
        dir.path(),
        "e.csv",
        b"lead,type,ts,v\nL1,e,2026-10-01,1\nL2,e\xff,2026-10-01,2\nL3,e,2026-10-01,3\n",
    );
    let output = score(
        dir.path(),
        &[
            "--leads",
            "l.csv",
            "--events",
            "e.csv",
            "--rejects",
            "r.jsonl",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    // L2's lead and event are both set aside: L1 and L3 are scored.
    assert_eq!(stdout(&output).lines().count(), 2, "{}", stdout(&output));
    let lines: Vec<_> = rejects(dir.path())
        .iter()
        .map(|r| (r["file"].clone(), r["line"].clone()))
        .collect();
    assert_eq!(
        lines,
        [("l.csv".into(), 3.into()), ("e.csv".into(), 3.into())]
    );
    assert!(
        !stderr(&output).contains("use --rejects"),
        "{}",
        stderr(&output)
    );
}

// ---- Item 14: the smaller promises of the data path ----

#[test]
fn a_directory_given_as_data_is_an_unreadable_input() {
    let dir = setup();
    std::fs::create_dir(dir.path().join("d.csv")).unwrap();
    for option in ["--leads", "--events"] {
        let output = score(dir.path(), &[option, "d.csv"]);
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(
            message.contains("error[E0806]: cannot read `d.csv`: it is a directory"),
            "{message}"
        );
    }
}

#[test]
fn a_byte_order_mark_is_skipped_at_the_start_of_a_file_only() {
    let dir = setup();
    write(
        dir.path(),
        "l.jsonl",
        b"\xEF\xBB\xBF{\"id\":\"L1\",\"name\":\"a\"}\n",
    );
    write(dir.path(), "l.csv", b"\xEF\xBB\xBFid,name\nL1,a\n");
    for file in ["l.jsonl", "l.csv"] {
        let output = score(dir.path(), &["--leads", file]);
        assert!(output.status.success(), "{file}: {}", stderr(&output));
        assert!(
            stdout(&output).starts_with("{\"lead\":\"L1\""),
            "{}",
            stdout(&output)
        );
    }
    // Further in, it is part of the record: a bad JSON line, part of a CSV cell.
    write(
        dir.path(),
        "l.jsonl",
        b"{\"id\":\"L1\",\"name\":\"a\"}\n\xEF\xBB\xBF{\"id\":\"L2\"}\n",
    );
    write(dir.path(), "l.csv", b"id,name\nL1,a\n\xEF\xBB\xBFL2,b\n");
    let output = score(dir.path(), &["--leads", "l.jsonl", "--rejects", "r.jsonl"]);
    assert_eq!(rejects(dir.path())[0]["line"], 2, "{}", stderr(&output));
    let output = score(dir.path(), &["--leads", "l.csv"]);
    assert!(
        stdout(&output).contains("{\"lead\":\"\u{feff}L2\""),
        "{}",
        stdout(&output)
    );
}

/// The time of L1's one event, as `explain` dates it, for `ts` as written in `file`.
fn event_date(dir: &Path, file: &str, text: &str) -> Result<String, String> {
    write(dir, file, text);
    let output = leadscore(dir)
        .args([
            "explain", "m.score", "--events", file, "--lead", "L1", "--as-of", AS_OF,
        ])
        .output()
        .unwrap();
    let table = stdout(&output);
    match table.lines().find_map(|l| l.trim().strip_prefix("event ")) {
        Some(date) => Ok(date.to_string()),
        None => Err(stderr(&output)),
    }
}

#[test]
fn epochs_read_alike_as_json_numbers_json_text_and_csv_cells() {
    let dir = setup();
    for (epoch, date) in [
        ("1790000000", Ok("2026-09-21")),
        ("1790000000.5", Ok("2026-09-21")),
        ("1.79e9", Ok("2026-09-21")),
        ("-1", Ok("1969-12-31")),
        (
            "1e300",
            Err("1e300 seconds since 1970 is after the year 9999"),
        ),
        ("-1e300", Err("-1e300 seconds since 1970 is out of range")),
    ] {
        let forms = [
            (
                "e.jsonl",
                format!("{{\"lead\":\"L1\",\"type\":\"e\",\"ts\":{epoch}}}\n"),
            ),
            (
                "e.jsonl",
                format!("{{\"lead\":\"L1\",\"type\":\"e\",\"ts\":\"{epoch}\"}}\n"),
            ),
            ("e.csv", format!("lead,type,ts\nL1,e,{epoch}\n")),
        ];
        for (file, text) in forms {
            match (event_date(dir.path(), file, &text), date) {
                (Ok(seen), Ok(date)) => assert_eq!(seen, date, "{text}"),
                (Err(message), Err(expected)) => {
                    assert!(
                        message.contains(expected) && message.contains("E0803"),
                        "{text}: {message}"
                    )
                }
                (seen, _) => panic!("{text}: {seen:?}"),
            }
        }
    }
}

#[test]
fn csv_cells_and_json_text_are_taken_as_written() {
    // Neither format trims an id or a string: ` L1 ` is not `L1`.
    let dir = setup();
    write(dir.path(), "l.csv", "id,name\n L1 , a \n");
    write(
        dir.path(),
        "l.jsonl",
        "{\"id\":\" L1 \",\"name\":\" a \"}\n",
    );
    for file in ["l.csv", "l.jsonl"] {
        let output = score(dir.path(), &["--leads", file]);
        assert!(
            stdout(&output).starts_with("{\"lead\":\" L1 \""),
            "{file}: {}",
            stdout(&output)
        );
    }
}

#[test]
fn ints_are_exact_or_refused() {
    let dir = setup();
    write(dir.path(), "i.score", "lead { n: int }\nscore c = lead.n\n");
    let run = |file: &str, text: &str| {
        write(dir.path(), file, text);
        leadscore(dir.path())
            .args(["score", "i.score", "--leads", file, "--as-of", AS_OF])
            .output()
            .unwrap()
    };
    for (file, text) in [
        ("l.jsonl", "{\"id\":\"L1\",\"n\":9007199254740991}\n"),
        ("l.csv", "id,n\nL1,-9007199254740991\n"),
    ] {
        let output = run(file, text);
        assert!(output.status.success(), "{}", stderr(&output));
    }
    // 2^53 + 1 would be read as 2^53.
    for (file, text) in [
        ("l.jsonl", "{\"id\":\"L1\",\"n\":9007199254740993}\n"),
        ("l.csv", "id,n\nL1,9007199254740993\n"),
        ("l.jsonl", "{\"id\":\"L1\",\"n\":1e20}\n"),
    ] {
        let output = run(file, text);
        assert_eq!(output.status.code(), Some(1), "{text}");
        let message = stderr(&output);
        assert!(
            message.contains("E0803") && message.contains("too large for an int"),
            "{message}"
        );
    }
}

#[test]
fn explain_refuses_one_lead_asked_for_twice() {
    let dir = setup();
    write(dir.path(), "e.csv", events_csv(&["1"]));
    let output = leadscore(dir.path())
        .args([
            "explain", "m.score", "--events", "e.csv", "--lead", "L1", "--lead", "L1",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("cannot be used multiple times"),
        "{}",
        stderr(&output)
    );
}
