//! Scoring a batch: leads sorted by id and cut into shares of consecutive leads, each
//! share scored (and formatted, for output) on one of several threads.

use super::store::Row;
use super::{Batch, Summary};
use crate::eval::{Attrs, Outcome, Results, StateRef};
use crate::output;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};

/// Leads per share when results are written as they are formatted: about a megabyte of
/// JSON Lines, so a handful in flight cost little memory, and enough shares to keep every
/// thread busy.
const WRITTEN_SHARE: usize = 8192;

/// Writes the formatted shares coming from `formatted` (numbered from 0, in any order)
/// to `out` in their order, handing each buffer back to `recycle` once written.
fn write_shares_in_order(
    formatted: mpsc::Receiver<(usize, Vec<u8>)>,
    recycle: &mpsc::Sender<Vec<u8>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut waiting = BTreeMap::new();
    let mut due = 0;
    for (i, bytes) in formatted {
        waiting.insert(i, bytes);
        while let Some(bytes) = waiting.remove(&due) {
            out.write_all(&bytes)?;
            // The threads may all be done; then the buffer is just dropped.
            let _ = recycle.send(bytes);
            due += 1;
        }
    }
    Ok(())
}

impl Batch {
    /// Every lead's outcome, in byte-wise ascending order of id, computed on `threads`
    /// threads (the order and values do not depend on how many).
    pub fn finish_parallel(self, explain: bool, threads: usize) -> (Vec<Outcome>, Summary) {
        let (shares, summary) = self.finish_with(threads, |share| share.outcomes(explain));
        (shares.into_iter().flatten().collect(), summary)
    }

    /// Every lead's outcome, in byte-wise ascending order of id.
    pub fn finish(self, explain: bool) -> (Vec<Outcome>, Summary) {
        self.finish_parallel(explain, 1)
    }

