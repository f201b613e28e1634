//! Raw pyzmq sockets (`interop/python/raw_peer.py`) against zmq-core
//! sockets: plain multipart traffic, both directions, with bounded waits.

use std::time::Duration;

use zmq_core::{Multipart, Socket, SocketType};
use zmq_interop::{InteropEnv, Peer, WAIT, interop_env, messages};

const END: &[u8] = b"END";

async fn recv(socket: &Socket, what: &str) -> Result<Vec<Vec<u8>>, String> {
    match tokio::time::timeout(WAIT, socket.recv()).await {
        Ok(Ok(message)) => Ok(message.to_vecs()),
        Ok(Err(e)) => Err(format!("receiving {what}: {e}")),
        Err(_) => Err(format!(
            "nothing received within {WAIT:?} (waiting for {what})"
        )),
    }
}

async fn send(socket: &Socket, frames: Vec<Vec<u8>>, what: &str) -> Result<(), String> {
    match tokio::time::timeout(WAIT, socket.send(Multipart::from(frames))).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!("sending {what}: {e}")),
        Err(_) => Err(format!("could not send {what} within {WAIT:?}")),
    }
}

fn short(frames: &[Vec<u8>]) -> String {
    let shown: Vec<String> = frames
        .iter()
        .map(|f| format!("{:?}", String::from_utf8_lossy(&f[..f.len().min(40)])))
        .collect();
    format!("[{}]", shown.join(", "))
}

/// Starts `raw_peer.py KIND`, connects a zmq-core socket of `ours` to it,
/// runs `exchange`, then expects the peer's `ok` line.
async fn with_peer<F, Fut>(kind: &str, ours: SocketType, exchange: F)
where
    F: FnOnce(Socket, Peer) -> Fut,
    Fut: Future<Output = Result<Peer, String>>,
{
    let Some(env) = interop_env(&format!("raw {kind}")) else {
        return;
    };
    if let Err(why) = run(&env, kind, ours, exchange).await {
        panic!("raw pyzmq {kind} vs zmq-core {ours:?}: {why}");
    }
}

async fn run<F, Fut>(
    env: &InteropEnv,
    kind: &str,
    ours: SocketType,
    exchange: F,
) -> Result<(), String>
where
    F: FnOnce(Socket, Peer) -> Fut,
    Fut: Future<Output = Result<Peer, String>>,
{
    let peer = Peer::python(env, "raw_peer.py", &[kind])?;
    let socket = Socket::new(ours).map_err(|e| e.to_string())?;
    socket.connect(peer.endpoint()).map_err(|e| e.to_string())?;
    let mut peer = exchange(socket, peer).await?;
    let line = peer.next_line(WAIT, "the peer's verdict")?;
    if !line.starts_with("ok ") {
        return Err(peer.failure(&format!("the peer reported {line:?}")));
    }
    let status = peer.close_and_wait(WAIT)?;
    if !status.success() {
        return Err(peer.failure(&format!("exited with {status}")));
    }
    Ok(())
}

#[tokio::test]
async fn pyzmq_dealer_against_zmq_core_router() {
    with_peer("dealer", SocketType::ROUTER, |router, peer| async move {
        for index in 0..messages().len() {
            let message = recv(&router, &format!("message {index}")).await?;
            send(&router, message, "the echo").await?;
        }
        Ok(peer)
    })
    .await;
}

#[tokio::test]
async fn pyzmq_req_against_zmq_core_rep() {
    with_peer("req", SocketType::REP, |rep, peer| async move {
        for (index, expected) in messages().into_iter().enumerate() {
            let message = recv(&rep, &format!("request {index}")).await?;
            if message != expected {
                return Err(format!(
                    "request {index}: expected {}, got {}",
                    short(&expected),
                    short(&message)
                ));
            }
            send(&rep, message, "the reply").await?;
        }
        Ok(peer)
    })
    .await;
}

