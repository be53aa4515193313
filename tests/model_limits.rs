//! No model makes the compiler panic, overflow its stack, hang or exhaust memory: long
//! chains of references in any order, import paths and sizes, constants out of range.
//! (`docs/reliability.md` lists the promises and limits these tests hold.)

use leadscore::check::loader::MAX_MODEL_BYTES;
use leadscore::diagnostics::{render, Code};
use leadscore::{Checked, FsLoader, Loader, MemoryLoader, Plan, Scorer, Value};
use std::fmt::Write as _;

/// Runs `f` on a thread with a small stack (that of a test thread, 2 MiB), so a
/// recursion as deep as the model is long overflows it, whatever the main thread's.
/// (Before the chains were followed iteratively, 5,000 constants overflowed the main
/// thread's 8 MiB, and the chains of 30,000 below overflow 2 MiB.)
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn check(text: String) -> Checked {
    on_small_stack(move || leadscore::check_source("model.score", &text, &MemoryLoader::new()))
}

fn rendered(checked: &Checked) -> String {
    render::human(
        &checked.diagnostics.clone().into_vec(),
        &checked.sources,
        false,
    )
}

fn codes(checked: &Checked) -> Vec<Code> {
    checked.diagnostics.iter().map(|d| d.code).collect()
}

/// Compiles `text` (no errors expected), loads its plan back from bytes (which verifies
/// it) and gives lead `L1` with `x` = 5 to it; returns the outcome's scores and flags.
fn compile_and_score(text: String) -> leadscore::Outcome {
    on_small_stack(move || {
        let compiled = leadscore::compile_source("model.score", &text, &MemoryLoader::new());
        let plan = compiled.plan.expect("the model compiles");
        let scorer = Scorer::new(Plan::from_bytes(&plan.to_bytes()).unwrap()).unwrap();
        let lead = scorer.lead("L1", [("x", Value::Number(5.0))]).unwrap();
        scorer.evaluate(&lead, &[], 0, false)
    })
}

// --------------------------------------------------------------- reference chains

#[test]
fn a_chain_of_5000_constants_written_in_reverse_order_folds() {
    let mut text = String::from("lead { x: int }\nscore s { when lead.x < c4999 +1 }\n");
    for i in (1..5000).rev() {
        let _ = writeln!(text, "let c{i} = c{} + 1", i - 1);
    }
    text.push_str("let c0 = 1\n");
    let outcome = compile_and_score(text);
    assert_eq!(outcome.score("s"), Some(1.0)); // 5 < 5000
}

#[test]
fn a_chain_of_30_000_flags_written_in_reverse_order_compiles_and_runs() {
    let mut text = String::from("lead { x: int }\n");
    for i in (1..30_000).rev() {
        let _ = writeln!(text, "flag f{i} when f{}", i - 1);
    }
    text.push_str("flag f0 when lead.x > 1\n");
    let outcome = compile_and_score(text);
    assert_eq!(outcome.flag("f29999"), Some(true));
}

#[test]
fn a_chain_of_derived_scores_written_in_reverse_order_compiles_and_runs() {
    let mut text = String::from("lead { x: int }\n");
    for i in (1..30_000).rev() {
        let _ = writeln!(text, "score s{i} = s{} + 1", i - 1);
    }
    text.push_str("score s0 { when lead.x > 1 +1 }\n");
    let outcome = compile_and_score(text);
    assert_eq!(outcome.score("s29999"), Some(30_000.0));
}

#[test]
fn a_cycle_of_30_000_scores_is_one_error_with_a_short_note() {
    let mut text = String::from("lead { x: int }\n");
    for i in 0..30_000 {
        let _ = writeln!(text, "score s{i} = s{}", (i + 1) % 30_000);
    }
    let checked = check(text);
    assert_eq!(codes(&checked), [Code::Cycle]);
    let note = &checked.diagnostics.iter().next().unwrap().notes[0];
    assert_eq!(
        note,
        "cycle: `s0` → `s1` → `s2` → `s3` → `s4` → `s5` → `s6` → `s7` → `s8` → `s9` → `s10` → `s11` → … (29988 more) → `s0`"
    );
}

