//! Rust client against Rust server over real sockets, under every executor.

mod support;

use std::future::IntoFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::{Point, runtime_for, sleep_ms, test_handlers};
use zmq_rpc::ext::{AsExt, Ext, ExtType};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{
    Builtin, BuiltinError, CallError, ErrorTable, GenericError, Handlers, NotFoundError,
    ParametersError, RpcClient, RpcServer, connect_rpc, serve_rpc,
};
use zmq_test_support::{Rt, TRANSPORTS, Transport, WAIT, on_every_executor, within};

fn start_pair(
    rt: Rt,
    transport: Transport,
) -> Result<(RpcServer, RpcClient), zmq_rpc::ServiceError> {
    let runtime = runtime_for(rt);
    let server = serve_rpc(test_handlers())
        .bind(transport.endpoint())
        .start(runtime.clone())?;
    let client = connect_rpc()
        .connect(&server.endpoints()[0])
        .timeout(WAIT)
        .start(runtime)?;
    Ok((server, client))
}

async fn stop(server: RpcServer, client: RpcClient) -> Result<(), String> {
    client.close();
    server.close();
    within(WAIT, "server wait_closed", server.wait_closed()).await?;
    within(WAIT, "client wait_closed", client.wait_closed()).await?;
    Ok(())
}

/// Waits until `client` has a call in flight (one spawned elsewhere).
async fn a_call_in_flight(client: &RpcClient, what: &str) -> Result<(), String> {
    within(WAIT, what, async {
        while client.pending_calls() == 0 {
            sleep_ms(5).await;
        }
    })
    .await
}

fn remote(error: CallError) -> zmq_rpc::RemoteError {
    match error {
        CallError::Remote(remote) => remote,
        other => panic!("expected a remote error, got {other:?}"),
    }
}

