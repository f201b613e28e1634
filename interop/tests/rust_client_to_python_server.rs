//! Rust `connect_rpc` client → Python aiozmq server (`rpc_server.py`).
//!
//! The same cases also run against the Rust `rpc_interop_server` example
//! (same contract), so a case that fails only against Python points at a
//! wire difference, not at the case.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use zmq_interop::{Peer, assert_no_failures, interop_env, msgpack_values, record_case, same};
use zmq_rpc::datetime::{Date, DateTime, Time, TimeDelta, TimeZone};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{
    Builtin, BuiltinError, CallError, ErrorTable, GenericError, NotFoundError, ParametersError,
    RemoteError, RpcClient, connect_rpc,
};
use zmq_runtime_tokio::TokioRuntime;

const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// `interop.CustomError`, rebuilt from its args by the error table.
#[derive(Debug, Deserialize)]
struct CustomError {
    message: String,
}

impl fmt::Display for CustomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomError: {}", self.message)
    }
}

impl std::error::Error for CustomError {}

struct Clients {
    plain: RpcClient,
    custom: RpcClient,
    /// Its next request ids are 0xFFFFFFFE, 0xFFFFFFFF, 0, 1.
    wrapping: RpcClient,
}

fn remote<T: fmt::Debug>(result: Result<T, CallError>) -> Result<RemoteError, String> {
    match result {
        Err(CallError::Remote(remote)) => Ok(remote),
        other => Err(format!("expected a remote error, got {other:?}")),
    }
}

/// `add(a, b)` answers `a + b`; `when` says in which situation, for the
/// failure message.
async fn add_answers(client: &RpcClient, a: i64, b: i64, when: &str) -> Result<(), String> {
    let sum: i64 = client
        .call("add")
        .arg(a)
        .arg(b)
        .await
        .map_err(|e| format!("add({a}, {b}) {when}: {e}"))?;
    (sum == a + b)
        .then_some(())
        .ok_or(format!("add({a}, {b}) {when} = {sum}"))
}

async fn echo_typed<T>(client: &RpcClient, value: T) -> Result<(), String>
where
    T: serde::Serialize + DeserializeOwned + PartialEq + fmt::Debug + Send + 'static,
{
    let got: T = client
        .call("echo")
        .arg(&value)
        .await
        .map_err(|e| e.to_string())?;
    if got != value {
        return Err(format!("sent {value:?}, got back {got:?}"));
    }
    Ok(())
}

fn time(
    hour: u8,
    minute: u8,
    second: u8,
    microsecond: u32,
    fold: bool,
    tzinfo: Option<TimeZone>,
) -> Time {
    let mut time = Time::new(hour, minute, second, microsecond).expect("a valid time");
    time.fold = fold;
    time.tzinfo = tzinfo;
    time
}

fn zone(micros: i64, name: Option<&str>) -> TimeZone {
    TimeZone {
        offset: TimeDelta::from_microseconds(micros),
        name: name.map(str::to_owned),
    }
}

fn datetime(date: (u16, u8, u8), time: Time) -> DateTime {
    DateTime {
        date: Date::new(date.0, date.1, date.2).expect("a valid date"),
        time,
    }
}

const HOUR: i64 = 3_600_000_000;

