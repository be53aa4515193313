//! Every diagnostic code `check` reports has a bad model under `tests/diagnostics/`, whose first line
//! says where the diagnostic must point: `# expect: E0301 at 4:6` (or at
//! `other/file.score:1:1` when the problem is in an imported file). Each rendering is
//! snapshotted.

use leadscore::diagnostics::{render, Code};
use leadscore::FsLoader;
use std::path::Path;

/// The crate-relative name of a test file, so snapshots do not contain absolute paths.
fn relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

struct Expectation {
    code: String,
    file: Option<String>,
    line: usize,
    column: usize,
}

fn expectation(text: &str, name: &str) -> Expectation {
    let first = text.lines().next().unwrap_or_default();
    let rest = first
        .strip_prefix("# expect: ")
        .unwrap_or_else(|| panic!("{name}: first line must be `# expect: CODE at LINE:COL`"));
    let (code, place) = rest.split_once(" at ").expect("`at`");
    let mut parts: Vec<&str> = place.rsplitn(3, ':').collect();
    parts.reverse();
    let (file, line, column) = match parts.as_slice() {
        [file, line, column] => (Some(file.to_string()), line, column),
        [line, column] => (None, line, column),
        _ => panic!("{name}: bad place `{place}`"),
    };
    Expectation {
        code: code.to_string(),
        file,
        line: line.parse().expect("line"),
        column: column.parse().expect("column"),
    }
}

#[test]
fn each_bad_model_reports_its_code_at_the_marked_place() {
    insta::glob!("diagnostics/*.score", |path| {
        let name = relative(path);
        let text = std::fs::read_to_string(path).unwrap();
        let expect = expectation(&text, &name);
        let checked = leadscore::check_source(&name, &text, &FsLoader);
        let found = checked.diagnostics.iter().any(|d| {
            let start = checked
                .sources
                .position(d.primary.span.file, d.primary.span.start);
            let file = checked.sources.name(d.primary.span.file);
            let expected_file = match &expect.file {
                Some(f) => Path::new(&name)
                    .parent()
                    .unwrap()
                    .join(f)
                    .display()
                    .to_string(),
                None => name.clone(),
            };
            d.code.as_str() == expect.code
                && file == expected_file
                && start.line == expect.line
                && start.column == expect.column
        });
        let rendered = render::human(
            &checked.diagnostics.clone().into_vec(),
            &checked.sources,
            false,
        );
        assert!(
            found,
            "{name}: no {} at {}:{}; got:\n{rendered}",
            expect.code, expect.line, expect.column
        );
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn every_code_has_a_bad_model_and_a_doc_entry() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md"))
            .unwrap();
    for code in Code::ALL {
        // Runtime codes (plans, data) come from running a model, not from checking one.
        assert!(
            code.is_runtime() || names.iter().any(|n| n.starts_with(code.as_str())),
            "{code} has no bad model in tests/diagnostics/"
        );
        assert!(
            docs.contains(&format!("## {code}")),
            "{code} is not documented in docs/diagnostics.md"
        );
    }
}

#[test]
fn one_run_reports_an_error_in_every_broken_statement() {
    let text = "lead { size: int }\nscore fit {\n  whn lead.size > 3 +5\n  when lead.size 20\n}\nscor other {}\nflag f when lead.size = 3\n";
    let checked = leadscore::check_source("many.score", text, &FsLoader);
    let lines: Vec<usize> = checked
        .diagnostics
        .iter()
        .map(|d| {
            checked
                .sources
                .position(d.primary.span.file, d.primary.span.start)
                .line
        })
        .collect();
    assert_eq!(lines, vec![3, 4, 6, 7]);
}

#[test]
fn type_errors_are_all_reported_in_one_run() {
    let text = "lead { size: int, country: string }\nscore fit {\n  when lead.size == \"big\" +5\n  when lead.country > 3 +5\n  when lead.sise > 3 +5\n}\n";
    let checked = leadscore::check_source("types.score", text, &FsLoader);
    let codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, vec!["E0401", "E0401", "E0302"]);
}
