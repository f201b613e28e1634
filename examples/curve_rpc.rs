//! RPC over CURVE (tokio): the server's key pair is saved as ZeroMQ
//! certificate files, the client loads the server's public certificate,
//! and every call is encrypted. A client that has the wrong server key gets
//! no answer: its call times out, while the right client is served. Every
//! wait is bounded and the program exits on its own.
//!
//! Run it with `cargo run --example curve_rpc`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use zmq_rpc::zmq_core::curve::{CurveKeyPair, load_keypair, load_public};
use zmq_rpc::{CallError, Handlers, connect_rpc, serve_rpc};
use zmq_runtime_tokio::TokioRuntime;

#[tokio::main]
async fn main() -> Result<()> {
    let runtime = Arc::new(TokioRuntime::try_current()?);

    // Once, on the server's machine: a key pair as certificate files.
    let dir = std::env::temp_dir().join(format!("curve_rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (public_file, secret_file) = CurveKeyPair::generate()?.save(dir.join("server"))?;
    println!("server certificate: {}", public_file.display());

    let handlers = Handlers::new().method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b));
    let server = serve_rpc(handlers)
        .curve_server(load_keypair(&secret_file)?)
        .bind("tcp://127.0.0.1:*")
        .start(runtime.clone())?;
    let endpoint = server.endpoints()[0].clone();
    println!("serving over CURVE on {endpoint}");

    // The client has its own key pair and the server's public certificate.
    let client = connect_rpc()
        .curve_client(CurveKeyPair::generate()?, load_public(&public_file)?)
        .connect(&endpoint)
        .timeout(Duration::from_secs(5))
        .start(runtime.clone())?;
    let sum: i64 = client.call("add").arg(40).arg(2).await?;
    println!("add(40, 2) = {sum}");

    // A client with the wrong server key never completes the handshake.
    let impostor = CurveKeyPair::generate()?;
    let wrong = connect_rpc()
        .curve_client(CurveKeyPair::generate()?, impostor.public)
        .connect(&endpoint)
        .timeout(Duration::from_millis(500))
        .start(runtime)?;
    match wrong.call::<i64>("add").arg(1).arg(2).await {
        Err(CallError::Timeout(limit)) => {
            println!("wrong server key: no answer within {limit:?}")
        }
        other => bail!("the wrong-key client should get no answer, got {other:?}"),
    }

    wrong.close();
    client.close();
    server.close();
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
