//! Links the function binaries as position-dependent executables (`-no-pie`): a
//! position-independent one applies tens of thousands of relocations to its data before
//! `main` (a copy-on-write fault per page) on every cold start. The cost: the binary's own
//! code is not at a random address (its libraries' still are).
//!
//! For every Linux build: the native ones (the benches, the tests, `target/deploy`) and the
//! arm64 cross build of `make lambda`, which links through zig (checked: `readelf -h` says
//! `EXEC`, and the bootstraps answer their fixtures under qemu, see docs/scaling.md).
fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
