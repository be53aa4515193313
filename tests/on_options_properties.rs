//! Section 11.3's options keep the engine's laws: the order events arrive in, how the
//! input is cut and how many threads read it never change the output (explanations
//! included), and observing a lead's events one by one gives the batch's outcome; over
//! groups and lists too.

use leadscore::batch::Batch;
use leadscore::input::{Keys, Source};
use leadscore::time::{format_timestamp, DAY, HOUR, SECOND};
use leadscore::{MemoryLoader, Outcome, Scorer, Value};
use proptest::prelude::*;
use std::sync::Arc;

const AS_OF: i64 = 1_793_491_200 * SECOND; // 2026-11-01T00:00:00Z

const MODEL: &str = r#"
event email.send { message_id: string, topic: string }
event email.open { n: number, message_id: string }
event page.view { path: string, n: int }
score e {
  on email.send without email.open same message_id for 3d -5 within 60d distinct by topic
  on email.open without email.open for 2d -1 max 3
  on email.send without page.view where n > 1 for 1d -2 max 2 per 7d
  on page.view +8 distinct by path decay -50% per 5d
  on page.view where n > 1 +2 max 2 per 7d max 3 decay -12.5% per 3d
  on page.view +1 max 4
  on page.view +3 max 2 per 2d
  on email.send +1 decay -100% per 10d
  when count(page.view within 30d distinct by path) >= 2 +1
  on email.* without [email.open, page.view] for 2d -1 distinct by message_id
  on email.* without email.* same message_id for 1d -3 max 2 per 7d label "Alone"
  when count([email.open, page.view] distinct by n) >= 2 +1
}
"#;

fn scorer() -> Arc<Scorer> {
    let compiled = leadscore::compile_source("m.score", MODEL, &MemoryLoader::new());
    assert!(
        !compiled.diagnostics.has_errors(),
        "{:#?}",
        compiled.diagnostics
    );
    Arc::new(
        Scorer::new(compiled.plan.unwrap())
            .unwrap()
            .with_event_times(),
    )
}

/// A random event: (lead, type, days before T, hour, value seed); many share a time.
type Raw = (u8, u8, i64, u8, u8);

fn raw_event() -> impl Strategy<Value = Raw> {
    (0u8..2, 0u8..3, -2i64..40, 0u8..3, 0u8..6)
}

const TYPES: [&str; 3] = ["email.send", "email.open", "page.view"];

/// The event as a JSON line and as (lead, type, ts, properties); value seed 0 leaves the
/// properties out (absent values).
fn parts(
    (lead, kind, days, hour, seed): Raw,
) -> (String, &'static str, i64, Vec<(&'static str, Value)>) {
    let ts = AS_OF - days * DAY + i64::from(hour) * HOUR;
    let value = format!("v{}", seed % 3);
    let props = if seed == 0 {
        Vec::new()
    } else {
        vec![
            ("message_id", Value::Str(value.clone())),
            ("topic", Value::Str(format!("t{}", seed % 2))),
            ("path", Value::Str(format!("/{value}"))),
            ("n", Value::Number(f64::from(seed))),
        ]
    };
    (format!("L{lead}"), TYPES[kind as usize], ts, props)
}

fn json_line(raw: Raw) -> String {
    let (lead, kind, ts, props) = parts(raw);
    let mut line = format!(
        "{{\"lead\":\"{lead}\",\"type\":\"{kind}\",\"ts\":\"{}\"",
        format_timestamp(ts)
    );
    for (name, value) in props {
        match value {
            Value::Str(s) => line.push_str(&format!(",\"{name}\":\"{s}\"")),
            Value::Number(n) => line.push_str(&format!(",\"{name}\":{n}")),
            _ => unreachable!(),
        }
    }
    line + "}\n"
}

/// The outcomes of reading `lines` in two parts cut at line `cut`, with `threads`.
fn batch(scorer: &Arc<Scorer>, lines: &[String], cut: usize, threads: usize) -> Vec<Outcome> {
    let mut batch = Batch::new(Arc::clone(scorer), AS_OF);
    let cut = cut.min(lines.len());
    for part in [&lines[..cut], &lines[cut..]] {
        let text = part.concat();
        let source = Source {
            name: "events.jsonl".into(),
            reader: text.as_bytes(),
            size: None,
            mapped: None,
        };
        let bad = batch
            .read_events_parallel(source, &Keys::default(), Default::default(), threads)
            .unwrap();
        assert!(bad.is_empty());
    }
    batch.finish(true).0
}

fn bytes(outcomes: &[Outcome]) -> String {
    let mut out = Vec::new();
    leadscore::output::write_jsonl(outcomes, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn order_cuts_and_threads_never_change_the_output(
        raw in proptest::collection::vec(raw_event(), 0..150),
        rotate in any::<usize>(),
        cut in any::<usize>(),
        threads in 1usize..5,
    ) {
        let scorer = scorer();
        let lines: Vec<String> = raw.iter().copied().map(json_line).collect();
        let expected = bytes(&batch(&scorer, &lines, lines.len(), 1));
        let mut shuffled = lines.clone();
        shuffled.reverse();
        if !shuffled.is_empty() {
            let r = rotate % shuffled.len();
            shuffled.rotate_left(r);
        }
        let cut = cut % (lines.len() + 1);
        prop_assert_eq!(&expected, &bytes(&batch(&scorer, &shuffled, cut, threads)));
    }

    #[test]
    fn observing_events_one_by_one_gives_the_batch_outcome(
        raw in proptest::collection::vec(raw_event(), 0..150),
    ) {
        let scorer = scorer();
        let lines: Vec<String> = raw.iter().copied().map(json_line).collect();
        let batched = batch(&scorer, &lines, lines.len(), 2);
        let observed: Vec<Outcome> = batched
            .iter()
            .map(|outcome| {
                let lead = leadscore::Lead::unknown(&outcome.lead, scorer.plan());
                let mut state = scorer.new_state();
                for &r in &raw {
                    let (id, kind, ts, props) = parts(r);
                    if id == outcome.lead {
                        let event = scorer.event(&id, kind, ts, props).unwrap().unwrap();
                        scorer.observe(&mut state, &lead, &event, AS_OF);
                    }
                }
                scorer.outcome(&lead, &state, AS_OF, true)
            })
            .collect();
        prop_assert_eq!(bytes(&observed), bytes(&batched));
    }
}
