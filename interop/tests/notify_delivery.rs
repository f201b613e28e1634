//! Pipeline and pub-sub delivery, both directions.
//!
//! - Python aiozmq `connect_pipeline`/`connect_pubsub` → the Rust
//!   `rpc_interop_server` (`interop/python/notify_cases.py`), and the same
//!   script against the aiozmq server (`rpc_server.py`) as the baseline.
//! - Rust `connect_pipeline`/`connect_pubsub` → the aiozmq server, and the
//!   same cases against the Rust server as the baseline.
//!
//! Every value kind goes out as `record(v)`; `recorded()` over
//! request-reply reads back what arrived (polled, bounded). Pub-sub groups
//! first publish `record("sync-...")` until it shows up (slow joiner).

use std::sync::Arc;
use std::time::{Duration, Instant};

use zmq_interop::{
    InteropEnv, NotifyEndpoints, Peer, assert_no_failures, interop_env, msgpack_values,
    record_case, report_cases, same,
};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{
    NotifyError, PubSubClient, RpcClient, connect_pipeline, connect_pubsub, connect_rpc,
};
use zmq_runtime_tokio::TokioRuntime;

const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a group's values may take to show up in `recorded()`.
const DELIVERY_WAIT: Duration = Duration::from_secs(10);
/// How long the slow-joiner handshake may take.
const HANDSHAKE_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

fn is_sync(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.starts_with("sync-"))
}

async fn recorded(rpc: &RpcClient) -> Result<Vec<Value>, String> {
    rpc.call("recorded")
        .await
        .map_err(|e| format!("recorded(): {e}"))
}

/// Publishes `record("sync-<label>-N")` on `topic` until `recorded()`
/// shows one.
async fn handshake(
    rpc: &RpcClient,
    pubsub: &PubSubClient,
    topic: &[u8],
    label: &str,
) -> Result<(), String> {
    let deadline = Instant::now() + HANDSHAKE_WAIT;
    let mut n = 0;
    while Instant::now() < deadline {
        let marker = Value::from(format!("sync-{label}-{n}"));
        n += 1;
        pubsub
            .publish(topic)
            .notify("record")
            .arg(&marker)
            .await
            .map_err(|e| e.to_string())?;
        tokio::time::sleep(POLL).await;
        if recorded(rpc).await?.contains(&marker) {
            return Ok(());
        }
    }
    Err(format!(
        "no sync-{label}-N publication showed up in recorded() within {HANDSHAKE_WAIT:?} ({n} sent)"
    ))
}

/// Sends every value with `send`, waits (bounded) until as many arrived,
/// then records one case per value (matched regardless of order: the Rust
/// server runs each notification on a task of its own) and one for
/// unexpected extras.
async fn group<F, Fut>(rpc: &RpcClient, label: &str, send: F, failures: &mut Vec<String>)
where
    F: Fn(Value) -> Fut,
    Fut: std::future::Future<Output = Result<(), NotifyError>>,
{
    let values = msgpack_values();
    let outcome = async {
        let before = recorded(rpc).await?.len();
        for (name, value) in &values {
            tokio::time::timeout(CALL_TIMEOUT, send(value.clone()))
                .await
                .map_err(|_| format!("sending {name} took over {CALL_TIMEOUT:?}"))?
                .map_err(|e| format!("sending {name}: {e}"))?;
        }
        let deadline = Instant::now() + DELIVERY_WAIT;
        loop {
            let all = recorded(rpc).await?;
            let got: Vec<Value> = all
                .into_iter()
                .skip(before)
                .filter(|v| !is_sync(v))
                .collect();
            if got.len() >= values.len() || Instant::now() >= deadline {
                return Ok::<_, String>(got);
            }
            tokio::time::sleep(POLL).await;
        }
    }
    .await;
    let got = match outcome {
        Ok(got) => got,
        Err(why) => {
            record_case(failures, &format!("{label}.group"), Err(why));
            return;
        }
    };
    let count = got.len();
    let mut remaining = got;
    for (name, value) in &values {
        let outcome = match remaining.iter().position(|g| same(g, value)) {
            Some(index) => {
                remaining.remove(index);
                Ok(())
            }
            None => Err(format!(
                "sent {value:.200}; not among the {count} of {} values recorded within {DELIVERY_WAIT:?}",
                values.len()
            )),
        };
        record_case(failures, &format!("{label}.kinds.{name}"), outcome);
    }
    let outcome = if remaining.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} unexpected value(s): {:.300}",
            remaining.len(),
            Value::Array(remaining)
        ))
    };
    record_case(failures, &format!("{label}.nothing else recorded"), outcome);
}

