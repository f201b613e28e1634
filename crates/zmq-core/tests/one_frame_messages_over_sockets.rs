//! A one-frame message is stored inline (no `VecDeque`); these tests pin
//! that the inline form survives the socket paths: given back intact on a
//! send that would block, and delivered whole over a real socket pair.

use zmq_core::{Frame, Multipart, SendError, Socket, SocketType};
use zmq_test_support::{TRANSPORTS, TestResult, Transport, WAIT, connected, within};

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

zmq_test_support::on_every_executor! {
    /// A sent frame is forgotten rather than closed (libzmq leaves it
    /// empty and owning nothing): pins that this leaks no buffer, for
    /// one-frame and many-frame messages, through `send` and `try_send`,
    /// over every transport. Each buffer is handed to libzmq without a
    /// copy, so its tracker says when libzmq let go of it.
    async fn sent_frames_that_are_forgotten_leak_no_buffer(_rt) {
        for transport in TRANSPORTS {
            let (pull, push) = connected(SocketType::PULL, SocketType::PUSH, transport)?;
            let mut trackers = Vec::new();
            let mut tracked = || {
                let (frame, tracker) = Frame::tracked(vec![0x5au8; 4096]);
                trackers.push(tracker);
                frame
            };
            let one = Multipart::from(tracked());
            let many: Multipart = [tracked(), tracked(), tracked()].into_iter().collect();
            let by_try_send = Multipart::from(tracked());
            push.send(one).await?;
            push.send(many).await?;
            push.try_send(by_try_send)?;
            for expected_frames in [1, 3, 1] {
                let received = within(WAIT, "recv", pull.recv()).await??;
                assert_eq!(received.len(), expected_frames, "{transport:?}");
                assert!(received.iter().all(|frame| frame.len() == 4096));
            }
            for tracker in &trackers {
                within(WAIT, "release", tracker.released()).await?;
            }
        }
        Ok(())
    }
}
