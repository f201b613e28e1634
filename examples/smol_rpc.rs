//! smol: an RPC server and client, and a pipeline, each started on smol's
//! global executor in one call with `start_on_smol()`. Bounded in time;
//! the program exits on its own.
//!
//! Run it with `cargo run --example smol_rpc`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use zmq_runtime_smol::rpc::{
    Handlers, StartOnSmol, connect_pipeline, connect_rpc, serve_pipeline, serve_rpc,
};

fn main() -> Result<()> {
    smol::block_on(async {
        let limit = async {
            smol::Timer::after(Duration::from_secs(30)).await;
            bail!("the example did not finish within 30 s")
        };
        smol::future::or(run(), limit).await
    })
}

async fn run() -> Result<()> {
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

    let server = serve_rpc(handlers())
        .bind("tcp://127.0.0.1:*")
        .start_on_smol()?;
    let client = connect_rpc()
        .connect(&server.endpoints()[0])
        .timeout(Duration::from_secs(5))
        .start_on_smol()?;
    let sum: i64 = client.call("add").arg(40).arg(2).await?;
    println!("add(40, 2) = {sum}");

    let sink = serve_pipeline(handlers())
        .bind("tcp://127.0.0.1:*")
        .start_on_smol()?;
    let notifier = connect_pipeline()
        .connect(&sink.endpoints()[0])
        .start_on_smol()?;
    for n in 1..=3 {
        notifier.notify("count").arg(n).await?;
    }
    while total.load(Ordering::SeqCst) != 6 {
        smol::Timer::after(Duration::from_millis(5)).await;
    }
    println!("pipeline: counted to {}", total.load(Ordering::SeqCst));

    client.close();
    notifier.close();
    sink.close();
    server.close();
    server.wait_closed().await;
    println!("closed");
    Ok(())
}
