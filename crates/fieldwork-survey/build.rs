//! The message catalogues are compiled in by `fluent-templates`' macro, which cargo does not
//! see read them: without this, a catalogue added or edited would leave a stale build.

fn main() {
    // A directory: cargo reruns when anything under it changes, a new file included.
    println!("cargo:rerun-if-changed=locales");
}
