//! The transport/protocol API under every executor: big transfers, flush on
//! close, abort, watermarks, reading pauses, monitor events, exactly one
//! `connection_lost`, and callbacks that panic or fail.

use std::time::Duration;

use smol::channel::{Receiver, Sender, unbounded};
use zmq_core::transport::{
    CallbackResult, Endpoints, ZmqProtocol, ZmqTransport, create_zmq_connection,
};
use zmq_core::{Error, MonitorEvent, Multipart, Socket, SocketEvent, SocketType};
use zmq_test_support::{Rt, Transport, WAIT, sleep, timeout, within};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a [`Recorder`] saw, in order.
#[derive(Debug)]
enum Record {
    Made,
    Msg(Multipart),
    Event(SocketEvent),
    Pause,
    Resume,
    Lost(Option<String>),
}

/// A protocol that reports every callback on a channel; it panics on a
/// message "panic" and fails on a message "fail".
struct Recorder {
    records: Sender<Record>,
}

impl ZmqProtocol for Recorder {
    fn connection_made(&mut self, _transport: &ZmqTransport) {
        let _ = self.records.try_send(Record::Made);
    }

    fn msg_received(&mut self, message: Multipart) -> CallbackResult {
        if message[0] == "panic" {
            panic!("a protocol callback panicked on purpose");
        }
        if message[0] == "fail" {
            return Err("a protocol callback failed on purpose".into());
        }
        self.records.try_send(Record::Msg(message))?;
        Ok(())
    }

    fn event_received(&mut self, event: SocketEvent) -> CallbackResult {
        self.records.try_send(Record::Event(event))?;
        Ok(())
    }

    fn pause_writing(&mut self) {
        let _ = self.records.try_send(Record::Pause);
    }

    fn resume_writing(&mut self) {
        let _ = self.records.try_send(Record::Resume);
    }

    fn connection_lost(&mut self, error: Option<Error>) {
        let _ = self
            .records
            .try_send(Record::Lost(error.map(|e| e.to_string())));
    }
}

/// A transport with a [`Recorder`], and the channel of its records (the
/// `Made` record already taken).
async fn recorded(
    rt: Rt,
    socket_type: SocketType,
    endpoints: Endpoints,
) -> Result<(ZmqTransport, Receiver<Record>), BoxError> {
    let (sender, records) = unbounded();
    let (transport, _protocol) = create_zmq_connection(
        move || Recorder { records: sender },
        socket_type,
        &endpoints,
        None,
        rt.runtime(),
    )?;
    assert!(matches!(records.try_recv(), Ok(Record::Made)));
    Ok((transport, records))
}

async fn next_record(records: &Receiver<Record>) -> Result<Record, BoxError> {
    Ok(within(WAIT, "a protocol callback", records.recv()).await??)
}

async fn next_message(records: &Receiver<Record>) -> Result<Multipart, BoxError> {
    match next_record(records).await? {
        Record::Msg(message) => Ok(message),
        other => Err(format!("expected a message, got {other:?}").into()),
    }
}

/// The records that arrive within a short quiet period.
async fn records_settled(records: &Receiver<Record>) -> Vec<Record> {
    let mut seen = Vec::new();
    while let Some(Ok(record)) = timeout(Duration::from_millis(200), records.recv()).await {
        seen.push(record);
    }
    seen
}

fn only_endpoint(transport: &ZmqTransport) -> String {
    transport
        .bindings()
        .into_iter()
        .next()
        .expect("a bound endpoint")
}

/// Frame `index` of message `sequence` in the big-data test: 1 KiB.
fn kilobyte(sequence: usize, index: usize) -> Vec<u8> {
    let mut frame = vec![(sequence + index) as u8; 1024];
    frame[..8].copy_from_slice(&(sequence as u64).to_be_bytes());
    frame
}

