//! Reading a stream on several threads: one thread cuts it into blocks of whole lines,
//! workers parse the blocks. A mapped file is cut where it lies, each block's pages let
//! go of once it is parsed; a stream is read into block buffers, which go back to the
//! reader when a worker is done with them, so a large file is read through a handful of
//! buffers instead of fresh (zeroed, page-faulted) memory for every block.

use crate::input::{RecordError, Source};
use std::io::Read;
use std::ops::Range;
use std::sync::{mpsc, Mutex};

/// Bytes read per block (a block also holds the unfinished line carried over).
const BLOCK: usize = 4 << 20;

/// A block of whole lines, starting at line `first_line`: `buffer[..len]` of a stream,
/// or `range` of a mapped file.
struct Block {
    bytes: Bytes,
    first_line: u64,
}

enum Bytes {
    Read { buffer: Vec<u8>, len: usize },
    Mapped(Range<usize>),
}

/// Cuts `source` into blocks of whole lines and hands them to `threads` threads. Each
/// thread makes its state with `init` and runs `work` on it for each of its blocks
/// (with the number of the block's first line); returns how reading ended and every
/// thread's final state.
pub fn in_parallel<R: Read, W: Send>(
    source: Source<R>,
    threads: usize,
    init: impl Fn() -> W + Sync,
    work: impl Fn(&mut W, &[u8], u64) + Sync,
) -> (Result<(), RecordError>, Vec<W>) {
    let threads = threads.clamp(1, super::MAX_THREADS);
    let (sender, receiver) = mpsc::sync_channel::<Block>(threads * 2);
    let receiver = Mutex::new(receiver);
    let (recycle, recycled) = mpsc::channel::<Vec<u8>>();
    let mapped = source.mapped.as_ref();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let recycle = recycle.clone();
                let (receiver, init, work) = (&receiver, &init, &work);
                scope.spawn(move || {
                    let mut state = init();
                    loop {
                        let block = receiver
                            .lock()
                            .expect("no worker panics holding the lock")
                            .recv();
                        let Ok(block) = block else { break };
                        match (block.bytes, mapped) {
                            (Bytes::Read { buffer, len }, _) => {
                                work(&mut state, &buffer[..len], block.first_line);
                                // The reader may have finished; then the buffer is just
                                // dropped.
                                let _ = recycle.send(buffer);
                            }
                            (Bytes::Mapped(range), Some(map)) => {
                                work(&mut state, &map.bytes()[range.clone()], block.first_line);
                                map.release(range);
                            }
                            // Only a map is cut into ranges of it.
                            (Bytes::Mapped(_), None) => unreachable!("mapped blocks of a map"),
                        }
                    }
                    state
                })
            })
            .collect();
        let send = |block| sender.send(block).is_ok();
        let read_result = match mapped {
            Some(map) => {
                cut(map.bytes(), send);
                Ok(())
            }
            None => read_blocks(
                source.reader,
                &source.name,
                || recycled.try_recv().unwrap_or_default(),
                send,
            ),
        };
        drop(sender);
        let states = handles
            .into_iter()
            .map(|h| h.join().expect("workers do not panic"))
            .collect();
        (read_result, states)
    })
}

/// Cuts the bytes of a mapped file into blocks of whole lines of about [`BLOCK`] bytes,
/// passing each to `send` (which returns false to stop): the same lines, numbered the
/// same, as [`read_blocks`] gives for the same bytes.
fn cut(bytes: &[u8], mut send: impl FnMut(Block) -> bool) {
    // A byte order mark before the first line is not part of it.
    let mut start = bytes.len() - crate::input::strip_bom(bytes).len();
    let mut line = 1u64;
    while start < bytes.len() {
        // Up to the end of the line that reaches past a block's bytes.
        let end = match bytes.get(start + BLOCK..) {
            Some(rest) => {
                memchr::memchr(b'\n', rest).map_or(bytes.len(), |at| start + BLOCK + at + 1)
            }
            None => bytes.len(),
        };
        let lines = line_count(&bytes[start..end]);
        let block = Block {
            bytes: Bytes::Mapped(start..end),
            first_line: line,
        };
        if !send(block) {
            return;
        }
        line += lines;
        start = end;
    }
}

