//! The socket monitor: libzmq's `zmq_socket_monitor` with typed events,
//! delivered as an async stream.
//!
//! libzmq publishes a socket's events on an inproc PAIR socket it binds at
//! an endpoint we choose; we connect a PAIR socket of our own to it, in the
//! same context (inproc only reaches sockets of one context). That PAIR is
//! an ordinary [`Socket`], so waiting for events goes through the same
//! readiness loop as every other receive.
//!
//! `MONITOR_STOPPED` is always requested from libzmq, whatever mask the
//! caller gives: it is the end-of-stream marker. Disabling the monitor makes
//! libzmq send it, after every event produced before; a [`MonitorEvents`]
//! stream delivers those events, then (if the caller asked for
//! `MONITOR_STOPPED`) that one, then ends.

mod event;

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError};
use std::task::{Context as TaskContext, Poll};

pub use event::{EventMask, MonitorEvent, MonitorFrameError, SocketEvent};

use crate::error::{Error, Result};
use crate::message::Multipart;
use crate::runtime::BoxFuture;
use crate::socket::{Socket, SocketType};

/// An enabled monitor: our PAIR end and what the caller asked for.
#[derive(Debug)]
pub(crate) struct Monitor {
    pair: Socket,
    mask: EventMask,
}

impl Monitor {
    fn wants(&self, event: MonitorEvent) -> bool {
        self.mask.contains(event)
    }
}

/// A process-wide counter for unique monitor endpoints.
static MONITORS: AtomicU64 = AtomicU64::new(0);

impl Socket {
    /// Starts reporting this socket's events (aiozmq's `enable_monitor`):
    /// every event when `events` is `None`, else those in the mask. Read
    /// them with [`monitor_events`](Socket::monitor_events).
    ///
    /// Idempotent: while a monitor is enabled this does nothing (disable it
    /// first to change the mask). Events libzmq produces while nobody reads
    /// them are kept by libzmq, up to its high-water mark.
    ///
    /// # Errors
    ///
    /// [`Error::NoContext`] for a socket made by [`Socket::from_zmq`]:
    /// libzmq publishes events on an inproc endpoint, which only a socket of
    /// the same context can reach, and a bare `zmq::Socket` does not tell
    /// its context. Adopt such sockets with [`Context::adopt`](crate::Context::adopt)
    /// instead. [`Error::Closed`] after [`close`](Socket::close).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{EventMask, MonitorEvent, Socket, SocketType};
    ///
    /// # futures_lite::future::block_on(async {
    /// let socket = Socket::new(SocketType::ROUTER)?;
    /// socket.enable_monitor(Some(MonitorEvent::Listening.into()))?;
    /// socket.enable_monitor(None)?; // already enabled: no-op
    /// let endpoint = socket.bind("tcp://127.0.0.1:*")?;
    ///
    /// let mut events = socket.monitor_events()?;
    /// let event = events.next().await.expect("an event")?;
    /// assert_eq!(event.event, MonitorEvent::Listening);
    /// assert_eq!(event.endpoint, endpoint);
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn enable_monitor(&self, events: Option<EventMask>) -> Result<()> {
        let mut slot = self.monitor_slot();
        if slot.is_some() {
            return Ok(());
        }
        let context = self.context().ok_or(Error::NoContext {
            operation: "enable_monitor",
        })?;
        let mask = events.unwrap_or(EventMask::ALL);
        let endpoint = format!(
            "inproc://zmq-core-monitor-{}-{}",
            std::process::id(),
            MONITORS.fetch_add(1, Ordering::Relaxed)
        );
        let requested = mask | MonitorEvent::MonitorStopped;
        self.core
            .with_raw(|raw| raw.monitor(&endpoint, i32::from(requested.to_raw())))??;
        let pair = context.socket(SocketType::PAIR)?;
        // Our end holds nothing worth keeping once the monitor goes.
        pair.set_linger(Some(std::time::Duration::ZERO))?;
        if let Err(error) = pair.connect(&endpoint) {
            self.stop_libzmq_monitor();
            return Err(error);
        }
        *slot = Some(Arc::new(Monitor { pair, mask }));
        Ok(())
    }

