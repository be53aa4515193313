//! The HTTP API (`docs/serving.md`, `docs/openapi.yaml`): axum handlers over the shared
//! live state, the writes queued for the writer and answered once committed.

use super::records::{self, MAX_LINE_BYTES};
use super::writer::{EventsDone, Job, Reply};
use super::{store, ApiError, Clock, Live, Shared};
use crate::diagnostics::{self, Code};
use crate::eval::Results;
use crate::live::LiveError;
use crate::output;
use crate::time::{format_timestamp, parse_duration};
use crate::vocab::ReadOptions;
use axum::body::{Body, Bytes};
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// The largest request body (16 MiB): larger ones get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Every route: method and path (as `docs/openapi.yaml` lists them).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/metrics"),
    ("post", "/v1/events"),
    ("get", "/v1/leads"),
    ("get", "/v1/leads/{id}"),
    ("put", "/v1/leads/{id}"),
    ("get", "/v1/changes"),
    ("post", "/v1/clock"),
    ("put", "/v1/model"),
];

/// The longest a `GET /v1/changes` waits.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The most leads a list looks at for one page (a sparse filter pages on from there).
const MAX_SCANNED: usize = 100_000;

#[derive(Clone)]
struct App {
    shared: Arc<Shared>,
    jobs: mpsc::Sender<Job>,
}

impl App {
    /// Queues a job for the writer and waits for its answer.
    async fn ask<T>(&self, job: impl FnOnce(Reply<T>) -> Job) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(job(reply))
            .map_err(|_| ApiError::internal("the service is stopping"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the writer stopped before answering"))?
    }

    /// The model requests are read with, and its generation.
    /// The model requests read their bodies with, and its generation.
    async fn plan(&self) -> Result<(Arc<crate::plan::Plan>, u64), ApiError> {
        self.blocking(|shared| {
            let live = shared.live();
            (live.plan.clone(), live.generation)
        })
        .await
    }

    /// Runs `work` on a thread meant for blocking: what takes the engine's lock (which
    /// the writer may hold for a whole group of requests, or while it rescores every lead)
    /// or works through a large body, so that the runtime's few threads stay free for
    /// other requests and `/healthz`.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Shared) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || work(&shared))
            .await
            .map_err(|_| ApiError::internal("the request failed while it was being answered"))
    }
}

pub(crate) fn router(shared: Arc<Shared>, jobs: mpsc::Sender<Job>) -> Router {
    let app = App { shared, jobs };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/events", post(post_events))
        .route("/v1/leads", get(list_leads))
        .route("/v1/leads/{id}", get(get_lead).put(put_lead))
        .route("/v1/changes", get(changes))
        .route("/v1/clock", post(set_clock))
        .route("/v1/model", put(put_model))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Around every request: the token (but for `/healthz`), a panic turned into a 500
/// (the server goes on), the latency measured.
async fn guard(State(app): State<App>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let response = if request.uri().path() != "/healthz"
        && !authorized(&app.shared, request.headers())
    {
        let mut response = ApiError::new(
            StatusCode::UNAUTHORIZED,
            Code::Unauthorized,
            "this endpoint needs the header `Authorization: Bearer TOKEN`, with the token of the service's --token-file",
        )
        .into_response();
        let challenge = HeaderValue::from_static("Bearer");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, challenge);
        response
    } else {
        match tokio::spawn(next.run(request)).await {
            Ok(response) => response,
            Err(_) => {
                ApiError::internal("the request failed inside the service (a bug)").into_response()
            }
        }
    };
    app.shared
        .metrics
        .request(response.status().as_u16(), start.elapsed());
    response
}

/// Whether the request carries the service's token (compared in constant time: both
/// hashed, so neither length nor content shows in the time taken).
fn authorized(shared: &Shared, headers: &HeaderMap) -> bool {
    let Some(token) = &shared.token else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            // The scheme's name in any case (RFC 9110), then the token.
            let (scheme, token) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .unwrap_or("");
    use sha2::Digest;
    let (a, b) = (sha2::Sha256::digest(given), sha2::Sha256::digest(token));
    let differ = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    differ == 0 && !given.is_empty()
}

impl ApiError {
    fn internal(message: &str) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::ServiceFailed,
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.body });
        json(self.status, body.to_string())
    }
}

