//! rust-zmq#382: dropping a socket (and its context) while messages wait
//! for a peer that never comes must return promptly, even with an infinite
//! linger, and even on an executor thread.

use std::time::{Duration, Instant};

use zmq_core::{Context, DEFAULT_LINGER, Socket, SocketType};

const PROMPT: Duration = Duration::from_millis(500);

fn socket_with_unsent_messages(context: &Context, linger: Option<Duration>) -> Socket {
    let push = context.socket(SocketType::PUSH).expect("socket");
    push.set_linger(linger).expect("linger");
    push.connect(&zmq_test_support::unused_tcp_endpoint())
        .expect("connect");
    for n in 0..100 {
        push.try_send(format!("unsent {n}")).expect("queued");
    }
    push
}

#[test]
fn drop_with_unsent_messages_returns_promptly_with_any_linger() {
    for linger in [Some(Duration::ZERO), Some(DEFAULT_LINGER), None] {
        let context = Context::new();
        let push = socket_with_unsent_messages(&context, linger);
        let started = Instant::now();
        drop(push);
        drop(context);
        assert!(
            started.elapsed() < PROMPT,
            "linger {linger:?}: {:?}",
            started.elapsed()
        );
    }
}

#[test]
fn drop_on_an_executor_thread_returns_promptly() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let context = Context::new();
        let push = socket_with_unsent_messages(&context, None);
        let started = Instant::now();
        drop(context);
        drop(push);
        assert!(started.elapsed() < PROMPT, "{:?}", started.elapsed());
    });
}

#[test]
fn sockets_start_with_a_bounded_linger() {
    let socket = Socket::new(SocketType::DEALER).expect("socket");
    assert_eq!(socket.linger().expect("linger"), Some(DEFAULT_LINGER));
}
