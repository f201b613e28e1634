//! A `Poller` over a thousand sockets reports exactly the ready ones and
//! sleeps while none is. One test in this binary (the executors in turn):
//! it holds thousands of descriptors, and measures the process's CPU time.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::{Context, PollEvents, Poller, SocketType};
use zmq_test_support::{Rt, TestResult, Transport, WAIT, process_cpu_time, within};

const SOCKETS: usize = 1000;
const IDLE: Duration = Duration::from_secs(1);
const IDLE_CPU_BUDGET: Duration = Duration::from_millis(150);

async fn thousand_sockets(_rt: Rt) -> TestResult {
    // libzmq allows 1023 sockets per context: spread them over two.
    let contexts = [Context::new(), Context::new()];
    let mut poller = Poller::new();
    let mut pulls = Vec::new();
    let mut pushes = Vec::new();
    for n in 0..SOCKETS {
        let context = &contexts[n % 2];
        let pull = Arc::new(context.socket(SocketType::PULL)?);
        let endpoint = pull.bind(&Transport::Inproc.endpoint())?;
        let push = context.socket(SocketType::PUSH)?;
        push.connect(&endpoint)?;
        let key = poller.add_socket(Arc::clone(&pull), PollEvents::POLLIN);
        pulls.push((key, pull));
        pushes.push(push);
    }
    assert!(
        poller
            .poll(Some(Duration::from_millis(50)))
            .await?
            .is_empty()
    );

    let chosen: Vec<usize> = (0..SOCKETS).filter(|n| n % 7 == 3).collect();
    for &n in &chosen {
        pushes[n].send(format!("to {n}")).await?;
    }
    let ready = within(WAIT, "poll", poller.poll(Some(WAIT))).await??;
    let expected: Vec<_> = chosen
        .iter()
        .map(|&n| (pulls[n].0, PollEvents::POLLIN))
        .collect();
    assert_eq!(ready, expected);

    for &n in &chosen {
        assert_eq!(pulls[n].1.try_recv()?[0], format!("to {n}").as_str());
    }
    // Idle: a second of waiting on a thousand parked sockets costs next to
    // no CPU (a spinning poller would burn the whole second).
    let before = process_cpu_time();
    assert!(poller.poll(Some(IDLE)).await?.is_empty());
    let burnt = process_cpu_time() - before;
    assert!(
        burnt < IDLE_CPU_BUDGET,
        "{burnt:?} of CPU while idle for {IDLE:?}"
    );

    // A message arriving while the poller waits wakes it.
    let late = 500;
    let waiting = poller.poll(Some(WAIT));
    let sending = async {
        zmq_test_support::sleep(Duration::from_millis(20)).await;
        pushes[late].send("late").await
    };
    let (ready, sent) = futures_lite::future::zip(waiting, sending).await;
    sent?;
    assert_eq!(ready?, vec![(pulls[late].0, PollEvents::POLLIN)]);
    Ok(())
}

#[test]
fn a_thousand_sockets_report_exactly_the_ready_ones() {
    zmq_test_support::raise_fd_limit(8192);
    for rt in Rt::ALL {
        zmq_test_support::run(rt, thousand_sockets);
    }
}
