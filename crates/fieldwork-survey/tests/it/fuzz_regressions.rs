//! The fuzz targets' checks (`fuzz/src/lib.rs`, compiled here as `crate::harness`) on every input
//! checked in: the seed corpus and each input that once failed (`fuzz/regressions/`), so
//! that a normal `cargo test` on stable keeps them passing. `docs/testing.md` says how to
//! fuzz for longer.

use std::path::Path;

use crate::harness;

/// Run `check` on each file of `fuzz/corpus/TARGET` and `fuzz/regressions/TARGET`; a
/// failure names the file.
fn replay(target: &str, check: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut count = 0;
    for dir in ["corpus", "regressions"] {
        let dir = root.join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let input = std::fs::read(&path).unwrap();
            if std::panic::catch_unwind(|| check(&input)).is_err() {
                panic!("fuzz input {} fails", path.display());
            }
            count += 1;
        }
    }
    assert!(count > 0, "no inputs for {target}");
}

#[test]
fn definition_inputs() {
    replay("definition", harness::definition);
}

#[test]
fn answers_inputs() {
    replay("answers", harness::answers);
}

#[test]
fn wide_csv_inputs() {
    replay("wide_csv", harness::wide_csv);
}
