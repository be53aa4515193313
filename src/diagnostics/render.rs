//! Output formats for diagnostics: human (codespan-reporting), JSON and GitHub
//! Actions annotations. Each reads the same [`Diagnostic`] record and returns text;
//! the caller decides where it goes.

use super::{Diagnostic, Severity};
use crate::source::Sources;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<usize> {
    let severity = match d.severity() {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let mut labels =
        vec![
            cs::Label::primary(d.primary.span.file.0 as usize, d.primary.span.range())
                .with_message(&d.primary.message),
        ];
    labels.extend(d.secondary.iter().map(|l| {
        cs::Label::secondary(l.span.file.0 as usize, l.span.range()).with_message(&l.message)
    }));
    let mut notes: Vec<String> = d.notes.clone();
    if let Some(help) = &d.help {
        notes.push(format!("help: {help}"));
    }
    cs::Diagnostic::new(severity)
        .with_code(d.code.as_str())
        .with_message(&d.message)
        .with_labels(labels)
        .with_notes(notes)
}

/// Renders diagnostics for people, with source excerpts. `color` adds ANSI colours.
pub fn human(diagnostics: &[Diagnostic], sources: &Sources, color: bool) -> String {
    let config = term::Config::default();
    let mut out = String::new();
    for d in diagnostics {
        let cs = to_codespan(d);
        if color {
            let mut buffer = term::termcolor::Buffer::ansi();
            if term::emit_to_write_style(&mut buffer, &config, sources.files(), &cs).is_ok() {
                out.push_str(&String::from_utf8_lossy(buffer.as_slice()));
            }
        } else if let Ok(text) = term::emit_into_string(&config, sources.files(), &cs) {
            out.push_str(&text);
        }
    }
    out
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: Severity,
    message: &'a str,
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<JsonLabel<'a>>,
    help: Option<&'a str>,
    notes: &'a [String],
}

fn json_label<'a>(label: &'a super::Label, sources: &'a Sources) -> JsonLabel<'a> {
    let start = sources.position(label.span.file, label.span.start);
    let end = sources.position(label.span.file, label.span.end);
    JsonLabel {
        file: sources.name(label.span.file),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        message: &label.message,
    }
}

/// One JSON object per line per diagnostic.
pub fn json(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let primary = json_label(&d.primary, sources);
        let record = JsonDiagnostic {
            code: d.code.as_str(),
            severity: d.severity(),
            message: &d.message,
            file: primary.file,
            line: primary.line,
            column: primary.column,
            end_line: primary.end_line,
            end_column: primary.end_column,
            labels: std::iter::once(primary)
                .chain(d.secondary.iter().map(|l| json_label(l, sources)))
                .collect(),
            help: d.help.as_deref(),
            notes: &d.notes,
        };
        out.push_str(&serde_json::to_string(&record).expect("diagnostics serialize"));
        out.push('\n');
    }
    out
}

/// GitHub Actions workflow commands (`::error file=…::message`), so a pull request
/// shows each diagnostic on its line.
pub fn github(diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let level = match d.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let span = d.primary.span;
        let start = sources.position(span.file, span.start);
        let end = sources.position(span.file, span.end);
        let mut message = format!("{}: {}", d.message, d.primary.message);
        if let Some(help) = &d.help {
            message.push_str(&format!(" (help: {help})"));
        }
        out.push_str(&format!(
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(sources.name(span.file)),
            start.line,
            start.column,
            end.line,
            end.column,
            d.code,
            escape_data(&message),
        ));
    }
    out
}

// GitHub's workflow-command escaping rules.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
