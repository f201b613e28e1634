//! The workspace's libzmq build, behind the API of `zeromq-src` 0.2.
//!
//! The `zmq` crate (0.10) links libzmq through `zmq-sys` 0.12, whose build
//! script runs `zeromq_src::Build::new().with_libsodium(None).build()`
//! against `zeromq-src` 0.2 (libzmq 4.3.4, no CURVE, no DRAFT API). The
//! workspace's `Cargo.toml` replaces that `zeromq-src` by this crate with
//! `[patch.crates-io]`. This crate keeps the 0.2 API and builds through
//! `zeromq-src` 0.3 instead:
//!
//! - libzmq 4.3.5;
//! - CURVE, over the libsodium that `libsodium-sys-stable` builds from the
//!   tarball it ships (no system library, no download);
//! - the DRAFT API (`ZMQ_IN_BATCH_SIZE`, `ZMQ_OUT_BATCH_SIZE`, ...).
//!
//! Both are on by default, so `zmq-sys`'s call gets them without change.
//!
//! On Linux, libzmq is then compiled a second time, from the copy of its
//! sources that upstream's build leaves in `OUT_DIR`, with two changes
//! (module `patched_build`):
//!
//! - `ZMQ_HAVE_EVENTFD` and `ZMQ_HAVE_EVENTFD_CLOEXEC`, its eventfd
//!   signaler (one eventfd per mailbox instead of a unix socketpair:
//!   cheaper wake-ups), which upstream's list of defines lacks;
//! - our source patches: a non-blocking check of an empty mailbox
//!   (`ZMQ_EVENTS`, a receive that finds nothing) returns without a `poll`
//!   system call.
//!
//! The workspace's tests `zmq_fd_is_an_eventfd_on_linux` and
//! `libzmq_carries_our_source_patches` check that the linked library is
//! this one.
//!
//! See "Our libzmq build" in the workspace's `docs/architecture.md`.
//!
//! # Examples
//!
//! What `zmq-sys` 0.12's build script does, and now gets CURVE and DRAFT
//! from:
//!
//! ```no_run
//! // In a build script:
//! zeromq_src::Build::new().with_libsodium(None).build();
//! ```

use std::env;
use std::path::{Path, PathBuf};

use zeromq_src_upstream as upstream;

mod patched_build;

/// Where `libsodium-sys-stable` put the headers of the libsodium it built.
const BUNDLED_SODIUM_INCLUDE: &str = env!("ZMQ_ASYNC_SODIUM_INCLUDE");
/// Where `libsodium-sys-stable` put the static libsodium it built.
const BUNDLED_SODIUM_LIB: &str = env!("ZMQ_ASYNC_SODIUM_LIB");

/// The location of a library: its `lib` and `include` directories.
///
/// # Examples
///
/// ```
/// let location = zeromq_src::LibLocation::new("/opt/sodium/lib", "/opt/sodium/include");
/// assert_eq!(location.lib_dir(), std::path::Path::new("/opt/sodium/lib"));
/// ```
#[derive(Debug, Clone)]
pub struct LibLocation {
    include_dir: PathBuf,
    lib_dir: PathBuf,
}

impl LibLocation {
    /// A library whose static archive is in `lib_dir` and whose headers are
    /// in `include_dir`.
    pub fn new<L, I>(lib_dir: L, include_dir: I) -> Self
    where
        L: Into<PathBuf>,
        I: Into<PathBuf>,
    {
        Self {
            include_dir: include_dir.into(),
            lib_dir: lib_dir.into(),
        }
    }

    /// The directory of the headers.
    pub fn include_dir(&self) -> &Path {
        &self.include_dir
    }

    /// The directory of the library.
    pub fn lib_dir(&self) -> &Path {
        &self.lib_dir
    }

    /// The libsodium built by `libsodium-sys-stable` from its bundled
    /// source, for the machine that runs the build script.
    ///
    /// # Examples
    ///
    /// ```
    /// let sodium = zeromq_src::LibLocation::bundled_libsodium();
    /// assert!(sodium.include_dir().join("sodium.h").is_file());
    /// ```
    pub fn bundled_libsodium() -> Self {
        Self::new(BUNDLED_SODIUM_LIB, BUNDLED_SODIUM_INCLUDE)
    }
}

/// Settings for building libzmq; [`Build::build`] compiles and links it.
///
/// Unlike `zeromq-src` 0.2, the DRAFT API is on by default, and
/// `with_libsodium(None)` means the bundled libsodium, not "no CURVE".
///
/// # Examples
///
/// ```no_run
/// // In a build script: libzmq 4.3.5 with CURVE and DRAFT.
/// zeromq_src::Build::new().build();
/// ```
#[derive(Debug, Clone)]
pub struct Build {
    enable_draft: bool,
    build_debug: bool,
    libsodium: Option<LibLocation>,
}

impl Build {
    /// The workspace's defaults: DRAFT API on, CURVE over the bundled
    /// libsodium, release build of libzmq.
    pub fn new() -> Self {
        Self {
            enable_draft: true,
            build_debug: false,
            libsodium: None,
        }
    }

    /// Builds libzmq's debug variant.
    pub fn build_debug(&mut self, enabled: bool) -> &mut Self {
        self.build_debug = enabled;
        self
    }

    /// Turns the DRAFT API on or off (on by default).
    pub fn enable_draft(&mut self, enabled: bool) -> &mut Self {
        self.enable_draft = enabled;
        self
    }

    /// Links CURVE against this libsodium; `None` (what `zmq-sys` passes)
    /// means the one `libsodium-sys-stable` built from its bundled source.
    pub fn with_libsodium(&mut self, libsodium: Option<LibLocation>) -> &mut Self {
        self.libsodium = libsodium;
        self
    }

    /// Compiles libzmq and prints the `cargo:` lines that link it (and
    /// libsodium) into the crate whose build script calls this.
    ///
    /// # Panics
    ///
    /// Like `zeromq-src`, when the C++ compiler fails.
    pub fn build(&mut self) {
        let libsodium = match self.libsodium.clone() {
            Some(location) => Some(location),
            None if cross_compiling() => {
                // The bundled libsodium is a dependency of a build script, so
                // cargo built it for the host; it cannot be linked into a
                // program for another target.
                println!(
                    "cargo:warning=cross-compiling: libzmq is built without CURVE \
                     (the bundled libsodium is built for the host only)"
                );
                None
            }
            None => Some(LibLocation::bundled_libsodium()),
        };
        let sodium_include = libsodium
            .as_ref()
            .map(|location| location.include_dir.clone());
        let libsodium = libsodium
            .map(|location| upstream::LibLocation::new(location.lib_dir, location.include_dir));
        upstream::Build::new()
            .build_debug(self.build_debug)
            .enable_draft(self.enable_draft)
            .with_libsodium(libsodium)
            .build();
        if env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
            patched_build::rebuild(sodium_include.as_deref(), self.enable_draft);
        }
    }
}

impl Default for Build {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether the build script that calls us builds for another machine.
fn cross_compiling() -> bool {
    match (env::var("HOST"), env::var("TARGET")) {
        (Ok(host), Ok(target)) => host != target,
        _ => false,
    }
}
