//! DEALER-ROUTER with streams: aiozmq's `stream_dealer_router.py`.
//!
//! A ROUTER stream echoes what a DEALER stream asks, ten times, with
//! `read().await` and a `write()` that never waits. The program is bounded in
//! time and exits on its own.
//!
//! Run it with `cargo run --example stream_dealer_router`.

use std::time::Duration;

use anyhow::{Context as _, Result};
use zmq_runtime_tokio::zmq_core::transport::Endpoints;
use zmq_runtime_tokio::zmq_stream::StreamOptions;
use zmq_runtime_tokio::{Multipart, SocketType, create_zmq_stream};

/// The frames as text, for printing.
fn texts(message: &Multipart) -> Vec<&str> {
    message
        .iter()
        .map(|frame| frame.as_str().unwrap_or("<binary>"))
        .collect()
}

#[tokio::main]
async fn main() -> Result<()> {
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
    let dealer = create_zmq_stream(
        SocketType::DEALER,
        &Endpoints::new().connect(endpoint),
        None,
        StreamOptions::default(),
    )?;

    let exchange = async {
        for i in 0..10 {
            dealer.write(["data", "ask", &i.to_string()])?;
            let request = router.read().await?; // [peer id, "data", "ask", i]
            router.write(request)?;
            let answer = dealer.read().await?;
            println!("{:?}", texts(&answer));
        }
        router.close();
        dealer.close();
        anyhow::Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .context("the exchange did not finish within 30 s")??;
    Ok(())
}
