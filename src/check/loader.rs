//! Reading a model and its imports.
//!
//! Import paths are relative to the importing file. A file imported twice (a diamond) is
//! read once; a file that imports itself, directly or not, is an error at the `import`.
//! A file is at most [`MAX_MODEL_BYTES`] long, the main file and each import alike, and
//! is never read further than that.

use super::{cycle_note, MAX_CYCLE_NAMES};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Sources, Span};
use crate::syntax::{self, ast};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The most bytes a model file may hold (10 MiB): the main file and each import. Real
/// models are a few kilobytes; the limit keeps a wrong path (`import "/dev/zero"`) from
/// exhausting memory.
pub const MAX_MODEL_BYTES: usize = 10 * 1024 * 1024;

/// Reads at most `limit` bytes of the file at `path`: a longer file is an error of kind
/// [`std::io::ErrorKind::FileTooLarge`], found without reading more than one byte past
/// the limit (so a device that never ends, like `/dev/zero`, is refused too).
pub fn read_bounded(path: &Path, limit: usize) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {}", size_in_words(limit)),
        ));
    }
    Ok(bytes)
}

/// `10 MiB`, `64 KiB` or `300 bytes`.
pub fn size_in_words(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * KIB;
    match bytes {
        b if b >= MIB && b % MIB == 0 => format!("{} MiB", b / MIB),
        b if b >= KIB && b % KIB == 0 => format!("{} KiB", b / KIB),
        b => format!("{b} bytes"),
    }
}

/// Where model source text comes from: the file system, or memory (tests, embedders).
pub trait Loader {
    /// The text of the file at `path` (already resolved against the importing file).
    fn read(&self, path: &Path) -> std::io::Result<String>;

    /// `.score` files next to `dir`'s entries, for "did you mean" on a missing import.
    fn siblings(&self, _dir: &Path) -> Vec<String> {
        Vec::new()
    }
}

/// Reads models from disk, at most [`MAX_MODEL_BYTES`] of each.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        String::from_utf8(read_bounded(path, MAX_MODEL_BYTES)?).map_err(|_| {
            // What `std::fs::read_to_string` says.
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            )
        })
    }

    fn siblings(&self, dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        }) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".score"))
            .collect();
        names.sort();
        names
    }
}

/// Serves models from a map of path → text.
#[derive(Debug, Default, Clone)]
pub struct MemoryLoader {
    files: HashMap<PathBuf, String>,
}

impl MemoryLoader {
    /// A loader with no files.
    pub fn new() -> Self {
        MemoryLoader::default()
    }

    /// Adds a file that imports can name.
    pub fn with(mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        self.files.insert(normalize(&path.into()), text.into());
        self
    }
}

impl Loader for MemoryLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"))
    }

    fn siblings(&self, dir: &Path) -> Vec<String> {
        let dir = normalize(dir);
        let mut names: Vec<String> = self
            .files
            .keys()
            .filter(|p| p.parent().map(normalize) == Some(dir.clone()))
            .filter_map(|p| Some(p.file_name()?.to_str()?.to_string()))
            .collect();
        names.sort();
        names
    }
}

/// Every file of a model, parsed, with imported files before the files importing them.
pub struct Loaded {
    pub files: Vec<(FileId, ast::File)>,
    pub main: FileId,
}

/// Reads and parses `main` (whose text is given) and everything it imports.
pub fn load(
    main_name: &str,
    main_text: String,
    loader: &dyn Loader,
    sources: &mut Sources,
    diagnostics: &mut Diagnostics,
) -> Loaded {
    if main_text.len() > MAX_MODEL_BYTES {
        // Its text is kept out of the sources too: the diagnostic points at its start.
        let main = sources.add(main_name, String::new());
        diagnostics.push(too_large_diagnostic(
            main_name,
            Span::new(main, 0, 0),
            "this file",
        ));
        return Loaded {
            files: vec![(main, ast::File::default())],
            main,
        };
    }
    let main_path = normalize(Path::new(main_name));
    let main = sources.add(main_name, main_text);
    let mut state = State {
        loader,
        sources,
        diagnostics,
        seen: HashMap::new(),
        stack: Vec::new(),
        depth_of: HashMap::new(),
        ordered: Vec::new(),
    };
    state.seen.insert(main_path.clone(), main);
    state.visit(main, main_path);
    Loaded {
        files: state.ordered,
        main,
    }
}

/// E0104: a model file longer than [`MAX_MODEL_BYTES`]; `span` is where it is named.
fn too_large_diagnostic(path: &str, span: Span, label: &str) -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!(
            "`{path}` is too large for a model: larger than {}",
            size_in_words(MAX_MODEL_BYTES)
        ),
        span,
        label,
    )
    .with_note(format!(
        "a model file, and each file it imports, may be at most {}",
        size_in_words(MAX_MODEL_BYTES)
    ))
    .with_help(
        "check the path; a model this large is better split into files that import each other",
    )
}

