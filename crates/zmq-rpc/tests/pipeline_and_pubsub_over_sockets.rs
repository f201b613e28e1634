//! Pipeline (PUSH to PULL) and pub-sub (PUB to SUB): Rust clients against
//! Rust servers over real sockets, under every executor.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_channel::Receiver;
use serde::Deserialize;
use support::{runtime_for, sleep_ms};
use zmq_core::{Socket, SocketType};
use zmq_rpc::codec::Notification;
use zmq_rpc::rmpv::Value;
use zmq_rpc::{
    Handlers, Notifier, NotifyError, PubSubClient, Server, ServiceError, connect_pipeline,
    connect_pubsub, serve_pipeline, serve_pubsub,
};
use zmq_test_support::{Rt, TRANSPORTS, Transport, WAIT, on_every_executor, timeout, within};

#[derive(Debug, Deserialize)]
struct Record {
    tag: String,
    #[serde(default)]
    n: i64,
}

/// One call a recording handler saw: the method and its arguments.
type Seen = (&'static str, String, i64);

/// Handlers that report every call on a channel:
/// - `record(tag, n=0)`, sync;
/// - `later(tag, n=0)`, async (after a millisecond);
/// - `ns.sub.nested(tag, n=0)`, in nested namespaces.
fn recorder() -> (Handlers, Receiver<Seen>) {
    let (sender, receiver) = async_channel::unbounded();
    let record = sender.clone();
    let later = sender.clone();
    let handlers = Handlers::new()
        .method("record", move |Record { tag, n }| {
            let _ = record.try_send(("record", tag, n));
            Ok::<_, Infallible>(())
        })
        .async_method("later", move |Record { tag, n }| {
            let later = later.clone();
            async move {
                sleep_ms(1).await;
                let _ = later.try_send(("later", tag, n));
                Ok::<_, Infallible>(())
            }
        })
        .namespace(
            "ns",
            Handlers::new().namespace(
                "sub",
                Handlers::new().method("nested", move |Record { tag, n }| {
                    let _ = sender.try_send(("nested", tag, n));
                    Ok::<_, Infallible>(())
                }),
            ),
        );
    (handlers, receiver)
}

async fn next(receiver: &Receiver<Seen>) -> Result<Seen, String> {
    within(WAIT, "a notification", receiver.recv())
        .await?
        .map_err(|e| e.to_string())
}

/// Nothing more arrives within a moment.
async fn nothing_more(receiver: &Receiver<Seen>) -> Result<(), String> {
    match timeout(Duration::from_millis(100), receiver.recv()).await {
        None => Ok(()),
        Some(seen) => Err(format!("unexpected notification {seen:?}")),
    }
}

/// Publishes probes on `topic` until one reaches the server behind
/// `receiver` (the subscription has reached the publisher: the slow
/// joiner's handshake), then drops the probes still in flight.
async fn join(client: &PubSubClient, topic: &str, receiver: &Receiver<Seen>) -> Result<(), String> {
    let probe = format!("probe {topic}");
    within(WAIT, "subscription handshake", async {
        loop {
            client
                .publish(topic)
                .notify("record")
                .arg(&probe)
                .await
                .map_err(|e| e.to_string())?;
            if let Some(seen) = timeout(Duration::from_millis(20), receiver.recv()).await {
                let (_, tag, _) = seen.map_err(|e| e.to_string())?;
                if tag == probe {
                    return Ok::<(), String>(());
                }
            }
        }
    })
    .await??;
    drain(receiver).await;
    Ok(())
}

async fn drain(receiver: &Receiver<Seen>) {
    while timeout(Duration::from_millis(50), receiver.recv())
        .await
        .is_some()
    {}
}

/// Closes every client, then every server, waiting for each server.
async fn stop_all<P, C>(servers: Vec<Server<P>>, clients: &[Notifier<C>]) -> Result<(), String> {
    for client in clients {
        client.close();
    }
    for server in servers {
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
    }
    Ok(())
}

on_every_executor! {
    /// A notifier is fire and forget: what it sent right before the
    /// program ends may still be in libzmq. Closing the notifier must not
    /// discard it, and `Context::terminate` returns once the notifier has
    /// let go of its socket and the notifications are out.
    async fn pipeline_notifications_queued_before_terminate_reach_a_late_server(rt) {
        const QUEUED: i64 = 50;
        let endpoint = zmq_test_support::unused_tcp_endpoint();
        let context = zmq_core::Context::new();
        let push = context.socket(SocketType::PUSH)?;
        push.set_linger(Some(WAIT))?;
        push.connect(&endpoint)?;
        let client = connect_pipeline().socket(push).start()?;
        for n in 0..QUEUED {
            client.notify("record").arg("queued").arg(n).await?;
        }
        client.close();
        drop(client);

        // The server appears only now, after the client is gone.
        let (handlers, seen) = recorder();
        let server = serve_pipeline(handlers).bind(&endpoint).start(runtime_for(rt))?;
        within(WAIT, "terminate", context.terminate()).await??;
        for n in 0..QUEUED {
            assert_eq!(next(&seen).await?, ("record", "queued".into(), n));
        }
        nothing_more(&seen).await?;
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        Ok(())
    }

    async fn pipeline_notifications_reach_sync_async_and_nested_methods_over_every_transport(rt) {
        for transport in TRANSPORTS {
            let (handlers, seen) = recorder();
            let server = serve_pipeline(handlers)
                .bind(transport.endpoint())
                .start(runtime_for(rt))?;
            let client = connect_pipeline().connect(&server.endpoints()[0]).start()?;
            client.notify("record").arg("positional").arg(1).await?;
            assert_eq!(next(&seen).await?, ("record", "positional".into(), 1), "{transport:?}");
            client.notify("record").kwarg("n", 2).kwarg("tag", "keywords").await?;
            assert_eq!(next(&seen).await?, ("record", "keywords".into(), 2));
            client.notify("later").arg("async").await?;
            assert_eq!(next(&seen).await?, ("later", "async".into(), 0));
            client.notify("ns.sub.nested").arg("nested").kwarg("n", -3).await?;
            assert_eq!(next(&seen).await?, ("nested", "nested".into(), -3));
            nothing_more(&seen).await?;
            stop_all(vec![server], &[client]).await?;
        }
        Ok(())
    }

    async fn pipeline_n_clients_to_m_servers_deliver_each_notification_once(rt) {
        const CLIENTS: usize = 4;
        const SERVERS: usize = 3;
        const EACH: i64 = 60;
        for transport in TRANSPORTS {
            let mut servers = Vec::new();
            let mut receivers = Vec::new();
            for _ in 0..SERVERS {
                let (handlers, seen) = recorder();
                servers.push(serve_pipeline(handlers).bind(transport.endpoint()).start(runtime_for(rt))?);
                receivers.push(seen);
            }
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                let mut builder = connect_pipeline();
                for server in &servers {
                    builder = builder.connect(&server.endpoints()[0]);
                }
                clients.push(builder.start()?);
            }
            let mut senders = Vec::new();
            for (index, client) in clients.iter().enumerate() {
                let client = client.clone();
                senders.push(rt.spawn(async move {
                    for n in 0..EACH {
                        client.notify("record").arg(format!("client {index}")).arg(n).await?;
                    }
                    Ok::<(), NotifyError>(())
                }));
            }
            for sender in senders {
                within(WAIT, "sending", sender).await??;
            }
            let mut all = BTreeSet::new();
            let mut per_server = vec![0; SERVERS];
            for _ in 0..CLIENTS * EACH as usize {
                let (index, (_, tag, n)) = within(WAIT, "every notification", async {
                    loop {
                        for (index, receiver) in receivers.iter().enumerate() {
                            if let Ok(seen) = receiver.try_recv() {
                                return (index, seen);
                            }
                        }
                        sleep_ms(1).await;
                    }
                })
                .await?;
                per_server[index] += 1;
                assert!(all.insert((tag, n)), "delivered twice");
            }
            assert_eq!(all.len(), CLIENTS * EACH as usize, "{transport:?}");
            // PUSH spreads round-robin over every connected server.
            assert!(per_server.iter().all(|count| *count > 0), "{per_server:?}");
            for receiver in &receivers {
                nothing_more(receiver).await?;
            }
            stop_all(servers, &clients).await?;
        }
        Ok(())
    }

    async fn pubsub_filters_by_topic_prefix_and_the_handler_never_sees_the_topic(rt) {
        for transport in TRANSPORTS {
            let (handlers, seen) = recorder();
            let server = serve_pubsub(handlers)
                .subscribe("weather.")
                .subscribe(b"\x00bin".as_slice())
                .bind(transport.endpoint())
                .start(runtime_for(rt))?;
            let client = connect_pubsub().connect(&server.endpoints()[0]).start()?;
            join(&client, "weather.probe", &seen).await?;
            client.publish("sports").notify("record").arg("filtered out").await?;
            client.publish("").notify("record").arg("no topic").await?;
            client.publish("weather").notify("record").arg("shorter than the prefix").await?;
            client.publish("weather.today").notify("record").arg("text topic").await?;
            client.publish(b"\x00binary").notify("later").arg("bytes topic").await?;
            client.publish("weather.").notify("ns.sub.nested").kwarg("tag", "exact").await?;
            let mut got = BTreeSet::new();
            for _ in 0..3 {
                got.insert(next(&seen).await?);
            }
            assert_eq!(
                got,
                BTreeSet::from([
                    ("record", "text topic".to_owned(), 0),
                    ("later", "bytes topic".to_owned(), 0),
                    ("nested", "exact".to_owned(), 0),
                ]),
                "{transport:?}"
            );
            nothing_more(&seen).await?;

            // The empty topic subscribes to everything, publish("") included.
            let (handlers, everything) = recorder();
            let all = serve_pubsub(handlers)
                .subscribe("")
                .bind(transport.endpoint())
                .start(runtime_for(rt))?;
            let client = connect_pubsub().connect(&all.endpoints()[0]).start()?;
            join(&client, "", &everything).await?;
            client.publish("").notify("record").arg("no topic").await?;
            client.publish("anything").notify("record").arg("any topic").await?;
            let mut got = BTreeSet::new();
            for _ in 0..2 {
                got.insert(next(&everything).await?.1);
            }
            assert_eq!(got, BTreeSet::from(["no topic".to_owned(), "any topic".to_owned()]));
            stop_all(vec![server, all], &[client]).await?;
        }
        Ok(())
    }

    async fn pubsub_subscribe_and_unsubscribe_at_runtime(rt) {
        for transport in TRANSPORTS {
            let (handlers, seen) = recorder();
            let server = serve_pubsub(handlers)
                .subscribe_all(["a", "a"])
                .bind(transport.endpoint())
                .start(runtime_for(rt))?;
            assert_eq!(server.subscriptions(), BTreeSet::from([b"a".to_vec()]));
            let client = connect_pubsub().connect(&server.endpoints()[0]).start()?;
            join(&client, "a", &seen).await?;

            server.subscribe("b")?;
            server.subscribe("b")?; // idempotent
            assert_eq!(server.subscriptions(), BTreeSet::from([b"a".to_vec(), b"b".to_vec()]));
            join(&client, "b", &seen).await?;
            client.publish("a").notify("record").arg("on a").await?;
            client.publish("b").notify("record").arg("on b").await?;
            let got: BTreeSet<String> = [next(&seen).await?.1, next(&seen).await?.1].into();
            assert_eq!(got, BTreeSet::from(["on a".to_owned(), "on b".to_owned()]));

            server.unsubscribe("a")?;
            server.unsubscribe("a")?;
            server.unsubscribe("never subscribed")?;
            assert_eq!(server.subscriptions(), BTreeSet::from([b"b".to_vec()]));
            client.publish("a").notify("record").arg("after unsubscribe").await?;
            client.publish("b").notify("record").arg("still on b").await?;
            assert_eq!(next(&seen).await?.1, "still on b", "{transport:?}");
            nothing_more(&seen).await?;

            stop_all(vec![server], &[client]).await?;
        }
        Ok(())
    }

    async fn pubsub_n_publishers_to_m_subscribers_over_several_topics(rt) {
        const PUBLISHERS: usize = 3;
        const EACH: i64 = 40;
        for transport in TRANSPORTS {
            // Server 0 takes t1, server 1 t2, server 2 the prefix "t": both.
            let mut servers = Vec::new();
            let mut receivers = Vec::new();
            for topic in ["t1", "t2", "t"] {
                let (handlers, seen) = recorder();
                servers.push(
                    serve_pubsub(handlers)
                        .subscribe_all([topic, "probe"])
                        .bind(transport.endpoint())
                        .start(runtime_for(rt))?,
                );
                receivers.push(seen);
            }
            let mut clients = Vec::new();
            for _ in 0..PUBLISHERS {
                let mut builder = connect_pubsub();
                for server in &servers {
                    builder = builder.connect(&server.endpoints()[0]);
                }
                let client = builder.start()?;
                for receiver in &receivers {
                    join(&client, "probe", receiver).await?;
                }
                clients.push(client);
            }
            // Every publisher probed every server: drop the stray probes.
            for receiver in &receivers {
                drain(receiver).await;
            }
            for (index, client) in clients.iter().enumerate() {
                for n in 0..EACH {
                    for topic in ["t1", "t2"] {
                        client.publish(topic).notify("record").arg(format!("{topic} from {index}")).arg(n).await?;
                    }
                }
            }
            let expected = |topics: &[&str]| -> BTreeMap<String, i64> {
                let mut counts = BTreeMap::new();
                for topic in topics {
                    for index in 0..PUBLISHERS {
                        counts.insert(format!("{topic} from {index}"), EACH);
                    }
                }
                counts
            };
            for (receiver, topics) in receivers.iter().zip([&["t1"][..], &["t2"], &["t1", "t2"]]) {
                let wanted = expected(topics);
                let total: i64 = wanted.values().sum();
                let mut counts = BTreeMap::new();
                for _ in 0..total {
                    *counts.entry(next(receiver).await?.1).or_insert(0) += 1;
                }
                assert_eq!(counts, wanted, "{transport:?}");
                nothing_more(receiver).await?;
            }
            stop_all(servers, &clients).await?;
        }
        Ok(())
    }

    async fn close_fails_new_notifications_and_closed_services_refuse_use(rt) {
        let (handlers, _seen) = recorder();
        let pipeline = serve_pipeline(handlers).bind(Transport::Tcp.endpoint()).start(runtime_for(rt))?;
        let (handlers, _seen) = recorder();
        let pubsub = serve_pubsub(handlers).subscribe("").bind(Transport::Tcp.endpoint()).start(runtime_for(rt))?;
        let push = connect_pipeline().connect(&pipeline.endpoints()[0]).start()?;
        let publisher = connect_pubsub().connect(&pubsub.endpoints()[0]).start()?;

        // Empty names are refused before anything is sent.
        assert!(matches!(push.notify("").await, Err(NotifyError::EmptyName)));
        assert!(matches!(publisher.publish("t").notify("").await, Err(NotifyError::EmptyName)));

        let clone = push.clone();
        push.close();
        push.close(); // idempotent
        assert!(clone.is_closed());
        assert!(matches!(clone.notify("record").arg("x").await, Err(NotifyError::Closed)));
        assert!(matches!(clone.notify("record").try_send(), Err(NotifyError::Closed)));
        assert!(matches!(clone.socket(), Err(ServiceError::Closed)));
        within(WAIT, "client wait_closed", clone.wait_closed()).await?;
        publisher.close();
        assert!(matches!(publisher.publish("t").notify("record").await, Err(NotifyError::Closed)));
        within(WAIT, "client wait_closed", publisher.wait_closed()).await?;

        pipeline.close();
        pipeline.close();
        assert!(pipeline.is_closed());
        assert!(matches!(pipeline.socket(), Err(ServiceError::Closed)));
        within(WAIT, "server wait_closed", pipeline.wait_closed()).await?;
        pubsub.close();
        assert!(matches!(pubsub.subscribe("x"), Err(ServiceError::Closed)));
        assert!(matches!(pubsub.unsubscribe("x"), Err(ServiceError::Closed)));
        within(WAIT, "server wait_closed", pubsub.wait_closed()).await?;
        Ok(())
    }

    async fn closing_a_server_cancels_its_running_notifications(rt) {
        let (started_tx, started) = async_channel::unbounded::<()>();
        let (dropped_tx, dropped) = async_channel::unbounded::<()>();
        struct Guard(async_channel::Sender<()>);
        impl Drop for Guard {
            fn drop(&mut self) {
                let _ = self.0.try_send(());
            }
        }
        let handlers = Handlers::new().async_method("hang", move |()| {
            let started = started_tx.clone();
            let guard = Guard(dropped_tx.clone());
            async move {
                let _guard = guard;
                let _ = started.try_send(());
                futures_lite::future::pending::<()>().await;
                Ok::<_, Infallible>(())
            }
        });
        let server = serve_pipeline(handlers).bind(Transport::Inproc.endpoint()).start(runtime_for(rt))?;
        let client = connect_pipeline().connect(&server.endpoints()[0]).start()?;
        client.notify("hang").await?;
        within(WAIT, "handler started", started.recv()).await??;
        server.close();
        within(WAIT, "handler cancelled", dropped.recv()).await??;
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        client.close();
        Ok(())
    }

    async fn a_notify_waits_for_room_and_try_send_fails_when_no_peer_can_take_it(rt) {
        let push = Socket::new(SocketType::PUSH)?;
        push.set_sndhwm(2)?;
        let client = connect_pipeline().socket(push).bind(Transport::Tcp.endpoint()).start()?;
        // Bound with no PULL peer: nowhere to put a message. try_send fails,
        // an awaited notify waits; dropped, it sent nothing (cancel safety).
        assert!(matches!(client.notify("record").arg("x").try_send(), Err(NotifyError::Full)));
        let dropped = client.notify("record").arg("dropped").into_future();
        assert!(timeout(Duration::from_millis(50), dropped).await.is_none());
        let mut waiting = rt.spawn({
            let client = client.clone();
            async move { client.notify("record").arg("waited for room").await }
        });
        sleep_ms(100).await;
        assert!(futures_lite::future::poll_once(&mut waiting).await.is_none(), "it did not wait");
        let (handlers, seen) = recorder();
        let server = serve_pipeline(handlers).connect(&client.endpoints()[0]).start(runtime_for(rt))?;
        within(WAIT, "the waiting notify", waiting).await??;
        assert_eq!(next(&seen).await?.1, "waited for room");
        client.notify("record").arg("then try_send").try_send()?;
        assert_eq!(next(&seen).await?.1, "then try_send");
        nothing_more(&seen).await?;
        stop_all(vec![server], &[client]).await?;
        Ok(())
    }

    async fn a_connecting_notifier_queues_up_to_its_hwm_until_a_server_comes(rt) {
        const HWM: usize = 5;
        let endpoint = Transport::Ipc.endpoint();
        let push = Socket::new(SocketType::PUSH)?;
        push.set_sndhwm(HWM as i32)?;
        let client = connect_pipeline().socket(push).connect(&endpoint).start()?;
        let mut queued = 0;
        while client.notify("record").arg(format!("queued {queued}")).try_send().is_ok() {
            queued += 1;
            assert!(queued <= 10 * HWM, "no bound on the queue");
        }
        assert!(queued >= 1, "nothing was queued for the pending connection");
        // Awaited, a notify waits at the HWM.
        let waited = timeout(Duration::from_millis(50), client.notify("record").arg("waits").into_future()).await;
        assert!(waited.is_none());
        let (handlers, seen) = recorder();
        let server = serve_pipeline(handlers).bind(&endpoint).start(runtime_for(rt))?;
        let mut got = BTreeSet::new();
        for _ in 0..queued {
            got.insert(next(&seen).await?.1);
        }
        assert_eq!(got, (0..queued).map(|n| format!("queued {n}")).collect());
        nothing_more(&seen).await?;

        // A publisher never waits, with or without subscribers.
        let publisher = connect_pubsub().connect(Transport::Ipc.endpoint()).start()?;
        for n in 0..10 * HWM {
            within(WAIT, "publish", publisher.publish("t").notify("record").arg(n).into_future()).await??;
        }
        publisher.close();
        stop_all(vec![server], &[client]).await?;
        Ok(())
    }

    async fn a_server_runs_at_most_max_concurrent_calls_and_leaves_the_rest_in_the_socket(rt) {
        let started = Arc::new(AtomicU64::new(0));
        let (release, released) = async_channel::unbounded::<()>();
        let handlers = Handlers::new().async_method("hold", {
            let started = Arc::clone(&started);
            move |()| {
                started.fetch_add(1, Ordering::SeqCst);
                let released = released.clone();
                async move {
                    // Until the sender is dropped.
                    let _ = released.recv().await;
                    Ok::<_, Infallible>(())
                }
            }
        });
        let server = serve_pipeline(handlers)
            .max_concurrent_calls(2)
            .bind(Transport::Inproc.endpoint())
            .start(runtime_for(rt))?;
        let client = connect_pipeline().connect(&server.endpoints()[0]).start()?;
        for _ in 0..5 {
            client.notify("hold").await?;
        }
        within(WAIT, "two calls started", async {
            while started.load(Ordering::SeqCst) < 2 {
                sleep_ms(1).await;
            }
        })
        .await?;
        sleep_ms(100).await;
        assert_eq!(started.load(Ordering::SeqCst), 2, "the limit did not hold");
        drop(release);
        within(WAIT, "the others started", async {
            while started.load(Ordering::SeqCst) < 5 {
                sleep_ms(1).await;
            }
        })
        .await?;
        stop_all(vec![server], &[client]).await?;
        Ok(())
    }

    async fn the_wire_frames_are_the_spec_captures(rt) {
        let _ = rt;
        let pull = Socket::new(SocketType::PULL)?;
        let endpoint = pull.bind(&Transport::Tcp.endpoint())?;
        let client = connect_pipeline().connect(&endpoint).start()?;
        client.notify("remote").arg(1).kwarg("b", 2).await?;
        let frames = within(WAIT, "pipeline frames", pull.recv()).await??.to_vecs();
        assert_eq!(frames, [&b"remote"[..], b"\x91\x01", b"\x81\xa1b\x02"]);
        client.notify("ns.sub.remote").arg("x").await?;
        let frames = within(WAIT, "pipeline frames", pull.recv()).await??.to_vecs();
        assert_eq!(frames, [&b"ns.sub.remote"[..], b"\x91\xa1x", b"\x80"]);

        let sub = Socket::new(SocketType::SUB)?;
        sub.subscribe("")?;
        let endpoint = sub.bind(&Transport::Tcp.endpoint())?;
        let publisher = connect_pubsub().connect(&endpoint).start()?;
        let frames = within(WAIT, "first publication", async {
            loop {
                publisher.publish("my-topic").notify("remote").arg(1).kwarg("b", 2).await?;
                if let Some(message) = timeout(Duration::from_millis(20), sub.recv()).await {
                    return Ok::<_, Box<dyn std::error::Error + Send + Sync>>(message?.to_vecs());
                }
            }
        })
        .await??;
        assert_eq!(frames, [&b"my-topic"[..], b"remote", b"\x91\x01", b"\x81\xa1b\x02"]);
        while timeout(Duration::from_millis(50), sub.recv()).await.is_some() {}
        publisher.publish(b"btopic").notify("remote").await?;
        let frames = within(WAIT, "bytes topic", sub.recv()).await??.to_vecs();
        assert_eq!(frames, [&b"btopic"[..], b"remote", b"\x90", b"\x80"]);
        publisher.publish("").notify("remote").await?;
        let frames = within(WAIT, "no topic", sub.recv()).await??.to_vecs();
        assert_eq!(frames, [&b""[..], b"remote", b"\x90", b"\x80"]);
        let (topic, notification) = Notification::decode_published(&frames)?;
        assert!(topic.is_empty());
        assert_eq!(notification.args, Value::Array(vec![]));
        client.close();
        publisher.close();
        Ok(())
    }
}

