//! Targeted tests of native readiness (`TokioReactor`, `AsyncFd`): the
//! failure modes of peers that a readiness path must not have, each under a
//! current-thread and a multi-thread runtime, plus what happens when the
//! tokio runtime is gone. Every wait is bounded.

use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::time::timeout;
use zmq_runtime_tokio::{
    CreateError, Error, Reactor, Socket, SocketType, TokioReactor, TokioRuntime,
};
use zmq_test_support::{
    process_cpu_time, tokio_current_thread as current_thread, tokio_multi_thread as multi_thread,
};

/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

/// Held shared by every case, and exclusively by the CPU measurement, so
/// that no other test of this binary burns CPU while it measures.
static CPU_QUIET: RwLock<()> = RwLock::new(());

/// Runs `case` as a task on a current-thread and on a multi-thread runtime.
fn on_both_flavours<F, Fut>(case: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let _shared = quiet_shared();
    run_on_both_flavours(case);
}

/// Taken by every test that does not go through [`on_both_flavours`].
fn quiet_shared() -> std::sync::RwLockReadGuard<'static, ()> {
    CPU_QUIET.read().unwrap_or_else(PoisonError::into_inner)
}

fn run_on_both_flavours<F, Fut>(case: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for runtime in [current_thread(), multi_thread()] {
        let task = runtime.spawn(case());
        runtime
            .block_on(async { timeout(LIMIT, task).await })
            .expect("the case finished in time")
            .expect("the case did not panic");
    }
}

/// The next message of `socket`, which must come within [`LIMIT`].
async fn recv_in_time(socket: &Socket) -> zmq_runtime_tokio::Multipart {
    timeout(LIMIT, socket.recv())
        .await
        .expect("a message in time")
        .expect("recv")
}

/// A bound/connected pair with native readiness on the current runtime.
fn native_pair(bound: SocketType, connecting: SocketType) -> (Socket, Socket) {
    let server = zmq_runtime_tokio::socket(bound).expect("bound socket");
    let endpoint = server.bind("tcp://127.0.0.1:*").expect("bind");
    let client = zmq_runtime_tokio::socket(connecting).expect("connecting socket");
    client.connect(&endpoint).expect("connect");
    (server, client)
}

#[test]
fn reader_and_writer_tasks_on_one_native_socket_never_strand_a_message() {
    const MESSAGES: u32 = 5_000;
    on_both_flavours(|| async {
        let (router, dealer) = native_pair(SocketType::ROUTER, SocketType::DEALER);
        // Small high-water marks: the writer hits EAGAIN and parks while
        // the reader is parked on the same socket.
        dealer.set_sndhwm(4).expect("sndhwm");
        dealer.set_rcvhwm(4).expect("rcvhwm");
        let dealer = Arc::new(dealer);

        let echo = tokio::spawn(async move {
            for _ in 0..MESSAGES {
                let message = router.recv().await.expect("router recv");
                router.send(message).await.expect("router send");
            }
        });
        let writer = {
            let dealer = Arc::clone(&dealer);
            tokio::spawn(async move {
                for n in 0..MESSAGES {
                    dealer.send(n.to_be_bytes().to_vec()).await.expect("send");
                }
            })
        };
        let reader = {
            let dealer = Arc::clone(&dealer);
            tokio::spawn(async move {
                for n in 0..MESSAGES {
                    let message = dealer.recv().await.expect("recv");
                    assert_eq!(message[0], n.to_be_bytes()[..], "in order, none lost");
                }
            })
        };
        timeout(LIMIT, reader)
            .await
            .expect("every message came back")
            .expect("reader");
        timeout(LIMIT, writer)
            .await
            .expect("writer done")
            .expect("writer");
        timeout(LIMIT, echo)
            .await
            .expect("echo done")
            .expect("echo");
    });
}

