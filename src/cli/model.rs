//! Reading the files commands are given: a model for the commands that run one (a `.score`
//! source, checked and compiled with diagnostics on stderr, or a compiled plan), and model
//! source for the commands that work on source (`check`, `fmt`, `test`).
//!
//! What a file holds is decided by its bytes, never by its name: a model may be called
//! `x.plan` and a plan `x.score`. Files are read as every input is
//! ([`leadscore::open`]): `-` is standard input, and gzip or zstd data is
//! decompressed.

use super::out::{err, errln};
use super::{io_message, plural, EXIT_FINDINGS, EXIT_TROUBLE};
use leadscore::diagnostics::render;
use leadscore::open;
use leadscore::Plan;
use leadscore::{size_in_words, MAX_MODEL_BYTES};
use std::io::Read;
use std::path::{Path, PathBuf};

/// What a file holds.
enum Contents {
    /// A compiled plan, binary or JSON.
    Plan(Vec<u8>),
    /// Model source.
    Source(String),
    /// Neither: bytes that are not text.
    Binary,
}

/// The most bytes a compiled plan file may hold (256 MiB). A plan is larger than the model
/// it is compiled from (about 3 times in binary, up to about 20 times in JSON), so a model
/// of the largest size ([`MAX_MODEL_BYTES`]) still gives a plan that loads.
const MAX_PLAN_BYTES: usize = 256 * 1024 * 1024;

impl Contents {
    /// Whether `bytes` begin like a plan: a binary plan starts with its magic bytes; a JSON
    /// plan is an object, and no model starts with `{` (a statement starts with a keyword).
    fn is_plan(bytes: &[u8]) -> bool {
        bytes.starts_with(b"LEADPLAN") || bytes.trim_ascii_start().starts_with(b"{")
    }

    fn of(bytes: Vec<u8>) -> Contents {
        if Contents::is_plan(&bytes) {
            return Contents::Plan(bytes);
        }
        match String::from_utf8(bytes) {
            // Text never holds NUL bytes; a file that does is data that happens to be
            // valid UTF-8, and reading it as a model would only give syntax errors.
            Ok(text) if !text.contains('\0') => Contents::Source(text),
            _ => Contents::Binary,
        }
    }

    /// Reads the file at `path` (stdin for `-`, decompressed if it is compressed): at
    /// most [`MAX_MODEL_BYTES`] of a model, and at most [`MAX_PLAN_BYTES`] of a plan, never
    /// more (so `/dev/zero` is refused, not read on, and neither is a compressed bomb).
    fn read(path: &Path) -> Result<Contents, String> {
        let name = open::name_of(path);
        let unreadable = |e: std::io::Error| io_message(Path::new(&name), &e);
        let mut file = open::open(path).map_err(unreadable)?.reader;
        let mut bytes = Vec::new();
        let mut read_up_to = |bytes: &mut Vec<u8>, limit: usize| {
            let room = (limit + 1).saturating_sub(bytes.len());
            (&mut file)
                .take(room as u64)
                .read_to_end(bytes)
                .map_err(unreadable)
        };
        read_up_to(&mut bytes, MAX_MODEL_BYTES)?;
        let (limit, what) = if Contents::is_plan(&bytes) {
            (MAX_PLAN_BYTES, "a plan")
        } else {
            (MAX_MODEL_BYTES, "a model")
        };
        // Read on only when there is more (a terminal would wait for more after its end).
        if bytes.len() > MAX_MODEL_BYTES {
            read_up_to(&mut bytes, limit)?;
        }
        if bytes.len() > limit {
            return Err(format!(
                "`{name}` is too large for {what}: larger than {}",
                size_in_words(limit)
            ));
        }
        Ok(Contents::of(bytes))
    }
}

/// The message for a file that is neither a model nor a plan.
fn binary_message(path: &Path) -> String {
    format!(
        "`{}` is binary data: neither a model (UTF-8 text) nor a compiled plan (a plan starts with `LEADPLAN`)",
        open::name_of(path)
    )
}

/// The model files `paths` name (see [`model_files`]) with their source text, in order;
/// for each one that cannot be read as a model, the message why (a missing file, a
/// compiled plan, binary data, an empty directory).
pub fn sources(paths: &[PathBuf]) -> impl Iterator<Item = Result<(PathBuf, String), String>> {
    model_files(paths).into_iter().map(|file| {
        let path = file?;
        let text = read_source(&path)?;
        Ok((path, text))
    })
}

