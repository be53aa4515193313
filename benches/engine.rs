//! Criterion benchmarks: compile time of the example models, and evaluation per lead
//! and per event (with and without explanations), on generated B2B data.
//!
//!   cargo bench --bench engine

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
mod common;

use leadscore::{Event, Lead, Scorer};
use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    for name in ["b2b", "matrix", "loyalty"] {
        let path = format!("{}/examples/{name}.score", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let compiled =
                    leadscore::compile_source(&path, black_box(&text), &leadscore::FsLoader);
                assert!(compiled.plan.is_some());
            })
        });
    }
    group.finish();
}

/// Generated leads with their events, grouped by lead, in id order.
fn dataset(scorer: &Scorer, leads: u64, events: u64) -> Vec<(Lead, Vec<Event>)> {
    let (leads, events) = common::generated(scorer.plan(), leads, events);
    let mut by_id: HashMap<String, (Lead, Vec<Event>)> = leads
        .into_iter()
        .map(|lead| (lead.id.clone(), (lead, Vec::new())))
        .collect();
    for event in events {
        by_id
            .get_mut(&event.lead)
            .expect("generated events name generated leads")
            .1
            .push(event);
    }
    let mut all: Vec<_> = by_id.into_values().collect();
    all.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    all
}

fn evaluate(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/b2b.score");
    let scorer = Scorer::new(leadscore::compile_file(&path).unwrap().plan.unwrap()).unwrap();
    let data = dataset(&scorer, 2_000, 40_000);
    let events: usize = data.iter().map(|(_, e)| e.len()).sum();
    let as_of = leadscore::gen::AS_OF;
    let mut group = c.benchmark_group("evaluate");
    for explain in [false, true] {
        let label = if explain {
            "with explain"
        } else {
            "without explain"
        };
        group.throughput(Throughput::Elements(data.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("per lead", label),
            &explain,
            |b, &explain| {
                b.iter(|| {
                    for (lead, events) in &data {
                        black_box(scorer.evaluate(lead, events, as_of, explain));
                    }
                })
            },
        );
        group.throughput(Throughput::Elements(events as u64));
        group.bench_with_input(
            BenchmarkId::new("per event", label),
            &explain,
            |b, &explain| {
                b.iter(|| {
                    for (lead, events) in &data {
                        black_box(scorer.evaluate(lead, events, as_of, explain));
                    }
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, compile, evaluate);
criterion_main!(benches);
