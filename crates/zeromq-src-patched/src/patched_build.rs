//! Our Linux build of libzmq: the sources `zeromq-src` 0.3.6 copied into
//! `OUT_DIR/source`, compiled again with the eventfd signaler and our
//! source patches, into the `libzmq.a` that upstream's build left in
//! `OUT_DIR/lib` (which `zmq-sys` links).
//!
//! Upstream's `Build::build` has no hook for a define or a source change,
//! and libzmq's sources are reachable only from inside its package, until
//! `build()` copies them to `OUT_DIR/source` (for `zmq-sys`'s headers). So
//! the build runs twice on Linux: upstream's, then ours from that copy. The
//! defines below are upstream's for Linux, plus [`EVENTFD_DEFINES`].

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

/// A change to one libzmq source file: `anchor` must occur exactly once,
/// and is replaced by `replacement`.
#[derive(Debug)]
pub(crate) struct SourcePatch<'a> {
    /// The file, relative to libzmq's `src/`.
    pub(crate) file: &'a str,
    /// What the patch is for, in a few words; `zmq_has` announces it (see
    /// [`CAPABILITY_PREFIX`]).
    pub(crate) name: &'a str,
    pub(crate) anchor: &'a str,
    pub(crate) replacement: &'a str,
}

/// The source patches of our libzmq build. `docs/architecture.md` ("Our
/// libzmq source patches") says why each one is safe; section 11 of
/// `docs/performance.md` what it changes.
pub(crate) const PATCHES: &[SourcePatch<'static>] = &[
    SourcePatch {
        file: "mailbox.cpp",
        name: "mailbox-no-empty-poll",
        // In `mailbox_t::recv`, right after the reader found its command pipe
        // empty and went passive, before it polls the signaler.
        anchor: "        _active = false;
    }

    //  Wait for signal from the command sender.
",
        // A passive mailbox whose command pipe shows nothing new has no signal
        // pending either: a sender signals only after it has flushed a command
        // into a pipe whose reader was asleep, which `check_read` sees without
        // a system call. So a non-blocking check (`ZMQ_EVENTS`, a receive that
        // finds nothing, an I/O thread draining its mailbox) returns `EAGAIN`
        // at once instead of calling `poll` with a zero timeout. When the pipe
        // does show a command, the original path below consumes the signal
        // before reading it, so "signal pending => command queued" still holds.
        replacement: "        _active = false;
    }

    //  zmq-async patch (mailbox-no-empty-poll): a passive mailbox whose
    //  command pipe shows nothing has no signal pending either; a
    //  non-blocking check need not poll the signaler to learn that.
    if (timeout_ == 0 && !_cpipe.check_read ()) {
        errno = EAGAIN;
        return -1;
    }

    //  Wait for signal from the command sender.
",
    },
    SourcePatch {
        file: "pipe.hpp",
        name: "live-hwm-resync",
        anchor: "    void process_pipe_hwm (int inhwm_, int outhwm_) ZMQ_OVERRIDE;
",
        replacement: "    void process_pipe_hwm (int inhwm_, int outhwm_) ZMQ_OVERRIDE;

    //  zmq-async patch (live-hwm-resync): see pipe.cpp.
    void resync_flow_after_hwm_change ();
",
    },
    SourcePatch {
        file: "pipe.cpp",
        name: "live-hwm-resync",
        // A pipe end learns that its peer changed `ZMQ_SNDHWM`/`ZMQ_RCVHWM`.
        anchor: "void zmq::pipe_t::process_pipe_hwm (int inhwm_, int outhwm_)
{
    set_hwms (inhwm_, outhwm_);
}
",
        // Two stalls of stock libzmq 4.3.5 when a mark changes while
        // messages flow (`crates/zmq-core/tests/live_hwm_changes.rs`):
        //
        // - A reader reports how far it has read only when that count
        //   passes a multiple of its low-water mark. It may drain the whole
        //   queue under the old mark before it learns the new one and pass
        //   no multiple of either: the writer, blocked at its new
        //   high-water mark, waits for a report that never comes. So an end
        //   whose marks change reports its count at once, and resumes
        //   writing if the new high-water mark leaves room.
        // - On inproc pipes (marks "boosted" by the peer's at connect time)
        //   `set_hwms` adds the peer's new marks to its connect-time ones,
        //   so the reader's low-water mark can end up above the writer's
        //   high-water mark, and the writer's high-water mark far below
        //   what it was. Bounded here so neither can happen: the low-water
        //   mark at most half the peer's new send mark, the high-water mark
        //   never lowered by the peer's change (the writer's own change of
        //   `ZMQ_SNDHWM` still lowers it).
        replacement: "void zmq::pipe_t::process_pipe_hwm (int inhwm_, int outhwm_)
{
    const int hwm_before = _hwm;
    set_hwms (inhwm_, outhwm_);

    //  zmq-async patch (live-hwm-resync): on inproc pipes set_hwms counts
    //  the peer's marks twice (new ones plus the connect-time boost); keep
    //  the low-water mark below what the writer may queue, and the peer's
    //  change from shrinking our own high-water mark.
    if (_in_hwm_boost > 0 && _lwm > 0 && inhwm_ > 0)
        _lwm = std::min (_lwm, compute_lwm (inhwm_));
    if (_out_hwm_boost > 0 && hwm_before > 0 && _hwm > 0)
        _hwm = std::max (_hwm, hwm_before);

    resync_flow_after_hwm_change ();
}

//  zmq-async patch (live-hwm-resync): after a change of marks, tell the
//  writer how far this end has read (it may have read past every multiple
//  of the new low-water mark under the old one), and resume writing if the
//  new high-water mark leaves room.
void zmq::pipe_t::resync_flow_after_hwm_change ()
{
    if (_state != active)
        return;
    send_activate_write (_peer, _msgs_read);
    if (!_out_active && check_hwm ()) {
        _out_active = true;
        _sink->write_activated (this);
    }
}
",
    },
    SourcePatch {
        file: "pipe.cpp",
        name: "live-hwm-resync-local",
        // The socket changed its own marks: `update_pipe_options` has just
        // called `set_hwms (rcvhwm, sndhwm)` and now tells the peer.
        anchor: "void zmq::pipe_t::send_hwms_to_peer (int inhwm_, int outhwm_)
{
    send_pipe_hwm (_peer, inhwm_, outhwm_);
}
",
        replacement: "void zmq::pipe_t::send_hwms_to_peer (int inhwm_, int outhwm_)
{
    send_pipe_hwm (_peer, inhwm_, outhwm_);

    //  zmq-async patch (live-hwm-resync-local): the caller has just changed
    //  this end's marks too.
    resync_flow_after_hwm_change ();
}
",
    },
];

