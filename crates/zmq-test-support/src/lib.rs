//! Test support for the workspace's integration tests: every behaviour under
//! every executor, bounded waits, unique endpoints.
//!
//! ```
//! zmq_test_support::on_every_executor! {
//!     /// Each case becomes a module with one `#[test]` per executor.
//!     async fn sockets_are_created(_rt) {
//!         let socket = zmq_core::Socket::new(zmq_core::SocketType::PAIR)?;
//!         assert!(!socket.is_closed());
//!         Ok(())
//!     }
//! }
//! ```

#![forbid(unsafe_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use zmq_core::reactor::Reactor;
use zmq_core::{Multipart, Socket, SocketType};

/// What a test case returns: any error fails the test with its message.
pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The longest any one test case may run before it counts as a hang.
pub const CASE_LIMIT: Duration = Duration::from_secs(60);

/// A bound for a single wait that should complete promptly.
pub const WAIT: Duration = Duration::from_secs(10);

/// The executors every behaviour runs under.
///
/// Under the tokio executors, sockets created by the case (and by tasks it
/// spawns through [`Rt::spawn`]) wait through tokio's own reactor
/// (`AsyncFd`, entered as the thread's [`Reactor`]), except under
/// [`Rt::TokioAsyncIo`], which keeps async-io's reactor under tokio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rt {
    /// A tokio current-thread runtime, native (`AsyncFd`) readiness.
    TokioCurrentThread,
    /// A tokio multi-thread runtime with two workers, native readiness; the
    /// case itself runs as a task on a worker.
    TokioMultiThread,
    /// A tokio current-thread runtime with async-io readiness.
    TokioAsyncIo,
    /// smol: the case under `smol::block_on`, tasks on smol's global
    /// executor.
    Smol,
    /// `futures_lite::future::block_on`; tasks get a thread each.
    BlockOn,
}

impl Rt {
    /// Every executor, in the order the tests run them.
    pub const ALL: [Rt; 5] = [
        Rt::TokioCurrentThread,
        Rt::TokioMultiThread,
        Rt::TokioAsyncIo,
        Rt::Smol,
        Rt::BlockOn,
    ];

    /// True under a tokio runtime.
    pub fn is_tokio(self) -> bool {
        matches!(
            self,
            Rt::TokioCurrentThread | Rt::TokioMultiThread | Rt::TokioAsyncIo
        )
    }

    /// The reactor that sockets created under this executor get. Call it
    /// from inside the case (the tokio reactor is the current runtime's).
    pub fn reactor(self) -> Reactor {
        match self {
            Rt::TokioCurrentThread | Rt::TokioMultiThread => {
                zmq_runtime_tokio::TokioReactor::try_current()
                    .expect("a tokio case runs inside its runtime")
                    .into()
            }
            Rt::TokioAsyncIo | Rt::Smol | Rt::BlockOn => Reactor::async_io(),
        }
    }
}

/// Runs `future` with `reactor` entered on whichever thread polls it, so
/// that sockets it creates use that reactor.
struct WithReactor<F> {
    reactor: Reactor,
    future: Pin<Box<F>>,
}

impl<F: Future> Future for WithReactor<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let _entered = this.reactor.enter();
        this.future.as_mut().poll(cx)
    }
}

/// `future` with this executor's reactor (see [`Rt::reactor`]) entered
/// around each poll; call from inside the case.
fn with_reactor<F: Future>(rt: Rt, future: F) -> WithReactor<F> {
    WithReactor {
        reactor: rt.reactor(),
        future: Box::pin(future),
    }
}

/// A spawned task's output, as a future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl Rt {
    /// Runs `future` as a task of its own on this executor (a thread of its
    /// own for plain `block_on`); the returned future yields its output.
    pub fn spawn<T: Send + 'static>(
        self,
        future: impl Future<Output = T> + Send + 'static,
    ) -> BoxFuture<T> {
        match self {
            Rt::TokioCurrentThread | Rt::TokioMultiThread | Rt::TokioAsyncIo => {
                let handle = tokio::spawn(with_reactor(self, future));
                Box::pin(async move { handle.await.expect("task panicked") })
            }
            Rt::Smol => Box::pin(smol::spawn(future)),
            Rt::BlockOn => {
                let (sender, receiver) = smol::channel::bounded(1);
                std::thread::spawn(move || {
                    let output = futures_lite::future::block_on(future);
                    let _ = sender.send_blocking(output);
                });
                Box::pin(async move { receiver.recv().await.expect("thread panicked") })
            }
        }
    }
}