zmq_test_support::on_every_executor! {
    async fn big_data_arrives_intact_and_in_order(rt) {
        const MESSAGES: usize = 2000;
        const FRAMES: usize = 26;
        let (receiver, records) = recorded(rt, SocketType::PULL, Endpoints::new().bind(Transport::Tcp.endpoint())).await?;
        let (sender, _sender_records) = recorded(rt, SocketType::PUSH, Endpoints::new().connect(only_endpoint(&receiver))).await?;
        for sequence in 0..MESSAGES {
            let message: Multipart = (0..FRAMES).map(|index| kilobyte(sequence, index)).collect();
            sender.write(message)?;
        }
        for sequence in 0..MESSAGES {
            let message = next_message(&records).await?;
            assert_eq!(message.len(), FRAMES, "message {sequence}");
            for (index, frame) in message.iter().enumerate() {
                assert!(frame[..] == kilobyte(sequence, index)[..], "message {sequence} frame {index}");
            }
        }
        sender.close();
        receiver.close();
        Ok(())
    }

    async fn ten_thousand_messages_written_then_closed_are_all_delivered(rt) {
        const MESSAGES: u64 = 10_000;
        // libzmq drops what a peer at its receive high-water mark has not
        // taken when the sender's connection closes: room for everything.
        let pull = Socket::new(SocketType::PULL)?;
        pull.set_rcvhwm(0)?;
        let (records_sender, records) = unbounded();
        let (receiver, _protocol) = create_zmq_connection(
            move || Recorder { records: records_sender },
            SocketType::PULL,
            &Endpoints::new().bind(Transport::Ipc.endpoint()),
            Some(pull),
            rt.runtime(),
        )?;
        assert!(matches!(next_record(&records).await?, Record::Made));
        let (sender, sender_records) = recorded(rt, SocketType::PUSH, Endpoints::new().connect(only_endpoint(&receiver))).await?;
        for sequence in 0..MESSAGES {
            sender.write(sequence.to_be_bytes().to_vec())?;
        }
        sender.close();
        for sequence in 0..MESSAGES {
            let message = next_message(&records).await.map_err(|e| format!("message {sequence}: {e}"))?;
            assert_eq!(message[0][..], sequence.to_be_bytes(), "in order, none lost");
        }
        // Flushed, then lost exactly once; writing after close is refused.
        let mut lost = 0;
        for record in records_settled(&sender_records).await {
            match record {
                Record::Lost(None) => lost += 1,
                Record::Pause | Record::Resume => {}
                other => return Err(format!("unexpected {other:?}").into()),
            }
        }
        assert_eq!(lost, 1);
        assert_eq!(sender.write_buffer_size(), 0);
        assert!(matches!(sender.write("late"), Err(Error::Closed)));
        assert!(sender.socket().is_closed());
        receiver.close();
        Ok(())
    }

    async fn abort_discards_the_write_buffer(rt) {
        // A DEALER with no peer cannot send: everything stays buffered.
        let (sender, records) = recorded(rt, SocketType::DEALER, Endpoints::new()).await?;
        for _ in 0..100 {
            sender.write("never sent")?;
        }
        assert_eq!(sender.write_buffer_size(), 1000);
        sender.abort();
        assert_eq!(sender.write_buffer_size(), 0);
        assert!(matches!(next_record(&records).await?, Record::Lost(None)));
        assert!(records_settled(&records).await.is_empty());
        assert!(sender.socket().is_closed());
        Ok(())
    }

    async fn close_with_an_unsendable_buffer_waits_until_abort(rt) {
        let (sender, records) = recorded(rt, SocketType::DEALER, Endpoints::new()).await?;
        sender.write("stuck")?;
        sender.close();
        assert!(records_settled(&records).await.is_empty(), "still flushing");
        assert_eq!(sender.write_buffer_size(), 5);
        sender.abort();
        assert!(matches!(next_record(&records).await?, Record::Lost(None)));
        Ok(())
    }

    async fn pause_fires_once_strictly_over_high_and_resume_once_when_flushed(rt) {
        let (sender, records) = recorded(rt, SocketType::DEALER, Endpoints::new()).await?;
        sender.set_write_buffer_limits(Some(100), Some(20))?;
        sender.write(vec![0u8; 60])?;
        sender.write(vec![0u8; 40])?;
        assert_eq!(sender.write_buffer_size(), 100);
        assert!(!sender.is_writing_paused(), "exactly at high: not paused");
        sender.write(vec![0u8; 1])?;
        assert!(sender.is_writing_paused());
        assert!(matches!(records.try_recv(), Ok(Record::Pause)), "pause_writing ran inside write()");
        sender.write(vec![0u8; 10])?;
        assert!(records.try_recv().is_err(), "paused once");

        // A peer appears: the pump flushes and resumes the protocol once.
        let peer = Socket::new(SocketType::DEALER)?;
        let endpoint = peer.bind(&Transport::Inproc.endpoint())?;
        sender.connect(&endpoint)?;
        assert!(matches!(next_record(&records).await?, Record::Resume));
        for expected in [60, 40, 1, 10] {
            let message = within(WAIT, "flushed message", peer.recv()).await??;
            assert_eq!(message[0].len(), expected);
        }
        assert!(!sender.is_writing_paused());
        assert_eq!(sender.write_buffer_size(), 0);
        sender.abort();
        let rest = records_settled(&records).await;
        assert!(matches!(rest[..], [Record::Lost(None)]), "{rest:?}");
        Ok(())
    }

    async fn a_write_goes_straight_to_a_socket_that_takes_it_and_queues_behind_older_ones(rt) {
        // As in aiozmq: with an empty buffer and a peer, the socket takes
        // the message within write() itself, with no turn of the pump.
        let peer = Socket::new(SocketType::PULL)?;
        peer.set_rcvhwm(1)?;
        let endpoint = peer.bind(&Transport::Inproc.endpoint())?;
        let (sender, _records) = recorded(rt, SocketType::PUSH, Endpoints::new()).await?;
        sender.socket().set_sndhwm(1)?;
        sender.connect(&endpoint)?;
        sender.write("straight")?;
        assert_eq!(sender.write_buffer_size(), 0, "sent within write()");
        let message = within(WAIT, "the direct send", peer.recv()).await??;
        assert_eq!(message[0], "straight");

        // Fill the way to the peer until a write is queued; every write
        // after it queues behind it, even once the socket could take it,
        // and all arrive in the order written.
        let mut written = 0u32;
        while sender.write_buffer_size() == 0 {
            sender.write(written.to_be_bytes().to_vec())?;
            written += 1;
            assert!(written < 1000, "the socket never filled");
        }
        let first_queued = written - 1;
        for _ in 0..3 {
            sender.write(written.to_be_bytes().to_vec())?;
            written += 1;
        }
        assert_eq!(sender.write_buffer_size(), 4 * 4, "queued behind the first");
        for expected in 0..written {
            let message = within(WAIT, "a message in order", peer.recv()).await??;
            assert_eq!(message[0][..], expected.to_be_bytes(), "first queued: {first_queued}");
        }
        sender.abort();
        Ok(())
    }

    async fn lowering_the_high_water_mark_pauses_and_bad_limits_are_refused(rt) {
        let (sender, records) = recorded(rt, SocketType::DEALER, Endpoints::new()).await?;
        assert_eq!(sender.write_buffer_limits(), (64 * 1024, 16 * 1024));
        sender.write("12345")?;
        sender.set_write_buffer_limits(Some(4), None)?;
        assert_eq!(sender.write_buffer_limits(), (4, 1));
        assert!(matches!(records.try_recv(), Ok(Record::Pause)));
        assert!(matches!(
            sender.set_write_buffer_limits(Some(0), Some(1)),
            Err(Error::InvalidWriteBufferLimits { high: 0, low: 1 })
        ));
        sender.set_write_buffer_limits(Some(0), None)?;
        assert_eq!(sender.write_buffer_limits(), (0, 0));
        sender.abort();
        Ok(())
    }

    async fn connection_lost_is_called_exactly_once(rt) {
        type Ending = fn(&ZmqTransport);
        let endings: [(&str, Ending); 4] = [
            ("close, close", |t| { t.close(); t.close(); }),
            ("abort, abort", |t| { t.abort(); t.abort(); }),
            ("close, abort", |t| { t.close(); t.abort(); }),
            ("abort, close", |t| { t.abort(); t.close(); }),
        ];
        for (name, end) in endings {
            let (transport, records) = recorded(rt, SocketType::PAIR, Endpoints::new().bind(Transport::Inproc.endpoint())).await?;
            end(&transport);
            let seen = records_settled(&records).await;
            assert!(matches!(seen[..], [Record::Lost(None)]), "{name}: {seen:?}");
            assert!(transport.is_closing(), "{name}");
        }
        Ok(())
    }

    async fn a_socket_closed_under_the_transport_loses_the_connection_with_an_error(rt) {
        let (transport, records) = recorded(rt, SocketType::PULL, Endpoints::new().bind(Transport::Inproc.endpoint())).await?;
        transport.socket().close();
        match next_record(&records).await? {
            Record::Lost(Some(error)) => assert!(error.contains("closed"), "{error}"),
            other => return Err(format!("expected connection_lost with an error, got {other:?}").into()),
        }
        transport.close();
        assert!(records_settled(&records).await.is_empty(), "exactly once");
        Ok(())
    }

    async fn a_panicking_or_failing_callback_does_not_stall_the_socket(rt) {
        let (receiver, records) = recorded(rt, SocketType::PULL, Endpoints::new().bind(Transport::Tcp.endpoint())).await?;
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&only_endpoint(&receiver))?;
        for round in 0..3 {
            push.send("panic").await?;
            push.send("fail").await?;
            push.send(format!("after {round}")).await?;
            let message = next_message(&records).await?;
            assert_eq!(message[0], format!("after {round}").as_str());
        }
        // Also when the bad message comes alone and the socket goes idle.
        push.send("panic").await?;
        sleep(Duration::from_millis(50)).await;
        push.send("still alive").await?;
        assert_eq!(next_message(&records).await?[0], "still alive");
        receiver.close();
        Ok(())
    }

    async fn pause_reading_holds_a_message_that_raced_the_pause_until_resume(rt) {
        let (receiver, records) = recorded(rt, SocketType::PULL, Endpoints::new().bind(Transport::Inproc.endpoint())).await?;
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&only_endpoint(&receiver))?;
        receiver.pause_reading();
        receiver.pause_reading();
        push.send("held").await?;
        let early = records_settled(&records).await;
        assert!(early.is_empty(), "{early:?}");
        receiver.resume_reading();
        assert_eq!(next_message(&records).await?[0], "held");
        receiver.close();
        Ok(())
    }

    async fn monitor_events_reach_the_protocol_in_order(rt) {
        let (server, records) = recorded(rt, SocketType::ROUTER, Endpoints::new()).await?;
        server.enable_monitor(Some(
            [MonitorEvent::Listening, MonitorEvent::Accepted, MonitorEvent::Disconnected].into_iter().collect(),
        ))?;
        server.enable_monitor(None)?;
        let endpoint = server.bind(&Transport::Tcp.endpoint())?;
        match next_record(&records).await? {
            Record::Event(event) => assert_eq!((event.event, event.endpoint), (MonitorEvent::Listening, endpoint.clone())),
            other => return Err(format!("expected LISTENING, got {other:?}").into()),
        }
        for cycle in 0..3 {
            let client = Socket::new(SocketType::DEALER)?;
            client.connect(&endpoint)?;
            client.send("hello").await?;
            // The accept and the message travel separately: either order.
            let (mut events, mut got_message) = (Vec::new(), false);
            while !got_message || events.is_empty() {
                match next_record(&records).await? {
                    Record::Event(event) => events.push(event.event),
                    Record::Msg(message) => {
                        assert_eq!(message[1], "hello");
                        got_message = true;
                    }
                    other => return Err(format!("unexpected {other:?}").into()),
                }
            }
            assert_eq!(events, [MonitorEvent::Accepted], "cycle {cycle}");
            drop(client);
            match next_record(&records).await? {
                Record::Event(event) => assert_eq!(event.event, MonitorEvent::Disconnected, "cycle {cycle}"),
                other => return Err(format!("expected DISCONNECTED, got {other:?}").into()),
            }
        }
        server.disable_monitor();
        server.close();
        Ok(())
    }

    async fn a_monitor_disabled_and_enabled_again_keeps_reporting(rt) {
        let (server, records) = recorded(rt, SocketType::PULL, Endpoints::new()).await?;
        for round in 0..3 {
            server.enable_monitor(Some(MonitorEvent::Listening.into()))?;
            let endpoint = server.bind(&Transport::Ipc.endpoint())?;
            match next_record(&records).await? {
                Record::Event(event) => assert_eq!((event.event, event.endpoint), (MonitorEvent::Listening, endpoint), "round {round}"),
                other => return Err(format!("round {round}: expected LISTENING, got {other:?}").into()),
            }
            server.disable_monitor();
            server.disable_monitor();
        }
        // MONITOR_STOPPED was not asked for: nothing else reached the protocol.
        server.close();
        let rest = records_settled(&records).await;
        assert!(matches!(rest[..], [Record::Lost(None)]), "{rest:?}");
        Ok(())
    }

    async fn a_protocol_can_write_from_its_callbacks(rt) {
        struct Echo(Option<ZmqTransport>);
        impl ZmqProtocol for Echo {
            fn connection_made(&mut self, transport: &ZmqTransport) {
                self.0 = Some(transport.clone());
            }
            fn msg_received(&mut self, message: Multipart) -> CallbackResult {
                if let Some(transport) = &self.0 {
                    // Over the high-water mark of 0: pause_writing is queued
                    // behind this callback, not re-entered.
                    transport.write(message)?;
                }
                Ok(())
            }
            fn connection_lost(&mut self, _error: Option<Error>) {
                self.0 = None;
            }
        }
        let (server, _protocol) = create_zmq_connection(
            || Echo(None),
            SocketType::ROUTER,
            &Endpoints::new().bind(Transport::Tcp.endpoint()),
            None,
            rt.runtime(),
        )?;
        server.set_write_buffer_limits(Some(0), None)?;
        let client = Socket::new(SocketType::DEALER)?;
        client.connect(&only_endpoint(&server))?;
        for round in 0..20 {
            client.send(format!("ping {round}")).await?;
            let reply = within(WAIT, "echo", client.recv()).await??;
            assert_eq!(reply[0], format!("ping {round}").as_str());
        }
        server.close();
        Ok(())
    }

    async fn one_pump_receives_and_flushes_at_once_without_stalling(rt) {
        // An echo server under a pipelined client: the server's pump has a
        // receive and a flush in flight together on one socket.
        struct Echo(Option<ZmqTransport>);
        impl ZmqProtocol for Echo {
            fn connection_made(&mut self, transport: &ZmqTransport) {
                self.0 = Some(transport.clone());
            }
            fn msg_received(&mut self, message: Multipart) -> CallbackResult {
                if let Some(transport) = &self.0 {
                    transport.write(message)?;
                }
                Ok(())
            }
            fn connection_lost(&mut self, _error: Option<Error>) {
                self.0 = None;
            }
        }
        const MESSAGES: u64 = 3000;
        // A ROUTER drops what a full peer cannot take, unless mandatory:
        // then the send fails with EAGAIN and the flush waits (while
        // ZMQ_EVENTS may say POLLOUT: the readiness loop's rule 5).
        let router = Socket::new(SocketType::ROUTER)?;
        router.set_router_mandatory(true)?;
        let (server, _protocol) = create_zmq_connection(
            || Echo(None),
            SocketType::ROUTER,
            &Endpoints::new().bind(Transport::Tcp.endpoint()),
            Some(router),
            rt.runtime(),
        )?;
        let (client, replies) = recorded(rt, SocketType::DEALER, Endpoints::new().connect(only_endpoint(&server))).await?;
        for sequence in 0..MESSAGES {
            client.write([sequence.to_be_bytes().to_vec(), vec![0x5a; 512]])?;
        }
        let mut next = 0;
        while next < MESSAGES {
            match next_record(&replies).await? {
                Record::Msg(reply) => {
                    assert_eq!(reply[0][..], next.to_be_bytes(), "in order");
                    next += 1;
                }
                Record::Pause | Record::Resume => {}
                other => return Err(format!("unexpected {other:?}").into()),
            }
        }
        client.close();
        server.close();
        Ok(())
    }

    async fn an_existing_socket_of_another_type_is_refused(rt) {
        let socket = Socket::new(SocketType::PUSH)?;
        let refused = create_zmq_connection(
            || Recorder { records: unbounded().0 },
            SocketType::PULL,
            &Endpoints::new(),
            Some(socket),
            rt.runtime(),
        );
        assert!(matches!(refused, Err(Error::SocketTypeMismatch { expected: "PULL", actual: "PUSH" })));
        let adopted = Socket::new(SocketType::PULL)?;
        let endpoint = adopted.bind(&Transport::Inproc.endpoint())?;
        let (sender, records) = unbounded();
        let (transport, protocol) = create_zmq_connection(
            move || Recorder { records: sender },
            SocketType::PULL,
            &Endpoints::new(),
            Some(adopted),
            rt.runtime(),
        )?;
        assert!(transport.bindings().contains(&endpoint));
        assert!(matches!(records.try_recv(), Ok(Record::Made)));
        drop(protocol.lock().unwrap());
        let bad = transport.bind("no-scheme").unwrap_err();
        assert!(matches!(bad, Error::InvalidEndpoint { .. }));
        transport.close();
        Ok(())
    }
}

#[test]
fn transports_are_send_and_sync_and_clone() {
    fn check<T: Send + Sync + Clone + 'static>() {}
    check::<ZmqTransport>();
}
