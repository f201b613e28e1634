//! Hand-built frames against our server, and a hand-built server against
//! our client: malformed input is dropped or answered, and serving goes on.

mod support;

use std::time::Duration;

use support::{runtime_for, test_handlers};
use zmq_core::{Multipart, Socket, SocketType};
use zmq_rpc::codec::{Reply, Request};
use zmq_rpc::rmpv::Value;
use zmq_rpc::wire::{ReplyHeader, RequestHeader, SenderPrefix};
use zmq_rpc::{CallError, DecodeError, ErrorBody, ParametersError, connect_rpc, serve_rpc};
use zmq_test_support::{Transport, WAIT, on_every_executor, timeout, within};

const PREFIX: SenderPrefix = SenderPrefix { pid: 1, random: 2 };

fn request_frames(request_id: u32, name: &[u8], args: &[u8], kwargs: &[u8]) -> Vec<Vec<u8>> {
    let header = RequestHeader {
        sender: PREFIX,
        request_id,
        timestamp: 0.0,
    };
    vec![
        header.encode().to_vec(),
        name.to_vec(),
        args.to_vec(),
        kwargs.to_vec(),
    ]
}

/// Sends a good `add(a, b)` as request `request_id` and expects exactly its
/// reply next (so nothing was sent for anything malformed before it).
async fn good_call_is_answered(dealer: &Socket, request_id: u32) -> Result<(), String> {
    let frames = request_frames(request_id, b"add", b"\x92\x01\x02", b"\x80");
    dealer.send(frames).await.map_err(|e| e.to_string())?;
    let reply = within(WAIT, "reply to the good call", dealer.recv())
        .await?
        .map_err(|e| e.to_string())?;
    let reply = Reply::decode(&reply.to_vecs()).map_err(|e| e.to_string())?;
    assert_eq!(reply.header.request_id, request_id);
    assert!(!reply.header.is_error);
    assert_eq!(reply.body, Value::from(3));
    Ok(())
}