/// The file whose `zmq_has` learns the names of our patches.
const CAPABILITY_FILE: &str = "zmq.cpp";

/// The start of `zmq_has`'s body, where [`capability_checks`] go.
const CAPABILITY_ANCHOR: &str = "int zmq_has (const char *capability_)
{
";

/// The prefix of the capability names that announce our patches:
/// `zmq_has("zmq-async:<patch name>")` is true for each
/// [`SourcePatch::name`] applied, false with any other libzmq. Programs (and
/// `zmq_core::capabilities`) ask it at run time, which links against any
/// libzmq.
pub(crate) const CAPABILITY_PREFIX: &str = "zmq-async:";

/// The defines that turn on libzmq's eventfd signaler (`src/signaler.cpp`,
/// `make_fdpair` in `src/ip.cpp`): one eventfd per mailbox instead of a unix
/// socketpair. libzmq's CMake build sets them by a header check; upstream's
/// `cc` build lacks them.
const EVENTFD_DEFINES: [&str; 2] = ["ZMQ_HAVE_EVENTFD", "ZMQ_HAVE_EVENTFD_CLOEXEC"];

/// Applies `patch` to `source` (the text of `patch.file`).
///
/// # Errors
///
/// When the anchor is missing or occurs more than once: the sources are
/// not the libzmq 4.3.5 the patch was written against.
pub(crate) fn apply(source: &str, patch: &SourcePatch<'_>) -> Result<String, String> {
    match source.matches(patch.anchor).count() {
        1 => Ok(source.replacen(patch.anchor, patch.replacement, 1)),
        found => Err(format!(
            "libzmq patch {} expects its anchor once in src/{}, found it {found} times",
            patch.name, patch.file
        )),
    }
}

/// The replacement of [`CAPABILITY_ANCHOR`] that makes `zmq_has` answer
/// [`CAPABILITY_PREFIX`]`<name>` for every patch in [`PATCHES`].
fn capability_checks() -> String {
    let mut names: Vec<&str> = Vec::new();
    for patch in PATCHES {
        if !names.contains(&patch.name) {
            names.push(patch.name);
        }
    }
    let mut replacement = format!(
        "{CAPABILITY_ANCHOR}    //  zmq-async: the source patches this libzmq was built with.\n"
    );
    for name in names {
        replacement.push_str(&format!(
            "    if (strcmp (capability_, \"{CAPABILITY_PREFIX}{name}\") == 0)\n        return true;\n"
        ));
    }
    replacement
}

/// Compiles libzmq again from `OUT_DIR/source` with the eventfd signaler and
/// [`PATCHES`], and replaces `OUT_DIR/lib/libzmq.a` with the result.
///
/// `sodium_include` is libsodium's header directory when CURVE is on.
///
/// # Panics
///
/// Like upstream's build (a build script reports failure by panicking):
/// when upstream's source copy is missing, a patch does not apply, or the
/// compiler fails.
pub(crate) fn rebuild(sodium_include: Option<&Path>, draft: bool) {
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set for build scripts"));
    let upstream_copy = out_dir.join("source");
    // A full copy of the sources, patched in place: a patched header must
    // be the one every file includes (they include their neighbours by
    // `"name.hpp"`, which looks in the including file's directory first,
    // and `"../include/zmq.h"`), so the copy keeps upstream's layout.
    let source = out_dir.join("zmq-async-source");
    for dir in ["include", "external/sha1"] {
        copy_files(&upstream_copy.join(dir), &source.join(dir), |_, _| {});
    }
    let src = source.join("src");
    let mut files = Vec::new();
    let checks = capability_checks();
    let capabilities = SourcePatch {
        file: CAPABILITY_FILE,
        name: "capabilities",
        anchor: CAPABILITY_ANCHOR,
        replacement: &checks,
    };
    let patches: Vec<&SourcePatch<'_>> = PATCHES.iter().chain([&capabilities]).collect();
    let mut applied = 0;
    copy_files(&upstream_copy.join("src"), &src, |name, text| {
        for patch in patches.iter().filter(|patch| patch.file == name) {
            *text = apply(text, patch).unwrap_or_else(|error| panic!("{error}"));
            applied += 1;
        }
        // wss_* need GnuTLS, which upstream's build leaves out as well.
        if name.ends_with(".cpp") && !name.starts_with("wss_") {
            files.push(src.join(name));
        }
    });
    assert_eq!(
        applied,
        patches.len(),
        "a libzmq patch names a file that is not in libzmq's src/"
    );
    files.push(source.join("external/sha1/sha1.c"));

    let mut build = cc::Build::new();
    build
        .cpp(true)
        .std("c++11")
        .include(source.join("include"))
        .include(&src)
        // Upstream's empty `platform.hpp`: every setting is a define below.
        .include(&out_dir)
        .files(&files)
        .define("ZMQ_BUILD_TESTS", "OFF")
        .define("ZMQ_USE_CV_IMPL_STL11", "1")
        .define("ZMQ_STATIC", "1")
        .define("ZMQ_USE_BUILTIN_SHA1", "1")
        .define("ZMQ_HAVE_WS", "1")
        .define("ZMQ_HAVE_LINUX", "1")
        .define("ZMQ_IOTHREAD_POLLER_USE_EPOLL", "1")
        .define("ZMQ_POLL_BASED_ON_POLL", "1")
        .define("ZMQ_HAVE_IPC", "1")
        .define("HAVE_STRNLEN", "1")
        .define("ZMQ_HAVE_UIO", "1")
        .define("ZMQ_HAVE_STRUCT_SOCKADDR_UN", "1")
        // Upstream already printed the link lines for `OUT_DIR/lib`.
        .cargo_metadata(false)
        .out_dir(out_dir.join("zmq-async-lib"));
    for define in EVENTFD_DEFINES {
        build.define(define, "1");
    }
    if draft {
        build.define("ZMQ_BUILD_DRAFT_API", "1");
    }
    if let Some(include) = sodium_include {
        build
            .define("ZMQ_USE_LIBSODIUM", "1")
            .define("ZMQ_HAVE_CURVE", "1")
            .include(include);
    }
    if libc_has_strlcpy(&out_dir) {
        build.define("ZMQ_HAVE_STRLCPY", "1");
    }
    build.compile("zmq");

    fs::copy(
        out_dir.join("zmq-async-lib/libzmq.a"),
        out_dir.join("lib/libzmq.a"),
    )
    .expect("replace upstream's libzmq.a with the patched one");
}

/// Copies the files of the directory `from` (not its subdirectories) into
/// `to`, letting `edit` change the text of each (by file name) on the way.
///
/// # Panics
///
/// When `from` cannot be read (upstream's build did not copy the sources)
/// or `to` cannot be written.
fn copy_files(from: &Path, to: &Path, mut edit: impl FnMut(&str, &mut String)) {
    fs::create_dir_all(to).expect("create a directory for libzmq's sources");
    let mut paths: Vec<PathBuf> = fs::read_dir(from)
        .unwrap_or_else(|error| {
            panic!(
                "zeromq-src did not copy libzmq's sources to {}: {error}",
                from.display()
            )
        })
        .map(|entry| entry.expect("list libzmq's sources").path())
        .filter(|path| path.is_file())
        .collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .expect("libzmq's file names are UTF-8");
        let mut text = fs::read_to_string(&path).expect("libzmq's sources are UTF-8 text");
        edit(name, &mut text);
        fs::write(to.join(name), text).expect("write a copy of a libzmq source");
    }
}

/// Whether the C library declares `strlcpy` (musl, bionic, glibc 2.38 and
/// later). libzmq's `compat.hpp` defines its own unless `ZMQ_HAVE_STRLCPY`
/// says not to, and two definitions do not compile.
fn libc_has_strlcpy(out_dir: &Path) -> bool {
    let probe = out_dir.join("zmq_async_has_strlcpy.c");
    fs::write(
        &probe,
        "#include <string.h>\n\
         int main(void) { char to[4]; return (int) strlcpy(to, \"abc\", sizeof to) - 3; }\n",
    )
    .expect("write the strlcpy probe");
    cc::Build::new()
        .cargo_metadata(false)
        .warnings(false)
        .get_compiler()
        .to_command()
        .arg(&probe)
        .arg("-o")
        .arg(out_dir.join("zmq_async_has_strlcpy"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
