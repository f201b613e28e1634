//! Quickstart: an async ZeroMQ service and its clients in one tokio program.
//!
//! A ROUTER server answers requests from several DEALER clients over tcp.
//! The server reads in one task and writes in another, sharing one socket;
//! each client sends all its requests before reading the replies, the way
//! pipelined clients do. Everything is bounded in time and the program
//! exits on its own.
//!
//! Run it with `cargo run --example quickstart`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use zmq_core::{Multipart, Socket, SocketType};

const CLIENTS: usize = 3;
const REQUESTS_PER_CLIENT: usize = 5;

#[tokio::main]
async fn main() -> Result<()> {
    let server = Arc::new(Socket::new(SocketType::ROUTER)?);
    let endpoint = server.bind("tcp://127.0.0.1:*")?;
    println!("server listening on {endpoint}");

    let total = CLIENTS * REQUESTS_PER_CLIENT;
    let (to_writer, mut replies) = tokio::sync::mpsc::channel::<Multipart>(16);

    // The server's reader: [client id, request] in, work handed to the writer.
    let reader = tokio::spawn({
        let server = Arc::clone(&server);
        async move {
            for _ in 0..total {
                let mut request = server.recv().await?;
                let body = request.pop_back().context("empty request")?;
                let text = body.as_str().context("request is not UTF-8")?;
                request.push_back(text.to_uppercase());
                to_writer.send(request).await?;
            }
            anyhow::Ok(())
        }
    });
    // The server's writer: replies go back to the client whose id leads.
    let writer = tokio::spawn({
        let server = Arc::clone(&server);
        async move {
            while let Some(reply) = replies.recv().await {
                server.send(reply).await?;
            }
            anyhow::Ok(())
        }
    });

    let mut clients = Vec::new();
    for client_number in 0..CLIENTS {
        let endpoint = endpoint.clone();
        clients.push(tokio::spawn(async move {
            let client = Socket::new(SocketType::DEALER)?;
            client.set_routing_id(format!("client-{client_number}"))?;
            client.connect(&endpoint)?;
            for request in 0..REQUESTS_PER_CLIENT {
                client
                    .send(format!("hello {request} from client {client_number}"))
                    .await?;
            }
            for _ in 0..REQUESTS_PER_CLIENT {
                let reply = client.recv().await?;
                println!(
                    "client {client_number} got {:?}",
                    reply[0].as_str().unwrap_or("?")
                );
            }
            anyhow::Ok(())
        }));
    }

    let everything = async {
        for client in clients {
            client.await??;
        }
        reader.await??;
        writer.await??;
        anyhow::Ok(())
    };
    match tokio::time::timeout(Duration::from_secs(30), everything).await {
        Ok(outcome) => outcome?,
        Err(_) => bail!("the exchange did not finish within 30 s"),
    }
    println!("{total} requests answered");
    Ok(())
}
