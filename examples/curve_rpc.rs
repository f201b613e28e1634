//! RPC over CURVE (tokio), behind a ZAP authenticator: the server's key
//! pair is saved as ZeroMQ certificate files, the client loads the
//! server's public certificate, and every call is encrypted. The
//! authenticator admits only the listed client key from an allowed
//! address: a client with an unlisted key is refused at the handshake (its
//! call times out, nothing reaches the handler, and the server's monitor
//! reports the refusal), and so is a client with the wrong server key.
//! Every wait is bounded and the program exits on its own.
//!
//! Run it with `cargo run --example curve_rpc`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use zmq_rpc::zmq_core::curve::{CurveKeyPair, load_keypair, load_public};
use zmq_rpc::zmq_core::zap::{ZapAuthenticator, ZapPolicy};
use zmq_rpc::zmq_core::{Context, MonitorEvent};
use zmq_rpc::{CallError, Handlers, connect_rpc, serve_rpc};
use zmq_runtime_tokio::TokioRuntime;

#[tokio::main]
async fn main() -> Result<()> {
    let runtime = Arc::new(TokioRuntime::try_current()?);
    let context = Context::new();

    // Once, on the server's machine: a key pair as certificate files.
    let dir = std::env::temp_dir().join(format!("curve_rpc-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (public_file, secret_file) = CurveKeyPair::generate()?.save(dir.join("server"))?;
    println!("server certificate: {}", public_file.display());

    // The authenticator of this context: in domain "rpc", one client key,
    // from the loopback address only.
    let client_keys = CurveKeyPair::generate()?;
    let mut policy = ZapPolicy::new();
    policy
        .domain_mut("rpc")
        .allow([127, 0, 0, 1])
        .allow_curve_key(client_keys.public);
    let auth = ZapAuthenticator::start(&context, policy, runtime.clone())?;

    let handlers = Handlers::new().method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b));
    let server = serve_rpc(handlers)
        .context(&context)
        .zap_domain("rpc")
        .curve_server(load_keypair(&secret_file)?)
        .bind("tcp://127.0.0.1:*")
        .start(runtime.clone())?;
    let endpoint = server.endpoints()[0].clone();
    server.socket()?.enable_monitor(Some(
        [MonitorEvent::HandshakeFailedAuth].into_iter().collect(),
    ))?;
    let mut refusals = server.socket()?.monitor_events()?;
    println!("serving over CURVE on {endpoint}");

    // The listed client: its own key pair and the server's certificate.
    let server_public = load_public(&public_file)?;
    let client = connect_rpc()
        .curve_client(client_keys, server_public)
        .connect(&endpoint)
        .timeout(Duration::from_secs(5))
        .start(runtime.clone())?;
    let sum: i64 = client.call("add").arg(40).arg(2).await?;
    println!("add(40, 2) = {sum}");

    // A client whose key is not listed: refused by the authenticator.
    let unlisted = connect_rpc()
        .curve_client(CurveKeyPair::generate()?, server_public)
        .connect(&endpoint)
        .timeout(Duration::from_millis(500))
        .start(runtime.clone())?;
    match unlisted.call::<i64>("add").arg(1).arg(2).await {
        Err(CallError::Timeout(limit)) => {
            println!("unlisted client key: no answer within {limit:?}")
        }
        other => bail!("the unlisted client should get no answer, got {other:?}"),
    }
    match tokio::time::timeout(Duration::from_secs(5), refusals.next()).await {
        Ok(Some(Ok(event))) => println!(
            "server monitor: {:?} (ZAP status {}) on {}",
            event.event, event.value, event.endpoint
        ),
        other => bail!("expected a handshake-failed-auth event, got {other:?}"),
    }

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
    let stats = auth.stats();
    println!(
        "authenticator: {} allowed, {} denied",
        stats.allowed, stats.denied
    );

    wrong.close();
    unlisted.close();
    client.close();
    server.close();
    auth.close();
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
