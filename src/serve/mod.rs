//! `leadscore serve`: a scoring service over the [live engine](crate::live) — events and
//! lead changes posted over HTTP, scores read back, every flag and grade change recorded
//! and pushed to a webhook. `docs/serving.md` is the guide; `docs/openapi.yaml` the API.
//!
//! - **Storage** (`store`): SQLite in WAL mode, every commit synced; the stored leads
//!   and events are the truth, the engine is rebuilt from them on start.
//! - **Writes** (`writer`): one thread owns the engine's writes and the database's write
//!   connection, and commits many requests' rows in one transaction before answering
//!   any of them (group commit).
//! - **HTTP** (`api`): axum on tokio; bearer-token authentication, bounded bodies, JSON
//!   errors with stable codes (E0850–E0859).
//! - **Webhooks** (`webhook`): every change POSTed from a durable outbox, signed with
//!   HMAC-SHA256, in order, retried with backoff until taken.
//!
//! ```no_run
//! use leadscore::serve::{Clock, Config, Server};
//! # fn plan() -> leadscore::Plan { unimplemented!() }
//! let config = Config::new(plan(), "scores.db".into(), "127.0.0.1:8080".parse().unwrap())
//!     .with_token("s3cret".into())
//!     .with_clock(Clock::Manual);
//! let server = Server::bind(config).unwrap();
//! println!("listening on http://{}", server.local_addr());
//! server.run().unwrap();
//! ```

mod api;
mod metrics;
mod records;
mod store;
mod webhook;
mod writer;

use crate::diagnostics::Code;
use crate::live::{Engine, Settings};
use crate::plan::{Plan, PlanError};
use axum::http::StatusCode;
use records::BadLine;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::watch;

pub use api::ROUTES;
pub use store::{StoreError, SCHEMA_VERSION};
pub use webhook::signature;

/// Where the service writes what it has to say (warnings, failed deliveries).
pub type Log = Arc<dyn Fn(&str) + Send + Sync>;

/// How the service's clock moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// With the system's time, by itself: changes caused by time alone happen on time.
    #[default]
    System,
    /// Only by `POST /v1/clock` (tests, replays of a history).
    Manual,
}

/// A webhook to push every change to.
#[derive(Clone)]
pub struct Webhook {
    /// `http://host:port/path` (plain HTTP; put a TLS proxy in front for HTTPS).
    pub url: String,
    /// The HMAC-SHA256 key of the `X-Leadscore-Signature` header.
    pub secret: Vec<u8>,
}

/// How to run the service.
#[derive(Clone)]
pub struct Config {
    plan: Plan,
    db: PathBuf,
    listen: SocketAddr,
    token: Option<String>,
    webhook: Option<Webhook>,
    settings: Settings,
    clock: Clock,
    log: Log,
}

impl Config {
    /// The service of `plan` over the database `db`, listening on `listen`, with no
    /// authentication (see [`Config::with_token`]), the system clock, no webhook.
    pub fn new(plan: Plan, db: PathBuf, listen: SocketAddr) -> Config {
        Config {
            plan,
            db,
            listen,
            token: None,
            webhook: None,
            settings: Settings::default(),
            clock: Clock::System,
            log: Arc::new(|_| {}),
        }
    }

    /// Requests must carry `Authorization: Bearer TOKEN`.
    pub fn with_token(mut self, token: String) -> Config {
        self.token = Some(token);
        self
    }

    /// Every change is POSTed to `webhook`.
    pub fn with_webhook(mut self, webhook: Webhook) -> Config {
        self.webhook = Some(webhook);
        self
    }

    /// The engine's settings (the lateness).
    pub fn with_settings(mut self, settings: Settings) -> Config {
        self.settings = settings;
        self
    }

    /// How the clock moves.
    pub fn with_clock(mut self, clock: Clock) -> Config {
        self.clock = clock;
        self
    }

    /// Where warnings go (nowhere by default).
    pub fn with_log(mut self, log: Log) -> Config {
        self.log = log;
        self
    }
}

/// Why the service cannot start (or go on).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The model's plan does not verify.
    #[error("the model cannot run: {0}")]
    Plan(#[from] PlanError),
    /// The address, the runtime.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A setting that cannot work (a webhook URL that is not `http://`, an address in
    /// use, a database that cannot be opened).
    #[error("{0}")]
    Config(String),
}

impl From<rusqlite::Error> for ServeError {
    fn from(error: rusqlite::Error) -> Self {
        ServeError::Store(StoreError::Sqlite(error))
    }
}

/// The engine and what goes with it, behind one lock: the writer changes it, requests
/// read it (the engine caches per lead, so reads too take the lock alone).
pub(crate) struct Live {
    /// The model (requests read their bodies with it without holding the lock).
    plan: Arc<Plan>,
    engine: Engine,
    /// Every lead's id, in order (for the paged list).
    ids: BTreeSet<String>,
    /// Which model: a request read with an older one is read again by the writer.
    generation: u64,
}

/// What requests, the writer and the webhook share.
pub(crate) struct Shared {
    live: Mutex<Live>,
    metrics: metrics::Metrics,
    /// The last change committed (the feed and the webhook wait on it).
    changes: watch::Sender<i64>,
    db: PathBuf,
    /// Readers of the database for the changes feed, reused.
    readers: std::sync::Mutex<Vec<rusqlite::Connection>>,
    clock: Clock,
    token: Option<String>,
    log: Log,
}

