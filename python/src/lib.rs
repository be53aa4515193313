//! `leadscore._native`: the bindings the `leadscore` Python package wraps. Everything
//! is the library's own code (checker, plans, readers, interpreter, live engine); this
//! crate only moves values between Python and Rust: Arrow data through the Arrow C
//! stream interface (no copy), diagnostics and records as the CLI's JSON.

use arrow_array::ffi_stream::ArrowArrayStreamReader;
use arrow_array::RecordBatchReader;
use arrow_pyarrow::{FromPyArrow, IntoPyArrow, Table};
use leadscore::job::{self, JobError, RecordBatches, Records, ScoreJob};
use leadscore::live::{self, Settings};
use leadscore::{diagnostics, FsLoader, RecordError, Scorer, Source, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};
use std::sync::{Arc, Mutex};

/// The `LeadscoreError` the Python package defines, built by its
/// `_error_from_native(rendered, diagnostics_jsonl)`.
fn leadscore_error(py: Python<'_>, rendered: String, diagnostics_jsonl: String) -> PyErr {
    let made = py
        .import("leadscore")
        .and_then(|m| m.getattr("_error_from_native"))
        .and_then(|f| f.call1((rendered, diagnostics_jsonl)));
    match made {
        Ok(error) => PyErr::from_value(error),
        Err(error) => error,
    }
}

/// An error with one diagnostic record: a data error's code, the input's name as the
/// file, the row as the line (0: none in particular).
#[allow(clippy::too_many_arguments)]
fn coded_error(
    py: Python<'_>,
    code: leadscore::Code,
    file: &str,
    line: u64,
    column: Option<u32>,
    field: Option<&str>,
    message: &str,
    rendered: String,
) -> PyErr {
    let record = serde_json::json!({
        "code": code.as_str(),
        "severity": "error",
        "message": message,
        "file": file,
        "line": line,
        "column": column,
        "end_line": line,
        "end_column": column,
        "labels": [],
        "help": null,
        "notes": [],
        "field": field,
    });
    leadscore_error(py, rendered, format!("{record}\n"))
}

/// A bad record (or an input that cannot be read) as a `LeadscoreError`.
fn record_error(py: Python<'_>, e: &RecordError) -> PyErr {
    let rendered = format!("error[{}]: {e}", e.code().as_str());
    let field = e.field.as_deref();
    coded_error(
        py,
        e.code(),
        &e.file,
        e.line,
        e.column,
        field,
        &e.message,
        rendered,
    )
}

/// An error about no record in particular (a plan, the engine's clock, a model file).
fn other_error(py: Python<'_>, code: leadscore::Code, file: &str, message: String) -> PyErr {
    let rendered = format!("error[{}]: {message}", code.as_str());
    coded_error(py, code, file, 0, None, None, &message, rendered)
}

/// A job's error as a `LeadscoreError`.
fn job_error(py: Python<'_>, error: JobError) -> PyErr {
    match error {
        JobError::Record(record) => record_error(py, &record),
        other => other_error(py, other.code(), "", other.to_string()),
    }
}

/// Checks a model: its text, or with `text` `None` the file `name` (and its imports).
/// Returns every diagnostic as JSON Lines (`leadscore check --format json`).
#[pyfunction]
#[pyo3(signature = (name, text=None))]
fn check(py: Python<'_>, name: &str, text: Option<&str>) -> PyResult<String> {
    let checked = match text {
        Some(text) => leadscore::check_source(name, text, &FsLoader),
        None => leadscore::check_file(std::path::Path::new(name))
            .map_err(|e| file_error(py, name, &e))?,
    };
    let list = checked.diagnostics.into_vec();
    Ok(diagnostics::render::json(&list, &checked.sources))
}

/// A model file that cannot be read, as a `LeadscoreError`.
fn file_error(py: Python<'_>, name: &str, error: &std::io::Error) -> PyErr {
    let message = format!("cannot read: {error}");
    other_error(py, leadscore::Code::UnreadableInput, name, message)
}

