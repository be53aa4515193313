//! Opening an input the way every command does: a file, or standard input for `-`, and
//! decompressed when it is gzip or zstd data.
//!
//! What the bytes are decides, not the name: a gzip file called `events.jsonl` is read as
//! gzip. The name is only a hint, checked against the bytes: `events.jsonl.gz` that is not
//! gzip data is refused rather than read as text (a name that says "compressed" over
//! bytes that are not is a mistake worth telling). A decompressed input reads like any
//! other, so it goes through the same readers (the parallel one included) and gives the
//! same results, byte for byte.
//!
//! ```
//! use leadscore::open;
//! use std::io::{Read, Write};
//!
//! let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
//! gzip.write_all(b"{\"id\":\"L1\"}\n").unwrap();
//! let bytes = gzip.finish().unwrap();
//!
//! let mut input = open::decompressed("leads.jsonl.gz", &bytes[..]).unwrap();
//! let mut text = String::new();
//! input.reader.read_to_string(&mut text).unwrap();
//! assert_eq!((input.name.as_str(), text.as_str()), ("leads.jsonl.gz", "{\"id\":\"L1\"}\n"));
//! ```

use super::{Input, Mapped, Source};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The path that stands for standard input.
pub const STDIN: &str = "-";

/// The name messages give standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether `path` stands for standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == STDIN
}

/// The name messages give the input at `path`: the path, or `<stdin>` for `-`.
pub fn name_of(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// Opens the input at `path` (standard input for `-`), decompressed (see
/// [`decompressed`]), named for messages as [`name_of`] says, with the file's size, and
/// its bytes mapped when it is a plain file ([`Mapped::plain_file`]).
pub fn open(path: &Path) -> io::Result<Input<'static>> {
    let mut input = decompressed(name_of(path), open_raw(path)?)?;
    if !is_stdin(path) {
        input.size = std::fs::metadata(path).ok().map(|m| m.len());
    }
    input.mapped = Mapped::plain_file(path);
    Ok(input)
}

/// The bytes of the input at `path` (standard input for `-`) as they are stored, not
/// decompressed: to count them for a progress display, say, before [`decompressed`].
pub fn open_raw(path: &Path) -> io::Result<Box<dyn Read>> {
    if is_stdin(path) {
        return Ok(Box::new(io::stdin().lock()));
    }
    Ok(Box::new(std::fs::File::open(path)?))
}

/// The whole input at `path` (standard input for `-`), decompressed: for models and
/// plans, which are read at once.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    open(path)?.reader.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// How an input's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (`.gz`), one member or several.
    Gzip,
    /// zstd (`.zst`), one frame or several.
    Zstd,
}

impl Compression {
    /// The longest magic number looked for.
    const MAGIC_LEN: usize = 4;

    /// The compression whose magic number `start` (an input's first bytes) begins with.
    pub fn of_bytes(start: &[u8]) -> Compression {
        if start.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if start.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// The compression a file name says: `.gz` is gzip, `.zst` zstd.
    pub fn of_name(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some(ext) if ext.eq_ignore_ascii_case("gz") => Compression::Gzip,
            Some(ext) if ext.eq_ignore_ascii_case("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// A file name without the extension of its compression (`events.csv.gz` →
/// `events.csv`), so the format can be told by what is left.
pub fn without_compression(path: &Path) -> PathBuf {
    match Compression::of_name(path) {
        Compression::None => path.to_path_buf(),
        _ => path.with_extension(""),
    }
}

/// The source `name` reading `raw`, decompressed when its first bytes are a gzip or
/// zstd magic number (several gzip members or zstd frames one after the other are read
/// as one stream, as `zcat` does). Fails when the name ends with `.gz` or `.zst` but the
/// bytes are not compressed that way. Later, damaged or cut-short compressed data fails
/// the read with an error that says so.
pub fn decompressed<'r>(name: impl Into<String>, raw: impl Read + 'r) -> io::Result<Input<'r>> {
    let name = name.into();
    let (start, raw) = peek(raw, Compression::MAGIC_LEN)?;
    let found = Compression::of_bytes(&start);
    let said = Compression::of_name(Path::new(&name));
    if said != Compression::None && found == Compression::None {
        return Err(io::Error::other(format!(
            "the name says {} data (`.{}`), but the bytes are not compressed",
            said.name(),
            if said == Compression::Gzip {
                "gz"
            } else {
                "zst"
            }
        )));
    }
    let raw = io::Cursor::new(start).chain(raw);
    let reader: Box<dyn Read + 'r> = match found {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(Damaged {
            inner: flate2::read::MultiGzDecoder::new(raw),
            compression: found,
        }),
        Compression::Zstd => Box::new(Damaged {
            inner: zstd::stream::read::Decoder::new(raw)?,
            compression: found,
        }),
    };
    Ok(Source {
        name,
        reader,
        size: None,
        mapped: None,
    })
}

