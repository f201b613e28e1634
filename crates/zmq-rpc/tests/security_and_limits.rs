//! RPC over CURVE, a client with the wrong server key, RPC behind the ZAP
//! authenticator (CURVE key list, PLAIN table, IP allow list), and the
//! servers' maximum message size, under every executor.

mod support;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::{runtime_for, test_handlers};
use zmq_rpc::server::DEFAULT_MAX_MESSAGE_SIZE;
use zmq_rpc::zmq_core::curve::CurveKeyPair;
use zmq_rpc::zmq_core::zap::{ZapAuthenticator, ZapPolicy};
use zmq_rpc::zmq_core::zmq::Mechanism;
use zmq_rpc::zmq_core::{Context, MonitorEvent};
use zmq_rpc::{CallError, Handlers, connect_rpc, serve_rpc};
use zmq_test_support::{Transport, WAIT, on_every_executor, within};

/// How long a call that must get no answer waits for one.
const NO_ANSWER: Duration = Duration::from_millis(500);

/// The test service plus `count()`, which counts the calls that reached
/// the handler.
fn counting_handlers() -> (Handlers, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let handlers = test_handlers().method("count", move |()| {
        Ok::<_, Infallible>(counter.fetch_add(1, Ordering::SeqCst) + 1)
    });
    (handlers, calls)
}

