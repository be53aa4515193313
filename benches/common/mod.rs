//! What the benchmarks share: generated B2B data read as the plan types it.

use leadscore::input::{self, EventRecord, Format, Keys, Source};
use leadscore::{Event, Lead, Plan};

/// `leads` generated leads and `events` events (in time order, as the generator writes
/// them; events of undeclared types left out), typed by `plan`.
pub fn generated(plan: &Plan, leads: u64, events: u64) -> (Vec<Lead>, Vec<Event>) {
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
        size: None,
        mapped: None,
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
        size: None,
        mapped: None,
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