fn json(status: StatusCode, body: impl Into<Body>) -> Response {
    let content_type = HeaderValue::from_static("application/json");
    let mut response = (status, body.into()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

/// A request's query parameters, each taken once; any left is refused.
struct Params(HashMap<String, String>);

impl Params {
    fn of(
        query: Result<Query<HashMap<String, String>>, QueryRejection>,
    ) -> Result<Params, ApiError> {
        match query {
            Ok(Query(map)) => Ok(Params(map)),
            Err(rejection) => Err(ApiError::bad(
                Code::BadQuery,
                format!("the query cannot be read: {}", rejection.body_text()),
            )),
        }
    }

    fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    fn flag(&mut self, name: &str) -> Result<bool, ApiError> {
        match self.take(name).as_deref() {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1" | "") => Ok(true),
            Some(other) => Err(ApiError::bad(
                Code::BadQuery,
                format!("`{name}` is `true` or `false`, not `{other}`"),
            )),
        }
    }

    fn number(
        &mut self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<Option<i64>, ApiError> {
        let Some(text) = self.take(name) else {
            return Ok(None);
        };
        match text.parse::<i64>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::bad(
                Code::BadQuery,
                format!(
                    "`{name}` is a whole number from {} to {}, not `{text}`",
                    range.start(),
                    range.end()
                ),
            )),
        }
    }

    /// Refuses the parameters not taken.
    fn done(self, takes: &[&str]) -> Result<(), ApiError> {
        let mut left: Vec<&String> = self.0.keys().collect();
        left.sort();
        match left.first() {
            None => Ok(()),
            Some(name) => {
                let takes = if takes.is_empty() {
                    "none".to_string()
                } else {
                    takes
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                Err(ApiError::bad(
                    Code::BadQuery,
                    format!("unknown query parameter `{name}` (this endpoint takes: {takes})"),
                ))
            }
        }
    }
}

/// The body, at most [`MAX_BODY_BYTES`] (413 beyond), as UTF-8 text.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<String, ApiError> {
    let bytes = read_bytes(headers, body).await?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad(Code::BadRequest, "the body is not UTF-8 text"))
}

/// The body, at most [`MAX_BODY_BYTES`] (413 beyond).
async fn read_bytes(headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::BodyTooLarge,
            format!(
                "the body is larger than {} MiB: send it in parts",
                MAX_BODY_BYTES >> 20
            ),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => Ok(bytes),
        Err(error) if is_length_limit(&error) => Err(too_large()),
        Err(error) => Err(ApiError::bad(
            Code::BadRequest,
            format!("the body cannot be read: {error}"),
        )),
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

/// Whether the body is JSON Lines (else it is one JSON object).
fn is_lines(headers: &HeaderMap) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    [
        "application/x-ndjson",
        "application/jsonl",
        "application/json-lines",
    ]
    .iter()
    .any(|t| essence.eq_ignore_ascii_case(t))
}

fn path_id(path: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    match path {
        Ok(Path(id)) if !id.is_empty() => Ok(id),
        Ok(_) => Err(ApiError::bad(Code::BadRequest, "the lead id is empty")),
        Err(rejection) => Err(ApiError::bad(
            Code::BadRequest,
            format!("the lead id cannot be read: {}", rejection.body_text()),
        )),
    }
}

/// A time as the sketch writes one (what `score --as-of` takes).
fn time_param(name: &str, text: &str) -> Result<i64, ApiError> {
    crate::read_time_text(text, ReadOptions::default()).map_err(|_| {
        ApiError::bad(
            Code::BadQuery,
            format!("`{name}`: expected a time: RFC 3339 (2026-10-01T10:00:00Z), a date or seconds since 1970, not `{text}`"),
        )
    })
}

async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#)
}

async fn metrics(State(app): State<App>) -> Result<Response, ApiError> {
    let leads = app.blocking(|shared| shared.live().ids.len()).await?;
    let text = app.shared.metrics.render(leads);
    let mut response = (StatusCode::OK, text).into_response();
    let content_type = HeaderValue::from_static("text/plain; version=0.0.4");
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    Ok(response)
}

async fn post_events(
    State(app): State<App>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let mut params = Params::of(query)?;
    let partial = params.flag("partial")?;
    params.done(&["partial"])?;
    let text = read_body(&headers, body).await?;
    let (plan, generation) = app.plan().await?;
    let lines = is_lines(&headers);
    let (events, bad) = app
        .blocking(move |_| records::read_events(&plan, &text, lines))
        .await?;
    let count = events.len() + bad.count;
    if !bad.is_empty() && !partial {
        app.shared.metrics.events(0, count);
        return Err(ApiError::bad_lines_counted(bad.listed, bad.count));
    }
    let done = app
        .ask(|reply| Job::Events {
            events,
            partial,
            generation,
            reply,
        })
        .await;
    let EventsDone {
        accepted,
        ignored,
        refused,
    } = match done {
        Ok(done) => done,
        Err(error) => {
            app.shared.metrics.events(0, count);
            return Err(error);
        }
    };
    let refused_total = bad.count + refused.len();
    let mut refused: Vec<_> = bad.listed.into_iter().chain(refused).collect();
    refused.sort_by_key(|b| b.line);
    refused.truncate(records::MAX_LISTED);
    app.shared.metrics.events(accepted + ignored, refused_total);
    let body = serde_json::json!({
        "accepted": accepted,
        "ignored": ignored,
        "refused": refused,
        "refused_total": refused_total,
    });
    Ok(json(StatusCode::OK, body.to_string()))
}

