//! Until the user sets them, a socket sizes its high-water marks by the
//! bytes they hold (see `Socket::sndhwm`): deep for small messages in
//! queues that fill, libzmq's 1 000 for large messages and for
//! request-reply traffic, and never again once set by hand.

use std::time::Duration;

use zmq_core::{Socket, SocketType};
use zmq_test_support::{TRANSPORTS, Transport, WAIT, connected, within};

/// The mark sized for 32-byte messages: 2 MiB of 64-byte `zmq_msg_t`s.
const SMALL_MESSAGE_MARK: i32 = 32_768;
/// libzmq's default, kept for large messages.
const LIBZMQ_DEFAULT_MARK: i32 = 1_000;

fn connected_push_pull(transport: Transport) -> zmq_core::Result<(Socket, Socket)> {
    let (pull, push) = connected(SocketType::PULL, SocketType::PUSH, transport)?;
    Ok((push, pull))
}

/// Sends 32-byte messages without waiting until the socket says no and
/// stays saying no for a while: then every queue on the way is full (the
/// receiver is not reading), the receiver's included, however late libzmq's
/// I/O thread got to move them. Returns how many it sent.
async fn fill(push: &Socket) -> usize {
    let mut sent = 0;
    let mut quiet_rounds = 0;
    for _ in 0..500 {
        let before = sent;
        while push.try_send(&[0x5au8; 32][..]).is_ok() {
            sent += 1;
            assert!(sent < 10_000_000, "the queues never filled");
        }
        quiet_rounds = if sent == before { quiet_rounds + 1 } else { 0 };
        if quiet_rounds == 3 {
            return sent;
        }
        zmq_test_support::sleep(Duration::from_millis(10)).await;
    }
    panic!("the queues kept taking messages: {sent} sent");
}

/// Receives `queued` messages already waiting while sending `count`
/// messages of `size` bytes; the receiver must get every one.
async fn stream(
    push: &Socket,
    pull: &Socket,
    queued: usize,
    count: usize,
    size: usize,
    what: &str,
) -> zmq_test_support::TestResult {
    let sender = async {
        for _ in 0..count {
            push.send(vec![0x5au8; size]).await.map_err(|e| e.error)?;
        }
        Ok::<_, zmq_core::Error>(())
    };
    let receiver = async {
        for _ in 0..queued + count {
            pull.recv().await?;
        }
        Ok::<_, zmq_core::Error>(())
    };
    let (sent, received) =
        within(WAIT * 3, what, futures_lite::future::zip(sender, receiver)).await?;
    sent?;
    received?;
    Ok(())
}

zmq_test_support::on_every_executor! {
    async fn full_queues_of_small_messages_deepen_and_large_messages_restore_the_default(_rt) {
        for transport in TRANSPORTS {
            let (push, pull) = connected_push_pull(transport)?;
            assert_eq!(push.sndhwm()?, LIBZMQ_DEFAULT_MARK);
            let queued = fill(&push).await;
            stream(&push, &pull, queued, 3_000, 32, &format!("{transport:?}: small")).await?;
            assert_eq!(push.sndhwm()?, SMALL_MESSAGE_MARK, "{transport:?}");
            assert_eq!(pull.rcvhwm()?, SMALL_MESSAGE_MARK, "{transport:?}");
            stream(&push, &pull, 0, 3_000, 4_096, &format!("{transport:?}: large")).await?;
            assert_eq!(push.sndhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
            assert_eq!(pull.rcvhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
        }
        Ok(())
    }

    async fn request_reply_traffic_keeps_the_default_marks(_rt) {
        for transport in TRANSPORTS {
            let (router, dealer) = connected(SocketType::ROUTER, SocketType::DEALER, transport)?;
            let trips = async {
                for _ in 0..3_000 {
                    dealer.send(&[0x5au8; 32][..]).await.map_err(|e| e.error)?;
                    let request = router.recv().await?;
                    router.send(request).await.map_err(|e| e.error)?;
                    dealer.recv().await?;
                }
                Ok::<_, zmq_core::Error>(())
            };
            within(WAIT * 3, &format!("{transport:?}: round trips"), trips).await??;
            for socket in [&router, &dealer] {
                assert_eq!(socket.sndhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
                assert_eq!(socket.rcvhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
            }
        }
        Ok(())
    }

    // The stall of section 8 in docs/performance.md: a full, deep queue of
    // small messages, then large ones, lowers a live mark under it.
    async fn a_sized_mark_lowered_under_a_full_deep_queue_does_not_stall_the_connection(_rt) {
        for transport in TRANSPORTS {
            let (push, pull) = connected_push_pull(transport)?;
            let queued = fill(&push).await;
            stream(&push, &pull, queued, 3_000, 32, &format!("{transport:?}: small")).await?;
            assert_eq!(push.sndhwm()?, SMALL_MESSAGE_MARK, "{transport:?}");
            let queued = fill(&push).await;
            stream(&push, &pull, queued, 2_000, 8_192, &format!("{transport:?}: large")).await?;
            assert_eq!(push.sndhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
        }
        Ok(())
    }

    async fn a_mark_set_by_hand_is_never_sized(_rt) {
        for transport in TRANSPORTS {
            let (push, pull) = connected_push_pull(transport)?;
            push.set_sndhwm(2_000)?;
            // Set around the typed setter: noticed all the same.
            pull.with_raw(|raw| raw.set_rcvhwm(3_000))??;
            let queued = fill(&push).await;
            stream(&push, &pull, queued, 3_000, 32, &format!("{transport:?}: small")).await?;
            assert_eq!(push.sndhwm()?, 2_000, "{transport:?}");
            assert_eq!(pull.rcvhwm()?, 3_000, "{transport:?}");
        }
        Ok(())
    }
}