impl Shared {
    fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A bound service, ready to run.
pub struct Server {
    listener: std::net::TcpListener,
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
    jobs: mpsc::Sender<Job>,
    writer: std::thread::JoinHandle<()>,
    webhook: Option<Webhook>,
    /// Held while the service runs ([`store::lock`]).
    _lock: std::fs::File,
}

use writer::Job;

impl Server {
    /// Opens (or creates) the database, rebuilds the engine from it (rescoring every
    /// lead if the model changed), and binds the address.
    pub fn bind(config: Config) -> Result<Server, ServeError> {
        if let Some(webhook) = &config.webhook {
            webhook::check_url(&webhook.url).map_err(ServeError::Config)?;
        }
        // The address first, then the database's lock, then the database: a service
        // that cannot start changes nothing another one is serving.
        let listener = std::net::TcpListener::bind(config.listen)
            .map_err(|e| ServeError::Config(format!("cannot listen on {}: {e}", config.listen)))?;
        let lock = store::lock(&config.db).map_err(ServeError::Config)?;
        let in_db = |e: &dyn std::fmt::Display| format!("`{}`: {e}", config.db.display());
        let conn = store::open(&config.db).map_err(|e| ServeError::Config(in_db(&e)))?;
        let (jobs, receiver) = mpsc::channel();
        let (changes, _) = watch::channel(0);
        let startup = writer::Startup {
            plan: config.plan,
            settings: config.settings,
            system_clock: config.clock == Clock::System,
            webhooks: config.webhook.is_some(),
            log: config.log.clone(),
        };
        let (db, clock, token, log) = (config.db, config.clock, config.token, config.log);
        let (shared, writer) = writer::start(conn, startup, receiver, |live| {
            Arc::new(Shared {
                live: Mutex::new(live),
                metrics: metrics::Metrics::default(),
                changes,
                db,
                readers: std::sync::Mutex::new(Vec::new()),
                clock,
                token,
                log,
            })
        })?;
        let system_clock = clock == Clock::System;
        let writer = std::thread::Builder::new()
            .name("leadscore-writer".into())
            .spawn(move || writer.run(system_clock))?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("leadscore-serve")
            .build()?;
        Ok(Server {
            listener,
            runtime,
            shared,
            jobs,
            writer,
            webhook: config.webhook,
            _lock: lock,
        })
    }

    /// The address the service listens on (with its port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener")
    }

    /// Serves until interrupted (Ctrl-C, SIGTERM), then lets the writer finish what it
    /// was given.
    pub fn run(self) -> Result<(), ServeError> {
        let Server {
            listener,
            runtime,
            shared,
            jobs,
            writer,
            webhook,
            _lock,
        } = self;
        let served = runtime.block_on(async {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let delivery = webhook.map(|webhook| {
                tokio::spawn(webhook::deliver(shared.clone(), webhook, jobs.clone()))
            });
            let app = api::router(shared.clone(), jobs.clone());
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown())
                .await;
            if let Some(delivery) = delivery {
                delivery.abort();
            }
            served
        });
        drop(jobs);
        runtime.shutdown_timeout(std::time::Duration::from_secs(5));
        let _ = writer.join();
        Ok(served?)
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminate = async {
            match term.as_mut() {
                Some(term) => {
                    term.recv().await;
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}

/// SHA-256 of `bytes`, in hex.
fn hash_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An error answer: `{"error": {"code", "message", "line"?, "field"?, "lines"?}}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: ErrorBody,
}

#[derive(Debug, Serialize)]
struct ErrorBody {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
    /// Every bad line of a body.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lines: Vec<BadLine>,
}

impl ApiError {
    fn new(status: StatusCode, code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                code: code.as_str(),
                message: message.into(),
                line: None,
                field: None,
                lines: Vec::new(),
            },
        }
    }

    /// A request that cannot be taken as it is (400).
    fn bad(code: Code, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A body with bad lines, none stored (400): the first named, all listed.
    fn bad_lines(lines: Vec<BadLine>) -> ApiError {
        let count = lines.len();
        ApiError::bad_lines_counted(lines, count)
    }

    /// `count` bad lines, some of them `lines`: the first named, at most
    /// [`records::MAX_LISTED`] listed.
    fn bad_lines_counted(mut lines: Vec<BadLine>, count: usize) -> ApiError {
        lines.sort_by_key(|b| b.line);
        lines.truncate(records::MAX_LISTED);
        let first = lines.first().cloned().unwrap_or_else(|| {
            BadLine::new(1, Code::BadRequest, None, "the body has nothing to store")
        });
        let message = if count > lines.len() {
            format!(
                "{count} lines of the body are bad (the first {} are listed), nothing was stored; line {}: {}",
                lines.len(),
                first.line,
                first.message
            )
        } else if count > 1 {
            format!(
                "{count} lines of the body are bad, nothing was stored; line {}: {}",
                first.line, first.message
            )
        } else {
            format!("line {}: {}; nothing was stored", first.line, first.message)
        };
        ApiError {
            status: StatusCode::BAD_REQUEST,
            body: ErrorBody {
                code: first.code,
                message,
                line: Some(first.line),
                field: first.field,
                lines,
            },
        }
    }
}