on_every_executor! {
    async fn every_malformed_request_is_dropped_and_the_next_call_answered(rt) {
        let server = serve_rpc(test_handlers())
            .bind(Transport::Tcp.endpoint())
            .start(runtime_for(rt))?;
        let dealer = Socket::new(SocketType::DEALER)?;
        dealer.connect(&server.endpoints()[0])?;
        good_call_is_answered(&dealer, 1).await?;

        let good = request_frames(0, b"add", b"\x92\x01\x02", b"\x80");
        let mut malformed: Vec<(&str, Vec<Vec<u8>>)> = vec![
            ("three frames", good[1..].to_vec()),
            ("a single empty frame", vec![vec![]]),
            ("header of 15 bytes", { let mut f = good.clone(); f[0].pop(); f }),
            ("header of 17 bytes", { let mut f = good.clone(); f[0].push(0); f }),
            ("non-UTF-8 name", { let mut f = good.clone(); f[1] = vec![0xff, 0xfe]; f }),
            ("truncated args", { let mut f = good.clone(); f[2] = vec![0x92, 0x01]; f }),
            ("reserved marker", { let mut f = good.clone(); f[2] = vec![0xc1]; f }),
            ("trailing bytes", { let mut f = good.clone(); f[3] = vec![0x80, 0x80]; f }),
            ("int map key", { let mut f = good.clone(); f[3] = vec![0x81, 0x01, 0x02]; f }),
            ("invalid UTF-8 str", { let mut f = good.clone(); f[2] = vec![0x91, 0xa1, 0xff]; f }),
            ("too deep", { let mut f = good.clone(); f[2] = vec![0x91; 10_000]; f }),
        ];
        // A trailing extra frame: the last four frames are no longer a request.
        let mut extra = good.clone();
        extra.push(b"\x80".to_vec());
        malformed.push(("trailing extra frame", extra));
        for (index, (what, frames)) in malformed.into_iter().enumerate() {
            dealer.send(frames).await?;
            good_call_is_answered(&dealer, 100 + index as u32)
                .await
                .map_err(|e| format!("after {what}: {e}"))?;
        }

        // kwargs that are an array, or with a bin key, and args that are a
        // map: ParametersError replies, as aiozmq sends.
        for (id, args, kwargs) in [
            (200u32, &b"\x91\x01"[..], &b"\x90"[..]),
            (201, b"\x91\x01", b"\x81\xc4\x01b\x02"),
            (202, b"\x81\xa1a\x01", b"\x80"),
        ] {
            dealer.send(request_frames(id, b"add", args, kwargs)).await?;
            let reply = within(WAIT, "parameters error", dealer.recv()).await??;
            let reply = Reply::decode(&reply.to_vecs())?;
            assert_eq!(reply.header.request_id, id);
            let body = reply.error_body().expect("an error reply")?;
            assert_eq!(body.exc_type, "aiozmq.rpc.base.ParametersError");
        }
        good_call_is_answered(&dealer, 300).await?;
        server.close();
        within(WAIT, "wait_closed", server.wait_closed()).await?;
        Ok(())
    }

    async fn random_messages_never_stop_the_server(rt) {
        let server = serve_rpc(test_handlers())
            .bind(Transport::Tcp.endpoint())
            .start(runtime_for(rt))?;
        let dealer = Socket::new(SocketType::DEALER)?;
        dealer.connect(&server.endpoints()[0])?;
        let mut state = 0x0123_4567_89ab_cdefu64;
        let mut next = move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_f491_4f6c_dd1d)
        };
        let good = request_frames(0, b"echo", b"\x91\x01", b"\x80");
        for round in 0..300u32 {
            // Four frames shaped like a request, one of them scrambled, or
            // any number of random frames.
            let frames: Vec<Vec<u8>> = if round % 2 == 0 {
                let mut frames = good.clone();
                let which = (next() % 4) as usize;
                let len = (next() % 24) as usize;
                frames[which] = (0..len).map(|_| next() as u8).collect();
                frames
            } else {
                (0..1 + next() % 6)
                    .map(|_| (0..next() % 20).map(|_| next() as u8).collect())
                    .collect()
            };
            dealer.send(frames).await?;
        }
        // Some scrambled requests may still be valid calls and get replies;
        // drain them, then a good call is answered.
        while timeout(Duration::from_millis(200), dealer.recv()).await.is_some() {}
        good_call_is_answered(&dealer, 4242).await?;
        server.close();
        Ok(())
    }

    async fn a_pickle_outside_the_allow_list_fails_the_call_and_serving_goes_on(rt) {
        use zmq_rpc::datetime::Date;
        use zmq_rpc::msgpack::encode_value;

        let handlers = zmq_rpc::Handlers::new()
            .method("day", |date: Date| Ok::<_, std::convert::Infallible>(date.day));
        let server = serve_rpc(handlers).bind(Transport::Tcp.endpoint()).start(runtime_for(rt))?;
        let dealer = Socket::new(SocketType::DEALER)?;
        dealer.connect(&server.endpoints()[0])?;
        // os.system('echo pwned') as aiozmq would unpickle (and run) it.
        let evil = b"cos\nsystem\n(S'echo pwned'\ntR.".to_vec();
        let good = Date::new(2014, 3, 21).unwrap();
        let good = zmq_rpc::msgpack::to_value(&good)?;
        for (id, payload, code) in [
            (1u32, evil.clone(), 127i8),
            (2, evil, 126),
            (3, vec![0x80, 0x04, 0x58, 0xff, 0xff, 0xff, 0xff], 127),
        ] {
            let args = encode_value(&Value::Array(vec![Value::Ext(code, payload)]));
            dealer.send(request_frames(id, b"day", &args, b"\x80")).await?;
            let reply = within(WAIT, "parameters error", dealer.recv()).await??;
            let reply = Reply::decode(&reply.to_vecs())?;
            assert_eq!(reply.header.request_id, id);
            let body = reply.error_body().expect("an error reply")?;
            assert_eq!(body.exc_type, "aiozmq.rpc.base.ParametersError");
        }
        let args = encode_value(&Value::Array(vec![good]));
        dealer.send(request_frames(4, b"day", &args, b"\x80")).await?;
        let reply = within(WAIT, "the good call", dealer.recv()).await??;
        let reply = Reply::decode(&reply.to_vecs())?;
        assert_eq!((reply.header.request_id, reply.header.is_error), (4, false));
        assert_eq!(reply.body, Value::from(21));
        server.close();
        Ok(())
    }

    async fn envelopes_are_echoed_so_req_clients_work(rt) {
        let server = serve_rpc(test_handlers())
            .bind(Transport::Ipc.endpoint())
            .start(runtime_for(rt))?;
        let req = Socket::new(SocketType::REQ)?;
        req.connect(&server.endpoints()[0])?;
        req.send(request_frames(7, b"ns.sub.neg", b"\x91\x05", b"\x80")).await?;
        let reply = within(WAIT, "REQ reply", req.recv()).await??;
        assert_eq!(reply.len(), 2, "REQ strips the echoed delimiter");
        let reply = Reply::decode(&reply.to_vecs())?;
        assert_eq!(reply.header.request_id, 7);
        assert_eq!(reply.body, Value::from(-5));

        // A DEALER with its own empty delimiter gets it back in front.
        let dealer = Socket::new(SocketType::DEALER)?;
        dealer.connect(&server.endpoints()[0])?;
        let mut message = Multipart::from(vec![Vec::<u8>::new()]);
        message.extend(request_frames(8, b"add", b"\x92\x01\x02", b"\x80"));
        dealer.send(message).await?;
        let reply = within(WAIT, "DEALER reply", dealer.recv()).await??;
        assert_eq!(reply.len(), 3);
        assert!(reply[0].is_empty());
        server.close();
        Ok(())
    }

    async fn client_ids_start_at_one_and_wrap_to_zero_against_a_raw_server(rt) {
        let router = Socket::new(SocketType::ROUTER)?;
        let endpoint = router.bind(&Transport::Tcp.endpoint())?;
        let client = connect_rpc()
            .connect(&endpoint)
            .timeout(WAIT)
            .start(runtime_for(rt))?;
        let wrapping = connect_rpc()
            .connect(&endpoint)
            .timeout(WAIT)
            .last_request_id(u32::MAX - 1)
            .start(runtime_for(rt))?;
        let server = async {
            let mut seen = Vec::new();
            for _ in 0..4 {
                let message = router.recv().await?;
                let (envelope, request) = Request::from_router_message(&message)?;
                seen.push(request.header.request_id);
                let header = ReplyHeader { sender: PREFIX, request_id: request.header.request_id, timestamp: 0.0, is_error: false };
                let mut reply = envelope;
                reply.extend(Reply::success(header, request.header.request_id.into()).encode());
                router.send(reply).await?;
            }
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(seen)
        };
        let calls = async {
            let first: u32 = client.call("id").await?;
            let ids = [
                wrapping.call::<u32>("id").await?,
                wrapping.call::<u32>("id").await?,
                wrapping.call::<u32>("id").await?,
            ];
            Ok::<_, CallError>((first, ids))
        };
        let (seen, ids) = within(WAIT, "raw exchange", futures_lite::future::zip(server, calls)).await?;
        let (first, ids) = ids?;
        assert_eq!(first, 1);
        assert_eq!(ids, [u32::MAX, 0, 1]);
        assert_eq!(seen?, vec![1, u32::MAX, 0, 1]);
        client.close();
        wrapping.close();
        Ok(())
    }

    async fn malformed_unknown_and_late_replies_never_hang_the_client(rt) {
        let router = Socket::new(SocketType::ROUTER)?;
        let endpoint = router.bind(&Transport::Inproc.endpoint())?;
        let client = connect_rpc()
            .connect(&endpoint)
            .timeout(WAIT)
            .start(runtime_for(rt))?;
        let server = async {
            // 1: garbage (3 frames, bad header), an unknown id, then a reply
            //    whose error body is not [str, array, str].
            let (envelope, request) = Request::from_router_message(&router.recv().await?)?;
            let id = request.header.request_id;
            let header = |request_id, is_error| ReplyHeader { sender: PREFIX, request_id, timestamp: 0.0, is_error };
            let mut garbage = envelope.clone();
            garbage.extend([&b"x"[..], b"y", b"z"]);
            router.send(garbage).await?;
            let mut short_header = envelope.clone();
            short_header.extend([&[0u8; 16][..], b"\x03"]);
            router.send(short_header).await?;
            let mut unknown = envelope.clone();
            unknown.extend(Reply::success(header(id + 1000, false), 1.into()).encode());
            router.send(unknown).await?;
            let mut bad_error = envelope.clone();
            bad_error.extend(Reply { header: header(id, true), body: Value::from("not a body") }.encode());
            router.send(bad_error).await?;
            // 2: a ParametersError whose args do not rebuild it.
            let (envelope, request) = Request::from_router_message(&router.recv().await?)?;
            let odd = ErrorBody::new("aiozmq.rpc.base.ParametersError", vec![1.into(), 2.into()]);
            let mut reply = envelope;
            reply.extend(Reply::error(header(request.header.request_id, true), &odd).encode());
            router.send(reply).await?;
            // 3: a proper ParametersError.
            let (envelope, request) = Request::from_router_message(&router.recv().await?)?;
            let proper = ErrorBody::parameters_type_error("too many positional arguments");
            let mut reply = envelope;
            reply.extend(Reply::error(header(request.header.request_id, true), &proper).encode());
            router.send(reply).await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        };
        let calls = async {
            let first = client.call::<()>("f").await.unwrap_err();
            assert!(matches!(first, CallError::Decode(DecodeError::ErrorBody(_))), "{first:?}");
            let second = client.call::<()>("f").await.unwrap_err();
            assert!(matches!(second, CallError::Untranslatable { .. }), "{second:?}");
            let third = client.call::<()>("f").await.unwrap_err();
            let CallError::Remote(remote) = third else { panic!("{third:?}") };
            assert_eq!(
                remote.downcast_ref::<ParametersError>().unwrap().message,
                "TypeError('too many positional arguments')"
            );
        };
        let (served, ()) = within(WAIT, "raw exchange", futures_lite::future::zip(server, calls)).await?;
        served?;
        // Nothing else arrives for the client; it still has no pending call.
        assert!(timeout(Duration::from_millis(50), router.recv()).await.is_none());
        assert_eq!(client.pending_calls(), 0);
        client.close();
        Ok(())
    }
}
