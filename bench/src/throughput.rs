//! PUSH→PULL throughput through each of our layers.
//!
//! Both sockets are created, bound and connected before the peers start;
//! the receiver times from its first message to its last, as the native
//! baseline does, so connection set-up is not measured. The sender keeps
//! its socket open until the receiver is done (nothing unsent is lost at
//! close).

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use event_listener::Event;
use zmq_core::transport::{CallbackResult, Endpoints, ZmqProtocol, create_zmq_connection};
use zmq_core::{Frame, Multipart, SocketType, ZmqTransport};
use zmq_stream::{StreamOptions, create_zmq_stream};

use crate::runtimes::{RuntimeSpec, peer, setup};

/// The layer a throughput row goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layer {
    /// `zmq_core::Socket::send` / `recv`.
    Core,
    /// `ZmqStream::write` + `drain` / `read`.
    Stream,
    /// `create_zmq_connection` with a counting protocol on each side.
    Transport,
}

impl Layer {
    pub(crate) const ALL: [Layer; 3] = [Layer::Core, Layer::Stream, Layer::Transport];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Layer::Core => "core",
            Layer::Stream => "stream",
            Layer::Transport => "transport",
        }
    }
}

/// Messages per second through `layer` under `runtime`.
pub(crate) fn push_pull(
    runtime: &RuntimeSpec,
    layer: Layer,
    endpoint_base: &str,
    size: usize,
    count: usize,
    tune: &crate::Tuning,
) -> Result<f64> {
    let (endpoint, tune) = (endpoint_base.to_owned(), tune.clone());
    let (_, samples) = (runtime.run_pair)(setup(move || {
        let (pull, push) =
            crate::connected_pair(SocketType::PULL, SocketType::PUSH, &endpoint, &tune)?;
        let (done_tx, done_rx) = async_channel::bounded::<()>(1);
        let sender = peer(move |rt| async move {
            let payload = vec![0x5au8; size];
            match layer {
                Layer::Core => {
                    for _ in 0..count {
                        push.send(Frame::from(&payload[..]))
                            .await
                            .map_err(|failed| failed.error)?;
                    }
                    done_rx.recv().await?;
                }
                Layer::Stream => {
                    let stream = create_zmq_stream(
                        SocketType::PUSH,
                        &Endpoints::new(),
                        Some(push),
                        StreamOptions::default(),
                        rt,
                    )?;
                    for _ in 0..count {
                        stream.write(Frame::from(&payload[..]))?;
                        stream.drain().await?;
                    }
                    done_rx.recv().await?;
                    stream.close();
                }
                Layer::Transport => {
                    let flow = Arc::new(Flow::default());
                    let protocol = Arc::clone(&flow);
                    let (transport, _protocol) = create_zmq_connection(
                        move || FlowProtocol(protocol),
                        SocketType::PUSH,
                        &Endpoints::new(),
                        Some(push),
                        rt,
                    )?;
                    for _ in 0..count {
                        transport.write(Frame::from(&payload[..]))?;
                        flow.wait_writable(&transport).await;
                    }
                    done_rx.recv().await?;
                    transport.close();
                }
            }
            Ok(Vec::new())
        });
        let receiver = peer(move |rt| async move {
            let rate = match layer {
                Layer::Core => {
                    pull.recv().await?;
                    let start = Instant::now();
                    for _ in 1..count {
                        pull.recv().await?;
                    }
                    rate(count, start)
                }
                Layer::Stream => {
                    let stream = create_zmq_stream(
                        SocketType::PULL,
                        &Endpoints::new(),
                        Some(pull),
                        StreamOptions::default(),
                        rt,
                    )?;
                    stream.read().await?;
                    let start = Instant::now();
                    for _ in 1..count {
                        stream.read().await?;
                    }
                    let rate = rate(count, start);
                    stream.close();
                    rate
                }
                Layer::Transport => {
                    let (rate_tx, rate_rx) = async_channel::bounded(1);
                    let (transport, _protocol) = create_zmq_connection(
                        move || Counter {
                            seen: 0,
                            count,
                            start: None,
                            done: rate_tx,
                        },
                        SocketType::PULL,
                        &Endpoints::new(),
                        Some(pull),
                        rt,
                    )?;
                    let rate = rate_rx.recv().await?;
                    transport.close();
                    rate
                }
            };
            done_tx.send(()).await?;
            Ok(vec![rate])
        });
        Ok((sender, receiver))
    }))?;
    crate::runtimes::single_rate(&samples)
}

fn rate(count: usize, start: Instant) -> f64 {
    (count - 1) as f64 / start.elapsed().as_secs_f64()
}

/// Wakes the sender when its transport resumes writing.
#[derive(Debug, Default)]
struct Flow {
    resumed: Event,
}

impl Flow {
    /// Returns once the transport's write buffer is at or below its
    /// low-water mark again (at once unless writing is paused).
    async fn wait_writable(&self, transport: &ZmqTransport) {
        while transport.is_writing_paused() {
            let listener = self.resumed.listen();
            if !transport.is_writing_paused() {
                break;
            }
            listener.await;
        }
    }
}

struct FlowProtocol(Arc<Flow>);

impl ZmqProtocol for FlowProtocol {
    fn resume_writing(&mut self) {
        self.0.resumed.notify(usize::MAX);
    }
}

/// Counts messages and reports the rate once `count` arrived.
struct Counter {
    seen: usize,
    count: usize,
    start: Option<Instant>,
    done: async_channel::Sender<f64>,
}

impl ZmqProtocol for Counter {
    fn msg_received(&mut self, _message: Multipart) -> CallbackResult {
        self.seen += 1;
        let start = *self.start.get_or_insert_with(Instant::now);
        if self.seen == self.count {
            let rate = (self.count - 1) as f64 / start.elapsed().as_secs_f64();
            self.done.try_send(rate)?;
        }
        Ok(())
    }
}