    /// Stops the monitor (aiozmq's `disable_monitor`). Idempotent. A
    /// [`MonitorEvents`] stream still delivers the events produced before,
    /// then ends. [`close`](Socket::close) and dropping the socket do this
    /// too.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Socket, SocketType};
    ///
    /// # futures_lite::future::block_on(async {
    /// let socket = Socket::new(SocketType::DEALER)?;
    /// socket.enable_monitor(None)?;
    /// let mut events = socket.monitor_events()?;
    /// socket.disable_monitor();
    /// socket.disable_monitor();
    /// // The stream ends after MONITOR_STOPPED (which was asked for here).
    /// while let Some(event) = events.next().await {
    ///     event?;
    /// }
    /// assert!(!socket.is_monitored());
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn disable_monitor(&self) {
        let Some(monitor) = self.monitor_slot().take() else {
            return;
        };
        if !self.stop_libzmq_monitor() {
            // The socket is gone and cannot say MONITOR_STOPPED: end the
            // streams by closing our end.
            monitor.pair.close();
        }
    }

    /// True while a monitor is enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUB)?;
    /// assert!(!socket.is_monitored());
    /// socket.enable_monitor(None)?;
    /// assert!(socket.is_monitored());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn is_monitored(&self) -> bool {
        self.monitor_slot().is_some()
    }

    /// The events of the enabled monitor, as an async stream.
    ///
    /// Several streams of one monitor share its events: each event goes to
    /// one of them. The stream ends once the monitor is disabled (after the
    /// events produced before) or the socket is closed.
    ///
    /// # Errors
    ///
    /// [`Error::MonitorNotEnabled`] when no monitor is enabled.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{MonitorEvent, Socket, SocketType};
    ///
    /// # futures_lite::future::block_on(async {
    /// let server = Socket::new(SocketType::PULL)?;
    /// let endpoint = server.bind("tcp://127.0.0.1:*")?;
    /// server.enable_monitor(Some(MonitorEvent::Accepted.into()))?;
    /// let mut events = server.monitor_events()?;
    ///
    /// let client = Socket::new(SocketType::PUSH)?;
    /// client.connect(&endpoint)?;
    /// let accepted = events.next().await.expect("an event")?;
    /// assert_eq!(accepted.event, MonitorEvent::Accepted);
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn monitor_events(&self) -> Result<MonitorEvents> {
        let monitor = self.monitor_slot().clone();
        monitor
            .map(MonitorEvents::new)
            .ok_or(Error::MonitorNotEnabled)
    }

    /// Asks libzmq to stop the monitor (which then sends MONITOR_STOPPED).
    /// False when the socket is closed.
    fn stop_libzmq_monitor(&self) -> bool {
        self.core
            .with_raw(|raw| {
                // SAFETY: `raw` is an open socket whose lock we hold; a null
                // endpoint is libzmq's documented way to stop its monitor.
                unsafe { zmq_sys::zmq_socket_monitor(raw.as_mut_ptr(), std::ptr::null(), 0) }
            })
            .is_ok()
    }

    fn monitor_slot(&self) -> std::sync::MutexGuard<'_, Option<Arc<Monitor>>> {
        self.monitor.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The events of a socket's monitor: an async stream of
/// `Result<`[`SocketEvent`]`>`, from [`Socket::monitor_events`].
///
/// An item is an error when a monitor message is malformed
/// ([`Error::MalformedMonitorEvent`]; the stream goes on) or the receive
/// failed. The stream ends after the monitor is disabled or the socket
/// closed. It owns what it needs: it can outlive the borrow of the socket
/// and move to another task.
///
/// # Examples
///
/// With `futures`' combinators through [`futures_core::Stream`]:
///
/// ```
/// use futures_lite::StreamExt;
/// use zmq_core::{MonitorEvent, Socket, SocketType};
///
/// # futures_lite::future::block_on(async {
/// let socket = Socket::new(SocketType::PUB)?;
/// socket.enable_monitor(Some(MonitorEvent::Listening.into()))?;
/// socket.bind("tcp://127.0.0.1:*")?;
/// socket.bind("tcp://127.0.0.1:*")?;
/// let events = socket.monitor_events()?;
/// let two: Vec<_> = events.take(2).try_collect().await?;
/// assert!(two.iter().all(|e| e.event == MonitorEvent::Listening));
/// # Ok::<(), zmq_core::Error>(())
/// # }).unwrap();
/// ```
pub struct MonitorEvents {
    monitor: Arc<Monitor>,
    /// The receive in progress, kept across polls (and across dropped
    /// `next()` futures) so that no event is lost.
    pending: Option<BoxFuture<'static, Result<Multipart>>>,
    done: bool,
}

impl MonitorEvents {
    fn new(monitor: Arc<Monitor>) -> MonitorEvents {
        MonitorEvents {
            monitor,
            pending: None,
            done: false,
        }
    }

