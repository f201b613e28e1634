//! The socket monitor, under every executor: typed events in order, the
//! stream's end on disable and close, and sockets that cannot be monitored.

use std::time::Duration;

use zmq_core::{
    Context, Error, EventMask, MonitorEvent, MonitorEvents, Socket, SocketEvent, SocketType,
};
use zmq_test_support::{Transport, WAIT, sleep, timeout, within};

/// The next event, bounded in time.
async fn next_event(
    events: &mut MonitorEvents,
) -> Result<SocketEvent, Box<dyn std::error::Error + Send + Sync>> {
    match within(WAIT, "monitor event", events.next()).await? {
        Some(event) => Ok(event?),
        None => Err("the monitor stream ended".into()),
    }
}

/// Binds `endpoint`, retrying while the port of a just-closed socket is
/// still held by libzmq's I/O thread.
async fn bind_retrying(socket: &Socket, endpoint: &str) -> Result<String, Error> {
    let mut attempts = 0;
    loop {
        match socket.bind(endpoint) {
            Err(error)
                if error.errno() == Some(zmq_core::zmq::Error::EADDRINUSE.to_raw())
                    && attempts < 100 =>
            {
                attempts += 1;
                sleep(Duration::from_millis(20)).await;
            }
            other => return other,
        }
    }
}

fn mask(events: &[MonitorEvent]) -> EventMask {
    events.iter().copied().collect()
}

zmq_test_support::on_every_executor! {
    async fn accept_and_disconnect_cycles_arrive_in_order(_rt) {
        let server = Socket::new(SocketType::ROUTER)?;
        server.enable_monitor(Some(mask(&[
            MonitorEvent::Accepted,
            MonitorEvent::HandshakeSucceeded,
            MonitorEvent::Disconnected,
        ])))?;
        let endpoint = server.bind("tcp://127.0.0.1:*")?;
        let mut events = server.monitor_events()?;
        for cycle in 0..3 {
            let client = Socket::new(SocketType::DEALER)?;
            client.connect(&endpoint)?;
            let kinds = [
                MonitorEvent::Accepted,
                MonitorEvent::HandshakeSucceeded,
            ];
            for kind in kinds {
                let event = next_event(&mut events).await?;
                assert_eq!(event.event, kind, "cycle {cycle}");
                assert_eq!(event.endpoint, endpoint);
            }
            drop(client);
            let event = next_event(&mut events).await?;
            assert_eq!(event.event, MonitorEvent::Disconnected, "cycle {cycle}");
        }
        Ok(())
    }

    async fn client_sees_connect_disconnect_reconnect(_rt) {
        let first_server = Socket::new(SocketType::ROUTER)?;
        let endpoint = first_server.bind("tcp://127.0.0.1:*")?;
        let client = Socket::new(SocketType::DEALER)?;
        client.set_reconnect_interval(Some(Duration::from_millis(10)))?;
        client.enable_monitor(Some(mask(&[MonitorEvent::HandshakeSucceeded, MonitorEvent::Disconnected])))?;
        let mut events = client.monitor_events()?;
        client.connect(&endpoint)?;
        assert_eq!(next_event(&mut events).await?.event, MonitorEvent::HandshakeSucceeded);

        first_server.close();
        assert_eq!(next_event(&mut events).await?.event, MonitorEvent::Disconnected);

        let second_server = Socket::new(SocketType::ROUTER)?;
        bind_retrying(&second_server, &endpoint).await?;
        let reconnected = next_event(&mut events).await?;
        assert_eq!(reconnected.event, MonitorEvent::HandshakeSucceeded);
        assert_eq!(reconnected.endpoint, endpoint);
        Ok(())
    }

    async fn enable_and_disable_are_idempotent_and_the_stream_ends(_rt) {
        let socket = Socket::new(SocketType::PULL)?;
        socket.disable_monitor();
        assert!(matches!(socket.monitor_events(), Err(Error::MonitorNotEnabled)));
        socket.enable_monitor(Some(MonitorEvent::Listening.into()))?;
        socket.enable_monitor(None)?;
        let mut events = socket.monitor_events()?;
        let endpoint = socket.bind(&Transport::Tcp.endpoint())?;
        socket.disable_monitor();
        socket.disable_monitor();
        // The event produced before the disable still arrives; then the end
        // (MONITOR_STOPPED was not asked for, so it is not reported).
        let listening = next_event(&mut events).await?;
        assert_eq!((listening.event, listening.endpoint), (MonitorEvent::Listening, endpoint));
        assert!(within(WAIT, "end of stream", events.next()).await?.is_none());
        assert!(events.next().await.is_none());

        // A new monitor reports again.
        socket.enable_monitor(None)?;
        let mut again = socket.monitor_events()?;
        socket.bind(&Transport::Ipc.endpoint())?;
        assert_eq!(next_event(&mut again).await?.event, MonitorEvent::Listening);
        Ok(())
    }

    async fn monitor_stopped_is_reported_last_when_asked_for(_rt) {
        let socket = Socket::new(SocketType::PUB)?;
        socket.enable_monitor(None)?;
        let mut events = socket.monitor_events()?;
        socket.disable_monitor();
        assert_eq!(next_event(&mut events).await?.event, MonitorEvent::MonitorStopped);
        assert!(within(WAIT, "end of stream", events.next()).await?.is_none());
        Ok(())
    }

    async fn closing_or_dropping_the_socket_ends_the_monitor_stream(_rt) {
        let socket = Socket::new(SocketType::DEALER)?;
        socket.enable_monitor(Some(MonitorEvent::Connected.into()))?;
        let mut events = socket.monitor_events()?;
        socket.close();
        assert!(!socket.is_monitored());
        assert!(within(WAIT, "end after close", events.next()).await?.is_none());
        assert!(matches!(socket.enable_monitor(None), Err(Error::Closed)));

        let dropped = Socket::new(SocketType::DEALER)?;
        dropped.enable_monitor(None)?;
        let mut events = dropped.monitor_events()?;
        drop(dropped);
        let mut seen = Vec::new();
        while let Some(event) = within(WAIT, "end after drop", events.next()).await? {
            seen.push(event?.event);
        }
        assert_eq!(seen.last(), Some(&MonitorEvent::MonitorStopped));
        Ok(())
    }

    async fn a_dropped_next_future_loses_no_event(_rt) {
        let socket = Socket::new(SocketType::ROUTER)?;
        socket.enable_monitor(Some(MonitorEvent::Listening.into()))?;
        let mut events = socket.monitor_events()?;
        assert!(timeout(Duration::from_millis(20), events.next()).await.is_none());
        let endpoint = socket.bind("tcp://127.0.0.1:*")?;
        let event = next_event(&mut events).await?;
        assert_eq!(event.endpoint, endpoint);
        Ok(())
    }

    async fn sockets_adopted_without_a_context_cannot_be_monitored(_rt) {
        let raw = zmq_core::zmq::Context::new().socket(zmq_core::zmq::DEALER)?;
        let bare = Socket::from_zmq(raw)?;
        assert!(matches!(bare.enable_monitor(None), Err(Error::NoContext { .. })));

        let context = Context::new();
        let adopted = context.adopt(context.as_zmq().socket(zmq_core::zmq::DEALER)?)?;
        adopted.enable_monitor(Some(MonitorEvent::Listening.into()))?;
        let mut events = adopted.monitor_events()?;
        adopted.bind("tcp://127.0.0.1:*")?;
        assert_eq!(next_event(&mut events).await?.event, MonitorEvent::Listening);
        Ok(())
    }
}
