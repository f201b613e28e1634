//! RPC through `zmq-rpc`: request-reply calls, pipeline notifications, and
//! the memory of calls that time out.

use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow, bail};
use zmq_core::runtime::Runtime;
use zmq_core::{Socket, SocketType};
use zmq_rpc::{
    CallError, Handlers, RpcServer, connect_pipeline, connect_rpc, serve_pipeline, serve_rpc,
};

use crate::runtimes::{RuntimeSpec, peer, setup};

/// Where the servers bind.
const TCP: &str = "tcp://127.0.0.1:*";

/// Untimed calls before the clock starts.
const WARMUP_CALLS: usize = 200;

/// `add(a, b)` calls per second: `callers` tasks share one client, each
/// making its share of `count` calls one after the other (so `callers`
/// calls are in flight at any time).
pub(crate) fn calls(
    runtime: &RuntimeSpec,
    callers: usize,
    count: usize,
    tune: &crate::Tuning,
) -> Result<f64> {
    let tune = tune.clone();
    let (samples, _) = (runtime.run_pair)(setup(move || {
        let (router, dealer) =
            crate::connected_pair(SocketType::ROUTER, SocketType::DEALER, TCP, &tune)?;
        let (stop_tx, stop_rx) = async_channel::bounded::<()>(1);
        let server = peer(move |rt| async move {
            let server = serve_add(router, rt)?;
            // The client closing drops the sender: either way, stop.
            let _ = stop_rx.recv().await;
            server.close();
            server.wait_closed().await;
            Ok(Vec::new())
        });
        let client = peer(move |rt| async move {
            let rate = timed_calls(dealer, rt, callers, count).await?;
            stop_tx.send(()).await?;
            Ok(vec![rate])
        });
        Ok((client, server))
    }))?;
    crate::runtimes::single_rate(&samples)
}

/// The server of the call rows: `add(a, b)` over `router`.
pub(crate) fn serve_add(router: Socket, rt: Arc<dyn Runtime>) -> Result<RpcServer> {
    let handlers = Handlers::new().method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b));
    Ok(serve_rpc(handlers).socket(router).start(rt)?)
}

/// The client of the call rows: [`WARMUP_CALLS`] untimed calls through a
/// client over `dealer`, then `count` timed ones from `callers` tasks; the
/// calls per second. Closes the client.
pub(crate) async fn timed_calls(
    dealer: Socket,
    rt: Arc<dyn Runtime>,
    callers: usize,
    count: usize,
) -> Result<f64> {
    let client = connect_rpc()
        .socket(dealer)
        .timeout(Duration::from_secs(60))
        .start(Arc::clone(&rt))?;
    for n in 0..WARMUP_CALLS as i64 {
        let sum: i64 = client.call("add").arg(n).arg(1).await?;
        if sum != n + 1 {
            bail!("add({n}, 1) returned {sum}");
        }
    }
    let per_caller = count / callers;
    let start = Instant::now();
    if callers == 1 {
        for n in 0..per_caller as i64 {
            let _: i64 = client.call("add").arg(n).arg(1).await?;
        }
    } else {
        let (done_tx, done_rx) = async_channel::bounded::<Result<(), CallError>>(callers);
        for _ in 0..callers {
            let client = client.clone();
            let done_tx = done_tx.clone();
            rt.spawn(Box::pin(async move {
                let mut outcome = Ok(());
                for n in 0..per_caller as i64 {
                    if let Err(error) = client.call::<i64>("add").arg(n).arg(1).await {
                        outcome = Err(error);
                        break;
                    }
                }
                let _ = done_tx.send(outcome).await;
            }));
        }
        for _ in 0..callers {
            done_rx.recv().await??;
        }
    }
    let rate = (per_caller * callers) as f64 / start.elapsed().as_secs_f64();
    client.close();
    Ok(rate)
}

/// What the pipeline server's handler keeps.
struct Received {
    seen: AtomicUsize,
    count: usize,
    start: Mutex<Option<Instant>>,
    done: async_channel::Sender<f64>,
}