async fn run_cases(clients: &Clients) -> Vec<String> {
    let client = &clients.plain;
    let mut failures = Vec::new();
    let f = &mut failures;

    for (name, value) in msgpack_values() {
        let outcome = async {
            let got: Value = client
                .call("echo")
                .arg(&value)
                .await
                .map_err(|e| e.to_string())?;
            if !same(&got, &value) {
                return Err(format!("sent {value:.200}, got back {got:.200}"));
            }
            Ok(())
        }
        .await;
        record_case(f, &format!("kinds.{name}"), outcome);
    }
    record_case(f, "kinds.typed u64 max", echo_typed(client, u64::MAX).await);
    record_case(f, "kinds.typed i64 min", echo_typed(client, i64::MIN).await);
    record_case(f, "kinds.typed f64", echo_typed(client, -0.1f64).await);
    record_case(
        f,
        "kinds.typed string",
        echo_typed(client, String::from("\u{1f389} ok")).await,
    );
    record_case(
        f,
        "kinds.typed option none",
        echo_typed(client, None::<i32>).await,
    );
    record_case(
        f,
        "kinds.typed map",
        echo_typed(
            client,
            BTreeMap::from([("a".to_owned(), 1i64), ("b".to_owned(), -2)]),
        )
        .await,
    );
    record_case(
        f,
        "kinds.typed tuple",
        echo_typed(client, (1u8, "two".to_owned(), 3.5f64, false)).await,
    );

    let ist = zone(5 * HOUR + 30 * 60_000_000, Some("IST"));
    let est = zone(-5 * HOUR, Some("EST"));
    let odd = zone(-(3 * HOUR + 7 * 60_000_000 + 11_000_000 + 13), None);
    record_case(
        f,
        "datetime.date",
        echo_typed(client, Date::new(2014, 3, 21).unwrap()).await,
    );
    record_case(
        f,
        "datetime.date min",
        echo_typed(client, Date::new(1, 1, 1).unwrap()).await,
    );
    record_case(
        f,
        "datetime.date max",
        echo_typed(client, Date::new(9999, 12, 31).unwrap()).await,
    );
    let cases_dt = [
        (
            "datetime naive",
            datetime((2024, 2, 29), time(23, 59, 58, 999_999, false, None)),
        ),
        (
            "datetime naive fold=1",
            datetime((2021, 11, 7), time(1, 30, 0, 0, true, None)),
        ),
        (
            "datetime aware utc",
            datetime((2024, 1, 2), time(3, 4, 5, 6, false, Some(TimeZone::utc()))),
        ),
        (
            "datetime aware named +05:30",
            datetime((2024, 1, 2), time(3, 4, 5, 0, false, Some(ist.clone()))),
        ),
        (
            "datetime aware odd negative offset",
            datetime(
                (1999, 12, 31),
                time(23, 59, 59, 0, false, Some(odd.clone())),
            ),
        ),
        (
            "datetime aware fold=1",
            datetime((2021, 11, 7), time(1, 30, 0, 0, true, Some(est.clone()))),
        ),
        (
            "datetime min",
            datetime((1, 1, 1), time(0, 0, 0, 0, false, None)),
        ),
        (
            "datetime max",
            datetime((9999, 12, 31), time(23, 59, 59, 999_999, false, None)),
        ),
    ];
    for (name, value) in cases_dt {
        record_case(
            f,
            &format!("datetime.{name}"),
            echo_typed(client, value).await,
        );
    }
    record_case(
        f,
        "datetime.time naive",
        echo_typed(client, time(12, 34, 56, 789_012, false, None)).await,
    );
    record_case(
        f,
        "datetime.time fold=1",
        echo_typed(client, time(1, 30, 0, 0, true, None)).await,
    );
    record_case(
        f,
        "datetime.time aware",
        echo_typed(client, time(23, 0, 0, 0, false, Some(est.clone()))).await,
    );
    let deltas = [
        ("timedelta zero", TimeDelta::default()),
        (
            "timedelta positive",
            TimeDelta {
                days: 3,
                seconds: 7,
                microseconds: 11,
            },
        ),
        ("timedelta negative", TimeDelta::from_microseconds(-1)),
        (
            "timedelta days=-1 us=5",
            TimeDelta {
                days: -1,
                seconds: 0,
                microseconds: 5,
            },
        ),
        (
            "timedelta max",
            TimeDelta {
                days: 999_999_999,
                seconds: 86_399,
                microseconds: 999_999,
            },
        ),
        (
            "timedelta min",
            TimeDelta {
                days: -999_999_999,
                seconds: 0,
                microseconds: 0,
            },
        ),
    ];
    for (name, value) in deltas {
        record_case(
            f,
            &format!("datetime.{name}"),
            echo_typed(client, value).await,
        );
    }
    record_case(
        f,
        "datetime.timezone utc",
        echo_typed(client, TimeZone::utc()).await,
    );
    record_case(
        f,
        "datetime.timezone named",
        echo_typed(client, est.clone()).await,
    );
    record_case(
        f,
        "datetime.timezone odd offset",
        echo_typed(client, odd.clone()).await,
    );

    record_case(
        f,
        "args.positional",
        add_answers(client, 1, 2, "positionally").await,
    );
    let outcome = async {
        let sum: i64 = client
            .call("add")
            .kwarg("b", 2)
            .kwarg("a", 40)
            .await
            .map_err(|e| e.to_string())?;
        (sum == 42)
            .then_some(())
            .ok_or(format!("add(b=2, a=40) = {sum}"))
    };
    record_case(f, "args.keywords", outcome.await);
    let outcome = async {
        let sum: i64 = client.call("add").arg(5).await.map_err(|e| e.to_string())?;
        (sum == 5).then_some(()).ok_or(format!("add(5) = {sum}"))
    };
    record_case(f, "args.default", outcome.await);
    let outcome = async {
        let got: String = client
            .call("echo")
            .kwarg("value", "v")
            .await
            .map_err(|e| e.to_string())?;
        (got == "v")
            .then_some(())
            .ok_or(format!("echo(value='v') = {got:?}"))
    };
    record_case(f, "args.keyword for echo", outcome.await);
    for (name, call) in [
        (
            "args.missing -> ParametersError",
            client.call::<Value>("add"),
        ),
        (
            "args.missing second -> ParametersError",
            client.call::<Value>("fail").arg("ValueError"),
        ),
        (
            "args.too many positional -> ParametersError",
            client.call::<Value>("add").arg(1).arg(2).arg(3),
        ),
        (
            "args.unknown keyword -> ParametersError",
            client.call::<Value>("add").arg(1).kwarg("c", 2),
        ),
        (
            "args.duplicate positional and keyword -> ParametersError",
            client.call::<Value>("add").arg(1).arg(2).kwarg("a", 3),
        ),
    ] {
        let outcome = remote(call.await).and_then(|remote| {
            remote.is::<ParametersError>().then_some(()).ok_or(format!(
                "expected ParametersError, got {} {}",
                remote.exc_type(),
                remote.repr()
            ))
        });
        record_case(f, name, outcome);
    }

    let outcome = async {
        let got: String = client
            .call("ns.sub.echo")
            .arg("deep")
            .await
            .map_err(|e| e.to_string())?;
        (got == "deep")
            .then_some(())
            .ok_or(format!("ns.sub.echo('deep') = {got:?}"))
    };
    record_case(f, "names.nested namespace", outcome.await);
    for name in ["nope", "ns.sub.nope", "ns.nope", "add.more"] {
        let outcome = remote(client.call::<Value>(name).await).and_then(|remote| match remote
            .downcast_ref::<NotFoundError>(
        ) {
            Some(error) if error.name == name => Ok(()),
            _ => Err(format!(
                "expected NotFoundError({name:?}), got {} {}",
                remote.exc_type(),
                remote.repr()
            )),
        });
        record_case(
            f,
            &format!("names.unknown {name} -> NotFoundError"),
            outcome,
        );
    }

    for (kind, builtin) in [
        ("ValueError", Builtin::ValueError),
        ("KeyError", Builtin::KeyError),
        ("TypeError", Builtin::TypeError),
        ("RuntimeError", Builtin::RuntimeError),
    ] {
        let message = "boom \u{2713}";
        let outcome =
            remote(client.call::<Value>("fail").arg(kind).arg(message).await).and_then(|remote| {
                match remote.downcast_ref::<BuiltinError>() {
                    Some(error)
                        if error.kind == builtin && error.args == [Value::from(message)] =>
                    {
                        Ok(())
                    }
                    _ => Err(format!(
                        "expected {kind}({message:?}), got {} {}",
                        remote.exc_type(),
                        remote.repr()
                    )),
                }
            });
        record_case(f, &format!("errors.builtin {kind}"), outcome);
    }
    let outcome = remote(
        clients
            .custom
            .call::<Value>("fail")
            .arg("CustomError")
            .arg("mine")
            .await,
    )
    .and_then(|remote| match remote.downcast_ref::<CustomError>() {
        Some(error) if error.message == "mine" && remote.exc_type() == "interop.CustomError" => {
            Ok(())
        }
        _ => Err(format!(
            "expected CustomError('mine'), got {} {}",
            remote.exc_type(),
            remote.repr()
        )),
    });
    record_case(f, "errors.custom through an error table", outcome);
    let outcome = remote(
        client
            .call::<Value>("fail")
            .arg("CustomError")
            .arg("mine")
            .await,
    )
    .and_then(|remote| match remote.downcast_ref::<GenericError>() {
        Some(error)
            if error.exc_type == "interop.CustomError"
                && error.args == [Value::from("mine")]
                && error.repr == "CustomError('mine')" =>
        {
            Ok(())
        }
        _ => Err(format!(
            "expected GenericError for interop.CustomError, got {} {}",
            remote.exc_type(),
            remote.repr()
        )),
    });
    record_case(f, "errors.unknown name -> GenericError", outcome);
    record_case(
        f,
        "errors.client keeps working after errors",
        add_answers(client, 2, 2, "after errors").await,
    );

    let outcome = async {
        let slow = tokio::spawn(client.call::<f64>("sleep").arg(0.5).into_future());
        let fast: i64 = client
            .call("add")
            .arg(1)
            .arg(1)
            .await
            .map_err(|e| e.to_string())?;
        if fast != 2 || slow.is_finished() {
            return Err("add was not answered while sleep(0.5) was pending".to_owned());
        }
        let slept = slow
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        (slept == 0.5)
            .then_some(())
            .ok_or(format!("sleep(0.5) = {slept}"))
    };
    record_case(f, "async.replies out of request order", outcome.await);

    let outcome = async {
        let calls: Vec<_> = (0..200i64)
            .map(|i| tokio::spawn(client.call::<i64>("add").arg(i).kwarg("b", i).into_future()))
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            let sum = call
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            if sum != 2 * i as i64 {
                return Err(format!("call {i} got {sum}"));
            }
        }
        Ok(())
    };
    record_case(f, "async.200 concurrent calls matched by id", outcome.await);

    let outcome = async {
        let started = Instant::now();
        match client
            .call::<f64>("sleep")
            .arg(1.0)
            .timeout(Duration::from_millis(200))
            .await
        {
            Err(CallError::Timeout(_)) => {}
            other => return Err(format!("expected a timeout, got {other:?}")),
        }
        let elapsed = started.elapsed();
        if elapsed > Duration::from_millis(900) {
            return Err(format!("the 200 ms timeout took {elapsed:?}"));
        }
        if client.pending_calls() != 0 {
            return Err(format!(
                "{} pending call(s) left after the timeout",
                client.pending_calls()
            ));
        }
        add_answers(client, 1, 2, "right after the timeout").await?;
        // The late reply arrives while we wait: it must be dropped quietly.
        tokio::time::sleep(Duration::from_secs(1)).await;
        add_answers(client, 3, 4, "after the late reply").await
    };
    record_case(f, "timeout.client timeout and recovery", outcome.await);

    let outcome = async {
        let before: Vec<Value> = client.call("recorded").await.map_err(|e| e.to_string())?;
        let value = Value::Map(vec![("n".into(), 1.into())]);
        let _: () = client
            .call("record")
            .arg(&value)
            .await
            .map_err(|e| e.to_string())?;
        let after: Vec<Value> = client.call("recorded").await.map_err(|e| e.to_string())?;
        let mut expected = before;
        expected.push(value);
        (after == expected)
            .then_some(())
            .ok_or(format!("recorded() = {after:?}"))
    };
    record_case(f, "record.recorded() over request-reply", outcome.await);

    let outcome = async {
        for n in 0..4i64 {
            let sum: i64 = clients
                .wrapping
                .call("add")
                .arg(n)
                .arg(1)
                .await
                .map_err(|e| format!("call {n}: {e}"))?;
            if sum != n + 1 {
                return Err(format!("call {n} around the wrap got {sum}"));
            }
        }
        Ok(())
    };
    record_case(
        f,
        "ids.request id wraps from 0xFFFFFFFF to 0",
        outcome.await,
    );

    failures
}

