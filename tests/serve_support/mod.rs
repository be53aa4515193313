//! Running `leadscore serve` in tests: the binary on a loopback port of its own (port 0,
//! the port read from what it prints), a tiny HTTP/1.1 client, and the batch `score`
//! to compare with. Every server is killed when its handle is dropped.

#![allow(dead_code)] // each test binary uses its own part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const TOKEN: &str = "test-token-0123456789";

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_leadscore")
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A running server.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts `leadscore serve MODEL --db DB --listen 127.0.0.1:0 --token-file …` with
    /// `extra` arguments; waits until it listens.
    pub fn start(dir: &Path, model: &Path, db: &Path, extra: &[&str]) -> Server {
        let token = dir.join("token");
        std::fs::write(&token, format!("{TOKEN}\n")).unwrap();
        let mut child = Command::new(bin())
            .arg("serve")
            .arg(model)
            .arg("--db")
            .arg(db)
            .args(["--listen", "127.0.0.1:0", "--token-file"])
            .arg(&token)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the binary starts");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"));
        Server { child, port }
    }

    /// `kill -9`.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn get(&self, path: &str) -> Answer {
        self.request("GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, body: &str) -> Answer {
        self.request("POST", path, &[], body.as_bytes())
    }

    pub fn post_lines(&self, path: &str, body: &str) -> Answer {
        let headers = [("Content-Type", "application/x-ndjson")];
        self.request("POST", path, &headers, body.as_bytes())
    }

    pub fn put(&self, path: &str, body: &[u8]) -> Answer {
        self.request("PUT", path, &[], body)
    }

    /// A request with the token.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Answer {
        let bearer = format!("Bearer {TOKEN}");
        let mut all = vec![("Authorization", bearer.as_str())];
        all.extend_from_slice(headers);
        self.raw(method, path, &all, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// A request as given (no token added); an error if the connection fails.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Answer> {
        http(self.port, method, path, headers, body)
    }

    /// Puts every lead of a JSON Lines leads file.
    pub fn put_leads(&self, leads: &str) {
        for line in leads.lines().filter(|l| !l.trim().is_empty()) {
            let mut object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).unwrap();
            let id = match object.remove("id").unwrap() {
                serde_json::Value::String(id) => id,
                other => other.to_string(),
            };
            let body = serde_json::to_string(&object).unwrap();
            let answer = self.put(&format!("/v1/leads/{}", encode(&id)), body.as_bytes());
            assert_eq!(answer.status, 200, "{}", answer.body);
        }
    }

    pub fn set_clock(&self, now: &str) {
        let answer = self.post("/v1/clock", &format!("{{\"now\":\"{now}\"}}"));
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Percent-encodes a path segment.
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`).
pub fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    stream.write_all(body)?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    parse_response(&bytes).ok_or_else(|| {
        std::io::Error::other(format!(
            "not an HTTP response: {:?}",
            String::from_utf8_lossy(&bytes)
        ))
    })
}

/// Bytes sent as they are on a new connection; the answer, even when the server stops
/// reading the request early.
pub fn http_raw(port: u16, request: &[u8]) -> std::io::Result<Answer> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let _ = stream.write_all(request);
    let mut bytes = Vec::new();
    let mut buffer = [0; 65536];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            Err(_) if !bytes.is_empty() => break,
            Err(e) => return Err(e),
        }
    }
    parse_response(&bytes).ok_or_else(|| {
        std::io::Error::other(format!(
            "not an HTTP response: {:?}",
            String::from_utf8_lossy(&bytes)
        ))
    })
}

fn parse_response(bytes: &[u8]) -> Option<Answer> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = bytes[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = unchunk(&body)?;
    }
    Some(Answer {
        status,
        headers,
        body: String::from_utf8(body).ok()?,
    })
}

fn unchunk(mut bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line = bytes.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(std::str::from_utf8(&bytes[..line]).ok()?.trim(), 16).ok()?;
        bytes = &bytes[line + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(bytes.get(..size)?);
        bytes = bytes.get(size + 2..)?;
    }
}

/// `leadscore score MODEL --as-of T [--explain]` over the files given, its stdout.
pub fn score(
    model: &Path,
    leads: Option<&Path>,
    events: Option<&Path>,
    as_of: &str,
    explain: bool,
) -> String {
    let mut command = Command::new(bin());
    command.arg("score").arg(model).args(["--as-of", as_of]);
    if let Some(leads) = leads {
        command.arg("--leads").arg(leads);
    }
    if let Some(events) = events {
        command.arg("--events").arg(events);
    }
    if explain {
        command.arg("--explain");
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The lead ids of batch output, in its order.
pub fn ids_of(output: &str) -> Vec<String> {
    output
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value["lead"].as_str().unwrap().to_string()
        })
        .collect()
}

/// A small seeded random number generator (xorshift64*): the tests' randomness is the
/// same on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}
