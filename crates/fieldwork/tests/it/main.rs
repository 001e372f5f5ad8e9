//! The `fieldwork` binary as a user runs it: exit codes and what it prints.

mod accounts;
mod backups;
mod baseline;
mod behind_nginx;
mod demo;
mod durability;
mod email;
mod export;
mod faults;
mod report;
mod storage_faults;
mod survey;
mod xlsform;

use std::path::Path;
use std::process::{Command, Output};

pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/surveys/digital-leadership.json"
);

/// Run `fieldwork ARGS` against `database`, in `dir`.
pub fn fieldwork(dir: &Path, database: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .current_dir(dir)
        .env("FIELDWORK_DATABASE_URL", database)
        .env_remove("FIELDWORK_LOG")
        .args(args)
        .output()
        .expect("the fieldwork binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A user's mistake: exit code 1, and exactly one line, starting `error:`, with no panic.
#[track_caller]
pub fn assert_one_line_error(output: &Output, expected: &str) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains(expected),
        "{err:?} should mention {expected:?}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}
