//! A one-frame message is stored inline (no `VecDeque`); these tests pin
//! that the inline form survives the socket paths: given back intact on a
//! send that would block, and delivered whole over a real socket pair.

use zmq_core::{Frame, Multipart, SendError, Socket, SocketType};
use zmq_test_support::{TestResult, Transport, WAIT, connected, within};

/// `send_multipart` must not consume or empty a one-frame message when
/// libzmq refuses its only frame with EAGAIN.
#[test]
fn one_frame_message_that_would_block_comes_back_intact() -> TestResult {
    let push = Socket::new(SocketType::PUSH)?;
    for message in [
        Multipart::from("later"),
        Multipart::from(vec![0x5au8; 32]),
        Multipart::from(vec![0xa5u8; 4096]),
        Multipart::from(""),
    ] {
        let SendError {
            error,
            message: unsent,
        } = push.try_send(message.clone()).unwrap_err();
        assert!(error.is_would_block(), "{error}");
        assert_eq!(unsent, message);
        assert_eq!(unsent.len(), 1);
        assert_eq!(unsent.byte_len(), message.byte_len());
    }
    // Many frames are given back intact as well.
    let envelope = Multipart::from(["peer", "", "body"]);
    let unsent = push.try_send(envelope.clone()).unwrap_err().message;
    assert_eq!(unsent, envelope);
    Ok(())
}

/// One-frame messages (and a many-frame one between them) round-trip over
/// an inproc PAIR, through both `try_send` and the async `send`.
#[test]
fn one_frame_messages_round_trip_over_inproc_pair() -> TestResult {
    let (server, client) = connected(SocketType::PAIR, SocketType::PAIR, Transport::Inproc)?;
    let sent = [
        Multipart::from("hello"),
        Multipart::from(vec![0x5au8; 32]),
        Multipart::from(["peer", "", "body"]),
        Multipart::from(""),
        Multipart::from(Frame::from(vec![0xa5u8; 4096])),
    ];
    futures_lite::future::block_on(async {
        for message in &sent {
            client.send(message.clone()).await?;
            let received = within(WAIT, "recv", server.recv()).await??;
            assert_eq!(&received, message);

            server.try_send(message.clone())?;
            let echoed = within(WAIT, "recv", client.recv()).await??;
            assert_eq!(&echoed, message);
        }
        TestResult::Ok(())
    })
}
