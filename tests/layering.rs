//! The pipeline's stages depend on each other in one direction only:
//! foundations → syntax → check → plan → eval. This test reads every source file of a
//! stage and fails if it names (`crate::…`) a module it may not depend on.

use std::collections::BTreeSet;
use std::path::Path;

/// Each library module and the modules it may use. Modules not listed (the jobs, readers,
/// writers and tools around the pipeline) may use any stage.
const ALLOWED: &[(&str, &[&str])] = &[
    ("time", &[]),
    ("source", &[]),
    ("bytes", &[]),
    ("prefetch", &[]),
    ("ids", &["bytes", "prefetch"]),
    ("vocab", &["time"]),
    ("diagnostics", &["source"]),
    ("syntax", &["vocab", "time", "source", "diagnostics"]),
    (
        "check",
        &["vocab", "time", "source", "diagnostics", "syntax"],
    ),
    (
        "plan",
        &["vocab", "time", "source", "diagnostics", "syntax", "check"],
    ),
    (
        "record",
        &["vocab", "time", "source", "diagnostics", "plan"],
    ),
    (
        "eval",
        &[
            "vocab",
            "time",
            "source",
            "diagnostics",
            "plan",
            "record",
            "prefetch",
            "bytes",
        ],
    ),
    // The live engine runs the evaluator; the jobs and tools may use it in turn.
    (
        "live",
        &[
            "vocab",
            "time",
            "source",
            "diagnostics",
            "plan",
            "record",
            "eval",
            "ids",
            "prefetch",
        ],
    ),
];

/// Items of the crate root every module may use (macros, not stages).
const ROOT_HELPERS: &[&str] = &["internal_fields"];

/// The Rust files of a module: `src/NAME.rs` or everything under `src/NAME/`.
fn files_of(module: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new("src").join(module);
    if dir.is_dir() {
        let mut files = Vec::new();
        let mut stack = vec![dir];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        files
    } else {
        vec![Path::new("src").join(format!("{module}.rs"))]
    }
}

/// The top-level modules named as `crate::NAME` outside comments.
fn uses(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
    }
    used
}

#[test]
fn stages_depend_on_each_other_in_one_direction() {
    let mut violations = Vec::new();
    for (module, allowed) in ALLOWED {
        for file in files_of(module) {
            let text = std::fs::read_to_string(&file).unwrap();
            for used in uses(&text) {
                let used_ok = used == *module
                    || allowed.contains(&used.as_str())
                    || ROOT_HELPERS.contains(&used.as_str());
                if !used_ok {
                    violations.push(format!("{} uses crate::{used}", file.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_checker_catches_a_backward_dependency() {
    let text = "use crate::eval::Scorer; // a later stage\n// crate::batch in a comment\n";
    assert_eq!(uses(text), BTreeSet::from(["eval".to_string()]));
}

#[test]
fn every_module_of_the_library_is_accounted_for() {
    // A new stage module must be placed in ALLOWED (or be a tool around the pipeline).
    let tools = [
        "batch", "input", "output", "job", "testing", "diff", "format", "gen", "cli", "lib",
        "main", "evaluate",
        // `leadscore serve`, on top of `live` (and of the readers and writers around it).
        "serve",
    ];
    for entry in std::fs::read_dir("src").unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        assert!(
            ALLOWED.iter().any(|(m, _)| *m == name) || tools.contains(&name.as_str()),
            "src/{name}: add it to ALLOWED in tests/layering.rs or to the tools"
        );
    }
}

/// The crate's internal modules: public only with the `internals` feature.
const INTERNAL: &[&str] = &[
    "batch", "bytes", "check", "eval", "ids", "input", "output", "plan", "prefetch", "record",
    "source", "syntax", "vocab",
];

#[test]
fn the_embedding_guide_and_doc_examples_use_only_the_public_face() {
    // Doctests see the internals (tests build the crate with them), so check by reading.
    let mut offenders = Vec::new();
    for file in ["docs/embedding.md", "README.md", "src/lib.rs", "src/job.rs"] {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            for module in INTERNAL {
                if line.contains(&format!("leadscore::{module}::"))
                    || line.contains(&format!("leadscore::{{{module}"))
                {
                    offenders.push(format!("{file}:{}: {line}", number + 1));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{}", offenders.join("\n"));
}

#[test]
fn internal_modules_are_declared_internal() {
    let lib = std::fs::read_to_string("src/lib.rs").unwrap();
    for module in INTERNAL {
        assert!(
            !lib.contains(&format!("\npub mod {module};")),
            "src/lib.rs makes `{module}` public"
        );
    }
}
