//! DEALER↔ROUTER round trips and RPC calls between two processes, as real
//! peers are: this process runs the client, a child process of this
//! program the echoing or `add`-serving server.
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

/// The serving child of one measurement, killed and reaped if the
/// measurement ends early.
struct PeerChild(Child);

impl PeerChild {
    /// Runs this program again as `--child ARGS...`, followed by the
    /// options of `tune` when the child runs our side.
    fn spawn(args: &[&str], tune: Option<&crate::Tuning>) -> Result<PeerChild> {
        let mut command = Command::new(std::env::current_exe()?);
        command.arg("--child").args(args);
        if let Some(tune) = tune {
            command.args(tune.to_args());
        }
        // The child exits when its standard input closes: if this process
        // dies (the bench's watchdog gives up), its child does not linger.
        command.stdin(Stdio::piped()).stdout(Stdio::null());
        Ok(PeerChild(
            command.spawn().context("cannot start the serving child")?,
        ))
    }

    /// Closes the child's standard input, which ends it, and reaps it.
    fn finish(mut self) -> Result<()> {
        let status = self.0.wait()?;
        if !status.success() {
            bail!("the serving child failed: {status}");
        }
        Ok(())
    }
}

impl Drop for PeerChild {
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
    let total = (warmup + count).to_string();
    let endpoint = crate::native::last_endpoint(&dealer)?;
    let child = PeerChild::spawn(&["echo-native", &endpoint, &total], None)?;
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
        let (dealer, endpoint) = bound_dealer(&tune)?;
        let total = (warmup + count).to_string();
        let args = ["echo-ours", runtime.name, &endpoint, &total];
        let child = PeerChild::spawn(&args, Some(&tune))?;
        Ok(peer(move |_| async move {
            let samples = crate::latency::timed_trips(&dealer, size, warmup, count).await?;
            child.finish()?;
            Ok(samples)
        }))
    })
}

/// One RPC caller's `add(a, b)` calls per second, the server in the child.
pub(crate) fn rpc_calls(
    runtime: &'static RuntimeSpec,
    count: usize,
    tune: &crate::Tuning,
) -> Result<f64> {
    let tune = tune.clone();
    let samples = runtime.run_one(move || {
        let (dealer, endpoint) = bound_dealer(&tune)?;
        let child = PeerChild::spawn(&["add-ours", runtime.name, &endpoint], Some(&tune))?;
        Ok(peer(move |rt| async move {
            let rate = crate::rpc::timed_calls(dealer, rt, 1, count).await?;
            child.finish()?;
            Ok(vec![rate])
        }))
    })?;
    crate::runtimes::single_rate(&samples)
}

/// Our client's DEALER, bound to a loopback port, and its endpoint.
fn bound_dealer(tune: &crate::Tuning) -> Result<(Socket, String)> {
    let dealer = Socket::new(SocketType::DEALER)?;
    tune.apply(&dealer)?;
    let endpoint = dealer.bind("tcp://127.0.0.1:*")?;
    Ok((dealer, endpoint))
}

/// The child's side: `args` are what [`PeerChild::spawn`] passed after
/// `--child`. Serves until the parent closes its standard input.
///
/// The child exits only then, and on that signal alone: it must not end
/// while the parent still waits for replies, and the global context of
/// `zmq-core` is never terminated, so a reply still queued in its I/O
/// thread when the process exits would be lost.
pub(crate) fn serve_child(args: &[String]) -> Result<()> {
    std::thread::spawn(|| {
        let _ = std::io::stdin().read(&mut [0u8; 1]);
        std::process::exit(0);
    });
    serve(args)?;
    loop {
        std::thread::park();
    }
}

fn serve(args: &[String]) -> Result<()> {
    let [kind, rest @ ..] = args else {
        bail!("--child needs what to serve");
    };
    if kind == "echo-native" {
        let [endpoint, trips] = rest else {
            bail!("echo-native needs an endpoint and a trip count");
        };
        let context = zmq::Context::new();
        let router = context.socket(zmq::ROUTER)?;
        router.connect(endpoint)?;
        return crate::native::echo(&router, trips.parse()?);
    }
    let [name, endpoint, rest @ ..] = rest else {
        bail!("{kind} needs a runtime and an endpoint");
    };
    let runtime = RUNTIMES
        .iter()
        .find(|runtime| runtime.name == name)
        .ok_or_else(|| anyhow!("no runtime {name}"))?;
    let (trips, tuning) = match (kind.as_str(), rest) {
        ("echo-ours", [trips, tuning @ ..]) => (Some(trips.parse::<usize>()?), tuning),
        ("add-ours", tuning) => (None, tuning),
        _ => bail!("cannot serve {kind} with {rest:?}"),
    };
    let tune = crate::parse_args(tuning)?
        .context("no configuration")?
        .tuning;
    let endpoint = endpoint.clone();
    runtime.run_one(move || {
        let router = Socket::new(SocketType::ROUTER)?;
        tune.apply(&router)?;
        router.connect(&endpoint)?;
        Ok(peer(move |rt| async move {
            match trips {
                Some(trips) => crate::latency::echo(&router, trips).await?,
                None => {
                    let _server = crate::rpc::serve_add(router, rt)?;
                    // Until the parent closes standard input.
                    std::future::pending::<()>().await;
                }
            }
            Ok(Vec::new())
        }))
    })?;
    Ok(())
}
