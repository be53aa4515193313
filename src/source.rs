//! Source files and spans.
//!
//! Every AST node carries a [`Span`]: the file it came from and a byte range in it.
//! [`Sources`] owns the text of every file the compiler read (the main model and its
//! imports) and turns spans into line/column positions for diagnostics.

use codespan_reporting::files::{Files, SimpleFiles};
use serde::Serialize;

/// Identifies one file in a [`Sources`] set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct FileId(pub(crate) u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// The first byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    pub(crate) fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub(crate) fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range, for slicing the file's text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The text of every file read during one compilation.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: SimpleFiles<String, String>,
    names: Vec<String>,
}

impl Sources {
    /// No files yet.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let name = name.into();
        self.names.push(name.clone());
        FileId(self.files.add(name, text.into()) as u32)
    }

    /// The file's name (its path as given).
    pub fn name(&self, file: FileId) -> &str {
        &self.names[file.0 as usize]
    }

    /// Every file's name, in the order the files were read (the main file first).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The file's text.
    pub fn text(&self, file: FileId) -> &str {
        self.files
            .get(file.0 as usize)
            .map(|f| f.source().as_str())
            .unwrap_or("")
    }

    /// The source text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.text(span.file).get(span.range()).unwrap_or("")
    }

    /// Line and column of a byte offset.
    pub fn position(&self, file: FileId, offset: u32) -> Position {
        let id = file.0 as usize;
        let offset = offset as usize;
        let line = self.files.line_index(id, offset).unwrap_or(0);
        let column = self.files.column_number(id, line, offset).unwrap_or(1);
        Position {
            line: line + 1,
            column,
        }
    }

    pub(crate) fn files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }

    /// Every file read, the main model first.
    pub fn file_ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.names.len()).map(|i| FileId(i as u32))
    }
}
