//! Results as Arrow record batches (the `columnar` feature), for embedders that keep
//! data in data frames: the columns of the CSV output ([`results_schema`]), with the
//! numbers a CSV cell shows (rounded the same way; absent is null) and, with
//! explanations, `why` as a list of structs, one per [`Reason`].

use super::LeadResults;
use crate::eval::{round_points, Outcome, Reason, ReasonKind};
use crate::output::{csv_columns, shown_points};
use crate::plan::Plan;
use arrow_array::builder::{BooleanBuilder, Float64Builder, StringBuilder};
use arrow_array::{
    ArrayRef, Float64Array, Int64Array, ListArray, RecordBatch, StringArray, StructArray,
};
use arrow_buffer::OffsetBuffer;
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use std::sync::Arc;

/// Leads per record batch of results.
const ROWS_PER_BATCH: usize = 65_536;

/// The fields of one explanation line in the `why` column: the [`Reason`]'s score,
/// kind (`rule`, `decay`, `clamp`, `derived`), rule text, label, file, line, points
/// and how many times it counted (counts as signed integers, which every engine has:
/// Spark has no unsigned ones).
fn reason_fields() -> Fields {
    Fields::from(vec![
        Field::new("score", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("rule", DataType::Utf8, false),
        Field::new("label", DataType::Utf8, true),
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("points", DataType::Float64, false),
        Field::new("fired", DataType::Int64, true),
    ])
}

/// The schema of the results of `plan`: the CSV output's columns, `lead` and grades as
/// text, scores as nullable 64-bit floats, flags as booleans, and with `explain` the
/// `why` column (a list of the structs [`Reason`]s are).
pub fn results_schema(plan: &Plan, explain: bool) -> SchemaRef {
    let names = csv_columns(plan, explain);
    let (scores, grades) = (plan.scores.len(), plan.grades.len());
    let fields: Vec<Field> = names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let (data_type, nullable) = match i {
                0 => (DataType::Utf8, false),
                i if i <= scores => (DataType::Float64, true),
                i if i <= scores + grades => (DataType::Utf8, false),
                i if i <= scores + grades + plan.flags.len() => (DataType::Boolean, false),
                _ => (why_type(), false),
            };
            Field::new(name, data_type, nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

fn why_type() -> DataType {
    DataType::List(Arc::new(Field::new_struct("item", reason_fields(), false)))
}

impl LeadResults {
    /// The results as Arrow record batches (of at most 65,536 leads each, in lead id
    /// order) with [`results_schema`] without explanations: the rows the CSV output has.
    pub fn to_record_batches(&self) -> Vec<RecordBatch> {
        let plan = self.plan();
        (0..self.len())
            .step_by(ROWS_PER_BATCH)
            .map(|start| {
                let mut rows = Rows::new(plan, false);
                for i in start..self.len().min(start + ROWS_PER_BATCH) {
                    let grades = plan.grades.iter().zip(self.bands(i));
                    let bands = grades.map(|(grade, &band)| grade.bands[band].name.as_str());
                    rows.push(self.id(i), self.scores(i), bands, self.flags(i), None);
                }
                rows.finish()
            })
            .collect()
    }
}

/// Outcomes (of [`super::ScoreJob::outcomes`], say) as Arrow record batches of at most
/// 65,536 leads each with [`results_schema`]: with `explain`, the `why` column lists
/// each outcome's reasons (none for an outcome without them).
pub fn outcomes_to_record_batches(
    plan: &Plan,
    outcomes: &[Outcome],
    explain: bool,
) -> Vec<RecordBatch> {
    outcomes
        .chunks(ROWS_PER_BATCH)
        .map(|chunk| {
            let mut rows = Rows::new(plan, explain);
            for outcome in chunk {
                let scores: Vec<f64> = outcome.scores.iter().map(|(_, v)| *v).collect();
                let flags: Vec<bool> = outcome.flags.iter().map(|(_, f)| *f).collect();
                let bands = outcome.grades.iter().map(|(_, band)| band.as_str());
                let why = explain.then(|| outcome.why.as_deref().unwrap_or_default());
                rows.push(&outcome.lead, &scores, bands, &flags, why);
            }
            rows.finish()
        })
        .collect()
}

/// The columns of a batch of results being built.
struct Rows<'p> {
    plan: &'p Plan,
    explain: bool,
    ids: StringBuilder,
    scores: Vec<Float64Builder>,
    grades: Vec<StringBuilder>,
    flags: Vec<BooleanBuilder>,
    why: Why,
}

impl<'p> Rows<'p> {
    fn new(plan: &'p Plan, explain: bool) -> Self {
        Rows {
            plan,
            explain,
            ids: StringBuilder::new(),
            scores: plan.scores.iter().map(|_| Float64Builder::new()).collect(),
            grades: plan.grades.iter().map(|_| StringBuilder::new()).collect(),
            flags: plan.flags.iter().map(|_| BooleanBuilder::new()).collect(),
            why: Why::default(),
        }
    }

    fn push<'a>(
        &mut self,
        id: &str,
        scores: &[f64],
        bands: impl Iterator<Item = &'a str>,
        flags: &[bool],
        why: Option<&[Reason]>,
    ) {
        self.ids.append_value(id);
        for (column, &score) in self.scores.iter_mut().zip(scores) {
            column.append_option(shown_points(score));
        }
        for (column, band) in self.grades.iter_mut().zip(bands) {
            column.append_value(band);
        }
        for (column, &flag) in self.flags.iter_mut().zip(flags) {
            column.append_value(flag);
        }
        if let Some(reasons) = why {
            self.why.push(reasons);
        }
    }

    fn finish(mut self) -> RecordBatch {
        let mut columns: Vec<ArrayRef> = vec![Arc::new(self.ids.finish())];
        columns.extend(
            self.scores
                .iter_mut()
                .map(|c| Arc::new(c.finish()) as ArrayRef),
        );
        columns.extend(
            self.grades
                .iter_mut()
                .map(|c| Arc::new(c.finish()) as ArrayRef),
        );
        columns.extend(
            self.flags
                .iter_mut()
                .map(|c| Arc::new(c.finish()) as ArrayRef),
        );
        if self.explain {
            columns.push(Arc::new(self.why.finish()));
        }
        RecordBatch::try_new(results_schema(self.plan, self.explain), columns)
            .expect("the columns follow the schema")
    }
}

/// The `why` column being built: every lead's reasons, one after the other.
#[derive(Default)]
struct Why {
    /// Where each lead's reasons start, and after the last, where they end.
    offsets: Vec<i32>,
    scores: Vec<String>,
    kinds: Vec<&'static str>,
    rules: Vec<String>,
    labels: Vec<Option<String>>,
    files: Vec<String>,
    lines: Vec<i64>,
    points: Vec<f64>,
    fired: Vec<Option<i64>>,
}

impl Why {
    fn push(&mut self, reasons: &[Reason]) {
        if self.offsets.is_empty() {
            self.offsets.push(0);
        }
        for r in reasons {
            self.scores.push(r.score.clone());
            self.kinds.push(kind_name(r.kind));
            self.rules.push(r.rule.clone());
            self.labels.push(r.label.clone());
            self.files.push(r.file.clone());
            self.lines.push(i64::from(r.line));
            self.points.push(round_points(r.points));
            self.fired
                .push(r.fired.map(|n| i64::try_from(n).unwrap_or(i64::MAX)));
        }
        let end = i32::try_from(self.scores.len()).expect("fewer than 2^31 reasons a batch");
        self.offsets.push(end);
    }

    fn finish(self) -> ListArray {
        let offsets = if self.offsets.is_empty() {
            vec![0]
        } else {
            self.offsets
        };
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.scores)),
            Arc::new(StringArray::from(self.kinds)),
            Arc::new(StringArray::from(self.rules)),
            Arc::new(StringArray::from(self.labels)),
            Arc::new(StringArray::from(self.files)),
            Arc::new(Int64Array::from(self.lines)),
            Arc::new(Float64Array::from(self.points)),
            Arc::new(Int64Array::from(self.fired)),
        ];
        let reasons = StructArray::new(reason_fields(), columns, None);
        let field = Arc::new(Field::new_struct("item", reason_fields(), false));
        let offsets = OffsetBuffer::new(offsets.into());
        ListArray::new(field, offsets, Arc::new(reasons), None)
    }
}

/// A reason's kind as JSON writes it.
fn kind_name(kind: ReasonKind) -> &'static str {
    match kind {
        ReasonKind::Rule => "rule",
        ReasonKind::Decay => "decay",
        ReasonKind::Clamp => "clamp",
        ReasonKind::Derived => "derived",
    }
}