on_every_executor! {
    async fn calls_with_positional_keyword_and_default_arguments_over_every_transport(rt) {
        for transport in TRANSPORTS {
            let (server, client) = start_pair(rt, transport)?;
            let sum: i64 = client.call("add").arg(1).arg(2).await?;
            assert_eq!(sum, 3, "{transport:?}");
            let sum: i64 = client.call("add").arg(1).kwarg("b", 5).await?;
            assert_eq!(sum, 6);
            let sum: i64 = client.call("add").kwarg("b", 2).kwarg("a", 40).await?;
            assert_eq!(sum, 42);
            let sum: i64 = client.call("add").arg(7).await?;
            assert_eq!(sum, 7, "b defaults to 0");
            let negated: i64 = client.call("ns.sub.neg").arg(4).await?;
            assert_eq!(negated, -4);
            let later: String = client.call("later").arg(1).arg("async").await?;
            assert_eq!(later, "async");
            let point: Point = client.call("point").arg(1).arg(-2).await?;
            assert_eq!(point, Point { x: 1, y: -2 });
            // A struct travels as a map keyed by field name.
            let raw: Value = client.call("point").arg(1).arg(-2).await?;
            assert_eq!(raw, Value::Map(vec![("x".into(), 1.into()), ("y".into(), (-2).into())]));
            stop(server, client).await?;
        }
        Ok(())
    }

    async fn values_of_every_msgpack_kind_round_trip(rt) {
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let values = vec![
            Value::Nil,
            Value::from(true),
            Value::from(false),
            Value::from(0),
            Value::from(-1),
            Value::from(i64::MIN),
            Value::from(u64::MAX),
            Value::F64(-0.5),
            Value::F64(f64::INFINITY),
            Value::from(""),
            Value::from("γειά σου"),
            Value::Binary(vec![0, 0xff, 0]),
            Value::Array(vec![]),
            Value::Array(vec![Value::from(1), Value::from("two"), Value::Nil]),
            Value::Map(vec![]),
            Value::Map(vec![
                (Value::from("k"), Value::from(1)),
                (Value::Binary(b"bin-key".to_vec()), Value::Array(vec![Value::from(2)])),
            ]),
            Value::Ext(5, b"xy".to_vec()),
            Value::Ext(127, vec![0x80, 0x05]),
        ];
        for value in values {
            let echoed: Value = client.call("echo").arg(&value).await?;
            assert_eq!(echoed, value);
        }
        let bytes: serde_bytes_like::Bytes = client.call("echo").arg(Value::Binary(vec![1, 2])).await?;
        assert_eq!(bytes.0, vec![1, 2]);
        stop(server, client).await?;
        Ok(())
    }

    async fn remote_errors_translate_through_the_error_table(rt) {
        let (server, client) = start_pair(rt, Transport::Inproc)?;
        for (kind, builtin) in [
            ("value", Builtin::ValueError),
            ("type", Builtin::TypeError),
            ("timeout", Builtin::TimeoutError),
            ("runtime", Builtin::RuntimeError),
        ] {
            let err = client.call::<()>("fail").arg(kind).arg("boom").await.unwrap_err();
            let remote = remote(err);
            assert_eq!(remote.exc_type(), builtin.wire_name());
            let error = remote.downcast_ref::<BuiltinError>().expect("a BuiltinError");
            assert_eq!(error, &BuiltinError::new(builtin, vec!["boom".into()]));
        }
        let key = remote(client.call::<()>("fail").arg("key").arg("colour").await.unwrap_err());
        assert_eq!(key.repr(), "KeyError('colour')");

        let missing = remote(client.call::<()>("no.such.method").await.unwrap_err());
        assert_eq!(missing.downcast_ref::<NotFoundError>().unwrap().name, "no.such.method");
        for name in ["ns", "ns.sub", "add.x", "dyn.hidden"] {
            let err = remote(client.call::<()>(name).await.unwrap_err());
            assert!(err.is::<NotFoundError>(), "{name}");
        }
        let dynamic: String = client.call("dyn.any.thing").await?;
        assert_eq!(dynamic, "any.thing");

        let parameters = |err: CallError| remote(err).downcast_ref::<ParametersError>().unwrap().message.clone();
        assert_eq!(
            parameters(client.call::<i64>("add").await.unwrap_err()),
            "TypeError(\"missing a required argument: 'a'\")"
        );
        assert_eq!(
            parameters(client.call::<i64>("add").arg(1).arg(2).arg(3).await.unwrap_err()),
            "TypeError('too many positional arguments')"
        );
        assert_eq!(
            parameters(client.call::<i64>("add").arg(1).kwarg("c", 1).await.unwrap_err()),
            "TypeError(\"got an unexpected keyword argument 'c'\")"
        );
        assert!(parameters(client.call::<i64>("add").arg("one").await.unwrap_err()).contains("invalid type"));

        // A return value msgpack cannot carry is an error reply, not silence.
        let unencodable = remote(client.call::<()>("unencodable").await.unwrap_err());
        assert_eq!(unencodable.exc_type(), "builtins.TypeError");
        // So is one a Python peer could not unpack (int map keys): an error
        // reply instead of a reply the client would have to drop.
        let int_keys = remote(client.call::<Value>("int_keys").await.unwrap_err());
        assert_eq!(int_keys.exc_type(), "builtins.TypeError");
        // An argument like that fails the call before anything is sent.
        let refused = client
            .call::<Value>("echo")
            .arg(std::collections::HashMap::from([(1u32, 1u32)]))
            .await
            .unwrap_err();
        assert!(matches!(refused, CallError::Encode(_)), "{refused:?}");

        // A panicking method fails its call with a RuntimeError; the server goes on.
        let panicked = remote(client.call::<()>("panic").await.unwrap_err());
        assert_eq!(panicked.exc_type(), "builtins.RuntimeError");

        // A result that does not fit the requested type is a decode error.
        let wrong = client.call::<String>("add").arg(1).await.unwrap_err();
        assert!(matches!(wrong, CallError::Decode(_)), "{wrong:?}");

        // With an empty table, everything is a GenericError.
        let bare = connect_rpc()
            .connect(&server.endpoints()[0])
            .error_table(ErrorTable::empty())
            .timeout(WAIT)
            .start(runtime_for(rt))?;
        let generic = remote(bare.call::<()>("fail").arg("value").arg("bad").await.unwrap_err());
        let generic = generic.downcast_ref::<GenericError>().unwrap();
        assert_eq!(generic.exc_type, "builtins.ValueError");
        assert_eq!(generic.repr, "ValueError('bad')");
        bare.close();

        // The client refuses an empty name without sending anything.
        assert!(matches!(client.call::<()>("").await, Err(CallError::EmptyName)));
        stop(server, client).await?;
        Ok(())
    }

    async fn user_errors_choose_their_wire_name_and_come_back_typed(rt) {
        #[derive(Debug, thiserror::Error, serde::Deserialize, PartialEq)]
        #[error("{item} is out of stock ({left} left)")]
        struct OutOfStock {
            item: String,
            left: u32,
        }
        impl zmq_rpc::WireError for OutOfStock {
            fn exc_type(&self) -> std::borrow::Cow<'static, str> {
                "shop.OutOfStock".into()
            }
            fn exc_args(&self) -> Vec<Value> {
                vec![self.item.as_str().into(), self.left.into()]
            }
        }
        let runtime = runtime_for(rt);
        let handlers = Handlers::new().method("buy", |item: String| {
            Err::<(), _>(OutOfStock { item, left: 0 })
        });
        let server = serve_rpc(handlers).bind(Transport::Inproc.endpoint()).start(runtime.clone())?;
        let client = connect_rpc()
            .connect(&server.endpoints()[0])
            .error_table(ErrorTable::with_defaults().register_args::<OutOfStock>("shop.OutOfStock"))
            .timeout(WAIT)
            .start(runtime)?;
        let err = remote(client.call::<()>("buy").arg("tea").await.unwrap_err());
        assert_eq!(err.repr(), "OutOfStock('tea', 0)");
        assert_eq!(
            err.downcast_ref::<OutOfStock>(),
            Some(&OutOfStock { item: "tea".into(), left: 0 })
        );
        stop(server, client).await?;
        Ok(())
    }

    async fn user_types_travel_as_ext_values_and_unknown_codes_pass_through(rt) {
        #[derive(Debug, PartialEq)]
        struct Complex { re: f32, im: f32 }
        impl ExtType for Complex {
            const CODE: i8 = 0;
            fn encode_payload(&self) -> Vec<u8> {
                [self.re.to_le_bytes(), self.im.to_le_bytes()].concat()
            }
            fn decode_payload(payload: &[u8]) -> Result<Complex, String> {
                let bytes: [u8; 8] = payload.try_into().map_err(|_| "8 bytes".to_owned())?;
                let (re, im) = bytes.split_at(4);
                Ok(Complex {
                    re: f32::from_le_bytes(re.try_into().unwrap()),
                    im: f32::from_le_bytes(im.try_into().unwrap()),
                })
            }
        }
        let runtime = runtime_for(rt);
        let handlers = Handlers::new()
            .method("conjugate", |AsExt(z): AsExt<Complex>| {
                Ok::<_, std::convert::Infallible>(AsExt(Complex { re: z.re, im: -z.im }))
            })
            .method("echo", |value: Value| Ok::<_, std::convert::Infallible>(value));
        let server = serve_rpc(handlers).bind(Transport::Inproc.endpoint()).start(runtime.clone())?;
        let client = connect_rpc().connect(&server.endpoints()[0]).timeout(WAIT).start(runtime)?;
        let AsExt(conjugate) = client
            .call::<AsExt<Complex>>("conjugate")
            .arg(AsExt(Complex { re: 1.0, im: 2.0 }))
            .await?;
        assert_eq!(conjugate, Complex { re: 1.0, im: -2.0 });
        // Another code does not convert: a ParametersError.
        let err = remote(
            client.call::<AsExt<Complex>>("conjugate").arg(Ext { code: 9, data: vec![0; 8] }).await.unwrap_err(),
        );
        assert!(err.is::<ParametersError>(), "{err}");
        // An unknown code goes through a handler untouched.
        let unknown = Ext { code: 42, data: b"opaque".to_vec() };
        let echoed: Ext = client.call("echo").arg(&unknown).await?;
        assert_eq!(echoed, unknown);
        stop(server, client).await?;
        Ok(())
    }

    async fn a_hundred_concurrent_callers_share_one_client(rt) {
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let mut calls = Vec::new();
        for index in 0..100u64 {
            let client = client.clone();
            calls.push(rt.spawn(async move {
                // Later calls finish first: replies come back out of order.
                let value: u64 = client
                    .call("later")
                    .kwarg("millis", (100 - index) % 7 * 5)
                    .kwarg("value", index)
                    .await?;
                Ok::<_, CallError>((index, value))
            }));
        }
        for call in calls {
            let (index, value) = within(WAIT, "a concurrent call", call).await??;
            assert_eq!(index, value);
        }
        assert_eq!(client.pending_calls(), 0);
        stop(server, client).await?;
        Ok(())
    }

    async fn server_timeout_cancels_the_handler_and_replies_timeout_error(rt) {
        let runtime = runtime_for(rt);
        let cancelled = Arc::new(AtomicBool::new(false));
        struct SetOnDrop(Arc<AtomicBool>);
        impl Drop for SetOnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let flag = Arc::clone(&cancelled);
        let handlers = Handlers::new().async_method("forever", move |()| {
            let guard = SetOnDrop(Arc::clone(&flag));
            async move {
                let _guard = guard;
                sleep_ms(60_000).await;
                Ok::<_, std::convert::Infallible>(())
            }
        });
        let server = serve_rpc(handlers)
            .bind("tcp://127.0.0.1:*")
            .timeout(Duration::from_millis(100))
            .start(runtime.clone())?;
        let client = connect_rpc().connect(&server.endpoints()[0]).timeout(WAIT).start(runtime)?;
        let err = remote(client.call::<()>("forever").await.unwrap_err());
        assert_eq!(err.exc_type(), "builtins.TimeoutError");
        assert_eq!(err.downcast_ref::<BuiltinError>().unwrap().kind, Builtin::TimeoutError);
        within(WAIT, "handler cancelled", async {
            while !cancelled.load(Ordering::SeqCst) {
                sleep_ms(5).await;
            }
        })
        .await?;
        stop(server, client).await?;
        Ok(())
    }

    async fn client_timeout_forgets_the_call_and_drops_the_late_reply(rt) {
        let (server, client) = start_pair(rt, Transport::Ipc)?;
        let impatient = client.with_timeout(Duration::from_millis(50));
        let err = impatient.call::<()>("later").arg(300).await.unwrap_err();
        assert!(matches!(err, CallError::Timeout(_)), "{err:?}");
        assert_eq!(client.pending_calls(), 0, "the entry is removed at once");
        // Per-call timeout too.
        let err = client.call::<()>("later").arg(300).timeout(Duration::from_millis(20)).await.unwrap_err();
        assert!(matches!(err, CallError::Timeout(_)));
        // The late replies arrive and are dropped; the client keeps working.
        sleep_ms(400).await;
        let sum: i64 = client.call("add").arg(2).arg(2).await?;
        assert_eq!(sum, 4);
        stop(server, client).await?;
        Ok(())
    }

    async fn a_short_timeout_set_after_a_long_one_is_not_held_up_by_it(rt) {
        // One timer serves every call of a client: it must move earlier when
        // a call with an earlier deadline comes after a later one.
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let patient = rt.spawn({
            let client = client.clone();
            async move { client.call::<u64>("later").arg(600).arg(7).await }
        });
        a_call_in_flight(&client, "first call in flight").await?;
        let started = std::time::Instant::now();
        let err = client
            .call::<()>("later")
            .arg(5_000)
            .timeout(Duration::from_millis(50))
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Timeout(_)), "{err:?}");
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(50), "timed out early: {waited:?}");
        assert!(waited < Duration::from_millis(500), "held up by the longer deadline: {waited:?}");
        assert_eq!(within(WAIT, "the patient call", patient).await??, 7);
        stop(server, client).await?;
        Ok(())
    }

    async fn timeouts_still_fire_after_many_calls_completed_before_their_deadline(rt) {
        // Calls that complete leave their deadline behind in the client's
        // timer heap until it is rebuilt: the rebuilt heap must keep the
        // deadlines of the calls still pending.
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let slow = client.with_timeout(Duration::from_millis(300));
        let pending = rt.spawn({
            let slow = slow.clone();
            async move { slow.call::<()>("later").arg(5_000).await }
        });
        for n in 0..500i64 {
            let sum: i64 = client.call("add").arg(n).arg(1).await?;
            assert_eq!(sum, n + 1);
        }
        let outcome = within(WAIT, "the call that times out", pending).await?;
        assert!(matches!(outcome, Err(CallError::Timeout(_))), "{outcome:?}");
        assert_eq!(client.pending_calls(), 0);
        stop(server, client).await?;
        Ok(())
    }

    async fn replies_to_overlapping_calls_arrive_while_a_lone_call_receives_its_own(rt) {
        // A call made while no other is in flight receives for the client;
        // replies to calls made meanwhile must reach them through it.
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let _: i64 = client.call("add").arg(1).arg(1).await?;
        let lone = rt.spawn({
            let client = client.clone();
            async move { client.call::<u64>("later").arg(300).arg(1).await }
        });
        a_call_in_flight(&client, "lone call in flight").await?;
        let started = std::time::Instant::now();
        for n in 0..20i64 {
            let sum: i64 = client.call("add").arg(n).arg(1).await?;
            assert_eq!(sum, n + 1);
        }
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "the overlapping calls waited for the lone one: {:?}",
            started.elapsed()
        );
        assert_eq!(within(WAIT, "the lone call", lone).await??, 1);
        stop(server, client).await?;
        Ok(())
    }

    async fn dropping_the_call_that_receives_does_not_strand_the_others(rt) {
        // The receiving goes back to the I/O task when the call that
        // receives is dropped, or the calls still in flight never hear back.
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let _: i64 = client.call("add").arg(1).arg(1).await?;
        let lone = client.call::<()>("later").arg(5_000).into_future();
        let other = rt.spawn({
            let client = client.clone();
            async move {
                sleep_ms(50).await;
                client.call::<u64>("later").arg(300).arg(2).await
            }
        });
        // Poll the lone call for a while, then drop it.
        let outcome = futures_lite::future::or(async { Some(lone.await) }, async {
            sleep_ms(150).await;
            None
        })
        .await;
        assert!(outcome.is_none(), "{outcome:?}");
        // Well before the client's first deadline (WAIT), whose timer
        // would wake the I/O task anyway.
        assert_eq!(within(Duration::from_secs(2), "the other call", other).await??, 2);
        let sum: i64 = client.call("add").arg(2).arg(2).await?;
        assert_eq!(sum, 4);
        stop(server, client).await?;
        Ok(())
    }

    async fn a_lone_call_that_times_out_leaves_its_late_reply_to_be_read(rt) {
        // After a call that received for the client times out, its late
        // reply must still be read (not left in the socket ahead of the
        // next call's), and the next calls work.
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let _: i64 = client.call("add").arg(1).arg(1).await?;
        let err = client
            .call::<u64>("later")
            .arg(100)
            .arg(3)
            .timeout(Duration::from_millis(20))
            .await
            .unwrap_err();
        assert!(matches!(err, CallError::Timeout(_)), "{err:?}");
        sleep_ms(200).await;
        for n in 0..10i64 {
            let sum: i64 = client.call("add").arg(n).arg(2).await?;
            assert_eq!(sum, n + 2);
        }
        assert_eq!(client.pending_calls(), 0);
        stop(server, client).await?;
        Ok(())
    }

    async fn a_call_in_flight_keeps_its_client_and_a_dropped_server_stops(rt) {
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let call = client.call::<String>("later").arg(100).arg("kept");
        drop(client);
        // The call holds the client: it is sent and answered.
        assert_eq!(within(WAIT, "call of a dropped client", call.into_future()).await??, "kept");

        let endpoint = server.endpoints()[0].clone();
        drop(server);
        let client = connect_rpc()
            .connect(&endpoint)
            .timeout(Duration::from_millis(200))
            .start(runtime_for(rt))?;
        let err = client.call::<i64>("add").arg(1).await.unwrap_err();
        assert!(matches!(err, CallError::Timeout(_)), "a dropped server answers nothing: {err:?}");
        client.close();
        Ok(())
    }

    async fn close_fails_pending_and_new_calls_and_cancels_server_calls(rt) {
        let (server, client) = start_pair(rt, Transport::Tcp)?;
        let pending = rt.spawn({
            let client = client.clone();
            async move { client.call::<()>("later").arg(5_000).await }
        });
        a_call_in_flight(&client, "call in flight").await?;
        sleep_ms(50).await;
        client.close();
        client.close();
        let outcome = within(WAIT, "pending call fails", pending).await?;
        assert!(matches!(outcome, Err(CallError::Closed)), "{outcome:?}");
        assert!(matches!(client.call::<()>("add").arg(1).await, Err(CallError::Closed)));
        assert!(matches!(client.socket(), Err(zmq_rpc::ServiceError::Closed)));
        within(WAIT, "client wait_closed", client.wait_closed()).await?;

        // The server still has the 5 s call running; close cancels it.
        server.close();
        server.close();
        within(Duration::from_secs(2), "server wait_closed", server.wait_closed()).await?;
        assert!(matches!(server.socket(), Err(zmq_rpc::ServiceError::Closed)));
        Ok(())
    }
}

/// `serde_bytes`-style wrapper, to show bin decodes into a byte vector.
mod serde_bytes_like {
    pub(crate) struct Bytes(pub(crate) Vec<u8>);

    impl<'de> serde::Deserialize<'de> for Bytes {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
            struct Visitor;
            impl serde::de::Visitor<'_> for Visitor {
                type Value = Bytes;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("bytes")
                }
                fn visit_bytes<E>(self, bytes: &[u8]) -> Result<Bytes, E> {
                    Ok(Bytes(bytes.to_vec()))
                }
                fn visit_byte_buf<E>(self, bytes: Vec<u8>) -> Result<Bytes, E> {
                    Ok(Bytes(bytes))
                }
            }
            deserializer.deserialize_bytes(Visitor)
        }
    }
}
