//! Inputs and outputs as people have them (issue 11): compressed files and `-` for
//! standard input wherever a file is read, the output format from `-o`'s extension, and
//! a run summary for tools (`--summary json`, `--summary-file`, `--quiet`).

use insta_cmd::get_cargo_bin;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const AS_OF: &str = "2026-11-01T00:00:00Z";
const B2B_LEADS: &str = "examples/data/b2b/leads.jsonl";
const B2B_EVENTS: &str = "examples/data/b2b/events.jsonl";

fn leadscore() -> Command {
    let mut command = Command::new(get_cargo_bin("leadscore"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    command
}

/// Runs `command` with `stdin` on its standard input.
fn run_with_stdin(command: &mut Command, stdin: &[u8]) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that refuses its arguments may exit before reading: ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn succeeded(output: Output) -> Vec<u8> {
    assert!(output.status.success(), "{}", stderr(&output));
    output.stdout
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

/// Writes `bytes` as `name` in `dir`; returns the path.
fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Generated B2B data, large enough (about 8.5 MB of events) that the parallel reader
/// cuts it into several blocks.
fn generated() -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    succeeded(
        leadscore()
            .args([
                "gen", "--leads", "2000", "--events", "100000", "--seed", "5",
            ])
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap(),
    );
    let leads = std::fs::read(dir.path().join("leads.jsonl")).unwrap();
    let events = std::fs::read(dir.path().join("events.jsonl")).unwrap();
    assert!(events.len() > 3 * (4 << 20) / 2, "more than one block");
    (dir, leads, events)
}

fn score(leads: &Path, events: &Path) -> Command {
    let mut command = leadscore();
    command
        .args(["score", "examples/b2b.score", "--as-of", AS_OF])
        .arg("--leads")
        .arg(leads)
        .arg("--events")
        .arg(events);
    command
}

#[test]
fn plain_gzip_zstd_and_stdin_data_score_to_the_same_bytes() {
    let (dir, leads, events) = generated();
    let d = dir.path();
    let plain = succeeded(
        score(&d.join("leads.jsonl"), &d.join("events.jsonl"))
            .output()
            .unwrap(),
    );
    assert_eq!(plain.iter().filter(|b| **b == b'\n').count(), 2000);
    let gz = (
        write(d, "leads.jsonl.gz", &gzip(&leads)),
        write(d, "events.jsonl.gz", &gzip(&events)),
    );
    let zst = (
        write(d, "leads.jsonl.zst", &zstd(&leads)),
        write(d, "events.jsonl.zst", &zstd(&events)),
    );
    // Compressed data under a plain name: the bytes decide.
    let hidden = write(d, "events-gz.jsonl", &gzip(&events));
    for (leads, events) in [&gz, &zst, &(zst.0.clone(), hidden)] {
        let out = succeeded(score(leads, events).output().unwrap());
        assert!(out == plain, "{} and {}", leads.display(), events.display());
    }
    let stdin = Path::new("-");
    for (leads, events, input) in [
        (d.join("leads.jsonl"), stdin.to_path_buf(), events.clone()),
        (d.join("leads.jsonl"), stdin.to_path_buf(), gzip(&events)),
        (stdin.to_path_buf(), gz.1.clone(), zstd(&leads)),
    ] {
        let out = succeeded(run_with_stdin(&mut score(&leads, &events), &input));
        assert!(out == plain, "{} and {}", leads.display(), events.display());
    }
    // The sequential reader (explain reads one lead's records) sees the same records.
    let explain = |leads: &Path, events: &Path, stdin: &[u8]| {
        let mut command = leadscore();
        command
            .args(["explain", "examples/b2b.score", "--as-of", AS_OF])
            .args(["--lead", "L0000042", "--leads"])
            .arg(leads)
            .arg("--events")
            .arg(events);
        succeeded(run_with_stdin(&mut command, stdin))
    };
    let table = explain(&d.join("leads.jsonl"), &d.join("events.jsonl"), b"");
    assert_eq!(explain(&gz.0, Path::new("-"), &zstd(&events)), table);
}

#[test]
fn compressed_csv_is_read_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let read = |name: &str| std::fs::read(Path::new("examples/data/loyalty").join(name)).unwrap();
    let leads = write(
        dir.path(),
        "customers.csv.gz",
        &gzip(&read("customers.csv")),
    );
    let events = write(dir.path(), "events.csv.zst", &zstd(&read("events.csv")));
    let run = |leads: &Path, events: &Path| {
        let mut command = leadscore();
        command
            .args(["score", "examples/loyalty.score", "--as-of", AS_OF])
            .arg("--leads")
            .arg(leads)
            .arg("--events")
            .arg(events);
        succeeded(command.output().unwrap())
    };
    let plain = run(
        Path::new("examples/data/loyalty/customers.csv"),
        Path::new("examples/data/loyalty/events.csv"),
    );
    assert_eq!(run(&leads, &events), plain);
}

#[test]
fn a_truncated_gzip_file_is_a_clear_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let events = std::fs::read(B2B_EVENTS).unwrap().repeat(50);
    let gz = gzip(&events);
    let cut = write(dir.path(), "events.jsonl.gz", &gz[..gz.len() / 2]);
    let output = score(Path::new(B2B_LEADS), &cut).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.contains(&format!("{}:", cut.display()))
            && message.contains("the gzip data is damaged or cut short"),
        "{message}"
    );
    assert!(!message.contains("UTF-8"), "{message}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_name_that_says_compressed_over_plain_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let events = write(
        dir.path(),
        "events.jsonl.gz",
        &std::fs::read(B2B_EVENTS).unwrap(),
    );
    let output = score(Path::new(B2B_LEADS), &events).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!(
            "error[E0806]: cannot read `{}`: the name says gzip data (`.gz`), but the bytes are not compressed",
            events.display()
        )),
        "{}",
        stderr(&output)
    );
}

