//! pyzmq's "polling several sockets" example, in Rust: one loop serving a
//! PULL socket of tasks and a SUB socket of control messages.
//!
//! With two sockets known up front, `tokio::select!` over their `recv()`
//! futures is the natural tool (every branch is cancel safe). The
//! `Poller` shown here is for a set that changes at runtime; both are
//! shown, the poller first.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use zmq_core::{PollEvents, Poller, Socket, SocketType};

#[tokio::main]
async fn main() -> Result<()> {
    let tasks = Arc::new(Socket::new(SocketType::PULL)?);
    let control = Arc::new(Socket::new(SocketType::SUB)?);
    control.subscribe("")?;
    let task_sender = Socket::new(SocketType::PUSH)?;
    task_sender.connect(&tasks.bind("tcp://127.0.0.1:*")?)?;
    let controller = Socket::new(SocketType::PUB)?;
    control.connect(&controller.bind("tcp://127.0.0.1:*")?)?;

    let mut poller = Poller::new();
    let tasks_key = poller.add_socket(Arc::clone(&tasks), PollEvents::POLLIN);
    let control_key = poller.add_socket(Arc::clone(&control), PollEvents::POLLIN);

    for n in 0..3 {
        task_sender.send_string(format!("task {n}")).await?;
    }
    let serve = async {
        let mut done = 0;
        loop {
            if done == 3 {
                // Ask ourselves to stop, through the control socket; again
                // on every round, as a SUB joins late and misses early ones.
                controller.send_string("STOP").await?;
            }
            let ready = poller.poll(Some(Duration::from_millis(50))).await?;
            for (key, _events) in ready {
                if key == tasks_key {
                    while let Ok(task) = tasks.try_recv() {
                        println!("poller: {}", task[0].as_str().unwrap_or("?"));
                        done += 1;
                    }
                } else if key == control_key && control.try_recv().is_ok() {
                    println!("poller: stop");
                    return anyhow::Ok(());
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(30), serve).await??;

    // The same with select!, for a fixed pair of sockets.
    task_sender.send_string("one more task").await?;
    tokio::select! {
        task = tasks.recv_string() => println!("select!: {}", task?),
        control_message = control.recv_string() => println!("select!: {}", control_message?),
    }
    Ok(())
}
