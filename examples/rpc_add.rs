//! RPC: an aiozmq.rpc-compatible server and client in one tokio program.
//!
//! The server (ROUTER) offers `add(a, b=0)`, a `math` namespace with a
//! `divide` that raises Python's `ValueError`, and an async `slow` method;
//! the client (DEALER) calls them with positional and keyword arguments,
//! gets a remote error back as a Rust value, and runs into its own
//! timeout. A Python `aiozmq.rpc.connect_rpc` client could call this
//! server the same way (`await client.call.add(1, b=2)`). Everything is
//! bounded in time and the program exits on its own.
//!
//! Run it with `cargo run --example rpc_add`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Deserialize;
use zmq_rpc::{BuiltinError, CallError, Handlers, connect_rpc, serve_rpc};
use zmq_runtime_tokio::TokioRuntime;

/// `def add(a, b=0)`: positional or keyword, `b` optional.
#[derive(Deserialize)]
struct Add {
    a: i64,
    #[serde(default)]
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

    let handlers = Handlers::new()
        .method("add", |Add { a, b }| Ok::<_, Infallible>(a + b))
        .async_method("slow", |millis: u64| async move {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            Ok::<_, Infallible>("done")
        })
        .namespace(
            "math",
            Handlers::new().method("divide", |(a, b): (f64, f64)| {
                if b == 0.0 {
                    return Err(BuiltinError::value_error("division by zero"));
                }
                Ok(a / b)
            }),
        );
    let server = serve_rpc(handlers)
        .bind("tcp://127.0.0.1:*")
        .timeout(Duration::from_secs(5))
        .start(runtime.clone())?;
    let endpoint = server.endpoints()[0].clone();
    println!("RPC server listening on {endpoint}");

    let client = connect_rpc()
        .connect(&endpoint)
        .timeout(Duration::from_secs(5))
        .start(runtime)?;

    // aiozmq: await client.call.add(1, 2) / add(1, b=41) / add(a=5)
    let three: i64 = client.call("add").arg(1).arg(2).await?;
    let forty_two: i64 = client.call("add").arg(1).kwarg("b", 41).await?;
    let five: i64 = client.call("add").kwarg("a", 5).await?;
    println!("add(1, 2) = {three}, add(1, b=41) = {forty_two}, add(a=5) = {five}");

    let half: f64 = client.call("math.divide").arg(1.0).arg(2.0).await?;
    println!("math.divide(1, 2) = {half}");

    // The remote ValueError comes back as a BuiltinError.
    match client.call::<f64>("math.divide").arg(1.0).arg(0.0).await {
        Err(CallError::Remote(remote)) => println!(
            "math.divide(1, 0) raised {} ({})",
            remote.exc_type(),
            remote.repr()
        ),
        other => bail!("expected a remote ValueError, got {other:?}"),
    }

    // Many calls in flight over one socket.
    let calls: Vec<_> = (0..10)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { client.call::<i64>("add").arg(i).arg(i).await })
        })
        .collect();
    let mut total = 0;
    for call in calls {
        total += call.await??;
    }
    println!("ten concurrent calls summed to {total}");

    // A client-side timeout; the late reply is dropped when it arrives.
    let impatient = client.with_timeout(Duration::from_millis(50));
    match impatient.call::<String>("slow").arg(500).await {
        Err(CallError::Timeout(limit)) => println!("slow(500) timed out after {limit:?}"),
        other => bail!("expected a timeout, got {other:?}"),
    }

    client.close();
    server.close();
    server.wait_closed().await;
    println!("closed");
    Ok(())
}
