//! Every classic socket-type pair moves whole multipart messages over tcp,
//! ipc and inproc (STREAM: tcp only, as libzmq offers it).

use std::io::{Read, Write};

use zmq_core::{Multipart, Socket, SocketType};
use zmq_test_support::{TRANSPORTS, Transport, WAIT, awkward_message, connected, within};

async fn exchange(from: &Socket, to: &Socket, message: Multipart) -> Result<Multipart, String> {
    within(WAIT, "send", from.send(message))
        .await?
        .map_err(|e| e.to_string())?;
    within(WAIT, "recv", to.recv())
        .await?
        .map_err(|e| e.to_string())
}

/// Both sides see exactly what the other sent.
async fn symmetric(bound: SocketType, connecting: SocketType) -> zmq_test_support::TestResult {
    for transport in TRANSPORTS {
        let (server, client) = connected(bound, connecting, transport)?;
        let sent = awkward_message(&format!("{transport:?} request"));
        assert_eq!(exchange(&client, &server, sent.clone()).await?, sent);
        let sent = awkward_message(&format!("{transport:?} reply"));
        assert_eq!(exchange(&server, &client, sent.clone()).await?, sent);
    }
    Ok(())
}

zmq_test_support::on_every_executor! {
    async fn pair_with_pair(_rt) {
        symmetric(SocketType::PAIR, SocketType::PAIR).await
    }

    async fn dealer_with_dealer(_rt) {
        symmetric(SocketType::DEALER, SocketType::DEALER).await
    }

    async fn req_with_rep(_rt) {
        for transport in TRANSPORTS {
            let (rep, req) = connected(SocketType::REP, SocketType::REQ, transport)?;
            let request = awkward_message("request");
            assert_eq!(exchange(&req, &rep, request.clone()).await?, request);
            let reply = awkward_message("reply");
            assert_eq!(exchange(&rep, &req, reply.clone()).await?, reply);
        }
        Ok(())
    }

    async fn req_with_router(_rt) {
        for transport in TRANSPORTS {
            let (router, req) = connected(SocketType::ROUTER, SocketType::REQ, transport)?;
            let request = awkward_message("request");
            let mut received = exchange(&req, &router, request.clone()).await?;
            let peer = received.pop_front().expect("routing id");
            assert_eq!(received.pop_front().expect("delimiter"), "");
            assert_eq!(received, request);

            let reply = awkward_message("reply");
            let mut routed = reply.clone();
            routed.push_front("");
            routed.push_front(peer);
            router.send(routed).await?;
            assert_eq!(within(WAIT, "reply", req.recv()).await??, reply);
        }
        Ok(())
    }

    async fn dealer_with_rep(_rt) {
        for transport in TRANSPORTS {
            let (rep, dealer) = connected(SocketType::REP, SocketType::DEALER, transport)?;
            let request = awkward_message("request");
            let mut enveloped = request.clone();
            enveloped.push_front("");
            assert_eq!(exchange(&dealer, &rep, enveloped).await?, request);

            let reply = awkward_message("reply");
            let mut received = exchange(&rep, &dealer, reply.clone()).await?;
            assert_eq!(received.pop_front().expect("delimiter"), "");
            assert_eq!(received, reply);
        }
        Ok(())
    }

    async fn dealer_with_router(_rt) {
        for transport in TRANSPORTS {
            let (router, dealer) = connected(SocketType::ROUTER, SocketType::DEALER, transport)?;
            dealer.set_routing_id(b"dealer-1")?;
            let request = awkward_message("request");
            let mut received = exchange(&dealer, &router, request.clone()).await?;
            let peer = received.pop_front().expect("routing id");
            assert_eq!(received, request);

            let reply = awkward_message("reply");
            let mut routed = reply.clone();
            routed.push_front(peer);
            assert_eq!(exchange(&router, &dealer, routed).await?, reply);
        }
        Ok(())
    }

    async fn push_with_pull(_rt) {
        for transport in TRANSPORTS {
            let (pull, push) = connected(SocketType::PULL, SocketType::PUSH, transport)?;
            let message = awkward_message("pushed");
            assert_eq!(exchange(&push, &pull, message.clone()).await?, message);
        }
        Ok(())
    }

    async fn pub_with_sub(_rt) {
        for transport in TRANSPORTS {
            let (publisher, subscriber) = connected(SocketType::PUB, SocketType::SUB, transport)?;
            subscriber.subscribe("")?;
            zmq_test_support::wait_for_subscription(&publisher, &subscriber, "probe").await?;
            let message = awkward_message("news");
            assert_eq!(exchange(&publisher, &subscriber, message.clone()).await?, message);
        }
        Ok(())
    }

    async fn xpub_with_sub(_rt) {
        for transport in TRANSPORTS {
            let (xpub, subscriber) = connected(SocketType::XPUB, SocketType::SUB, transport)?;
            subscriber.subscribe("topic")?;
            // XPUB sees the subscription itself: 1 then the prefix.
            let subscription = within(WAIT, "subscription", xpub.recv()).await??;
            assert_eq!(subscription[0], &b"\x01topic"[..]);
            let mut message = awkward_message("ignored");
            message[0] = "topic.news".into();
            assert_eq!(exchange(&xpub, &subscriber, message.clone()).await?, message);
        }
        Ok(())
    }

    async fn pub_with_xsub(_rt) {
        for transport in TRANSPORTS {
            let (publisher, xsub) = connected(SocketType::PUB, SocketType::XSUB, transport)?;
            xsub.subscribe("")?;
            zmq_test_support::wait_for_subscription(&publisher, &xsub, "probe").await?;
            let message = awkward_message("news");
            assert_eq!(exchange(&publisher, &xsub, message.clone()).await?, message);
        }
        Ok(())
    }

    async fn xpub_with_xsub(_rt) {
        for transport in TRANSPORTS {
            let (xpub, xsub) = connected(SocketType::XPUB, SocketType::XSUB, transport)?;
            xsub.subscribe("t")?;
            let subscription = within(WAIT, "subscription", xpub.recv()).await??;
            assert_eq!(subscription[0], &b"\x01t"[..]);
            let mut message = awkward_message("ignored");
            message[0] = "t1".into();
            assert_eq!(exchange(&xpub, &xsub, message.clone()).await?, message);
            xsub.unsubscribe("t")?;
            let unsubscription = within(WAIT, "unsubscription", xpub.recv()).await??;
            assert_eq!(unsubscription[0], &b"\x00t"[..]);
        }
        Ok(())
    }

    /// STREAM talks to plain tcp peers; libzmq offers it over tcp only.
    async fn stream_with_raw_tcp_client(_rt) {
        let stream = Socket::new(SocketType::STREAM)?;
        let endpoint = stream.bind(&Transport::Tcp.endpoint())?;
        let address = endpoint.trim_start_matches("tcp://").to_owned();
        let client = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
            let mut tcp = std::net::TcpStream::connect(address)?;
            tcp.set_read_timeout(Some(WAIT))?;
            tcp.write_all(b"raw bytes in")?;
            let mut reply = vec![0u8; b"raw bytes out".len()];
            tcp.read_exact(&mut reply)?;
            Ok(reply)
        });

        // A new connection shows as [id, ""], then data as [id, bytes].
        let connected = within(WAIT, "connect notice", stream.recv()).await??;
        assert_eq!(connected.len(), 2);
        assert!(connected[1].is_empty());
        let peer = connected[0].clone();
        let mut received = Vec::new();
        while received.len() < b"raw bytes in".len() {
            let data = within(WAIT, "data", stream.recv()).await??;
            assert_eq!(data[0], peer);
            received.extend_from_slice(&data[1]);
        }
        assert_eq!(received, b"raw bytes in");
        stream.send([peer.to_vec(), b"raw bytes out".to_vec()]).await?;
        let reply = client.join().expect("client thread")?;
        assert_eq!(reply, b"raw bytes out");
        Ok(())
    }
}