struct State<'a> {
    loader: &'a dyn Loader,
    sources: &'a mut Sources,
    diagnostics: &'a mut Diagnostics,
    seen: HashMap<PathBuf, FileId>,
    /// Files being visited, outermost first.
    stack: Vec<PathBuf>,
    /// Where each file being visited is on `stack`: an import closes a cycle when it
    /// names one, found without a walk along a stack that may be long.
    depth_of: HashMap<PathBuf, usize>,
    ordered: Vec<(FileId, ast::File)>,
}

/// A file being visited: its imports are being read, one after the other.
struct Open {
    file: FileId,
    path: PathBuf,
    ast: ast::File,
    /// How many of the file's items have been looked at for imports.
    items_seen: usize,
}

impl Open {
    /// The next `import` of the file: its path and place.
    fn next_import(&mut self) -> Option<(String, Span)> {
        while let Some(item) = self.ast.items.get(self.items_seen) {
            self.items_seen += 1;
            if let ast::Item::Import { path, span } = item {
                return Some((path.clone(), *span));
            }
        }
        None
    }
}

impl State<'_> {
    /// Parses `file` and, depth first, everything it imports. The files being visited
    /// are kept on an explicit stack rather than the thread's, so a chain of imports may
    /// be as long as there are files.
    fn visit(&mut self, file: FileId, path: PathBuf) {
        let mut open = vec![self.open(file, path)];
        while let Some(importer) = open.last_mut() {
            let Some((target, span)) = importer.next_import() else {
                let done = open.pop().expect("a file is open");
                self.stack.pop();
                self.depth_of.remove(&done.path);
                self.ordered.push((done.file, done.ast));
                continue;
            };
            if let Some((imported, path)) = self.import(&importer.path, &target, span) {
                open.push(self.open(imported, path));
            }
        }
    }

    /// Parses `file` and marks it as being visited.
    fn open(&mut self, file: FileId, path: PathBuf) -> Open {
        let (ast, syntax) = syntax::parse(file, self.sources.text(file));
        self.diagnostics.extend(syntax);
        self.depth_of.insert(path.clone(), self.stack.len());
        self.stack.push(path.clone());
        Open {
            file,
            path,
            ast,
            items_seen: 0,
        }
    }

    /// Reads the file that `importer` imports as `target`; returns it when it is read for
    /// the first time (it is then to be visited).
    fn import(&mut self, importer: &Path, target: &str, span: Span) -> Option<(FileId, PathBuf)> {
        let dir = importer.parent().unwrap_or(Path::new(""));
        let path = normalize(&dir.join(target));
        if let Some(&depth) = self.depth_of.get(&path) {
            let cycle = &self.stack[depth..];
            let first: Vec<String> = cycle
                .iter()
                .take(MAX_CYCLE_NAMES)
                .map(|p| p.display().to_string())
                .collect();
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ImportCycle,
                    format!("`{target}` is already being imported: the imports form a cycle"),
                    span,
                    "this import closes the cycle",
                )
                .with_note(cycle_note(&first, cycle.len()))
                .with_help("move the shared declarations into a file that both can import"),
            );
            return None;
        }
        if self.seen.contains_key(&path) {
            return None;
        }
        let name = path.display().to_string();
        // The limit holds whatever the loader (`FsLoader` reads no further).
        let read = self.loader.read(&path).and_then(|text| {
            if text.len() > MAX_MODEL_BYTES {
                Err(std::io::ErrorKind::FileTooLarge.into())
            } else {
                Ok(text)
            }
        });
        match read {
            Ok(text) => {
                let id = self.sources.add(name, text);
                self.seen.insert(path.clone(), id);
                Some((id, path))
            }
            Err(error) if error.kind() == std::io::ErrorKind::FileTooLarge => {
                self.diagnostics
                    .push(too_large_diagnostic(&name, span, "imported here"));
                None
            }
            Err(error) => {
                let file_name = Path::new(target)
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or(target);
                let siblings = self.loader.siblings(path.parent().unwrap_or(Path::new("")));
                let relative = "import paths are relative to the importing file".to_string();
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::ImportNotFound,
                        format!("cannot read `{name}`: {}", describe_io(&error)),
                        span,
                        "imported here",
                    )
                    .with_did_you_mean(
                        file_name,
                        siblings.iter().map(String::as_str),
                        Some(relative),
                    ),
                );
                None
            }
        }
    }
}

fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => error.to_string(),
    }
}

/// Folds `.` and `..` without touching the file system, so the same file reached by two
/// spellings is recognised (and cycles are found) in memory too. A `..` cancels the
/// name before it; one that has no name to cancel is kept (`../../base.score` stays
/// two levels up), except at the root, whose parent is itself.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                Some(Component::ParentDir | Component::CurDir) | None => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;
    use std::path::Path;

    #[test]
    fn normalize_cancels_names_and_keeps_the_parents_left_over() {
        let cases = [
            ("a/./b/../c.score", "a/c.score"),
            ("a/b/../../c.score", "c.score"),
            ("../../base.score", "../../base.score"),
            ("a/../../../base.score", "../../base.score"),
            ("./../x/../y.score", "../y.score"),
            ("/../base.score", "/base.score"),
            ("/a/../../b.score", "/b.score"),
        ];
        for (path, normal) in cases {
            assert_eq!(normalize(Path::new(path)), Path::new(normal), "{path}");
        }
    }
}