    /// Scores every lead on `threads` threads: the leads, sorted byte-wise by id, are
    /// cut into shares of consecutive leads, and `each` turns a share into a result
    /// (outcomes, or formatted output, so formatting runs in parallel too). The results
    /// come back in id order; neither they nor the order depend on `threads`.
    pub fn finish_with<T: Send>(
        &self,
        threads: usize,
        each: impl Fn(LeadShare<'_>) -> T + Sync,
    ) -> (Vec<T>, Summary) {
        let runs = self.runs(threads);
        // Several shares per thread keep the threads busy when leads differ in cost.
        let size = runs
            .len()
            .div_ceil(threads.clamp(1, super::MAX_THREADS) * 4)
            .max(1);
        let shares = runs.shares(size);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads.clamp(1, super::MAX_THREADS))
                .map(|_| {
                    scope.spawn(|| {
                        let (mut done, mut leads) = (Vec::new(), Vec::new());
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(share) = shares.get(i) else { break };
                            done.push((i, each(self.share(&runs, share.clone(), &mut leads))));
                        }
                        done
                    })
                })
                .collect();
            let mut all: Vec<(usize, T)> = handles
                .into_iter()
                .flat_map(|h| h.join().expect("scoring does not panic"))
                .collect();
            all.sort_unstable_by_key(|(i, _)| *i);
            all.into_iter().map(|(_, t)| t).collect()
        });
        (results, self.summary())
    }

    /// The counts of what was read, and of the leads to score.
    pub fn summary(&self) -> Summary {
        let mut summary = self.events.summary.clone();
        summary.leads = self.leads.len() + self.events.other_ids.len();
        summary
    }

    /// Every lead in one or two runs sorted byte-wise by id, on `threads` threads. Each
    /// is sorted by the first 16 bytes of its id kept beside it (a shorter id is padded
    /// with zero bytes, which sort first, so the order is the same), and ids are only
    /// read when those tie: with a million leads this avoids a cache miss per
    /// comparison. An entry is 24 bytes; the ids and rows themselves are read again
    /// only when the lead is scored. Ids are distinct, so the order is the same however
    /// the work is split.
    fn runs(&self, threads: usize) -> Runs {
        // The two sets of ids do not overlap: a lead seen in events cannot be added later.
        let leads = self.leads.len() + self.events.other_ids.len();
        let by_id = self.by_id();
        let sorted = |leads: std::ops::Range<usize>| {
            let mut run: Vec<InOrder> = leads
                .map(|lead| InOrder {
                    key: sort_key(self.id_of(lead)),
                    lead,
                })
                .collect();
            run.sort_unstable_by(&by_id);
            run
        };
        // Below this many leads a second thread costs more than it saves.
        const ALONE: usize = 1 << 16;
        if threads < 2 || leads < ALONE {
            return Runs(sorted(0..leads), Vec::new());
        }
        // Each half of the leads sorted on a thread of its own.
        std::thread::scope(|scope| {
            let first = scope.spawn(|| sorted(0..leads / 2));
            let second = sorted(leads / 2..leads);
            Runs(first.join().expect("sorting does not panic"), second)
        })
    }

    /// The leads at positions `range` of `runs` merged, as a share to score: merged
    /// into `leads` (emptied first; a thread's buffer, reused share after share).
    fn share<'s>(
        &'s self,
        runs: &Runs,
        range: std::ops::Range<usize>,
        leads: &'s mut Vec<InOrder>,
    ) -> LeadShare<'s> {
        leads.clear();
        runs.merge_into(range, self.by_id(), leads);
        LeadShare { batch: self, leads }
    }

    /// The order of leads by id.
    fn by_id(&self) -> impl Fn(&InOrder, &InOrder) -> std::cmp::Ordering + '_ {
        |a: &InOrder, b: &InOrder| {
            a.key
                .cmp(&b.key)
                .then_with(|| self.id_of(a.lead).cmp(self.id_of(b.lead)))
        }
    }

    /// The id of a lead as [`InOrder`] numbers it: the leads input's in their order,
    /// then those seen only in events.
    fn id_of(&self, lead: usize) -> &str {
        match self.row_of(lead) {
            Row::Known(i) => self.leads.record(i).id,
            Row::Other(j) => &self.events.other_ids[j],
        }
    }

    /// Starts loading where the record of a lead (as [`InOrder`] numbers it) is, and
    /// its state: the memory it is scored from, but its record.
    fn prefetch_lead(&self, lead: usize) {
        match self.row_of(lead) {
            Row::Known(i) => {
                self.leads.prefetch(i);
                self.events.known.prefetch(i);
            }
            Row::Other(j) => {
                crate::prefetch::prefetch(&self.events.other_ids[j]);
                self.events.others.prefetch(j);
            }
        }
    }

    /// Starts loading the record (or the id) of a lead, once [`Batch::prefetch_lead`]
    /// has brought where it is.
    fn prefetch_record(&self, lead: usize) {
        match self.row_of(lead) {
            Row::Known(i) => self.leads.prefetch_record(i),
            Row::Other(j) => {
                if let Some(first) = self.events.other_ids[j].as_bytes().first() {
                    crate::prefetch::prefetch(first);
                }
            }
        }
    }

    /// Where the state of a lead as [`InOrder`] numbers it is.
    fn row_of(&self, lead: usize) -> Row {
        match lead.checked_sub(self.leads.len()) {
            None => Row::Known(lead),
            Some(j) => Row::Other(j),
        }
    }

    /// Scores every lead and writes the results to `out` in id order: `format` turns a
    /// share of consecutive leads into bytes (appended to the buffer it is given) on
    /// `threads` threads, and each share is written as soon as the shares before it are.
    /// Only a few shares' bytes are held at a time (their buffers are reused), not the
    /// whole output; the bytes do not depend on `threads`. Stops at the first error
    /// writing.
    pub fn write_in_order(
        &self,
        threads: usize,
        format: impl Fn(LeadShare<'_>, &mut Vec<u8>) + Sync,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let runs = self.runs(threads);
        let shares = runs.shares(WRITTEN_SHARE);
        let threads = threads.clamp(1, super::MAX_THREADS);
        let next = AtomicUsize::new(0);
        let stop = AtomicBool::new(false);
        let (send, formatted) = mpsc::sync_channel::<(usize, Vec<u8>)>(threads);
        let (recycle, recycled) = mpsc::channel::<Vec<u8>>();
        let recycled = Mutex::new(recycled);
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let (send, recycled) = (send.clone(), &recycled);
                let (shares, next, stop, format) = (&shares, &next, &stop, &format);
                let runs = &runs;
                scope.spawn(move || {
                    let mut leads = Vec::with_capacity(WRITTEN_SHARE);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(share) = shares.get(i) else { break };
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let buffer = recycled.lock().expect("no panics holding it").try_recv();
                        let mut bytes = buffer.unwrap_or_default();
                        bytes.clear();
                        format(self.share(runs, share.clone(), &mut leads), &mut bytes);
                        if send.send((i, bytes)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(send);
            let written = write_shares_in_order(formatted, &recycle, out);
            // On an error, the threads stop at their next share.
            stop.store(true, Ordering::Relaxed);
            written
        })
    }
    /// The outcome of the lead `id` (with its reasons if `explain`), `None` when the
    /// batch has no such lead: to explain a few leads after [`Batch::finish_with`] gave
    /// every lead's results without reasons.
    pub fn outcome(&self, id: &str, explain: bool) -> Option<Outcome> {
        debug_assert!(
            !explain || self.explainable,
            "lead records keep what is explained"
        );
        let row = match self.leads.index.get(id) {
            Some(i) => Row::Known(i as usize),
            None => Row::Other(self.events.other_index.get(id)? as usize),
        };
        let (lead, state) = self.lead_and_state(row);
        Some(self.scorer.outcome_of(id, lead, state, self.as_of, explain))
    }

    /// A lead's record (every field absent for a lead seen only in events) and state.
    fn lead_and_state(&self, row: Row) -> (Attrs<'_>, StateRef<'_>) {
        match row {
            Row::Known(i) => (self.leads.attrs(Some(i)), self.events.known.row(i)),
            Row::Other(j) => (Attrs::NONE, self.events.others.row(j)),
        }
    }
}

/// How many leads ahead of the one being scored [`LeadShare::rows`] asks for the
/// memory of: where the lead's record is and its state at this distance, the record
/// itself at half of it (once where it is has arrived).
const AHEAD: usize = 16;

/// A lead in id order: the first bytes of its id, to sort by, and which lead it is
/// (see [`Batch::id_of`]).
#[derive(Clone, Copy)]
struct InOrder {
    key: [u64; 2],
    lead: usize,
}

/// Consecutive leads (in id order) to score, from [`Batch::finish_with`].
pub struct LeadShare<'a> {
    batch: &'a Batch,
    leads: &'a [InOrder],
}

