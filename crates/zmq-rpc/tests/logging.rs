//! The log lines of the spec's logging contract, under the target
//! `aiozmq.rpc`: method errors with `log_exceptions` (and exclusions),
//! malformed messages, unknown and late reply ids; pipeline and pub-sub
//! results, lookup and binding errors.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use log::{Level, Log, Metadata, Record};
use support::{runtime_for, sleep_ms, test_handlers};
use zmq_core::{Socket, SocketType};
use zmq_rpc::codec::{Reply, Request};
use zmq_rpc::wire::{ReplyHeader, SenderPrefix};
use zmq_rpc::{
    CallError, LOG_TARGET, connect_pipeline, connect_pubsub, connect_rpc, serve_pipeline,
    serve_pubsub, serve_rpc,
};
use zmq_test_support::{Rt, Transport, WAIT, within};

struct Capture {
    records: Mutex<Vec<(Level, String, String)>>,
}

impl Log for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &Record<'_>) {
        self.records.lock().unwrap().push((
            record.level(),
            record.target().to_owned(),
            record.args().to_string(),
        ));
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture {
    records: Mutex::new(Vec::new()),
};

fn install() {
    let _ = log::set_logger(&CAPTURE);
    log::set_max_level(log::LevelFilter::Trace);
}

/// The captured lines of `level` containing `marker`, all under our target.
fn lines(level: Level, marker: &str) -> Vec<String> {
    CAPTURE
        .records
        .lock()
        .unwrap()
        .iter()
        .filter(|(lvl, _, message)| *lvl == level && message.contains(marker))
        .inspect(|(_, target, _)| assert_eq!(target, LOG_TARGET))
        .map(|(_, _, message)| message.clone())
        .collect()
}

async fn eventually(what: &str, check: impl Fn() -> bool) -> Result<(), String> {
    within(WAIT, what, async {
        while !check() {
            sleep_ms(5).await;
        }
    })
    .await
}

#[test]
fn server_logs_method_errors_unless_excluded_and_malformed_requests() {
    install();
    zmq_test_support::run(Rt::Smol, |rt| async move {
        let server = serve_rpc(test_handlers())
            .bind(Transport::Tcp.endpoint())
            .log_exceptions(true)
            .exclude_log_exceptions(["builtins.KeyError"])
            .start(runtime_for(rt))?;
        let client = connect_rpc()
            .connect(&server.endpoints()[0])
            .timeout(WAIT)
            .start(runtime_for(rt))?;
        let _ = client
            .call::<()>("fail")
            .arg("value")
            .arg("logged-marker")
            .await;
        let _ = client
            .call::<()>("fail")
            .arg("key")
            .arg("excluded-marker")
            .await;
        assert_eq!(
            lines(Level::Error, "logged-marker"),
            vec![
                "An exception ValueError('logged-marker') from method \"fail\" call occurred.\n\
                 args = ('value', 'logged-marker')\nkwargs = {}\n"
                    .to_owned()
            ]
        );
        assert!(lines(Level::Error, "excluded-marker").is_empty());

        let dealer = Socket::new(SocketType::DEALER)?;
        dealer.connect(&server.endpoints()[0])?;
        dealer.send(["garbage-marker", "x"]).await?;
        eventually("Cannot unpack", || {
            lines(Level::Error, "garbage-marker")
                .iter()
                .any(|line| line.starts_with("Cannot unpack"))
        })
        .await?;
        client.close();
        server.close();
        Ok(())
    });
}

