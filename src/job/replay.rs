//! Replaying a history through the live engine (`leadscore replay`): the events in file
//! order, the clock following them, the results as of the job's time, which are the
//! bytes [`ScoreJob::score`] writes, and every transition on the way.

use super::{InputKind, JobError, Phase, Rejects, ScoreJob, Scored};
use crate::batch::{LeadError, Summary};
use crate::diagnostics::Code;
use crate::eval::{Results, Scorer};
use crate::ids::IdIndex;
use crate::input::{self, EventRecord, Input, RecordError};
use crate::live::{Change, Engine, LiveError, RecordPacker, Settings};
use crate::output::{self, Format};
use crate::plan::Plan;
use crate::record::Event;
use std::io::{self, Write};
use std::sync::mpsc;

/// How many leads' results are formatted into one chunk of output.
const LEADS_PER_CHUNK: usize = 4096;

/// Where a replay's transitions go, as JSON Lines.
struct Changes<'w> {
    out: Option<&'w mut dyn Write>,
}

impl Changes<'_> {
    /// Writes the engines' changes, `lists[e]` being engine `e`'s in delivery order:
    /// merged into one delivery order, each named only as it is written.
    fn write(&mut self, engines: &[Engine], lists: &[Vec<Change>]) -> Result<(), JobError> {
        let Some(out) = self.out.as_mut() else {
            return Ok(());
        };
        let mut next = vec![0; lists.len()];
        let head = |e: usize, next: &[usize]| lists[e].get(next[e]).map(|c| (e, c));
        loop {
            let first = (0..lists.len())
                .filter_map(|e| head(e, &next))
                .min_by(|(a, x), (b, y)| {
                    engines[*a]
                        .delivery_key(x)
                        .cmp(&engines[*b].delivery_key(y))
                });
            let Some((e, change)) = first else {
                break;
            };
            next[e] += 1;
            let transition = engines[e].transition(change);
            serde_json::to_writer(&mut **out, &transition)
                .map_err(io::Error::other)
                .and_then(|()| out.write_all(b"\n"))
                .map_err(JobError::Changes)?;
        }
        out.flush().map_err(JobError::Changes)
    }
}