impl<'a> LeadShare<'a> {
    /// Each lead's id and where its state is, in order. In id order leads are far
    /// apart in memory, so the memory of the leads a few places on is asked for while
    /// one is scored (see [`Batch::prefetch_lead`]).
    fn rows(&self) -> impl Iterator<Item = (&'a str, Row)> + 'a {
        let (batch, leads) = (self.batch, self.leads);
        leads.iter().enumerate().map(move |(k, lead)| {
            if let Some(ahead) = leads.get(k + AHEAD) {
                batch.prefetch_lead(ahead.lead);
            }
            if let Some(ahead) = leads.get(k + AHEAD / 2) {
                batch.prefetch_record(ahead.lead);
            }
            (batch.id_of(lead.lead), batch.row_of(lead.lead))
        })
    }

    /// The outcomes of the leads, with names and, with `explain`, the reasons.
    pub fn outcomes(&self, explain: bool) -> Vec<Outcome> {
        let batch = self.batch;
        debug_assert!(
            !explain || batch.explainable,
            "lead records keep what is explained"
        );
        self.rows()
            .map(|(id, row)| {
                let (lead, state) = batch.lead_and_state(row);
                batch
                    .scorer
                    .outcome_of(id, lead, state, batch.as_of, explain)
            })
            .collect()
    }

    /// Writes the leads' results in `format`, with their reasons if `explain` (CSV: the
    /// rows, without the header). Without reasons, results are written straight from
    /// their positions in the plan, without building an [`Outcome`] per lead.
    pub fn write(
        &self,
        format: output::Format,
        explain: bool,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let plan = self.batch.scorer.plan();
        match (format, explain) {
            (output::Format::Jsonl, true) => output::write_jsonl(&self.outcomes(true), out),
            (output::Format::Csv, true) => output::write_csv_rows(&self.outcomes(true), true, out),
            (output::Format::Jsonl, false) => {
                let lines = output::JsonlResults::new(plan);
                self.try_for_each(|id, results| lines.write(id, results, &mut *out))
            }
            (output::Format::Csv, false) => {
                let mut rows = output::CsvResults::new(plan, &mut *out);
                self.try_for_each(|id, results| rows.write(id, results))
                    .and_then(|()| rows.finish())
            }
        }
    }

    /// Each lead's id, record (every field absent for a lead seen only in events) and
    /// state, in order: for callers that read more of a lead than its results.
    pub(crate) fn leads(&self) -> impl Iterator<Item = (&str, Attrs<'_>, StateRef<'_>)> {
        self.rows().map(|(id, row)| {
            let (lead, state) = self.batch.lead_and_state(row);
            (id, lead, state)
        })
    }

    /// The batch's scorer and as-of time.
    pub(crate) fn scorer(&self) -> (&crate::eval::Scorer, i64) {
        (&self.batch.scorer, self.batch.as_of)
    }

    /// Calls `f` with each lead's id and results, in order, until it fails. Cheaper
    /// than [`LeadShare::outcomes`]: one set of buffers serves every lead.
    pub fn try_for_each<E>(
        &self,
        mut f: impl FnMut(&str, &Results) -> Result<(), E>,
    ) -> Result<(), E> {
        let batch = self.batch;
        let mut results = Results::default();
        for (id, row) in self.rows() {
            let (lead, state) = batch.lead_and_state(row);
            batch
                .scorer
                .results_into(lead, state, batch.as_of, &mut results, None);
            f(id, &results)?;
        }
        Ok(())
    }
}

/// Leads in two runs each sorted by id (the second may be empty). They are not merged
/// into one table of every lead, on one thread, before scoring can start (fresh memory,
/// slow to touch): each share of leads merges its own part of them.
struct Runs(Vec<InOrder>, Vec<InOrder>);

impl Runs {
    fn len(&self) -> usize {
        self.0.len() + self.1.len()
    }

