//! Load generator for `leadscore serve` (not a timed test; `docs/performance.md`,
//! "Serving", has its figures): starts the server binary on a loopback port over a new
//! database, then measures, with keep-alive connections,
//!
//! 1. batched JSON Lines posts: durable events per second;
//! 2. one-event posts: requests per second and latency percentiles;
//! 3. `GET /v1/leads/{id}`: latency percentiles.
//!
//!   cargo bench --bench serve_load [-- EVENTS CLIENTS]
//!
//! Every request is bounded, loopback only, and the run stops by itself.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "bench-token";

/// A keep-alive HTTP/1.1 connection.
struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Connection {
    fn open(port: u16) -> Connection {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        Connection {
            reader: BufReader::new(stream.try_clone().unwrap()),
            writer: stream,
        }
    }

    /// Sends a request and reads its answer: the status.
    fn request(&mut self, method: &str, path: &str, content_type: &str, body: &[u8]) -> u16 {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        self.writer.write_all(&request).unwrap();
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).unwrap();
        assert!(
            status == 200,
            "{method} {path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        status
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(what: &str, mut latencies: Vec<Duration>, took: Duration, per_request: usize) {
    latencies.sort_unstable();
    let requests = latencies.len();
    println!(
        "{what}: {requests} requests in {:.2} s: {:.0} requests/s, {:.0} events/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        took.as_secs_f64(),
        requests as f64 / took.as_secs_f64(),
        (requests * per_request) as f64 / took.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3,
    );
}

/// Runs `clients` threads, each sending its share of `bodies` on one connection.
fn run(
    port: u16,
    clients: usize,
    requests: Vec<(String, String, Vec<u8>)>,
) -> (Vec<Duration>, Duration) {
    let mut shares: Vec<Vec<(String, String, Vec<u8>)>> =
        (0..clients).map(|_| Vec::new()).collect();
    for (i, request) in requests.into_iter().enumerate() {
        shares[i % clients].push(request);
    }
    let start = Instant::now();
    let handles: Vec<_> = shares
        .into_iter()
        .map(|share| {
            std::thread::spawn(move || {
                let mut connection = Connection::open(port);
                share
                    .into_iter()
                    .map(|(method, path, body)| {
                        let sent = Instant::now();
                        connection.request(&method, &path, "application/x-ndjson", &body);
                        sent.elapsed()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let latencies = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    (latencies, start.elapsed())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let events: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let clients: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(8);
    let bin = env!("CARGO_BIN_EXE_leadscore");
    let dir = tempfile::tempdir().unwrap();
    let gen = Command::new(bin)
        .args([
            "gen",
            "--leads",
            "10000",
            "--events",
            &events.to_string(),
            "--out",
        ])
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert!(gen.status.success());
    let lines: Vec<String> = std::fs::read_to_string(dir.path().join("data/events.jsonl"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/b2b.score");
    let server = Command::new(bin)
        .arg("serve")
        .arg(&model)
        .arg("--db")
        .arg(dir.path().join("scores.db"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--clock",
            "manual",
            "--token-file",
        ])
        .arg(dir.path().join("token"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut server = Killed(server);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().rsplit(':').next().unwrap().parse().unwrap();
    println!(
        "{} events of 10,000 leads (leadscore gen), b2b model, {clients} clients",
        lines.len()
    );

    // 1. Half the events in batches of 1,000 lines.
    let half = lines.len() / 2;
    let batches: Vec<_> = lines[..half]
        .chunks(1000)
        .map(|chunk| {
            (
                "POST".to_string(),
                "/v1/events".to_string(),
                chunk.join("\n").into_bytes(),
            )
        })
        .collect();
    let (latencies, took) = run(port, clients.min(4), batches);
    report(
        "batched POST /v1/events (1,000 events each)",
        latencies,
        took,
        1000,
    );

    // 2. One event per request: 10,000 requests from `clients` connections, then 10,000
    // from four times as many.
    for (round, connections) in [clients, 4 * clients].into_iter().enumerate() {
        let single: Vec<_> = lines[half + round * 10_000..]
            .iter()
            .take(10_000)
            .map(|line| {
                (
                    "POST".to_string(),
                    "/v1/events".to_string(),
                    line.clone().into_bytes(),
                )
            })
            .collect();
        let (latencies, took) = run(port, connections, single);
        report(
            &format!("one-event POST /v1/events, {connections} connections"),
            latencies,
            took,
            1,
        );
    }

    // 3. Reading scores, the clock moved to the end of the data first.
    Connection::open(port).request(
        "POST",
        "/v1/clock",
        "application/json",
        br#"{"now":"2026-11-01"}"#,
    );
    // The leads of the events posted (the others are not known).
    let ids: Vec<String> = lines[..(half + 20_000).min(lines.len())]
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["lead"].as_str().unwrap().to_string()
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let reads: Vec<_> = (0..20_000)
        .map(|i| {
            (
                "GET".to_string(),
                format!("/v1/leads/{}", ids[(i * 7919) % ids.len()]),
                Vec::new(),
            )
        })
        .collect();
    let (latencies, took) = run(port, clients, reads);
    report("GET /v1/leads/{id}", latencies, took, 0);
    let explain: Vec<_> = (0..5_000)
        .map(|i| {
            (
                "GET".to_string(),
                format!("/v1/leads/{}?explain=true", ids[(i * 7919) % ids.len()]),
                Vec::new(),
            )
        })
        .collect();
    let (latencies, took) = run(port, clients, explain);
    report("GET /v1/leads/{id}?explain=true", latencies, took, 0);

    drop(server);
}

/// The server, killed when dropped (also when the run fails).
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
