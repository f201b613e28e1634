//! A send that succeeded only queued the message in libzmq; a process that
//! exits right after loses it (the bench's echo child lost its last reply
//! that way). `Context::terminate` is the wait that prevents it: it ends
//! once every socket of the context is gone and its messages are out or
//! its linger ran out.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use zmq_core::{Context, Error, Socket, SocketType};
use zmq_test_support::{WAIT, on_every_executor, timeout, within};

/// How long the receiver waits before it binds: the message can only be
/// delivered after that.
const LATE_BIND: Duration = Duration::from_millis(200);

/// A native PULL that binds `endpoint` after [`LATE_BIND`], raises `bound`,
/// and returns the first message it receives.
fn late_receiver(
    endpoint: String,
    bound: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Result<Vec<u8>, zmq::Error>> {
    std::thread::spawn(move || {
        std::thread::sleep(LATE_BIND);
        let context = zmq::Context::new();
        let pull = context.socket(zmq::PULL)?;
        pull.set_rcvtimeo(i32::try_from(WAIT.as_millis()).unwrap_or(i32::MAX))?;
        pull.bind(&endpoint)?;
        bound.store(true, Ordering::SeqCst);
        pull.recv_bytes(0)
    })
}

on_every_executor! {
    async fn terminate_returns_after_a_queued_message_reached_a_late_peer(_rt) {
        let context = Context::new();
        let endpoint = zmq_test_support::unused_tcp_endpoint();
        let push = context.socket(SocketType::PUSH)?;
        // Far longer than the late bind: only the delivery can end the wait.
        push.set_linger(Some(WAIT))?;
        push.connect(&endpoint)?;
        push.send("last words").await.map_err(|failed| failed.error)?;
        drop(push);

        let bound = Arc::new(AtomicBool::new(false));
        let receiver = late_receiver(endpoint, Arc::clone(&bound));
        within(WAIT, "terminate", context.terminate()).await??;
        assert!(
            bound.load(Ordering::SeqCst),
            "terminate returned before the message could be delivered"
        );
        let received = receiver.join().expect("receiver panicked")?;
        assert_eq!(received, b"last words");
        Ok(())
    }

    async fn terminate_waits_for_every_socket_of_the_context(_rt) {
        let context = Context::new();
        let socket = context.socket(SocketType::PAIR)?;
        let other_handle = context.clone();
        let mut terminating = Box::pin(context.terminate());
        assert!(
            timeout(Duration::from_millis(100), terminating.as_mut()).await.is_none(),
            "terminated while a socket and a handle were alive"
        );
        drop(other_handle);
        assert!(
            timeout(Duration::from_millis(100), terminating.as_mut()).await.is_none(),
            "terminated while a socket was alive"
        );
        drop(socket);
        within(WAIT, "terminate", terminating).await??;
        Ok(())
    }
}

#[test]
fn terminate_refuses_the_global_context_and_leaves_it_working() {
    let refused = futures_lite::future::block_on(Context::global().terminate());
    assert!(matches!(refused, Err(Error::GlobalContext)), "{refused:?}");
    assert_eq!(refused.unwrap_err().kind(), std::io::ErrorKind::Unsupported);
    let socket = Socket::new(SocketType::PAIR).expect("the global context still works");
    socket.bind("inproc://still-working").expect("bind");
}

#[test]
fn terminate_of_a_context_without_sockets_is_prompt() {
    let terminated =
        futures_lite::future::block_on(timeout(Duration::from_secs(1), Context::new().terminate()));
    assert!(matches!(terminated, Some(Ok(()))), "{terminated:?}");
}
