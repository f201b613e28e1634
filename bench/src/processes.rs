//! DEALER↔ROUTER round trips between two processes, as real peers are:
//! this process runs the client, a child process of this program the
//! echoing server.
//!
//! The in-process round trip (`latency.rs`) keeps both peers in one
//! process, so they share its reactors: under smol both peers' waits go
//! through async-io's one reactor per process, and a wake-up often takes
//! the detour through async-io's own thread. Here each side has an
//! executor and a reactor of its own, like the native baseline's two
//! processes.

use std::io::Read;
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, Result, anyhow, bail};
use zmq_core::{Socket, SocketType};

use crate::runtimes::{RUNTIMES, RuntimeSpec, peer};

/// The echoing child of one measurement, killed and reaped if the
/// measurement ends early.
struct EchoChild(Child);

impl EchoChild {
    /// Runs this program again as `--child echo-native ENDPOINT TRIPS` or
    /// `--child echo-ours RUNTIME ENDPOINT TRIPS [tuning...]`.
    fn spawn(
        ours: Option<(&RuntimeSpec, &crate::Tuning)>,
        endpoint: &str,
        trips: usize,
    ) -> Result<EchoChild> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg("--child");
        match ours {
            None => command.args(["echo-native", endpoint, &trips.to_string()]),
            Some((runtime, tune)) => command
                .args(["echo-ours", runtime.name, endpoint, &trips.to_string()])
                .args(tune.to_args()),
        };
        // The child exits when its standard input closes: if this process
        // dies (the bench's watchdog gives up), its child does not linger.
        command.stdin(Stdio::piped()).stdout(Stdio::null());
        Ok(EchoChild(
            command.spawn().context("cannot start the echo child")?,
        ))
    }

    /// Waits for the child, which has echoed every trip.
    fn finish(mut self) -> Result<()> {
        let status = self.0.wait()?;
        if !status.success() {
            bail!("the echo child failed: {status}");
        }
        Ok(())
    }
}

impl Drop for EchoChild {
    fn drop(&mut self) {
        // Both fail harmlessly once `finish` has reaped the child.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Native: a blocking DEALER here, a blocking ROUTER in the child.
pub(crate) fn native_round_trips(size: usize, warmup: usize, count: usize) -> Result<Vec<f64>> {
    let context = zmq::Context::new();
    let dealer = context.socket(zmq::DEALER)?;
    dealer.bind("tcp://127.0.0.1:*")?;
    let total = warmup + count;
    let child = EchoChild::spawn(None, &crate::native::last_endpoint(&dealer)?, total)?;
    let samples = crate::native::timed_trips(&dealer, size, warmup, count)?;
    child.finish()?;
    Ok(samples)
}

/// Ours: a DEALER on `runtime` here, a ROUTER on the same kind of
/// executor in the child (its one peer, see [`RuntimeSpec::run_one`]).
pub(crate) fn round_trips(
    runtime: &'static RuntimeSpec,
    size: usize,
    warmup: usize,
    count: usize,
    tune: &crate::Tuning,
) -> Result<Vec<f64>> {
    let tune = tune.clone();
    runtime.run_one(move || {
        let dealer = Socket::new(SocketType::DEALER)?;
        tune.apply(&dealer)?;
        let endpoint = dealer.bind("tcp://127.0.0.1:*")?;
        let total = warmup + count;
        let child = EchoChild::spawn(Some((runtime, &tune)), &endpoint, total)?;
        Ok(peer(move |_| async move {
            let samples = crate::latency::timed_trips(&dealer, size, warmup, count).await?;
            child.finish()?;
            Ok(samples)
        }))
    })
}

/// The child's side: `args` are what [`EchoChild::spawn`] passed after
/// `echo-native` or `echo-ours`; echoes the given number of trips, then
/// waits for the parent to close its standard input.
///
/// The child exits only then, and on that signal alone: it must not end
/// while the parent still waits for replies, and the global context of
/// `zmq-core` is never terminated, so a reply still queued in its I/O
/// thread when the process exits would be lost.
pub(crate) fn echo_child(ours: bool, args: &[String]) -> Result<()> {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read(&mut [0u8; 1]);
        std::process::exit(0);
    });
    echo(ours, args)?;
    loop {
        std::thread::park();
    }
}

fn echo(ours: bool, args: &[String]) -> Result<()> {
    if !ours {
        let [endpoint, trips] = args else {
            bail!("echo-native needs an endpoint and a trip count");
        };
        let context = zmq::Context::new();
        let router = context.socket(zmq::ROUTER)?;
        router.connect(endpoint)?;
        return crate::native::echo(&router, trips.parse()?);
    }
    let [name, endpoint, trips, tuning @ ..] = args else {
        bail!("echo-ours needs a runtime, an endpoint and a trip count");
    };
    let runtime = RUNTIMES
        .iter()
        .find(|runtime| runtime.name == name)
        .ok_or_else(|| anyhow!("no runtime {name}"))?;
    let trips: usize = trips.parse()?;
    let tune = crate::parse_args(tuning)?
        .context("no configuration")?
        .tuning;
    let endpoint = endpoint.clone();
    runtime.run_one(move || {
        let router = Socket::new(SocketType::ROUTER)?;
        tune.apply(&router)?;
        router.connect(&endpoint)?;
        Ok(peer(move |_| async move {
            crate::latency::echo(&router, trips).await?;
            Ok(Vec::new())
        }))
    })?;
    Ok(())
}