async fn against(server: &Peer) -> Vec<String> {
    let runtime = Arc::new(TokioRuntime::try_current().expect("inside a tokio runtime"));
    let plain = connect_rpc()
        .connect(server.endpoint())
        .timeout(CALL_TIMEOUT)
        .start(runtime.clone())
        .expect("a client");
    let custom = connect_rpc()
        .connect(server.endpoint())
        .timeout(CALL_TIMEOUT)
        .error_table(
            ErrorTable::with_defaults().register_args::<CustomError>("interop.CustomError"),
        )
        .start(runtime.clone())
        .expect("a client");
    let wrapping = connect_rpc()
        .connect(server.endpoint())
        .timeout(CALL_TIMEOUT)
        .last_request_id(u32::MAX - 2)
        .start(runtime)
        .expect("a client");
    let clients = Clients {
        plain,
        custom,
        wrapping,
    };
    let failures = run_cases(&clients).await;
    clients.plain.close();
    clients.custom.close();
    clients.wrapping.close();
    failures
}

#[tokio::test]
async fn rust_client_cases_against_aiozmq_server() {
    let Some(env) = interop_env("rust_client_cases_against_aiozmq_server") else {
        return;
    };
    let server = Peer::python(&env, "rpc_server.py", &[]).unwrap_or_else(|why| panic!("{why}"));
    let failures = against(&server).await;
    if !failures.is_empty() {
        eprintln!("{}", server.failure("(stderr follows)"));
    }
    assert_no_failures("Rust client -> aiozmq server", &failures);
}

#[tokio::test]
async fn rust_client_cases_against_rust_server_baseline() {
    let Some(env) = interop_env("rust_client_cases_against_rust_server_baseline") else {
        return;
    };
    let server = Peer::rust_server(&env).unwrap_or_else(|why| panic!("{why}"));
    let failures = against(&server).await;
    assert_no_failures("Rust client -> Rust server", &failures);
}
