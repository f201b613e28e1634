//! Until the user sets them, a socket sizes its high-water marks by the
//! bytes they hold (see `Socket::sndhwm`): deep for small messages,
//! libzmq's 1 000 for large ones, and never again once set by hand.

use zmq_core::{Socket, SocketType};
use zmq_test_support::{TRANSPORTS, Transport, WAIT, within};

/// The mark sized for 32-byte messages: 2 MiB of 64-byte `zmq_msg_t`s.
const SMALL_MESSAGE_MARK: i32 = 32_768;
/// libzmq's default, kept for large messages.
const LIBZMQ_DEFAULT_MARK: i32 = 1_000;

async fn connected_push_pull(transport: Transport) -> zmq_core::Result<(Socket, Socket)> {
    let pull = Socket::new(SocketType::PULL)?;
    let push = Socket::new(SocketType::PUSH)?;
    let endpoint = pull.bind(&transport.endpoint())?;
    push.connect(&endpoint)?;
    Ok((push, pull))
}

/// Sends `count` messages of `size` bytes while receiving them; the
/// receiver must get every one, in order of size.
async fn stream(
    push: &Socket,
    pull: &Socket,
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
        for _ in 0..count {
            let message = pull.recv().await?;
            assert_eq!(message[0].len(), size, "{what}");
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
    async fn small_messages_deepen_both_marks_and_large_ones_restore_the_default(_rt) {
        for transport in TRANSPORTS {
            let (push, pull) = connected_push_pull(transport).await?;
            assert_eq!(push.sndhwm()?, LIBZMQ_DEFAULT_MARK);
            stream(&push, &pull, 5_000, 32, &format!("{transport:?}: small")).await?;
            assert_eq!(push.sndhwm()?, SMALL_MESSAGE_MARK, "{transport:?}");
            assert_eq!(pull.rcvhwm()?, SMALL_MESSAGE_MARK, "{transport:?}");
            stream(&push, &pull, 3_000, 4_096, &format!("{transport:?}: large")).await?;
            assert_eq!(push.sndhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
            assert_eq!(pull.rcvhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
        }
        Ok(())
    }

    // The stall of section 8 in docs/performance.md: a deep queue of small
    // messages, then large ones, lowers a live mark under a full queue.
    async fn a_sized_mark_lowered_under_a_deep_queue_does_not_stall_the_connection(_rt) {
        for transport in TRANSPORTS {
            let (push, pull) = connected_push_pull(transport).await?;
            stream(&push, &pull, 100_000, 32, &format!("{transport:?}: small")).await?;
            stream(&push, &pull, 2_000, 8_192, &format!("{transport:?}: large")).await?;
            assert_eq!(push.sndhwm()?, LIBZMQ_DEFAULT_MARK, "{transport:?}");
        }
        Ok(())
    }

    async fn a_mark_set_by_hand_is_never_sized(_rt) {
        for transport in TRANSPORTS {
            let (push, pull) = connected_push_pull(transport).await?;
            push.set_sndhwm(2_000)?;
            // Set around the typed setter: noticed all the same.
            pull.with_raw(|raw| raw.set_rcvhwm(3_000))??;
            stream(&push, &pull, 5_000, 32, &format!("{transport:?}: small")).await?;
            assert_eq!(push.sndhwm()?, 2_000, "{transport:?}");
            assert_eq!(pull.rcvhwm()?, 3_000, "{transport:?}");
        }
        Ok(())
    }
}
