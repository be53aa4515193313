//! Where commands print: stdout and stderr, through one place that never panics and
//! never loses output silently.
//!
//! `print!` and `eprint!` panic when a write fails (a full disk, a closed pipe); a command
//! that ignores the error instead exits 0 having lost what it printed. Commands print
//! with [`out!`], [`outln!`], [`err!`] and [`errln!`] (or [`stdout_bytes`]) instead: the
//! first failed write is remembered, later writes to that stream are skipped, and
//! [`finish`], which [`super::run`] applies to every command's exit code, makes it exit 2
//! with a message on stderr.
//!
//! A closed pipe (`leadscore plan show x | head -1`: `EPIPE`) also exits 2, but quietly:
//! whoever closed the pipe stopped reading on purpose, and a message about it would only
//! be noise. A failed write to stderr cannot be told on stderr; the exit code says it.

use super::EXIT_TROUBLE;
use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

/// A standard stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// The first write that failed: on which stream, and why.
struct Failure {
    stream: Stream,
    error: io::Error,
}

static FAILURE: OnceLock<Failure> = OnceLock::new();

/// Remembers that writing to `stream` failed (only the first failure is kept).
pub fn failed(stream: Stream, error: io::Error) {
    let _ = FAILURE.set(Failure { stream, error });
}

/// Whether a write to `stream` has failed (later ones are skipped).
fn is_broken(stream: Stream) -> bool {
    FAILURE.get().is_some_and(|f| f.stream == stream)
}

/// Writes to `stream` with `write`, unless the stream already failed; remembers a failure.
fn write_to(stream: Stream, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) {
    if is_broken(stream) {
        return;
    }
    let result = match stream {
        Stream::Stdout => write(&mut io::stdout().lock()),
        Stream::Stderr => write(&mut io::stderr().lock()),
    };
    if let Err(error) = result {
        failed(stream, error);
    }
}

/// Writes formatted text to stdout (what [`out!`] and [`outln!`] call).
pub fn stdout_fmt(args: fmt::Arguments<'_>) {
    write_to(Stream::Stdout, |out| out.write_fmt(args));
}

/// Writes formatted text to stderr (what [`err!`] and [`errln!`] call).
pub fn stderr_fmt(args: fmt::Arguments<'_>) {
    write_to(Stream::Stderr, |out| out.write_fmt(args));
}

/// Writes bytes to stdout (a binary plan, a man page).
pub fn stdout_bytes(bytes: &[u8]) {
    write_to(Stream::Stdout, |out| out.write_all(bytes));
}

/// The exit code of a command that ends with `code`: once stdout is flushed, `code`
/// itself when every write succeeded, else [`EXIT_TROUBLE`], with a message on stderr
/// when there is one to give (see the module's doc).
pub fn finish(code: i32) -> i32 {
    if !is_broken(Stream::Stdout) {
        if let Err(error) = io::stdout().lock().flush() {
            failed(Stream::Stdout, error);
        }
    }
    let Some(failure) = FAILURE.get() else {
        return code;
    };
    if failure.stream == Stream::Stdout && failure.error.kind() != io::ErrorKind::BrokenPipe {
        let _ = writeln!(
            io::stderr(),
            "error: cannot write to stdout: {}",
            failure.error
        );
    }
    EXIT_TROUBLE
}

/// `print!` that never panics: see the module's doc.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::out::stdout_fmt(format_args!($($arg)*))
    };
}

/// `println!` that never panics: see the module's doc.
macro_rules! outln {
    () => {
        $crate::cli::out::stdout_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::stdout_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `eprint!` that never panics: see the module's doc.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::cli::out::stderr_fmt(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics: see the module's doc.
macro_rules! errln {
    () => {
        $crate::cli::out::stderr_fmt(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::cli::out::stderr_fmt(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {err, errln, out, outln};
