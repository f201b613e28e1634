//! RPC over CURVE, a client with the wrong server key, and the servers'
//! maximum message size, under every executor.

mod support;

use std::time::Duration;

use support::{runtime_for, test_handlers};
use zmq_rpc::server::DEFAULT_MAX_MESSAGE_SIZE;
use zmq_rpc::zmq_core::curve::CurveKeyPair;
use zmq_rpc::zmq_core::zmq::Mechanism;
use zmq_rpc::{CallError, connect_rpc, serve_rpc};
use zmq_test_support::{Transport, WAIT, on_every_executor, within};

/// How long a call that must get no answer waits for one.
const NO_ANSWER: Duration = Duration::from_millis(500);

on_every_executor! {
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
