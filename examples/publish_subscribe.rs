//! pyzmq's publish-subscribe example, in Rust: a PUB publishing weather
//! updates by zip code, a SUB filtering one zip code.
//!
//! Subscribers join late (the "slow joiner"): a PUB drops what it sends
//! before the subscription has arrived. The publisher here keeps publishing
//! until the subscriber has what it wants, which is how pub-sub programs
//! cope with it.

use std::time::Duration;

use anyhow::Result;
use zmq_core::{Socket, SocketType};

const WANTED_ZIP: u32 = 10001;
const UPDATES_WANTED: usize = 5;

#[tokio::main]
async fn main() -> Result<()> {
    let publisher = Socket::new(SocketType::PUB)?;
    let endpoint = publisher.bind("tcp://127.0.0.1:*")?;
    let subscriber = Socket::new(SocketType::SUB)?;
    subscriber.connect(&endpoint)?;
    subscriber.subscribe(format!("{WANTED_ZIP} "))?;

    let publish = async {
        let mut tick = 0u32;
        loop {
            let zip = 10000 + tick % 3;
            let temperature = 10 + (tick * 7) % 25;
            publisher
                .send_string(format!("{zip} {temperature}"))
                .await?;
            tick += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        #[allow(unreachable_code)]
        anyhow::Ok(())
    };
    let subscribe = async {
        let mut total = 0u32;
        for _ in 0..UPDATES_WANTED {
            let update = subscriber.recv_string().await?;
            let temperature: u32 = update.split(' ').nth(1).unwrap_or("0").parse()?;
            println!("subscriber: {update}");
            total += temperature;
        }
        println!(
            "average temperature for zip {WANTED_ZIP}: {}",
            total / UPDATES_WANTED as u32
        );
        anyhow::Ok(())
    };
    let done = async {
        tokio::select! {
            published = publish => published,
            subscribed = subscribe => subscribed,
        }
    };
    tokio::time::timeout(Duration::from_secs(30), done).await?
}
