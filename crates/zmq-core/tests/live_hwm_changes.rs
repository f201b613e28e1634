//! Changing `ZMQ_SNDHWM` or `ZMQ_RCVHWM` on a connection that is carrying
//! messages must not stall it. Stock libzmq 4.3.5 can stall for good: a
//! reader lets its writer go on only when its count of messages read passes
//! a multiple of its low-water mark, and a new mark reaches the far end of
//! the pipe as a command, after the reader may have drained the queue
//! without passing one. Our libzmq build carries the fix (the source patch
//! `live-hwm-resync`, see "Our libzmq source patches" in
//! docs/architecture.md).

use zmq_core::{Socket, SocketType};
use zmq_test_support::{TRANSPORTS, Transport, WAIT, within};

/// Small messages queued before the change: enough that the reader drains
/// thousands of them between a mark's change and its arrival.
const SMALL: usize = 100_000;
/// Large messages sent after the change.
const LARGE: usize = 2_000;

/// Streams `SMALL` 32-byte messages, calls `change` on the pair, then
/// streams `LARGE` 8 KiB messages; the reader must get every one.
async fn stream_across_a_mark_change(
    transport: Transport,
    before: impl Fn(&Socket, &Socket) -> zmq_core::Result<()>,
    change: impl Fn(&Socket, &Socket) -> zmq_core::Result<()>,
) -> zmq_test_support::TestResult {
    let pull = Socket::new(SocketType::PULL)?;
    let push = Socket::new(SocketType::PUSH)?;
    before(&push, &pull)?;
    let endpoint = pull.bind(&transport.endpoint())?;
    push.connect(&endpoint)?;

    let sender = async {
        for _ in 0..SMALL {
            push.send(&[0x11u8; 32][..]).await.map_err(|e| e.error)?;
        }
        change(&push, &pull)?;
        for _ in 0..LARGE {
            push.send(vec![0x22u8; 8192]).await.map_err(|e| e.error)?;
        }
        Ok::<_, zmq_core::Error>(())
    };
    let receiver = async {
        let mut sizes = (0, 0);
        while sizes.0 + sizes.1 < SMALL + LARGE {
            match pull.recv().await?[0].len() {
                32 => sizes.0 += 1,
                _ => sizes.1 += 1,
            }
        }
        Ok::<_, zmq_core::Error>(sizes)
    };
    let what = format!("{transport:?}: {SMALL} small then {LARGE} large messages");
    let (sent, received) =
        within(WAIT * 3, &what, futures_lite::future::zip(sender, receiver)).await?;
    sent?;
    assert_eq!(received?, (SMALL, LARGE), "{what}");
    Ok(())
}

zmq_test_support::on_every_executor! {
    async fn lowering_the_send_mark_mid_stream_does_not_stall_the_connection(_rt) {
        for transport in TRANSPORTS {
            stream_across_a_mark_change(
                transport,
                |push, _| push.set_sndhwm(32_768),
                |push, _| push.set_sndhwm(1_024),
            )
            .await?;
        }
        Ok(())
    }

    async fn raising_the_receive_mark_mid_stream_does_not_stall_the_connection(_rt) {
        for transport in TRANSPORTS {
            stream_across_a_mark_change(
                transport,
                |_, pull| pull.set_rcvhwm(1_000),
                |_, pull| pull.set_rcvhwm(65_536),
            )
            .await?;
        }
        Ok(())
    }

    // The two cases above stall stock libzmq 4.3.5. This one and the next
    // pass there too; they guard the bounds the patch puts on the marks.
    async fn raising_the_send_mark_mid_stream_does_not_stall_the_connection(_rt) {
        for transport in TRANSPORTS {
            stream_across_a_mark_change(
                transport,
                |push, _| push.set_sndhwm(4_096),
                |push, _| push.set_sndhwm(65_536),
            )
            .await?;
        }
        Ok(())
    }

    // On inproc the writer's mark is the sum of both sockets' marks; a
    // peer's change must not shrink it below the reader's low-water mark.
    async fn raising_the_receive_mark_under_a_deep_send_mark_does_not_stall_the_connection(_rt) {
        for transport in TRANSPORTS {
            stream_across_a_mark_change(
                transport,
                |push, _| push.set_sndhwm(100_000),
                |_, pull| pull.set_rcvhwm(2_000),
            )
            .await?;
        }
        Ok(())
    }
}
