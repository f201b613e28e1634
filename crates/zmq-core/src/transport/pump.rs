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

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use event_listener::EventListener;
use futures_core::Stream;

use crate::error::{Error, Result};
use crate::message::Multipart;
use crate::monitor::{MonitorEvents, SocketEvent};
use crate::readiness::{Direction, Waiter};
use crate::socket::{Socket, SocketType, recv_multipart, send_multipart};

use super::buffer::FlowChange;
use super::dispatch::Callback;
use super::{Inner, ZmqTransport};

/// How many messages one turn moves each way before it looks around again.
const BATCH: usize = 64;

enum Step {
    Wake,
    Received(Result<Multipart>),
    Flushed(Result<FlowChange>),
    Event(Option<Result<SocketEvent>>),
}

/// Runs until the transport has lost its connection.
pub(crate) async fn run(transport: ZmqTransport) {
    let inner = &*transport.inner;
    let socket = &*inner.socket;
    let mut monitor: Option<MonitorEvents> = None;
    // Messages received and not delivered yet: the rest of a batch when
    // the protocol paused reading. Delivered first when reading resumes.
    let mut received: VecDeque<Multipart> = VecDeque::new();
    // PUSH and PUB cannot receive: do not try.
    let receives = !matches!(socket.socket_type(), SocketType::PUSH | SocketType::PUB);
    // Armed before the state is read, and kept across turns until it
    // fires: a listener armed earlier catches every notification a fresh
    // one would, and arming one costs an allocation.
    let mut listener: Option<EventListener> = None;
    let mut turn: u64 = 0;
    loop {
        turn += 1;
        if listener.is_none() {
            listener = Some(inner.wake.listen());
        }
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
        if reading && !received.is_empty() {
            deliver(inner, &transport, &mut received);
            continue;
        }
        if monitor.is_none() && socket.is_monitored() {
            monitor = socket.monitor_events().ok();
        }

        let mut recv = reading.then(|| socket.recv());
        let mut flush = flushing.then(|| Flush::new(socket, inner));
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
            if let Some(armed) = listener.as_mut() {
                if Pin::new(armed).poll(cx).is_ready() {
                    return Poll::Ready(Step::Wake);
                }
            }
            Poll::Pending
        })
        .await;
        drop((recv, flush));

        match step {
            Step::Wake => listener = None,
            Step::Received(Ok(message)) => {
                received.push_back(message);
                let failed = if inner.flags.reading_allowed() {
                    receive_more(socket, &mut received)
                } else {
                    None // paused (or closed) while this one came in
                };
                deliver(inner, &transport, &mut received);
                if let Some(error) = failed {
                    transport.fail(error);
                    return;
                }
            }
            Step::Received(Err(error)) | Step::Flushed(Err(error)) => {
                transport.fail(error);
                return;
            }
            Step::Flushed(Ok(change)) => transport.apply(change),
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

/// Takes up to a batch of further messages that are already waiting, under
/// one lock of the socket, without arming anything. Returns the error that
/// stopped it, other than "nothing more now".
fn receive_more(socket: &Socket, received: &mut VecDeque<Multipart>) -> Option<Error> {
    let outcome = socket.core.with_raw(|raw| {
        for _ in 1..BATCH {
            received.push_back(recv_multipart(raw)?);
        }
        Ok(())
    });
    match outcome {
        Ok(Ok(())) | Ok(Err(zmq::Error::EAGAIN)) => None,
        Ok(Err(error)) => Some(error.into()),
        Err(error) => Some(error),
    }
}

/// Hands received messages to the protocol while reading is allowed; the
/// rest stay in `received`.
fn deliver(inner: &Inner, transport: &ZmqTransport, received: &mut VecDeque<Multipart>) {
    inner
        .dispatcher
        .deliver(transport, received, || inner.flags.reading_allowed());
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
/// once it sent at least one, with the flow change that asks for (a resume
/// when the buffer fell to its low-water mark), decided under the same lock.
struct Flush<'a> {
    socket: &'a Socket,
    inner: &'a Inner,
    waiter: Waiter<'a>,
}

impl<'a> Flush<'a> {
    fn new(socket: &'a Socket, inner: &'a Inner) -> Flush<'a> {
        Flush {
            socket,
            inner,
            waiter: Waiter::new(Direction::Send),
        }
    }
}

impl Future for Flush<'_> {
    type Output = Result<FlowChange>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this.inner;
        // Lock order: the socket (taken by poll_io), then the state.
        this.socket.core.poll_io(&mut this.waiter, cx, |raw| {
            let mut state = inner.state();
            let mut sent = 0;
            while sent < BATCH {
                let Some(front) = state.buffer.front_mut() else {
                    break;
                };
                match send_multipart(raw, front) {
                    Ok(()) => {
                        state.buffer.sent_front();
                        sent += 1;
                    }
                    // What was sent counts; the error comes back next turn.
                    Err(_) if sent > 0 => break,
                    Err(error) => return Err(error),
                }
            }
            Ok(state.buffer.maybe_resume())
        })
    }
}