/// Compiles a model (as [`check`] takes it) into a plan; a model with errors raises a
/// `LeadscoreError` with every diagnostic.
#[pyfunction]
#[pyo3(signature = (name, text=None))]
fn compile(py: Python<'_>, name: &str, text: Option<&str>) -> PyResult<Plan> {
    let compiled = match text {
        Some(text) => leadscore::compile_source(name, text, &FsLoader),
        None => leadscore::compile_file(std::path::Path::new(name))
            .map_err(|e| file_error(py, name, &e))?,
    };
    match compiled.plan {
        Some(plan) => Plan::new(py, plan),
        None => {
            let list = compiled.diagnostics.into_vec();
            let rendered = diagnostics::render::human(&list, &compiled.sources, false);
            let jsonl = diagnostics::render::json(&list, &compiled.sources);
            Err(leadscore_error(py, rendered, jsonl))
        }
    }
}

/// A time as `ts` and `--as-of` take it (RFC 3339, a date, seconds since 1970), in
/// microseconds since 1970.
#[pyfunction]
fn parse_time(text: &str) -> PyResult<i64> {
    leadscore::read_time_text(text, Default::default())
        .map_err(|e| PyValueError::new_err(format!("not a time: {text:?} ({})", e.problem)))
}

/// A duration (`7d`, `12h`, `90m`) in microseconds.
#[pyfunction]
fn parse_duration(text: &str) -> PyResult<i64> {
    leadscore::time::parse_duration(text)
        .ok_or_else(|| PyValueError::new_err(format!("not a duration: {text:?}")))
}

/// A compiled model, verified, ready to score.
#[pyclass(module = "leadscore._native", frozen)]
struct Plan {
    scorer: Arc<Scorer>,
}

impl Plan {
    fn new(py: Python<'_>, plan: leadscore::Plan) -> PyResult<Plan> {
        let scorer = Scorer::new(plan).map_err(|e| plan_error(py, &e))?;
        Ok(Plan {
            scorer: Arc::new(scorer),
        })
    }
}

fn plan_error(py: Python<'_>, error: &leadscore::PlanError) -> PyErr {
    other_error(py, error.code(), "plan", error.to_string())
}

/// Records handed over from Python: JSON Lines bytes (iterables of dicts become those),
/// or record batches taken through the Arrow C stream interface.
enum Given {
    Lines(Vec<u8>),
    Batches(RecordBatches),
}

impl Given {
    fn take(py: Python<'_>, name: &str, records: &Bound<'_, PyAny>) -> PyResult<Given> {
        if let Ok(bytes) = records.cast::<PyBytes>() {
            return Ok(Given::Lines(bytes.as_bytes().to_vec()));
        }
        if !records.hasattr("__arrow_c_stream__")? {
            return Err(PyTypeError::new_err(format!(
                "{name}: expected Arrow data (an object with __arrow_c_stream__) or JSON Lines bytes"
            )));
        }
        let reader = ArrowArrayStreamReader::from_pyarrow_bound(records)?;
        let schema = reader.schema();
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| PyValueError::new_err(format!("{name}: {e}")))?;
        RecordBatches::new(name, schema, batches)
            .map(Given::Batches)
            .map_err(|e| record_error(py, &e))
    }

    fn records(&self, name: &str) -> Records<'_> {
        match self {
            Given::Lines(bytes) => Records::Stream(Source::new(name, bytes.as_slice())),
            Given::Batches(batches) => Records::Batches(batches),
        }
    }
}

