//! Integration tests of the smol adapter: spawning onto the global executor
//! and onto a given one, timers, and a socket round trip through spawned
//! tasks.

use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use smol::{Executor, Timer};
use zmq_runtime_smol::{Runtime, SmolRuntime};

/// Every wait in these tests is bounded by this.
const LIMIT: Duration = Duration::from_secs(30);

/// `future`'s output, or a panic once [`LIMIT`] has passed.
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    smol::future::or(future, async {
        Timer::after(LIMIT).await;
        panic!("{what}: timed out after {LIMIT:?}");
    })
    .await
}

#[test]
fn global_spawn_runs_the_task_without_driving_anything() {
    let runtime = SmolRuntime::global();
    let (done_tx, done_rx) = mpsc::channel();
    runtime.spawn(Box::pin(async move {
        done_tx
            .send(std::thread::current().id())
            .expect("receiver alive");
    }));
    let ran_on = done_rx.recv_timeout(LIMIT).expect("task ran in time");
    assert_ne!(ran_on, std::thread::current().id());
}

#[test]
fn default_is_the_global_executor() {
    assert!(SmolRuntime::default().executor().is_none());
    assert!(SmolRuntime::global().executor().is_none());
}

#[test]
fn with_executor_spawns_onto_that_executor() {
    let executor = Arc::new(Executor::new());
    let runtime = SmolRuntime::with_executor(Arc::clone(&executor));
    assert!(Arc::ptr_eq(
        runtime.executor().expect("an executor"),
        &executor
    ));

    let (done_tx, done_rx) = smol::channel::bounded(1);
    runtime.spawn(Box::pin(async move {
        done_tx.send(42).await.expect("receiver alive");
    }));
    // Nobody drives the executor yet: the task is queued there, not run.
    assert!(!executor.is_empty());
    assert!(done_rx.try_recv().is_err());

    let value = smol::block_on(executor.run(within("task", done_rx.recv())));
    assert_eq!(value, Ok(42));
}

#[test]
fn with_executor_tasks_are_detached() {
    let executor = Arc::new(Executor::new());
    let runtime = SmolRuntime::from(Arc::clone(&executor));
    let (done_tx, done_rx) = smol::channel::bounded(1);
    // The sleep makes the task outlive the spawn call by a good margin.
    let sleeper = runtime.clone();
    runtime.spawn(Box::pin(async move {
        sleeper.sleep(Duration::from_millis(20)).await;
        done_tx.send(()).await.expect("receiver alive");
    }));
    smol::block_on(executor.run(within("task", done_rx.recv()))).expect("task sent");
}

async fn check_sleep(runtime: &SmolRuntime) {
    let duration = Duration::from_millis(50);
    let start = Instant::now();
    within("sleep", runtime.sleep(duration)).await;
    let elapsed = start.elapsed();
    assert!(elapsed >= duration, "slept only {elapsed:?}");
    assert!(
        elapsed < duration + Duration::from_secs(2),
        "slept {elapsed:?}"
    );
}

#[test]
fn sleep_waits_at_least_the_duration() {
    smol::block_on(check_sleep(&SmolRuntime::global()));

    let executor = Arc::new(Executor::new());
    let runtime = SmolRuntime::with_executor(Arc::clone(&executor));
    smol::block_on(executor.run(check_sleep(&runtime)));
}

#[test]
fn zero_sleep_completes() {
    smol::block_on(within("sleep", SmolRuntime::global().sleep(Duration::ZERO)));
}

const MESSAGES: usize = 1000;

async fn round_trip(runtime: Arc<dyn Runtime>) {
    zmq_core::conformance::socket_round_trip(runtime, MESSAGES, LIMIT)
        .await
        .expect("round trip through spawned tasks");
}

#[test]
fn socket_round_trip_through_tasks_on_the_global_executor() {
    smol::block_on(round_trip(Arc::new(SmolRuntime::global())));
}

#[test]
fn socket_round_trip_through_tasks_on_a_given_executor() {
    let executor = Arc::new(Executor::new());
    let runtime = Arc::new(SmolRuntime::with_executor(Arc::clone(&executor)));
    smol::block_on(executor.run(round_trip(runtime)));
}

fn assert_send_sync<T: Send + Sync>() {}
fn assert_clone<T: Clone>() {}
fn assert_debug<T: std::fmt::Debug>() {}
fn assert_default<T: Default>() {}
fn assert_runtime<T: Runtime>() {}

#[test]
fn auto_traits() {
    assert_send_sync::<SmolRuntime>();
    assert_clone::<SmolRuntime>();
    assert_debug::<SmolRuntime>();
    assert_default::<SmolRuntime>();
    assert_runtime::<SmolRuntime>();
    assert_send_sync::<Arc<dyn Runtime>>();
}
