//! The one writer: a thread that owns the database's write connection and the live
//! engine's writes. Requests queue [`Job`]s; the writer takes every job waiting (a
//! group), applies them to the engine and writes their rows, the transitions they cause
//! and the clock in ONE transaction, commits it (synced), and only then answers them all.
//! So a request is acknowledged only once it is durable, and many requests share one
//! sync. The engine is rebuilt from the database when the service starts, when a commit
//! fails and when the model changes.

use super::records::{self, BadLine, PostedEvent};
use super::store::{self, StoreError};
use super::{ApiError, Live, Log, Shared};
use crate::diagnostics::Code;
use crate::input::EventRecord;
use crate::live::{Cause, Engine, Kind, Level, LiveError, Settings, Transition};
use crate::plan::Plan;
use crate::record::Lead;
use crate::time;
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

/// Where a job's answer goes.
pub type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

/// What the writer is asked to do.
pub enum Job {
    /// Store and apply events read with the model of `generation`.
    Events {
        events: Vec<PostedEvent>,
        partial: bool,
        generation: u64,
        reply: Reply<EventsDone>,
    },
    /// Put a lead's attributes.
    Lead {
        id: String,
        attributes: String,
        lead: Lead,
        generation: u64,
        reply: Reply<()>,
    },
    /// Move the clock (`--clock manual`).
    Clock { to: i64, reply: Reply<i64> },
    /// Score every lead with another model.
    Model {
        plan: Box<Plan>,
        reply: Reply<usize>,
    },
    /// A change the webhook took.
    Delivered(i64),
    /// A change the webhook did not take (yet): tried again at `next_try`.
    Failed {
        seq: i64,
        attempts: i64,
        next_try: i64,
    },
}

/// Events stored by a request.
#[derive(Debug)]
pub struct EventsDone {
    /// Events of declared types stored.
    pub accepted: usize,
    /// Events of undeclared types stored (they count for nothing).
    pub ignored: usize,
    /// Events refused as too late (with `partial`).
    pub refused: Vec<BadLine>,
}

/// The most jobs and events in one group (one transaction).
const MAX_GROUP_JOBS: usize = 4096;
const MAX_GROUP_EVENTS: usize = 200_000;

/// The longest the writer sleeps with the system clock (it then moves the clock anyway).
const MAX_SLEEP: Duration = Duration::from_secs(60);

/// The next sequence numbers' predecessors.
#[derive(Debug, Default, Clone, Copy)]
struct Seqs {
    event: i64,
    change: i64,
    lead: i64,
}

impl Seqs {
    fn load(conn: &Connection) -> Result<Seqs, StoreError> {
        Ok(Seqs {
            event: store::last_seq(conn, "events")?,
            change: store::last_seq(conn, "changes")?,
            lead: store::last_seq(conn, "leads")?,
        })
    }
}

/// The writer thread's state.
pub struct Writer {
    conn: Connection,
    core: Core,
    jobs: Receiver<Job>,
}

struct Core {
    shared: Arc<Shared>,
    settings: Settings,
    webhooks: bool,
    seqs: Seqs,
    /// When leads may next change (entries no longer a lead's next change are skipped).
    timer: BinaryHeap<Reverse<(i64, String)>>,
    log: Log,
}

/// An answer to send once the group is committed (or with the error when it is not).
type Answer = Box<dyn FnOnce(Option<ApiError>)>;

fn answer<T: 'static>(reply: Reply<T>, result: Result<T, ApiError>) -> Answer {
    Box::new(move |failed| {
        let _ = reply.send(match failed {
            Some(error) => Err(error),
            None => result,
        });
    })
}

/// A job whose own statement failed: it is answered with the group (which fails with
/// it, 503) rather than dropped unanswered.
fn failed<T: 'static>(
    answers: &mut Vec<Answer>,
    reply: Reply<T>,
    error: StoreError,
) -> Result<(), StoreError> {
    answers.push(answer(reply, Err(ApiError::storage(&error.to_string()))));
    Err(error)
}

/// How the writer starts: the model the service runs now and how it runs it.
pub struct Startup {
    /// The model the service runs now.
    pub plan: Plan,
    pub settings: Settings,
    pub system_clock: bool,
    pub webhooks: bool,
    pub log: Log,
}

