//! RPC handlers beyond a map of closures, and errors both ways, under smol.
//!
//! Ports of aiozmq's RPC examples in one program:
//! - a **type with methods** that resolves names itself (`Handler`),
//! - a **dynamic lookup** that answers any name under `dynamic.` at call
//!   time,
//! - **nested namespaces** built at runtime,
//! - **exception translation**: a server error type that chooses its
//!   Python name and args (`WireError`), and a client error table that
//!   turns it back into the Rust type (`ErrorTable::register_args`),
//! - **validation**: wrong arguments come back as `ParametersError`,
//! - **custom value translators**: a user type as a msgpack ext value
//!   (`ExtType`), and Python's `datetime.date` on aiozmq's code 127.
//!
//! Run it with `cargo run --example rpc_handlers`.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use zmq_rpc::datetime::Date;
use zmq_rpc::ext::{AsExt, ExtType};
use zmq_rpc::handlers::{Handler, Method, sync_method};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{
    CallError, ErrorTable, Handlers, ParametersError, WireError, connect_rpc, serve_rpc,
};
use zmq_runtime_smol::SmolRuntime;

/// A counter whose methods are resolved by name, like an aiozmq
/// `AttrHandler` subclass with `@rpc.method`s.
struct Counter {
    value: Arc<AtomicI64>,
}

impl Handler for Counter {
    fn lookup(&self, name: &str) -> Option<Arc<dyn Method>> {
        let value = Arc::clone(&self.value);
        match name {
            "increment" => Some(sync_method(move |by: i64| {
                Ok::<_, Infallible>(value.fetch_add(by, Ordering::SeqCst) + by)
            })),
            "get" => Some(sync_method(move |()| {
                Ok::<_, Infallible>(value.load(Ordering::SeqCst))
            })),
            "withdraw" => Some(sync_method(move |amount: i64| {
                let current = value.load(Ordering::SeqCst);
                if amount > current {
                    return Err(Insufficient {
                        wanted: amount,
                        available: current,
                    });
                }
                Ok(value.fetch_sub(amount, Ordering::SeqCst) - amount)
            })),
            _ => None,
        }
    }
}

/// A server error that a Python client would see as `bank.Insufficient`.
#[derive(Debug, thiserror::Error, serde::Deserialize)]
#[error("wanted {wanted}, only {available} available")]
struct Insufficient {
    wanted: i64,
    available: i64,
}

impl WireError for Insufficient {
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed("bank.Insufficient")
    }

    fn exc_args(&self) -> Vec<Value> {
        vec![self.wanted.into(), self.available.into()]
    }
}

/// A user type that travels as ext code 0: two little-endian f64s.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

impl ExtType for Point {
    const CODE: i8 = 0;

    fn encode_payload(&self) -> Vec<u8> {
        [self.x.to_le_bytes(), self.y.to_le_bytes()].concat()
    }

    fn decode_payload(payload: &[u8]) -> Result<Point, String> {
        let bytes: [u8; 16] = payload.try_into().map_err(|_| "a Point is 16 bytes")?;
        let (x, y) = bytes.split_at(8);
        let coordinate = |half: &[u8]| f64::from_le_bytes(half.try_into().unwrap_or([0; 8]));
        Ok(Point {
            x: coordinate(x),
            y: coordinate(y),
        })
    }
}

fn main() -> Result<()> {
    smol::block_on(async {
        let bounded = async {
            run().await?;
            Ok::<_, anyhow::Error>(true)
        };
        let timer = async {
            smol::Timer::after(Duration::from_secs(30)).await;
            Ok(false)
        };
        if !futures_lite::future::or(bounded, timer).await? {
            bail!("the example did not finish within 30 s");
        }
        Ok(())
    })
}

async fn run() -> Result<()> {
    let runtime = Arc::new(SmolRuntime::global());
    // Any name under `dynamic.` answers with its own name, reversed.
    let dynamic = |name: &str| -> Option<Arc<dyn Method>> {
        let reversed: String = name.chars().rev().collect();
        Some(sync_method(move |()| Ok::<_, Infallible>(reversed.clone())))
    };
    let handlers = Handlers::new()
        .namespace(
            "counter",
            Counter {
                value: Arc::new(AtomicI64::new(0)),
            },
        )
        .namespace("dynamic", dynamic)
        .method("mirror", |AsExt(point): AsExt<Point>| {
            Ok::<_, Infallible>(AsExt(Point {
                x: point.y,
                y: point.x,
            }))
        })
        .method("next_year", |date: Date| {
            Date::new(date.year + 1, date.month, date.day)
                .ok_or_else(|| zmq_rpc::BuiltinError::value_error("year out of range"))
        })
        .namespace(
            "text",
            Handlers::new().namespace(
                "case",
                Handlers::new().method("upper", |text: String| {
                    Ok::<_, Infallible>(text.to_uppercase())
                }),
            ),
        );
    let server = serve_rpc(handlers)
        .bind("tcp://127.0.0.1:*")
        .log_exceptions(true)
        .exclude_log_exceptions(["bank.Insufficient"])
        .start(runtime.clone())?;
    let client = connect_rpc()
        .connect(&server.endpoints()[0])
        .timeout(Duration::from_secs(5))
        .error_table(ErrorTable::with_defaults().register_args::<Insufficient>("bank.Insufficient"))
        .start(runtime)?;

    let after: i64 = client.call("counter.increment").arg(10).await?;
    println!("counter.increment(10) = {after}");
    let now: i64 = client.call("counter.get").await?;
    println!("counter.get() = {now}");

    match client.call::<i64>("counter.withdraw").arg(25).await {
        Err(CallError::Remote(remote)) => match remote.downcast_ref::<Insufficient>() {
            Some(error) => println!("counter.withdraw(25) raised {}: {error}", remote.exc_type()),
            None => bail!("unexpected remote error {remote}"),
        },
        other => bail!("expected bank.Insufficient, got {other:?}"),
    }

    let reversed: String = client.call("dynamic.made.up.name").await?;
    println!("dynamic.made.up.name() = {reversed:?}");

    let upper: String = client.call("text.case.upper").arg("namespaces").await?;
    println!("text.case.upper('namespaces') = {upper:?}");

    match client.call::<String>("text.case.upper").arg(42).await {
        Err(CallError::Remote(remote)) if remote.is::<ParametersError>() => {
            println!("text.case.upper(42) was refused: {}", remote.repr())
        }
        other => bail!("expected a ParametersError, got {other:?}"),
    }

    let AsExt(mirrored) = client
        .call::<AsExt<Point>>("mirror")
        .arg(AsExt(Point { x: 1.0, y: 2.0 }))
        .await?;
    println!("mirror(Point(1, 2)) = {mirrored:?}");

    let date = Date::new(2014, 3, 21).expect("a valid date");
    let next: Date = client.call("next_year").arg(date).await?;
    println!("next_year(date(2014, 3, 21)) = {next:?}");

    client.close();
    server.close();
    server.wait_closed().await;
    Ok(())
}
