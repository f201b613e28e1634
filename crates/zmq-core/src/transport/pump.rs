//! The transport's pump: the one background task that moves messages
//! between the socket and the protocol.
//!
//! Each turn it arms a listener on the transport's wake-up event, reads the
//! transport's state, and then waits for whichever comes first: a message
//! (unless reading is paused), room to flush the write buffer (if it holds
//! anything), a monitor event (if a monitor is on), or a wake-up (a write,
//! a pause or resume, a close). Every wait on the socket goes through
//! `SocketCore::poll_io`, and every turn starts over with a fresh try, so
//! whatever a callback did to the socket (including swallowing its
//! `ZMQ_FD` edge, or panicking) cannot leave the pump asleep.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context as TaskContext, Poll};

use futures_core::Stream;

use crate::error::Result;
use crate::message::Multipart;
use crate::monitor::{MonitorEvents, SocketEvent};
use crate::readiness::{Direction, Waiter};
use crate::socket::{Socket, SocketType, send_multipart};

use super::ZmqTransport;
use super::dispatch::Callback;
use super::state::State;

/// How many messages one turn moves each way before it looks around again.
const BATCH: usize = 64;

enum Step {
    Wake,
    Received(Result<Multipart>),
    Flushed(Result<usize>),
    Event(Option<Result<SocketEvent>>),
}

/// Runs until the transport has lost its connection.
pub(crate) async fn run(transport: ZmqTransport) {
    let inner = &*transport.inner;
    let socket = &*inner.socket;
    let mut monitor: Option<MonitorEvents> = None;
    // A message received just as reading was paused: delivered first when
    // reading resumes.
    let mut held: Option<Multipart> = None;
    // PUSH and PUB cannot receive: do not try.
    let receives = !matches!(socket.socket_type(), SocketType::PUSH | SocketType::PUB);
    let mut turn: u64 = 0;
    loop {
        turn += 1;
        let listener = inner.wake.listen();
        let (reading, flushing, closing, lost) = {
            let state = inner.state();
            (
                receives && state.reading_allowed(),
                !state.buffer.is_empty(),
                state.closing,
                state.lost,
            )
        };
        if lost {
            break;
        }
        if closing && !flushing {
            // close(): everything written is flushed.
            transport.lose(None);
            break;
        }
        if reading {
            if let Some(message) = held.take() {
                inner
                    .dispatcher
                    .call(&transport, Callback::Received(message));
                continue;
            }
        }
        if monitor.is_none() && socket.is_monitored() {
            monitor = socket.monitor_events().ok();
        }

        let mut listener = Some(listener);
        let mut recv = reading.then(|| socket.recv());
        let mut flush = flushing.then(|| Flush::new(socket, &inner.state));
        let recv_first = turn % 2 == 0;
        let step = std::future::poll_fn(|cx| {
            if recv_first {
                if let Some(step) = poll_recv(&mut recv, cx) {
                    return Poll::Ready(step);
                }
            }
            if let Some(flush) = flush.as_mut() {
                if let Poll::Ready(flushed) = Pin::new(flush).poll(cx) {
                    return Poll::Ready(Step::Flushed(flushed));
                }
            }
            if !recv_first {
                if let Some(step) = poll_recv(&mut recv, cx) {
                    return Poll::Ready(step);
                }
            }
            if let Some(events) = monitor.as_mut() {
                if let Poll::Ready(event) = Pin::new(events).poll_next(cx) {
                    return Poll::Ready(Step::Event(event));
                }
            }
            if let Some(listener) = listener.as_mut() {
                if Pin::new(listener).poll(cx).is_ready() {
                    return Poll::Ready(Step::Wake);
                }
            }
            Poll::Pending
        })
        .await;
        drop((recv, flush));

        match step {
            Step::Wake => {}
            Step::Received(Ok(message)) => {
                if !inner.state().reading_allowed() {
                    // Paused (or closed) while this message came in.
                    held = Some(message);
                    continue;
                }
                inner
                    .dispatcher
                    .call(&transport, Callback::Received(message));
                // More may be waiting: take them without arming again, but
                // stop as soon as the protocol paused reading.
                for _ in 1..BATCH {
                    if !inner.state().reading_allowed() {
                        break;
                    }
                    match socket.try_recv() {
                        Ok(message) => inner
                            .dispatcher
                            .call(&transport, Callback::Received(message)),
                        Err(error) if error.is_would_block() => break,
                        Err(error) => {
                            transport.fail(error);
                            return;
                        }
                    }
                }
            }
            Step::Received(Err(error)) | Step::Flushed(Err(error)) => {
                transport.fail(error);
                return;
            }
            Step::Flushed(Ok(_)) => transport.after_flush(),
            Step::Event(Some(Ok(event))) => {
                inner.dispatcher.call(&transport, Callback::Event(event));
            }
            Step::Event(Some(Err(error))) => log::warn!(
                target: "zmq_core::transport",
                "socket monitor: {error}; skipped"
            ),
            Step::Event(None) => monitor = None,
        }
    }
}

fn poll_recv(
    recv: &mut Option<crate::socket::RecvFuture<'_>>,
    cx: &mut TaskContext<'_>,
) -> Option<Step> {
    let future = recv.as_mut()?;
    match Pin::new(future).poll(cx) {
        Poll::Ready(received) => Some(Step::Received(received)),
        Poll::Pending => None,
    }
}

/// Sends buffered messages until the socket can take no more; completes
/// with how many it sent once that is at least one.
struct Flush<'a> {
    socket: &'a Socket,
    state: &'a Mutex<State>,
    waiter: Waiter<'a>,
}

impl<'a> Flush<'a> {
    fn new(socket: &'a Socket, state: &'a Mutex<State>) -> Flush<'a> {
        Flush {
            socket,
            state,
            waiter: Waiter::new(Direction::Send),
        }
    }
}

impl Future for Flush<'_> {
    type Output = Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let state = this.state;
        // Lock order: the socket (taken by poll_io), then the state.
        this.socket.core.poll_io(&mut this.waiter, cx, |raw| {
            let mut state = super::state::lock(state);
            let mut sent = 0;
            while sent < BATCH {
                let Some(front) = state.buffer.front_mut() else {
                    break;
                };
                let bytes = front.byte_len();
                match send_multipart(raw, front) {
                    Ok(()) => {
                        state.buffer.sent_front(bytes);
                        sent += 1;
                    }
                    // What was sent counts; the error comes back next turn.
                    Err(_) if sent > 0 => break,
                    Err(error) => return Err(error),
                }
            }
            Ok(sent)
        })
    }
}