#[pymethods]
impl Plan {
    /// A plan from the bytes `Plan.to_bytes` (or `leadscore compile`) wrote, verified.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Plan> {
        let plan = leadscore::Plan::from_bytes(data).map_err(|e| plan_error(py, &e))?;
        Plan::new(py, plan)
    }

    /// The plan's bytes, as `leadscore compile` writes them.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.scorer.plan().to_bytes())
    }

    /// The model's name.
    #[getter]
    fn model(&self) -> String {
        self.scorer.plan().name().to_string()
    }

    /// The event types the model declares.
    #[getter]
    fn event_types(&self) -> Vec<String> {
        let plan = self.scorer.plan();
        plan.event_types().iter().map(|e| e.name.clone()).collect()
    }

    /// The results' schema (a `pyarrow.Schema`).
    #[pyo3(signature = (explain=false))]
    fn schema<'py>(&self, py: Python<'py>, explain: bool) -> PyResult<Bound<'py, PyAny>> {
        job::results_schema(self.scorer.plan(), explain)
            .as_ref()
            .clone()
            .into_pyarrow(py)
    }

    /// Scores `leads` and `events` (each `None`, JSON Lines bytes or Arrow data) as of
    /// `as_of` (microseconds) with the GIL released. Returns the results (a
    /// `pyarrow.Table`) and, with `rejects`, the bad records as JSON Lines.
    #[pyo3(signature = (leads, events, as_of, explain=false, rejects=false, threads=None))]
    #[allow(clippy::too_many_arguments)] // Python's keyword arguments
    fn score<'py>(
        &self,
        py: Python<'py>,
        leads: Option<&Bound<'py, PyAny>>,
        events: Option<&Bound<'py, PyAny>>,
        as_of: i64,
        explain: bool,
        rejects: bool,
        threads: Option<usize>,
    ) -> PyResult<(Bound<'py, PyAny>, Option<String>)> {
        let leads = leads.map(|l| Given::take(py, "leads", l)).transpose()?;
        let events = events.map(|e| Given::take(py, "events", e)).transpose()?;
        let mut job = ScoreJob::new(as_of);
        job.explain = explain;
        if let Some(threads) = threads {
            job.threads = threads;
        }
        let scorer = self.scorer.clone();
        let scored = py.detach(|| {
            let mut bad = Vec::new();
            let leads = leads.as_ref().map(|l| l.records("leads"));
            let events = events.as_ref().map(|e| e.records("events"));
            let out = rejects.then_some(&mut bad as &mut dyn std::io::Write);
            let plan = scorer.plan();
            let batches = if explain {
                job.outcomes_of(scorer.clone(), leads, events, out, &mut |_| {})
                    .map(|(outcomes, _)| job::outcomes_to_record_batches(plan, &outcomes, true))
            } else {
                job.results_of(scorer.clone(), leads, events, out, &mut |_| {})
                    .map(|results| results.to_record_batches())
            };
            batches.map(|b| (b, String::from_utf8_lossy(&bad).into_owned()))
        });
        let (batches, bad) = scored.map_err(|e| job_error(py, e))?;
        let schema = job::results_schema(self.scorer.plan(), explain);
        let table = Table::try_new(batches, schema)
            .map_err(|e| PyValueError::new_err(e.to_string()))?
            .into_pyarrow(py)?;
        Ok((table, rejects.then_some(bad)))
    }

    /// A live engine following leads with this plan; events may be up to `lateness`
    /// microseconds older than the clock.
    fn engine(&self, py: Python<'_>, lateness: i64) -> PyResult<Engine> {
        let settings = Settings::default().with_lateness(lateness);
        let engine = live::Engine::new(self.scorer.plan().clone(), settings)
            .map_err(|e| plan_error(py, &e))?;
        Ok(Engine {
            engine: Mutex::new(engine),
        })
    }
}

/// The live engine (`leadscore::live::Engine`): leads and events in any order, a clock,
/// the moments flags and grades change.
#[pyclass(module = "leadscore._native", frozen)]
struct Engine {
    /// Behind a lock: the engine is not `Sync` (its caches), and Python may call from any
    /// thread.
    engine: Mutex<live::Engine>,
}

