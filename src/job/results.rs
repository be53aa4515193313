//! Every lead's results in a compact table, for comparing two models over many leads
//! (`leadscore diff`): a few numbers per lead where an [`Outcome`] with its reasons holds
//! dozens of strings. The batch the results came from is kept, so any lead can still be
//! explained, rule by rule, afterwards.

use super::FileCounts;
use crate::batch::{Batch, Summary};
use crate::eval::{Outcome, Results};
use crate::plan::Plan;

/// Every lead's scores, grade bands and flags by their positions in the plan, in lead id
/// order (byte-wise, as every output), from [`super::ScoreJob::results`].
pub struct LeadResults {
    batch: Batch,
    columns: Columns,
    /// The counts of the run.
    pub summary: Summary,
    /// What each input held.
    pub files: Vec<FileCounts>,
}

/// The results of consecutive leads, one column after the other for each lead.
#[derive(Default)]
struct Columns {
    /// Every id, one after the other; `id_ends[i]` is where lead `i`'s ends.
    ids: String,
    id_ends: Vec<usize>,
    scores: Vec<f64>,
    bands: Vec<usize>,
    flags: Vec<bool>,
}

impl Columns {
    fn push(&mut self, id: &str, results: &Results) {
        self.ids.push_str(id);
        self.id_ends.push(self.ids.len());
        self.scores.extend_from_slice(&results.scores);
        self.bands.extend_from_slice(&results.bands);
        self.flags.extend_from_slice(&results.flags);
    }

    fn append(&mut self, other: Columns) {
        let offset = self.ids.len();
        self.ids.push_str(&other.ids);
        self.id_ends
            .extend(other.id_ends.into_iter().map(|end| end + offset));
        self.scores.extend(other.scores);
        self.bands.extend(other.bands);
        self.flags.extend(other.flags);
    }
}

impl LeadResults {
    /// Scores every lead of `batch` on `threads` threads, keeping the results compactly.
    pub(super) fn of(batch: Batch, threads: usize, files: Vec<FileCounts>) -> LeadResults {
        let (shares, summary) = batch.finish_with(threads, |share| {
            let mut columns = Columns::default();
            share
                .try_for_each(|id, results| {
                    columns.push(id, results);
                    Ok::<(), std::convert::Infallible>(())
                })
                .unwrap_or_else(|never| match never {});
            columns
        });
        let mut columns = Columns::default();
        for share in shares {
            columns.append(share);
        }
        LeadResults {
            batch,
            columns,
            summary,
            files,
        }
    }

    /// The plan the results are of.
    pub fn plan(&self) -> &Plan {
        self.batch.scorer().plan()
    }

    /// How many leads there are.
    pub fn len(&self) -> usize {
        self.columns.id_ends.len()
    }

    /// Whether there are no leads.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of the `i`th lead.
    pub fn id(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |j| self.columns.id_ends[j]);
        &self.columns.ids[start..self.columns.id_ends[i]]
    }

    /// The `i`th lead's scores, in the plan's order.
    pub fn scores(&self, i: usize) -> &[f64] {
        let n = self.plan().scores.len();
        &self.columns.scores[i * n..(i + 1) * n]
    }

    /// The `i`th lead's band in each of the plan's grades (an index into its bands).
    pub fn bands(&self, i: usize) -> &[usize] {
        let n = self.plan().grades.len();
        &self.columns.bands[i * n..(i + 1) * n]
    }

    /// The `i`th lead's flags, in the plan's order.
    pub fn flags(&self, i: usize) -> &[bool] {
        let n = self.plan().flags.len();
        &self.columns.flags[i * n..(i + 1) * n]
    }

    /// The outcome of the lead `id`, with its reasons; `None` when there is no such lead.
    pub fn explain(&self, id: &str) -> Option<Outcome> {
        self.batch.outcome(id, true)
    }
}
