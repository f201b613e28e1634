//! RPC pipeline: aiozmq's `rpc_pipeline.py` example in Rust (tokio).
//!
//! A PULL server offers `remote_func(step, a, b)`, which records that it
//! was called and prints its arguments; a PUSH client notifies it, one
//! step at a time, until the first notification has arrived. Nothing is
//! ever sent back: a notification is done once the socket took it.
//! Then a burst of notifications shows the backpressure: an awaited
//! `notify` waits while the socket is at its high-water mark, and
//! `try_send` fails instead of waiting. A Python
//! `aiozmq.rpc.connect_pipeline` client could notify this server the same
//! way (`await client.notify.remote_func(step, 1, 2)`). Everything is
//! bounded in time and the program exits on its own.
//!
//! Run it with `cargo run --example rpc_pipeline`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Deserialize;
use zmq_rpc::{Handlers, NotifyError, connect_pipeline, serve_pipeline};
use zmq_runtime_tokio::TokioRuntime;

/// `def remote_func(self, step, a: int, b: int)`.
#[derive(Deserialize)]
struct RemoteFunc {
    step: u64,
    a: i64,
    b: i64,
}

#[tokio::main]
async fn main() -> Result<()> {
    match tokio::time::timeout(Duration::from_secs(30), run()).await {
        Ok(outcome) => outcome,
        Err(_) => bail!("the example did not finish within 30 s"),
    }
}

async fn run() -> Result<()> {
    let runtime = Arc::new(TokioRuntime::try_current()?);
    let connected = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));

    let handlers = Handlers::new().method("remote_func", {
        let connected = Arc::clone(&connected);
        let calls = Arc::clone(&calls);
        move |RemoteFunc { step, a, b }| {
            if !connected.swap(true, Ordering::SeqCst) {
                println!("HANDLER {step} {a} {b}");
            }
            calls.fetch_add(1, Ordering::SeqCst);
            // A pipeline method returns nothing: anything else is logged as
            // a warning, since nobody could receive it.
            Ok::<_, Infallible>(())
        }
    });
    let listener = serve_pipeline(handlers)
        .bind("tcp://127.0.0.1:*")
        .start(runtime)?;
    let listener_addr = listener.endpoints()[0].clone();
    println!("SERVE {listener_addr}");

    let notifier = connect_pipeline().connect(&listener_addr).start()?;
    let mut step = 0;
    while !connected.load(Ordering::SeqCst) {
        notifier
            .notify("remote_func")
            .arg(step)
            .arg(1)
            .kwarg("b", 2)
            .await?;
        step += 1;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("connected after {step} notification(s)");

    // A burst: each awaited notify returns once the PUSH socket has taken
    // it, waiting while it is at its high-water mark (SNDHWM); nothing is
    // buffered outside libzmq.
    const BURST: u64 = 10_000;
    let sent_before = calls.load(Ordering::SeqCst);
    for n in 0..BURST {
        notifier.notify("remote_func").arg(n).arg(0).arg(0).await?;
    }
    while calls.load(Ordering::SeqCst) < sent_before + BURST {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("a burst of {BURST} notifications: all handled");

    // try_send never waits: with the server gone there is soon no room.
    listener.close();
    listener.wait_closed().await;
    let mut taken = 0u64;
    loop {
        match notifier
            .notify("remote_func")
            .arg(0)
            .arg(0)
            .arg(0)
            .try_send()
        {
            Ok(()) => taken += 1,
            Err(NotifyError::Full) => break,
            Err(other) => return Err(other.into()),
        }
        if taken > 1_000_000 {
            bail!("the socket never filled up");
        }
    }
    println!("without a server: {taken} notification(s) queued, then try_send says Full");

    notifier.close();
    notifier.wait_closed().await;
    Ok(())
}