/// Up to `n` first bytes of `reader` (fewer only at its end), and the reader after them.
fn peek<R: Read>(mut reader: R, n: usize) -> io::Result<(Vec<u8>, R)> {
    let mut start = Vec::with_capacity(n);
    (&mut reader).take(n as u64).read_to_end(&mut start)?;
    Ok((start, reader))
}

/// A decoder whose errors say that the compressed data is damaged or cut short (the
/// decoders' own words, "unexpected end of file", do not say which file is at fault).
struct Damaged<R> {
    inner: R,
    compression: Compression,
}

impl<R: Read> Read for Damaged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                return e;
            }
            io::Error::other(format!(
                "the {} data is damaged or cut short ({e})",
                self.compression.name()
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"{\"id\":\"L1\"}\n{\"id\":\"L2\"}\n";

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn read_all(name: &str, bytes: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        decompressed(name, bytes)?.reader.read_to_end(&mut out)?;
        Ok(out)
    }

    /// A reader that hands out one byte per call, as a slow pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let Some((&first, rest)) = self.0.split_first() else {
                return Ok(0);
            };
            if buf.is_empty() {
                return Ok(0);
            }
            buf[0] = first;
            self.0 = rest;
            Ok(1)
        }
    }

    #[test]
    fn the_bytes_decide_the_compression() {
        let zstd = zstd::encode_all(TEXT, 1).unwrap();
        assert_eq!(read_all("x.jsonl", TEXT).unwrap(), TEXT);
        assert_eq!(read_all("x.jsonl", &gzip(TEXT)).unwrap(), TEXT);
        assert_eq!(read_all("x.jsonl.gz", &gzip(TEXT)).unwrap(), TEXT);
        assert_eq!(read_all("x", &zstd).unwrap(), TEXT);
        assert_eq!(read_all("x.zst", &zstd).unwrap(), TEXT);
        // The bytes win over the name when both are compressed.
        assert_eq!(read_all("x.gz", &zstd).unwrap(), TEXT);
        assert_eq!(read_all("empty", b"").unwrap(), b"");
        assert_eq!(read_all("short", b"\x1f").unwrap(), b"\x1f");
    }

    #[test]
    fn concatenated_members_read_as_one_stream() {
        let both = [gzip(b"a\n"), gzip(b"b\n")].concat();
        assert_eq!(read_all("x.gz", &both).unwrap(), b"a\nb\n");
    }

    #[test]
    fn the_magic_number_is_found_through_short_reads() {
        let bytes = gzip(TEXT);
        let mut out = Vec::new();
        decompressed("pipe", Trickle(&bytes))
            .unwrap()
            .reader
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, TEXT);
    }

    #[test]
    fn a_name_that_says_compressed_over_plain_bytes_is_refused() {
        let error = read_all("x.jsonl.gz", TEXT).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the name says gzip data (`.gz`), but the bytes are not compressed"
        );
        assert!(read_all("x.zst", TEXT).is_err());
    }

    #[test]
    fn cut_short_data_is_an_error_that_says_so() {
        let bytes = gzip(&TEXT.repeat(100));
        let error = read_all("x.gz", &bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the gzip data is damaged or cut short ("),
            "{error}"
        );
        let zstd = zstd::encode_all(&TEXT.repeat(100)[..], 1).unwrap();
        let error = read_all("x.zst", &zstd[..zstd.len() / 2]).unwrap_err();
        assert!(
            error.to_string().starts_with("the zstd data is damaged"),
            "{error}"
        );
    }

    #[test]
    fn names_lose_their_compression_extension_only() {
        let name = |p: &str| without_compression(Path::new(p));
        assert_eq!(name("events.csv.gz"), Path::new("events.csv"));
        assert_eq!(name("events.CSV.ZST"), Path::new("events.CSV"));
        assert_eq!(name("events.csv"), Path::new("events.csv"));
        assert_eq!(name_of(Path::new("-")), "<stdin>");
        assert_eq!(name_of(Path::new("a/b.jsonl")), "a/b.jsonl");
    }
}
