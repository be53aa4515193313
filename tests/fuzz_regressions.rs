//! Every input the fuzz targets found (or that is known to be tricky), kept under
//! `fuzz/regressions/<target>/`, runs through the target's harness without a finding, on
//! the stable toolchain: the fuzz targets' checks, as regular tests.

use std::path::Path;

#[path = "../fuzz/harness.rs"]
mod harness;

#[test]
fn every_kept_fuzz_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut failed = Vec::new();
    let mut ran = 0;
    for (target, run) in harness::TARGETS {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).unwrap();
            ran += 1;
            if std::panic::catch_unwind(|| run(&bytes)).is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "findings: {failed:#?}");
    assert!(ran > 0, "no kept inputs under {}", root.display());
}
