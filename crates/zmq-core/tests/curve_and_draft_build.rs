//! The workspace's libzmq build (docs/architecture.md, "Our libzmq build"):
//! CURVE over the bundled libsodium and the DRAFT API are there and work,
//! and on Linux libzmq signals through eventfd and carries our source
//! patches.

use std::time::Duration;

use zmq_core::zmq::{CurveKeyPair, Mechanism};
use zmq_core::{Error, Socket, SocketType};
use zmq_test_support::{TestResult, Transport, WAIT, timeout, within};

/// How long a peer that must not get a message waits before we conclude it
/// got none.
const SILENCE: Duration = Duration::from_millis(500);

#[test]
fn linked_libzmq_has_curve_draft_and_is_4_3_5_or_newer() {
    assert_eq!(zmq_core::zmq::has("curve"), Some(true));
    assert_eq!(zmq_core::zmq::has("draft"), Some(true));
    let caps = zmq_core::capabilities();
    assert!(caps.curve && caps.draft && caps.ipc, "{caps:?}");
    assert!(caps.version >= (4, 3, 5), "{caps:?}");
    assert_eq!(caps.version, zmq_core::zmq::version());
}

/// On Linux our libzmq is built with `ZMQ_HAVE_EVENTFD` (by the second,
/// patched compile of our `zeromq-src` patch, see "Our libzmq build" in
/// docs/architecture.md): a socket's mailbox, and so its `ZMQ_FD`, is an
/// eventfd, not one end of a unix socketpair (`socket:[...]`), which is what
/// libzmq falls back to without the define.
#[cfg(target_os = "linux")]
#[test]
fn zmq_fd_is_an_eventfd_on_linux() -> TestResult {
    let context = zmq_core::zmq::Context::new();
    for kind in [
        zmq_core::zmq::PAIR,
        zmq_core::zmq::DEALER,
        zmq_core::zmq::SUB,
    ] {
        let socket = context.socket(kind)?;
        let fd = socket.get_fd()?;
        let target = std::fs::read_link(format!("/proc/self/fd/{fd}"))?;
        assert_eq!(
            target,
            std::path::Path::new("anon_inode:[eventfd]"),
            "ZMQ_FD {fd} of a {kind:?} socket; without ZMQ_HAVE_EVENTFD \
             libzmq uses a socketpair (is the patched Linux build linked?)"
        );
    }
    Ok(())
}

/// On Linux the linked libzmq is the one our `zeromq-src` patch compiled
/// with its source patches (`crates/zeromq-src-patched/src/patched_build.rs`),
/// not upstream's unpatched build of the same sources.
#[cfg(target_os = "linux")]
#[test]
fn libzmq_carries_our_source_patches() {
    // Our build makes `zmq_has` announce each patch it applied.
    for patch in [
        "mailbox-no-empty-poll",
        "live-hwm-resync",
        "live-hwm-resync-local",
    ] {
        let capability = format!("zmq-async:{patch}");
        assert_eq!(zmq_core::zmq::has(&capability), Some(true), "{capability}");
    }
    assert_eq!(zmq_core::zmq::has("zmq-async:no-such-patch"), Some(false));
    assert!(zmq_core::capabilities().live_hwm_changes);
}

#[test]
fn tuned_batch_sizes_are_the_default_of_our_sockets_and_overridable() -> TestResult {
    // Every way this crate creates a socket applies the tuned default.
    let made = [
        Socket::new(SocketType::PUSH)?,
        zmq_core::Context::global().socket(SocketType::PULL)?,
        zmq_core::Context::new().socket(SocketType::ROUTER)?,
    ];
    for socket in &made {
        assert_eq!(socket.in_batch_size()?, zmq_core::DEFAULT_BATCH_SIZE);
        assert_eq!(socket.out_batch_size()?, zmq_core::DEFAULT_BATCH_SIZE);
    }
    assert_eq!(zmq_core::DEFAULT_BATCH_SIZE, 256 * 1024);

    // Overridable per socket, and the override is what a connection uses:
    // messages still flow with libzmq's stock 8 KiB on one side.
    let (push, pull) = (&made[0], &made[1]);
    push.set_out_batch_size(8192)?;
    pull.set_in_batch_size(8192)?;
    assert_eq!(push.out_batch_size()?, 8192);
    assert_eq!(pull.in_batch_size()?, 8192);
    let endpoint = pull.bind(&Transport::Tcp.endpoint())?;
    push.connect(&endpoint)?;
    futures_lite::future::block_on(async {
        within(WAIT, "send", push.send(vec![7u8; 100_000])).await??;
        let received = within(WAIT, "recv", pull.recv()).await??;
        assert_eq!(received[0].len(), 100_000);
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    })?;

    // An adopted socket keeps its own options: libzmq's default here.
    let raw = zmq_core::zmq::Context::new().socket(zmq_core::zmq::PAIR)?;
    let adopted = Socket::from_zmq(raw)?;
    assert_eq!(adopted.in_batch_size()?, 8192);
    assert_eq!(adopted.out_batch_size()?, 8192);
    Ok(())
}

