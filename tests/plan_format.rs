//! The plan format is pinned by golden files under `tests/golden/`: for each model below,
//! `<name>.plan` and `<name>.plan.json` are its binary and JSON plan, and `VERSION` is the
//! `FORMAT_VERSION` they were written with. `examples/b2b.score` is a real model;
//! `tests/golden/every_op.score` uses every instruction, operand, field type, constant
//! kind, slot kind and rule form at least once, so all of their encodings are pinned.
//!
//! A change to the plan's types that changes its bytes must bump
//! `leadscore::plan::FORMAT_VERSION` (a plan written by one build must mean the same to
//! every build that reads its version). After bumping it, regenerate the files with
//!
//! ```text
//! LEADSCORE_BLESS=1 cargo test --test plan_format
//! ```
//!
//! and commit them. Blessing refuses to overwrite golden plans that this build no longer
//! reads back byte for byte while the version is unchanged. When only a model or the
//! lowering changed (the old golden plans still read back identically), blessing keeps
//! the version.

use leadscore::plan::FORMAT_VERSION;
use leadscore::Plan;
use std::path::{Path, PathBuf};

/// The pinned models: (source, name of the golden files).
const MODELS: &[(&str, &str)] = &[
    ("examples/b2b.score", "b2b"),
    ("tests/golden/every_op.score", "every_op"),
];
const BLESS: &str = "LEADSCORE_BLESS";

fn golden(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(file)
}

/// How to regenerate the golden files.
fn regenerate() -> String {
    format!("regenerate the golden files with `{BLESS}=1 cargo test --test plan_format` and commit them")
}

const BUMP: &str = "bump FORMAT_VERSION (src/plan/format.rs)";

/// The version the golden files were written with (first line of `tests/golden/VERSION`).
fn golden_version() -> std::io::Result<u32> {
    let text = std::fs::read_to_string(golden("VERSION"))?;
    let first = text.lines().next().unwrap_or_default().trim();
    Ok(first
        .parse()
        .unwrap_or_else(|_| panic!("tests/golden/VERSION: `{first}` is not a number")))
}

/// One model's golden plan, as committed.
struct Golden {
    name: &'static str,
    bytes: Vec<u8>,
    json: String,
}

impl Golden {
    fn read(name: &'static str) -> std::io::Result<Golden> {
        Ok(Golden {
            name,
            bytes: std::fs::read(golden(&format!("{name}.plan")))?,
            json: std::fs::read_to_string(golden(&format!("{name}.plan.json")))?,
        })
    }

    /// Whether this build reads the golden plan back to exactly the same bytes and JSON,
    /// i.e. the format did not change. `Err` says how it differs.
    fn reads_back(&self) -> Result<(), String> {
        let name = self.name;
        let plan = Plan::from_bytes(&self.bytes)
            .map_err(|e| format!("tests/golden/{name}.plan no longer loads: {e}"))?;
        if plan.to_bytes() != self.bytes {
            return Err(format!(
                "tests/golden/{name}.plan loads, but is written back differently"
            ));
        }
        if plan.to_json() != self.json {
            return Err(format!("tests/golden/{name}.plan loads, but its JSON differs from tests/golden/{name}.plan.json (a variant or field moved or was renamed)"));
        }
        Ok(())
    }

    fn write(name: &str, plan: &Plan) {
        std::fs::write(golden(&format!("{name}.plan")), plan.to_bytes()).unwrap();
        std::fs::write(golden(&format!("{name}.plan.json")), plan.to_json()).unwrap();
    }
}

fn compile(source: &str) -> Plan {
    leadscore::compile_file(Path::new(source))
        .unwrap()
        .plan
        .unwrap_or_else(|| panic!("{source} compiles"))
}

/// Writes the golden files from this build (see the module comment).
fn bless() {
    if let Ok(version) = golden_version() {
        for &(_, name) in MODELS {
            let Ok(old) = Golden::read(name) else {
                continue;
            };
            if let Err(change) = old.reads_back() {
                assert!(
                    FORMAT_VERSION > version,
                    "{change}: the plan format changed, but FORMAT_VERSION is still {FORMAT_VERSION}: {BUMP} before blessing"
                );
            }
        }
    }
    for &(source, name) in MODELS {
        Golden::write(name, &compile(source));
    }
    std::fs::write(golden("VERSION"), format!("{FORMAT_VERSION}\n")).unwrap();
}

#[test]
fn the_plan_format_is_pinned_by_golden_files() {
    if std::env::var_os(BLESS).is_some() {
        bless();
        return;
    }
    let version = golden_version().unwrap_or_else(|e| {
        panic!(
            "tests/golden/VERSION cannot be read ({e}): {}",
            regenerate()
        )
    });
    assert_eq!(
        version,
        FORMAT_VERSION,
        "tests/golden/VERSION says the golden plans are format {version}, but FORMAT_VERSION is {FORMAT_VERSION}: {}",
        regenerate()
    );
    for &(source, name) in MODELS {
        let golden = Golden::read(name).unwrap_or_else(|e| {
            panic!(
                "tests/golden/{name}.plan cannot be read ({e}): {}",
                regenerate()
            )
        });
        if let Err(change) = golden.reads_back() {
            panic!(
                "{change}: the plan format changed: {BUMP}, then {}",
                regenerate()
            );
        }
        let plan = compile(source);
        assert!(
            plan.to_bytes() == golden.bytes,
            "{source} no longer compiles to tests/golden/{name}.plan: if the plan format changed, {BUMP}; then {}",
            regenerate()
        );
        assert!(
            plan.to_json() == golden.json,
            "{source} no longer compiles to tests/golden/{name}.plan.json: if the plan format changed, {BUMP}; then {}",
            regenerate()
        );
    }
}
