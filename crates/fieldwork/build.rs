//! Records the compiler's version for `fieldwork bench all`, which writes it beside its figures.

use std::process::Command;

fn main() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "rustc (unknown version)".to_owned());
    println!("cargo:rustc-env=FIELDWORK_RUSTC_VERSION={version}");
    // A new compiler rebuilds everything anyway; nothing else changes the answer.
    println!("cargo:rerun-if-changed=build.rs");
}
