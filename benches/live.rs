//! Criterion benchmark of the live engine: events applied per second on one core for
//! the B2B example model, the clock following the events (generated data, in time
//! order), transitions included.
//!
//!   cargo bench --bench live

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
mod common;

use leadscore::live::{Engine, Settings};
use std::hint::black_box;
use std::path::Path;

fn apply(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/b2b.score");
    let plan = leadscore::compile_file(&path).unwrap().plan.unwrap();
    let (leads, events) = common::generated(&plan, 10_000, 200_000);
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
