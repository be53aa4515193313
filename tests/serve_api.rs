//! `leadscore serve`'s API: every endpoint and every class of error, the scores it gives
//! equal to batch `score` on the bundled examples, concurrent writers, a model change,
//! and the OpenAPI file listing every route.

mod serve_support;

use serve_support::{encode, examples, http, ids_of, score, Server, TOKEN};
use std::path::Path;

const AS_OF: &str = "2026-11-01T00:00:00Z";

fn manual(dir: &Path, model: &Path) -> Server {
    Server::start(dir, model, &dir.join("scores.db"), &["--clock", "manual"])
}

/// Each bundled example with JSON Lines data, through the service: every lead's GET (and
/// with `explain=true`) is its line of `score --as-of` (`--explain`).
#[test]
fn a_lead_is_its_line_of_batch_score_for_every_bundled_example() {
    for (model, data) in [
        ("b2b.score", "b2b"),
        ("matrix.score", "matrix"),
        ("nurture.score", "nurture"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let model = examples().join(model);
        let leads = examples().join("data").join(data).join("leads.jsonl");
        let events = examples().join("data").join(data).join("events.jsonl");
        let server = manual(dir.path(), &model);
        server.put_leads(&std::fs::read_to_string(&leads).unwrap());
        let posted = server.post_lines("/v1/events", &std::fs::read_to_string(&events).unwrap());
        assert_eq!(posted.status, 200, "{data}: {}", posted.body);
        server.set_clock(AS_OF);
        for explain in [false, true] {
            let batch = score(&model, Some(&leads), Some(&events), AS_OF, explain);
            for (id, line) in ids_of(&batch).iter().zip(batch.lines()) {
                let query = if explain { "?explain=true" } else { "" };
                let answer = server.get(&format!("/v1/leads/{}{query}", encode(id)));
                assert_eq!(answer.status, 200, "{data} {id}: {}", answer.body);
                assert_eq!(answer.body, line, "{data} {id} (explain: {explain})");
            }
        }
        // An explicit as-of later than the clock is batch at that time too.
        let later = "2026-12-24T00:00:00Z";
        let batch = score(&model, Some(&leads), Some(&events), later, false);
        let id = &ids_of(&batch)[0];
        let answer = server.get(&format!("/v1/leads/{}?as_of={later}", encode(id)));
        assert_eq!(answer.body, batch.lines().next().unwrap());
    }
}

fn b2b(dir: &Path) -> Server {
    manual(dir, &examples().join("b2b.score"))
}

#[test]
fn every_endpoint_but_healthz_needs_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    let health = server.raw("GET", "/healthz", &[], b"").unwrap();
    assert_eq!(
        (health.status, health.body.as_str()),
        (200, r#"{"status":"ok"}"#)
    );
    for (method, path) in leadscore::serve::ROUTES {
        if *path == "/healthz" {
            continue;
        }
        let path = path.replace("{id}", "L001");
        let method = method.to_uppercase();
        for headers in [
            vec![],
            vec![("Authorization", "Bearer wrong")],
            vec![("Authorization", TOKEN)],
        ] {
            let answer = server.raw(&method, &path, &headers, b"{}").unwrap();
            assert_eq!(answer.status, 401, "{method} {path} {headers:?}");
            assert_eq!(answer.code(), "E0853");
        }
    }
    let bearer = format!("Bearer {TOKEN}");
    let answer = server
        .raw("GET", "/metrics", &[("Authorization", &bearer)], b"")
        .unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer
        .body
        .contains("leadscore_request_duration_seconds_bucket"));
}