#[test]
fn a_cycle_of_constants_is_reported_where_it_closes() {
    // `c0` uses `c1`, which uses `c2` … and `c19999` uses `c0`: that use closes the cycle.
    let mut text = String::from("lead { x: int }\nscore s { when lead.x < c0 +1 }\n");
    for i in 0..20_000 {
        let _ = writeln!(text, "let c{i} = c{} + 1", (i + 1) % 20_000);
    }
    let checked = check(text);
    assert_eq!(codes(&checked), [Code::Cycle], "{}", rendered(&checked));
    let closing = checked.diagnostics.iter().next().unwrap();
    let at = checked
        .sources
        .position(closing.primary.span.file, closing.primary.span.start);
    assert_eq!((at.line, at.column), (20_002, 14)); // `let c19999 = c0 + 1`
}

#[test]
fn many_uses_closing_long_cycles_take_linear_memory() {
    // Every score uses the next and the first: 20,000 cycles, most of them long.
    let mut text = String::from("lead { x: int }\n");
    for i in 0..20_000 {
        let _ = writeln!(text, "score s{i} = s{} + s0", i + 1);
    }
    text.push_str("score s20000 = s0\n");
    let checked = check(text);
    assert_eq!(checked.diagnostics.len(), 20_001);
    assert!(codes(&checked).iter().all(|c| *c == Code::Cycle));
}

#[test]
fn a_chain_of_10_000_imports_loads() {
    let mut loader = MemoryLoader::new();
    for i in 1..10_000 {
        loader = loader.with(
            format!("f{i}.score"),
            format!("import \"f{}.score\"\nlet c{i} = {i}\n", i + 1),
        );
    }
    loader = loader.with("f10000.score", "lead { x: int }\n");
    let checked = on_small_stack(move || {
        leadscore::check_source("main.score", "import \"f1.score\"\n", &loader)
    });
    assert!(checked.diagnostics.is_empty(), "{}", rendered(&checked));
    assert!(checked.model.is_some());
}

// --------------------------------------------------------------------------- imports