/// Reads `reader` in blocks of whole lines (buffers from `buffer`), passing each to
/// `send` (which returns false to stop).
fn read_blocks(
    mut reader: impl Read,
    name: &str,
    mut buffer: impl FnMut() -> Vec<u8>,
    mut send: impl FnMut(Block) -> bool,
) -> Result<(), RecordError> {
    // The unfinished last line of the previous block.
    let mut carry: Vec<u8> = Vec::new();
    let mut line = 1u64;
    loop {
        let mut block = buffer();
        let size = carry.len().max(BLOCK / 2) + BLOCK;
        if block.len() < size {
            block.resize(size, 0);
        }
        block[..carry.len()].copy_from_slice(&carry);
        let mut filled = carry.len();
        while filled < size {
            match reader.read(&mut block[filled..size]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // The line reading stopped in: after the whole lines read so far.
                    let read = memchr::memchr_iter(b'\n', &block[..filled]).count() as u64;
                    return Err(RecordError::unreadable(name, line + read, &e));
                }
            }
        }
        let at_end = filled < size;
        // A byte order mark before the first line is not part of it.
        let bom = filled - crate::input::strip_bom(&block[..filled]).len();
        if line == 1 && carry.is_empty() && bom > 0 {
            block.copy_within(bom..filled, 0);
            filled -= bom;
        }
        carry.clear();
        if !at_end {
            // Keep the unfinished last line for the next block.
            match memchr::memrchr(b'\n', &block[..filled]) {
                Some(pos) => {
                    carry.extend_from_slice(&block[pos + 1..filled]);
                    filled = pos + 1;
                }
                None => {
                    // One line longer than the block: read on into a larger one.
                    carry.extend_from_slice(&block[..filled]);
                    continue;
                }
            }
        }
        if filled == 0 {
            return Ok(());
        }
        let lines = line_count(&block[..filled]);
        let sent = send(Block {
            bytes: Bytes::Read {
                buffer: block,
                len: filled,
            },
            first_line: line,
        });
        if !sent || at_end {
            return Ok(());
        }
        line += lines;
    }
}

/// How many lines a block of whole lines numbers (the next block's first line is its
/// first line plus this).
pub fn line_count(block: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', block).count() as u64 + u64::from(!block.ends_with(b"\n"))
}

/// The records of a block: its lines that are not blank, numbered from 0 (blank lines
/// count), as text without the line break and a `\r` before it. The block is checked
/// as UTF-8 once (nearly always it is), and line by line only when it is not: a line
/// that is not UTF-8 comes as bytes.
pub fn text_lines(block: &[u8]) -> impl Iterator<Item = (u64, Result<&str, &[u8]>)> {
    let text = std::str::from_utf8(block).ok();
    let records = line_ranges(block)
        .filter(move |(_, range)| !block[range.clone()].iter().all(u8::is_ascii_whitespace));
    records.map(move |(i, range)| {
        let line = match text {
            // Line ends are ASCII, so every range falls on character boundaries.
            Some(text) => Ok(&text[range]),
            None => std::str::from_utf8(&block[range.clone()]).map_err(|_| &block[range]),
        };
        (i, line)
    })
}

