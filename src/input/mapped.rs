//! A plain file's bytes mapped into memory, for the readers that cut a whole input into
//! blocks (JSON Lines on every core).
//!
//! Reading a file copies every byte from the page cache into fresh buffers: on the
//! benchmark machine the kernel's copy and the buffers' first touch cost about a tenth of
//! a run's CPU. A map reads the page cache in place. Each block's pages are let go of as
//! soon as it is parsed ([`Mapped::release`]), so the run's resident memory does not grow
//! with the file (the file stays in the page cache, shared, as after a read).
//!
//! Only a regular, uncompressed, non-empty file is mapped; anything else (standard input,
//! a pipe, gzip data, a file that cannot be mapped) is read as a stream, with the same
//! results. A mapped file must not be shortened while it is read: as with any program
//! that maps its input, the process would be stopped by the system (`SIGBUS`).

use super::open::Compression;
use memmap2::Mmap;
use std::fs::File;
use std::ops::Range;
use std::path::Path;

/// A file's bytes, mapped.
pub struct Mapped {
    map: Mmap,
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mapped({} bytes)", self.map.len())
    }
}

impl Mapped {
    /// The bytes of the file at `path`, when it is a regular file, not empty, and not
    /// compressed (by its bytes and by its name); `None` otherwise, for `-` (standard
    /// input, as every command reads it) or when mapping fails (the caller then reads
    /// the input as a stream).
    pub fn plain_file(path: &Path) -> Option<Mapped> {
        if super::open::is_stdin(path) {
            return None;
        }
        let file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() == 0 || Compression::of_name(path) != Compression::None {
            return None;
        }
        // SAFETY: the map is only read, and only as bytes (every reader checks them
        // as input). Another process shortening the file meanwhile would make reading
        // past its new end fault (SIGBUS): the module's documentation says so, as any
        // program that maps its input must.
        let map = unsafe { Mmap::map(&file) }.ok()?;
        if Compression::of_bytes(&map) != Compression::None {
            return None;
        }
        // Blocks are read in file order, each by one thread: ask for reading ahead.
        #[cfg(unix)]
        let _ = map.advise(memmap2::Advice::Sequential);
        Some(Mapped { map })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// Lets go of the pages wholly inside `range` (bytes that are read no more): they
    /// leave the process's resident memory; the file keeps them in the page cache.
    #[cfg(unix)]
    pub fn release(&self, range: Range<usize>) {
        let page = page_size();
        let start = range.start.div_ceil(page) * page;
        let end = range.end.min(self.map.len()) / page * page;
        if start < end {
            // SAFETY: the map is read-only and never written, so dropping its pages
            // loses nothing: a later read of them faults them in again from the file.
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    start,
                    end - start,
                )
            };
        }
    }

    /// Elsewhere pages are left to the system.
    #[cfg(not(unix))]
    pub fn release(&self, _range: Range<usize>) {}
}

/// The system's page size (4 KiB where it cannot be asked).
#[cfg(unix)]
fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf only reads a system setting.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|&s| s > 0)
            .unwrap_or(4096)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        (dir, path)
    }

    #[test]
    fn a_plain_file_is_mapped_as_its_bytes() {
        let text = b"{\"id\":\"L1\"}\n".repeat(1000);
        let (_dir, path) = file_with(&text, "leads.jsonl");
        let mapped = Mapped::plain_file(&path).expect("mapped");
        assert_eq!(mapped.bytes(), &text[..]);
        // Letting pages go keeps the bytes readable (they come back from the file).
        mapped.release(0..text.len());
        assert_eq!(mapped.bytes(), &text[..]);
    }

    #[test]
    fn compressed_empty_and_missing_files_are_not_mapped() {
        let (_dir, gzip) = file_with(&[0x1f, 0x8b, 8, 0], "events.jsonl");
        assert!(Mapped::plain_file(&gzip).is_none(), "gzip by its bytes");
        let (_dir2, named) = file_with(b"{}\n", "events.jsonl.zst");
        assert!(Mapped::plain_file(&named).is_none(), "zstd by its name");
        let (_dir3, empty) = file_with(b"", "events.jsonl");
        assert!(Mapped::plain_file(&empty).is_none(), "empty");
        assert!(Mapped::plain_file(Path::new("/no/such/file")).is_none());
        assert!(Mapped::plain_file(Path::new("/tmp")).is_none(), "a folder");
        assert!(
            Mapped::plain_file(Path::new("-")).is_none(),
            "standard input"
        );
    }
}
