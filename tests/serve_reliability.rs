//! `leadscore serve` under trouble: `kill -9` during a load of acknowledged writes, a
//! webhook receiver that is down, slow and failing, and a fuzz of requests. Loopback
//! only, bounded in requests and time, no timed assertions.

mod serve_support;

use serve_support::{examples, http, ids_of, score, Rng, Server, TOKEN};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn gen(dir: &Path, leads: usize, events: usize, seed: u64) -> (String, String) {
    let out = dir.join("gen");
    let status = std::process::Command::new(serve_support::bin())
        .args([
            "gen",
            "--leads",
            &leads.to_string(),
            "--events",
            &events.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success());
    (
        std::fs::read_to_string(out.join("leads.jsonl")).unwrap(),
        std::fs::read_to_string(out.join("events.jsonl")).unwrap(),
    )
}

/// The stored events' records and the stored leads as a leads file.
fn stored(db: &Path) -> (Vec<String>, String) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut statement = conn
        .prepare("SELECT record FROM events ORDER BY seq")
        .unwrap();
    let events: Vec<String> = statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut statement = conn
        .prepare("SELECT id, attributes FROM leads ORDER BY id")
        .unwrap();
    let leads: Vec<String> = statement
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .map(|row| {
            let (id, attributes) = row.unwrap();
            let mut object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&attributes).unwrap();
            object.insert("id".into(), id.into());
            serde_json::to_string(&object).unwrap()
        })
        .collect();
    (events, leads.join("\n"))
}