impl Received {
    fn hit(&self) {
        let seen = self.seen.fetch_add(1, Ordering::AcqRel) + 1;
        let mut start = self.start.lock().unwrap_or_else(PoisonError::into_inner);
        let start = *start.get_or_insert_with(Instant::now);
        if seen == self.count {
            let rate = (self.count - 1) as f64 / start.elapsed().as_secs_f64();
            let _ = self.done.try_send(rate);
        }
    }
}

/// Pipeline notifications per second, counted by the server's handler from
/// the first to the last.
pub(crate) fn notifications(
    runtime: &RuntimeSpec,
    count: usize,
    tune: &crate::Tuning,
) -> Result<f64> {
    let tune = tune.clone();
    let (_, samples) = (runtime.run_pair)(setup(move || {
        let (pull, push) = crate::connected_pair(SocketType::PULL, SocketType::PUSH, TCP, &tune)?;
        let (stop_tx, stop_rx) = async_channel::bounded::<()>(1);
        let (rate_tx, rate_rx) = async_channel::bounded::<f64>(1);
        let received = Arc::new(Received {
            seen: AtomicUsize::new(0),
            count,
            start: Mutex::new(None),
            done: rate_tx,
        });
        let server = peer(move |rt| async move {
            let handlers = Handlers::new().method("count", move |_n: u64| {
                received.hit();
                Ok::<_, Infallible>(())
            });
            let server = serve_pipeline(handlers).socket(pull).start(rt)?;
            let rate = rate_rx.recv().await?;
            stop_tx.send(()).await?;
            server.close();
            server.wait_closed().await;
            Ok(vec![rate])
        });
        let client = peer(move |_| async move {
            let notifier = connect_pipeline().socket(push).start()?;
            for n in 0..count as u64 {
                notifier.notify("count").arg(n).await?;
            }
            let _ = stop_rx.recv().await;
            notifier.close();
            Ok(Vec::new())
        });
        Ok((client, server))
    }))?;
    crate::runtimes::single_rate(&samples)
}

/// `calls` calls that all time out (the server reads and never answers),
/// `batch` at a time; the resident set size in bytes after each batch.
pub(crate) fn timeout_rss(
    runtime: &RuntimeSpec,
    calls: usize,
    batch: usize,
    limit: Duration,
    tune: &crate::Tuning,
) -> Result<Vec<f64>> {
    // A native ROUTER that swallows every request.
    let context = zmq::Context::new();
    let sink = context.socket(zmq::ROUTER)?;
    sink.bind("tcp://127.0.0.1:*")?;
    sink.set_rcvtimeo(50)?;
    let endpoint = crate::native::last_endpoint(&sink)?;
    let stop = Arc::new(AtomicBool::new(false));
    let stop_sink = Arc::clone(&stop);
    let swallow = thread::spawn(move || {
        while !stop_sink.load(Ordering::Acquire) {
            let _ = sink.recv_multipart(0);
        }
    });
    let tune = tune.clone();
    let outcome = runtime.run_one(move || {
        let dealer = Socket::new(SocketType::DEALER)?;
        tune.apply(&dealer)?;
        dealer.connect(&endpoint)?;
        Ok(peer(move |rt| async move {
            let client = connect_rpc().socket(dealer).timeout(limit).start(rt)?;
            let mut rss = Vec::with_capacity(calls / batch + 1);
            for round in 0..calls / batch {
                let pending = (0..batch).map(|n| {
                    client
                        .call::<i64>("add")
                        .arg((round * batch + n) as i64)
                        .arg(1)
                        .into_future()
                });
                for outcome in futures_util::future::join_all(pending).await {
                    match outcome {
                        Err(CallError::Timeout(_)) => {}
                        other => bail!("a call did not time out: {other:?}"),
                    }
                }
                rss.push(crate::resident_bytes()? as f64);
            }
            client.close();
            Ok(rss)
        }))
    });
    stop.store(true, Ordering::Release);
    swallow.join().map_err(|_| anyhow!("sink panicked"))?;
    outcome
}
