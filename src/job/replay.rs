//! Replaying a history through the live engine (`leadscore replay`): the events in file
//! order, the clock following them, the results as of the job's time, which are the
//! bytes [`ScoreJob::score`] writes, and every transition on the way.

use super::{InputKind, JobError, Phase, Rejects, ScoreJob, Scored};
use crate::batch::{LeadError, Summary};
use crate::diagnostics::Code;
use crate::eval::Results;
use crate::input::{self, EventRecord, Input, RecordError};
use crate::live::{Engine, Settings, Transition};
use crate::output::{self, Format};
use crate::plan::Plan;
use crate::record::Lead;
use std::collections::HashMap;
use std::io::{self, Write};

/// How many leads' results are formatted into one chunk of output.
const LEADS_PER_CHUNK: usize = 4096;

/// Where a replay's transitions go, written as JSON Lines as they become final.
struct Changes<'w> {
    out: Option<&'w mut dyn Write>,
}

impl Changes<'_> {
    fn write(&mut self, transitions: Vec<Transition>) -> Result<(), JobError> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        for transition in transitions {
            serde_json::to_writer(&mut **out, &transition)
                .map_err(io::Error::other)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(JobError::Output)?;
        }
        Ok(())
    }
}

impl ScoreJob {
    /// Replays `leads` and `events` through a live [`Engine`] for `plan`: the leads are
    /// known from the first event's time, each event moves the clock to its time (never
    /// back) and is applied, and finally the clock moves to the job's as-of time. The
    /// results are the bytes [`ScoreJob::score`] gives for the same inputs; every
    /// transition is written to `changes` (JSON Lines, in time order). An event older
    /// than the clock by more than the lateness is a bad record (E0840); events after
    /// the as-of time do not exist yet.
    #[allow(clippy::too_many_arguments)]
    pub fn replay(
        &self,
        plan: Plan,
        settings: Settings,
        leads: Option<Input<'_>>,
        events: Option<Input<'_>>,
        rejects: Option<&mut dyn Write>,
        changes: Option<&mut dyn Write>,
        progress: &mut dyn FnMut(Phase),
    ) -> Result<Scored, JobError> {
        let mut engine = Engine::new(plan, settings)
            .map_err(|e| JobError::Record(RecordError::new(e.code(), "", 0, e.to_string())))?;
        let mut rejects = Rejects {
            out: rejects,
            failed: None,
            taken: 0,
        };
        let mut changes = Changes { out: changes };
        let mut summary = Summary::default();
        let mut files = Vec::new();
        let mut records = Vec::new();
        if let Some(source) = leads {
            let counts = self.counts(InputKind::Leads, &source);
            let good =
                self.replay_leads(engine.scorer().plan(), source, &mut records, &mut rejects)?;
            files.push(counts.tallied(good, &mut rejects));
        }
        progress(Phase::LeadsRead);
        let mut waiting = Some(records);
        if let Some(source) = events {
            let counts = self.counts(InputKind::Events, &source);
            let mut replay = Replay {
                job: self,
                engine: &mut engine,
                waiting: &mut waiting,
                summary: &mut summary,
                changes: &mut changes,
            };
            let good = replay.events(source, &mut rejects)?;
            files.push(counts.tallied(good, &mut rejects));
        }
        rejects.flush()?;
        progress(Phase::EventsRead);
        start(&mut engine, &mut waiting, self.as_of);
        engine
            .advance(self.as_of.max(engine.now()))
            .expect("the clock moves forward");
        changes.write(engine.take_transitions())?;
        summary.leads = engine.lead_ids().len();
        summary.rejected = files.iter().map(|f| f.rejected).sum();
        let chunks = self.replay_results(&engine).map_err(JobError::Output)?;
        let plan = engine.scorer().plan();
        let scored = Scored::new(
            plan,
            self.output_format,
            self.explain,
            chunks,
            summary,
            files,
        );
        progress(Phase::Scored);
        Ok(scored)
    }

    /// Reads the lead records into `records`, refusing an id listed twice; returns how
    /// many good ones there were.
    fn replay_leads(
        &self,
        plan: &Plan,
        source: Input<'_>,
        records: &mut Vec<Lead>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        let file = source.name.clone();
        let format = self.format_of(&source);
        let mut lines: HashMap<String, u64> = HashMap::new();
        let mut good = 0;
        let read = input::read_leads(
            source,
            format,
            plan,
            &self.keys,
            self.read_options,
            |line, lead, record| {
                let added = lead.and_then(|lead| match lines.get(&lead.id) {
                    Some(&first) => Err(LeadError::Duplicate { id: lead.id, first }
                        .at(&file, line, &self.keys.id)
                        .with_raw(record())),
                    None => {
                        lines.insert(lead.id.clone(), line);
                        records.push(lead);
                        Ok(())
                    }
                });
                good += u64::from(added.is_ok());
                rejects.set_aside(added).map(|_| ())
            },
        );
        read.map_err(|error| rejects.stopped(error))?;
        Ok(good)
    }