/// Builds the live state from the database: the stored leads and events through an
/// engine of `plan`, the clock at its stored time; a different model than the stored
/// one rescores every lead (transitions with cause `model`); with the system clock, time
/// then moves to now. Returns the state and the writer to run.
pub fn start(
    mut conn: Connection,
    startup: Startup,
    jobs: Receiver<Job>,
    make_shared: impl FnOnce(Live) -> Arc<Shared>,
) -> Result<(Arc<Shared>, Writer), super::ServeError> {
    let stored_clock: Option<i64> = store::meta(&conn, "clock")?;
    let clock = stored_clock.unwrap_or(if startup.system_clock { time::now() } else { 0 });
    let stored_plan: Option<Vec<u8>> = store::meta(&conn, "model_plan")?;
    let live = rebuild(&conn, startup.plan, startup.settings, clock, &startup.log)?;
    let shared = make_shared(live);
    let mut core = Core {
        shared: shared.clone(),
        settings: startup.settings,
        webhooks: startup.webhooks,
        seqs: Seqs::load(&conn)?,
        timer: BinaryHeap::new(),
        log: startup.log,
    };
    {
        let mut live = shared.live();
        core.reschedule_all(&live);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let bytes = live.engine.scorer().plan().to_bytes();
        if stored_plan.as_deref() != Some(bytes.as_slice()) {
            if let Some(old) = stored_plan {
                let changes = core.rescore_from(&tx, &live, &old)?;
                core.record(&tx, changes)?;
            }
            store_model(&tx, live.engine.scorer().plan())?;
        }
        if startup.system_clock {
            // (Never back, should the system's time have gone back meanwhile.)
            let now = time::now().max(live.engine.now());
            core.advance(&mut live, now);
        }
        let changes = live.engine.take_transitions();
        core.record(&tx, changes)?;
        store::set_meta(&tx, "clock", live.engine.now())?;
        tx.commit()?;
        shared.metrics.set_pending(if core.webhooks {
            store::outbox_len(&conn)?
        } else {
            0
        });
        shared.changes.send_replace(core.seqs.change);
    }
    Ok((shared, Writer { conn, core, jobs }))
}

fn store_model(tx: &Transaction<'_>, plan: &Plan) -> Result<(), StoreError> {
    let bytes = plan.to_bytes();
    store::set_meta(tx, "model_hash", super::hash_hex(&bytes))?;
    store::set_meta(tx, "model_name", plan.name())?;
    store::set_meta(tx, "model_plan", bytes)
}

/// The engine of `plan` over every stored lead and event, its clock at `clock`, with the
/// transitions of the way there dropped (they were recorded when they happened). Events
/// go in time order with the clock following them, so none is refused as late; those
/// after `clock` are applied ahead of it, as they were.
pub fn rebuild(
    conn: &Connection,
    plan: Plan,
    settings: Settings,
    clock: i64,
    log: &Log,
) -> Result<Live, super::ServeError> {
    let mut engine = Engine::new(plan.clone(), settings)?;
    let mut ids = BTreeSet::new();
    let mut events = Vec::new();
    for stored in store::events(conn)? {
        match records::read_stored_event(&plan, &stored.record) {
            Ok(Some(event)) => events.push((stored.seq, event)),
            Ok(None) => {}
            Err(error) => {
                let seq = stored.seq;
                log(&format!(
                    "event {seq} as stored no longer fits the model: {error}"
                ));
            }
        }
        ids.insert(stored.lead);
    }
    events.sort_unstable_by_key(|(seq, event)| (event.ts, *seq));
    let start = events.first().map_or(clock, |(_, e)| e.ts.min(clock));
    engine.advance(start).expect("the clock starts");
    for (id, attributes) in store::leads(conn)? {
        match records::read_stored_lead(&plan, &id, &attributes) {
            Ok(lead) => engine.upsert(lead),
            Err(error) => {
                log(&format!(
                    "lead `{id}` as stored no longer fits the model: {error}"
                ));
                engine.see_lead(&id);
            }
        }
        ids.insert(id);
    }
    for id in &ids {
        engine.see_lead(id);
    }
    let mut ahead = Vec::new();
    for (_, event) in events {
        if event.ts <= clock {
            let to = event.ts.max(engine.now());
            engine.advance(to).expect("forward");
            engine
                .apply(event)
                .expect("in time order, no event is late");
        } else {
            ahead.push(event);
        }
    }
    let to = clock.max(engine.now());
    engine.advance(to).expect("forward");
    for event in ahead {
        engine
            .apply(event)
            .expect("ahead of the clock, no event is late");
    }
    engine.take_transitions();
    Ok(Live {
        plan: Arc::new(plan),
        engine,
        ids,
        generation: 0,
    })
}

