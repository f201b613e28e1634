//! pyzmq's request-reply example, in Rust: a REP server and a REQ client.
//!
//! With no argument both run in this process (as `cargo xtask ci` does).
//! Run them apart with `cargo run --example request_reply -- server
//! tcp://127.0.0.1:5555` and `cargo run --example request_reply -- client
//! tcp://127.0.0.1:5555`.

use std::time::Duration;

use anyhow::{Result, bail};
use zmq_core::{Socket, SocketType};

const REQUESTS: usize = 5;

async fn server(socket: Socket) -> Result<()> {
    for _ in 0..REQUESTS {
        let request = socket.recv_string().await?;
        println!("server: received {request:?}");
        socket.send_string(format!("World (for {request})")).await?;
    }
    Ok(())
}

async fn client(socket: Socket) -> Result<()> {
    for n in 0..REQUESTS {
        socket.send_string(format!("Hello {n}")).await?;
        let reply = socket.recv_string().await?;
        println!("client: received {reply:?}");
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let work = async {
        match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["server", endpoint] => {
                let socket = Socket::new(SocketType::REP)?;
                println!("server: bound {}", socket.bind(endpoint)?);
                server(socket).await
            }
            ["client", endpoint] => {
                let socket = Socket::new(SocketType::REQ)?;
                socket.connect(endpoint)?;
                client(socket).await
            }
            [] => {
                let rep = Socket::new(SocketType::REP)?;
                let endpoint = rep.bind("tcp://127.0.0.1:*")?;
                let req = Socket::new(SocketType::REQ)?;
                req.connect(&endpoint)?;
                let (served, asked) = tokio::join!(server(rep), client(req));
                served.and(asked)
            }
            _ => bail!("usage: request_reply [server|client ENDPOINT]"),
        }
    };
    tokio::time::timeout(Duration::from_secs(30), work).await?
}