impl ScoreJob {
    /// Replays `leads` and `events` through live [`Engine`]s for `plan`: the leads are
    /// known from the first event's time, each event moves the clock to its time (never
    /// back) and is applied, and finally the clock moves to the job's as-of time. The
    /// results are the bytes [`ScoreJob::score`] gives for the same inputs; every
    /// transition is written to `changes` (JSON Lines, in time order). An event older
    /// than the clock by more than the lateness is a bad record (E0840); events after
    /// the as-of time do not exist yet. The leads are shared out among one engine per
    /// thread (leads are independent; every engine follows the same clock), so neither
    /// results nor changes depend on the thread count.
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
        // Results without explanations need no event times.
        let settings = if self.explain {
            settings
        } else {
            settings.without_event_times()
        };
        // Verified once here (and its scorer packs the leads); each shard's engine
        // verifies its copy again.
        let verified = Engine::new(plan.clone(), settings)
            .map_err(|e| JobError::Record(RecordError::new(e.code(), "", 0, e.to_string())))?;
        let mut rejects = Rejects {
            out: rejects,
            failed: None,
            taken: 0,
        };
        let mut summary = Summary::default();
        let mut files = Vec::new();
        let mut records = Vec::new();
        if let Some(source) = leads {
            let counts = self.counts(InputKind::Leads, &source);
            let good = self.replay_leads(verified.scorer(), source, &mut records, &mut rejects)?;
            files.push(counts.tallied(good, &mut rejects));
        }
        progress(Phase::LeadsRead);
        let threads = self.threads.clamp(1, crate::MAX_THREADS);
        let engines = std::thread::scope(|scope| -> Result<Vec<Engine>, JobError> {
            let leads = records.len();
            let mut shards = Shards::start(scope, &plan, settings, threads, self.as_of, leads);
            let mut replay = Replay {
                job: self,
                shards: &mut shards,
                settings,
                clock: None,
                waiting: records,
                seen: Vec::new(),
                summary: &mut summary,
            };
            if let Some(source) = events {
                let counts = self.counts(InputKind::Events, &source);
                let good = replay.events(source, &mut rejects)?;
                files.push(counts.tallied(good, &mut rejects));
            }
            replay.start(self.as_of);
            Ok(shards.finish())
        })?;
        rejects.flush()?;
        progress(Phase::EventsRead);
        let mut engines = engines;
        let mut lists = Vec::new();
        if changes.is_some() {
            lists.extend(engines.iter_mut().map(Engine::take_changes));
        }
        let engines = &engines;
        summary.leads = engines.iter().map(|e| e.lead_ids().len()).sum();
        summary.rejected = files.iter().map(|f| f.rejected).sum();
        // The results are formatted on another thread while the changes are written
        // here: with a million leads there are about as many of each.
        let chunks = std::thread::scope(|scope| {
            let results = scope.spawn(move || self.replay_results(engines));
            let written = Changes { out: changes }.write(engines, &lists);
            let chunks = results
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            written.and(chunks.map_err(JobError::Output))
        })?;
        let scored = Scored::formatted(
            &plan,
            self.output_format,
            self.explain,
            chunks,
            summary,
            files,
        );
        progress(Phase::Scored);
        Ok(scored)
    }

    /// Reads the lead records into `records`, packed as the engines keep them (a few
    /// bytes a lead: a million wait for the first event), refusing an id listed twice;
    /// returns how many good ones there were.
    fn replay_leads(
        &self,
        scorer: &Scorer,
        source: Input<'_>,
        records: &mut Vec<Box<[u8]>>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        let file = source.name.clone();
        let format = self.format_of(&source);
        let mut leads = LeadList::new(&file, &self.keys.id, records);
        if format == input::Format::Jsonl {
            return self.replay_leads_parallel(scorer, source, leads, rejects);
        }
        let mut packer = RecordPacker::new(scorer);
        let read = input::read_leads(
            source,
            format,
            scorer.plan(),
            &self.keys,
            self.read_options,
            |line, lead, text| {
                let record = lead.map(|lead| packer.pack(scorer, &lead));
                leads.add(line, record, text, rejects)
            },
        );
        read.map_err(|error| rejects.stopped(error))?;
        Ok(leads.good)
    }

    /// [`ScoreJob::replay_leads`] for JSON Lines: the lines are parsed and packed on
    /// the job's threads, block by block, then added in line order (so a lead listed
    /// twice, and the bad records, are found as a reading in order finds them). A
    /// record's text is kept for a lead listed twice only when bad records are set
    /// aside (as `score` does).
    fn replay_leads_parallel(
        &self,
        scorer: &Scorer,
        source: Input<'_>,
        mut leads: LeadList<'_>,
        rejects: &mut Rejects<'_>,
    ) -> Result<u64, JobError> {
        let keep_text = rejects.out.is_some();
        let file = source.name.clone();
        let threads = self.threads.clamp(1, crate::MAX_THREADS);
        let (read, workers) = crate::batch::blocks::in_parallel(
            source,
            threads,
            || {
                (
                    Vec::new(),
                    RecordPacker::new(scorer),
                    crate::record::Lead::default(),
                )
            },
            |(parsed, packer, lead), block, first_line| {
                let mut lines = Vec::new();
                for (i, text) in crate::batch::blocks::text_lines(block) {
                    let line = first_line + i;
                    let record = match text {
                        Ok(text) => {
                            let at = (file.as_str(), line, text);
                            input::parse_lead_line_into(
                                scorer.plan(),
                                &self.keys,
                                self.read_options,
                                at,
                                lead,
                            )
                            .map(|()| packer.pack(scorer, lead))
                        }
                        Err(bytes) => Err(input::not_utf8(&file, line, bytes)),
                    };
                    let text = match text {
                        Ok(text) if keep_text => text.to_string(),
                        _ => String::new(),
                    };
                    lines.push((line, record, text));
                }
                parsed.push((first_line, lines));
            },
        );
        let mut blocks: Vec<_> = workers.into_iter().flat_map(|w| w.0).collect();
        blocks.sort_unstable_by_key(|&(first_line, _)| first_line);
        for (line, record, text) in blocks.into_iter().flat_map(|(_, lines)| lines) {
            leads
                .add(line, record, &|| text.clone(), rejects)
                .map_err(|error| rejects.stopped(error))?;
        }
        read.map_err(|error| rejects.stopped(error))?;
        Ok(leads.good)
    }

    /// Every lead's results as of the job's time, formatted, in lead id order.
    fn replay_results(&self, engines: &[Engine]) -> io::Result<Vec<Vec<u8>>> {
        let mut ids: Vec<(&str, &Engine)> = engines
            .iter()
            .flat_map(|engine| engine.lead_ids().into_iter().map(move |id| (id, engine)))
            .collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let Some(plan) = engines.first().map(|e| e.scorer().plan()) else {
            return Ok(Vec::new());
        };
        let mut chunks = Vec::new();
        let mut results = Results::default();
        for share in ids.chunks(LEADS_PER_CHUNK) {
            let mut bytes = Vec::new();
            if self.explain {
                let outcomes: Vec<_> = share
                    .iter()
                    .filter_map(|(id, engine)| engine.outcome(id, self.as_of, true).ok().flatten())
                    .collect();
                match self.output_format {
                    Format::Jsonl => output::write_jsonl(&outcomes, &mut bytes)?,
                    Format::Csv => output::write_csv_rows(&outcomes, true, &mut bytes)?,
                }
            } else if self.output_format == Format::Jsonl {
                let lines = output::JsonlResults::new(plan);
                for (id, engine) in share {
                    engine.results_of(id, self.as_of, &mut results);
                    lines.write(id, &results, &mut bytes)?;
                }
            } else {
                let mut rows = output::CsvResults::new(plan, &mut bytes);
                for (id, engine) in share {
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

/// The lead records of a replay, as they are added in line order.
struct LeadList<'r> {
    file: &'r str,
    id_key: &'r str,
    records: &'r mut Vec<Box<[u8]>>,
    /// Each id's index in `records`, and the line of each record.
    ids: IdIndex,
    lines: Vec<u64>,
    good: u64,
}

impl<'r> LeadList<'r> {
    fn new(file: &'r str, id_key: &'r str, records: &'r mut Vec<Box<[u8]>>) -> LeadList<'r> {
        LeadList {
            file,
            id_key,
            records,
            ids: IdIndex::default(),
            lines: Vec::new(),
            good: 0,
        }
    }

    /// Adds the record read at `line` (or sets aside its error, or the lead's listed
    /// twice, with the record's `text`); `Err` when that stops the reading.
    fn add(
        &mut self,
        line: u64,
        record: Result<Box<[u8]>, RecordError>,
        text: &dyn Fn() -> String,
        rejects: &mut Rejects<'_>,
    ) -> Result<(), RecordError> {
        let added = record.and_then(|record| {
            let next = u32::try_from(self.records.len()).expect("fewer than 4 billion leads");
            let id = crate::eval::Packed::read(&record).id;
            match self.ids.get_or_insert(id, next) {
                (_, true) => {
                    self.records.push(record);
                    self.lines.push(line);
                    Ok(())
                }
                (first, false) => Err(LeadError::Duplicate {
                    id: id.to_string(),
                    first: self.lines[first as usize],
                }
                .at(self.file, line, self.id_key)
                .with_raw(text())),
            }
        });
        self.good += u64::from(added.is_ok());
        rejects.set_aside(added).map(|_| ())
    }
}

/// A replay's events being read.
struct Replay<'a, 's> {
    job: &'a ScoreJob,
    shards: &'a mut Shards<'s>,
    settings: Settings,
    /// The newest event time so far (the clock every engine follows), once an event
    /// started it.
    clock: Option<i64>,
    /// The lead records, until the first event starts the clock.
    waiting: Vec<Box<[u8]>>,
    /// Leads seen before then only in events that do not count (undeclared types, after
    /// the as-of time): added once the lead records are, so a record is not taken for a
    /// change of the lead.
    seen: Vec<String>,
    summary: &'a mut Summary,
}

impl Replay<'_, '_> {
    /// Applies the event records in file order; returns how many good ones there were.
    fn events(&mut self, source: Input<'_>, rejects: &mut Rejects<'_>) -> Result<u64, JobError> {
        let file = source.name.clone();
        let format = self.job.format_of(&source);
        let (keys, options) = (&self.job.keys, self.job.read_options);
        let plan = self.shards.plan.clone();
        let mut good = 0;
        let read = input::read_events_with_text(
            source,
            format,
            &plan,
            keys,
            options,
            |line, record, text| {
                let applied = record.and_then(|record| {
                    self.apply(record).map_err(|late| {
                        RecordError::new(Code::LateEvent, &file, line, late.to_string())
                            .with_field(&keys.ts)
                            .with_raw(text())
                    })
                });
                // Counted as `score` counts: the records read well.
                self.summary.events_read += u64::from(applied.is_ok());
                good += u64::from(applied.is_ok());
                rejects.set_aside(applied).map(|_| ())
            },
        );
        read.map_err(|error| rejects.stopped(error))?;
        Ok(good)
    }

    /// Applies one event record, moving the clock to its time first; refuses an event
    /// more than the lateness older than the clock.
    fn apply(&mut self, record: EventRecord) -> Result<(), LiveError> {
        let event = match record {
            EventRecord::Undeclared { lead, event_type } => {
                *self.summary.ignored_by_type.entry(event_type).or_default() += 1;
                self.see(lead);
                return Ok(());
            }
            EventRecord::Declared(event) => event,
        };
        if event.ts > self.job.as_of {
            self.summary.events_future += 1;
            self.see(event.lead);
            return Ok(());
        }
        self.start(event.ts);
        let now = self.clock.expect("started");
        if event.ts < now.saturating_sub(self.settings.lateness) {
            return Err(LiveError::TooLate {
                ts: event.ts,
                now,
                lateness: self.settings.lateness,
            });
        }
        let now = now.max(event.ts);
        self.clock = Some(now);
        self.shards.send(Message::Apply(event, now));
        Ok(())
    }

    /// Makes sure the lead `id` exists (once the clock has started).
    fn see(&mut self, id: String) {
        match self.clock {
            Some(now) => self.shards.send(Message::See(id, now)),
            None => self.seen.push(id),
        }
    }

    /// Starts the clock at `time` and adds the lead records, then the leads seen before,
    /// once.
    fn start(&mut self, time: i64) {
        if self.clock.is_some() {
            return;
        }
        self.clock = Some(time);
        for lead in std::mem::take(&mut self.waiting) {
            self.shards.send(Message::Lead(lead, time));
        }
        for id in std::mem::take(&mut self.seen) {
            self.see(id);
        }
    }
}

/// What a shard's engine is asked to do, with the clock to move to first.
enum Message {
    /// Add or change a lead, packed by a [`RecordPacker`].
    Lead(Box<[u8]>, i64),
    /// Make sure a lead exists (an event of an undeclared type or after the as-of time).
    See(String, i64),
    /// Apply an event.
    Apply(Event, i64),
}

/// Messages sent to a shard at once (one channel send per batch, not per event).
const BATCH: usize = 1024;

/// One engine per thread, each owning the leads whose ids hash to it.
struct Shards<'s> {
    plan: Plan,
    senders: Vec<mpsc::SyncSender<Vec<Message>>>,
    pending: Vec<Vec<Message>>,
    handles: Vec<std::thread::ScopedJoinHandle<'s, Engine>>,
}

impl<'s> Shards<'s> {
    /// Starts `threads` engines, with room for about their share of `leads`; each
    /// moves its clock to `as_of` when its messages end.
    fn start<'e>(
        scope: &'s std::thread::Scope<'s, 'e>,
        plan: &Plan,
        settings: Settings,
        threads: usize,
        as_of: i64,
        leads: usize,
    ) -> Shards<'s> {
        let mut senders = Vec::new();
        let mut handles = Vec::new();
        // Ids spread evenly over the shards (by a few hundred more or fewer in a million:
        // the margin is some four times that); a share larger than this grows as it goes.
        let share = leads / threads + leads / (threads * 256);
        for _ in 0..threads {
            let (sender, receiver) = mpsc::sync_channel::<Vec<Message>>(4);
            let mut engine = Engine::new(plan.clone(), settings).expect("verified above");
            engine.reserve(share);
            senders.push(sender);
            handles.push(scope.spawn(move || {
                for batch in receiver {
                    run_batch(&mut engine, batch);
                }
                let end = as_of.max(engine.now());
                engine.advance(end).expect("the clock moves forward");
                engine
            }));
        }
        Shards {
            plan: plan.clone(),
            pending: (0..threads).map(|_| Vec::with_capacity(BATCH)).collect(),
            senders,
            handles,
        }
    }

    /// Sends `message` to the shard of its lead.
    fn send(&mut self, message: Message) {
        let shard = shard_of(message.lead(), self.senders.len());
        self.pending[shard].push(message);
        if self.pending[shard].len() >= BATCH {
            let batch = std::mem::replace(&mut self.pending[shard], Vec::with_capacity(BATCH));
            // A shard only stops receiving by panicking, which the join reports.
            let _ = self.senders[shard].send(batch);
        }
    }

    /// Sends what is pending, closes the channels and returns the engines.
    fn finish(mut self) -> Vec<Engine> {
        for (sender, batch) in self.senders.iter().zip(&mut self.pending) {
            let _ = sender.send(std::mem::take(batch));
        }
        self.senders.clear();
        self.handles
            .into_iter()
            .map(|handle| handle.join().expect("a replay engine does not panic"))
            .collect()
    }
}

impl Message {
    /// The id of the lead it is about.
    fn lead(&self) -> &str {
        match self {
            Message::Lead(record, _) => crate::eval::Packed::read(record).id,
            Message::See(id, _) => id,
            Message::Apply(event, _) => &event.lead,
        }
    }
}

/// Runs a batch of messages on a shard's engine in order, starting to load the memory of
/// the leads a few messages ahead in three steps (a million leads do not fit in the
/// cache): where each is found, its record, then what the record points to.
fn run_batch(engine: &mut Engine, batch: Vec<Message>) {
    const ENTRY: usize = 12;
    const LEAD: usize = 6;
    const STATE: usize = 3;
    // Each id hashed once; each lead found once by the second step for the third.
    let hashes: Vec<u64> = batch.iter().map(|m| engine.id_hash(m.lead())).collect();
    let mut found: Vec<Option<u32>> = vec![None; batch.len()];
    let mut batch = std::collections::VecDeque::from(batch);
    // `batch[j]` is message `k + j` of the batch.
    for k in 0..hashes.len() {
        if let Some(&hash) = hashes.get(k + ENTRY) {
            engine.prefetch_entry(hash);
        }
        if let Some(ahead) = batch.get(LEAD) {
            found[k + LEAD] = engine.prefetch_lead(ahead.lead(), hashes[k + LEAD]);
        }
        if let Some(i) = found.get(k + STATE).copied().flatten() {
            engine.prefetch_state(i);
        }
        let message = batch.pop_front().expect("one message per hash");
        run(engine, message);
    }
}

/// Runs one message on a shard's engine.
fn run(engine: &mut Engine, message: Message) {
    let advance = |engine: &mut Engine, to: i64| {
        engine
            .advance(to.max(engine.now()))
            .expect("the clock moves forward");
    };
    match message {
        Message::Lead(record, time) => {
            advance(engine, time);
            engine.upsert_record(record);
        }
        Message::See(id, time) => {
            advance(engine, time);
            engine.see_lead(&id);
        }
        Message::Apply(event, time) => {
            advance(engine, time);
            engine
                .apply(event)
                .expect("the reader refuses events too late for the clock");
        }
    }
}

/// The shard of lead `id` among `shards` (FNV-1a of its bytes: any fixed spread works;
/// results do not depend on it).
fn shard_of(id: &str, shards: usize) -> usize {
    let hash = id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    (hash % shards as u64) as usize
}