#[test]
fn bad_events_are_refused_with_their_line_field_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    let body = [
        r#"{"lead":"L1","type":"email.click","ts":"2026-10-01T10:00:00Z","campaign":"fall"}"#,
        r#"{"lead":"L1","type":"email.click","ts":"yesterday"}"#,
        "",
        r#"{"lead":"L1","type":"email.click","ts":"2026-10-02","campain":"x"}"#,
        r#"{"lead":"L1","type":"page.view","ts":"2026-10-02","seconds":"long"}"#,
        r#"{"lead":"L1","type":"email.open""#,
        r#"{"type":"email.open","ts":"2026-10-02"}"#,
        r#"[1,2]"#,
    ]
    .join("\n");
    let answer = server.post_lines("/v1/events", &body);
    assert_eq!(answer.status, 400, "{}", answer.body);
    let error = answer.json()["error"].clone();
    let lines: Vec<(u64, String, Option<String>)> = error["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let field = l["field"].as_str().map(str::to_string);
            (
                l["line"].as_u64().unwrap(),
                l["code"].as_str().unwrap().to_string(),
                field,
            )
        })
        .collect();
    let expected = [
        (2, "E0803", Some("ts")),
        (4, "E0850", Some("campain")),
        (5, "E0803", Some("seconds")),
        (6, "E0801", None),
        (7, "E0802", None),
        (8, "E0801", None),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(l, c, f)| (*l, c.to_string(), f.map(str::to_string)))
        .collect();
    assert_eq!(lines, expected, "{}", answer.body);
    assert_eq!(error["line"], 2);
    assert!(error["lines"][1]["message"]
        .as_str()
        .unwrap()
        .contains("did you mean `campaign`?"));
    // All or nothing: the good first line was not stored.
    assert_eq!(server.get("/v1/leads/L1").status, 404);

    // With partial=true the good one is stored and the bad ones come back.
    let answer = server.request(
        "POST",
        "/v1/events?partial=true",
        &[("Content-Type", "application/x-ndjson")],
        body.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["accepted"], 1);
    assert_eq!(json["refused"].as_array().unwrap().len(), 6);
    assert_eq!(server.get("/v1/leads/L1").status, 200);

    // One JSON object (pretty-printed too) without the JSON Lines type.
    let one = "{\n  \"lead\": \"L2\",\n  \"type\": \"demo.request\",\n  \"ts\": \"2026-10-03\"\n}";
    let answer = server.post("/v1/events", one);
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["accepted"], 1);
    // An event of a type the model does not declare is taken, as in a file.
    let answer = server.post(
        "/v1/events",
        r#"{"lead":"L3","type":"chat.message","ts":"2026-10-03"}"#,
    );
    assert_eq!(
        (
            answer.json()["accepted"].clone(),
            answer.json()["ignored"].clone()
        ),
        (0.into(), 1.into())
    );
    assert_eq!(server.get("/v1/leads/L3").status, 200);
    // Nothing to store, not UTF-8, a line over 1 MiB.
    assert_eq!(server.post("/v1/events", "").code(), "E0852");
    let answer = server.request("POST", "/v1/events", &[], &[0xff, 0xfe]);
    assert_eq!((answer.status, answer.code().as_str()), (400, "E0852"));
    let huge = format!(
        r#"{{"lead":"L1","type":"email.open","ts":"2026-10-02","x":"{}"}}"#,
        "a".repeat(1_100_000)
    );
    let answer = server.post("/v1/events", &huge);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "E0852"),
        "{}",
        &answer.body[..200.min(answer.body.len())]
    );
}

#[test]
fn an_event_older_than_the_lateness_is_refused_e0840() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    server.set_clock("2026-10-10");
    let body = [
        r#"{"lead":"L1","type":"email.open","ts":"2026-10-09"}"#,
        r#"{"lead":"L1","type":"email.open","ts":"2026-09-01"}"#,
    ]
    .join("\n");
    let answer = server.post_lines("/v1/events", &body);
    assert_eq!(
        (answer.status, answer.code().as_str()),
        (400, "E0840"),
        "{}",
        answer.body
    );
    assert_eq!(answer.json()["error"]["line"], 2);
    assert_eq!(server.get("/v1/leads/L1").status, 404);
    let answer = server.request(
        "POST",
        "/v1/events?partial=1",
        &[("Content-Type", "application/x-ndjson")],
        body.as_bytes(),
    );
    assert_eq!(answer.json()["accepted"], 1, "{}", answer.body);
}

