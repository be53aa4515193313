//! Loading a model for the commands that run one: a `.score` source (checked and
//! compiled, with diagnostics on stderr) or a compiled plan.

use super::{io_message, EXIT_FINDINGS, EXIT_TROUBLE};
use leadscore::diagnostics::render;
use leadscore::Plan;
use std::path::Path;

/// Whether the bytes look like a compiled plan (binary or JSON) rather than source.
fn is_plan(bytes: &[u8]) -> bool {
    bytes.starts_with(b"LEADPLAN") || bytes.trim_ascii_start().starts_with(b"{")
}

/// The plan of a model file; on failure, the exit code (diagnostics already shown).
pub fn load(path: &Path, color: bool) -> Result<Plan, i32> {
    let bytes = std::fs::read(path).map_err(|e| {
        eprintln!("error: {}", io_message(path, &e));
        EXIT_TROUBLE
    })?;
    if is_plan(&bytes) {
        return Plan::from_bytes(&bytes).map_err(|e| {
            eprintln!("error: `{}`: {e}", path.display());
            EXIT_TROUBLE
        });
    }
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!(
            "error: `{}` is neither a model (UTF-8 text) nor a compiled plan",
            path.display()
        );
        return Err(EXIT_TROUBLE);
    };
    let compiled =
        leadscore::compile_source(&path.display().to_string(), &text, &leadscore::FsLoader);
    let diagnostics = compiled.diagnostics.clone().into_vec();
    if !diagnostics.is_empty() {
        eprint!("{}", render::human(&diagnostics, &compiled.sources, color));
    }
    compiled.plan.ok_or_else(|| {
        eprintln!(
            "error: `{}` has {} error{}; fix {} to run it",
            path.display(),
            compiled.diagnostics.error_count(),
            if compiled.diagnostics.error_count() == 1 {
                ""
            } else {
                "s"
            },
            if compiled.diagnostics.error_count() == 1 {
                "it"
            } else {
                "them"
            },
        );
        EXIT_FINDINGS
    })
}
