//! Criterion benchmark of the live engine: events applied per second on one core for
//! the B2B example model, the clock following the events (generated data, in time
//! order), transitions included.
//!
//!   cargo bench --bench live

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use leadscore::input::{self, EventRecord, Format, Keys, Source};
use leadscore::live::{Engine, Settings};
use leadscore::{Event, Lead, Plan};
use std::hint::black_box;
use std::path::Path;

/// Generated leads and their events, in time order (as the generator writes them).
fn dataset(plan: &Plan, leads: u64, events: u64) -> (Vec<Lead>, Vec<Event>) {
    let (mut lead_bytes, mut event_bytes) = (Vec::new(), Vec::new());
    let config = leadscore::gen::Config {
        leads,
        events,
        seed: 1,
    };
    leadscore::gen::generate(&config, &mut lead_bytes, &mut event_bytes).unwrap();
    let (keys, options) = (Keys::default(), input::ReadOptions::default());
    let mut all_leads = Vec::new();
    let source = Source {
        name: "leads".into(),
        reader: &lead_bytes[..],
    };
    input::read_leads(source, Format::Jsonl, plan, &keys, options, |_, lead, _| {
        all_leads.push(lead?);
        Ok(())
    })
    .unwrap();
    let mut all_events = Vec::new();
    let source = Source {
        name: "events".into(),
        reader: &event_bytes[..],
    };
    input::read_events(source, Format::Jsonl, plan, &keys, options, |_, record| {
        if let EventRecord::Declared(event) = record? {
            all_events.push(event);
        }
        Ok(())
    })
    .unwrap();
    (all_leads, all_events)
}

fn apply(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/b2b.score");
    let plan = leadscore::compile_file(&path).unwrap().plan.unwrap();
    let (leads, events) = dataset(&plan, 10_000, 200_000);
    let start = events.first().map_or(0, |e| e.ts);
    let mut engine = Engine::new(plan.clone(), Settings::default()).unwrap();
    for event in events.clone() {
        engine.advance(event.ts.max(engine.now())).unwrap();
        engine.apply(event).unwrap();
    }
    eprintln!(
        "{:?}, {} transitions",
        engine.counts(),
        engine.take_transitions().len()
    );
    let mut group = c.benchmark_group("live");
    group.throughput(Throughput::Elements(events.len() as u64));
    group.sample_size(10);
    group.bench_function("apply b2b, clock following", |b| {
        b.iter_batched(
            || {
                let mut engine = Engine::new(plan.clone(), Settings::default()).unwrap();
                engine.advance(start).unwrap();
                for lead in &leads {
                    engine.upsert(lead.clone());
                }
                (engine, events.clone())
            },
            |(mut engine, events)| {
                for event in events {
                    engine.advance(event.ts.max(engine.now())).unwrap();
                    engine.apply(event).unwrap();
                }
                black_box(engine.take_transitions().len())
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, apply);
criterion_main!(benches);