#[test]
fn leads_are_validated_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    let cases: [(&str, u16, &str); 5] = [
        (
            r#"{"industry":"software","company_size":"big"}"#,
            400,
            "E0803",
        ),
        (r#"{"industri":"software"}"#, 400, "E0850"),
        (r#"{"id":"L9"}"#, 400, "E0850"),
        (r#"["software"]"#, 400, "E0801"),
        (r#"{"industry":"software""#, 400, "E0801"),
    ];
    for (body, status, code) in cases {
        let answer = server.put("/v1/leads/L9", body.as_bytes());
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (status, code),
            "{body}: {}",
            answer.body
        );
    }
    assert_eq!(server.get("/v1/leads/L9").status, 404);
    // A percent-encoded id with a slash and a space.
    let id = "acme/L 9";
    let answer = server.put(
        &format!("/v1/leads/{}", encode(id)),
        br#"{"industry":"software"}"#,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let answer = server.get(&format!("/v1/leads/{}", encode(id)));
    assert_eq!(answer.json()["lead"], id);
}

#[test]
fn queries_clock_and_routes_refuse_what_they_cannot_take() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    server.put("/v1/leads/L1", b"{}");
    server.set_clock("2026-10-10");
    let cases: &[(&str, &str, &str, u16, &str)] = &[
        ("GET", "/v1/leads/L1?as_of=2026-10-01", "", 400, "E0842"),
        ("GET", "/v1/leads/L1?as_of=soon", "", 400, "E0858"),
        ("GET", "/v1/leads/L1?explain=maybe", "", 400, "E0858"),
        ("GET", "/v1/leads/L1?color=red", "", 400, "E0858"),
        ("GET", "/v1/leads/nobody", "", 404, "E0855"),
        ("GET", "/v1/leads?grade=engagement", "", 400, "E0858"),
        ("GET", "/v1/leads?grade=engagment:hot", "", 400, "E0858"),
        (
            "GET",
            "/v1/leads?grade=engagement:boiling",
            "",
            400,
            "E0858",
        ),
        ("GET", "/v1/leads?flag=mqll", "", 400, "E0858"),
        ("GET", "/v1/leads?limit=0", "", 400, "E0858"),
        ("GET", "/v1/changes?after=-1", "", 400, "E0858"),
        ("GET", "/v1/changes?wait=forever", "", 400, "E0858"),
        ("POST", "/v1/clock", r#"{"now":"2026-10-01"}"#, 400, "E0841"),
        ("POST", "/v1/clock", r#"{"now":"later"}"#, 400, "E0858"),
        (
            "POST",
            "/v1/clock",
            r#"{"then":"2026-12-01"}"#,
            400,
            "E0852",
        ),
        ("POST", "/v1/clock", r#"{"now":true}"#, 400, "E0852"),
        ("POST", "/v1/clock", "now", 400, "E0852"),
        (
            "PUT",
            "/v1/model",
            "score x { on nothing +1 }",
            400,
            "E0859",
        ),
        ("PUT", "/v1/model", "LEADPLAN garbage", 400, "E0859"),
        ("GET", "/v2/leads", "", 404, "E0855"),
        ("DELETE", "/v1/leads/L1", "", 405, "E0852"),
    ];
    for (method, path, body, status, code) in cases {
        let answer = server.request(method, path, &[], body.as_bytes());
        assert_eq!(
            (answer.status, answer.code().as_str()),
            (*status, *code),
            "{method} {path}: {}",
            answer.body
        );
    }
    // 413 for a body over the limit, before it is read.
    let head = format!("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 17000000\r\nConnection: close\r\n\r\n");
    let answer = serve_support::http_raw(server.port, head.as_bytes()).unwrap();
    assert_eq!((answer.status, answer.code().as_str()), (413, "E0854"));
    // And while it is read, for a body that does not say its length.
    let head = format!("POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    let chunk = format!("100000\r\n{}\r\n", " ".repeat(0x100000));
    let mut request = head.into_bytes();
    for _ in 0..17 {
        request.extend_from_slice(chunk.as_bytes());
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let answer = serve_support::http_raw(server.port, &request).unwrap();
    assert_eq!((answer.status, answer.code().as_str()), (413, "E0854"));
}

#[test]
fn with_the_system_clock_the_clock_cannot_be_set() {
    let dir = tempfile::tempdir().unwrap();
    let model = examples().join("b2b.score");
    let server = Server::start(dir.path(), &model, &dir.path().join("db"), &[]);
    let answer = server.post("/v1/clock", r#"{"now":"2030-01-01"}"#);
    assert_eq!((answer.status, answer.code().as_str()), (409, "E0856"));
    // Its clock is now: an event of a minute ago counts at once.
    let now = leadscore::time::format_timestamp(leadscore::time::now() - 60_000_000);
    let event = format!(r#"{{"lead":"L1","type":"demo.request","ts":"{now}"}}"#);
    assert_eq!(server.post("/v1/events", &event).status, 200);
    let lead = server.get("/v1/leads/L1").json();
    assert!(
        lead["scores"]["engagement"].as_f64().unwrap() > 0.0,
        "{lead}"
    );
}

/// With the system clock, a change time alone causes happens at its moment, from the
/// timer: an event leaves its 30-day window five seconds after it is posted (a margin
/// for a slow machine).
#[test]
fn with_the_system_clock_time_alone_causes_changes() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.score");
    std::fs::write(
        &model,
        "event e {}\nscore s { on e +10 within 30d }\nflag hot when s >= 10\n",
    )
    .unwrap();
    let server = Server::start(
        dir.path(),
        &model,
        &dir.path().join("db"),
        &["--lateness", "31d"],
    );
    let ts = leadscore::time::now() - 30 * leadscore::time::DAY + 5_000_000;
    let event = format!(r#"{{"lead":"L1","type":"e","ts":{}}}"#, ts as f64 / 1e6);
    assert_eq!(server.post("/v1/events", &event).status, 200);
    let (mut changes, mut after) = (Vec::new(), 0);
    while changes.len() < 2 {
        let answer = server
            .get(&format!("/v1/changes?after={after}&wait=30s"))
            .json();
        let got = answer["changes"].as_array().unwrap().clone();
        assert!(!got.is_empty(), "no change by time within 30 s");
        after = answer["last"].as_i64().unwrap();
        changes.extend(got);
    }
    let seen: Vec<(String, String)> = changes
        .iter()
        .map(|c| (c["cause"].to_string(), c["to"].to_string()))
        .collect();
    assert_eq!(
        seen,
        [
            ("\"event\"".to_string(), "true".to_string()),
            ("\"time\"".to_string(), "false".to_string())
        ]
    );
    // At the microsecond the event leaves the window.
    let left =
        leadscore::read_time_text(changes[1]["at"].as_str().unwrap(), Default::default()).unwrap();
    assert_eq!(
        left,
        leadscore::read_time_text(&format!("{}", ts as f64 / 1e6), Default::default()).unwrap()
            + 30 * leadscore::time::DAY
            + 1
    );
    assert_eq!(server.get("/v1/leads/L1").json()["flags"]["hot"], false);
    // Killed and started again: the same lead, and no change recorded twice.
    let before = server.get("/v1/leads/L1").json();
    server.kill();
    let server = Server::start(
        dir.path(),
        &model,
        &dir.path().join("db"),
        &["--lateness", "31d"],
    );
    assert_eq!(server.get("/v1/leads/L1").json(), before);
    assert_eq!(server.get("/v1/changes").json()["last"], 2);
}

#[test]
fn the_list_filters_and_pages_in_id_order_and_changes_long_poll() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    let leads = std::fs::read_to_string(examples().join("data/b2b/leads.jsonl")).unwrap();
    server.put_leads(&leads);
    let events = std::fs::read_to_string(examples().join("data/b2b/events.jsonl")).unwrap();
    assert_eq!(server.post_lines("/v1/events", &events).status, 200);
    server.set_clock(AS_OF);
    let batch = score(
        &examples().join("b2b.score"),
        Some(&examples().join("data/b2b/leads.jsonl")),
        Some(&examples().join("data/b2b/events.jsonl")),
        AS_OF,
        false,
    );
    // Paged by 3: every lead once, in id order, as batch has it.
    let (mut all, mut after) = (Vec::new(), String::new());
    loop {
        let query = if after.is_empty() {
            "/v1/leads?limit=3".to_string()
        } else {
            format!("/v1/leads?limit=3&after={}", encode(&after))
        };
        let page = server.get(&query).json();
        all.extend(
            page["leads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l.to_string()),
        );
        match page["next"].as_str() {
            Some(next) => after = next.to_string(),
            None => break,
        }
    }
    let expected: Vec<String> = batch
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(all, expected);
    // Filtered: exactly the batch lines with the flag and the band.
    let page = server.get("/v1/leads?flag=mql&grade=engagement:hot").json();
    let kept: Vec<String> = page["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lead"].as_str().unwrap().to_string())
        .collect();
    let wanted: Vec<String> = batch
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["flags"]["mql"] == true && v["grades"]["engagement"] == "hot")
        .map(|v| v["lead"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kept, wanted);
    assert!(!kept.is_empty());

    // The changes: what replay --changes gives, with seq from 1.
    let replay = std::process::Command::new(serve_support::bin())
        .arg("replay")
        .arg(examples().join("b2b.score"))
        .arg("--events")
        .arg(examples().join("data/b2b/events.jsonl"))
        .arg("--leads")
        .arg(examples().join("data/b2b/leads.jsonl"))
        .args(["--as-of", AS_OF, "--changes"])
        .arg(dir.path().join("changes.jsonl"))
        .output()
        .unwrap();
    assert!(replay.status.success());
    let changes = server.get("/v1/changes?limit=10000").json();
    let listed = changes["changes"].as_array().unwrap();
    for (i, change) in listed.iter().enumerate() {
        assert_eq!(change["seq"], i as u64 + 1);
    }
    let last = changes["last"].as_i64().unwrap();
    assert_eq!(last, listed.len() as i64);
    // The clock passed the events in time order: the changes replay finds.
    let replayed = std::fs::read_to_string(dir.path().join("changes.jsonl")).unwrap();
    let without_seq: Vec<serde_json::Value> = listed
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.as_object_mut().unwrap().remove("seq");
            c
        })
        .collect();
    let replayed: Vec<serde_json::Value> = replayed
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(without_seq, replayed);
    assert!(listed.iter().any(|c| c["cause"] == "time"));

    // A long poll waits for the next change and returns it.
    let port = server.port;
    let poll = std::thread::spawn(move || {
        let bearer = format!("Bearer {TOKEN}");
        http(
            port,
            "GET",
            &format!("/v1/changes?after={last}&wait=60s"),
            &[("Authorization", &bearer)],
            b"",
        )
        .unwrap()
    });
    // L004 has no events: a demo request and page views make it change.
    let body = (0..4)
        .map(|i| {
            format!(r#"{{"lead":"L004","type":"demo.request","ts":"2026-11-01T00:0{i}:00Z"}}"#)
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(server.post_lines("/v1/events", &body).status, 200);
    server.set_clock("2026-11-01T00:10:00Z");
    let answer = poll.join().unwrap();
    let json = answer.json();
    let got = json["changes"].as_array().unwrap();
    assert!(!got.is_empty(), "{}", answer.body);
    assert_eq!(got[0]["seq"], last + 1);
    assert_eq!(got[0]["lead"], "L004");
    // Nothing newer: an empty answer, at once without wait.
    let end = server.get("/v1/changes?limit=10000").json()["last"].clone();
    let now = server.get(&format!("/v1/changes?after={end}")).json();
    assert_eq!(now["changes"].as_array().unwrap().len(), 0);
}

/// Four writers posting events of one lead at once, in shuffled order: the lead ends as
/// batch scores its events.
#[test]
fn concurrent_writers_to_one_lead_give_the_batch_result() {
    let dir = tempfile::tempdir().unwrap();
    let server = b2b(dir.path());
    let types = ["email.open", "demo.request", "webinar.attend"];
    let mut all = Vec::new();
    let mut writers = Vec::new();
    for writer in 0..4 {
        let events: Vec<String> = (0..60)
            .map(|i| {
                let kind = types[(i + writer) % 3];
                let extra = if kind == "webinar.attend" { r#","topic":"ai""# } else { "" };
                format!(r#"{{"lead":"L1","type":"{kind}","ts":"2026-10-{:02}T{:02}:{:02}:00Z"{extra}}}"#, 1 + i % 28, writer * 5, i % 60)
            })
            .collect();
        all.extend(events.clone());
        let port = server.port;
        writers.push(std::thread::spawn(move || {
            for chunk in events.chunks(7) {
                let bearer = format!("Bearer {TOKEN}");
                let headers = [
                    ("Authorization", bearer.as_str()),
                    ("Content-Type", "application/x-ndjson"),
                ];
                let answer = http(
                    port,
                    "POST",
                    "/v1/events",
                    &headers,
                    chunk.join("\n").as_bytes(),
                )
                .unwrap();
                assert_eq!(answer.status, 200, "{}", answer.body);
            }
        }));
    }
    for writer in writers {
        writer.join().unwrap();
    }
    server.set_clock(AS_OF);
    let file = dir.path().join("events.jsonl");
    std::fs::write(
        &file,
        all.iter()
            .filter(|l| !l.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let batch = score(
        &examples().join("b2b.score"),
        None,
        Some(&file),
        AS_OF,
        true,
    );
    assert_eq!(
        server.get("/v1/leads/L1?explain=true").body,
        batch.trim_end()
    );
}

/// A new model rescores every lead: the flags and bands it moves are changes with cause
/// `model` (from PUT /v1/model, and from a restart with another model file).
#[test]
fn a_model_change_rescores_every_lead_with_cause_model() {
    let dir = tempfile::tempdir().unwrap();
    let source = "lead { industry: string }\nevent demo.request {}\nscore fit { when lead.industry == \"software\" +40 }\nscore engagement { on demo.request +50 }\ngrade engagement { hot >= 50; cold }\nflag mql when fit >= 40 and engagement >= 50\n";
    let model = dir.path().join("m.score");
    std::fs::write(&model, source).unwrap();
    let db = dir.path().join("db");
    let server = Server::start(dir.path(), &model, &db, &["--clock", "manual"]);
    server.put("/v1/leads/L1", br#"{"industry":"software"}"#);
    server.put("/v1/leads/L2", br#"{"industry":"retail"}"#);
    server.post_lines("/v1/events", "{\"lead\":\"L1\",\"type\":\"demo.request\",\"ts\":\"2026-10-01\"}\n{\"lead\":\"L2\",\"type\":\"demo.request\",\"ts\":\"2026-10-01\"}");
    server.set_clock("2026-10-02");
    let before = server.get("/v1/changes").json()["last"].as_i64().unwrap();
    // Demo requests are worth 30 now: L1 is no longer hot nor an MQL.
    let stricter = source.replace("+50 }", "+30 }");
    let answer = server.put("/v1/model", stricter.as_bytes());
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["changes"], 3);
    let changes = server.get(&format!("/v1/changes?after={before}")).json();
    let got: Vec<String> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}->{} {}",
                c["lead"], c["kind"], c["name"], c["from"], c["to"], c["cause"]
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            r#""L1" "flag" "mql" true->false "model""#,
            r#""L1" "grade" "engagement" "hot"->"cold" "model""#,
            r#""L2" "grade" "engagement" "hot"->"cold" "model""#,
        ]
    );
    assert_eq!(
        server.get("/v1/leads/L1").json()["scores"]["engagement"],
        30
    );
    server.kill();
    // Started again with the first model's file: back to it, the same changes undone.
    let server = Server::start(dir.path(), &model, &db, &["--clock", "manual"]);
    let changes = server
        .get(&format!("/v1/changes?after={}", before + 3))
        .json();
    let causes: Vec<&str> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["cause"].as_str().unwrap())
        .collect();
    assert_eq!(causes, ["model", "model", "model"]);
    assert_eq!(server.get("/v1/leads/L1").json()["flags"]["mql"], true);
    // Started again with the same model: no change.
    server.kill();
    let server = Server::start(dir.path(), &model, &db, &["--clock", "manual"]);
    assert_eq!(server.get("/v1/changes").json()["last"], before + 6);
}

#[test]
fn the_openapi_file_lists_every_route() {
    let openapi =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.yaml"))
            .unwrap();
    assert!(openapi.starts_with("openapi: 3."));
    for (method, path) in leadscore::serve::ROUTES {
        let at = openapi
            .find(&format!("\n  {path}:\n"))
            .unwrap_or_else(|| panic!("{path} is not in docs/openapi.yaml"));
        let rest = &openapi[at + path.len() + 4..];
        let block = &rest[..rest.find("\n  /").unwrap_or(rest.len())];
        assert!(
            block.contains(&format!("\n    {method}:")),
            "{method} {path} is not in docs/openapi.yaml"
        );
    }
}

/// No token file, no service; `--no-auth` only on loopback; a database of a newer
/// schema is refused.
#[test]
fn the_service_refuses_to_start_unsafely() {
    let dir = tempfile::tempdir().unwrap();
    let model = examples().join("b2b.score");
    let db = dir.path().join("db");
    let run = |args: &[&str]| {
        let output = std::process::Command::new(serve_support::bin())
            .arg("serve")
            .arg(&model)
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--token-file"), "{stderr}");
    let (code, stderr) = run(&["--no-auth", "--listen", "0.0.0.0:0"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--no-auth serves only a loopback address"),
        "{stderr}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let (code, stderr) = run(&["--no-auth", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("schema version 99"), "{stderr}");
}

/// A second service on a database another serves is refused before it writes anything,
/// whatever its address and model.
#[test]
fn a_second_service_on_the_same_database_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let first = Server::start(
        dir.path(),
        &examples().join("b2b.score"),
        &db,
        &["--clock", "manual"],
    );
    first.put_leads(&std::fs::read_to_string(examples().join("data/b2b/leads.jsonl")).unwrap());
    let before = first.get("/v1/changes").body;
    let other = dir.path().join("other.score");
    std::fs::write(
        &other,
        "lead { industry: string }\nscore fit { when lead.industry == \"x\" +1 }\n",
    )
    .unwrap();
    let output = std::process::Command::new(serve_support::bin())
        .arg("serve")
        .arg(&other)
        .arg("--db")
        .arg(&db)
        .args(["--no-auth", "--listen", "127.0.0.1:0", "--clock", "manual"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("another `leadscore serve` is using"),
        "{stderr}"
    );
    assert_eq!(first.get("/v1/changes").body, before);
    let put = first.put("/v1/leads/NEW", b"{\"industry\":\"software\"}");
    assert_eq!(put.status, 200, "the first still writes: {}", put.body);
    first.kill();
}

/// What a review found, each fixed: long lists of bad lines are capped, a byte-order mark
/// and a pretty-printed record are taken as files take them (and stored on one line),
/// the scheme `bearer` in any case, an empty model refused, a grade filter that keeps
/// every band of its name.
#[test]
fn bodies_are_taken_as_files_and_answers_stay_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let model = dir.path().join("m.score");
    std::fs::write(
        &model,
        "lead { segment: string }\nevent email.click {}\nscore e { on email.click +10 }\n\
         grade e { hot >= 30; hot >= 10 if lead.segment == \"smb\"; cold }\n",
    )
    .unwrap();
    let server = Server::start(dir.path(), &model, &db, &["--clock", "manual"]);
    server.set_clock("2026-10-01");

    let bad = "{}\n".repeat(1500);
    let answer = server.post_lines("/v1/events", &bad);
    assert_eq!(answer.status, 400);
    let json = answer.json();
    assert_eq!(json["error"]["lines"].as_array().unwrap().len(), 1000);
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("1500 lines"),
        "{json}"
    );
    let answer = server.post_lines("/v1/events?partial=true", &bad);
    assert_eq!(answer.json()["refused_total"], 1500);

    let pretty =
        "\u{feff}{\n  \"lead\": \"S1\",\n  \"type\": \"email.click\",\n  \"ts\": \"2026-09-30\"\n}";
    let answer = server.post("/v1/events", pretty);
    assert_eq!(answer.status, 200, "{}", answer.body);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let stored: String = conn
        .query_row("SELECT record FROM events", [], |row| row.get(0))
        .unwrap();
    assert!(!stored.contains('\n'), "{stored:?}");

    let lowercase = format!("bearer  {TOKEN}");
    let answer = server
        .raw(
            "GET",
            "/v1/leads/S1",
            &[("Authorization", lowercase.as_str())],
            b"",
        )
        .unwrap();
    assert_eq!(answer.status, 200, "{}", answer.body);

    let answer = server.put("/v1/model", b"  \n");
    assert_eq!(answer.status, 400, "{}", answer.body);

    assert_eq!(
        server.put("/v1/leads/S1", b"{\"segment\":\"smb\"}").status,
        200
    );
    let hot = |server: &Server| ids_of_list(&server.get("/v1/leads?grade=e:hot").json());
    assert_eq!(hot(&server), ["S1"], "hot by the band with `if`");
    for day in ["2026-09-29", "2026-09-28"] {
        let click = format!("{{\"lead\":\"S1\",\"type\":\"email.click\",\"ts\":\"{day}\"}}");
        assert_eq!(server.post("/v1/events", &click).status, 200);
    }
    assert_eq!(hot(&server), ["S1"], "hot by the first band");
    let changes = server.get("/v1/changes").json();
    let grades: Vec<_> = changes["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "grade")
        .map(|c| (c["from"].clone(), c["to"].clone()))
        .collect();
    assert_eq!(
        grades,
        [("cold".into(), "hot".into())],
        "no change from hot to hot"
    );
    server.kill();
}

fn ids_of_list(list: &serde_json::Value) -> Vec<String> {
    let leads = list["leads"].as_array().unwrap();
    leads
        .iter()
        .map(|l| l["lead"].as_str().unwrap().to_string())
        .collect()
}