impl Rt {
    /// The [`Runtime`](zmq_core::runtime::Runtime) for background work
    /// (a transport's pump) under this executor: tokio's current runtime
    /// for the tokio cases, smol's global executor for the others. Call it
    /// from inside the case.
    pub fn runtime(self) -> Arc<dyn zmq_core::runtime::Runtime> {
        match self {
            Rt::TokioCurrentThread | Rt::TokioMultiThread | Rt::TokioAsyncIo => Arc::new(
                zmq_runtime_tokio::TokioRuntime::try_current()
                    .expect("a tokio case runs inside its runtime"),
            ),
            Rt::Smol | Rt::BlockOn => Arc::new(zmq_runtime_smol::SmolRuntime::global()),
        }
    }
}

/// Runs one test case under `rt`, bounded by [`CASE_LIMIT`].
pub fn run<F, Fut>(rt: Rt, case: F)
where
    F: FnOnce(Rt) -> Fut + Send + 'static,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let bounded = async move {
        let case = with_reactor(rt, case(rt));
        match timeout(CASE_LIMIT, case).await {
            Some(result) => result,
            None => Err(format!("the case did not finish within {CASE_LIMIT:?}").into()),
        }
    };
    let outcome = match rt {
        Rt::TokioCurrentThread | Rt::TokioAsyncIo => tokio_current_thread().block_on(bounded),
        Rt::TokioMultiThread => {
            let runtime = tokio_multi_thread();
            let task = runtime.spawn(bounded);
            runtime.block_on(task).expect("case panicked")
        }
        Rt::Smol => smol::block_on(smol::spawn(bounded)),
        Rt::BlockOn => futures_lite::future::block_on(bounded),
    };
    if let Err(error) = outcome {
        panic!("under {rt:?}: {error}");
    }
}

/// A tokio current-thread runtime with I/O and time enabled.
pub fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio current-thread runtime")
}

/// A tokio multi-thread runtime with two workers, I/O and time enabled.
pub fn tokio_multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio multi-thread runtime")
}

/// The adapters' one-call RPC entry points (`start_on_tokio` under the
/// tokio executors, `start_on_smol` otherwise): a request-reply call, a
/// pipeline notification and a pub-sub notification, then a clean close.
pub async fn rpc_services_start_in_one_call(rt: Rt) -> TestResult {
    use std::convert::Infallible;
    use std::sync::atomic::AtomicI64;
    use zmq_runtime_smol::rpc::StartOnSmol;
    use zmq_runtime_tokio::rpc::{
        Handlers, StartOnTokio, connect_pipeline, connect_pubsub, connect_rpc, serve_pipeline,
        serve_pubsub, serve_rpc,
    };

    macro_rules! start {
        ($builder:expr) => {
            if rt.is_tokio() {
                $builder.start_on_tokio()?
            } else {
                $builder.start_on_smol()?
            }
        };
    }

    let total = Arc::new(AtomicI64::new(0));
    let handlers = || {
        let counter = Arc::clone(&total);
        Handlers::new()
            .method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b))
            .method("count", move |n: i64| {
                counter.fetch_add(n, Ordering::SeqCst);
                Ok::<_, Infallible>(())
            })
    };
    let counted = |wanted: i64| {
        let total = Arc::clone(&total);
        async move {
            while total.load(Ordering::SeqCst) < wanted {
                sleep(Duration::from_millis(2)).await;
            }
        }
    };

    let server = start!(serve_rpc(handlers()).bind("tcp://127.0.0.1:*"));
    let client = start!(connect_rpc().connect(&server.endpoints()[0]).timeout(WAIT));
    for n in 0..100 {
        let sum: i64 = client.call("add").arg(n).arg(1).await?;
        assert_eq!(sum, n + 1);
    }

    let sink = start!(serve_pipeline(handlers()).bind("tcp://127.0.0.1:*"));
    let notifier = start!(connect_pipeline().connect(&sink.endpoints()[0]));
    notifier.notify("count").arg(2).await?;
    within(WAIT, "pipeline notification", counted(2)).await?;

    let subscriber = start!(
        serve_pubsub(handlers())
            .bind("tcp://127.0.0.1:*")
            .subscribe("topic")
    );
    let publisher = start!(connect_pubsub().connect(&subscriber.endpoints()[0]));
    // Slow joiner: publish until the subscription has arrived.
    let published = async {
        while total.load(Ordering::SeqCst) == 2 {
            publisher.publish("topic").notify("count").arg(1).await?;
            sleep(Duration::from_millis(10)).await;
        }
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    within(WAIT, "pub-sub notification", published).await??;

    client.close();
    notifier.close();
    publisher.close();
    sink.close();
    subscriber.close();
    server.close();
    within(WAIT, "server closed", server.wait_closed()).await?;
    Ok(())
}

