//! `ZmqStream` under every executor: round trips, read and write water
//! marks, drain, the event backlog, monitor cycles, closing, and the
//! `futures` traits.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use zmq_core::transport::Endpoints;
use zmq_core::{MonitorEvent, Multipart, Socket, SocketType};
use zmq_stream::{StreamError, StreamOptions, ZmqStream, create_zmq_stream};
use zmq_test_support::{Rt, Transport, WAIT, sleep, timeout, within};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn stream(
    rt: Rt,
    socket_type: SocketType,
    endpoints: Endpoints,
    options: StreamOptions,
) -> Result<ZmqStream, StreamError> {
    create_zmq_stream(socket_type, &endpoints, None, options, rt.runtime())
}

fn endpoint_of(stream: &ZmqStream) -> String {
    stream
        .transport()
        .bindings()
        .into_iter()
        .next()
        .expect("a bound endpoint")
}

/// Waits (bounded) until `condition` holds.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) -> Result<(), BoxError> {
    within(WAIT, what, async {
        while !condition() {
            sleep(Duration::from_millis(2)).await;
        }
    })
    .await?;
    Ok(())
}

/// Binds `endpoint`, retrying while a just-closed socket still holds it.
async fn bind_retrying(socket: &Socket, endpoint: &str) -> Result<(), BoxError> {
    for _ in 0..100 {
        match socket.bind(endpoint) {
            Ok(_) => return Ok(()),
            Err(error) if error.errno() == Some(zmq_core::zmq::Error::EADDRINUSE.to_raw()) => {
                sleep(Duration::from_millis(20)).await;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(format!("{endpoint} stayed in use").into())
}

zmq_test_support::on_every_executor! {
    async fn dealer_and_router_streams_exchange_messages(rt) {
        let router = stream(rt, SocketType::ROUTER, Endpoints::new().bind(Transport::Tcp.endpoint()), StreamOptions::default())?;
        let dealer = stream(rt, SocketType::DEALER, Endpoints::new().connect(endpoint_of(&router)), StreamOptions::default())?;
        for round in 0..50 {
            dealer.write(["request", &format!("{round}")])?;
            let mut request = within(WAIT, "request", router.read()).await??;
            assert_eq!(request.len(), 3);
            request.pop_back();
            request.push_back(format!("reply {round}"));
            router.write(request)?;
            let reply = within(WAIT, "reply", dealer.read()).await??;
            assert_eq!(reply[1], format!("reply {round}").as_str());
        }
        Ok(())
    }

    async fn read_watermarks_pause_and_resume_the_transport_exactly_at_the_thresholds(rt) {
        // Bytes: 30 per message; over 100 pauses (at the 4th, 120 bytes),
        // at or below 30 resumes (after 3 reads).
        let reader = stream(rt, SocketType::PULL, Endpoints::new().bind(Transport::Inproc.endpoint()),
            StreamOptions::default().read_limits(Some(100), Some(30)))?;
        assert_eq!(reader.read_buffer_limits(), (100, 30));
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&endpoint_of(&reader))?;
        for sequence in 0..10u8 {
            push.send(vec![sequence; 30]).await?;
        }
        eventually("four messages buffered", || reader.read_buffer_size() == 120).await?;
        assert!(reader.transport().is_reading_paused());
        sleep(Duration::from_millis(100)).await;
        assert_eq!(reader.read_buffer_size(), 120, "no more is read while paused");

        for (sequence, left) in [(0u8, 90), (1, 60)] {
            let message = within(WAIT, "read", reader.read()).await??;
            assert_eq!(message[0][0], sequence);
            assert_eq!(reader.read_buffer_size(), left);
            assert!(reader.transport().is_reading_paused(), "{left} bytes > low");
        }
        within(WAIT, "read", reader.read()).await??;
        // 30 bytes == low: reading resumes. The pump may fill the buffer and
        // pause again at once, so the proof is that more arrives, not the
        // flag (checking the flag raced the pump).
        eventually("reading resumed at the low-water mark", || reader.read_buffer_size() > 30).await?;
        for sequence in 3..10u8 {
            assert_eq!(within(WAIT, "read", reader.read()).await??[0][0], sequence);
        }
        Ok(())
    }

    async fn drain_waits_while_paused_and_is_released_by_resume(rt) {
        // A DEALER without a peer buffers everything.
        let writer = stream(rt, SocketType::DEALER, Endpoints::new(), StreamOptions::default().write_limits(Some(10), Some(0)))?;
        within(WAIT, "drain before any write", writer.drain()).await??;
        writer.write(vec![1u8; 10])?;
        within(WAIT, "drain at exactly high", writer.drain()).await??;
        writer.write(vec![2u8; 1])?;
        assert!(timeout(Duration::from_millis(100), writer.drain()).await.is_none(), "paused: drain waits");

        let peer = Socket::new(SocketType::DEALER)?;
        let endpoint = peer.bind(&Transport::Inproc.endpoint())?;
        let connect_later = async {
            sleep(Duration::from_millis(50)).await;
            writer.transport().connect(&endpoint)
        };
        let (drained, connected) = futures_lite::future::zip(within(WAIT, "drain", writer.drain()), connect_later).await;
        connected?;
        drained??;
        assert_eq!(within(WAIT, "first", peer.recv()).await??[0].len(), 10);
        assert_eq!(within(WAIT, "second", peer.recv()).await??[0].len(), 1);
        Ok(())
    }

    async fn drain_is_released_by_close_and_by_abort(rt) {
        // close(): the flush finishes once a peer appears; drain returns Ok.
        let writer = stream(rt, SocketType::DEALER, Endpoints::new(), StreamOptions::default().write_limits(Some(0), None))?;
        writer.write("x")?;
        let peer = Socket::new(SocketType::DEALER)?;
        let endpoint = peer.bind(&Transport::Inproc.endpoint())?;
        let close_then_connect = async {
            sleep(Duration::from_millis(50)).await;
            writer.close();
            writer.transport().connect(&endpoint)
        };
        let (drained, connected) = futures_lite::future::zip(within(WAIT, "drain", writer.drain()), close_then_connect).await;
        connected?;
        drained??;
        assert_eq!(within(WAIT, "flushed on close", peer.recv()).await??[0], "x");

        // abort(): nothing is flushed; drain returns Ok.
        let aborted = stream(rt, SocketType::DEALER, Endpoints::new(), StreamOptions::default().write_limits(Some(0), None))?;
        aborted.write("y")?;
        let abort_later = async {
            sleep(Duration::from_millis(50)).await;
            aborted.transport().abort();
        };
        let (drained, ()) = futures_lite::future::zip(within(WAIT, "drain", aborted.drain()), abort_later).await;
        drained??;
        assert!(matches!(aborted.drain().await, Err(StreamError::Closed)), "after close: an error");
        Ok(())
    }

    async fn drain_and_reads_are_released_by_a_socket_error(rt) {
        let writer = stream(rt, SocketType::DEALER, Endpoints::new(), StreamOptions::default().write_limits(Some(0), None))?;
        writer.write("x")?;
        let fail_later = async {
            sleep(Duration::from_millis(50)).await;
            // Closing the socket under the transport is a socket failure.
            writer.transport().socket().close();
        };
        let (drained, ()) = futures_lite::future::zip(within(WAIT, "drain", writer.drain()), fail_later).await;
        let error = drained?.unwrap_err();
        assert!(matches!(error.zmq(), Some(zmq_core::Error::Closed)), "{error}");
        assert!(writer.exception().is_some());
        assert!(matches!(writer.read().await, Err(StreamError::Zmq(_))));
        Ok(())
    }

    async fn reads_after_close_drain_what_arrived_then_report_closed(rt) {
        let reader = stream(rt, SocketType::PULL, Endpoints::new().bind(Transport::Inproc.endpoint()), StreamOptions::default())?;
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&endpoint_of(&reader))?;
        push.send("one").await?;
        push.send("two").await?;
        eventually("both received", || reader.read_buffer_size() == 6).await?;
        reader.close();
        reader.close();
        assert!(matches!(reader.write("late"), Err(StreamError::Closed)));
        assert_eq!(within(WAIT, "read", reader.read()).await??[0], "one");
        assert!(!reader.at_closing());
        assert_eq!(within(WAIT, "read", reader.read()).await??[0], "two");
        assert!(matches!(within(WAIT, "read", reader.read()).await?, Err(StreamError::Closed)));
        assert!(reader.at_closing());
        assert!(reader.exception().is_none());
        assert!(matches!(within(WAIT, "event", reader.read_event()).await?, Err(StreamError::Closed)));
        Ok(())
    }

    async fn event_backlog_overflow_drops_the_oldest(rt) {
        let server = stream(rt, SocketType::ROUTER, Endpoints::new(), StreamOptions::default().events_backlog(Some(2)))?;
        server.transport().enable_monitor(Some(MonitorEvent::Listening.into()))?;
        let mut endpoints = Vec::new();
        for n in 0..4usize {
            endpoints.push(server.transport().bind(&Transport::Ipc.endpoint())?);
            let dropped = n.saturating_sub(1) as u64;
            eventually("event arrived", || server.events_dropped() == dropped && server.events_waiting() == (n + 1).min(2)).await?;
        }
        for expected in &endpoints[2..] {
            let event = within(WAIT, "event", server.read_event()).await??;
            assert_eq!((event.event, &event.endpoint), (MonitorEvent::Listening, expected));
        }
        assert_eq!(server.events_waiting(), 0);
        Ok(())
    }

    async fn unbounded_event_backlog_keeps_everything(rt) {
        let server = stream(rt, SocketType::ROUTER, Endpoints::new(), StreamOptions::default().events_backlog(None))?;
        server.transport().enable_monitor(Some(MonitorEvent::Listening.into()))?;
        for _ in 0..120 {
            server.transport().bind(&Transport::Tcp.endpoint())?;
        }
        eventually("all events", || server.events_waiting() == 120).await?;
        assert_eq!(server.events_dropped(), 0);
        Ok(())
    }

    async fn monitor_connect_disconnect_reconnect_cycles_reach_read_event_in_order(rt) {
        let client = stream(rt, SocketType::DEALER, Endpoints::new(), StreamOptions::default())?;
        client.transport().socket().set_reconnect_interval(Some(Duration::from_millis(10)))?;
        client.transport().enable_monitor(Some(
            [MonitorEvent::HandshakeSucceeded, MonitorEvent::Disconnected].into_iter().collect(),
        ))?;
        let mut server = Socket::new(SocketType::ROUTER)?;
        let endpoint = server.bind("tcp://127.0.0.1:*")?;
        client.transport().connect(&endpoint)?;
        for cycle in 0..3 {
            let up = within(WAIT, "connected", client.read_event()).await??;
            assert_eq!((up.event, &up.endpoint), (MonitorEvent::HandshakeSucceeded, &endpoint), "cycle {cycle}");
            drop(server);
            let down = within(WAIT, "disconnected", client.read_event()).await??;
            assert_eq!(down.event, MonitorEvent::Disconnected, "cycle {cycle}");
            server = Socket::new(SocketType::ROUTER)?;
            bind_retrying(&server, &endpoint).await?;
        }
        let up = within(WAIT, "reconnected", client.read_event()).await??;
        assert_eq!(up.event, MonitorEvent::HandshakeSucceeded);
        Ok(())
    }

    async fn streams_work_with_stream_and_sink_combinators(rt) {
        let mut a = stream(rt, SocketType::PAIR, Endpoints::new().bind(Transport::Inproc.endpoint()), StreamOptions::default())?;
        let mut b = stream(rt, SocketType::PAIR, Endpoints::new().connect(endpoint_of(&a)), StreamOptions::default())?;
        for n in 0..20u32 {
            a.send(Multipart::from(n.to_be_bytes().to_vec())).await?;
        }
        let received: Vec<Multipart> = within(WAIT, "take", (&mut b).take(20).map(|m| m.expect("message")).collect()).await?;
        for (n, message) in received.iter().enumerate() {
            assert_eq!(message[0][..], (n as u32).to_be_bytes());
        }
        // Closing the sink flushes and closes; the peer's stream goes on.
        a.send(Multipart::from("last")).await?;
        within(WAIT, "sink close", SinkExt::close(&mut a)).await??;
        assert!(matches!(a.send(Multipart::from("late")).await, Err(StreamError::Closed)));
        assert_eq!(within(WAIT, "last", b.next()).await?.expect("message")?[0], "last");
        // A closed stream ends.
        b.close();
        assert!(within(WAIT, "end", b.next()).await?.is_none());
        Ok(())
    }

    async fn a_dropped_read_future_loses_no_message(rt) {
        let reader = stream(rt, SocketType::PULL, Endpoints::new().bind(Transport::Inproc.endpoint()), StreamOptions::default())?;
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&endpoint_of(&reader))?;
        let mut received = Vec::new();
        for n in 0..100u32 {
            push.send(n.to_be_bytes().to_vec()).await?;
            // Often dropped before a message is there.
            if let Some(message) = timeout(Duration::from_micros(50), reader.read()).await {
                received.push(message?);
            }
        }
        while received.len() < 100 {
            received.push(within(WAIT, "the rest", reader.read()).await??);
        }
        for (n, message) in received.iter().enumerate() {
            assert_eq!(message[0][..], (n as u32).to_be_bytes(), "each exactly once, in order");
        }
        assert!(timeout(Duration::from_millis(50), reader.read()).await.is_none());
        Ok(())
    }
}

#[test]
fn bad_limits_are_refused_before_a_socket_is_made() {
    futures_lite::future::block_on(async {
        let runtime: std::sync::Arc<dyn zmq_core::runtime::Runtime> =
            std::sync::Arc::new(zmq_runtime_smol::SmolRuntime::global());
        let bad_read = create_zmq_stream(
            SocketType::PULL,
            &Endpoints::new(),
            None,
            StreamOptions::default().read_limits(Some(1), Some(2)),
            runtime.clone(),
        );
        assert!(matches!(
            bad_read,
            Err(StreamError::InvalidReadLimits { high: 1, low: 2 })
        ));
        let bad_write = create_zmq_stream(
            SocketType::PUSH,
            &Endpoints::new(),
            None,
            StreamOptions::default().write_limits(Some(0), Some(1)),
            runtime,
        );
        assert!(matches!(
            bad_write.unwrap_err().zmq(),
            Some(zmq_core::Error::InvalidWriteBufferLimits { .. })
        ));
    });
}
