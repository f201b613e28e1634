//! The stream event monitor: aiozmq's `stream_monitor.py`, under smol.
//!
//! A DEALER stream with its monitor enabled connects to a ROUTER stream; a
//! task prints the DEALER's socket events from `read_event()` until the
//! stream is closed, while the main task exchanges ten messages. Bounded in
//! time; exits on its own.
//!
//! Run it with `cargo run --example stream_monitor`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result};
use zmq_runtime_smol::zmq_core::transport::Endpoints;
use zmq_runtime_smol::zmq_stream::{StreamError, StreamOptions, ZmqStream};
use zmq_runtime_smol::{Multipart, SocketType, create_zmq_stream};

/// Prints every event until the stream is closed; returns how many.
async fn monitor_stream(stream: Arc<ZmqStream>) -> usize {
    let mut count = 0;
    loop {
        match stream.read_event().await {
            Ok(event) => {
                println!(
                    "event: {:?} value={} endpoint={}",
                    event.event, event.value, event.endpoint
                );
                count += 1;
            }
            Err(StreamError::Closed) => return count,
            Err(error) => {
                println!("monitor error: {error}");
                return count;
            }
        }
    }
}

/// The frames as text, for printing.
fn texts(message: &Multipart) -> Vec<&str> {
    message
        .iter()
        .map(|frame| frame.as_str().unwrap_or("<binary>"))
        .collect()
}

async fn go() -> Result<()> {
    let router = create_zmq_stream(
        SocketType::ROUTER,
        &Endpoints::new().bind("tcp://127.0.0.1:*"),
        None,
        StreamOptions::default(),
    )?;
    let endpoint = router
        .transport()
        .bindings()
        .first()
        .cloned()
        .context("no endpoint")?;

    let dealer = Arc::new(create_zmq_stream(
        SocketType::DEALER,
        &Endpoints::new(),
        None,
        StreamOptions::default(),
    )?);
    dealer.transport().enable_monitor(None)?;
    let monitor = smol::spawn(monitor_stream(Arc::clone(&dealer)));
    dealer.transport().connect(&endpoint)?;

    for i in 0..10 {
        dealer.write(["data", "ask", &i.to_string()])?;
        let request = router.read().await?;
        router.write(request)?;
        let answer = dealer.read().await?;
        println!("{:?}", texts(&answer));
    }
    router.close();
    dealer.close();
    let events = monitor.await;
    println!("{events} events");
    anyhow::ensure!(events > 0, "the monitor saw no event");
    Ok(())
}

fn main() -> Result<()> {
    smol::block_on(async {
        smol::future::or(go(), async {
            smol::Timer::after(Duration::from_secs(30)).await;
            anyhow::bail!("the example did not finish within 30 s")
        })
        .await
    })
}