/// The adapters' one-call ZAP authenticator (`start_zap_authenticator` of
/// the tokio adapter under the tokio executors, of the smol adapter
/// otherwise): a PLAIN server admits the listed user's message and the
/// authenticator refuses a wrong password.
pub async fn zap_authenticator_starts_in_one_call(rt: Rt) -> TestResult {
    let context = zmq_core::Context::new();
    let policy = zmq_core::zap::ZapPolicy::new();
    let authenticator = if rt.is_tokio() {
        zmq_runtime_tokio::start_zap_authenticator(&context, policy)?
    } else {
        zmq_runtime_smol::start_zap_authenticator(&context, policy)?
    };
    authenticator.add_plain_user("admin", "secret");

    let server = context.socket(SocketType::PULL)?;
    server.set_plain_server(true)?;
    server.set_zap_domain("global")?;
    let endpoint = server.bind("tcp://127.0.0.1:*")?;
    let client_with = |password: &str| -> Result<Socket, zmq_core::Error> {
        let client = context.socket(SocketType::PUSH)?;
        client.set_plain_client("admin", password)?;
        client.set_linger(Some(Duration::ZERO))?;
        client.connect(&endpoint)?;
        Ok(client)
    };

    let intruder = client_with("guess")?;
    let refused = async {
        while authenticator.stats().denied == 0 {
            sleep(Duration::from_millis(2)).await;
        }
    };
    within(WAIT, "wrong password refused", refused).await?;
    drop(intruder);

    let admin = client_with("secret")?;
    within(WAIT, "admitted send", admin.send("hello")).await??;
    let message = within(WAIT, "admitted message", server.recv()).await??;
    assert_eq!(message[0], "hello");
    assert_eq!(authenticator.stats().allowed, 1);
    authenticator.close();
    Ok(())
}

/// Defines each case once and a `#[test]` per executor for it.
///
/// Each `async fn name(rt) { ... }` becomes a module `name` holding the tests
/// `tokio_current_thread`, `tokio_multi_thread` (both with tokio's native
/// readiness), `tokio_async_io`, `smol` and `block_on`; the body returns a
/// [`TestResult`] and gets the [`Rt`] it runs under (for [`Rt::spawn`]).
#[macro_export]
macro_rules! on_every_executor {
    ($( $(#[$meta:meta])* async fn $name:ident($rt:ident) $body:block )*) => {$(
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn case($rt: $crate::Rt) -> $crate::TestResult $body

            #[test]
            fn tokio_current_thread() {
                $crate::run($crate::Rt::TokioCurrentThread, case);
            }

            #[test]
            fn tokio_multi_thread() {
                $crate::run($crate::Rt::TokioMultiThread, case);
            }

            #[test]
            fn tokio_async_io() {
                $crate::run($crate::Rt::TokioAsyncIo, case);
            }

            #[test]
            fn smol() {
                $crate::run($crate::Rt::Smol, case);
            }

            #[test]
            fn block_on() {
                $crate::run($crate::Rt::BlockOn, case);
            }
        }
    )*};
}

