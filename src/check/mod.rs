//! Stage 2: resolve names and check types, from parsed files to a [`Model`].
//!
//! The checker collects every declaration first (so order in the file does not
//! matter), then checks rules, flags and grades, orders scores and flags so that each
//! comes after what it uses, and finally looks for likely mistakes (warnings). This
//! file is the driver; each stage has its own file:
//!
//! | file | checks |
//! |---|---|
//! | `declare.rs` | declarations: names, duplicates, keywords, field types |
//! | `event_sets.rs` | event references (types, groups, lists) and the properties over them |
//! | `lets.rs` | constants, folded once |
//! | `scores.rs` | score blocks (rules, options, clamp) and derived scores |
//! | `flags.rs`, `grades.rs` | flags; grades, bands and thresholds |
//! | `expr/` | expressions: names, types, calls and aggregates, constant folding |
//! | `order.rs` | dependency order and cycles |
//! | `test_blocks.rs` | `test` blocks |
//! | `lint.rs` | warnings |

mod declare;
mod event_sets;
mod expr;
mod flags;
mod grades;
mod lets;
mod lint;
pub mod loader;
pub mod model;
mod order;
mod scores;
mod test_blocks;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::source::{FileId, Sources, Span};
use crate::syntax::ast;
use declare::{EventEntry, FlagEntry, Global, LetEntry, LetState, ScoreEntry};
use loader::Loaded;
pub use model::*;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The value of a constant expression (literals, lists, constants, arithmetic on them).
pub fn fold_constant(e: &TExpr) -> Option<Const> {
    expr::fold(e)
}

/// Checks a loaded model. Returns the model when there are no errors.
pub fn check(loaded: &Loaded, sources: &Sources, diagnostics: &mut Diagnostics) -> Option<Model> {
    let mut checker = Checker::new(sources, diagnostics);
    let items: Vec<(FileId, &ast::Item)> = loaded
        .files
        .iter()
        .flat_map(|(file, ast)| ast.items.iter().map(move |item| (*file, item)))
        .collect();
    checker.declare(&items, loaded.main);
    checker.check_lets();
    checker.check_scores();
    // Grades before flags: flags may read `grade(S)`, which needs to know S is graded.
    checker.check_grades(&items);
    checker.check_flags();
    let order = checker.order();
    let tests = checker.check_tests(&items, loaded.main);
    checker.lint();
    if checker.diagnostics.has_errors() {
        return None;
    }
    Some(Model {
        name: checker
            .model_name
            .unwrap_or_else(|| default_model_name(sources.name(loaded.main))),
        source_hash: source_hash(sources),
        lead_fields: checker.lead_fields,
        events: checker.events.into_iter().map(|e| e.def).collect(),
        scores: checker
            .scores
            .into_iter()
            .map(|s| s.def.expect("checked score"))
            .collect(),
        flags: checker
            .flags
            .into_iter()
            .map(|f| f.def.expect("checked flag"))
            .collect(),
        grades: checker.grades,
        order,
        tests,
    })
}

/// The most names the note of a cycle lists (of scores and flags, or of imported files):
/// a generated model can close a cycle of any length, and the note stays one line.
const MAX_CYCLE_NAMES: usize = 12;

/// The note of a cycle: `` cycle: `a` → `b` → `a` ``, back to where it starts. `first`
/// holds the cycle's first names (at most [`MAX_CYCLE_NAMES`] are shown, then how many
/// more there are), `len` how many names the cycle has.
fn cycle_note(first: &[String], len: usize) -> String {
    let shown = &first[..first.len().min(MAX_CYCLE_NAMES)];
    let mut names: Vec<String> = shown.iter().map(|n| format!("`{n}`")).collect();
    if len > shown.len() {
        names.push(format!("… ({} more)", len - shown.len()));
    }
    names.push(format!("`{}`", first[0]));
    format!("cycle: {}", names.join(" → "))
}

fn default_model_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string()
}

/// SHA-256 over every file's name and text, in load order.
fn source_hash(sources: &Sources) -> String {
    let mut hasher = Sha256::new();
    for file in sources.file_ids() {
        hasher.update(sources.text(file).as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The state of one check: the declaration tables (filled by `declare.rs`, read by every
/// later stage), what each score and flag uses, and the diagnostics found so far.
struct Checker<'a> {
    sources: &'a Sources,
    diagnostics: &'a mut Diagnostics,
    model_name: Option<String>,
    lead_fields: Vec<FieldDef>,
    lead_index: HashMap<String, FieldId>,
    lead_span: Option<Span>,
    events: Vec<EventEntry>,
    event_index: HashMap<String, EventId>,
    globals: HashMap<String, (Global, Span)>,
    lets: Vec<LetEntry<'a>>,
    scores: Vec<ScoreEntry<'a>>,
    flags: Vec<FlagEntry<'a>>,
    grades: Vec<GradeDef>,
    /// The graded scores, with where their grade names them.
    graded: HashMap<ScoreId, Span>,
    /// What each score, flag or grade uses, with the place of the use.
    deps: HashMap<Node, Vec<(Node, Span)>>,
    /// Declaration order of scores and flags, then grades, for a stable evaluation order.
    node_order: Vec<Node>,
}

impl<'a> Checker<'a> {
    fn new(sources: &'a Sources, diagnostics: &'a mut Diagnostics) -> Self {
        Checker {
            sources,
            diagnostics,
            model_name: None,
            lead_fields: Vec::new(),
            lead_index: HashMap::new(),
            lead_span: None,
            events: Vec::new(),
            event_index: HashMap::new(),
            globals: HashMap::new(),
            lets: Vec::new(),
            scores: Vec::new(),
            flags: Vec::new(),
            grades: Vec::new(),
            graded: HashMap::new(),
            deps: HashMap::new(),
            node_order: Vec::new(),
        }
    }

    /// Records a diagnostic; checking goes on, so one run reports every problem.
    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Where a checked item comes from, with its source text on one line, for
    /// explanations and test reports.
    fn origin(&self, span: Span) -> Origin {
        let position = self.sources.position(span.file, span.start);
        Origin {
            span,
            file: self.sources.name(span.file).to_string(),
            line: position.line,
            text: self
                .sources
                .slice(span)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}
