//! DEALER-ROUTER on the core level: aiozmq's `core_dealer_router.py`.
//!
//! A ROUTER transport answers every request through its protocol's
//! `msg_received` callback (writing from inside the callback); a DEALER
//! transport sends ten requests and its protocol collects the answers.
//! Both transports run their pumps on the current tokio runtime. The program
//! is bounded in time and exits on its own.
//!
//! Run it with `cargo run --example core_dealer_router`.

use std::time::Duration;

use anyhow::{Context as _, Result};
use tokio::sync::mpsc;
use zmq_runtime_tokio::zmq_core::transport::{CallbackResult, Endpoints, ZmqProtocol};
use zmq_runtime_tokio::{Error, Multipart, SocketType, ZmqTransport, create_zmq_connection};

/// The server: answers `[peer, request...]` with `[peer, request...]`.
#[derive(Default)]
struct Server {
    transport: Option<ZmqTransport>,
}

impl ZmqProtocol for Server {
    fn connection_made(&mut self, transport: &ZmqTransport) {
        self.transport = Some(transport.clone());
    }

    fn msg_received(&mut self, request: Multipart) -> CallbackResult {
        if let Some(transport) = &self.transport {
            transport.write(request)?;
        }
        Ok(())
    }

    fn connection_lost(&mut self, error: Option<Error>) {
        println!("server: connection lost ({error:?})");
        self.transport = None;
    }
}

/// The client: hands every answer to the main task.
struct Client {
    answers: mpsc::UnboundedSender<Multipart>,
    lost: Option<tokio::sync::oneshot::Sender<()>>,
}

impl ZmqProtocol for Client {
    fn msg_received(&mut self, answer: Multipart) -> CallbackResult {
        self.answers.send(answer)?;
        Ok(())
    }

    fn connection_lost(&mut self, error: Option<Error>) {
        println!("client: connection lost ({error:?})");
        if let Some(lost) = self.lost.take() {
            let _ = lost.send(());
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

#[tokio::main]
async fn main() -> Result<()> {
    let (router, _server) = create_zmq_connection(
        Server::default,
        SocketType::ROUTER,
        &Endpoints::new().bind("tcp://127.0.0.1:*"),
        None,
    )?;
    let endpoint = router.bindings().first().cloned().context("no endpoint")?;
    println!("server listening on {endpoint}");

    let (answers_tx, mut answers) = mpsc::unbounded_channel();
    let (lost_tx, lost) = tokio::sync::oneshot::channel();
    let (dealer, _client) = create_zmq_connection(
        move || Client {
            answers: answers_tx,
            lost: Some(lost_tx),
        },
        SocketType::DEALER,
        &Endpoints::new().connect(endpoint),
        None,
    )?;

    let exchange = async {
        for i in 0..10 {
            dealer.write(["data", "ask", &i.to_string()])?;
            let answer = answers.recv().await.context("the client stopped")?;
            println!("client got {:?}", texts(&answer));
            anyhow::ensure!(answer[2] == i.to_string().as_str(), "answers come in order");
        }
        dealer.close();
        lost.await?;
        router.close();
        anyhow::Ok(())
    };
    tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .context("the exchange did not finish within 30 s")??;
    println!("done");
    Ok(())
}