    /// The next event; `None` once the stream has ended.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the receive in progress stays in the stream, so an
    /// event is never lost when this future is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{MonitorEvent, Socket, SocketType};
    ///
    /// # futures_lite::future::block_on(async {
    /// let socket = Socket::new(SocketType::REP)?;
    /// socket.enable_monitor(None)?;
    /// socket.bind("tcp://127.0.0.1:*")?;
    /// let mut events = socket.monitor_events()?;
    /// let event = events.next().await.expect("an event")?;
    /// assert_eq!(event.event, MonitorEvent::Listening);
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn next(&mut self) -> Option<Result<SocketEvent>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut TaskContext<'_>) -> Poll<Option<Result<SocketEvent>>> {
        loop {
            if self.done {
                return Poll::Ready(None);
            }
            let pending = self.pending.get_or_insert_with(|| {
                let monitor = Arc::clone(&self.monitor);
                Box::pin(async move { monitor.pair.recv().await })
            });
            let received = match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(received) => received,
            };
            self.pending = None;
            let frames = match received {
                Ok(frames) => frames,
                Err(Error::Closed) => {
                    self.done = true;
                    continue;
                }
                Err(error) => return Poll::Ready(Some(Err(error))),
            };
            let event = match SocketEvent::decode(&frames) {
                Ok(event) => event,
                Err(error) => return Poll::Ready(Some(Err(error.into()))),
            };
            if event.event == MonitorEvent::MonitorStopped {
                // The last event: end the other streams of this monitor too.
                self.done = true;
                self.monitor.pair.close();
                if !self.monitor.wants(MonitorEvent::MonitorStopped) {
                    continue;
                }
            }
            return Poll::Ready(Some(Ok(event)));
        }
    }
}

impl futures_core::Stream for MonitorEvents {
    type Item = Result<SocketEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

impl std::fmt::Debug for MonitorEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorEvents")
            .field("mask", &self.monitor.mask)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;

    /// A monitor whose PAIR is fed by us instead of libzmq.
    fn fed_monitor(mask: EventMask) -> (Socket, MonitorEvents) {
        let context = Context::new();
        let feeder = context.socket(SocketType::PAIR).unwrap();
        let endpoint = format!(
            "inproc://fed-monitor-{}",
            MONITORS.fetch_add(1, Ordering::Relaxed)
        );
        feeder.bind(&endpoint).unwrap();
        let pair = context.socket(SocketType::PAIR).unwrap();
        pair.connect(&endpoint).unwrap();
        let events = MonitorEvents::new(Arc::new(Monitor { pair, mask }));
        (feeder, events)
    }

    /// Runs `test` to completion, failing after 10 s instead of hanging.
    fn bounded(test: impl std::future::Future<Output = ()>) {
        futures_lite::future::block_on(futures_lite::future::or(test, async {
            async_io::Timer::after(std::time::Duration::from_secs(10)).await;
            panic!("the test did not finish within 10 s");
        }));
    }

    fn stopped() -> SocketEvent {
        SocketEvent {
            event: MonitorEvent::MonitorStopped,
            value: 0,
            endpoint: String::new(),
        }
    }

    #[test]
    fn malformed_monitor_messages_are_errors_and_the_stream_goes_on() {
        bounded(async {
            let (feeder, mut events) = fed_monitor(EventMask::ALL);
            feeder.send("one frame").await.unwrap();
            feeder.send([&b"abc"[..], b"tcp://x:1"]).await.unwrap();
            feeder
                .send([&[0u8, 0, 0, 0, 0, 0][..], &[0xff][..]])
                .await
                .unwrap();
            let good = SocketEvent {
                event: MonitorEvent::Accepted,
                value: 9,
                endpoint: "tcp://127.0.0.1:9".into(),
            };
            feeder.send(good.encode()).await.unwrap();
            feeder.send(stopped().encode()).await.unwrap();

            let expected_errors = [
                MonitorFrameError::FrameCount { frames: 1 },
                MonitorFrameError::EventFrameLength { len: 3 },
                MonitorFrameError::EndpointNotUtf8,
            ];
            for expected in expected_errors {
                match events.next().await {
                    Some(Err(Error::MalformedMonitorEvent(error))) => assert_eq!(error, expected),
                    other => panic!("expected {expected:?}, got {other:?}"),
                }
            }
            assert_eq!(events.next().await.unwrap().unwrap(), good);
            assert_eq!(events.next().await.unwrap().unwrap(), stopped());
            assert!(events.next().await.is_none());
            assert!(events.next().await.is_none());
        });
    }

    #[test]
    fn monitor_stopped_ends_the_stream_silently_when_not_asked_for() {
        bounded(async {
            let (feeder, mut events) = fed_monitor(MonitorEvent::Connected.into());
            feeder.send(stopped().encode()).await.unwrap();
            assert!(events.next().await.is_none());
        });
    }
}