#[test]
fn batch_sizes_round_trip_and_bad_values_are_errors() -> TestResult {
    let socket = Socket::new(SocketType::DEALER)?;
    socket.set_in_batch_size(256 * 1024)?;
    socket.set_out_batch_size(64 * 1024)?;
    assert_eq!(socket.in_batch_size()?, 256 * 1024);
    assert_eq!(socket.out_batch_size()?, 64 * 1024);
    socket.set_in_batch_size(1)?;
    assert_eq!(socket.in_batch_size()?, 1);

    let zero = socket.set_out_batch_size(0).unwrap_err();
    assert_eq!(zero.errno(), Some(zmq_core::zmq::Error::EINVAL.to_raw()));
    let huge = socket.set_in_batch_size(usize::MAX).unwrap_err();
    assert!(
        matches!(
            huge,
            Error::InvalidOption {
                option: "ZMQ_IN_BATCH_SIZE",
                ..
            }
        ),
        "{huge:?}"
    );
    assert_eq!(
        socket.out_batch_size()?,
        64 * 1024,
        "a refused value changes nothing"
    );

    socket.close();
    assert!(matches!(socket.in_batch_size(), Err(Error::Closed)));
    assert!(matches!(
        socket.set_out_batch_size(4096),
        Err(Error::Closed)
    ));
    Ok(())
}

/// A CURVE server (ROUTER) bound on tcp, and its key pair.
fn curve_server() -> zmq_core::Result<(Socket, String, CurveKeyPair)> {
    let keys = CurveKeyPair::new()?;
    let server = Socket::new(SocketType::ROUTER)?;
    server.set_curve_server(true)?;
    server.set_curve_secret_key(&keys.secret_key)?;
    let endpoint = server.bind(&Transport::Tcp.endpoint())?;
    Ok((server, endpoint, keys))
}

/// A CURVE client (DEALER) with a fresh key pair that trusts `server_key`.
fn curve_client(server_key: &[u8], endpoint: &str) -> zmq_core::Result<Socket> {
    let keys = CurveKeyPair::new()?;
    let client = Socket::new(SocketType::DEALER)?;
    client.set_curve_server_key(server_key)?;
    client.set_curve_public_key(&keys.public_key)?;
    client.set_curve_secret_key(&keys.secret_key)?;
    client.connect(endpoint)?;
    Ok(client)
}

zmq_test_support::on_every_executor! {
    async fn curve_handshake_succeeds_and_messages_go_both_ways(_rt) {
        let (server, endpoint, server_keys) = curve_server()?;
        let client = curve_client(&server_keys.public_key, &endpoint)?;
        assert_eq!(server.mechanism()?, Mechanism::ZMQ_CURVE);
        assert_eq!(client.mechanism()?, Mechanism::ZMQ_CURVE);

        within(WAIT, "client send", client.send(["secret", "payload"])).await??;
        let request = within(WAIT, "server recv", server.recv()).await??;
        assert_eq!(request.len(), 3, "routing id + two frames");
        assert_eq!(request[1], "secret");
        assert_eq!(request[2], "payload");

        let peer = request[0].to_vec();
        within(WAIT, "server send", server.send([peer.as_slice(), &b"reply"[..]])).await??;
        let reply = within(WAIT, "client recv", client.recv()).await??;
        assert_eq!(reply[0], "reply");
        Ok(())
    }

    async fn a_client_with_the_wrong_server_key_gets_nothing_through(_rt) {
        let (server, endpoint, server_keys) = curve_server()?;
        let impostor_keys = CurveKeyPair::new()?;
        let wrong = curve_client(&impostor_keys.public_key, &endpoint)?;
        // A client without CURVE at all is refused too.
        let plain = Socket::new(SocketType::DEALER)?;
        plain.connect(&endpoint)?;

        // The messages queue on the clients' side; the handshake never
        // completes, so none reaches the server.
        within(WAIT, "wrong-key send", wrong.send("let me in")).await??;
        within(WAIT, "no-curve send", plain.send("let me in")).await??;
        let received = timeout(SILENCE, server.recv()).await;
        assert!(received.is_none(), "the server got {received:?}");

        // The server still serves a client that has its key.
        let good = curve_client(&server_keys.public_key, &endpoint)?;
        within(WAIT, "good send", good.send("hello")).await??;
        let request = within(WAIT, "server recv", server.recv()).await??;
        assert_eq!(request[1], "hello");
        assert!(timeout(SILENCE, server.recv()).await.is_none(), "only the good client's message");
        Ok(())
    }

    async fn large_batch_sizes_carry_a_stream_of_messages(_rt) {
        let pull = Socket::new(SocketType::PULL)?;
        pull.set_in_batch_size(256 * 1024)?;
        let endpoint = pull.bind(&Transport::Tcp.endpoint())?;
        let push = Socket::new(SocketType::PUSH)?;
        push.set_out_batch_size(256 * 1024)?;
        push.connect(&endpoint)?;

        const COUNT: u32 = 2_000;
        let send_all = async {
            for sequence in 0..COUNT {
                let mut body = vec![0x5au8; 1024];
                body[..4].copy_from_slice(&sequence.to_be_bytes());
                push.send(body).await?;
            }
            Ok::<(), Error>(())
        };
        let receive_all = async {
            for expected in 0..COUNT {
                let message = pull.recv().await?;
                assert_eq!(message[0].len(), 1024);
                assert_eq!(message[0][..4], expected.to_be_bytes());
            }
            Ok::<(), Error>(())
        };
        let (sent, received) =
            within(WAIT, "stream", futures_lite::future::zip(send_all, receive_all)).await?;
        sent?;
        received?;
        Ok(())
    }
}
