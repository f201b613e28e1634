//! tokio with native readiness: sockets and RPC services whose `ZMQ_FD`s
//! are watched by tokio's own reactor (`AsyncFd`), so the program runs no
//! extra reactor thread.
//!
//! A PUSH/PULL pair made with `zmq_runtime_tokio::socket`, then an RPC
//! server and client, a pipeline and a pub-sub service, each started on the
//! current tokio runtime in one call with `start_on_tokio()`. Bounded in
//! time; the program exits on its own.
//!
//! Run it with `cargo run --example tokio_native_rpc`.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use zmq_runtime_tokio::SocketType;
use zmq_runtime_tokio::rpc::{
    Handlers, StartOnTokio, connect_pipeline, connect_pubsub, connect_rpc, serve_pipeline,
    serve_pubsub, serve_rpc,
};

#[tokio::main]
async fn main() -> Result<()> {
    match tokio::time::timeout(Duration::from_secs(30), run()).await {
        Ok(outcome) => outcome,
        Err(_) => bail!("the example did not finish within 30 s"),
    }
}

async fn run() -> Result<()> {
    // Plain sockets with native readiness.
    let pull = zmq_runtime_tokio::socket(SocketType::PULL)?;
    let endpoint = pull.bind("tcp://127.0.0.1:*")?;
    let push = zmq_runtime_tokio::socket(SocketType::PUSH)?;
    push.connect(&endpoint)?;
    push.send(["hello", "tokio"]).await?;
    let message = pull.recv().await?;
    println!(
        "PUSH -> PULL: {:?} {:?}",
        message[0].as_str(),
        message[1].as_str()
    );

    // Request-reply.
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
        .start_on_tokio()?;
    let client = connect_rpc()
        .connect(&server.endpoints()[0])
        .timeout(Duration::from_secs(5))
        .start_on_tokio()?;
    let sum: i64 = client.call("add").arg(40).arg(2).await?;
    println!("add(40, 2) = {sum}");

    // Pipeline: fire-and-forget notifications.
    let sink = serve_pipeline(handlers())
        .bind("tcp://127.0.0.1:*")
        .start_on_tokio()?;
    let notifier = connect_pipeline()
        .connect(&sink.endpoints()[0])
        .start_on_tokio()?;
    for n in 1..=3 {
        notifier.notify("count").arg(n).await?;
    }
    while total.load(Ordering::SeqCst) != 6 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("pipeline: counted to {}", total.load(Ordering::SeqCst));

    // Pub-sub: publish until the subscription has reached the publisher.
    let subscriber = serve_pubsub(handlers())
        .bind("tcp://127.0.0.1:*")
        .subscribe("news")
        .start_on_tokio()?;
    let publisher = connect_pubsub()
        .connect(&subscriber.endpoints()[0])
        .start_on_tokio()?;
    while total.load(Ordering::SeqCst) == 6 {
        publisher.publish("news").notify("count").arg(1).await?;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!("pub-sub: the subscriber got a notification");

    client.close();
    notifier.close();
    publisher.close();
    sink.close();
    subscriber.close();
    server.close();
    server.wait_closed().await;
    println!("closed");
    Ok(())
}
