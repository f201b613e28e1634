//! Regression tests for failures known from other ZeroMQ bindings, each
//! named after the bug it guards against.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::{Multipart, Socket, SocketType};
use zmq_test_support::{
    TRANSPORTS, TestResult, Transport, WAIT, connected, numbered, sequence_of, timeout, within,
};

/// Bounds for the load tests: generous, as CI machines are slow.
const LOAD_LIMIT: Duration = Duration::from_secs(50);

zmq_test_support::on_every_executor! {
    /// pyzmq#1203: a ROUTER echoing under load, its reader and writer in
    /// separate tasks (and the client's too), must not stall or lose
    /// messages. ROUTER_MANDATORY makes the echo wait at the high-water mark
    /// instead of dropping, so every wait path is exercised.
    async fn router_echo_under_load_with_reader_and_writer_tasks_pyzmq_1203(rt) {
        const COUNT: u64 = 100_000;
        let (router, dealer) = connected(SocketType::ROUTER, SocketType::DEALER, Transport::Tcp)?;
        router.set_router_mandatory(true)?;
        let (router, dealer) = (Arc::new(router), Arc::new(dealer));
        let (to_writer, from_reader) = smol::channel::bounded::<Multipart>(64);

        let server_reader = rt.spawn({
            let router = Arc::clone(&router);
            async move {
                for _ in 0..COUNT {
                    let request = router.recv().await?;
                    to_writer.send(request).await?;
                }
                TestResult::Ok(())
            }
        });
        let server_writer = rt.spawn({
            let router = Arc::clone(&router);
            async move {
                for _ in 0..COUNT {
                    let reply = from_reader.recv().await?;
                    router.send(reply).await?;
                }
                TestResult::Ok(())
            }
        });
        let client_writer = rt.spawn({
            let dealer = Arc::clone(&dealer);
            async move {
                for sequence in 0..COUNT {
                    dealer.send(numbered(sequence, 1)).await?;
                }
                TestResult::Ok(())
            }
        });
        let client_reader = rt.spawn({
            let dealer = Arc::clone(&dealer);
            async move {
                for expected in 0..COUNT {
                    let reply = dealer.recv().await?;
                    assert_eq!(sequence_of(&reply), expected, "echo out of order or lost");
                    assert_eq!(reply.len(), 2);
                }
                TestResult::Ok(())
            }
        });
        within(LOAD_LIMIT, "client writer", client_writer).await??;
        within(LOAD_LIMIT, "client reader", client_reader).await??;
        within(WAIT, "server reader", server_reader).await??;
        within(WAIT, "server writer", server_writer).await??;
        Ok(())
    }

    /// A PUSH blocked at its send high-water mark resumes once the peer
    /// drains, with nothing lost or reordered.
    async fn push_blocked_at_sndhwm_resumes_when_peer_drains(rt) {
        for transport in TRANSPORTS {
            let pull = Socket::new(SocketType::PULL)?;
            pull.set_rcvhwm(4)?;
            let endpoint = pull.bind(&transport.endpoint())?;
            let push = Arc::new(Socket::new(SocketType::PUSH)?);
            push.set_sndhwm(4)?;
            push.connect(&endpoint)?;

            // Large frames so the kernel's tcp buffers fill quickly too.
            let message = |sequence| {
                let mut message = numbered(sequence, 0);
                message.push_back(vec![7u8; 64 * 1024]);
                message
            };
            let mut sent = 0;
            loop {
                match timeout(Duration::from_millis(200), push.send(message(sent))).await {
                    Some(result) => result?,
                    None => break,
                }
                sent += 1;
                assert!(sent < 10_000, "{transport:?}: the send never reached the high-water mark");
            }

            let blocked = rt.spawn({
                let push = Arc::clone(&push);
                async move { push.send(message(sent)).await.map_err(zmq_core::Error::from) }
            });
            for expected in 0..=sent {
                let received = within(WAIT, "drain", pull.recv()).await??;
                assert_eq!(sequence_of(&received), expected, "{transport:?}");
            }
            within(WAIT, "blocked send", blocked).await??;
        }
        Ok(())
    }

    /// aiozmq#155: a one-way flood with no replies keeps flowing to the end.
    async fn one_way_flood_without_replies_keeps_flowing_aiozmq_155(rt) {
        const COUNT: u64 = 100_000;
        for (bound, connecting) in [
            (SocketType::ROUTER, SocketType::DEALER),
            (SocketType::PULL, SocketType::PUSH),
        ] {
            let (server, client) = connected(bound, connecting, Transport::Tcp)?;
            let client = Arc::new(client);
            let flood = rt.spawn({
                let client = Arc::clone(&client);
                async move {
                    for sequence in 0..COUNT {
                        client.send(numbered(sequence, 0)).await?;
                    }
                    TestResult::Ok(())
                }
            });
            let drain = async {
                for expected in 0..COUNT {
                    let mut received = server.recv().await?;
                    if bound == SocketType::ROUTER {
                        received.pop_front();
                    }
                    assert_eq!(sequence_of(&received), expected);
                }
                TestResult::Ok(())
            };
            within(LOAD_LIMIT, "one-way flood", drain).await??;
            within(WAIT, "flood sender", flood).await??;
        }
        Ok(())
    }

    /// libzmq#1434: over inproc, messages that arrive before the receiver
    /// is first polled must still wake it, whether the sender connected
    /// after the bind or before it.
    async fn inproc_delivers_before_first_poll_libzmq_1434(_rt) {
        // Connect after bind.
        let pull = Socket::new(SocketType::PULL)?;
        let endpoint = pull.bind(&Transport::Inproc.endpoint())?;
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&endpoint)?;
        push.try_send("early")?;
        push.try_send("earlier still waiting")?;
        assert_eq!(within(WAIT, "first", pull.recv()).await??[0], "early");
        assert_eq!(within(WAIT, "second", pull.recv()).await??[0], "earlier still waiting");

        // Connect before bind: libzmq queues on the connecting side.
        let endpoint = Transport::Inproc.endpoint();
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&endpoint)?;
        push.try_send("before bind")?;
        let pull = Socket::new(SocketType::PULL)?;
        pull.bind(&endpoint)?;
        assert_eq!(within(WAIT, "queued", pull.recv()).await??[0], "before bind");
        Ok(())
    }
}