async fn put_lead(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    Params::of(query)?.done(&[])?;
    let text = read_body(&headers, body).await?;
    if text.len() > MAX_LINE_BYTES {
        let message = format!("a lead's attributes may be at most {MAX_LINE_BYTES} bytes");
        return Err(ApiError::bad(Code::BadRequest, message));
    }
    let (plan, generation) = app.plan().await?;
    let lead =
        records::read_lead(&plan, &id, &text).map_err(|bad| ApiError::bad_lines(vec![bad]))?;
    let attributes = records::one_line(&text);
    let lead_id = id.clone();
    app.ask(|reply| Job::Lead {
        id: lead_id,
        attributes,
        lead,
        generation,
        reply,
    })
    .await?;
    let body = serde_json::json!({ "lead": id });
    Ok(json(StatusCode::OK, body.to_string()))
}

async fn get_lead(
    State(app): State<App>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = path_id(path)?;
    let mut params = Params::of(query)?;
    let as_of = params.take("as_of");
    let explain = params.flag("explain")?;
    params.done(&["as_of", "explain"])?;
    let as_of = as_of.map(|t| time_param("as_of", &t)).transpose()?;
    app.blocking(move |shared| lead_answer(&shared.live(), &id, as_of, explain))
        .await?
}

/// The lead's line of `score --as-of AS_OF [--explain]` (as of the clock by default).
fn lead_answer(
    live: &Live,
    id: &str,
    as_of: Option<i64>,
    explain: bool,
) -> Result<Response, ApiError> {
    let now = live.engine.now();
    let as_of = match as_of {
        Some(as_of) if as_of < now => {
            let error = LiveError::AsOfBeforeClock { as_of, now };
            return Err(ApiError::bad(error.code(), error.to_string()));
        }
        Some(as_of) => as_of,
        None => now,
    };
    let mut bytes = Vec::new();
    let found = if explain {
        match live.engine.outcome(id, as_of, true) {
            Ok(Some(outcome)) => {
                output::write_jsonl(&[outcome], &mut bytes).expect("writes to memory");
                true
            }
            _ => false,
        }
    } else {
        let mut results = Results::default();
        let found = live.engine.results_of(id, as_of, &mut results);
        if found {
            let plan = live.engine.scorer().plan();
            let line = output::JsonlResults::new(plan);
            line.write(id, &results, &mut bytes)
                .expect("writes to memory");
        }
        found
    };
    if !found {
        return Err(unknown_lead(id));
    }
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
    }
    Ok(json(StatusCode::OK, bytes))
}

fn unknown_lead(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        format!("no lead `{id}`: it was never put nor named in an event"),
    )
}

/// What a list keeps: a band of a graded score, a flag set.
struct Filter {
    /// The graded score and the indices of its bands of the name asked for.
    grade: Option<(usize, Vec<usize>)>,
    flag: Option<usize>,
}