#[tokio::test]
async fn zmq_core_dealer_against_pyzmq_router() {
    with_peer("router", SocketType::DEALER, |dealer, peer| async move {
        for (index, message) in messages().into_iter().enumerate() {
            send(&dealer, message.clone(), "a message").await?;
            let echo = recv(&dealer, &format!("echo {index}")).await?;
            if echo != message {
                return Err(format!(
                    "echo {index}: sent {}, got {}",
                    short(&message),
                    short(&echo)
                ));
            }
        }
        send(&dealer, vec![END.to_vec()], "END").await?;
        recv(&dealer, "the echo of END").await?;
        Ok(peer)
    })
    .await;
}

#[tokio::test]
async fn zmq_core_req_against_pyzmq_rep() {
    with_peer("rep", SocketType::REQ, |req, peer| async move {
        for (index, message) in messages().into_iter().enumerate() {
            send(&req, message.clone(), "a request").await?;
            let reply = recv(&req, &format!("reply {index}")).await?;
            if reply != message {
                return Err(format!(
                    "reply {index}: sent {}, got {}",
                    short(&message),
                    short(&reply)
                ));
            }
        }
        send(&req, vec![END.to_vec()], "END").await?;
        recv(&req, "the reply to END").await?;
        Ok(peer)
    })
    .await;
}

#[tokio::test]
async fn pyzmq_push_against_zmq_core_pull() {
    with_peer("push", SocketType::PULL, |pull, peer| async move {
        for (index, expected) in messages().into_iter().enumerate() {
            let message = recv(&pull, &format!("message {index}")).await?;
            if message != expected {
                return Err(format!(
                    "message {index}: expected {}, got {}",
                    short(&expected),
                    short(&message)
                ));
            }
        }
        let end = recv(&pull, "END").await?;
        if end != [END.to_vec()] {
            return Err(format!("expected [END], got {}", short(&end)));
        }
        Ok(peer)
    })
    .await;
}

#[tokio::test]
async fn zmq_core_push_against_pyzmq_pull() {
    with_peer("pull", SocketType::PUSH, |push, peer| async move {
        for message in messages() {
            send(&push, message, "a message").await?;
        }
        send(&push, vec![END.to_vec()], "END").await?;
        Ok(peer)
    })
    .await;
}

/// The slow joiner is handled by a handshake, not by sleeping: `sync`
/// messages go out until the subscriber says it got one.
#[tokio::test]
async fn zmq_core_pub_against_pyzmq_sub() {
    with_peer("sub", SocketType::PUB, |publisher, mut peer| async move {
        let (line_tx, mut line_rx) = tokio::sync::oneshot::channel();
        let waiter = tokio::task::spawn_blocking(move || {
            let line = peer.next_line(WAIT, "`synced`");
            let _ = line_tx.send(line);
            peer
        });
        let deadline = tokio::time::Instant::now() + WAIT;
        let synced = loop {
            send(&publisher, vec![b"sync".to_vec()], "sync").await?;
            match tokio::time::timeout(Duration::from_millis(50), &mut line_rx).await {
                Ok(line) => break line.map_err(|_| "the line reader stopped".to_owned())?,
                Err(_) if tokio::time::Instant::now() < deadline => continue,
                Err(_) => return Err(format!("the subscriber did not sync within {WAIT:?}")),
            }
        };
        let peer = waiter.await.map_err(|e| e.to_string())?;
        let line = synced?;
        if line != "synced" {
            return Err(peer.failure(&format!("expected `synced`, got {line:?}")));
        }
        // Filtered out by the subscriber's prefixes.
        send(
            &publisher,
            vec![b"other".to_vec(), b"dropped".to_vec()],
            "an unsubscribed topic",
        )
        .await?;
        for message in messages() {
            let mut frames = vec![b"t".to_vec()];
            frames.extend(message);
            send(&publisher, frames, "a message").await?;
        }
        send(&publisher, vec![b"t".to_vec(), END.to_vec()], "END").await?;
        Ok(peer)
    })
    .await;
}
