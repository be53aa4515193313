//! `leadscore gen`: synthetic data for the B2B example (the same bytes as ever) and, with
//! `--model`, for any model's schema, with values its rules test for.

use insta_cmd::get_cargo_bin;
use leadscore::plan::ScoreBody;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

/// The example models (`examples/b2b.test.score` only adds tests to `b2b.score`).
const EXAMPLES: &[&str] = &[
    "examples/b2b.score",
    "examples/matrix.score",
    "examples/loyalty.score",
    "examples/changes/b2b-v2.score",
];

/// Runs `leadscore` with `args`, expecting success.
fn leadscore(args: &[&str]) -> Output {
    let output = Command::new(get_cargo_bin("leadscore"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Generates data into a new directory.
fn gen(args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display().to_string();
    leadscore(&[&["gen"], args, &["--out", &out]].concat());
    dir
}

fn files(dir: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        std::fs::read(dir.join("leads.jsonl")).unwrap(),
        std::fs::read(dir.join("events.jsonl")).unwrap(),
    )
}

/// Scores generated data with explanations; a bad record would stop the run (there is no
/// `--rejects`), so success means every record was read.
fn score(model: &str, dir: &Path) -> Vec<serde_json::Value> {
    let file = |name: &str| dir.join(name).display().to_string();
    let (leads, events) = (file("leads.jsonl"), file("events.jsonl"));
    let output = leadscore(&[
        "score",
        model,
        "--as-of",
        "2026-11-01",
        "--explain",
        "--leads",
        &leads,
        "--events",
        &events,
    ]);
    let summary = String::from_utf8_lossy(&output.stderr);
    assert!(
        summary.contains("scored 300 leads from 6000 events"),
        "{summary}"
    );
    assert!(!summary.contains("bad record"), "{summary}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[test]
fn data_for_each_example_model_reads_cleanly_and_fires_a_rule_of_every_score() {
    for &model in EXAMPLES {
        let dir = gen(&[
            "--model", model, "--leads", "300", "--events", "6000", "--seed", "11",
        ]);
        let lines = score(model, dir.path());
        assert_eq!(lines.len(), 300, "{model}");
        let plan = leadscore::compile_file(Path::new(model))
            .unwrap()
            .plan
            .unwrap();
        for score in &plan.scores {
            if matches!(score.body, ScoreBody::Derived { .. }) {
                continue;
            }
            let fired = lines.iter().any(|line| {
                line["why"].as_array().unwrap().iter().any(|reason| {
                    reason["score"] == score.name.as_str()
                        && matches!(reason["kind"].as_str(), Some("rule" | "decay"))
                })
            });
            assert!(fired, "{model}: no rule of `{}` fired", score.name);
        }
    }
}

#[test]
fn data_for_every_field_type_reads_cleanly() {
    let model = "tests/golden/every_op.score";
    let dir = gen(&["--model", model, "--leads", "300", "--events", "6000"]);
    score(model, dir.path());
}

#[test]
fn data_for_a_model_is_the_same_for_a_seed_and_differs_between_seeds() {
    let args = |seed| {
        [
            "--model",
            "examples/loyalty.score",
            "--leads",
            "50",
            "--events",
            "500",
            "--seed",
            seed,
        ]
    };
    let first = files(gen(&args("4")).path());
    assert_eq!(first, files(gen(&args("4")).path()));
    assert_ne!(first, files(gen(&args("5")).path()));
}

#[test]
fn without_a_model_the_b2b_data_is_byte_for_byte_what_it_always_was() {
    let dir = gen(&["--leads", "200", "--events", "3000", "--seed", "7"]);
    let sha256 = |bytes: &[u8]| -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let (leads, events) = files(dir.path());
    // The digests of the output of the generator before `--model` existed.
    assert_eq!(
        sha256(&leads),
        "3decb43b04064b45756e8b550449793e5357e9b03ef0a8faa42c917090a5cfa7"
    );
    assert_eq!(
        sha256(&events),
        "570f446d02d3244ce0a3b7b7b30ea7d047ff05b8c63ee64cbdac4a50fb66a354"
    );
}
