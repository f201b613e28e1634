//! Hand-built frames against the pipeline and pub-sub servers: every
//! malformed message is dropped, and the good message after it is served
//! (aiozmq's PULL and SUB servers stop receiving for good on the first).

mod support;

use std::convert::Infallible;
use std::time::Duration;

use async_channel::Receiver;
use support::runtime_for;
use zmq_core::{Socket, SocketType};
use zmq_rpc::msgpack::encode_value;
use zmq_rpc::rmpv::Value;
use zmq_rpc::{Handlers, serve_pipeline, serve_pubsub};
use zmq_test_support::{Transport, WAIT, on_every_executor, timeout, within};

/// `record(tag)` reports its tag; `returns(tag)` too, and returns it.
fn recorder() -> (Handlers, Receiver<String>) {
    let (sender, receiver) = async_channel::unbounded();
    let returns = sender.clone();
    let handlers = Handlers::new()
        .method("record", move |tag: String| {
            let _ = sender.try_send(tag);
            Ok::<_, Infallible>(())
        })
        .method("returns", move |tag: String| {
            let _ = returns.try_send(tag.clone());
            Ok::<_, Infallible>(tag)
        });
    (handlers, receiver)
}

/// The frames `[name, args, kwargs]` of a good `record(tag)`.
fn good(tag: &str) -> Vec<Vec<u8>> {
    let args = encode_value(&Value::from(vec![Value::from(tag)]));
    vec![b"record".to_vec(), args, vec![0x80]]
}

/// Every kind of malformed notification (name, args, kwargs frames), and
/// the well-formed ones the method cannot take.
fn malformed() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let good = good("x");
    let with = |index: usize, frame: &[u8]| {
        let mut frames = good.clone();
        frames[index] = frame.to_vec();
        frames
    };
    let mut extra = good.clone();
    extra.push(b"\x80".to_vec());
    vec![
        ("one empty frame", vec![vec![]]),
        ("two frames", good[..2].to_vec()),
        ("a trailing extra frame", extra),
        ("non-UTF-8 name", with(0, b"\xff\xfe")),
        ("truncated args", with(1, b"\x92\xa1x")),
        ("reserved marker", with(1, b"\xc1")),
        ("trailing bytes", with(2, b"\x80\x80")),
        ("int map key", with(2, b"\x81\x01\x02")),
        ("invalid UTF-8 str", with(1, b"\x91\xa1\xff")),
        ("too deep", with(1, &[0x91; 10_000])),
        ("empty kwargs frame", with(2, b"")),
        ("kwargs an array", with(2, b"\x90")),
        ("bin kwargs key", with(2, b"\x81\xc4\x03tag\xa1x")),
        ("args a map", with(1, b"\x81\xa3tag\xa1x")),
        ("too many args", with(1, b"\x92\xa1x\xa1y")),
        ("an unknown method", with(0, b"missing")),
        ("a namespace that is not there", with(0, b"ns.record")),
    ]
}

async fn expect(receiver: &Receiver<String>, tag: &str) -> Result<(), String> {
    let got = within(WAIT, tag, receiver.recv())
        .await?
        .map_err(|e| e.to_string())?;
    if got != tag {
        return Err(format!("expected {tag:?}, got {got:?}"));
    }
    Ok(())
}

on_every_executor! {
    async fn every_malformed_pipeline_message_is_dropped_and_the_next_one_served(rt) {
        let (handlers, seen) = recorder();
        let server = serve_pipeline(handlers)
            .bind(Transport::Tcp.endpoint())
            .start(runtime_for(rt))?;
        let push = Socket::new(SocketType::PUSH)?;
        push.connect(&server.endpoints()[0])?;
        push.send(good("first")).await?;
        expect(&seen, "first").await?;
        for (what, frames) in malformed() {
            push.send(frames).await?;
            let tag = format!("after {what}");
            push.send(good(&tag)).await?;
            expect(&seen, &tag).await?;
        }
        // A method's return value is logged, never sent: serving goes on.
        push.send([&b"returns"[..], b"\x91\xa7returns", b"\x80"]).await?;
        expect(&seen, "returns").await?;
        push.send(good("last")).await?;
        expect(&seen, "last").await?;
        assert!(timeout(Duration::from_millis(100), seen.recv()).await.is_none());
        server.close();
        within(WAIT, "wait_closed", server.wait_closed()).await?;
        Ok(())
    }

    async fn every_malformed_pubsub_message_is_dropped_and_the_next_one_served(rt) {
        let (handlers, seen) = recorder();
        let server = serve_pubsub(handlers)
            .subscribe("t")
            .bind(Transport::Tcp.endpoint())
            .start(runtime_for(rt))?;
        let publisher = Socket::new(SocketType::PUB)?;
        publisher.connect(&server.endpoints()[0])?;
        let published = |tag: &str| {
            let mut frames = vec![b"topic".to_vec()];
            frames.extend(good(tag));
            frames
        };
        // The slow joiner: publish until the subscription is in place.
        within(WAIT, "subscription handshake", async {
            loop {
                publisher.send(published("probe")).await?;
                if timeout(Duration::from_millis(20), seen.recv()).await.is_some() {
                    return Ok::<_, zmq_core::Error>(());
                }
            }
        })
        .await??;
        while timeout(Duration::from_millis(50), seen.recv()).await.is_some() {}

        let mut cases: Vec<(&str, Vec<Vec<u8>>)> = malformed()
            .into_iter()
            .map(|(what, frames)| {
                let mut message = vec![b"t".to_vec()];
                message.extend(frames);
                (what, message)
            })
            .collect();
        cases.push(("no topic frame: three frames", good("x")));
        cases.push(("a topic alone", vec![b"t".to_vec()]));
        for (what, frames) in cases {
            publisher.send(frames).await?;
            let tag = format!("after {what}");
            publisher.send(published(&tag)).await?;
            expect(&seen, &tag).await?;
        }
        publisher.send([&b"t"[..], b"returns", b"\x91\xa7returns", b"\x80"]).await?;
        expect(&seen, "returns").await?;
        publisher.send(published("last")).await?;
        expect(&seen, "last").await?;
        assert!(timeout(Duration::from_millis(100), seen.recv()).await.is_none());
        server.close();
        within(WAIT, "wait_closed", server.wait_closed()).await?;
        Ok(())
    }
}