/// `Some(output)` if `future` completes within `limit`, else `None` (and
/// the future is dropped). Works under every executor: async-io's timer.
pub async fn timeout<T>(limit: Duration, future: impl Future<Output = T>) -> Option<T> {
    futures_lite::future::or(async { Some(future.await) }, async {
        async_io::Timer::after(limit).await;
        None
    })
    .await
}

/// Like [`timeout`], but a timeout is an error naming `what`.
pub async fn within<T>(
    limit: Duration,
    what: &str,
    future: impl Future<Output = T>,
) -> Result<T, String> {
    timeout(limit, future)
        .await
        .ok_or_else(|| format!("{what}: no progress within {limit:?}"))
}

/// Sleeps on async-io's timer (works under every executor).
pub async fn sleep(duration: Duration) {
    async_io::Timer::after(duration).await;
}

/// The transports every socket pair is tried over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `tcp://127.0.0.1:*`: an ephemeral loopback port.
    Tcp,
    /// A unique path in this process's directory under the temporary
    /// directory: `<temp_dir>/zmq-core-test-<pid>/<n>.ipc` (see
    /// [`Transport::endpoint`] for how those directories are cleaned up).
    Ipc,
    /// A unique name in the global context.
    Inproc,
}

/// Every transport.
pub const TRANSPORTS: [Transport; 3] = [Transport::Tcp, Transport::Ipc, Transport::Inproc];

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

/// The name prefix of this crate's ipc directories (and of the flat
/// `zmq-core-test-<pid>-<n>.ipc` files earlier versions left behind).
const IPC_PREFIX: &str = "zmq-core-test-";

impl Transport {
    /// A fresh endpoint to bind: an ephemeral tcp port, a unique ipc path,
    /// a unique inproc name.
    ///
    /// Ipc paths are `<temp_dir>/zmq-core-test-<pid>/<n>.ipc`: one
    /// directory per process, made by the first ipc endpoint a process asks
    /// for with [`process_ipc_directory`], which first removes the
    /// directories of test processes that are gone (libzmq leaves a named
    /// ipc path's file behind). So each run's files stay until the next run
    /// starts.
    ///
    /// # Panics
    ///
    /// If this process's ipc directory cannot be created.
    pub fn endpoint(self) -> String {
        let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        match self {
            Transport::Tcp => "tcp://127.0.0.1:*".to_owned(),
            Transport::Ipc => format!("ipc://{}", ipc_dir().join(format!("{n}.ipc")).display()),
            Transport::Inproc => format!("inproc://zmq-core-test-{pid}-{n}"),
        }
    }
}

/// This process's ipc directory for test endpoints, made on first use.
fn ipc_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        process_ipc_directory(IPC_PREFIX).unwrap_or_else(|error| {
            panic!("cannot create an ipc directory in the temporary directory: {error}")
        })
    })
}

/// Makes `<temp_dir>/<prefix><pid>`, empty, for this process's ipc socket
/// files, after removing the `<prefix><pid>` directories (and the flat
/// `<prefix><pid>-<n>.ipc` files of earlier versions) of processes that
/// are gone, ignoring errors: another process may sweep at the same time.
/// A process is gone when `/proc/<pid>` does not exist; other than on
/// Linux (with `/proc`) nothing is swept.
///
/// libzmq 4.3.5 removes an ipc listener's file on close only for a
/// wildcard (`ipc://*`) path, and a test binary ends with `process::exit`
/// (no destructors run), so a run's files stay until the next run with
/// the same prefix starts. A program that ends normally (the bench) can
/// remove its directory itself.
///
/// # Errors
///
/// When the directory cannot be created.
///
/// # Examples
///
/// ```
/// let dir = zmq_test_support::process_ipc_directory("zmq-doc-example-")?;
/// assert!(dir.is_dir());
/// std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn process_ipc_directory(prefix: &str) -> std::io::Result<PathBuf> {
    let temp = std::env::temp_dir();
    sweep_dead_ipc_dirs(&temp, prefix);
    let dir = temp.join(format!("{prefix}{}", std::process::id()));
    // A directory of a dead process that had our pid: start empty.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Removes, in `temp`, the `<prefix><pid>` directories and