async fn rust_clients_against(server: &mut Peer) -> Vec<String> {
    let mut failures = Vec::new();
    let NotifyEndpoints { pipeline, pubsub } = match server.notify_endpoints() {
        Ok(endpoints) => endpoints,
        Err(why) => {
            record_case(&mut failures, "endpoints", Err(why));
            return failures;
        }
    };
    let runtime = Arc::new(TokioRuntime::try_current().expect("inside a tokio runtime"));
    let rpc = connect_rpc()
        .connect(server.endpoint())
        .timeout(CALL_TIMEOUT)
        .start(runtime)
        .expect("an RPC client");
    let pipeline = connect_pipeline()
        .connect(pipeline)
        .start()
        .expect("a pipeline client");
    let pubsub = connect_pubsub()
        .connect(pubsub)
        .start()
        .expect("a pub-sub client");

    group(
        &rpc,
        "pipeline",
        |v| pipeline.notify("record").arg(v).into_future(),
        &mut failures,
    )
    .await;
    for (label, topic) in [
        ("pubsub topic str", &b"t"[..]),
        ("pubsub topic bytes", &b"t\xff"[..]),
        ("pubsub topic none", &b""[..]),
    ] {
        let synced = handshake(&rpc, &pubsub, topic, label).await;
        let ok = synced.is_ok();
        record_case(
            &mut failures,
            &format!("{label}.slow-joiner handshake"),
            synced,
        );
        if ok {
            group(
                &rpc,
                label,
                |v| pubsub.publish(topic).notify("record").arg(v).into_future(),
                &mut failures,
            )
            .await;
        }
    }
    rpc.close();
    pipeline.close();
    pubsub.close();
    failures
}

#[tokio::test]
async fn rust_notify_cases_against_aiozmq_server() {
    let Some(env) = interop_env("rust_notify_cases_against_aiozmq_server") else {
        return;
    };
    let mut server = Peer::python(&env, "rpc_server.py", &[]).unwrap_or_else(|why| panic!("{why}"));
    let failures = rust_clients_against(&mut server).await;
    if !failures.is_empty() {
        eprintln!("{}", server.failure("(stderr follows)"));
    }
    assert_no_failures("Rust notifiers -> aiozmq servers", &failures);
}

#[tokio::test]
async fn rust_notify_cases_against_rust_server_baseline() {
    let Some(env) = interop_env("rust_notify_cases_against_rust_server_baseline") else {
        return;
    };
    let mut server = Peer::rust_server(&env).unwrap_or_else(|why| panic!("{why}"));
    let failures = rust_clients_against(&mut server).await;
    if !failures.is_empty() {
        eprintln!("{}", server.failure("(stderr follows)"));
    }
    assert_no_failures("Rust notifiers -> Rust servers", &failures);
}

fn python_cases_against(env: &InteropEnv, mut server: Peer) -> Result<usize, String> {
    let NotifyEndpoints { pipeline, pubsub } = server.notify_endpoints()?;
    let mut client = Peer::python_cases(
        env,
        "notify_cases.py",
        &[server.endpoint(), &pipeline, &pubsub],
    )?;
    let passed = client
        .expect_all_cases_pass()
        .map_err(|why| format!("{why}\n{}", server.failure("(server stderr follows)")))?;
    drop(server);
    Ok(passed)
}

#[test]
fn aiozmq_notify_cases_against_rust_server() {
    let Some(env) = interop_env("aiozmq_notify_cases_against_rust_server") else {
        return;
    };
    report_cases(Peer::rust_server(&env).and_then(|s| python_cases_against(&env, s)));
}

#[test]
fn aiozmq_notify_cases_against_aiozmq_server_baseline() {
    let Some(env) = interop_env("aiozmq_notify_cases_against_aiozmq_server_baseline") else {
        return;
    };
    report_cases(
        Peer::python(&env, "rpc_server.py", &[]).and_then(|s| python_cases_against(&env, s)),
    );
}