impl Writer {
    /// Runs until every sender of jobs is gone.
    pub fn run(mut self, system_clock: bool) {
        loop {
            let first = if system_clock {
                match self.jobs.recv_timeout(self.core.sleep()) {
                    Ok(job) => Some(job),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match self.jobs.recv() {
                    Ok(job) => Some(job),
                    Err(_) => return,
                }
            };
            let mut jobs: Vec<Job> = first.into_iter().collect();
            let mut events: usize = jobs.iter().map(weight).sum();
            while jobs.len() < MAX_GROUP_JOBS && events < MAX_GROUP_EVENTS {
                match self.jobs.try_recv() {
                    Ok(job) => {
                        events += weight(&job);
                        jobs.push(job);
                    }
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            self.group(jobs, system_clock);
        }
    }

    /// Runs a group of jobs in one transaction; when that fails (or panics), answers
    /// them with the error and rebuilds the engine from what the database holds.
    fn group(&mut self, jobs: Vec<Job>, system_clock: bool) {
        let mut answers: Vec<Answer> = Vec::new();
        let ran = catch_unwind(AssertUnwindSafe(|| {
            self.core
                .group(&mut self.conn, jobs, system_clock, &mut answers)
        }));
        let failure = match ran {
            Ok(Ok(())) => None,
            Ok(Err(error)) => Some(error.to_string()),
            Err(_) => Some("the writer failed (a bug); nothing was stored".to_string()),
        };
        let Some(reason) = failure else {
            for answer in answers {
                answer(None);
            }
            return;
        };
        (self.core.log)(&format!("write failed: {reason}"));
        for answer in answers {
            answer(Some(ApiError::storage(&reason)));
        }
        if let Err(error) = self.core.reload(&self.conn) {
            (self.core.log)(&format!("cannot reload the database: {error}"));
        }
    }
}

/// How many events a job carries (for the size of a group).
fn weight(job: &Job) -> usize {
    match job {
        Job::Events { events, .. } => events.len(),
        _ => 1,
    }
}

impl Core {
    /// How long to sleep until the next change time alone may make.
    fn sleep(&mut self) -> Duration {
        let shared = self.shared.clone();
        let live = shared.live();
        while let Some(Reverse((at, id))) = self.timer.peek() {
            if live.engine.next_change(id) == Some(*at) {
                let micros = at.saturating_sub(time::now()).max(0) as u64;
                return Duration::from_micros(micros).min(MAX_SLEEP);
            }
            self.timer.pop();
        }
        MAX_SLEEP
    }

    fn group(
        &mut self,
        conn: &mut Connection,
        jobs: Vec<Job>,
        system_clock: bool,
        answers: &mut Vec<Answer>,
    ) -> Result<(), StoreError> {
        let shared = self.shared.clone();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let first_change = self.seqs.change;
        let mut wrote = false;
        let mut delivered = 0;
        {
            let mut live = shared.live();
            if system_clock {
                let now = time::now().max(live.engine.now());
                self.advance(&mut live, now);
            }
            for job in jobs {
                wrote |= !matches!(job, Job::Delivered(_) | Job::Failed { .. });
                delivered += usize::from(matches!(job, Job::Delivered(_)));
                self.job(&tx, &mut live, job, answers)?;
            }
            let changes = live.engine.take_transitions();
            wrote |= !changes.is_empty();
            self.record(&tx, changes)?;
            if wrote {
                store::set_meta(&tx, "clock", live.engine.now())?;
            }
        }
        tx.commit()?;
        let recorded = self.seqs.change - first_change;
        shared.metrics.add_pending(if self.webhooks {
            recorded - delivered as i64
        } else {
            0
        });
        shared.changes.send_replace(self.seqs.change);
        Ok(())
    }

    /// Runs one job inside the group's transaction.
    fn job(
        &mut self,
        tx: &Transaction<'_>,
        live: &mut Live,
        job: Job,
        answers: &mut Vec<Answer>,
    ) -> Result<(), StoreError> {
        match job {
            Job::Events {
                mut events,
                partial,
                generation,
                reply,
            } => {
                let mut bad = Vec::new();
                if generation != live.generation {
                    // The model changed since the request was read: read it again.
                    events = reread(&live.plan, events, &mut bad);
                }
                let result = if !bad.is_empty() && !partial {
                    Err(Fail::Api(ApiError::bad_lines(bad)))
                } else {
                    self.events(tx, live, events, partial).map(|mut done| {
                        done.refused.extend(bad);
                        done.refused.sort_by_key(|b| b.line);
                        done
                    })
                };
                let result = match result {
                    Ok(done) => Ok(done),
                    Err(Fail::Api(error)) => Err(error),
                    Err(Fail::Store(error)) => return failed(answers, reply, error),
                };
                answers.push(answer(reply, result));
            }
            Job::Lead {
                id,
                attributes,
                lead,
                generation,
                reply,
            } => {
                let lead = if generation == live.generation {
                    Ok(lead)
                } else {
                    records::read_lead(&live.plan, &id, &attributes)
                };
                let result = match lead {
                    Ok(lead) => match self.lead(tx, live, &id, &attributes, lead) {
                        Ok(()) => Ok(()),
                        Err(error) => return failed(answers, reply, error),
                    },
                    Err(bad) => Err(ApiError::bad_lines(vec![bad])),
                };
                answers.push(answer(reply, result));
            }
            Job::Clock { to, reply } => {
                let now = live.engine.now();
                let result = if to < now {
                    let error = LiveError::ClockBackwards { now, to };
                    Err(ApiError::bad(error.code(), error.to_string()))
                } else {
                    self.advance(live, to);
                    Ok(to)
                };
                answers.push(answer(reply, result));
            }
            Job::Model { plan, reply } => {
                let result = match self.change_model(tx, live, *plan) {
                    Ok(count) => Ok(count),
                    Err(super::ServeError::Store(error)) => return failed(answers, reply, error),
                    Err(other) => Err(ApiError::bad(Code::ModelRejected, other.to_string())),
                };
                answers.push(answer(reply, result));
            }
            Job::Delivered(seq) => {
                tx.execute("DELETE FROM outbox WHERE change_seq = ?1", [seq])?;
            }
            Job::Failed {
                seq,
                attempts,
                next_try,
            } => {
                tx.execute(
                    "UPDATE outbox SET attempts = ?2, next_try = ?3 WHERE change_seq = ?1",
                    params![seq, attempts, next_try],
                )?;
            }
        }
        Ok(())
    }

    /// Stores and applies events: all or none unless `partial`, an event older than the
    /// clock by more than the lateness being refused (E0840).
    fn events(
        &mut self,
        tx: &Transaction<'_>,
        live: &mut Live,
        events: Vec<PostedEvent>,
        partial: bool,
    ) -> Result<EventsDone, Fail> {
        let now = live.engine.now();
        let floor = now.saturating_sub(self.settings.lateness);
        let is_late = |posted: &PostedEvent| match &posted.event {
            EventRecord::Declared(event) => event.ts < floor,
            EventRecord::Undeclared { .. } => false,
        };
        let (late, fresh): (Vec<_>, Vec<_>) = events.into_iter().partition(is_late);
        let refused: Vec<BadLine> = late
            .iter()
            .filter_map(|posted| {
                let EventRecord::Declared(event) = &posted.event else {
                    return None;
                };
                let error = LiveError::TooLate {
                    ts: event.ts,
                    now,
                    lateness: self.settings.lateness,
                };
                let message = error.to_string();
                Some(BadLine::new(posted.line, error.code(), Some("ts"), message))
            })
            .collect();
        if !refused.is_empty() && !partial {
            return Err(Fail::Api(ApiError::bad_lines(refused)));
        }
        let mut insert = tx
            .prepare_cached("INSERT INTO events (seq, lead, ts, record) VALUES (?1, ?2, ?3, ?4)")
            .map_err(StoreError::from)?;
        let (mut accepted, mut ignored) = (0, 0);
        for posted in fresh {
            self.seqs.event += 1;
            let lead = posted.event.lead().to_string();
            let ts = match &posted.event {
                EventRecord::Declared(event) => Some(event.ts),
                EventRecord::Undeclared { .. } => None,
            };
            insert
                .execute(params![self.seqs.event, lead, ts, posted.text])
                .map_err(StoreError::from)?;
            match posted.event {
                EventRecord::Declared(event) => {
                    accepted += 1;
                    live.engine
                        .apply(event)
                        .expect("events too late were refused above");
                }
                EventRecord::Undeclared { .. } => {
                    ignored += 1;
                    live.engine.see_lead(&lead);
                }
            }
            self.schedule(live, &lead);
            if !live.ids.contains(&lead) {
                live.ids.insert(lead);
            }
        }
        Ok(EventsDone {
            accepted,
            ignored,
            refused,
        })
    }

    fn lead(
        &mut self,
        tx: &Transaction<'_>,
        live: &mut Live,
        id: &str,
        attributes: &str,
        lead: Lead,
    ) -> Result<(), StoreError> {
        self.seqs.lead += 1;
        tx.prepare_cached(
            "INSERT INTO leads (id, attributes, seq) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes, seq = excluded.seq",
        )?
        .execute(params![id, attributes, self.seqs.lead])?;
        live.engine.upsert(lead);
        self.schedule(live, id);
        live.ids.insert(id.to_string());
        Ok(())
    }

    /// Rescores every lead with `plan`: the transitions it causes are recorded with
    /// cause `model`, at the clock's time. Returns how many.
    fn change_model(
        &mut self,
        tx: &Transaction<'_>,
        live: &mut Live,
        plan: Plan,
    ) -> Result<usize, super::ServeError> {
        let clock = live.engine.now();
        let mut new = rebuild(tx, plan, self.settings, clock, &self.log)?;
        let changes = model_transitions(&live.engine, &new.engine, clock);
        let count = changes.len();
        store_model(tx, new.engine.scorer().plan())?;
        new.generation = live.generation + 1;
        // What the old engine had not delivered is recorded before the model's changes.
        let pending = live.engine.take_transitions();
        self.record(tx, pending)?;
        *live = new;
        self.record(tx, changes)?;
        self.reschedule_all(live);
        Ok(count)
    }

    /// The transitions of the stored model (`old`, a plan's bytes) to the running one.
    fn rescore_from(
        &self,
        conn: &Connection,
        live: &Live,
        old: &[u8],
    ) -> Result<Vec<Transition>, super::ServeError> {
        let plan = match Plan::from_bytes(old) {
            Ok(plan) => plan,
            Err(error) => {
                (self.log)(&format!(
                    "the stored model cannot be read ({error}): no `model` changes recorded"
                ));
                return Ok(Vec::new());
            }
        };
        let clock = live.engine.now();
        let old = rebuild(conn, plan, self.settings, clock, &self.log)?;
        Ok(model_transitions(&old.engine, &live.engine, clock))
    }

    /// Moves the clock to `to`, looking again at the leads due by then.
    fn advance(&mut self, live: &mut Live, to: i64) {
        let mut due = Vec::new();
        while let Some(Reverse((at, _))) = self.timer.peek() {
            if *at > to {
                break;
            }
            let Reverse((_, id)) = self.timer.pop().expect("peeked");
            due.push(id);
        }
        live.engine.advance(to).expect("the clock moves forward");
        for id in due {
            self.schedule(live, &id);
        }
    }

    /// Queues lead `id` at its next change.
    fn schedule(&mut self, live: &Live, id: &str) {
        if let Some(at) = live.engine.next_change(id) {
            self.timer.push(Reverse((at, id.to_string())));
        }
        if self.timer.len() > 2 * live.ids.len() + 1024 {
            self.reschedule_all(live);
        }
    }

    fn reschedule_all(&mut self, live: &Live) {
        self.timer = live
            .ids
            .iter()
            .filter_map(|id| Some(Reverse((live.engine.next_change(id)?, id.clone()))))
            .collect();
    }

    /// Records transitions in the changes table (and the outbox, with a webhook).
    fn record(
        &mut self,
        tx: &Transaction<'_>,
        transitions: Vec<Transition>,
    ) -> Result<(), StoreError> {
        if transitions.is_empty() {
            return Ok(());
        }
        let mut change = tx.prepare_cached(
            "INSERT INTO changes (seq, lead, at, change) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut outbox = tx.prepare_cached("INSERT INTO outbox (change_seq) VALUES (?1)")?;
        for transition in transitions {
            self.seqs.change += 1;
            let seq = self.seqs.change;
            let json = change_json(&transition, seq);
            change.execute(params![seq, transition.lead, transition.at, json])?;
            if self.webhooks {
                outbox.execute([seq])?;
            }
        }
        Ok(())
    }

    /// After a failed commit: the engine, timer and sequence numbers as the database has
    /// them.
    fn reload(&mut self, conn: &Connection) -> Result<(), super::ServeError> {
        let shared = self.shared.clone();
        let mut live = shared.live();
        let clock: i64 = store::meta(conn, "clock")?.unwrap_or(live.engine.now());
        let plan = (*live.plan).clone();
        let mut rebuilt = rebuild(conn, plan, self.settings, clock, &self.log)?;
        rebuilt.generation = live.generation;
        *live = rebuilt;
        self.seqs = Seqs::load(conn)?;
        self.reschedule_all(&live);
        Ok(())
    }
}

/// Why a job failed: its request (answered) or the database (the group fails).
enum Fail {
    Api(ApiError),
    Store(StoreError),
}

impl From<StoreError> for Fail {
    fn from(error: StoreError) -> Self {
        Fail::Store(error)
    }
}

/// Events read again with another model; the ones that no longer fit go to `bad`.
fn reread(plan: &Plan, events: Vec<PostedEvent>, bad: &mut Vec<BadLine>) -> Vec<PostedEvent> {
    events
        .into_iter()
        .filter_map(
            |posted| match records::read_event(plan, posted.line, &posted.text) {
                Ok(event) => Some(PostedEvent { event, ..posted }),
                Err(error) => {
                    bad.push(error);
                    None
                }
            },
        )
        .collect()
}

/// A change as the feed and the webhooks give it: the `replay --changes` object with
/// its `seq` last.
pub fn change_json(transition: &Transition, seq: i64) -> String {
    let mut json = serde_json::to_string(transition).expect("a transition serializes");
    json.pop();
    json.push_str(&format!(",\"seq\":{seq}}}"));
    json
}

/// Each flag and band a lead shows under `old` and differently under `new` (the flags
/// and graded scores both models have), at `at`, in lead, kind and name order.
fn model_transitions(old: &Engine, new: &Engine, at: i64) -> Vec<Transition> {
    let mut changes = Vec::new();
    for id in new.lead_ids() {
        let (Ok(Some(before)), Ok(Some(after))) =
            (old.outcome(id, at, false), new.outcome(id, at, false))
        else {
            continue;
        };
        let mut found = Vec::new();
        for (name, to) in &after.flags {
            if let Some(from) = before.flag(name).filter(|from| from != to) {
                found.push((
                    Kind::Flag,
                    name.clone(),
                    Level::Flag(from),
                    Level::Flag(*to),
                ));
            }
        }
        for (name, to) in &after.grades {
            let from = before.grades.iter().find(|(n, _)| n == name);
            if let Some((_, from)) = from.filter(|(_, from)| from != to) {
                let levels = (Level::Band(from.clone()), Level::Band(to.clone()));
                found.push((Kind::Grade, name.clone(), levels.0, levels.1));
            }
        }
        found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        changes.extend(found.into_iter().map(|(kind, name, from, to)| Transition {
            lead: id.to_string(),
            at,
            kind,
            name,
            from,
            to,
            cause: Cause::Model,
        }));
    }
    changes
}

/// The error of a request a group could not commit.
impl ApiError {
    pub fn storage(reason: &str) -> ApiError {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Code::ServiceFailed,
            format!("nothing was stored: {reason}"),
        )
    }
}