impl Filter {
    fn of(
        plan: &crate::plan::Plan,
        grade: Option<String>,
        flag: Option<String>,
    ) -> Result<Filter, ApiError> {
        let grade = grade
            .map(|text| {
                let (score, band) = text.split_once(':').ok_or_else(|| {
                    ApiError::bad(
                        Code::BadQuery,
                        format!("`grade` is `score:band`, like `engagement:hot`, not `{text}`"),
                    )
                })?;
                let graded = plan
                    .grades
                    .iter()
                    .position(|g| plan.scores[g.score as usize].name == score)
                    .ok_or_else(|| {
                        let names: Vec<&str> = plan
                            .grades
                            .iter()
                            .map(|g| plan.scores[g.score as usize].name.as_str())
                            .collect();
                        ApiError::bad(
                            Code::BadQuery,
                            format!(
                                "`{score}` is not a graded score (graded: {})",
                                names.join(", ")
                            ),
                        )
                    })?;
                let bands = &plan.grades[graded].bands;
                // Every band of that name (`hot >= 90`, `hot >= 70 if …` are both hot).
                let named: Vec<usize> = (0..bands.len())
                    .filter(|&b| bands[b].name == band)
                    .collect();
                let found = (!named.is_empty()).then_some(named).ok_or_else(|| {
                    let names: Vec<&str> = bands.iter().map(|b| b.name.as_str()).collect();
                    ApiError::bad(
                        Code::BadQuery,
                        format!(
                            "`{band}` is not a band of `{score}` (bands: {})",
                            names.join(", ")
                        ),
                    )
                })?;
                Ok::<_, ApiError>((graded, found))
            })
            .transpose()?;
        let flag = flag
            .map(|name| {
                plan.flags
                    .iter()
                    .position(|f| f.name == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> = plan.flags.iter().map(|f| f.name.as_str()).collect();
                        ApiError::bad(
                            Code::BadQuery,
                            format!("`{name}` is not a flag (flags: {})", names.join(", ")),
                        )
                    })
            })
            .transpose()?;
        Ok(Filter { grade, flag })
    }

    fn keeps(&self, results: &Results) -> bool {
        let in_band = |(g, bands): &(usize, Vec<usize>)| bands.contains(&results.bands[*g]);
        self.grade.as_ref().is_none_or(in_band) && self.flag.is_none_or(|f| results.flags[f])
    }
}

async fn list_leads(
    State(app): State<App>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let mut params = Params::of(query)?;
    let (grade, flag, after) = (
        params.take("grade"),
        params.take("flag"),
        params.take("after"),
    );
    let limit = params.number("limit", 1..=1000)?.unwrap_or(100) as usize;
    params.done(&["grade", "flag", "limit", "after"])?;
    app.blocking(move |shared| list_answer(&shared.live(), grade, flag, after, limit))
        .await?
}

/// A page of the leads `grade` and `flag` keep, from after the id `after`.
fn list_answer(
    live: &Live,
    grade: Option<String>,
    flag: Option<String>,
    after: Option<String>,
    limit: usize,
) -> Result<Response, ApiError> {
    let plan = live.engine.scorer().plan();
    let filter = Filter::of(plan, grade, flag)?;
    let now = live.engine.now();
    let start = match &after {
        Some(after) => Bound::Excluded(after.as_str()),
        None => Bound::Unbounded,
    };
    let mut results = Results::default();
    let writer = output::JsonlResults::new(plan);
    let mut lines: Vec<u8> = Vec::new();
    let (mut kept, mut last) = (0, None);
    for (scanned, id) in live
        .ids
        .range::<str, _>((start, Bound::Unbounded))
        .enumerate()
    {
        if kept == limit || scanned == MAX_SCANNED {
            break;
        }
        last = Some(id.as_str());
        live.engine.results_of(id, now, &mut results);
        if !filter.keeps(&results) {
            continue;
        }
        if kept > 0 {
            lines.push(b',');
        }
        writer
            .write(id, &results, &mut lines)
            .expect("writes to memory");
        lines.pop(); // the line's end
        kept += 1;
    }
    let more = last.is_some_and(|last| {
        live.ids
            .range::<str, _>((Bound::Excluded(last), Bound::Unbounded))
            .next()
            .is_some()
    });
    let next = if more { last } else { None };
    let next = serde_json::to_string(&next).expect("serializes");
    let mut body = b"{\"leads\":[".to_vec();
    body.extend_from_slice(&lines);
    body.extend_from_slice(format!("],\"next\":{next}}}").as_bytes());
    Ok(json(StatusCode::OK, body))
}

async fn changes(
    State(app): State<App>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let mut params = Params::of(query)?;
    let after = params.number("after", 0..=i64::MAX)?.unwrap_or(0);
    let limit = params.number("limit", 1..=10_000)?.unwrap_or(1000);
    let wait = match params.take("wait") {
        None => Duration::ZERO,
        Some(text) => match parse_duration(&text) {
            Some(micros) if micros >= 0 => Duration::from_micros(micros as u64).min(MAX_WAIT),
            _ => {
                let message = format!("`wait` is a duration like `30s`, not `{text}`");
                return Err(ApiError::bad(Code::BadQuery, message));
            }
        },
    };
    params.done(&["after", "limit", "wait"])?;
    let deadline = tokio::time::Instant::now() + wait;
    let mut feed = app.shared.changes.subscribe();
    let rows = loop {
        let shared = app.shared.clone();
        let rows = tokio::task::spawn_blocking(move || {
            with_reader(&shared, |conn| store::changes_after(conn, after, limit))
        })
        .await
        .map_err(|_| ApiError::internal("the changes could not be read"))?
        .map_err(|e| ApiError::internal(&e.to_string()))?;
        if !rows.is_empty() || tokio::time::Instant::now() >= deadline {
            break rows;
        }
        let newer = tokio::time::timeout_at(deadline, feed.wait_for(|&last| last > after)).await;
        if !matches!(newer, Ok(Ok(_))) {
            break rows;
        }
    };
    let last = rows.last().map_or(after, |(seq, _)| *seq);
    let list: Vec<&str> = rows.iter().map(|(_, change)| change.as_str()).collect();
    let body = format!("{{\"changes\":[{}],\"last\":{last}}}", list.join(","));
    Ok(json(StatusCode::OK, body))
}

