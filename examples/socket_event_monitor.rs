//! The socket event monitor: aiozmq's `socket_event_monitor.py`.
//!
//! A DEALER transport with its monitor enabled disconnects from and
//! reconnects to a ROUTER four times, sending "Hello" after each reconnect;
//! the monitor's events (typed `SocketEvent`s) reach the client protocol's
//! `event_received` and are printed. The second half shows the same events
//! on a plain `Socket` through `monitor_events()`. Bounded in time; exits on
//! its own.
//!
//! Run it with `cargo run --example socket_event_monitor`.

use std::time::Duration;

use anyhow::{Context as _, Result, ensure};
use tokio::sync::mpsc;
use zmq_runtime_tokio::zmq_core::transport::{CallbackResult, Endpoints, ZmqProtocol};
use zmq_runtime_tokio::zmq_core::{MonitorEvent, SocketEvent};
use zmq_runtime_tokio::{
    Error, Multipart, Socket, SocketType, ZmqTransport, create_zmq_connection,
};

/// Used by both sides: the ROUTER answers "Hello" with "World"; the DEALER
/// reports each "World" and each monitor event.
struct Protocol {
    transport: Option<ZmqTransport>,
    worlds: mpsc::UnboundedSender<()>,
    events: mpsc::UnboundedSender<SocketEvent>,
}

impl ZmqProtocol for Protocol {
    fn connection_made(&mut self, transport: &ZmqTransport) {
        self.transport = Some(transport.clone());
    }

    fn msg_received(&mut self, message: Multipart) -> CallbackResult {
        // A ROUTER prefixes the sender's identity: two frames.
        if message.len() == 2 {
            if message[1] != "Hello" {
                return Err("unexpected request".into());
            }
            if let Some(transport) = &self.transport {
                transport.write([message[0].clone(), "World".into()])?;
            }
        } else {
            if message[0] != "World" {
                return Err("unexpected answer".into());
            }
            self.worlds.send(())?;
        }
        Ok(())
    }

    fn event_received(&mut self, event: SocketEvent) -> CallbackResult {
        println!(
            "event: {:?} value={} endpoint={}",
            event.event, event.value, event.endpoint
        );
        self.events.send(event)?;
        Ok(())
    }

    fn connection_lost(&mut self, _error: Option<Error>) {
        self.transport = None;
    }
}

fn protocol() -> (
    Protocol,
    mpsc::UnboundedReceiver<()>,
    mpsc::UnboundedReceiver<SocketEvent>,
) {
    let (worlds, worlds_rx) = mpsc::unbounded_channel();
    let (events, events_rx) = mpsc::unbounded_channel();
    let protocol = Protocol {
        transport: None,
        worlds,
        events,
    };
    (protocol, worlds_rx, events_rx)
}

async fn transport_monitor() -> Result<()> {
    let (server_protocol, _, _) = protocol();
    let (server, _) = create_zmq_connection(
        move || server_protocol,
        SocketType::ROUTER,
        &Endpoints::new().bind("tcp://127.0.0.1:*"),
        None,
    )?;
    let endpoint = server.bindings().first().cloned().context("no endpoint")?;

    let (client_protocol, mut worlds, mut events) = protocol();
    let (client, _) = create_zmq_connection(
        move || client_protocol,
        SocketType::DEALER,
        &Endpoints::new().connect(&endpoint),
        None,
    )?;
    // Every event: they reach Protocol::event_received.
    client.enable_monitor(None)?;

    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.disconnect(&endpoint)?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.connect(&endpoint)?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.write("Hello")?;
    }
    for _ in 0..4 {
        worlds.recv().await.context("the client stopped")?;
    }
    // Closing the transport tears its monitor down too.
    client.close();
    server.close();

    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event.event);
    }
    ensure!(seen.contains(&MonitorEvent::Connected), "saw {seen:?}");
    let handshakes = seen
        .iter()
        .filter(|event| **event == MonitorEvent::HandshakeSucceeded)
        .count();
    ensure!(
        handshakes >= 4,
        "one handshake per reconnection; saw {seen:?}"
    );
    Ok(())
}

async fn socket_monitor() -> Result<()> {
    let server = Socket::new(SocketType::ROUTER)?;
    server.enable_monitor(Some(
        [
            MonitorEvent::Listening,
            MonitorEvent::Accepted,
            MonitorEvent::HandshakeSucceeded,
        ]
        .into_iter()
        .collect(),
    ))?;
    let mut events = server.monitor_events()?;
    let endpoint = server.bind("tcp://127.0.0.1:*")?;
    let client = Socket::new(SocketType::DEALER)?;
    client.connect(&endpoint)?;
    for expected in [
        MonitorEvent::Listening,
        MonitorEvent::Accepted,
        MonitorEvent::HandshakeSucceeded,
    ] {
        let event = events.next().await.context("the monitor ended")??;
        println!("socket event: {event:?}");
        ensure!(
            event.event == expected,
            "expected {expected:?}, got {event:?}"
        );
    }
    server.disable_monitor();
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    tokio::time::timeout(Duration::from_secs(30), async {
        transport_monitor().await?;
        socket_monitor().await
    })
    .await
    .context("the example did not finish within 30 s")??;
    println!("done");
    Ok(())
}
