//! Links the function binaries as position-dependent executables (`-no-pie`): a
//! position-independent one applies some 65,000 relocations to 1.6 MB of its data before
//! `main` (a copy-on-write fault per page) on every cold start. The cost: the binary's own
//! code is not at a random address (its libraries' still are).
//!
//! Only for native Linux builds (the benches, the tests, `target/deploy`): the cross build of
//! `make lambda` links with zig, where the flag is not checked yet, and keeps the default.
fn main() {
    let native = std::env::var("TARGET").ok() == std::env::var("HOST").ok();
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if native && linux {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