/// Runs `read` with a reader of the database (reused between requests).
pub(super) fn with_reader<T>(
    shared: &Shared,
    read: impl FnOnce(&rusqlite::Connection) -> Result<T, store::StoreError>,
) -> Result<T, store::StoreError> {
    let pooled = shared
        .readers
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .pop();
    let conn = match pooled {
        Some(conn) => conn,
        None => store::open_reader(&shared.db)?,
    };
    let result = read(&conn);
    let mut readers = shared.readers.lock().unwrap_or_else(|e| e.into_inner());
    if readers.len() < 8 {
        readers.push(conn);
    }
    result
}

async fn set_clock(
    State(app): State<App>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    Params::of(query)?.done(&[])?;
    if app.shared.clock != Clock::Manual {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            Code::ClockNotManual,
            "the clock follows the system's time; start the service with `--clock manual` to set it with requests",
        ));
    }
    let text = read_body(&headers, body).await?;
    let body: HashMap<String, serde_json::Value> = serde_json::from_str(&text)
        .map_err(|e| ApiError::bad(Code::BadRequest, format!("expected {{\"now\": TIME}}: {e}")))?;
    if let Some(other) = body.keys().find(|k| *k != "now") {
        let message = format!("unknown field `{other}`: the body is {{\"now\": TIME}}");
        return Err(ApiError::bad(Code::BadRequest, message));
    }
    let text = match body.get("now") {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Number(number)) => number.to_string(),
        _ => {
            return Err(ApiError::bad(
                Code::BadRequest,
                "expected {\"now\": TIME}, TIME a time as text or seconds since 1970",
            ))
        }
    };
    let to = time_param("now", &text)?;
    let now = app.ask(|reply| Job::Clock { to, reply }).await?;
    let body = serde_json::json!({ "now": format_timestamp(now) });
    Ok(json(StatusCode::OK, body.to_string()))
}

async fn put_model(
    State(app): State<App>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    Params::of(query)?.done(&[])?;
    let bytes = read_bytes(&headers, body).await?;
    // Compiling takes a while for a large model: not on the runtime's threads.
    let plan = app.blocking(move |_| model_of(&bytes)).await??;
    let name = plan.name().to_string();
    let changes = app
        .ask(|reply| Job::Model {
            plan: Box::new(plan),
            reply,
        })
        .await?;
    let body = serde_json::json!({ "model": name, "changes": changes });
    Ok(json(StatusCode::OK, body.to_string()))
}

/// A model from a body: a compiled plan (binary or JSON, as `leadscore compile` writes
/// it) or model source, with no imports (compile a model that imports into a plan).
fn model_of(bytes: &[u8]) -> Result<crate::plan::Plan, ApiError> {
    if bytes.trim_ascii().is_empty() {
        let message = "the body is empty: send the model's source or its compiled plan";
        return Err(ApiError::bad(Code::ModelRejected, message));
    }
    if bytes.starts_with(b"LEADPLAN") || bytes.trim_ascii_start().starts_with(b"{") {
        return crate::plan::Plan::from_bytes(bytes).map_err(|error| {
            ApiError::bad(
                Code::ModelRejected,
                format!("the plan cannot be loaded: {error}"),
            )
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        ApiError::bad(
            Code::ModelRejected,
            "the model is neither a plan nor UTF-8 text",
        )
    })?;
    let compiled = crate::compile_source("model.score", text, &crate::MemoryLoader::new());
    match compiled.plan {
        Some(plan) => Ok(plan),
        None => {
            let diagnostics = compiled.diagnostics.into_vec();
            let shown = diagnostics::render::human(&diagnostics, &compiled.sources, false);
            let message = format!("the model has errors (a model that imports files goes as a compiled plan):\n{shown}");
            Err(ApiError::bad(Code::ModelRejected, message))
        }
    }
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        format!("no endpoint {method} {}", uri.path()),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::BadRequest,
        format!("{} does not take {method}", uri.path()),
    )
}