#[test]
fn parent_directories_in_an_import_add_up() {
    // From `m.score` in `top/a/b`, `../../base.score` is `top/base.score`, not the
    // `base.score` beside the model (where the second `..` undoing the first led).
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("a/b");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(top.path().join("base.score"), "lead { up_two: int }\n").unwrap();
    std::fs::write(dir.join("base.score"), "lead { beside: int }\n").unwrap();
    let model = "import \"../../base.score\"\nscore s { when lead.up_two > 1 +1 }\n";
    std::fs::write(dir.join("m.score"), model).unwrap();
    let output = std::process::Command::new(insta_cmd::get_cargo_bin("leadscore"))
        .current_dir(&dir)
        .args(["check", "m.score"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn an_import_of_a_file_that_never_ends_is_refused_at_once() {
    let checked = leadscore::check_source(
        "model.score",
        "import \"/dev/zero\"\nlead { x: int }\n",
        &FsLoader,
    );
    assert_eq!(
        codes(&checked),
        [Code::FileTooLarge],
        "{}",
        rendered(&checked)
    );
}

#[test]
fn a_model_file_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("lead {{ x: int }}\n{}", "#".repeat(MAX_MODEL_BYTES));
    std::fs::write(dir.path().join("big.score"), &big).unwrap();
    std::fs::write(dir.path().join("main.score"), "import \"big.score\"\n").unwrap();
    let checked = leadscore::check_file(&dir.path().join("main.score")).unwrap();
    assert_eq!(
        codes(&checked),
        [Code::FileTooLarge],
        "{}",
        rendered(&checked)
    );
    let error = leadscore::check_file(&dir.path().join("big.score")).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::FileTooLarge);
    // A file of exactly the limit is read.
    std::fs::write(dir.path().join("fits.score"), &big[..MAX_MODEL_BYTES]).unwrap();
    let fits = FsLoader.read(&dir.path().join("fits.score")).unwrap();
    assert_eq!(fits.len(), MAX_MODEL_BYTES);
    // The limit holds for text from memory too, for the main file and its imports.
    let loader = MemoryLoader::new().with("big.score", big.clone());
    let checked = leadscore::check_source("main.score", "import \"big.score\"\n", &loader);
    assert_eq!(codes(&checked), [Code::FileTooLarge]);
    let checked = leadscore::check_source("big.score", &big, &loader);
    assert_eq!(
        codes(&checked),
        [Code::FileTooLarge],
        "{}",
        rendered(&checked)
    );
    assert!(rendered(&checked).contains("`big.score` is too large for a model"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_command_given_a_file_that_never_ends_refuses_it_at_once() {
    let commands: [&[&str]; 2] = [&["check", "/dev/zero"], &["plan", "show", "/dev/zero"]];
    for args in commands {
        let output = std::process::Command::new(insta_cmd::get_cargo_bin("leadscore"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("error: `/dev/zero` is too large for a model: larger than 10 MiB"),
            "{args:?}: {stderr}"
        );
    }
}

// ------------------------------------------------------------------ constant folding

/// `1` and 308 zeros: the largest power of ten a number holds.
fn ten_to_308() -> String {
    format!("1{}", "0".repeat(308))
}

#[test]
fn constant_arithmetic_out_of_range_is_an_error_not_a_panic() {
    let big = ten_to_308();
    for (value, line_col) in [
        ("@2026-01-01 + 106751991d".to_string(), (2, 9)),
        ("@2026-01-01 - 106751991d - 106751991d".to_string(), (2, 9)),
        ("106751991d + 106751991d".to_string(), (2, 9)),
        (format!("{big} * 10"), (2, 9)),
        (format!("-{big} - {big}"), (2, 9)),
        (format!("2 * ({big} + {big})"), (2, 14)),
        ("1 / 0".to_string(), (2, 9)),
        ("0 / 0".to_string(), (2, 9)),
    ] {
        let text = format!("lead {{ x: int }}\nlet c = {value}\nscore s {{ when c == c +1 }}\n");
        let checked = check(text);
        assert_eq!(
            codes(&checked),
            [Code::OutOfRange],
            "{value}: {}",
            rendered(&checked)
        );
        let d = checked.diagnostics.iter().next().unwrap();
        let at = checked
            .sources
            .position(d.primary.span.file, d.primary.span.start);
        assert_eq!((at.line, at.column), line_col, "{value}");
    }
}

#[test]
fn band_thresholds_and_list_items_out_of_range_are_errors() {
    let big = ten_to_308();
    let threshold = format!(
        "lead {{ x: int }}\nscore s {{ when lead.x > 1 +1 }}\ngrade s {{ A >= {big} * 10; B }}\n"
    );
    // (A band without its threshold then hides the next one: a warning follows.)
    assert_eq!(codes(&check(threshold))[0], Code::OutOfRange);
    let list = format!("lead {{ x: int }}\nscore s {{ when lead.x in [1, {big} * 10] +1 }}\n");
    assert_eq!(codes(&check(list)), [Code::OutOfRange]);
}

#[test]
fn the_help_on_a_zero_duration_fits_where_it_is() {
    let help = |text: &str| {
        let checked = check(text.to_string());
        let d = checked.diagnostics.iter().next().expect("a diagnostic");
        assert_eq!(d.code, Code::ZeroDuration);
        d.help.clone().unwrap()
    };
    let value = help("lead { wait: duration }\nscore s { when lead.wait == 0s +1 }\n");
    assert!(!value.contains("window"), "{value}");
    assert!(value.contains("`< 1s`"), "{value}");
    let window = help("event e {}\nscore s { on e +1 within 0d }\n");
    assert!(window.contains("window"), "{window}");
    let test = help(
        "lead { wait: duration }\nscore s { when lead.wait > 1s +1 }\n\
         test \"t\" {\n  as of @2026-01-01\n  lead { wait: 0s }\n  expect s == 0\n}\n",
    );
    assert!(!test.contains("window"), "{test}");
}