fn line_ranges(block: &[u8]) -> impl Iterator<Item = (u64, Range<usize>)> + '_ {
    let mut start = 0;
    let mut ends = memchr::memchr_iter(b'\n', block);
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let end = match ends.next() {
            Some(end) => end,
            None => {
                done = true;
                if start == block.len() {
                    return None;
                }
                block.len()
            }
        };
        let line = start..end;
        start = end + 1;
        Some(match block[line.clone()].ends_with(b"\r") {
            true => line.start..line.end - 1,
            false => line,
        })
    })
    .enumerate()
    .map(|(i, line)| (i as u64, line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Mapped;

    fn blocks_of(text: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let mut out = Vec::new();
        read_blocks(text, "t", Vec::new, |b| {
            out.push((b.bytes_of(text).to_vec(), b.first_line));
            true
        })
        .unwrap();
        out
    }

    /// The blocks `cut` makes of `text` as if it were a mapped file.
    fn cut_of(text: &[u8]) -> Vec<(Vec<u8>, u64)> {
        let mut out = Vec::new();
        cut(text, |b| {
            out.push((b.bytes_of(text).to_vec(), b.first_line));
            true
        });
        out
    }

    impl Block {
        fn bytes_of<'a>(&'a self, mapped: &'a [u8]) -> &'a [u8] {
            match &self.bytes {
                Bytes::Read { buffer, len } => &buffer[..*len],
                Bytes::Mapped(range) => &mapped[range.clone()],
            }
        }
    }

    /// The lines of blocks, each with its number (from the block's first line).
    fn numbered(blocks: &[(Vec<u8>, u64)]) -> Vec<(u64, Vec<u8>)> {
        blocks
            .iter()
            .flat_map(|(block, first)| {
                text_lines(block)
                    .map(move |(i, line)| (first + i, line.unwrap().as_bytes().to_vec()))
            })
            .collect()
    }

    /// A mapped file gives the same lines, numbered the same, as the same bytes read as
    /// a stream: several blocks, lines across their boundaries, a line longer than a
    /// block, blank lines, a byte order mark, no line break at the end.
    #[test]
    fn a_mapped_file_is_cut_into_the_lines_a_stream_is_read_into() {
        let short = b"{\"id\":\"L1\"}\n\n".repeat(400_000);
        let long = [vec![b'x'; BLOCK + 7], b"\n".to_vec()].concat();
        let text = [
            b"\xEF\xBB\xBF".to_vec(),
            short.clone(),
            long,
            short,
            b"last".to_vec(),
        ]
        .concat();
        let (mapped, read) = (cut_of(&text), blocks_of(&text));
        assert!(mapped.len() > 2, "several blocks");
        assert_eq!(numbered(&mapped), numbered(&read));
        assert_eq!(joined(&mapped), joined(&read));
        assert_eq!(cut_of(b""), vec![]);
        assert_eq!(cut_of(b"\xEF\xBB\xBF"), vec![], "only a byte order mark");
    }

    #[test]
    fn text_lines_are_the_lines_and_a_bad_line_stays_bytes() {
        let good: Vec<_> = text_lines("é\r\nb".as_bytes()).collect();
        assert_eq!(good, vec![(0, Ok("é")), (1, Ok("b"))]);
        let bad: Vec<_> = text_lines(b"a\n\xff\nc").collect();
        assert_eq!(
            bad,
            vec![(0, Ok("a")), (1, Err(&b"\xff"[..])), (2, Ok("c"))]
        );
    }

    #[test]
    fn lines_split_on_line_breaks_and_drop_carriage_returns() {
        let all: Vec<_> = text_lines(b"a\r\n \t\nb").collect();
        assert_eq!(
            all,
            vec![(0, Ok("a")), (2, Ok("b"))],
            "blank lines skipped, counted"
        );
        assert_eq!(text_lines(b"a\n").count(), 1);
        assert_eq!(text_lines(b"").count(), 0);
    }

    #[test]
    fn blocks_hold_whole_lines_and_number_them() {
        // Lines of 1 MB: several blocks, and a line that straddles each boundary.
        let line = [vec![b'x'; (1 << 20) - 1], vec![b'\n']].concat();
        let text: Vec<u8> = line.repeat(13);
        let blocks = blocks_of(&text);
        assert!(blocks.len() > 1);
        let mut next_line = 1;
        for (block, first) in &blocks {
            assert_eq!(*first, next_line);
            assert!(block.ends_with(b"\n"));
            next_line += line_ranges(block).count() as u64;
        }
        assert_eq!(joined(&blocks), text);
    }

    #[test]
    fn a_byte_order_mark_starts_no_line() {
        let blocks = blocks_of(b"\xEF\xBB\xBFa\n\xEF\xBB\xBFb\n");
        assert_eq!(
            joined(&blocks),
            b"a\n\xEF\xBB\xBFb\n",
            "only the file's first"
        );
    }

    #[test]
    fn a_read_error_names_the_line_it_stopped_in() {
        // Three whole lines, part of a fourth, then the stream fails (cut-short gzip).
        let broken = (&b"a\nb\nc\nd"[..]).chain(FailingReader);
        let error = read_blocks(broken, "t", Vec::new, |_| true).unwrap_err();
        assert_eq!((error.file.as_str(), error.line), ("t", 4));
    }

    struct FailingReader;

    impl Read for FailingReader {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("cut short"))
        }
    }

    /// A source with a map is read from the map, not from its reader (which here fails
    /// at once): every line, numbered, and no error.
    #[test]
    fn a_mapped_source_is_read_from_its_map() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        std::fs::write(&path, "a\nb\n\nc\n").unwrap();
        let source = Source {
            name: "events.jsonl".to_string(),
            reader: FailingReader,
            size: None,
            mapped: Some(Mapped::plain_file(&path).expect("mapped")),
        };
        let (read, states) = in_parallel(source, 2, Vec::new, |seen, block, first| {
            seen.extend(text_lines(block).map(|(i, line)| (first + i, line.unwrap().to_string())))
        });
        assert!(read.is_ok(), "the reader is not read");
        let mut lines: Vec<_> = states.into_iter().flatten().collect();
        lines.sort();
        let expected = [(1, "a"), (2, "b"), (4, "c")].map(|(n, l)| (n, l.to_string()));
        assert_eq!(lines, expected);
    }

    #[test]
    fn a_line_longer_than_a_block_is_kept_whole() {
        let text = [vec![b'y'; BLOCK * 2], b"\nz".to_vec()].concat();
        let blocks = blocks_of(&text);
        assert_eq!(joined(&blocks), text);
        assert_eq!(blocks.last().unwrap().1, 1);
    }

    fn joined(blocks: &[(Vec<u8>, u64)]) -> Vec<u8> {
        blocks.iter().flat_map(|(b, _)| b.iter().copied()).collect()
    }
}
