//! The Rust side of the Python interop suite: aiozmq.rpc-compatible
//! request-reply, pipeline and pub-sub servers with a fixed set of handlers.
//!
//! # Contract
//!
//! ```text
//! rpc_interop_server [ENDPOINT]        ENDPOINT defaults to tcp://127.0.0.1:*
//! ```
//!
//! - Binds a request-reply RPC server (ROUTER) to `ENDPOINT`, and a
//!   pipeline server (PULL) and a pub-sub server (SUB, subscribed to `""`,
//!   so every topic) to the same host on ports the system chooses.
//! - Prints three lines on stdout, then flushes:
//!
//!   ```text
//!   tcp://127.0.0.1:PORT1             the request-reply endpoint (bound)
//!   pipeline tcp://127.0.0.1:PORT2    the pipeline endpoint
//!   pubsub tcp://127.0.0.1:PORT3      the pub-sub endpoint
//!   ```
//!
//!   The first line alone is the contract every interop peer shares.
//! - Serves until its **stdin closes** (EOF), then closes the servers and
//!   exits with status 0. Run with stdin = /dev/null it exits at once (this
//!   is what `cargo xtask ci`'s examples step does).
//! - Handlers, as a Python peer sees them:
//!
//! | name | behaves like |
//! |---|---|
//! | `add(a, b=0)` | `a + b` on integers (`OverflowError` past i64) |
//! | `echo(value)` | returns `value`; datetime-family ext values (codes 123 to 127) are decoded into `zmq_rpc::datetime` types and encoded again, so they prove both directions of the pickle subset; anything else is returned unchanged |
//! | `fail(kind, message)` | raises `kind(message)`: `ValueError`, `KeyError`, `TypeError`, `RuntimeError` (Python builtins), or `CustomError` (wire name `interop.CustomError`); any other kind raises `ValueError("unknown kind ...")` |
//! | `sleep(seconds)` | async; sleeps (at most 60 s) and returns `seconds` |
//! | `ns.sub.echo(value)` | as `echo`, through nested namespaces |
//! | `record(value)` | stores `value`, returns `None` |
//! | `recorded()` | every stored value, in order |
//!
//! All three servers serve the same handlers into one store: `record(value)`
//! sent as a pipeline notification or a pub-sub publication (any topic) is
//! read back over request-reply with `recorded()`.
//!
//! `interop/python/rpc_server.py` is the aiozmq server with the same
//! contract; the interop suite (`cargo xtask interop`) runs the same cases
//! against both.
//!
//! Run it with `cargo run --example rpc_interop_server`.

use std::borrow::Cow;
use std::fmt;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;
use zmq_rpc::datetime::{
    DATE_CODE, DATETIME_CODE, Date, DateTime, TIME_CODE, TIMEDELTA_CODE, TZINFO_CODE, Time,
    TimeDelta, TimeZone,
};
use zmq_rpc::msgpack::{from_value, to_value};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{
    Builtin, BuiltinError, Handlers, WireError, serve_pipeline, serve_pubsub, serve_rpc,
};
use zmq_runtime_tokio::TokioRuntime;

/// The application error with the wire name `interop.CustomError`.
#[derive(Debug)]
struct CustomError(String);

impl fmt::Display for CustomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl WireError for CustomError {
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed("interop.CustomError")
    }

    fn exc_args(&self) -> Vec<Value> {
        vec![Value::from(self.0.as_str())]
    }
}

/// What `fail` raises: a Python builtin or the custom error.
#[derive(Debug)]
enum Failure {
    Builtin(BuiltinError),
    Custom(CustomError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Builtin(error) => error.fmt(f),
            Failure::Custom(error) => error.fmt(f),
        }
    }
}

impl WireError for Failure {
    fn exc_type(&self) -> Cow<'static, str> {
        match self {
            Failure::Builtin(error) => error.exc_type(),
            Failure::Custom(error) => error.exc_type(),
        }
    }

    fn exc_args(&self) -> Vec<Value> {
        match self {
            Failure::Builtin(error) => error.exc_args(),
            Failure::Custom(error) => error.exc_args(),
        }
    }
}

/// `def add(a, b=0)`.
#[derive(Deserialize)]
struct Add {
    a: i64,
    #[serde(default)]
    b: i64,
}

/// `def echo(value)` (and `record(value)`).
#[derive(Deserialize)]
struct Echo {
    value: Value,
}

/// `def fail(kind, message)`.
#[derive(Deserialize)]
struct Fail {
    kind: String,
    message: String,
}

/// `async def sleep(seconds)`.
#[derive(Deserialize)]
struct Sleep {
    seconds: f64,
}