/// `<prefix><pid>-<n>.ipc` files of processes that are gone, ignoring
/// errors. Does nothing where liveness cannot be told (not Linux, or no
/// `/proc`).
fn sweep_dead_ipc_dirs(temp: &Path, prefix: &str) {
    if !cfg!(target_os = "linux") || !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(temp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|name| leftover_pid(name, prefix)) else {
            continue;
        };
        if pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let _ = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
    }
}

/// The pid in `<prefix><pid>` or `<prefix><pid>-<n>.ipc`.
fn leftover_pid(name: &str, prefix: &str) -> Option<u32> {
    let rest = name.strip_prefix(prefix)?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (pid, tail) = rest.split_at(digits);
    let flat_file = tail
        .strip_prefix('-')
        .and_then(|tail| tail.strip_suffix(".ipc"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if tail.is_empty() || flat_file {
        pid.parse().ok()
    } else {
        None
    }
}

/// A loopback tcp endpoint with nothing listening on it (yet): the port
/// the kernel just gave a listener that is closed again. A socket that
/// connects there queues its messages until someone binds it.
pub fn unused_tcp_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("its address").port();
    format!("tcp://127.0.0.1:{port}")
}

/// Binds a `bound` socket and connects a `connecting` one to it.
pub fn connected(
    bound: SocketType,
    connecting: SocketType,
    transport: Transport,
) -> zmq_core::Result<(Socket, Socket)> {
    let server = Socket::new(bound)?;
    let endpoint = server.bind(&transport.endpoint())?;
    let client = Socket::new(connecting)?;
    client.connect(&endpoint)?;
    Ok((server, client))
}

/// A message exercising frame edge cases: text, an empty frame, non-ASCII,
/// binary with NUL and 0xff, and a frame large enough to go zero-copy.
pub fn awkward_message(tag: &str) -> Multipart {
    let mut message = Multipart::new();
    message.push_back(tag);
    message.push_back("");
    message.push_back("γειά σου");
    message.push_back(&b"\x00\xff\x00"[..]);
    message.push_back(vec![0xa5u8; 4096]);
    message
}

/// For PUB/SUB pairs: publishes `probe` until the subscriber sees one (the
/// subscription has reached the publisher), then drains stray probes.
pub async fn wait_for_subscription(
    publisher: &Socket,
    subscriber: &Socket,
    probe: &str,
) -> TestResult {
    let joined = async {
        loop {
            publisher.send(probe).await?;
            if let Some(received) = timeout(Duration::from_millis(20), subscriber.recv()).await {
                received?;
                return Ok::<(), zmq_core::Error>(());
            }
        }
    };
    within(WAIT, "subscription handshake", joined).await??;
    // Probes still in flight arrive within a moment; drop them.
    while timeout(Duration::from_millis(50), subscriber.recv())
        .await
        .is_some()
    {}
    Ok(())
}

/// The process's CPU time so far (user + system, all threads), from
/// `/proc/self/stat` (10 ms resolution).
pub fn process_cpu_time() -> Duration {
    /// Linux reports /proc times in USER_HZ, which is 100 on every platform.
    const TICKS_PER_SECOND: u64 = 100;
    let stat = std::fs::read_to_string("/proc/self/stat").expect("/proc/self/stat");
    // The command name (field 2) may hold spaces: count from after its ')'.
    let after_name = &stat[stat.rfind(')').expect("stat format") + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of the whole line (utime, stime) are 11 and 12 here.
    let ticks: u64 =
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// Raises this process's open-file limit to at least `wanted` (up to the
/// hard limit), for tests that hold thousands of sockets. Returns the soft
/// limit now in force.
pub fn raise_fd_limit(wanted: u64) -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= wanted {
        return current;
    }
    let target = limit.maximum.map_or(wanted, |maximum| maximum.min(wanted));
    limit.current = Some(target);
    match setrlimit(Resource::Nofile, limit) {
        Ok(()) => target,
        Err(_) => current,
    }
}

/// Bytes from a hex dump as the wire spec prints them (whitespace between
/// digits is ignored).
///
/// ```
/// assert_eq!(zmq_test_support::hex("00 ff\n 10"), vec![0x00, 0xff, 0x10]);
/// ```
pub fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("ASCII hex digits");
            u8::from_str_radix(pair, 16).expect("a hex byte")
        })
        .collect()
}