/// The source text of a model file; on failure, why it cannot be read as one.
fn read_source(path: &Path) -> Result<String, String> {
    match Contents::read(path)? {
        Contents::Source(text) => Ok(text),
        Contents::Plan(_) => Err(format!(
            "`{name}` is a compiled plan, not a model: give the `.score` file it was compiled from (`leadscore plan show {path}` shows what the plan holds)",
            name = open::name_of(path),
            path = path.display()
        )),
        Contents::Binary => Err(binary_message(path)),
    }
}

/// The plan of a model file; on failure, the exit code (diagnostics already shown).
pub fn load(path: &Path, color: bool) -> Result<Plan, i32> {
    load_with_files(path, color).map(|(plan, _)| plan)
}

/// The plan of a model file and the files it was read from: the model and every file it
/// imports, so that no output overwrites one of them.
pub fn load_with_files(path: &Path, color: bool) -> Result<(Plan, Vec<PathBuf>), i32> {
    let name = open::name_of(path);
    let text = match Contents::read(path) {
        Ok(Contents::Plan(bytes)) => {
            let plan = Plan::from_bytes(&bytes).map_err(|e| {
                errln!("error: `{name}`: {e}");
                EXIT_TROUBLE
            })?;
            return Ok((plan, vec![path.to_path_buf()]));
        }
        Ok(Contents::Source(text)) => text,
        Ok(Contents::Binary) => {
            errln!("error: {}", binary_message(path));
            return Err(EXIT_TROUBLE);
        }
        Err(message) => {
            errln!("error: {message}");
            return Err(EXIT_TROUBLE);
        }
    };
    let compiled = leadscore::compile_source(&name, &text, &leadscore::FsLoader);
    let diagnostics = compiled.diagnostics.clone().into_vec();
    if !diagnostics.is_empty() {
        err!("{}", render::human(&diagnostics, &compiled.sources, color));
    }
    // The main file's name in the sources is its display name (`-` may be `<stdin>`).
    let imports = compiled.sources.names().skip(1).map(PathBuf::from);
    let files = std::iter::once(path.to_path_buf()).chain(imports).collect();
    let plan = compiled.plan.ok_or_else(|| {
        let errors = compiled.diagnostics.error_count();
        errln!(
            "error: `{name}` has {errors} error{}; fix {} to run it",
            plural(errors),
            if errors == 1 { "it" } else { "them" },
        );
        EXIT_FINDINGS
    })?;
    Ok((plan, files))
}

/// The model files `paths` name, in order: a file as given, a directory as every `.score`
/// file below it, sorted by path so runs are repeatable. Below a directory, hidden entries
/// (`.git`) and links to directories are skipped. A directory that cannot be read, or
/// holds no `.score` file, gives an error message in its place, and so does a second `-`
/// (standard input can be read only once).
fn model_files(paths: &[PathBuf]) -> Vec<Result<PathBuf, String>> {
    let mut files = Vec::new();
    let mut stdin_seen = false;
    for path in paths {
        if open::is_stdin(path) && std::mem::replace(&mut stdin_seen, true) {
            files.push(Err(
                "`-` (standard input) is given more than once, but it can be read only once"
                    .to_string(),
            ));
            continue;
        }
        if !path.is_dir() {
            files.push(Ok(path.clone()));
            continue;
        }
        let mut found = Vec::new();
        match score_files_below(path, &mut found) {
            Err(e) => files.push(Err(io_message(path, &e))),
            Ok(()) if found.is_empty() => files.push(Err(format!(
                "`{}` is a directory with no `.score` files in it",
                path.display()
            ))),
            Ok(()) => {
                found.sort();
                files.extend(found.into_iter().map(Ok));
            }
        }
    }
    files
}

/// Adds the `.score` files below `dir` to `found`.
fn score_files_below(dir: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            continue;
        }
        let path = entry.path();
        // `file_type` does not follow links, so a link to a directory is never walked
        // (it could lead back up the tree); `is_file` does, so a link to a model counts.
        if entry.file_type()?.is_dir() {
            score_files_below(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "score") && path.is_file() {
            found.push(path);
        }
    }
    Ok(())
}