/// 100 000 notifications, none lost: a pipeline (PUSH waits at its HWM, so
/// nothing is dropped) and a pub-sub pair with the HWMs off (a PUB drops at
/// its HWM). Run under three executors, one transport each, to keep the
/// debug-build test time short (plain `block_on` is left out: its test
/// runtime spends a thread on every task).
async fn a_hundred_thousand(rt: Rt, transport: Transport) -> zmq_test_support::TestResult {
    const COUNT: u64 = 100_000;
    // `count(n)` counts notifications, `probe()` the handshake's probes.
    let counter = || {
        let count = Arc::new(AtomicU64::new(0));
        let probes = Arc::new(AtomicU64::new(0));
        let counted = Arc::clone(&count);
        let probed = Arc::clone(&probes);
        let handlers = Handlers::new()
            .method("count", move |_n: u64| {
                counted.fetch_add(1, Ordering::Relaxed);
                Ok::<_, Infallible>(())
            })
            .method("probe", move |()| {
                probed.fetch_add(1, Ordering::Relaxed);
                Ok::<_, Infallible>(())
            });
        (handlers, count, probes)
    };
    let reached = |count: Arc<AtomicU64>| async move {
        while count.load(Ordering::Relaxed) < COUNT {
            sleep_ms(5).await;
        }
    };

    let (handlers, count, _) = counter();
    let server = serve_pipeline(handlers)
        .bind(transport.endpoint())
        .start(runtime_for(rt))?;
    let client = connect_pipeline().connect(&server.endpoints()[0]).start()?;
    for n in 0..COUNT {
        client.notify("count").arg(n).await?;
    }
    within(
        Duration::from_secs(50),
        "100k pipeline notifications",
        reached(Arc::clone(&count)),
    )
    .await?;
    sleep_ms(50).await;
    assert_eq!(count.load(Ordering::Relaxed), COUNT);
    stop_all(vec![server], &[client]).await?;

    let (handlers, count, probes) = counter();
    let sub = Socket::new(SocketType::SUB)?;
    sub.set_rcvhwm(0)?;
    let server = serve_pubsub(handlers)
        .socket(sub)
        .subscribe("")
        .bind(transport.endpoint())
        .start(runtime_for(rt))?;
    let publisher = Socket::new(SocketType::PUB)?;
    publisher.set_sndhwm(0)?;
    let client = connect_pubsub()
        .socket(publisher)
        .connect(&server.endpoints()[0])
        .start()?;
    // The slow joiner: publish until the first one is counted.
    within(WAIT, "subscription handshake", async {
        while probes.load(Ordering::Relaxed) == 0 {
            client.publish("probe").notify("probe").await?;
            sleep_ms(10).await;
        }
        Ok::<(), NotifyError>(())
    })
    .await??;
    for n in 0..COUNT {
        client.publish("topic").notify("count").arg(n).await?;
    }
    within(
        Duration::from_secs(50),
        "100k publications",
        reached(Arc::clone(&count)),
    )
    .await?;
    sleep_ms(50).await;
    assert_eq!(count.load(Ordering::Relaxed), COUNT);
    stop_all(vec![server], &[client]).await?;
    Ok(())
}

#[test]
fn a_hundred_thousand_notifications_none_lost_tokio_multi_thread_tcp() {
    zmq_test_support::run(Rt::TokioMultiThread, |rt| {
        a_hundred_thousand(rt, Transport::Tcp)
    });
}

#[test]
fn a_hundred_thousand_notifications_none_lost_smol_ipc() {
    zmq_test_support::run(Rt::Smol, |rt| a_hundred_thousand(rt, Transport::Ipc));
}

#[test]
fn a_hundred_thousand_notifications_none_lost_tokio_current_thread_inproc() {
    zmq_test_support::run(Rt::TokioCurrentThread, |rt| {
        a_hundred_thousand(rt, Transport::Inproc)
    });
}