    /// Every lead's results as of the job's time, formatted, in lead id order.
    fn replay_results(&self, engine: &Engine) -> io::Result<Vec<Vec<u8>>> {
        let ids = engine.lead_ids();
        let plan = engine.scorer().plan();
        let mut chunks = Vec::new();
        let mut results = Results::default();
        for share in ids.chunks(LEADS_PER_CHUNK) {
            let mut bytes = Vec::new();
            if self.explain {
                let outcomes: Vec<_> = share
                    .iter()
                    .filter_map(|id| engine.outcome(id, self.as_of, true).ok().flatten())
                    .collect();
                match self.output_format {
                    Format::Jsonl => output::write_jsonl(&outcomes, &mut bytes)?,
                    Format::Csv => output::write_csv_rows(&outcomes, true, &mut bytes)?,
                }
            } else if self.output_format == Format::Jsonl {
                for id in share {
                    engine.results_of(id, self.as_of, &mut results);
                    output::write_jsonl_result(plan, id, &results, &mut bytes)?;
                }
            } else {
                let mut rows = output::CsvResults::new(plan, &mut bytes);
                for id in share {
                    engine.results_of(id, self.as_of, &mut results);
                    rows.write(id, &results)?;
                }
                rows.finish()?;
            }
            chunks.push(bytes);
        }
        Ok(chunks)
    }
}

/// A replay's events being read.
struct Replay<'a, 'w> {
    job: &'a ScoreJob,
    engine: &'a mut Engine,
    /// The lead records, until the first event starts the clock.
    waiting: &'a mut Option<Vec<Lead>>,
    summary: &'a mut Summary,
    changes: &'a mut Changes<'w>,
}

impl Replay<'_, '_> {
    /// Applies the event records in file order; returns how many good ones there were.
    fn events(&mut self, source: Input<'_>, rejects: &mut Rejects<'_>) -> Result<u64, JobError> {
        let file = source.name.clone();
        let format = self.job.format_of(&source);
        let (keys, options) = (&self.job.keys, self.job.read_options);
        let plan = self.engine.scorer().plan().clone();
        let mut good = 0;
        let mut failed = None;
        let read = input::read_events_with_text(
            source,
            format,
            &plan,
            keys,
            options,
            |line, record, text| {
                self.summary.events_read += 1;
                let applied = record.and_then(|record| match self.apply(record) {
                    Ok(()) => Ok(()),
                    Err(Step::Late(message)) => {
                        Err(RecordError::new(Code::LateEvent, &file, line, message)
                            .with_field(&keys.ts)
                            .with_raw(text()))
                    }
                    Err(Step::Output(e)) => {
                        failed = Some(e);
                        Err(RecordError::new(
                            Code::UnwritableOutput,
                            &file,
                            line,
                            "cannot write the changes",
                        ))
                    }
                });
                if failed.is_some() {
                    return Err(applied.expect_err("failed above"));
                }
                good += u64::from(applied.is_ok());
                rejects.set_aside(applied).map(|_| ())
            },
        );
        if let Some(e) = failed {
            return Err(e);
        }
        read.map_err(|error| rejects.stopped(error))?;
        Ok(good)
    }

    /// Applies one event record: moves the clock to its time first (writing the
    /// transitions that are then final).
    fn apply(&mut self, record: EventRecord) -> Result<(), Step> {
        let event = match record {
            EventRecord::Undeclared { lead, event_type } => {
                *self.summary.ignored_by_type.entry(event_type).or_default() += 1;
                self.engine.see_lead(&lead);
                return Ok(());
            }
            EventRecord::Declared(event) => event,
        };
        if event.ts > self.job.as_of {
            self.summary.events_future += 1;
            self.engine.see_lead(&event.lead);
            return Ok(());
        }
        start(self.engine, self.waiting, event.ts);
        if event.ts > self.engine.now() {
            let past = self.engine.take_transitions_before(event.ts);
            self.changes.write(past).map_err(Step::Output)?;
            self.engine
                .advance(event.ts)
                .expect("the clock moves forward");
        }
        self.engine
            .apply(event)
            .map_err(|e| Step::Late(e.to_string()))
    }
}

/// Why an event record was not applied.
enum Step {
    Late(String),
    Output(JobError),
}

/// Starts the clock at `time` and adds the lead records, once.
fn start(engine: &mut Engine, waiting: &mut Option<Vec<Lead>>, time: i64) {
    let Some(leads) = waiting.take() else {
        return;
    };
    engine.advance(time).expect("the clock starts");
    for lead in leads {
        engine.upsert(lead);
    }
}