    /// The positions of the leads, merged, cut into shares of `size` (the last may be
    /// shorter).
    fn shares(&self, size: usize) -> Vec<std::ops::Range<usize>> {
        (0..self.len())
            .step_by(size)
            .map(|start| start..(start + size).min(self.len()))
            .collect()
    }

    /// Appends to `out` the leads at positions `range` of the two runs merged, in
    /// order (`by` the runs' order, in which no two leads are equal).
    fn merge_into(
        &self,
        range: std::ops::Range<usize>,
        by: impl Fn(&InOrder, &InOrder) -> std::cmp::Ordering,
        out: &mut Vec<InOrder>,
    ) {
        let less = |x: &InOrder, y: &InOrder| by(x, y).is_lt();
        let (a, b) = (&self.0[..], &self.1[..]);
        let (i0, i1) = (
            taken_from_first(a, b, range.start, less),
            taken_from_first(a, b, range.end, less),
        );
        let (mut a, mut b) = (&a[i0..i1], &b[range.start - i0..range.end - i1]);
        while let (Some(x), Some(y)) = (a.first(), b.first()) {
            if less(y, x) {
                out.push(*y);
                b = &b[1..];
            } else {
                out.push(*x);
                a = &a[1..];
            }
        }
        out.extend_from_slice(a);
        out.extend_from_slice(b);
    }
}

/// How many of the first `k` items of `a` and `b` merged (each sorted by `less`, no
/// two items equal) come from `a`: found by halving, without merging.
fn taken_from_first<T>(a: &[T], b: &[T], k: usize, less: impl Fn(&T, &T) -> bool) -> usize {
    let (mut lo, mut hi) = (k.saturating_sub(b.len()), k.min(a.len()));
    while lo < hi {
        let mid = (lo + hi) / 2;
        // `mid` from `a` and `k - mid` from `b`: too few from `a` when the last of
        // those from `b` comes after the next of `a`.
        if less(&a[mid], &b[k - mid - 1]) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The first 16 bytes of `id`, padded with zero bytes, as two big-endian words: in
/// the order of the ids they start.
fn sort_key(id: &str) -> [u64; 2] {
    let mut bytes = [0u8; 16];
    let n = id.len().min(16);
    bytes[..n].copy_from_slice(&id.as_bytes()[..n]);
    let word = |at: usize| u64::from_be_bytes(bytes[at..at + 8].try_into().expect("8 bytes"));
    [word(0), word(8)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part of two sorted runs, merged on its own, is that part of the whole
    /// merge: for runs of any lengths (one empty, one all before the other,
    /// interleaved) and parts of any size.
    #[test]
    fn parts_of_two_runs_merge_into_the_parts_of_their_merge() {
        let less = |x: &u32, y: &u32| x < y;
        let cases: [(Vec<u32>, Vec<u32>); 4] = [
            (
                (0..50).map(|i| i * 3).collect(),
                (0..40).map(|i| i * 3 + 1).collect(),
            ),
            ((0..30).collect(), Vec::new()),
            ((0..10).collect(), (10..60).collect()),
            ((20..25).collect(), (0..20).collect()),
        ];
        for (a, b) in &cases {
            let mut whole: Vec<u32> = a.iter().chain(b).copied().collect();
            whole.sort_unstable();
            for k in 0..=whole.len() {
                let from_a = whole[..k].iter().filter(|x| a.contains(x)).count();
                assert_eq!(taken_from_first(a, b, k, less), from_a, "k = {k}");
            }
            let as_leads = |run: &[u32]| {
                run.iter()
                    .map(|&x| InOrder {
                        key: [u64::from(x), 0],
                        lead: x as usize,
                    })
                    .collect()
            };
            let runs = Runs(as_leads(a), as_leads(b));
            let by = |x: &InOrder, y: &InOrder| x.key.cmp(&y.key);
            for size in [1, 7, 64] {
                let mut parts = Vec::new();
                for share in runs.shares(size) {
                    runs.merge_into(share, by, &mut parts);
                }
                let leads: Vec<u32> = parts.iter().map(|l| l.lead as u32).collect();
                assert_eq!(leads, whole, "parts of {size}");
            }
        }
    }
}