/// Decodes a datetime-family ext value into its typed form and encodes it
/// again; recurses into arrays and maps; leaves everything else alone.
fn reencode(value: Value) -> Result<Value, BuiltinError> {
    fn round_trip<T>(value: &Value) -> Result<Value, BuiltinError>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let typed: T = from_value(value).map_err(|e| BuiltinError::value_error(e.to_string()))?;
        to_value(&typed).map_err(|e| BuiltinError::value_error(e.to_string()))
    }
    match value {
        Value::Ext(code, _) => match code {
            DATE_CODE => round_trip::<Date>(&value),
            DATETIME_CODE => round_trip::<DateTime>(&value),
            TIME_CODE => round_trip::<Time>(&value),
            TIMEDELTA_CODE => round_trip::<TimeDelta>(&value),
            TZINFO_CODE => round_trip::<TimeZone>(&value),
            _ => Ok(value),
        },
        Value::Array(items) => Ok(Value::Array(
            items.into_iter().map(reencode).collect::<Result<_, _>>()?,
        )),
        Value::Map(entries) => Ok(Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| Ok((key, reencode(value)?)))
                .collect::<Result<_, BuiltinError>>()?,
        )),
        other => Ok(other),
    }
}

fn handlers(store: Arc<Mutex<Vec<Value>>>) -> Handlers {
    let record_store = Arc::clone(&store);
    Handlers::new()
        .method("add", |Add { a, b }| {
            a.checked_add(b).ok_or_else(|| {
                BuiltinError::new(Builtin::OverflowError, vec!["integer overflow".into()])
            })
        })
        .method("echo", |Echo { value }| reencode(value))
        .method("fail", |Fail { kind, message }| {
            let builtin = match kind.as_str() {
                "ValueError" => Builtin::ValueError,
                "KeyError" => Builtin::KeyError,
                "TypeError" => Builtin::TypeError,
                "RuntimeError" => Builtin::RuntimeError,
                "CustomError" => return Err::<(), _>(Failure::Custom(CustomError(message))),
                other => {
                    return Err(Failure::Builtin(BuiltinError::value_error(format!(
                        "unknown kind {other:?}"
                    ))));
                }
            };
            Err(Failure::Builtin(BuiltinError::new(
                builtin,
                vec![message.into()],
            )))
        })
        .async_method("sleep", |Sleep { seconds }| async move {
            if !(0.0..=60.0).contains(&seconds) {
                return Err(BuiltinError::value_error("seconds must be in 0..=60"));
            }
            tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
            Ok(seconds)
        })
        .method("record", move |Echo { value }| {
            record_store
                .lock()
                .map_err(|_| BuiltinError::runtime_error("store poisoned"))?
                .push(value);
            Ok::<_, BuiltinError>(())
        })
        .method("recorded", move |()| {
            let values = store
                .lock()
                .map_err(|_| BuiltinError::runtime_error("store poisoned"))?;
            Ok::<_, BuiltinError>(values.clone())
        })
        .namespace(
            "ns",
            Handlers::new().namespace(
                "sub",
                Handlers::new().method("echo", |Echo { value }| reencode(value)),
            ),
        )
}

#[tokio::main]
async fn main() -> Result<()> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tcp://127.0.0.1:*".to_owned());
    let runtime = Arc::new(TokioRuntime::try_current()?);
    let store = Arc::new(Mutex::new(Vec::new()));
    let server = serve_rpc(handlers(Arc::clone(&store)))
        .bind(endpoint.as_str())
        .start(runtime.clone())
        .with_context(|| format!("serving on {endpoint}"))?;
    // The same host as the bound endpoint, on ports the system chooses.
    let bound = &server.endpoints()[0];
    let any_port = match bound.rsplit_once(':') {
        Some((host, _port)) if bound.starts_with("tcp://") => format!("{host}:*"),
        _ => "tcp://127.0.0.1:*".to_owned(),
    };
    let pipeline = serve_pipeline(handlers(Arc::clone(&store)))
        .bind(any_port.as_str())
        .start(runtime.clone())
        .with_context(|| format!("serving the pipeline on {any_port}"))?;
    let pubsub = serve_pubsub(handlers(store))
        .subscribe("")
        .bind(any_port.as_str())
        .start(runtime)
        .with_context(|| format!("serving pub-sub on {any_port}"))?;

    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", server.endpoints()[0])?;
    writeln!(stdout, "pipeline {}", pipeline.endpoints()[0])?;
    writeln!(stdout, "pubsub {}", pubsub.endpoints()[0])?;
    stdout.flush()?;
    drop(stdout);

    // Serve until stdin closes: a thread reads it to EOF and then signals.
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 4096];
        let mut stdin = std::io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed_tx.send(());
    });
    let _ = closed_rx.await;

    server.close();
    pipeline.close();
    pubsub.close();
    // Bounded: the servers' tasks stop at the close signal.
    let closed = async {
        server.wait_closed().await;
        pipeline.wait_closed().await;
        pubsub.wait_closed().await;
    };
    if tokio::time::timeout(Duration::from_secs(5), closed)
        .await
        .is_err()
    {
        eprintln!("rpc_interop_server: the servers did not close within 5 s");
    }
    Ok(())
}