#[test]
fn standard_input_can_be_given_once_per_command() {
    let output = run_with_stdin(
        leadscore().args(["score", "-", "--leads", "-", "--events", B2B_EVENTS]),
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("error: `-` (standard input) is given for the model and --leads, but standard input can be read only once"),
        "{}",
        stderr(&output)
    );
    let output = run_with_stdin(
        leadscore().args([
            "diff",
            "examples/b2b.score",
            "-",
            "--leads",
            "-",
            "--events",
            "-",
        ]),
        b"",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is given for NEW, --leads and --events"),
        "{}",
        stderr(&output)
    );
    let output = run_with_stdin(leadscore().args(["check", "-", "-"]), b"score s {}\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`-` (standard input) is given more than once"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn models_come_from_stdin_too() {
    // (A model from stdin resolves its imports from the current directory: this one
    // has none.)
    let score = |model: &str| {
        let mut command = leadscore();
        command.args(["score", model, "--as-of", AS_OF]).args([
            "--leads",
            "examples/data/matrix/leads.jsonl",
            "--events",
            "examples/data/matrix/events.jsonl",
        ]);
        command
    };
    let from_file = succeeded(score("examples/matrix.score").output().unwrap());
    let model = std::fs::read("examples/matrix.score").unwrap();
    assert_eq!(
        succeeded(run_with_stdin(&mut score("-"), &gzip(&model))),
        from_file
    );
    // check names standard input `<stdin>` in its diagnostics.
    let output = run_with_stdin(leadscore().args(["check", "-"]), b"score s { on x +1 }\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("<stdin>:1:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn fmt_of_stdin_writes_the_formatted_model_to_stdout() {
    let messy = b"score   s {   when true    +1 }\n";
    let formatted = succeeded(run_with_stdin(leadscore().args(["fmt", "-"]), messy));
    let formatted = String::from_utf8(formatted).unwrap();
    // What `fmt` makes of the same model in a file.
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "m.score", messy);
    succeeded(leadscore().arg("fmt").arg(&file).output().unwrap());
    assert_eq!(formatted, std::fs::read_to_string(&file).unwrap());
    assert_ne!(formatted.as_bytes(), messy);
    // Already formatted: printed all the same.
    let again = run_with_stdin(leadscore().args(["fmt", "-"]), formatted.as_bytes());
    assert_eq!(succeeded(again), formatted.as_bytes());
    let check = run_with_stdin(leadscore().args(["fmt", "--check", "-"]), messy);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(check.stdout, b"<stdin>\n");
}

#[test]
fn diff_reads_stdin_data_for_both_models() {
    let diff = |events: &str| {
        let mut command = leadscore();
        command.args([
            "diff",
            "examples/b2b.score",
            "examples/changes/b2b-v2.score",
            "--leads",
            B2B_LEADS,
            "--events",
            events,
            "--as-of",
            AS_OF,
        ]);
        command
    };
    let from_file = succeeded(diff(B2B_EVENTS).output().unwrap());
    let events = gzip(&std::fs::read(B2B_EVENTS).unwrap());
    assert_eq!(
        succeeded(run_with_stdin(&mut diff("-"), &events)),
        from_file
    );
}

fn b2b_to(output: &Path, extra: &[&str]) -> Vec<u8> {
    let mut command = score(Path::new(B2B_LEADS), Path::new(B2B_EVENTS));
    command.arg("-o").arg(output).args(extra);
    assert!(succeeded(command.output().unwrap()).is_empty());
    std::fs::read(output).unwrap()
}

#[test]
fn the_output_file_name_chooses_the_format() {
    let dir = tempfile::tempdir().unwrap();
    let base = score(Path::new(B2B_LEADS), Path::new(B2B_EVENTS));
    let csv = succeeded({ base }.args(["--format", "csv"]).output().unwrap());
    let jsonl = succeeded(
        score(Path::new(B2B_LEADS), Path::new(B2B_EVENTS))
            .output()
            .unwrap(),
    );
    assert!(csv.starts_with(b"lead,fit,engagement,"));
    assert_eq!(b2b_to(&dir.path().join("out.csv"), &[]), csv);
    assert_eq!(b2b_to(&dir.path().join("OUT.CSV"), &[]), csv);
    assert_eq!(b2b_to(&dir.path().join("out.jsonl"), &[]), jsonl);
    assert_eq!(b2b_to(&dir.path().join("out.json"), &[]), jsonl);
    // An unknown extension keeps the default; --format says otherwise.
    assert_eq!(b2b_to(&dir.path().join("out.txt"), &[]), jsonl);
    let forced = b2b_to(&dir.path().join("x.csv"), &["--format", "jsonl"]);
    assert_eq!(forced, jsonl);
    assert_eq!(
        b2b_to(&dir.path().join("x.jsonl"), &["--format", "csv"]),
        csv
    );
}

/// The JSON summary a command printed as the last line of stderr.
fn summary_of(output: &Output) -> serde_json::Value {
    let text = stderr(output);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn a_json_summary_replaces_the_prose_one() {
    let output = score(Path::new(B2B_LEADS), Path::new(B2B_EVENTS))
        .args(["--summary", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(stderr(&output).lines().count(), 1, "{}", stderr(&output));
    let summary = summary_of(&output);
    assert_eq!(summary["command"], "score");
    assert_eq!(summary["status"], "ok");
    assert_eq!(summary["exit_code"], 0);
    assert_eq!(summary["as_of"], AS_OF);
    assert_eq!(summary["error"], serde_json::Value::Null);
    let run = &summary["runs"][0];
    assert_eq!(run["model"], "examples/b2b.score");
    // Ten lead records, and one lead seen only in events.
    assert_eq!(run["leads"], 11);
    assert_eq!(run["events"]["read"], 40);
    assert_eq!(run["rejected"], 0);
    assert_eq!(
        run["files"],
        serde_json::json!([
            {"input": "leads", "file": B2B_LEADS, "format": "jsonl", "records": 10, "rejected": 0},
            {"input": "events", "file": B2B_EVENTS, "format": "jsonl", "records": 40, "rejected": 0},
        ])
    );
    for phase in ["read_leads", "read_events", "score", "write", "total"] {
        assert!(
            summary["seconds"][phase].as_f64().unwrap() >= 0.0,
            "{phase}"
        );
    }
}

#[test]
fn the_summary_counts_bad_records_per_file_and_tells_how_a_run_ended() {
    let dir = tempfile::tempdir().unwrap();
    let leads = write(
        dir.path(),
        "leads.csv",
        b"id,industry,company_size,country\nL1,software,12,DE\nL2,software,many,DE\n",
    );
    let events = write(
        dir.path(),
        "events.jsonl",
        b"{\"lead\":\"L1\",\"type\":\"demo.request\",\"ts\":\"2026-10-01\"}\n{\"lead\":\"L1\",\"type\":\"demo.request\",\"ts\":\"soon\"}\n{\"lead\":\"L1\",\"type\":\"other\",\"ts\":\"2026-10-02\"}\n",
    );
    let rejects = dir.path().join("rejects.jsonl");
    let summary_file = dir.path().join("summary.json");
    let output = score(&leads, &events)
        .arg("--rejects")
        .arg(&rejects)
        .arg("--summary-file")
        .arg(&summary_file)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // The prose summary is still there; the file has the JSON.
    assert!(stderr(&output).contains("2 bad records set aside"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary_file).unwrap()).unwrap();
    let run = &summary["runs"][0];
    assert_eq!((&run["leads"], &run["rejected"]), (&1.into(), &2.into()));
    assert_eq!(
        (&run["files"][0]["format"], &run["files"][0]["records"]),
        (&"csv".into(), &1.into())
    );
    assert_eq!(run["files"][0]["rejected"], 1);
    assert_eq!(run["files"][1]["records"], 2);
    assert_eq!(run["files"][1]["rejected"], 1);
    assert_eq!(
        run["events"],
        serde_json::json!({"read": 2, "after_as_of": 0, "ignored": 1, "ignored_by_type": {"other": 1}})
    );

    // Without --rejects, the first bad record stops the run: exit 1, and why.
    let output = score(&leads, &events)
        .args(["--summary", "json", "--quiet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let summary = summary_of(&output);
    assert_eq!(
        (&summary["status"], &summary["exit_code"]),
        (&"findings".into(), &1.into())
    );
    assert_eq!(summary["runs"], serde_json::json!([]));
    assert_eq!(summary["error"]["code"], "E0803");
    let message = summary["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("{}:3:", leads.display())),
        "{message}"
    );
    // The error is on stderr as well, quiet or not.
    assert!(stderr(&output).contains(&format!("error[E0803]: {message}")));

    // A file that cannot be read: exit 2.
    let output = score(&dir.path().join("missing.jsonl"), &events)
        .args(["--summary", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(summary_of(&output)["status"], "error");
}

#[test]
fn quiet_runs_print_only_results_and_errors() {
    let output = score(Path::new(B2B_LEADS), Path::new(B2B_EVENTS))
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(stderr(&output), "");
    assert_eq!(output.stdout.iter().filter(|b| **b == b'\n').count(), 11);
    let output = leadscore()
        .args(["explain", "examples/b2b.score", "--lead", "nobody", "-q"])
        .args(["--leads", B2B_LEADS, "--events", B2B_EVENTS])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "error: no lead `nobody` in the leads or events given\n"
    );
}

#[test]
fn explain_and_diff_give_summaries_too() {
    let output = leadscore()
        .args(["explain", "examples/b2b.score", "--lead", "L002"])
        .args([
            "--leads", B2B_LEADS, "--events", B2B_EVENTS, "--as-of", AS_OF,
        ])
        .args(["--summary", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let summary = summary_of(&output);
    assert_eq!(summary["command"], "explain");
    let run = &summary["runs"][0];
    // One lead kept, every record of the files read.
    assert_eq!(run["leads"], 1);
    assert_eq!(run["files"][0]["records"], 10);
    assert_eq!(run["files"][1]["records"], 40);

    let output = leadscore()
        .args([
            "diff",
            "examples/b2b.score",
            "examples/changes/b2b-v2.score",
        ])
        .args([
            "--leads", B2B_LEADS, "--events", B2B_EVENTS, "--as-of", AS_OF,
        ])
        .args(["--summary", "json", "--max-grade-changes", "10"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let summary = summary_of(&output);
    assert_eq!(summary["command"], "diff");
    let models: Vec<&str> = summary["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| run["model"].as_str().unwrap())
        .collect();
    assert_eq!(
        models,
        ["examples/b2b.score", "examples/changes/b2b-v2.score"]
    );
    assert_eq!(summary["status"], "findings");
    assert!(summary["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("limit exceeded: 18.2% of leads change band"));
}
