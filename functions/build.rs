//! Links the function binaries as position-dependent executables (`-no-pie`): a
//! position-independent one must apply some 65,000 relocations to 1.6 MB of its data before
//! `main`, a copy-on-write fault per page, on every cold start. The price is that the
//! binary's own code is not at a random address (its libraries' still are).
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