#[test]
fn client_logs_unknown_ids_and_drops_late_replies_quietly() {
    install();
    zmq_test_support::run(Rt::Smol, |rt| async move {
        let router = Socket::new(SocketType::ROUTER)?;
        let endpoint = router.bind(&Transport::Tcp.endpoint())?;
        let client = connect_rpc()
            .connect(&endpoint)
            .timeout(Duration::from_millis(100))
            .last_request_id(0x00ab_cd00)
            .start(runtime_for(rt))?;
        // The call times out; its reply then arrives late.
        let late = client.call::<()>("slow").await;
        assert!(matches!(late, Err(CallError::Timeout(_))), "{late:?}");
        let message = within(WAIT, "request", router.recv()).await??;
        let (envelope, request) = Request::from_router_message(&message)?;
        assert_eq!(request.header.request_id, 0x00ab_cd01);
        let header = |request_id| ReplyHeader {
            sender: SenderPrefix { pid: 1, random: 2 },
            request_id,
            timestamp: 0.0,
            is_error: false,
        };
        let mut reply = envelope.clone();
        reply.extend(Reply::success(header(0x00ab_cd01), 1.into()).encode());
        router.send(reply).await?;
        let mut unknown = envelope.clone();
        unknown.extend(Reply::success(header(0x0777_7777), "unknown-marker".into()).encode());
        router.send(unknown).await?;
        eventually("late reply logged", || {
            !lines(Level::Debug, "#00abcd01 has been cancelled").is_empty()
        })
        .await?;
        eventually("unknown id logged", || {
            lines(Level::Warn, "unknown-marker")
                .iter()
                .any(|line| line.starts_with("Unknown answer id: 125269879 (1 2 0 0) -> "))
        })
        .await?;
        client.close();
        Ok(())
    });
}

#[test]
fn pipeline_and_pubsub_servers_log_what_they_cannot_answer() {
    install();
    zmq_test_support::run(Rt::Smol, |rt| async move {
        // Without log_exceptions: results, lookup and binding errors and
        // malformed messages are logged; other method errors only at DEBUG.
        let quiet = serve_pipeline(test_handlers())
            .bind(Transport::Tcp.endpoint())
            .start(runtime_for(rt))?;
        let client = connect_pipeline().connect(&quiet.endpoints()[0]).start()?;
        client.notify("echo").arg("returned-marker").await?;
        client.notify("missing-marker").await?;
        client.notify("add").kwarg("bogus_marker", 1).await?;
        client
            .notify("fail")
            .arg("value")
            .arg("quiet-marker")
            .await?;
        eventually("not None warning", || {
            lines(Level::Warn, "returned not None")
                == vec!["Pipeline handler \"echo\" returned not None"]
        })
        .await?;
        eventually("not found", || {
            lines(Level::Error, "missing-marker")
                == vec!["Call to \"missing-marker\" caused error: NotFoundError('missing-marker')"]
        })
        .await?;
        eventually("parameters", || {
            lines(Level::Error, "bogus_marker")
                .iter()
                .any(|line| line.starts_with("Call to \"add\" caused error: ParametersError("))
        })
        .await?;
        eventually("other errors at debug", || {
            lines(Level::Debug, "quiet-marker")
                == vec!["Call to \"fail\" caused error: ValueError('quiet-marker')"]
        })
        .await?;
        assert!(lines(Level::Error, "quiet-marker").is_empty());
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&quiet.endpoints()[0])?;
        push.send(["pipeline-junk-marker", "x"]).await?;
        eventually("Cannot unpack", || {
            lines(Level::Error, "pipeline-junk-marker")
                .iter()
                .any(|line| line.starts_with("Cannot unpack"))
        })
        .await?;

        // With log_exceptions, and the pub-sub wording.
        let loud = serve_pubsub(test_handlers())
            .subscribe("")
            .log_exceptions(true)
            .bind(Transport::Tcp.endpoint())
            .start(runtime_for(rt))?;
        let publisher = connect_pubsub().connect(&loud.endpoints()[0]).start()?;
        within(WAIT, "subscription handshake", async {
            while lines(Level::Warn, "PubSub handler").is_empty() {
                publisher.publish("").notify("echo").arg(1).await?;
                sleep_ms(10).await;
            }
            Ok::<_, zmq_rpc::NotifyError>(())
        })
        .await??;
        assert!(
            lines(Level::Warn, "PubSub handler")
                .iter()
                .all(|line| line == "PubSub handler \"echo\" returned not None")
        );
        publisher
            .publish("any")
            .notify("fail")
            .arg("value")
            .arg("loud-marker")
            .await?;
        eventually("log_exceptions", || {
            lines(Level::Error, "loud-marker")
                == vec![
                    "An exception ValueError('loud-marker') from method \"fail\" call occurred.\n\
                     args = ('value', 'loud-marker')\nkwargs = {}\n",
                ]
        })
        .await?;
        client.close();
        publisher.close();
        quiet.close();
        loud.close();
        Ok(())
    });
}