on_every_executor! {
    async fn rpc_over_curve_behind_the_authenticator_no_call_of_an_unlisted_key_reaches_the_handler(rt) {
        let runtime = runtime_for(rt);
        let context = Context::new();
        let (server_keys, listed, unlisted) =
            (CurveKeyPair::generate()?, CurveKeyPair::generate()?, CurveKeyPair::generate()?);
        let mut policy = ZapPolicy::new();
        policy.domain_mut("rpc").allow_curve_key(listed.public).allow([127, 0, 0, 1]);
        let auth = ZapAuthenticator::start(&context, policy, runtime.clone())?;
        let (handlers, calls) = counting_handlers();
        let server = serve_rpc(handlers)
            .context(&context)
            .zap_domain("rpc")
            .curve_server(server_keys.clone())
            .bind(Transport::Tcp.endpoint())
            .start(runtime.clone())?;
        assert_eq!(server.socket()?.zap_domain()?, "rpc");
        server.socket()?.enable_monitor(Some([MonitorEvent::HandshakeFailedAuth].into_iter().collect()))?;
        let mut events = server.socket()?.monitor_events()?;

        let refused = connect_rpc()
            .curve_client(unlisted, server_keys.public)
            .connect(&server.endpoints()[0])
            .timeout(NO_ANSWER)
            .start(runtime.clone())?;
        let outcome = within(WAIT, "unlisted call", refused.call::<usize>("count").into_future()).await?;
        assert!(matches!(outcome, Err(CallError::Timeout(_))), "{outcome:?}");
        let event = within(WAIT, "auth failure event", events.next()).await?.ok_or("monitor ended")??;
        assert_eq!((event.event, event.value), (MonitorEvent::HandshakeFailedAuth, 400));
        assert_eq!(calls.load(Ordering::SeqCst), 0, "a refused client reached the handler");

        let admitted = connect_rpc()
            .curve_client(listed, server_keys.public)
            .connect(&server.endpoints()[0])
            .timeout(WAIT)
            .start(runtime)?;
        let count: usize = admitted.call("count").await?;
        assert_eq!(count, 1);
        let sum: i64 = admitted.call("add").arg(40).arg(2).await?;
        assert_eq!(sum, 42);
        assert!(auth.stats().allowed >= 1);

        refused.close();
        admitted.close();
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        auth.close();
        Ok(())
    }

    async fn rpc_over_plain_behind_the_authenticator_checks_the_password(rt) {
        let runtime = runtime_for(rt);
        let context = Context::new();
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().add_plain_user("svc", "s3cret");
        let auth = ZapAuthenticator::start(&context, policy, runtime.clone())?;
        let (handlers, calls) = counting_handlers();
        let server = serve_rpc(handlers)
            .context(&context)
            .plain_server()
            .bind(Transport::Tcp.endpoint())
            .start(runtime.clone())?;
        let wrong = connect_rpc()
            .plain_client("svc", "guess")
            .connect(&server.endpoints()[0])
            .timeout(NO_ANSWER)
            .start(runtime.clone())?;
        let outcome = within(WAIT, "wrong-password call", wrong.call::<usize>("count").into_future()).await?;
        assert!(matches!(outcome, Err(CallError::Timeout(_))), "{outcome:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        let right = connect_rpc()
            .plain_client("svc", "s3cret")
            .connect(&server.endpoints()[0])
            .timeout(WAIT)
            .start(runtime)?;
        let count: usize = right.call("count").await?;
        assert_eq!(count, 1);

        wrong.close();
        right.close();
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        auth.close();
        Ok(())
    }

    async fn rpc_server_with_a_strict_zap_domain_refuses_until_an_authenticator_runs(rt) {
        let runtime = runtime_for(rt);
        let context = Context::new();
        let (server_keys, client_keys) = (CurveKeyPair::generate()?, CurveKeyPair::generate()?);
        let (handlers, calls) = counting_handlers();
        let server = serve_rpc(handlers)
            .context(&context)
            .zap_domain("strict")
            .zap_enforce_domain(true)
            .curve_server(server_keys.clone())
            .bind(Transport::Tcp.endpoint())
            .start(runtime.clone())?;
        assert!(server.socket()?.zap_enforce_domain()?);
        let client = connect_rpc()
            .curve_client(client_keys.clone(), server_keys.public)
            .connect(&server.endpoints()[0])
            .timeout(NO_ANSWER)
            .start(runtime.clone())?;
        let outcome = within(WAIT, "call without an authenticator", client.call::<usize>("count").into_future()).await?;
        assert!(matches!(outcome, Err(CallError::Timeout(_))), "{outcome:?}");
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        let mut policy = ZapPolicy::new();
        policy.domain_mut("strict").allow_curve_key(client_keys.public);
        let auth = ZapAuthenticator::start(&context, policy, runtime)?;
        // The client reconnects on its own; a new call goes through. The
        // timed-out request may still wait in the client's queue and be
        // delivered first, once the client is admitted: one or two calls.
        let count: usize = client.call("count").timeout(WAIT).await?;
        assert!((1..=2).contains(&count), "{count}");

        client.close();
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        auth.close();
        Ok(())
    }

    async fn rpc_request_reply_over_curve(rt) {
        let runtime = runtime_for(rt);
        let server_keys = CurveKeyPair::generate()?;
        let server = serve_rpc(test_handlers())
            .curve_server(server_keys.clone())
            .bind(Transport::Tcp.endpoint())
            .start(runtime.clone())?;
        assert_eq!(server.socket()?.mechanism()?, Mechanism::ZMQ_CURVE);
        assert!(server.socket()?.curve_server()?);
        assert_eq!(server.socket()?.max_message_size()?, Some(DEFAULT_MAX_MESSAGE_SIZE));

        let client = connect_rpc()
            .curve_client(CurveKeyPair::generate()?, server_keys.public)
            .connect(&server.endpoints()[0])
            .timeout(WAIT)
            .start(runtime)?;
        assert_eq!(client.socket()?.curve_server_key()?, server_keys.public.as_bytes());
        let sum: i64 = client.call("add").arg(1).arg(2).await?;
        assert_eq!(sum, 3);
        let text: String = client.call("echo").arg("over curve").await?;
        assert_eq!(text, "over curve");

        client.close();
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        Ok(())
    }

    async fn a_client_with_the_wrong_server_key_gets_no_answer_while_a_good_one_does(rt) {
        let runtime = runtime_for(rt);
        let server_keys = CurveKeyPair::generate()?;
        let server = serve_rpc(test_handlers())
            .curve_server(server_keys.clone())
            .bind(Transport::Tcp.endpoint())
            .start(runtime.clone())?;
        let impostor = CurveKeyPair::generate()?;
        let wrong = connect_rpc()
            .curve_client(CurveKeyPair::generate()?, impostor.public)
            .connect(&server.endpoints()[0])
            .timeout(NO_ANSWER)
            .start(runtime.clone())?;
        let plain = connect_rpc()
            .connect(&server.endpoints()[0])
            .timeout(NO_ANSWER)
            .start(runtime.clone())?;
        let good = connect_rpc()
            .curve_client(CurveKeyPair::generate()?, server_keys.public)
            .connect(&server.endpoints()[0])
            .timeout(WAIT)
            .start(runtime)?;

        let refused = within(WAIT, "wrong-key call", wrong.call::<i64>("add").arg(1).arg(2).into_future()).await?;
        assert!(matches!(refused, Err(CallError::Timeout(_))), "{refused:?}");
        let refused = within(WAIT, "no-curve call", plain.call::<i64>("add").arg(1).arg(2).into_future()).await?;
        assert!(matches!(refused, Err(CallError::Timeout(_))), "{refused:?}");
        let sum: i64 = good.call("add").arg(20).arg(22).await?;
        assert_eq!(sum, 42);

        for client in [wrong, plain, good] {
            client.close();
        }
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        Ok(())
    }

    async fn an_oversize_request_is_dropped_and_the_server_keeps_serving(rt) {
        let runtime = runtime_for(rt);
        let server = serve_rpc(test_handlers())
            .max_message_size(Some(4096))
            .bind(Transport::Tcp.endpoint())
            .start(runtime.clone())?;
        assert_eq!(server.socket()?.max_message_size()?, Some(4096));
        let client = connect_rpc()
            .connect(&server.endpoints()[0])
            .timeout(WAIT)
            .start(runtime)?;
        let small: String = client.call("echo").arg("fits").await?;
        assert_eq!(small, "fits");

        let big = "x".repeat(64 * 1024);
        let dropped = client.call::<String>("echo").arg(&big).timeout(NO_ANSWER).await;
        assert!(matches!(dropped, Err(CallError::Timeout(_))), "{dropped:?}");

        // libzmq dropped the connection of the oversize sender; the client
        // reconnects and the server answers its next call.
        let next: String = client.call("echo").arg("next").await?;
        assert_eq!(next, "next");
        let sum: i64 = client.call("add").arg(2).arg(3).await?;
        assert_eq!(sum, 5);

        client.close();
        server.close();
        within(WAIT, "server wait_closed", server.wait_closed()).await?;
        Ok(())
    }
}

#[test]
fn a_given_socket_keeps_its_own_limit_and_gets_the_default_without_one()
-> zmq_test_support::TestResult {
    use zmq_rpc::zmq_core::{Socket, SocketType};

    let runtime = runtime_for(zmq_test_support::Rt::Smol);
    let own = Socket::new(SocketType::ROUTER)?;
    own.set_max_message_size(Some(100))?;
    let server = serve_rpc(test_handlers())
        .socket(own)
        .start(runtime.clone())?;
    assert_eq!(server.socket()?.max_message_size()?, Some(100));
    server.close();

    let unlimited = serve_rpc(test_handlers())
        .socket(Socket::new(SocketType::ROUTER)?)
        .start(runtime.clone())?;
    assert_eq!(
        unlimited.socket()?.max_message_size()?,
        Some(DEFAULT_MAX_MESSAGE_SIZE)
    );
    unlimited.close();

    let removed = serve_rpc(test_handlers())
        .max_message_size(None)
        .start(runtime.clone())?;
    assert_eq!(removed.socket()?.max_message_size()?, None);
    removed.close();

    // Clients keep libzmq's default (no limit).
    let client = connect_rpc().start(runtime)?;
    assert_eq!(client.socket()?.max_message_size()?, None);
    client.close();
    Ok(())
}

#[test]
fn every_builder_sets_the_security_mechanism_on_its_socket() -> zmq_test_support::TestResult {
    use zmq_rpc::{connect_pipeline, connect_pubsub, serve_pipeline, serve_pubsub};

    let runtime = runtime_for(zmq_test_support::Rt::Smol);
    let keys = CurveKeyPair::generate()?;

    let server = serve_pipeline(test_handlers())
        .plain_server()
        .start(runtime.clone())?;
    assert!(server.socket()?.plain_server()?);
    assert_eq!(
        server.socket()?.max_message_size()?,
        Some(DEFAULT_MAX_MESSAGE_SIZE)
    );
    server.close();

    let server = serve_pubsub(test_handlers())
        .curve_server(keys.clone())
        .start(runtime.clone())?;
    assert!(server.socket()?.curve_server()?);
    server.close();

    let client = connect_rpc().plain_client("user", "pass").start(runtime)?;
    assert_eq!(client.socket()?.plain_username()?.as_deref(), Some("user"));
    assert_eq!(client.socket()?.plain_password()?.as_deref(), Some("pass"));
    client.close();

    let notifier = connect_pipeline().plain_client("user", "pass").start()?;
    assert_eq!(notifier.socket()?.mechanism()?, Mechanism::ZMQ_PLAIN);
    notifier.close();

    let notifier = connect_pubsub()
        .curve_client(CurveKeyPair::generate()?, keys.public)
        .start()?;
    assert_eq!(
        notifier.socket()?.curve_server_key()?,
        keys.public.as_bytes()
    );
    notifier.close();

    // Builders print neither secret keys nor passwords.
    let shown = format!(
        "{:?} {:?}",
        connect_rpc().plain_client("user", "hunter2"),
        serve_rpc(test_handlers()).curve_server(keys.clone())
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(!shown.contains(&keys.secret.to_z85()), "{shown}");
    Ok(())
}
