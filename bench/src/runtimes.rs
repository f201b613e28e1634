//! The executors our layers are measured under, as one table.
//!
//! Every workload has two peers (sender and receiver, client and server).
//! A [`RuntimeSpec`] decides where they run:
//!
//! - `tokio-mt`: one multi-thread tokio runtime with two workers; the peers
//!   are two tasks on it (tokio decides which worker runs which).
//! - `tokio-ct`: one current-thread tokio runtime *per peer*, each on a
//!   thread of its own, as two single-threaded processes would be (real
//!   peers are separate processes, and the baseline has a thread per peer).
//! - `tokio-ct1`: both peers as tasks on *one* current-thread runtime: a
//!   single-threaded program that talks to itself (only libzmq's I/O
//!   thread runs beside it).
//! - `smol`: one `smol::Executor` per peer, each driven by `smol::block_on`
//!   on a thread of its own (so that thread also drives async-io's
//!   reactor while it would otherwise sleep).
//!
//! - `tokio-mt-fd`, `tokio-ct1-fd`: `tokio-mt` and `tokio-ct1` with the
//!   sockets' readiness from tokio's own reactor (`AsyncFd`, through
//!   `zmq_runtime_tokio::TokioReactor`) instead of async-io's.
//!
//! Background tasks of a peer (a transport's pump, RPC per-call tasks) are
//! spawned through the [`Runtime`] handed to that peer, so they stay on the
//! peer's executor. A workload creates its sockets in a [`Setup`] that the
//! spec runs where the sockets should get their reactor.
//!
//! To measure another executor or readiness variant, add one line to
//! [`RUNTIMES`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::thread;

use anyhow::{Context as _, Result, anyhow};
use zmq_core::reactor::Reactor;
use zmq_core::runtime::Runtime;
use zmq_runtime_smol::SmolRuntime;
use zmq_runtime_tokio::{TokioReactor, TokioRuntime};

/// What a peer returns: the samples it measured (empty for the peer that
/// does not measure).
pub(crate) type Samples = Vec<f64>;

/// A peer's body, started with its executor's [`Runtime`].
pub(crate) type PeerFuture = Pin<Box<dyn Future<Output = Result<Samples>> + Send>>;

/// A peer: builds its future once it knows where it runs.
pub(crate) type Peer = Box<dyn FnOnce(Arc<dyn Runtime>) -> PeerFuture + Send>;

/// Creates a workload's sockets and returns its two peers; run by the
/// [`RuntimeSpec`] inside the executor's context, with its reactor entered.
pub(crate) type Setup = Box<dyn FnOnce() -> Result<(Peer, Peer)> + Send>;

/// Boxes a closure into a [`Setup`].
pub(crate) fn setup<F>(body: F) -> Setup
where
    F: FnOnce() -> Result<(Peer, Peer)> + Send + 'static,
{
    Box::new(body)
}

/// The one rate a measuring peer returned.
pub(crate) fn single_rate(samples: &Samples) -> Result<f64> {
    samples
        .first()
        .copied()
        .context("the measuring peer returned no rate")
}

/// Boxes a closure into a [`Peer`].
pub(crate) fn peer<F, Fut>(body: F) -> Peer
where
    F: FnOnce(Arc<dyn Runtime>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Samples>> + Send + 'static,
{
    Box::new(move |runtime| Box::pin(body(runtime)))
}

/// One executor configuration: a name for the table and how it runs two
/// peers to completion.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuntimeSpec {
    /// The `runtime` column.
    pub(crate) name: &'static str,
    /// Runs the setup, then both peers to completion; their samples.
    pub(crate) run_pair: fn(Setup) -> Result<(Samples, Samples)>,
}

/// Every executor we measure, in table order. One line per variant.
pub(crate) const RUNTIMES: &[RuntimeSpec] = &[
    RuntimeSpec {
        name: "tokio-mt",
        run_pair: tokio_multi_thread,
    },
    RuntimeSpec {
        name: "tokio-ct",
        run_pair: tokio_current_thread_per_peer,
    },
    RuntimeSpec {
        name: "tokio-ct1",
        run_pair: tokio_current_thread_shared,
    },
    RuntimeSpec {
        name: "smol",
        run_pair: smol_executor_per_peer,
    },
    RuntimeSpec {
        name: "tokio-mt-fd",
        run_pair: tokio_multi_thread_asyncfd,
    },
    RuntimeSpec {
        name: "tokio-ct1-fd",
        run_pair: tokio_current_thread_shared_asyncfd,
    },
];

