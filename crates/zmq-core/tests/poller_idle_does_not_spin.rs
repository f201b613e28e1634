//! A `Poller` waiting on many idle sockets sleeps: its CPU time stays near
//! zero. One test in this binary, so the measurement is its own.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::{PollEvents, Poller, Socket, SocketType};
use zmq_test_support::{Rt, TestResult, Transport, process_cpu_time};

const IDLE: Duration = Duration::from_secs(1);
const BUDGET: Duration = Duration::from_millis(100);

async fn idle_poll(rt: Rt) -> TestResult {
    let mut poller = Poller::new();
    let mut peers = Vec::new();
    for _ in 0..200 {
        let pull = Arc::new(Socket::new(SocketType::PULL)?);
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&pull.bind(&Transport::Tcp.endpoint())?)?;
        poller.add_socket(pull, PollEvents::POLLIN);
        peers.push(push);
    }
    // Let the connections settle before measuring.
    assert!(
        poller
            .poll(Some(Duration::from_millis(300)))
            .await?
            .is_empty()
    );
    let before = process_cpu_time();
    assert!(poller.poll(Some(IDLE)).await?.is_empty());
    let burnt = process_cpu_time() - before;
    assert!(
        burnt < BUDGET,
        "under {rt:?}: {burnt:?} of CPU while idle for {IDLE:?}"
    );
    Ok(())
}

#[test]
fn idle_poller_sleeps_instead_of_spinning() {
    for rt in Rt::ALL {
        zmq_test_support::run(rt, idle_poll);
    }
}
