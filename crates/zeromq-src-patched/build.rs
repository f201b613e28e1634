//! Hands the location of the libsodium that `libsodium-sys-stable` built to
//! this crate's code, which runs later inside `zmq-sys`'s build script.

use std::env;

fn main() {
    // `libsodium-sys-stable` declares `links = "sodium"`, so cargo passes its
    // `cargo:include=` / `cargo:lib=` lines to us as DEP_SODIUM_*.
    for (dep, ours) in [
        ("DEP_SODIUM_INCLUDE", "ZMQ_ASYNC_SODIUM_INCLUDE"),
        ("DEP_SODIUM_LIB", "ZMQ_ASYNC_SODIUM_LIB"),
    ] {
        println!("cargo:rerun-if-env-changed={dep}");
        let value = env::var(dep).unwrap_or_else(|_| {
            panic!(
                "{dep} is not set: libsodium-sys-stable did not report where it put \
                 libsodium (was it pointed at a system library with SODIUM_LIB_DIR? \
                 That mode reports no include directory)"
            )
        });
        println!("cargo:rustc-env={ours}={value}");
    }
}