impl RuntimeSpec {
    /// Runs one peer; the other side is something outside the runtime (a
    /// native thread) or nothing at all.
    pub(crate) fn run_one<F>(&self, body: F) -> Result<Samples>
    where
        F: FnOnce() -> Result<Peer> + Send + 'static,
    {
        let (samples, _) = (self.run_pair)(setup(move || {
            Ok((body()?, peer(|_| async { Ok(Vec::new()) })))
        }))?;
        Ok(samples)
    }
}

fn tokio_multi_thread(setup: Setup) -> Result<(Samples, Samples)> {
    both_on_one_tokio_runtime(two_workers(), false, setup)
}

fn tokio_multi_thread_asyncfd(setup: Setup) -> Result<(Samples, Samples)> {
    both_on_one_tokio_runtime(two_workers(), true, setup)
}

fn tokio_current_thread_shared(setup: Setup) -> Result<(Samples, Samples)> {
    both_on_one_tokio_runtime(tokio::runtime::Builder::new_current_thread(), false, setup)
}

fn tokio_current_thread_shared_asyncfd(setup: Setup) -> Result<(Samples, Samples)> {
    both_on_one_tokio_runtime(tokio::runtime::Builder::new_current_thread(), true, setup)
}

fn two_workers() -> tokio::runtime::Builder {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2);
    builder
}

/// Both peers as tasks on one tokio runtime built by `builder`; with
/// `asyncfd`, the sockets made by the setup get tokio's reactor.
fn both_on_one_tokio_runtime(
    mut builder: tokio::runtime::Builder,
    asyncfd: bool,
    setup: Setup,
) -> Result<(Samples, Samples)> {
    let runtime = builder.enable_all().build()?;
    let (a, b) = {
        let _in_runtime = runtime.enter();
        let reactor =
            asyncfd.then(|| Reactor::from(TokioReactor::from_handle(runtime.handle().clone())));
        let _entered = reactor.as_ref().map(Reactor::enter);
        setup()?
    };
    let ours: Arc<dyn Runtime> = Arc::new(TokioRuntime::from_handle(runtime.handle().clone()));
    let outcome = runtime.block_on(async move {
        let a = tokio::spawn(a(Arc::clone(&ours)));
        let b = tokio::spawn(b(ours));
        let a = a.await.context("peer A panicked")?;
        let b = b.await.context("peer B panicked")?;
        Ok::<_, anyhow::Error>((a?, b?))
    });
    runtime.shutdown_background();
    outcome
}

fn tokio_current_thread_per_peer(setup: Setup) -> Result<(Samples, Samples)> {
    // async-io readiness: the sockets can be made on this thread.
    let (a, b) = setup()?;
    fn on_own_thread(body: Peer) -> thread::JoinHandle<Result<Samples>> {
        thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let ours: Arc<dyn Runtime> =
                Arc::new(TokioRuntime::from_handle(runtime.handle().clone()));
            let outcome = runtime.block_on(body(ours));
            runtime.shutdown_background();
            outcome
        })
    }
    join_both(on_own_thread(a), on_own_thread(b))
}

fn smol_executor_per_peer(setup: Setup) -> Result<(Samples, Samples)> {
    let (a, b) = setup()?;
    fn on_own_thread(body: Peer) -> thread::JoinHandle<Result<Samples>> {
        thread::spawn(move || {
            let executor = Arc::new(smol::Executor::new());
            let ours: Arc<dyn Runtime> =
                Arc::new(SmolRuntime::with_executor(Arc::clone(&executor)));
            smol::block_on(executor.run(body(ours)))
        })
    }
    join_both(on_own_thread(a), on_own_thread(b))
}

fn join_both(
    a: thread::JoinHandle<Result<Samples>>,
    b: thread::JoinHandle<Result<Samples>>,
) -> Result<(Samples, Samples)> {
    let a = a.join().map_err(|_| anyhow!("peer A panicked"))?;
    let b = b.join().map_err(|_| anyhow!("peer B panicked"))?;
    Ok((a?, b?))
}