/// Every lead's results from the paged list.
fn all_leads(server: &Server) -> Vec<serde_json::Value> {
    let (mut all, mut after) = (Vec::new(), None::<String>);
    loop {
        let path = match &after {
            Some(after) => format!(
                "/v1/leads?limit=1000&after={}",
                serve_support::encode(after)
            ),
            None => "/v1/leads?limit=1000".to_string(),
        };
        let page = server.get(&path).json();
        all.extend(page["leads"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => return all,
        }
    }
}

/// A client posting lead puts and event batches, remembering what was acknowledged,
/// while the server is killed at random moments and started again on the same
/// database: every acknowledged write is stored, none twice, and the state is batch
/// scoring over exactly what is stored.
#[test]
fn kill_9_during_a_load_loses_no_acknowledged_write_and_duplicates_none() {
    let dir = tempfile::tempdir().unwrap();
    let (leads, events) = gen(dir.path(), 40, 2500, 11);
    let model = examples().join("b2b.score");
    let db = dir.path().join("scores.db");
    let leads: Vec<String> = leads.lines().map(str::to_string).collect();
    let lines: Vec<String> = events.lines().map(str::to_string).collect();
    let mut rng = Rng::new(17);
    let mut acked: HashMap<String, usize> = HashMap::new();
    let mut posted: HashMap<String, usize> = HashMap::new();
    let (mut next_lead, mut next) = (0, 0);
    let mut rounds = 0;
    while next < lines.len() {
        rounds += 1;
        let server = Server::start(dir.path(), &model, &db, &["--clock", "manual"]);
        if rounds == 3 {
            // Once, move the clock part way: time-caused changes are then recorded too.
            server.set_clock("2026-01-01");
        }
        let port = server.port;
        let kill_after = 3 + rng.below(25) as usize;
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicUsize::new(0));
        // Planned in advance: the batches of this round, from where the last stopped.
        let mut batches: Vec<(Option<usize>, std::ops::Range<usize>)> = Vec::new();
        let mut at = next;
        let mut planned_lead = next_lead;
        while at < lines.len() && batches.len() < 60 {
            let lead = (planned_lead < leads.len() && rng.below(3) == 0).then(|| {
                planned_lead += 1;
                planned_lead - 1
            });
            let size = 1 + rng.below(40) as usize;
            batches.push((lead, at..(at + size).min(lines.len())));
            at = (at + size).min(lines.len());
        }
        let client = {
            let (stop, done) = (stop.clone(), done.clone());
            let (leads, lines, batches) = (leads.clone(), lines.clone(), batches.clone());
            std::thread::spawn(move || {
                let bearer = format!("Bearer {TOKEN}");
                let mut round = Round::default();
                for (lead, range) in batches {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Some(lead) = lead {
                        let mut object: serde_json::Map<String, serde_json::Value> =
                            serde_json::from_str(&leads[lead]).unwrap();
                        let id = object.remove("id").unwrap();
                        let body = serde_json::to_string(&object).unwrap();
                        let path = format!("/v1/leads/{}", id.as_str().unwrap());
                        match http(
                            port,
                            "PUT",
                            &path,
                            &[("Authorization", &bearer)],
                            body.as_bytes(),
                        ) {
                            Ok(answer) if answer.status == 200 => round.leads = lead + 1,
                            _ => break,
                        }
                    }
                    let body = lines[range.clone()].join("\n");
                    let headers = [
                        ("Authorization", bearer.as_str()),
                        ("Content-Type", "application/x-ndjson"),
                    ];
                    match http(port, "POST", "/v1/events", &headers, body.as_bytes()) {
                        Ok(answer) if answer.status == 200 => {
                            assert_eq!(
                                answer.json()["refused"],
                                serde_json::json!([]),
                                "{}",
                                answer.body
                            );
                            round.acknowledged.push(range);
                            done.fetch_add(1, Ordering::SeqCst);
                        }
                        // Killed while it was sent: not acknowledged (maybe stored).
                        _ => {
                            round.unanswered = Some(range);
                            break;
                        }
                    }
                }
                round
            })
        };
        let started = Instant::now();
        while done.load(Ordering::SeqCst) < kill_after
            && !client.is_finished()
            && started.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        server.kill();
        stop.store(true, Ordering::SeqCst);
        let round = client.join().unwrap();
        // What was sent but not answered may be stored: it counts as posted, and is
        // posted again (a client retries what it was not told was stored).
        for line in round
            .unanswered
            .iter()
            .flat_map(|range| &lines[range.clone()])
        {
            *posted.entry(line.clone()).or_default() += 1;
        }
        for range in round.acknowledged {
            for line in &lines[range.clone()] {
                *acked.entry(line.clone()).or_default() += 1;
                *posted.entry(line.clone()).or_default() += 1;
            }
            next = range.end;
        }
        next_lead = next_lead.max(round.leads);
        assert!(rounds < 200, "the load does not end");
    }
    assert!(rounds >= 3, "killed {rounds} times");
    let (stored_events, stored_leads) = stored(&db);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for line in &stored_events {
        *counts.entry(line.as_str()).or_default() += 1;
    }
    for (line, &n) in &acked {
        let stored = counts.get(line.as_str()).copied().unwrap_or(0);
        assert!(
            stored >= n,
            "acknowledged {n} times, stored {stored}: {line}"
        );
    }
    for (line, &n) in &counts {
        let sent = posted.get(*line).copied().unwrap_or(0);
        assert!(n <= sent, "stored {n} times, posted {sent}: {line}");
    }
    // The state, after one more restart, is batch over what is stored.
    let server = Server::start(dir.path(), &model, &db, &["--clock", "manual"]);
    server.set_clock(AS_OF);
    let events_file = dir.path().join("stored-events.jsonl");
    std::fs::write(&events_file, stored_events.join("\n")).unwrap();
    let leads_file = dir.path().join("stored-leads.jsonl");
    std::fs::write(&leads_file, &stored_leads).unwrap();
    let leads_arg = (!stored_leads.is_empty()).then_some(leads_file.as_path());
    let batch = score(&model, leads_arg, Some(&events_file), AS_OF, false);
    let expected: Vec<serde_json::Value> = batch
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(all_leads(&server), expected);
    for id in ids_of(&batch).iter().take(5) {
        let explained = server.get(&format!("/v1/leads/{id}?explain=true"));
        let line = score(&model, leads_arg, Some(&events_file), AS_OF, true);
        let wanted = line
            .lines()
            .find(|l| l.contains(&format!("\"lead\":\"{id}\"")))
            .unwrap();
        assert_eq!(explained.body, wanted);
    }
    // The changes: numbered 1, 2, 3… with none recorded twice.
    let changes = server.get("/v1/changes?limit=10000").json();
    let changes = changes["changes"].as_array().unwrap();
    let mut seen = BTreeSet::new();
    for (i, change) in changes.iter().enumerate() {
        assert_eq!(change["seq"], i as u64 + 1);
        let key = format!(
            "{} {} {} {} {}",
            change["lead"], change["at"], change["kind"], change["name"], change["to"]
        );
        assert!(seen.insert(key.clone()), "recorded twice: {key}");
    }
    assert!(!changes.is_empty());
}

