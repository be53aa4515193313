//! `leadscore test PATH...`: run the models' test blocks.

use super::out::{err, errln, outln};
use super::{model, plural, Color, EXIT_FINDINGS, EXIT_OK, EXIT_TROUBLE};
use leadscore::diagnostics::render;
use leadscore::open;
use leadscore::testing::{run_tests, TestResult};
use leadscore::Scorer;
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Model files (or `*.test.score` files that import a model) whose tests to run, or
    /// directories: every `.score` file below them.
    #[arg(required = true, value_name = "PATH")]
    files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

pub fn run(args: Args) -> i32 {
    let color = args.color.for_stderr();
    let verdict = Verdicts {
        color: args.color.for_stdout(),
    };
    let (mut passed, mut failed) = (0, 0);
    let mut trouble = false;
    let mut report = String::new();
    for source in model::sources(&args.files) {
        let (path, text) = match source {
            Ok(source) => source,
            Err(message) => {
                errln!("error: {message}");
                trouble = true;
                continue;
            }
        };
        let name = open::name_of(&path);
        let checked = leadscore::check_source(&name, &text, &leadscore::FsLoader);
        let diagnostics = checked.diagnostics.clone().into_vec();
        if !diagnostics.is_empty() {
            err!("{}", render::human(&diagnostics, &checked.sources, color));
        }
        let Some(model) = checked.model else {
            outln!("{name}: does not check, no tests run");
            failed += 1;
            continue;
        };
        let plan = leadscore::Plan::from_model(&model);
        let scorer = Scorer::new(plan.clone()).expect("a freshly compiled plan verifies");
        let results = run_tests(&model, &scorer);
        outln!(
            "running {} test{} from {}",
            results.len(),
            plural(results.len()),
            name
        );
        for result in &results {
            if result.passed() {
                passed += 1;
                outln!("test {:?} ... {}", result.name, verdict.ok());
            } else {
                failed += 1;
                outln!("test {:?} ... {}", result.name, verdict.failed());
                report.push_str(&failure_report(&plan, result));
            }
        }
    }
    if !report.is_empty() {
        outln!("\nfailures:\n{report}");
    }
    outln!("{passed} passed, {failed} failed");
    if trouble {
        EXIT_TROUBLE
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// How a test's verdict is written: `ok` in green and `FAILED` in red when colouring.
/// (The closing `N passed, M failed` line stays plain, for the tools that read it.)
struct Verdicts {
    color: bool,
}

impl Verdicts {
    fn ok(&self) -> String {
        self.paint("ok", "32")
    }

    fn failed(&self) -> String {
        self.paint("FAILED", "1;31")
    }

    /// `text` in the ANSI style `sgr` (select graphic rendition parameters).
    fn paint(&self, text: &str, sgr: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Expected against actual for each failed expectation, then the lead's breakdown.
fn failure_report(plan: &leadscore::Plan, result: &TestResult) -> String {
    let mut out = format!(
        "\n--- {:?} ({}:{})\n",
        result.name, result.file, result.line
    );
    for failure in &result.failures {
        let _ = writeln!(out, "  line {}: {}", failure.line, failure.expectation);
        let _ = writeln!(out, "    expected: {}", failure.expected);
        let _ = writeln!(out, "    actual:   {}", failure.actual);
    }
    let _ = writeln!(out, "  why:");
    for line in leadscore::explain_table(plan, &result.outcome, result.as_of)
        .lines()
        .skip(2)
    {
        let _ = writeln!(out, "    {line}");
    }
    out
}