#[test]
fn parked_native_reader_and_writer_idle_without_spinning() {
    const IDLE: Duration = Duration::from_millis(500);
    // Both flavours; a spin burns about IDLE of CPU per spinning thread.
    const BUDGET: Duration = Duration::from_millis(150);
    let _exclusive = CPU_QUIET.write().unwrap_or_else(PoisonError::into_inner);
    run_on_both_flavours(|| async {
        let push = zmq_runtime_tokio::socket(SocketType::PUSH).expect("push");
        push.set_sndhwm(1).expect("sndhwm");
        // Nobody to send to: the writer fills its queue, then parks.
        push.connect("tcp://127.0.0.1:9").expect("connect");
        let (pair, _peer) = native_pair(SocketType::PAIR, SocketType::PAIR);
        let before = process_cpu_time();
        let outcome = timeout(IDLE, async {
            tokio::join!(pair.recv(), async {
                loop {
                    push.send("x").await.expect("send");
                }
            })
        })
        .await;
        let burnt = process_cpu_time() - before;
        assert!(outcome.is_err(), "nothing could complete");
        assert!(burnt < BUDGET, "{burnt:?} of CPU while idle for {IDLE:?}");
    });
}

#[test]
fn closing_a_native_socket_wakes_its_parked_waiter_with_closed() {
    on_both_flavours(|| async {
        let (pull, _push) = native_pair(SocketType::PULL, SocketType::PUSH);
        let pull = Arc::new(pull);
        let waiter = {
            let pull = Arc::clone(&pull);
            tokio::spawn(async move { pull.recv().await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        pull.close();
        let outcome = timeout(LIMIT, waiter)
            .await
            .expect("the waiter woke")
            .expect("no panic");
        assert!(matches!(outcome, Err(Error::Closed)), "{outcome:?}");
    });
}

#[test]
fn dropping_a_native_socket_after_its_parked_waiter_was_cancelled_is_clean() {
    on_both_flavours(|| async {
        let (pull, push) = native_pair(SocketType::PULL, SocketType::PUSH);
        let pull = Arc::new(pull);
        let waiter = {
            let pull = Arc::clone(&pull);
            tokio::spawn(async move { pull.recv().await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        waiter.abort();
        assert!(
            timeout(LIMIT, waiter)
                .await
                .expect("aborted")
                .unwrap_err()
                .is_cancelled()
        );
        // The last handle goes with its registration; the peer carries on.
        drop(pull);
        drop(push);
        let (pull, push) = native_pair(SocketType::PULL, SocketType::PUSH);
        push.send("after").await.expect("send");
        let message = recv_in_time(&pull).await;
        assert_eq!(message[0], "after");
    });
}

/// Decided behaviour: a socket whose tokio runtime has shut down keeps
/// working for what needs no wait, and every operation that would wait
/// fails with an I/O error at once (it never hangs, never panics).
#[test]
fn a_native_socket_outliving_its_runtime_fails_instead_of_hanging() {
    let _shared = quiet_shared();
    let tokio_runtime = current_thread();
    let (pull, push) = tokio_runtime.block_on(async {
        let (pull, push) = native_pair(SocketType::PULL, SocketType::PUSH);
        push.send("before").await.expect("send");
        let message = recv_in_time(&pull).await;
        assert_eq!(message[0], "before");
        (pull, push)
    });
    let reactor = TokioReactor::from_handle(tokio_runtime.handle().clone());
    drop(tokio_runtime);

    let other = current_thread();
    other.block_on(async {
        // Waiting would need the dead runtime's driver: an error, promptly.
        let outcome = timeout(LIMIT, pull.recv()).await.expect("no hang");
        assert!(
            matches!(&outcome, Err(Error::Io(_))),
            "expected an I/O error, got {outcome:?}"
        );
        // Sending into an open pipe needs no wait.
        push.try_send("no wait needed").expect("try_send");
    });

    // Registering with a dead runtime is an error too.
    let context = zmq_runtime_tokio::Context::global().with_reactor(reactor.into());
    let error = context.socket(SocketType::PAIR).expect_err("runtime gone");
    assert!(matches!(error, Error::Io(_)), "{error:?}");
}

#[test]
fn a_runtime_without_io_is_an_error_not_a_panic() {
    let _shared = quiet_shared();
    let no_io = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    no_io.block_on(async {
        let error = zmq_runtime_tokio::socket(SocketType::PAIR).expect_err("no I/O driver");
        assert!(matches!(error, CreateError::Zmq(Error::Io(_))), "{error:?}");
    });
}

#[test]
fn native_helpers_outside_a_runtime_are_errors() {
    let _shared = quiet_shared();
    assert!(zmq_runtime_tokio::context().is_err());
    assert!(matches!(
        zmq_runtime_tokio::socket(SocketType::PAIR),
        Err(CreateError::NoRuntime(_))
    ));
    assert!(TokioReactor::try_current().is_err());
}

#[test]
fn native_and_async_io_sockets_of_one_context_talk_over_inproc() {
    on_both_flavours(|| async {
        let native = zmq_runtime_tokio::socket(SocketType::PAIR).expect("native");
        let endpoint = native
            .bind(&zmq_test_support::Transport::Inproc.endpoint())
            .expect("bind inproc");
        let plain = zmq_runtime_tokio::Context::global()
            .with_reactor(Reactor::async_io())
            .socket(SocketType::PAIR)
            .expect("async-io socket");
        plain.connect(&endpoint).expect("connect inproc");
        plain.send("across").await.expect("send");
        let message = recv_in_time(&native).await;
        assert_eq!(message[0], "across");
        native.send("back").await.expect("send");
        let message = recv_in_time(&plain).await;
        assert_eq!(message[0], "back");
    });
}

#[test]
fn the_runtime_reactor_is_entered_for_plain_socket_new() {
    let _shared = quiet_shared();
    let tokio_runtime = current_thread();
    let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    let reactor = runtime.reactor();
    assert!(!reactor.is_async_io());
    let _entered = reactor.enter();
    assert!(!Reactor::current().is_async_io());
    let (pull, push) = {
        let pull = Socket::new(SocketType::PULL).expect("pull");
        let endpoint = pull.bind("tcp://127.0.0.1:*").expect("bind");
        let push = Socket::new(SocketType::PUSH).expect("push");
        push.connect(&endpoint).expect("connect");
        (pull, push)
    };
    tokio_runtime.block_on(async {
        push.send("entered").await.expect("send");
        let message = recv_in_time(&pull).await;
        assert_eq!(message[0], "entered");
    });
}

static_assertions::assert_impl_all!(TokioReactor: Send, Sync, Clone, std::fmt::Debug);
static_assertions::assert_impl_all!(Reactor: Send, Sync, Clone, std::fmt::Debug);
static_assertions::assert_not_impl_any!(zmq_runtime_tokio::zmq_core::reactor::EnterGuard: Send, Sync);

/// The behaviour suites' harness really runs the tokio cases (and the tasks
/// they spawn) with native readiness, and `tokio_async_io` without.
#[test]
fn the_test_harness_enters_native_readiness_under_tokio() {
    let _shared = quiet_shared();
    use zmq_test_support::Rt;
    for rt in Rt::ALL {
        zmq_test_support::run(rt, |rt| async move {
            let native = matches!(rt, Rt::TokioCurrentThread | Rt::TokioMultiThread);
            assert_eq!(
                !Reactor::current().is_async_io(),
                native,
                "case under {rt:?}"
            );
            let in_task = rt.spawn(async { !Reactor::current().is_async_io() }).await;
            assert_eq!(in_task, native, "task under {rt:?}");
            Ok(())
        });
    }
}

#[test]
fn a_socket_made_before_the_runtime_moves_to_native_readiness() {
    let _shared = quiet_shared();
    let mut pull = Socket::new(SocketType::PULL).expect("socket");
    let endpoint = pull.bind("tcp://127.0.0.1:*").expect("bind");
    let runtime = current_thread();
    runtime.block_on(async {
        let native = TokioRuntime::try_current().expect("runtime").reactor();
        pull.set_reactor(&native).expect("moved");
        let push = zmq_runtime_tokio::socket(SocketType::PUSH).expect("socket");
        push.connect(&endpoint).expect("connect");
        let sender = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            push.send("native now").await.expect("send");
            push
        });
        assert_eq!(recv_in_time(&pull).await[0], "native now");
        drop(timeout(LIMIT, sender).await.expect("sender in time"));
    });
    drop(runtime);
    // The runtime is gone: the moved socket's waits fail instead of hanging.
    let outcome = futures_lite::future::block_on(async {
        zmq_test_support::timeout(LIMIT, pull.recv()).await
    });
    assert!(matches!(outcome, Some(Err(Error::Io(_)))), "{outcome:?}");
}
