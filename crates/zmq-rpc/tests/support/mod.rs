//! Shared pieces of the RPC socket tests: a `Runtime` for each executor and
//! a handler set exercising every kind of method.

#![allow(dead_code, unreachable_pub)]

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zmq_core::runtime::{BoxFuture, Runtime};
use zmq_rpc::handlers::{Method, sync_method};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{BuiltinError, Handlers};
use zmq_test_support::Rt;

/// The `Runtime` adapter matching the executor a case runs under.
pub fn runtime_for(rt: Rt) -> Arc<dyn Runtime> {
    match rt {
        Rt::TokioCurrentThread | Rt::TokioMultiThread | Rt::TokioAsyncIo => {
            Arc::new(zmq_runtime_tokio::TokioRuntime::try_current().expect("inside tokio"))
        }
        Rt::Smol => Arc::new(zmq_runtime_smol::SmolRuntime::global()),
        Rt::BlockOn => Arc::new(ThreadPerTask),
    }
}

/// For plain `block_on`: each task on a thread of its own, async-io timers.
#[derive(Debug)]
pub struct ThreadPerTask;

impl Runtime for ThreadPerTask {
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        std::thread::spawn(move || futures_lite::future::block_on(task));
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            async_io::Timer::after(duration).await;
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct Add {
    pub a: i64,
    #[serde(default)]
    pub b: i64,
}

#[derive(Debug, Deserialize)]
pub struct Sleep {
    pub millis: u64,
    #[serde(default = "nil")]
    pub value: Value,
}

fn nil() -> Value {
    Value::Nil
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Clone)]
pub struct Point {
    pub x: i32,
    pub y: i32,
}

/// A sleep that works under every executor.
pub async fn sleep_ms(millis: u64) {
    async_io::Timer::after(Duration::from_millis(millis)).await;
}

/// The service most tests call:
/// - `add(a, b=0)`, sync, positional or keyword;
/// - `echo(value)`, any value back;
/// - `later(millis, value=None)`, async, answers after a sleep;
/// - `fail(kind, message)`, raises the named built-in;
/// - `point(x, y)` returns a struct (a map on the wire);
/// - `ns.sub.neg(x)` in nested namespaces;
/// - `dyn.<anything>` resolved at call time: returns the name;
/// - `unencodable()` returns a value msgpack cannot carry;
/// - `panic()` panics;
/// - `int_keys()` returns a map with int keys (which aiozmq cannot unpack).
pub fn test_handlers() -> Handlers {
    let dynamic = |name: &str| -> Option<Arc<dyn Method>> {
        if name.starts_with("hidden") {
            return None;
        }
        let name = name.to_owned();
        Some(sync_method(move |()| Ok::<_, Infallible>(name.clone())))
    };
    Handlers::new()
        .method("add", |Add { a, b }| Ok::<_, Infallible>(a + b))
        .method("echo", |value: Value| Ok::<_, Infallible>(value))
        .async_method("later", |Sleep { millis, value }| async move {
            sleep_ms(millis).await;
            Ok::<_, Infallible>(value)
        })
        .method("fail", |(kind, message): (String, String)| {
            Err::<(), _>(match kind.as_str() {
                "value" => BuiltinError::value_error(message),
                "type" => BuiltinError::type_error(message),
                "key" => BuiltinError::key_error(message),
                "timeout" => BuiltinError::timeout_error(message),
                _ => BuiltinError::runtime_error(message),
            })
        })
        .method("point", |(x, y): (i32, i32)| {
            Ok::<_, Infallible>(Point { x, y })
        })
        .method("unencodable", |()| Ok::<_, Infallible>(Unencodable))
        .method("panic", |()| -> Result<(), Infallible> {
            panic!("a method panicked")
        })
        .method("int_keys", |()| {
            Ok::<_, Infallible>(std::collections::HashMap::from([(1u32, "one")]))
        })
        .namespace(
            "ns",
            Handlers::new().namespace(
                "sub",
                Handlers::new().method("neg", |x: i64| Ok::<_, Infallible>(-x)),
            ),
        )
        .namespace("dyn", dynamic)
}

/// A value whose serialization fails.
pub struct Unencodable;

impl Serialize for Unencodable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("Unknown type: Unencodable"))
    }
}
