#![cfg_attr(not(feature = "internals"), deny(missing_docs))]
//! leadscore: a declarative language for lead scoring.
//!
//! A model (`.score` source) is checked and compiled into a [`Plan`]; a [`Scorer`] runs
//! the plan over a lead and its events and gives an [`Outcome`]: scores, grade bands,
//! flags, and on request the [`Reason`] for every point.
//!
//! | step | call | result |
//! |---|---|---|
//! | check and compile | [`compile_source`], [`compile_file`] ([`check_source`], [`check_file`] to only check) | [`Compiled`]: a [`Plan`] and [`Diagnostics`] |
//! | store, load | [`Plan::to_bytes`], [`Plan::from_bytes`] (verified on load) | [`Plan`] or [`PlanError`] |
//! | score one lead | [`Scorer::lead`], [`Scorer::event`], [`Scorer::evaluate`] | [`Outcome`] |
//! | follow a lead's events | [`Scorer::new_state`], [`Scorer::observe`], [`Scorer::outcome`] | [`LeadState`] |
//! | follow leads live: events in any order, a clock, the moments flags and grades change | [`live::Engine`] | [`live::Transition`]s, outcomes as of any time |
//! | score files or streams | [`job::ScoreJob`] over [`Source`]s and writers ([`open`]: files, stdin, gzip, zstd) | results, [`Summary`], [`job::JobError`], [`job::RunSummary`] |
//! | show problems | [`diagnostics::render`] | text, JSON, GitHub annotations |
//!
//! Diagnostics and errors are values with stable codes ([`Code`]); the library never
//! prints or exits. Around the pipeline: [`format`](mod@format) (`leadscore fmt`), [`testing`]
//! (`test` blocks), [`diff`] (a model change's impact), [`gen`] (synthetic data), [`time`].
//! The stages themselves (parse, check, plan, evaluate; `docs/architecture.md`) are
//! private unless the `internals` feature is on.
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

/// Declares the pipeline's inner modules: public with the `internals` feature (for this
/// crate's tests and for tools that need the compiler's insides; not a stable API),
/// private otherwise, so that the crate's face is what this file exports.
macro_rules! internal_modules {
    ($($name:ident;)*) => {
        $(
            #[cfg(feature = "internals")]
            pub mod $name;
            #[cfg(not(feature = "internals"))]
            mod $name;
        )*
    };
}

internal_modules! {
    batch;
    bytes;
    check;
    eval;
    ids;
    input;
    output;
    plan;
    prefetch;
    record;
    source;
    syntax;
    vocab;
}

pub mod diagnostics;
pub mod diff;
pub mod evaluate;
pub mod format;
pub mod gen;
pub mod job;
pub mod live;
#[cfg(feature = "serve")]
pub mod serve;
pub mod testing;
pub mod time;

pub use batch::{LeadError, Summary, MAX_THREADS};
pub use check::loader::{
    read_bounded, size_in_words, FsLoader, Loader, MemoryLoader, MAX_MODEL_BYTES,
};
pub use check::Model;
pub use diagnostics::{Code, Diagnostic, Diagnostics, Label, Severity};
pub use eval::{
    KeptPoints, LeadState, NextBand, Outcome, PartWhy, PartWhyKind, Reason, ReasonKind, Scorer,
    EVENT_TIMES, SHOWN_EVENTS,
};
pub use input::{
    open, Format as InputFormat, Input, Keys, Mapped, OutcomeRecord, RecordError, Source,
};
pub use output::{explain_table, Format as OutputFormat};
pub use plan::{EventDecl, FieldDecl, Plan, PlanError, FORMAT_VERSION};
pub use record::{Event, Lead};
pub use source::{FileId, Position, Sources, Span};
pub use vocab::{FieldError, ReadOptions, Value, ValueType};

use std::path::Path;

/// Reads a time written as inputs may write one — RFC 3339 in any of the forms data tools
/// write, a date, or a number of `options.ts_unit` since 1970 — as microseconds since 1970,
/// exactly as the readers read an event's time (what `leadscore score --as-of` takes).
pub fn read_time_text(text: &str, options: ReadOptions) -> Result<i64, FieldError> {
    vocab::read_time("time", vocab::Raw::Untyped(text), options)
}

/// The result of checking a model: the checked model (when there are no errors), every
/// diagnostic found, and the source text they point into.
#[derive(Debug)]
pub struct Checked {
    /// The text of every file read, for rendering the diagnostics.
    pub sources: Sources,
    /// The checked model, when there are no errors.
    pub model: Option<Model>,
    /// Every error and warning, sorted by file and position.
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
/// [`MAX_MODEL_BYTES`]).
pub fn check_file(path: &Path) -> std::io::Result<Checked> {
    let text = FsLoader.read(path)?;
    Ok(check_source(&path.display().to_string(), &text, &FsLoader))
}

/// The result of compiling a model: the plan (when there are no errors) and every
/// diagnostic found.
#[derive(Debug)]
pub struct Compiled {
    /// The text of every file read, for rendering the diagnostics.
    pub sources: Sources,
    /// The plan, when there are no errors.
    pub plan: Option<Plan>,
    /// Every error and warning, sorted by file and position.
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
/// [`MAX_MODEL_BYTES`]).
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

// The same for docs/live.md.
#[doc = include_str!("../docs/live.md")]
#[cfg(doctest)]
pub struct LiveGuide;