impl Engine {
    fn engine(&self) -> std::sync::MutexGuard<'_, live::Engine> {
        // A panic is no bad input; a poisoned lock still holds a whole engine.
        self.engine
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A Python value as a record value (`None`: left out). Times come as text.
fn value(name: &str, v: &Bound<'_, PyAny>) -> PyResult<Option<Value>> {
    if v.is_none() {
        Ok(None)
    } else if v.is_instance_of::<PyBool>() {
        Ok(Some(Value::Bool(v.extract()?)))
    } else if v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        Ok(Some(Value::Number(v.extract()?)))
    } else if v.is_instance_of::<PyString>() {
        Ok(Some(Value::Str(v.extract()?)))
    } else {
        let ty = v.get_type().name()?;
        Err(PyTypeError::new_err(format!(
            "field `{name}`: cannot take a {ty}"
        )))
    }
}

/// The values of a dict of fields (`None` values left out).
fn fields(values: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for (k, v) in values.into_iter().flat_map(|d| d.iter()) {
        let name: String = k.extract()?;
        if let Some(v) = value(&name, &v)? {
            out.push((name, v));
        }
    }
    Ok(out)
}

fn field_error(e: leadscore::FieldError) -> PyErr {
    PyValueError::new_err(format!("field `{}`: {}", e.field, e.problem))
}

fn live_error(py: Python<'_>, e: live::LiveError) -> PyErr {
    other_error(py, e.code(), "engine", e.to_string())
}

#[pymethods]
impl Engine {
    /// Sets a lead's attributes, adding the lead if it is new.
    #[pyo3(signature = (id, attributes=None))]
    fn upsert_lead(&self, id: &str, attributes: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let values = fields(attributes)?;
        let values = values.iter().map(|(k, v)| (k.as_str(), v.clone()));
        self.engine().upsert_lead(id, values).map_err(field_error)
    }

    /// Applies an event at `ts` (microseconds); `False` for a type the model does not
    /// declare (its lead is known from then on).
    #[pyo3(signature = (lead, event_type, ts, properties=None))]
    fn apply(
        &self,
        py: Python<'_>,
        lead: &str,
        event_type: &str,
        ts: i64,
        properties: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<bool> {
        let values = fields(properties)?;
        let values = values.iter().map(|(k, v)| (k.as_str(), v.clone()));
        let mut engine = self.engine();
        let event = engine
            .scorer()
            .event(lead, event_type, ts, values)
            .map_err(field_error)?;
        match event {
            Some(event) => {
                engine.apply(event).map_err(|e| live_error(py, e))?;
                Ok(true)
            }
            None => {
                engine.see_lead(lead);
                Ok(false)
            }
        }
    }

    /// Moves the clock to `to` (microseconds).
    fn advance(&self, py: Python<'_>, to: i64) -> PyResult<()> {
        self.engine().advance(to).map_err(|e| live_error(py, e))
    }

    /// The clock (microseconds).
    #[getter]
    fn now(&self) -> i64 {
        self.engine().now()
    }

    /// A lead's outcome as of `as_of` as JSON (the `score` JSON Lines object), or `None`.
    fn outcome(
        &self,
        py: Python<'_>,
        id: &str,
        as_of: i64,
        explain: bool,
    ) -> PyResult<Option<String>> {
        let outcome = self
            .engine()
            .outcome(id, as_of, explain)
            .map_err(|e| live_error(py, e))?;
        Ok(outcome.map(|o| serde_json::to_string(&o).expect("outcomes serialize")))
    }

    /// The next time the lead's results change without a new event (microseconds).
    fn next_change(&self, id: &str) -> Option<i64> {
        self.engine().next_change(id)
    }

    /// The transitions since the last call, each as the JSON `replay --changes` writes.
    fn take_transitions(&self) -> Vec<String> {
        let transitions = self.engine().take_transitions();
        transitions
            .iter()
            .map(|t| serde_json::to_string(t).expect("transitions serialize"))
            .collect()
    }
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(compile, m)?)?;
    m.add_function(wrap_pyfunction!(parse_time, m)?)?;
    m.add_function(wrap_pyfunction!(parse_duration, m)?)?;
    m.add_class::<Plan>()?;
    m.add_class::<Engine>()?;
    Ok(())
}
