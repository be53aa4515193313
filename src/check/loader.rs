//! Reading a model and its imports.
//!
//! Import paths are relative to the importing file. A file imported twice (a diamond) is
//! read once; a file that imports itself, directly or not, is an error at the `import`.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Sources, Span};
use crate::syntax::{self, ast};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Where model source text comes from: the file system, or memory (tests, embedders).
pub trait Loader {
    /// The text of the file at `path` (already resolved against the importing file).
    fn read(&self, path: &Path) -> std::io::Result<String>;

    /// `.score` files next to `dir`'s entries, for "did you mean" on a missing import.
    fn siblings(&self, _dir: &Path) -> Vec<String> {
        Vec::new()
    }
}

/// Reads models from disk.
#[derive(Debug, Default, Clone, Copy)]
pub struct FsLoader;

impl Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
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
    let main_path = normalize(Path::new(main_name));
    let main = sources.add(main_name, main_text);
    let mut state = State {
        loader,
        sources,
        diagnostics,
        seen: HashMap::new(),
        stack: Vec::new(),
        ordered: Vec::new(),
    };
    state.seen.insert(main_path.clone(), main);
    state.visit(main, main_path);
    Loaded {
        files: state.ordered,
        main,
    }
}

struct State<'a> {
    loader: &'a dyn Loader,
    sources: &'a mut Sources,
    diagnostics: &'a mut Diagnostics,
    seen: HashMap<PathBuf, FileId>,
    /// Files being visited, outermost first.
    stack: Vec<PathBuf>,
    ordered: Vec<(FileId, ast::File)>,
}

impl State<'_> {
    fn visit(&mut self, file: FileId, path: PathBuf) {
        let (ast, syntax) = syntax::parse(file, self.sources.text(file));
        self.diagnostics.extend(syntax);
        self.stack.push(path.clone());
        for item in &ast.items {
            if let ast::Item::Import { path: target, span } = item {
                self.import(&path, target, *span);
            }
        }
        self.stack.pop();
        self.ordered.push((file, ast));
    }

    fn import(&mut self, importer: &Path, target: &str, span: Span) {
        let dir = importer.parent().unwrap_or(Path::new(""));
        let path = normalize(&dir.join(target));
        if let Some(pos) = self.stack.iter().position(|p| *p == path) {
            let chain: Vec<String> = self.stack[pos..]
                .iter()
                .map(|p| format!("`{}`", p.display()))
                .chain(std::iter::once(format!("`{}`", path.display())))
                .collect();
            self.diagnostics.push(
                Diagnostic::new(
                    Code::ImportCycle,
                    format!("`{target}` is already being imported: the imports form a cycle"),
                    span,
                    "this import closes the cycle",
                )
                .with_note(format!("cycle: {}", chain.join(" → ")))
                .with_help("move the shared declarations into a file that both can import"),
            );
            return;
        }
        if self.seen.contains_key(&path) {
            return;
        }
        match self.loader.read(&path) {
            Ok(text) => {
                let id = self.sources.add(path.display().to_string(), text);
                self.seen.insert(path.clone(), id);
                self.visit(id, path);
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
                        format!("cannot read `{}`: {}", path.display(), describe_io(&error)),
                        span,
                        "imported here",
                    )
                    .with_did_you_mean(
                        file_name,
                        siblings.iter().map(String::as_str),
                        Some(relative),
                    ),
                );
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
/// spellings is recognised (and cycles are found) in memory too.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}