/// What a client of one round of the load got done.
#[derive(Default)]
struct Round {
    /// The event lines acknowledged, in order.
    acknowledged: Vec<std::ops::Range<usize>>,
    /// The lines sent when the server died.
    unanswered: Option<std::ops::Range<usize>>,
    /// The leads put so far.
    leads: usize,
}

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Delivery {
    body: String,
    signature: String,
}

/// A loopback webhook receiver: answers 500 to the first `failures` requests, then
/// sleeps `slow` before each of the next `slow_count`, then answers 200; keeps what it
/// took (answered 200).
struct Receiver {
    taken: Arc<Mutex<Vec<Delivery>>>,
    requests: Arc<AtomicUsize>,
}

impl Receiver {
    fn start(listener: TcpListener, failures: usize, slow_count: usize) -> Receiver {
        let taken = Arc::new(Mutex::new(Vec::new()));
        let requests = Arc::new(AtomicUsize::new(0));
        let receiver = Receiver {
            taken: taken.clone(),
            requests: requests.clone(),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (taken, requests) = (taken.clone(), requests.clone());
                std::thread::spawn(move || {
                    serve_connection(stream, &taken, &requests, failures, slow_count)
                });
            }
        });
        receiver
    }
}

fn serve_connection(
    stream: TcpStream,
    taken: &Mutex<Vec<Delivery>>,
    requests: &AtomicUsize,
    failures: usize,
    slow_count: usize,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut stream = stream;
    loop {
        let mut headers = HashMap::new();
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let n = requests.fetch_add(1, Ordering::SeqCst);
        let status = if n < failures {
            "500 Internal Server Error"
        } else {
            if n < failures + slow_count {
                std::thread::sleep(Duration::from_millis(300));
            }
            taken.lock().unwrap().push(Delivery {
                body: String::from_utf8(body).unwrap(),
                signature: headers
                    .get("x-leadscore-signature")
                    .cloned()
                    .unwrap_or_default(),
            });
            "200 OK"
        };
        let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        if stream.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Waits (bounded) until `done` holds.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "gave up waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn metric(server: &Server, name: &str) -> u64 {
    let text = server.get("/metrics").body;
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The receiver is down (nothing listens), the service is killed and started again,
/// then the receiver answers 500, then slowly, then well: every change arrives, in seq
/// order, each signed with HMAC-SHA256 of its body.
#[test]
fn webhooks_arrive_after_the_receiver_is_down_failing_and_slow() {
    let dir = tempfile::tempdir().unwrap();
    let (leads, events) = gen(dir.path(), 12, 400, 5);
    let model = examples().join("b2b.score");
    let db = dir.path().join("scores.db");
    let secret = "whsec-test";
    std::fs::write(dir.path().join("secret"), secret).unwrap();
    // A free port, with nothing listening on it for now.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let secret_file = dir.path().join("secret");
    let args = [
        "--clock",
        "manual",
        "--webhook",
        &url,
        "--webhook-secret-file",
        secret_file.to_str().unwrap(),
    ];
    let server = Server::start(dir.path(), &model, &db, &args);
    server.put_leads(&leads);
    let half: Vec<&str> = events.lines().collect();
    assert_eq!(
        server
            .post_lines("/v1/events", &half[..200].join("\n"))
            .status,
        200
    );
    server.set_clock("2026-03-01");
    wait_until("a delivery failed", || {
        metric(&server, "leadscore_webhook_failures_total") >= 1
    });
    assert!(metric(&server, "leadscore_webhooks_pending") > 0);
    server.kill();
    // Up again, the receiver failing 3 times, slow twice, then well.
    let receiver = Receiver::start(TcpListener::bind(("127.0.0.1", port)).unwrap(), 3, 2);
    let server = Server::start(dir.path(), &model, &db, &args);
    assert_eq!(
        server
            .post_lines("/v1/events", &half[200..].join("\n"))
            .status,
        200
    );
    server.set_clock(AS_OF);
    let changes = server.get("/v1/changes?limit=10000").json();
    let changes: Vec<String> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(changes.len() > 10, "{} changes", changes.len());
    let all: BTreeSet<u64> = (1..=changes.len() as u64).collect();
    wait_until("every change is delivered", || {
        let taken = receiver.taken.lock().unwrap();
        let seqs: BTreeSet<u64> = taken.iter().map(|d| seq_of(&d.body)).collect();
        seqs == all
    });
    assert!(receiver.requests.load(Ordering::SeqCst) >= changes.len() + 3);
    let taken = receiver.taken.lock().unwrap().clone();
    let mut first_seen = Vec::new();
    for delivery in &taken {
        let expected = leadscore::serve::signature(secret.as_bytes(), delivery.body.as_bytes());
        assert_eq!(delivery.signature, expected);
        let seq = seq_of(&delivery.body);
        let body: serde_json::Value = serde_json::from_str(&delivery.body).unwrap();
        assert_eq!(body.to_string(), changes[seq as usize - 1]);
        if !first_seen.contains(&seq) {
            first_seen.push(seq);
        }
    }
    let mut sorted = first_seen.clone();
    sorted.sort_unstable();
    assert_eq!(first_seen, sorted, "delivered in seq order");
    wait_until("the outbox is empty", || {
        metric(&server, "leadscore_webhooks_pending") == 0
    });
}

fn seq_of(body: &str) -> u64 {
    let value: serde_json::Value = serde_json::from_str(body).unwrap();
    value["seq"].as_u64().unwrap()
}

/// Random methods, paths, headers and bodies: every answer is 2xx or 4xx, and the
/// service still answers well after.
#[test]
fn a_fuzz_of_requests_gets_only_2xx_and_4xx_answers() {
    let dir = tempfile::tempdir().unwrap();
    let model = examples().join("b2b.score");
    let server = Server::start(
        dir.path(),
        &model,
        &dir.path().join("db"),
        &["--clock", "manual"],
    );
    let mut rng = Rng::new(2026);
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"];
    let paths = [
        "/healthz",
        "/metrics",
        "/v1/events",
        "/v1/events?partial=true",
        "/v1/leads",
        "/v1/leads/L1",
        "/v1/leads/%2F%00x",
        "/v1/leads/%ZZ",
        "/v1/leads/",
        "/v1/changes?after=0&wait=0s",
        "/v1/changes?after=99999999999999999999",
        "/v1/clock",
        "/v1/model",
        "/v1/leads?grade=engagement:hot&flag=mql&limit=5&after=L0",
        "/v1/leads/L1?as_of=2026-13-45&explain=yes",
        "/v1/leads/L1?as_of=99999999999999",
        "/../etc/passwd",
        "/v1//leads",
        "/v1/leads/L1?explain=true&explain=false",
        "/%",
    ];
    let good = [
        r#"{"lead":"L1","type":"email.click","ts":"2026-10-01T10:00:00Z","campaign":"fall"}"#,
        r#"{"lead":"L2","type":"page.view","ts":1760000000,"path":"/pricing","seconds":20}"#,
        r#"{"industry":"software","company_size":120,"revenue":8500000.0}"#,
        r#"{"now":"2026-10-02"}"#,
        "event demo.request {}\nscore s { on demo.request +1 }",
    ];
    let content_types = [
        "application/json",
        "application/x-ndjson",
        "text/plain",
        "",
        "application/x-ndjson; charset=utf-8",
        "multipart/form-data",
    ];
    let bearer = format!("Bearer {TOKEN}");
    for i in 0..400 {
        let method = *rng.pick(&methods);
        let mut path = rng.pick(&paths).to_string();
        if rng.below(5) == 0 {
            path.push_str(&format!(
                "?{}={}",
                garbage(&mut rng, 6),
                garbage(&mut rng, 12)
            ));
        }
        let mut body: Vec<u8> = match rng.below(6) {
            0 => Vec::new(),
            1 => (0..rng.below(300)).map(|_| rng.below(256) as u8).collect(),
            2 => {
                let base = *rng.pick(&good);
                mutate(&mut rng, base.as_bytes())
            }
            3 => {
                let depth = 1 + rng.below(5000) as usize;
                format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes()
            }
            4 => (0..1 + rng.below(50))
                .map(|_| String::from_utf8_lossy(&mutate(&mut rng, good[0].as_bytes())).to_string())
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes(),
            _ => rng.pick(&good).as_bytes().to_vec(),
        };
        if rng.below(20) == 0 {
            body = format!(
                r#"{{"lead":"L1","type":"email.open","ts":"2026-10-01","x":{}}}"#,
                "9".repeat(400)
            )
            .into_bytes();
        }
        let content_type = *rng.pick(&content_types);
        let mut headers: Vec<(&str, &str)> = Vec::new();
        match rng.below(8) {
            0 => {}
            1 => headers.push(("Authorization", "Bearer nope")),
            2 => headers.push(("Authorization", "Basic dXNlcjpwYXNz")),
            _ => headers.push(("Authorization", bearer.as_str())),
        }
        if !content_type.is_empty() {
            headers.push(("Content-Type", content_type));
        }
        let junk = garbage(&mut rng, 10);
        if rng.below(4) == 0 {
            headers.push(("X-Junk", junk.as_str()));
        }
        let answer = server
            .raw(method, &path, &headers, &body)
            .unwrap_or_else(|e| panic!("request {i} {method} {path}: {e}"));
        assert!(
            (200..300).contains(&answer.status) || (400..500).contains(&answer.status),
            "request {i} {method} {path} {:?}: {} {}",
            String::from_utf8_lossy(&body[..body.len().min(200)]),
            answer.status,
            answer.body
        );
    }
    // Requests that are not HTTP at all: answered 4xx or closed, and the server goes on.
    for _ in 0..20 {
        let bytes: Vec<u8> = (0..rng.below(200)).map(|_| rng.below(256) as u8).collect();
        if let Ok(answer) = serve_support::http_raw(server.port, &bytes) {
            assert!((400..500).contains(&answer.status), "{}", answer.status);
        }
    }
    assert_eq!(server.raw("GET", "/healthz", &[], b"").unwrap().status, 200);
    let answer = server.post("/v1/events", good[0]);
    assert_eq!(answer.status, 200, "{}", answer.body);
}

/// Printable junk for paths, queries and headers.
fn garbage(rng: &mut Rng, max: u64) -> String {
    let alphabet = b"abcXYZ019%&=+-_.~/:;@!$'()*,";
    (0..1 + rng.below(max))
        .map(|_| *rng.pick(alphabet) as char)
        .collect()
}

/// `bytes` with a few bytes changed, cut, doubled or dropped.
fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        if out.is_empty() {
            break;
        }
        let at = rng.below(out.len() as u64) as usize;
        match rng.below(4) {
            0 => out[at] = *rng.pick(b"{}[]\":,0a\\\x00\xff"),
            1 => out.truncate(at),
            2 => {
                let copy = out[at..].to_vec();
                out.extend_from_slice(&copy);
            }
            _ => {
                out.remove(at);
            }
        }
    }
    out
}
