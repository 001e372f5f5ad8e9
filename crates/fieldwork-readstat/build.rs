//! Links the system's ReadStat (`apt-get install libreadstat-dev`), which ships no
//! pkg-config file: the library is found on the linker's default search path.
fn main() {
    println!("cargo:rustc-link-lib=dylib=readstat");
    println!("cargo:rerun-if-changed=build.rs");
}
