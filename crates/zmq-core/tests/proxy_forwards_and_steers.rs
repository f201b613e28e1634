//! The async proxy: a ROUTER/DEALER broker under load with exact
//! statistics, steering over a control socket and in-process, an XSUB/XPUB
//! forwarder with a capture socket, and a PULL/PUSH streamer.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::{Multipart, Proxy, ProxySideStatistics, Socket, SocketType};
use zmq_test_support::{
    TestResult, Transport, WAIT, numbered, sequence_of, sleep, timeout, wait_for_subscription,
    within,
};

const LOAD_LIMIT: Duration = Duration::from_secs(50);

zmq_test_support::on_every_executor! {
    async fn broker_forwards_100k_messages_each_way_none_lost_with_exact_statistics(rt) {
        const COUNT: u64 = 100_000;
        const CLIENT_ID: &[u8] = b"client";
        let frontend = Arc::new(Socket::new(SocketType::ROUTER)?);
        // Without it a ROUTER drops replies to a client at its high-water
        // mark; with it the proxy waits.
        frontend.set_router_mandatory(true)?;
        let backend = Arc::new(Socket::new(SocketType::DEALER)?);
        let front_endpoint = frontend.bind(&Transport::Tcp.endpoint())?;
        let back_endpoint = backend.bind(&Transport::Tcp.endpoint())?;
        let proxy = Proxy::new(frontend, backend);
        let steering = proxy.steering();
        let running = rt.spawn(proxy.run());

        // A worker echoing through the broker: [client id, body] in and out.
        let worker = Arc::new(Socket::new(SocketType::DEALER)?);
        worker.connect(&back_endpoint)?;
        let echo = rt.spawn({
            let worker = Arc::clone(&worker);
            async move {
                for _ in 0..COUNT {
                    let request = worker.recv().await?;
                    worker.send(request).await?;
                }
                TestResult::Ok(())
            }
        });

        let client = Arc::new(Socket::new(SocketType::DEALER)?);
        client.set_routing_id(CLIENT_ID)?;
        client.connect(&front_endpoint)?;
        let sender = rt.spawn({
            let client = Arc::clone(&client);
            async move {
                for sequence in 0..COUNT {
                    client.send(numbered(sequence, 0)).await?;
                }
                TestResult::Ok(())
            }
        });
        let receive_all = async {
            for expected in 0..COUNT {
                assert_eq!(sequence_of(&client.recv().await?), expected);
            }
            TestResult::Ok(())
        };
        within(LOAD_LIMIT, "replies through the broker", receive_all).await??;
        within(WAIT, "sender", sender).await??;
        within(WAIT, "echo", echo).await??;

        steering.terminate();
        let statistics = within(WAIT, "proxy end", running).await??;
        // Upstream messages carry the client's routing id frame.
        let upstream = ProxySideStatistics {
            messages_in: COUNT,
            bytes_in: COUNT * (CLIENT_ID.len() as u64 + 8),
            messages_out: COUNT,
            bytes_out: COUNT * (CLIENT_ID.len() as u64 + 8),
        };
        assert_eq!(statistics.frontend, upstream);
        assert_eq!(statistics.backend, upstream);
        Ok(())
    }

    async fn control_socket_pauses_resumes_reports_and_terminates(rt) {
        let frontend = Arc::new(Socket::new(SocketType::PULL)?);
        let backend = Arc::new(Socket::new(SocketType::PUSH)?);
        let control = Arc::new(Socket::new(SocketType::PAIR)?);
        let producer = Socket::new(SocketType::PUSH)?;
        producer.connect(&frontend.bind(&Transport::Inproc.endpoint())?)?;
        let consumer = Socket::new(SocketType::PULL)?;
        consumer.connect(&backend.bind(&Transport::Inproc.endpoint())?)?;
        let controller = Socket::new(SocketType::PAIR)?;
        controller.connect(&control.bind(&Transport::Inproc.endpoint())?)?;

        let proxy = Proxy::new(frontend, backend).control(control);
        let steering = proxy.steering();
        let running = rt.spawn(proxy.run());

        producer.send("before pause").await?;
        assert_eq!(within(WAIT, "forwarded", consumer.recv()).await??[0], "before pause");

        controller.send("PAUSE").await?;
        within(WAIT, "paused", async {
            while !steering.is_paused() {
                sleep(Duration::from_millis(1)).await;
            }
        })
        .await?;
        producer.send("while paused").await?;
        assert!(timeout(Duration::from_millis(200), consumer.recv()).await.is_none(), "forwarded while paused");

        controller.send("RESUME").await?;
        assert_eq!(within(WAIT, "after resume", consumer.recv()).await??[0], "while paused");

        controller.send("NONSENSE").await?;
        controller.send("STATISTICS").await?;
        let reply = within(WAIT, "statistics", controller.recv()).await??;
        let counters: Vec<u64> = reply.iter().map(|frame| u64::from_ne_bytes(frame[..].try_into().unwrap())).collect();
        let expected = [2, 24, 0, 0, 0, 0, 2, 24];
        assert_eq!(counters, expected);

        controller.send("TERMINATE").await?;
        let statistics = within(WAIT, "terminate", running).await??;
        assert_eq!(statistics.frontend.messages_in, 2);
        assert_eq!(statistics.backend.bytes_out, 24);
        Ok(())
    }

    async fn in_process_steering_pauses_and_terminates(rt) {
        let frontend = Arc::new(Socket::new(SocketType::PULL)?);
        let backend = Arc::new(Socket::new(SocketType::PUSH)?);
        let producer = Socket::new(SocketType::PUSH)?;
        producer.connect(&frontend.bind(&Transport::Tcp.endpoint())?)?;
        let consumer = Socket::new(SocketType::PULL)?;
        consumer.connect(&backend.bind(&Transport::Tcp.endpoint())?)?;
        let proxy = Proxy::new(frontend, backend);
        let steering = proxy.steering();
        steering.pause();
        let running = rt.spawn(proxy.run());
        producer.send("held").await?;
        assert!(timeout(Duration::from_millis(200), consumer.recv()).await.is_none());
        steering.resume();
        assert_eq!(within(WAIT, "released", consumer.recv()).await??[0], "held");
        steering.terminate();
        within(WAIT, "terminate", running).await??;
        Ok(())
    }

    async fn xsub_xpub_forwarder_carries_subscriptions_and_capture_sees_all(rt) {
        let frontend = Arc::new(Socket::new(SocketType::XSUB)?);
        let backend = Arc::new(Socket::new(SocketType::XPUB)?);
        let capture = Arc::new(Socket::new(SocketType::PAIR)?);
        let tap = Socket::new(SocketType::PAIR)?;
        tap.connect(&capture.bind(&Transport::Inproc.endpoint())?)?;
        let publisher = Socket::new(SocketType::PUB)?;
        publisher.bind(&Transport::Tcp.endpoint()).and_then(|endpoint| frontend.connect(&endpoint))?;
        let subscriber = Socket::new(SocketType::SUB)?;
        subscriber.connect(&backend.bind(&Transport::Tcp.endpoint())?)?;
        subscriber.subscribe("news")?;

        let proxy = Proxy::new(frontend, backend).capture(capture);
        let steering = proxy.steering();
        let running = rt.spawn(proxy.run());

        // The subscription travels up through the proxy to the publisher.
        wait_for_subscription(&publisher, &subscriber, "news probe").await?;
        publisher.send("sports: not wanted").await?;
        publisher.send(["news", "wanted"]).await?;
        assert_eq!(within(WAIT, "forwarded", subscriber.recv()).await??, Multipart::from(["news", "wanted"]));

        // The capture socket saw the subscription going up and the traffic
        // coming down.
        let mut captured = Vec::new();
        while let Some(message) = timeout(Duration::from_millis(100), tap.recv()).await {
            captured.push(message?);
        }
        assert!(captured.iter().any(|m| m[0] == b"\x01news"[..]), "{captured:?}");
        assert!(captured.iter().any(|m| m == &Multipart::from(["news", "wanted"])));

        steering.terminate();
        within(WAIT, "terminate", running).await??;
        Ok(())
    }
}
