//! Diagnostics as values.
//!
//! Every stage of the compiler pushes [`Diagnostic`]s into a [`Diagnostics`] list; nothing
//! in the library prints. A diagnostic is one renderer-independent record (code, severity,
//! message, labelled spans, help) that every output format reads: see [`render`].

mod codes;
pub mod render;

pub use codes::Code;

use crate::source::Span;
use serde::Serialize;

/// How serious a diagnostic is: errors stop a model from compiling, warnings do not
/// (unless a command is asked to deny them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The model cannot be compiled or the data cannot be read.
    Error,
    /// A likely mistake that does not stop compilation.
    Warning,
}

/// A span with a short message pointing at it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Label {
    /// Where in the source.
    pub span: Span,
    /// What the label says there.
    pub message: String,
}

/// One problem found in a model: a stable code, a message, the exact place, other places
/// that matter, and a suggested fix when one is obvious. Render it with [`render`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Diagnostic {
    /// The stable code, documented in `docs/diagnostics.md`.
    pub code: Code,
    /// What is wrong, in words a rule author understands.
    pub message: String,
    /// The exact place of the problem.
    pub primary: Label,
    /// Other places that matter (the first declaration of a duplicate, say).
    pub secondary: Vec<Label>,
    /// A suggested fix, when one is obvious.
    pub help: Option<String>,
    /// Extra explanation.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic with `code`, whose primary label at `span` reads `label`.
    pub(crate) fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// Error or warning (given by the code).
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub(crate) fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub(crate) fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
}

/// The diagnostics collected by one compilation, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    /// An empty list.
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub(crate) fn last_mut(&mut self) -> Option<&mut Diagnostic> {
        self.0.last_mut()
    }

    pub(crate) fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity() == Severity::Error)
    }

    /// How many are errors.
    pub fn error_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity() == Severity::Error)
            .count()
    }

    /// How many are warnings.
    pub fn warning_count(&self) -> usize {
        self.0.len() - self.error_count()
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many diagnostics there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The diagnostics, sorted by file and position.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Orders diagnostics by file and position, so output does not depend on the
    /// order in which the checker visited things.
    pub(crate) fn sort(&mut self) {
        self.0.sort_by_key(|d| {
            (
                d.primary.span.file,
                d.primary.span.start,
                d.primary.span.end,
                d.code,
            )
        });
    }

    /// The diagnostics as a vector.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.0
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// The closest name to `wanted` among `candidates`, if one is close enough to be a
/// likely typo. Used for "did you mean …?" help lines.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .filter(|c| *c != wanted)
        .map(|c| {
            let score = strsim::jaro_winkler(&wanted_lower, &c.to_lowercase());
            (c, score)
        })
        .filter(|(c, score)| *score >= 0.82 || c.eq_ignore_ascii_case(wanted))
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(c, _)| c)
}

/// `Some("did you mean `x`?")` when a close candidate exists.
pub(crate) fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(wanted, candidates).map(|c| format!("did you mean `{c}`?"))
}

impl Diagnostic {
    /// Help for a misspelt name: "did you mean `x`?" with the one of `candidates` closest
    /// to `wanted` (see [`closest`]), else `fallback`; no help when that is `None` too.
    pub(crate) fn with_did_you_mean<'a>(
        self,
        wanted: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        fallback: Option<String>,
    ) -> Self {
        self.with_help_opt(did_you_mean(wanted, candidates).or(fallback))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_near_misses_only() {
        let names = ["email.click", "email.open", "page.view"];
        assert_eq!(closest("email.clik", names), Some("email.click"));
        assert_eq!(closest("Page.View", names), Some("page.view"));
        assert_eq!(closest("webinar.attend", names), None);
    }
}
