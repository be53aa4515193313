//! Fuzz target `model`: see `harness::model`.
#![no_main]

// Each target uses one of the harness's functions; the others are for the other targets.
#[allow(dead_code)]
#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::model(data));
