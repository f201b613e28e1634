//! With native readiness, a tokio program runs no async-io reactor thread.
//! Alone in its test binary: another test's async-io socket would start
//! that thread in this process.

use std::time::Duration;

use zmq_runtime_tokio::SocketType;

fn thread_names() -> Vec<String> {
    let mut names = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").expect("/proc/self/task") {
        let comm = task.expect("task entry").path().join("comm");
        if let Ok(name) = std::fs::read_to_string(comm) {
            names.push(name.trim().to_owned());
        }
    }
    names
}

#[test]
fn native_sockets_exchange_messages_without_an_async_io_thread() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let pull = zmq_runtime_tokio::socket(SocketType::PULL).expect("pull");
        let endpoint = pull.bind("tcp://127.0.0.1:*").expect("bind");
        let push = zmq_runtime_tokio::socket(SocketType::PUSH).expect("push");
        push.connect(&endpoint).expect("connect");
        for n in 0..100u32 {
            push.send(n.to_be_bytes().to_vec()).await.expect("send");
            let message = tokio::time::timeout(Duration::from_secs(30), pull.recv())
                .await
                .expect("in time")
                .expect("recv");
            assert_eq!(message[0], n.to_be_bytes()[..]);
        }
    });
    let names = thread_names();
    assert!(
        !names.iter().any(|name| name == "async-io"),
        "threads: {names:?}"
    );
}
