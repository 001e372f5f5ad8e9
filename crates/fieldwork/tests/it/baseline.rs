//! The pandas baseline of `fieldwork bench analyze` computes the same estimates as fieldwork:
//! otherwise the benchmark's comparison would be void. It needs a Python with pandas and scipy
//! (`.ci/run` installs python3-pandas and python3-scipy; FIELDWORK_BENCH_PYTHON picks another).

use crate::{stderr, stdout};

#[test]
fn the_pandas_baseline_publishes_the_same_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("bench.db").display());
    let python =
        std::env::var("FIELDWORK_BENCH_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".to_owned());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir.path())
        .env("FIELDWORK_BENCH_PYTHON", &python)
        .args([
            "--database",
            &database,
            "bench",
            "analyze",
            "--responses",
            "3000",
        ])
        .output()
        .unwrap();
    let out = stdout(&output);
    assert!(
        output.status.success(),
        "bench analyze failed (is pandas installed for {python}?): {}{out}",
        stderr(&output)
    );
    // "... 812 estimates agree to 0.0e0 (estimate) and 1.1e-16 (SE)"
    let agreed: usize = out
        .split(" estimates agree")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no comparison in: {out}"));
    assert!(agreed > 500, "{out}");
}