/// Reads the sequence number written by [`numbered`].
pub fn sequence_of(message: &Multipart) -> u64 {
    let bytes: [u8; 8] = message[0][..8]
        .try_into()
        .expect("an 8-byte sequence frame");
    u64::from_be_bytes(bytes)
}

/// A message carrying a sequence number in its first frame.
pub fn numbered(sequence: u64, extra_frames: usize) -> Multipart {
    let mut message = Multipart::from(sequence.to_be_bytes().to_vec());
    for part in 0..extra_frames {
        message.push_back(format!("part {part} of {sequence}"));
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftover_names() {
        assert_eq!(leftover_pid("zmq-core-test-42", IPC_PREFIX), Some(42));
        assert_eq!(leftover_pid("zmq-core-test-42-7.ipc", IPC_PREFIX), Some(42));
        assert_eq!(leftover_pid("zmq-core-test-", IPC_PREFIX), None);
        assert_eq!(leftover_pid("zmq-core-test-42-.ipc", IPC_PREFIX), None);
        assert_eq!(leftover_pid("zmq-core-test-42-7", IPC_PREFIX), None);
        assert_eq!(leftover_pid("zmq-core-test-42x", IPC_PREFIX), None);
        assert_eq!(leftover_pid("zmq-core-cert-42", IPC_PREFIX), None);
    }

    /// Dead processes' directories and flat files go; ours and unrelated
    /// names stay.
    #[cfg(target_os = "linux")]
    #[test]
    fn sweep_removes_only_dead_processes_leftovers() {
        // A scratch "temporary directory", so the test sees only its own
        // entries (u32::MAX is above any pid_max: never a live pid).
        let temp =
            std::env::temp_dir().join(format!("zmq-test-support-sweep-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&temp);
        let dead_dir = temp.join(format!("{IPC_PREFIX}{}", u32::MAX));
        let dead_file = temp.join(format!("{IPC_PREFIX}{}-3.ipc", u32::MAX));
        let own_dir = temp.join(format!("{IPC_PREFIX}{}", std::process::id()));
        let unrelated = temp.join(format!("{IPC_PREFIX}{}-notes.txt", u32::MAX));
        std::fs::create_dir_all(&dead_dir).unwrap();
        std::fs::create_dir_all(&own_dir).unwrap();
        std::fs::write(dead_dir.join("0.ipc"), b"").unwrap();
        std::fs::write(own_dir.join("0.ipc"), b"").unwrap();
        std::fs::write(&dead_file, b"").unwrap();
        std::fs::write(&unrelated, b"").unwrap();

        sweep_dead_ipc_dirs(&temp, IPC_PREFIX);

        let (dead_dir_gone, dead_file_gone) = (!dead_dir.exists(), !dead_file.exists());
        let (own_kept, unrelated_kept) = (own_dir.join("0.ipc").exists(), unrelated.exists());
        let _ = std::fs::remove_dir_all(&temp);
        assert!(dead_dir_gone, "dead process's directory survived");
        assert!(dead_file_gone, "dead process's flat file survived");
        assert!(own_kept, "this process's directory was removed");
        assert!(unrelated_kept, "an unrelated file was removed");
    }

    #[test]
    fn ipc_endpoints_live_in_the_process_directory() {
        let endpoint = Transport::Ipc.endpoint();
        let path = Path::new(endpoint.strip_prefix("ipc://").unwrap());
        let dir = std::env::temp_dir().join(format!("{IPC_PREFIX}{}", std::process::id()));
        assert_eq!(path.parent(), Some(dir.as_path()));
        assert!(dir.is_dir());
        sweep_dead_ipc_dirs(&std::env::temp_dir(), IPC_PREFIX);
        assert!(dir.is_dir(), "the sweep removed this process's directory");
    }
}
