//! leadscore: a declarative language for lead scoring.
//!
//! The pipeline, one module per stage (see `docs/architecture.md`):
//!
//! | stage | module | output |
//! |---|---|---|
//! | parse | [`syntax`] (grammar in `grammar/score.pest`) | AST with spans |
//! | resolve & type-check | [`check`] | [`Model`] |
//! | lower | [`plan`] | [`Plan`]: slots, bytecode, constants |
//! | evaluate | [`eval`] | [`Outcome`] per lead |
//!
//! Diagnostics are values ([`Diagnostics`]); the library never prints or exits.
//!
//! ```
//! use leadscore::{compile_source, MemoryLoader, Scorer, Value};
//!
//! let source = r#"
//!     lead { industry: string }
//!     event demo.request {}
//!     score fit { when lead.industry == "software" +20 }
//!     score engagement { on demo.request +50 }
//!     flag mql when fit >= 20 and engagement >= 50
//! "#;
//! let compiled = compile_source("model.score", source, &MemoryLoader::new());
//! let scorer = Scorer::new(compiled.plan.expect("no errors")).unwrap();
//!
//! let lead = scorer.lead("L1", [("industry", Value::Str("software".into()))]).unwrap();
//! let demo = scorer.event("L1", "demo.request", 1_000, []).unwrap().unwrap();
//! let outcome = scorer.evaluate(&lead, &[demo], 2_000, true);
//!
//! assert_eq!(outcome.score("engagement"), Some(50.0));
//! assert_eq!(outcome.flag("mql"), Some(true));
//! assert_eq!(outcome.why.unwrap()[1].rule, "on demo.request +50");
//! ```
//!
//! `docs/embedding.md` has more: plans as bytes, imports from memory, streams.

/// Declares a struct whose fields are public with the `internals` feature (so this crate's
/// tests can build damaged plans, say) and crate-private otherwise, so that embedders go
/// through its methods and its layout can change.
macro_rules! internal_fields {
    (
        $(#[$attr:meta])*
        pub struct $name:ident {
            $( $(#[$field_attr:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        #[cfg(feature = "internals")]
        $(#[$attr])*
        pub struct $name { $( $(#[$field_attr])* pub $field: $ty ),* }
        #[cfg(not(feature = "internals"))]
        $(#[$attr])*
        pub struct $name { $( $(#[$field_attr])* pub(crate) $field: $ty ),* }
    };
}
pub(crate) use internal_fields;

pub mod batch;
mod bytes;
pub mod check;
pub mod diagnostics;
pub mod diff;
pub mod eval;
pub mod format;
pub mod gen;
pub mod input;
pub mod output;
pub mod plan;
mod prefetch;
pub mod record;
pub mod source;
pub mod syntax;
pub mod testing;
pub mod time;
pub mod vocab;

pub use check::loader::{FsLoader, Loader, MemoryLoader};
pub use check::Model;
pub use diagnostics::{Diagnostic, Diagnostics};
pub use eval::{LeadState, Outcome, Reason, Scorer};
pub use plan::{Plan, PlanError};
pub use record::{Event, FieldError, Lead, Value};
pub use source::Sources;

use std::path::Path;

/// The result of checking a model: the checked model (when there are no errors), every
/// diagnostic found, and the source text they point into.
#[derive(Debug)]
pub struct Checked {
    pub sources: Sources,
    pub model: Option<Model>,
    pub diagnostics: Diagnostics,
}

/// Checks a model given as text. `name` is its path: imports are resolved relative
/// to it through `loader`.
pub fn check_source(name: &str, text: &str, loader: &dyn Loader) -> Checked {
    let mut sources = Sources::new();
    let mut diagnostics = Diagnostics::new();
    let loaded = check::loader::load(
        name,
        text.to_string(),
        loader,
        &mut sources,
        &mut diagnostics,
    );
    let model = if diagnostics.has_errors() {
        // Syntax errors or missing imports: declarations may be missing, and checking
        // would bury the real problem under unknown-name errors.
        None
    } else {
        check::check(&loaded, &sources, &mut diagnostics)
    };
    diagnostics.sort();
    Checked {
        sources,
        model,
        diagnostics,
    }
}

/// Reads and checks a model file and its imports (each of at most
/// [`check::loader::MAX_MODEL_BYTES`]).
pub fn check_file(path: &Path) -> std::io::Result<Checked> {
    let text = FsLoader.read(path)?;
    Ok(check_source(&path.display().to_string(), &text, &FsLoader))
}

/// The result of compiling a model: the plan (when there are no errors) and every
/// diagnostic found.
#[derive(Debug)]
pub struct Compiled {
    pub sources: Sources,
    pub plan: Option<Plan>,
    pub diagnostics: Diagnostics,
}

/// Checks a model given as text and lowers it to a plan.
pub fn compile_source(name: &str, text: &str, loader: &dyn Loader) -> Compiled {
    let checked = check_source(name, text, loader);
    Compiled {
        plan: checked.model.as_ref().map(plan::lower),
        sources: checked.sources,
        diagnostics: checked.diagnostics,
    }
}

/// Reads, checks and compiles a model file and its imports (each of at most
/// [`check::loader::MAX_MODEL_BYTES`]).
pub fn compile_file(path: &Path) -> std::io::Result<Compiled> {
    let text = FsLoader.read(path)?;
    Ok(compile_source(
        &path.display().to_string(),
        &text,
        &FsLoader,
    ))
}

// Runs the examples in docs/embedding.md as doctests, so the guide stays true.
#[doc = include_str!("../docs/embedding.md")]
#[cfg(doctest)]
pub struct EmbeddingGuide;
