//! Outputs that would overwrite an input or another output are refused before anything
//! is read or written: `--rejects events.jsonl` would empty the events before they are
//! read, `-o` and `--rejects` naming one file would write over each other.
//!
//! Files are compared, not their names: an existing file by its device and inode (so a
//! link or another spelling of its path is the same file), a file not yet made by its
//! canonical path (its directory resolved, then its name).

use std::path::{Path, PathBuf};

/// A file a command reads or writes, with the option or argument that names it
/// (`--leads`, `-o`, `the model`).
pub type Named<'a> = (&'a str, &'a Path);

/// Refuses `outputs` when one is the same file as an input or as an earlier output:
/// the message names both. `-` (standard input or output) is never a file here.
pub fn distinct(inputs: &[Named<'_>], outputs: &[Named<'_>]) -> Result<(), Clash> {
    let ids = |files: &[Named<'_>]| -> Vec<Option<FileId>> {
        files.iter().map(|(_, path)| FileId::of(path)).collect()
    };
    let (input_ids, output_ids) = (ids(inputs), ids(outputs));
    for (i, (output, id)) in outputs.iter().zip(&output_ids).enumerate() {
        let Some(id) = id else { continue };
        let earlier = inputs
            .iter()
            .zip(&input_ids)
            .chain(outputs[..i].iter().zip(&output_ids[..i]));
        for (other, other_id) in earlier {
            if other_id.as_ref() == Some(id) {
                return Err(Clash {
                    output: output.0.to_string(),
                    other: other.0.to_string(),
                    path: output.1.to_path_buf(),
                });
            }
        }
    }
    Ok(())
}

/// An output that is the same file as an input or another output.
#[derive(Debug)]
pub struct Clash {
    /// What names the output (`--rejects`).
    pub output: String,
    /// What names the other file (`--events`, `-o`).
    pub other: String,
    /// The output's path, as given.
    pub path: PathBuf,
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} and {} name the same file (`{}`): give {} a file of its own",
            self.output,
            self.other,
            self.path.display(),
            self.output
        )
    }
}

/// What tells one file from another.
#[derive(Debug, PartialEq, Eq)]
enum FileId {
    /// An existing file: its device and inode (on Unix; elsewhere its canonical path).
    Existing(u64, u64),
    /// A path: canonical for an existing file off Unix, else its directory's canonical
    /// path and its name.
    Path(PathBuf),
}

impl FileId {
    /// `None` for `-`.
    fn of(path: &Path) -> Option<FileId> {
        if leadscore::open::is_stdin(path) {
            return None;
        }
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(path) {
            use std::os::unix::fs::MetadataExt;
            return Some(FileId::Existing(meta.dev(), meta.ino()));
        }
        if let Ok(canonical) = std::fs::canonicalize(path) {
            return Some(FileId::Path(canonical));
        }
        // Not made yet: its directory's canonical path and its name.
        let name = path.file_name().map(PathBuf::from).unwrap_or_default();
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        Some(FileId::Path(dir.join(name)))
    }
}
