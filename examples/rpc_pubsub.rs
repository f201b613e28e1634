//! RPC pub-sub: aiozmq's `rpc_pubsub.py` example in Rust (smol).
//!
//! A SUB server subscribes to the topic `"topic"` and offers
//! `remote_func(step, a, b)`; a PUB client publishes to it. A subscription
//! takes a moment to reach the publisher, and libzmq drops what is
//! published before it arrives (the **slow joiner**), so the client first
//! publishes until one notification has arrived (the handshake the seeds
//! use), then publishes for real. Topics filter by prefix: `"topic.sub"`
//! arrives, `"other"` does not; the handler never sees the topic. The
//! server then subscribes to `"other"` at runtime. A Python
//! `aiozmq.rpc.connect_pubsub` client could publish to this server the
//! same way (`await client.publish("topic").remote_func(step, 1, 2)`).
//! Everything is bounded in time and the program exits on its own.
//!
//! Run it with `cargo run --example rpc_pubsub`.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Result, bail};
use serde::Deserialize;
use zmq_rpc::{Handlers, PubSubClient, connect_pubsub, serve_pubsub};
use zmq_runtime_smol::SmolRuntime;

/// `def remote_func(self, step, a: int, b: int)`.
#[derive(Deserialize)]
struct RemoteFunc {
    step: i64,
    a: i64,
    b: i64,
}

fn main() -> Result<()> {
    smol::block_on(async {
        let deadline = async {
            smol::Timer::after(Duration::from_secs(30)).await;
            bail!("the example did not finish within 30 s")
        };
        futures_lite::future::or(run(), deadline).await
    })
}

/// What the handler saw, in order.
type Seen = Arc<Mutex<Vec<i64>>>;

async fn run() -> Result<()> {
    let seen: Seen = Arc::default();
    let handlers = Handlers::new().method("remote_func", {
        let seen = Arc::clone(&seen);
        move |RemoteFunc { step, a, b }| {
            println!("HANDLER {step} {a} {b}");
            seen.lock().unwrap().push(step);
            Ok::<_, Infallible>(())
        }
    });
    let subscriber = serve_pubsub(handlers)
        .subscribe("topic")
        .bind("tcp://127.0.0.1:*")
        .log_exceptions(true)
        .start(Arc::new(SmolRuntime::global()))?;
    let subscriber_addr = subscriber.endpoints()[0].clone();
    println!("SERVE {subscriber_addr}");

    let publisher = connect_pubsub().connect(&subscriber_addr).start()?;

    // The handshake: publish (step -1) until the first one arrives.
    let mut probes = 0;
    while seen.lock().unwrap().is_empty() {
        publisher
            .publish("topic")
            .notify("remote_func")
            .arg(-1)
            .arg(1)
            .arg(2)
            .await?;
        probes += 1;
        smol::Timer::after(Duration::from_millis(10)).await;
    }
    // Probes still in flight arrive within a moment.
    smol::Timer::after(Duration::from_millis(100)).await;
    seen.lock().unwrap().clear();
    println!("subscribed after {probes} probe(s)");

    for step in 0..3 {
        println!("PUBLISH {step}");
        // "topic.sub" starts with "topic": delivered. "other": filtered.
        publisher
            .publish("topic.sub")
            .notify("remote_func")
            .arg(step)
            .arg(1)
            .kwarg("b", 2)
            .await?;
        publisher
            .publish("other")
            .notify("remote_func")
            .arg(100 + step)
            .arg(1)
            .arg(2)
            .await?;
    }
    wait_for(&seen, 3).await?;
    if *seen.lock().unwrap() != [0, 1, 2] {
        bail!(
            "expected steps 0, 1, 2; the handler saw {:?}",
            seen.lock().unwrap()
        );
    }

    // Subscribe at runtime; the new subscription is a slow joiner too.
    subscriber.subscribe("other")?;
    let topics: Vec<String> = subscriber
        .subscriptions()
        .iter()
        .map(|topic| String::from_utf8_lossy(topic).into_owned())
        .collect();
    println!("subscriptions: {topics:?}");
    seen.lock().unwrap().clear();
    handshake_again(&publisher, &seen).await?;
    println!("\"other\" arrives too now");

    publisher.close();
    subscriber.close();
    subscriber.wait_closed().await;
    Ok(())
}

async fn wait_for(seen: &Seen, count: usize) -> Result<()> {
    for _ in 0..500 {
        if seen.lock().unwrap().len() >= count {
            return Ok(());
        }
        smol::Timer::after(Duration::from_millis(10)).await;
    }
    bail!("only {:?} arrived", seen.lock().unwrap())
}

async fn handshake_again(publisher: &PubSubClient, seen: &Seen) -> Result<()> {
    while seen.lock().unwrap().is_empty() {
        publisher
            .publish("other")
            .notify("remote_func")
            .arg(200)
            .arg(1)
            .arg(2)
            .await?;
        smol::Timer::after(Duration::from_millis(10)).await;
    }
    Ok(())
}
