//! tmq#50: a socket shared by a reader task and a writer task, both idle,
//! must not spin (CPU time stays near zero) and must not hang (traffic
//! resumes at once). One test in this binary, so the CPU time measured is
//! this scenario's alone.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::SocketType;
use zmq_test_support::{
    Rt, TestResult, Transport, WAIT, connected, process_cpu_time, sleep, within,
};

const IDLE: Duration = Duration::from_secs(1);
/// Allowed CPU time while idle: far below what a spinning task burns (a
/// whole core, the full second).
const IDLE_CPU_BUDGET: Duration = Duration::from_millis(100);
const ROUNDS: u32 = 200;

async fn idle_then_busy(rt: Rt) -> TestResult {
    let (router, dealer) = connected(SocketType::ROUTER, SocketType::DEALER, Transport::Tcp)?;
    let dealer = Arc::new(dealer);
    let (command, commands) = smol::channel::unbounded::<u32>();

    let reader = rt.spawn({
        let dealer = Arc::clone(&dealer);
        async move {
            for round in 0..ROUNDS {
                let reply = dealer.recv().await?;
                assert_eq!(reply[0], format!("round {round}").as_str());
            }
            TestResult::Ok(())
        }
    });
    let writer = rt.spawn({
        let dealer = Arc::clone(&dealer);
        async move {
            while let Ok(round) = commands.recv().await {
                dealer.send(format!("round {round}")).await?;
            }
            TestResult::Ok(())
        }
    });

    // Both tasks are parked now: the reader on recv, the writer on its
    // command channel. Let them settle, then measure.
    sleep(Duration::from_millis(200)).await;
    let before = process_cpu_time();
    sleep(IDLE).await;
    let burnt = process_cpu_time() - before;
    assert!(
        burnt < IDLE_CPU_BUDGET,
        "under {rt:?}: {burnt:?} of CPU time while idle for {IDLE:?}: spinning"
    );

    // And nothing hangs: every round trip completes promptly.
    for round in 0..ROUNDS {
        command.send(round).await?;
        let request = within(WAIT, "request", router.recv()).await??;
        within(WAIT, "echo", router.send(request)).await??;
    }
    within(WAIT, "reader", reader).await??;
    drop(command);
    within(WAIT, "writer", writer).await??;
    Ok(())
}

#[test]
fn reader_and_writer_tasks_idle_without_spinning_then_resume_tmq_50() {
    for rt in Rt::ALL {
        zmq_test_support::run(rt, idle_then_busy);
    }
}
