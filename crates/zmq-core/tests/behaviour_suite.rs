//! The behaviour of `Socket`, run under every executor: tokio
//! current-thread and multi-thread, smol, and a plain `block_on`.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::{Context, Error, Multipart, Socket, SocketType};
use zmq_test_support::{
    TestResult, Transport, WAIT, connected, numbered, sequence_of, timeout, within,
};

zmq_test_support::on_every_executor! {
    async fn try_send_and_try_recv_never_wait(_rt) {
        let pull = Socket::new(SocketType::PULL)?;
        assert!(pull.try_recv().unwrap_err().is_would_block());
        let push = Socket::new(SocketType::PUSH)?;
        // No peer: the message comes back untouched.
        let failed = push.try_send(["a", "b"]).unwrap_err();
        assert!(failed.error.is_would_block());
        assert_eq!(failed.message, Multipart::from(["a", "b"]));

        let endpoint = pull.bind(&Transport::Inproc.endpoint())?;
        push.connect(&endpoint)?;
        push.try_send(failed.message)?;
        let received = within(WAIT, "recv", pull.recv()).await??;
        assert_eq!(received, Multipart::from(["a", "b"]));
        assert!(pull.try_recv().unwrap_err().is_would_block());
        Ok(())
    }

    async fn bind_resolves_wildcards_and_endpoints_are_tracked(_rt) {
        let socket = Socket::new(SocketType::ROUTER)?;
        let tcp = socket.bind("tcp://127.0.0.1:*")?;
        let port: u16 = tcp.rsplit(':').next().unwrap().parse()?;
        assert_ne!(port, 0);
        let ipc = socket.bind(&Transport::Ipc.endpoint())?;
        assert_eq!(socket.bindings(), [tcp.clone(), ipc.clone()].into_iter().collect());

        socket.unbind(&tcp)?;
        assert_eq!(socket.bindings(), [ipc.clone()].into_iter().collect());

        let peer = Socket::new(SocketType::DEALER)?;
        peer.connect(&ipc)?;
        peer.connect("tcp://127.0.0.1:9")?;
        assert_eq!(peer.connections().len(), 2);
        peer.disconnect("tcp://127.0.0.1:9")?;
        assert_eq!(peer.connections(), [ipc].into_iter().collect());
        Ok(())
    }

    async fn bad_endpoints_are_errors_not_panics(_rt) {
        let socket = Socket::new(SocketType::DEALER)?;
        for endpoint in ["", "nowhere", "tcp://", "tcp://a\0b", "://x"] {
            assert!(matches!(socket.connect(endpoint), Err(Error::InvalidEndpoint { .. })), "{endpoint:?}");
            assert!(matches!(socket.bind(endpoint), Err(Error::InvalidEndpoint { .. })), "{endpoint:?}");
        }
        let unknown = socket.bind("bogus://x").unwrap_err();
        assert_eq!(unknown.errno(), Some(zmq_core::zmq::Error::EPROTONOSUPPORT.to_raw()));
        let unresolvable = socket.bind("tcp://no-such-host.invalid:1").unwrap_err();
        assert!(unresolvable.errno().is_some());
        assert!(socket.unbind("tcp://127.0.0.1:1").is_err());
        assert!(socket.bindings().is_empty() && socket.connections().is_empty());
        Ok(())
    }

    async fn binding_an_address_in_use_keeps_the_errno(_rt) {
        let first = Socket::new(SocketType::PULL)?;
        let endpoint = first.bind("tcp://127.0.0.1:*")?;
        let second = Socket::new(SocketType::PULL)?;
        let error = second.bind(&endpoint).unwrap_err();
        assert_eq!(error.errno(), Some(zmq_core::zmq::Error::EADDRINUSE.to_raw()));
        let io: std::io::Error = error.into();
        assert_eq!(io.kind(), std::io::ErrorKind::AddrInUse);
        Ok(())
    }

    async fn subscriptions_are_tracked_idempotent_and_filter(_rt) {
        let (publisher, subscriber) = connected(SocketType::PUB, SocketType::SUB, Transport::Tcp)?;
        subscriber.subscribe("a")?;
        subscriber.subscribe("a")?;
        subscriber.unsubscribe("never")?;
        assert_eq!(subscriber.subscriptions(), [b"a".to_vec()].into_iter().collect());
        zmq_test_support::wait_for_subscription(&publisher, &subscriber, "a-probe").await?;

        publisher.send("b: filtered out").await?;
        publisher.send("a: delivered").await?;
        let received = within(WAIT, "filtered recv", subscriber.recv()).await??;
        assert_eq!(received[0], "a: delivered");

        // One unsubscribe undoes the (single) subscription.
        subscriber.unsubscribe("a")?;
        assert!(subscriber.subscriptions().is_empty());
        Ok(())
    }

    async fn subscribing_on_other_socket_types_is_an_error(_rt) {
        for socket_type in [SocketType::PUB, SocketType::DEALER, SocketType::XPUB, SocketType::PULL] {
            let socket = Socket::new(socket_type)?;
            assert!(matches!(socket.subscribe("x"), Err(Error::UnsupportedSocketType { .. })));
            assert!(matches!(socket.unsubscribe("x"), Err(Error::UnsupportedSocketType { .. })));
        }
        Ok(())
    }

    async fn req_receiving_before_sending_is_efsm(_rt) {
        let req = Socket::new(SocketType::REQ)?;
        let error = within(WAIT, "recv", req.recv()).await?.unwrap_err();
        assert_eq!(error.errno(), Some(zmq_core::zmq::Error::EFSM.to_raw()));
        Ok(())
    }

    async fn router_mandatory_to_unknown_peer_is_ehostunreach_with_message_back(_rt) {
        let router = Socket::new(SocketType::ROUTER)?;
        router.set_router_mandatory(true)?;
        let failed = within(WAIT, "send", router.send(["nobody", "hello"])).await?.unwrap_err();
        assert_eq!(failed.error.errno(), Some(zmq_core::zmq::Error::EHOSTUNREACH.to_raw()));
        assert_eq!(failed.message, Multipart::from(["nobody", "hello"]));
        let io: std::io::Error = failed.into();
        assert_eq!(io.raw_os_error(), Some(zmq_core::zmq::Error::EHOSTUNREACH.to_raw()));
        Ok(())
    }

    async fn empty_message_is_refused_and_returned(_rt) {
        let (_pull, push) = connected(SocketType::PULL, SocketType::PUSH, Transport::Inproc)?;
        assert!(matches!(push.try_send(Multipart::new()), Err(e) if matches!(e.error, Error::EmptyMessage)));
        let failed = push.send(Multipart::new()).await.unwrap_err();
        assert!(matches!(failed.error, Error::EmptyMessage));
        Ok(())
    }

    async fn close_wakes_pending_operations_with_closed(rt) {
        let socket = Arc::new(Socket::new(SocketType::DEALER)?);
        let pending_recv = rt.spawn({
            let socket = Arc::clone(&socket);
            async move { socket.recv().await.map(|_| ()) }
        });
        let pending_send = rt.spawn({
            let socket = Arc::clone(&socket);
            // No peer: a DEALER send waits.
            async move { socket.send("stuck").await.map_err(|e| e.error) }
        });
        zmq_test_support::sleep(Duration::from_millis(50)).await;
        socket.close();
        assert!(matches!(within(WAIT, "recv after close", pending_recv).await?, Err(Error::Closed)));
        assert!(matches!(within(WAIT, "send after close", pending_send).await?, Err(Error::Closed)));

        assert!(matches!(socket.recv().await, Err(Error::Closed)));
        assert!(matches!(socket.try_send("x"), Err(e) if matches!(e.error, Error::Closed)));
        assert!(matches!(socket.bind("tcp://127.0.0.1:*"), Err(Error::Closed)));
        assert!(matches!(socket.sndhwm(), Err(Error::Closed)));
        socket.close();
        Ok(())
    }

    /// The core readiness property: a reader parked on a socket must wake
    /// even when a writer's operations on the same socket swallow the
    /// notification meant for it. A few messages in flight at a time keep
    /// the two sides' operations interleaved.
    async fn reader_and_writer_on_one_socket_never_strand_a_message(rt) {
        const COUNT: u64 = 20_000;
        const WINDOW: usize = 4;
        let (router, dealer) = connected(SocketType::ROUTER, SocketType::DEALER, Transport::Tcp)?;
        let dealer = Arc::new(dealer);
        let echo = rt.spawn(async move {
            for _ in 0..COUNT {
                let request = router.recv().await?;
                router.send(request).await?;
            }
            TestResult::Ok(())
        });
        let (credit, credits) = smol::channel::bounded::<()>(WINDOW);
        for _ in 0..WINDOW {
            credit.send(()).await?;
        }
        let writer = rt.spawn({
            let dealer = Arc::clone(&dealer);
            async move {
                for sequence in 0..COUNT {
                    credits.recv().await?;
                    dealer.send(numbered(sequence, 0)).await?;
                }
                TestResult::Ok(())
            }
        });
        for expected in 0..COUNT {
            let reply = within(WAIT, "reply", dealer.recv()).await??;
            assert_eq!(sequence_of(&reply), expected);
            let _ = credit.try_send(());
        }
        within(WAIT, "writer", writer).await??;
        within(WAIT, "echo", echo).await??;
        Ok(())
    }

    async fn adopted_sockets_and_wrapped_contexts_talk_to_blocking_code(_rt) {
        let raw_context = zmq_core::zmq::Context::new();
        let context = Context::from_zmq(raw_context.clone());
        let blocking = raw_context.socket(zmq_core::zmq::REP)?;
        let endpoint = Transport::Inproc.endpoint();
        blocking.bind(&endpoint)?;
        let server = std::thread::spawn(move || -> zmq_core::zmq::Result<()> {
            blocking.set_rcvtimeo(10_000)?;
            let request = blocking.recv_multipart(0)?;
            blocking.send_multipart(request.iter().rev(), 0)?;
            Ok(())
        });

        let raw_client = raw_context.socket(zmq_core::zmq::REQ)?;
        raw_client.set_sndhwm(77)?;
        let client = context.adopt(raw_client)?;
        assert_eq!(client.sndhwm()?, 77, "adopting keeps the options");
        client.connect(&endpoint)?;
        client.send(["one", "two"]).await?;
        let reply = within(WAIT, "reply", client.recv()).await??;
        assert_eq!(reply, Multipart::from(["two", "one"]));
        server.join().expect("server thread")?;

        let from_zmq = Socket::from_zmq(raw_context.socket(zmq_core::zmq::PAIR)?)?;
        assert_eq!(from_zmq.socket_type(), SocketType::PAIR);
        Ok(())
    }

    async fn explicit_contexts_keep_inproc_names_apart(_rt) {
        let (one, two) = (Context::new(), Context::new());
        let name = Transport::Inproc.endpoint();
        let bound = one.socket(SocketType::PULL)?;
        bound.bind(&name)?;
        // The same name in another context is another endpoint.
        let elsewhere = two.socket(SocketType::PULL)?;
        elsewhere.bind(&name)?;
        let push = two.socket(SocketType::PUSH)?;
        push.connect(&name)?;
        push.send("to context two").await?;
        assert_eq!(within(WAIT, "recv", elsewhere.recv()).await??[0], "to context two");
        assert!(timeout(Duration::from_millis(50), bound.recv()).await.is_none());
        Ok(())
    }
}
