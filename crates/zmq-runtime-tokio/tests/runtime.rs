//! Integration tests of the tokio adapter: spawning, timers, a socket round
//! trip through spawned tasks, and the error outside a runtime.

use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use tokio::time::timeout;
use zmq_runtime_tokio::{NoRuntime, Runtime, TokioRuntime};
use zmq_test_support::{
    tokio_current_thread as current_thread, tokio_multi_thread as multi_thread,
};

/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

#[test]
fn spawn_runs_the_task_on_a_current_thread_runtime() {
    let tokio_runtime = current_thread();
    tokio_runtime.block_on(async {
        let runtime = TokioRuntime::try_current().expect("inside a runtime");
        let (done_tx, done_rx) = oneshot::channel();
        runtime.spawn(Box::pin(async move {
            done_tx.send(42).expect("receiver alive");
        }));
        let value = timeout(LIMIT, done_rx)
            .await
            .expect("task ran in time")
            .expect("task sent");
        assert_eq!(value, 42);
    });
}

#[test]
fn spawn_from_outside_runs_when_a_current_thread_runtime_is_driven() {
    let tokio_runtime = current_thread();
    let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    let (done_tx, done_rx) = oneshot::channel();
    runtime.spawn(Box::pin(async move {
        done_tx.send(()).expect("receiver alive");
    }));
    tokio_runtime.block_on(async {
        timeout(LIMIT, done_rx)
            .await
            .expect("task ran in time")
            .expect("task sent");
    });
}

#[test]
fn spawn_runs_the_task_on_a_multi_thread_runtime() {
    let tokio_runtime = multi_thread();
    // From outside the runtime: the worker threads run it, nobody block_on's.
    let runtime = TokioRuntime::from(tokio_runtime.handle().clone());
    let (done_tx, done_rx) = mpsc::channel();
    runtime.spawn(Box::pin(async move {
        done_tx
            .send(std::thread::current().id())
            .expect("receiver alive");
    }));
    let ran_on = done_rx.recv_timeout(LIMIT).expect("task ran in time");
    assert_ne!(ran_on, std::thread::current().id());

    // And from inside it.
    tokio_runtime.block_on(async {
        let runtime = TokioRuntime::try_current().expect("inside a runtime");
        let (done_tx, done_rx) = oneshot::channel();
        runtime.spawn(Box::pin(async move {
            done_tx.send(()).expect("receiver alive");
        }));
        timeout(LIMIT, done_rx)
            .await
            .expect("task ran in time")
            .expect("task sent");
    });
}

#[test]
fn spawn_after_shutdown_drops_the_task_without_panicking() {
    let tokio_runtime = current_thread();
    let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    drop(tokio_runtime);
    runtime.spawn(Box::pin(async {}));
}

async fn check_sleep(runtime: &TokioRuntime) {
    let duration = Duration::from_millis(50);
    let start = Instant::now();
    timeout(LIMIT, runtime.sleep(duration))
        .await
        .expect("sleep ended in time");
    let elapsed = start.elapsed();
    assert!(elapsed >= duration, "slept only {elapsed:?}");
    assert!(
        elapsed < duration + Duration::from_secs(2),
        "slept {elapsed:?}"
    );
}

#[test]
fn sleep_waits_at_least_the_duration_on_both_flavors() {
    let tokio_runtime = current_thread();
    tokio_runtime.block_on(async {
        check_sleep(&TokioRuntime::try_current().expect("inside a runtime")).await;
    });
    let tokio_runtime = multi_thread();
    tokio_runtime.block_on(async {
        check_sleep(&TokioRuntime::try_current().expect("inside a runtime")).await;
    });
}

#[test]
fn sleep_can_be_created_and_polled_outside_the_runtime() {
    let tokio_runtime = multi_thread();
    let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    let duration = Duration::from_millis(50);
    let (done_tx, done_rx) = mpsc::channel();
    let sleeper = std::thread::spawn(move || {
        let start = Instant::now();
        futures_lite::future::block_on(runtime.sleep(duration));
        done_tx.send(start.elapsed()).expect("receiver alive");
    });
    let elapsed = done_rx.recv_timeout(LIMIT).expect("sleep ended in time");
    sleeper.join().expect("sleeper thread");
    assert!(elapsed >= duration, "slept only {elapsed:?}");
    assert!(
        elapsed < duration + Duration::from_secs(2),
        "slept {elapsed:?}"
    );
}

#[test]
fn zero_sleep_completes() {
    current_thread().block_on(async {
        let runtime = TokioRuntime::try_current().expect("inside a runtime");
        timeout(LIMIT, runtime.sleep(Duration::ZERO))
            .await
            .expect("sleep ended in time");
    });
}

const MESSAGES: usize = 1000;

async fn round_trip(runtime: Arc<dyn Runtime>) {
    zmq_core::conformance::socket_round_trip(runtime, MESSAGES, LIMIT)
        .await
        .expect("round trip through spawned tasks");
}

#[test]
fn socket_round_trip_through_spawned_tasks_on_a_multi_thread_runtime() {
    multi_thread().block_on(async {
        round_trip(Arc::new(TokioRuntime::try_current().expect("runtime"))).await;
    });
}

#[test]
fn socket_round_trip_through_spawned_tasks_on_a_current_thread_runtime() {
    current_thread().block_on(async {
        round_trip(Arc::new(TokioRuntime::try_current().expect("runtime"))).await;
    });
}

#[test]
fn try_current_outside_a_runtime_is_an_error() {
    let error: NoRuntime = TokioRuntime::try_current().expect_err("no runtime here");
    assert!(error.to_string().contains("no tokio runtime"), "{error}");
    assert!(std::error::Error::source(&error).is_some());

    // A runtime that was entered and left is not current either.
    let tokio_runtime = current_thread();
    {
        let _entered = tokio_runtime.enter();
        assert!(TokioRuntime::try_current().is_ok());
    }
    assert!(TokioRuntime::try_current().is_err());
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_clone<T: Clone>() {}
fn assert_debug<T: std::fmt::Debug>() {}
fn assert_runtime<T: Runtime>() {}
fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn auto_traits() {
    assert_send_sync::<TokioRuntime>();
    assert_clone::<TokioRuntime>();
    assert_debug::<TokioRuntime>();
    assert_runtime::<TokioRuntime>();
    assert_error::<NoRuntime>();
    assert_send_sync::<Arc<dyn Runtime>>();
}
