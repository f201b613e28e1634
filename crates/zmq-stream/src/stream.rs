//! [`ZmqStream`] and [`create_zmq_stream`]: aiozmq's stream API.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};
use zmq_core::runtime::Runtime;
use zmq_core::transport::{Endpoints, create_zmq_connection};
use zmq_core::{Multipart, Socket, SocketEvent, SocketType, ZmqTransport};

use crate::error::StreamError;
use crate::options::{StreamOptions, resolve_read_limits};
use crate::shared::{Shared, StreamProtocol};

/// aiozmq's `create_zmq_stream`: a [`ZmqStream`] over a socket (`existing`,
/// or a new one of `socket_type`) with `endpoints` bound and connected, the
/// limits of `options`, and its transport's pump spawned on `runtime`.
///
/// # Errors
///
/// [`StreamError::InvalidReadLimits`] for read limits with low above high;
/// [`StreamError::Zmq`] for the socket's errors and bad write limits.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zmq_stream::zmq_core::SocketType;
/// use zmq_stream::zmq_core::transport::Endpoints;
/// use zmq_stream::{StreamOptions, create_zmq_stream};
///
/// # futures_lite::future::block_on(async {
/// let runtime = Arc::new(zmq_runtime_smol::SmolRuntime::global());
/// let server = create_zmq_stream(
///     SocketType::PULL,
///     &Endpoints::new().bind("tcp://127.0.0.1:*"),
///     None,
///     StreamOptions::default(),
///     runtime.clone(),
/// )?;
/// let endpoint = server.transport().bindings().first().cloned().unwrap();
/// let client = create_zmq_stream(
///     SocketType::PUSH,
///     &Endpoints::new().connect(endpoint),
///     None,
///     StreamOptions::default(),
///     runtime,
/// )?;
/// client.write(["hello", "stream"])?;
/// let message = server.read().await?;
/// assert_eq!(message[1], "stream");
/// # Ok::<(), zmq_stream::StreamError>(())
/// # }).unwrap();
/// ```
pub fn create_zmq_stream(
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
    options: StreamOptions,
    runtime: Arc<dyn Runtime>,
) -> Result<ZmqStream, StreamError> {
    let (high_read, low_read) = resolve_read_limits(options.high_read, options.low_read)?;
    // Checked before the socket exists, so that bad limits leave nothing behind.
    zmq_core::transport::resolve_write_limits(options.high_write, options.low_write)?;
    let shared = Arc::new(Shared::new(high_read, low_read, options.events_backlog));
    let protocol = StreamProtocol::new(Arc::clone(&shared));
    let (transport, _protocol) =
        create_zmq_connection(move || protocol, socket_type, endpoints, existing, runtime)?;
    transport.set_write_buffer_limits(options.high_write, options.low_write)?;
    Ok(ZmqStream {
        transport,
        shared,
        read_listener: None,
        write_listener: None,
    })
}

/// aiozmq's `ZmqStream`: a socket read with `read().await`, written with a
/// `write()` that never waits, with read and write water marks and a
/// backlog of monitor events.
///
/// It is also a [`futures_core::Stream`] of messages (ending when the
/// stream is closed) and a [`futures_sink::Sink`] of messages, so the
/// `StreamExt`/`SinkExt` combinators work.
///
/// Dropping it closes it gracefully (see [`close`](ZmqStream::close)).
///
/// # Examples
///
/// See [`create_zmq_stream`]; with the `futures` traits:
///
/// ```
/// use std::sync::Arc;
/// use futures_util::{SinkExt, StreamExt};
/// use zmq_stream::zmq_core::{Multipart, SocketType};
/// use zmq_stream::zmq_core::transport::Endpoints;
/// use zmq_stream::{StreamOptions, create_zmq_stream};
///
/// # futures_lite::future::block_on(async {
/// let runtime = Arc::new(zmq_runtime_smol::SmolRuntime::global());
/// let mut a = create_zmq_stream(SocketType::PAIR, &Endpoints::new().bind("inproc://stream-doc"),
///     None, StreamOptions::default(), runtime.clone())?;
/// let mut b = create_zmq_stream(SocketType::PAIR, &Endpoints::new().connect("inproc://stream-doc"),
///     None, StreamOptions::default(), runtime)?;
/// a.send(Multipart::from("via Sink")).await?;
/// let received = b.next().await.expect("a message")?;
/// assert_eq!(received[0], "via Sink");
/// # Ok::<(), zmq_stream::StreamError>(())
/// # }).unwrap();
/// ```
pub struct ZmqStream {
    transport: ZmqTransport,
    shared: Arc<Shared>,
    /// For the `Stream` implementation's waits.
    read_listener: Option<EventListener>,
    /// For the `Sink` implementation's waits.
    write_listener: Option<EventListener>,
}

/// Polls `check` until it gives a value; between tries, sleeps on `event`,
/// armed before the re-check so that no notification is missed.
fn poll_until<T>(
    listener: &mut Option<EventListener>,
    event: &Event,
    cx: &mut Context<'_>,
    mut check: impl FnMut() -> Option<T>,
) -> Poll<T> {
    loop {
        if let Some(value) = check() {
            *listener = None;
            return Poll::Ready(value);
        }
        match listener {
            None => *listener = Some(event.listen()),
            Some(armed) => match Pin::new(armed).poll(cx) {
                Poll::Ready(()) => *listener = None,
                Poll::Pending => return Poll::Pending,
            },
        }
    }
}

impl ZmqStream {
    /// The next message. Messages already received are still read after the
    /// stream is closed; then [`StreamError::Closed`]. After a socket
    /// failure, that error (as [`exception`](ZmqStream::exception)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken from the stream only when this
    /// future completes.
    ///
    /// # Examples
    ///
    /// See [`create_zmq_stream`].
    pub async fn read(&self) -> Result<Multipart, StreamError> {
        let mut listener = None;
        poll_fn(|cx| self.poll_read(&mut listener, cx)).await
    }

    fn poll_read(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Multipart, StreamError>> {
        poll_until(listener, &self.shared.readable, cx, || {
            let (message, resume) = {
                let mut state = self.shared.state();
                if let Some(error) = &state.exception {
                    return Some(Err(StreamError::Zmq(Arc::clone(error))));
                }
                match state.pop_message() {
                    Some(popped) => popped,
                    None if state.closed => return Some(Err(StreamError::Closed)),
                    None => return None,
                }
            };
            if resume {
                self.transport.resume_reading();
            }
            Some(Ok(message))
        })
    }

    /// The next socket monitor event (enable the monitor with
    /// `stream.transport().enable_monitor(..)`). At most the backlog's
    /// number of events wait here; the oldest are dropped beyond it. Events
    /// already received are still read after the stream is closed; then
    /// [`StreamError::Closed`].
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: an event is taken only when this future completes.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_stream::zmq_core::{MonitorEvent, SocketType};
    /// use zmq_stream::zmq_core::transport::Endpoints;
    /// use zmq_stream::{StreamOptions, create_zmq_stream};
    ///
    /// # futures_lite::future::block_on(async {
    /// let runtime = Arc::new(zmq_runtime_smol::SmolRuntime::global());
    /// let stream = create_zmq_stream(SocketType::ROUTER, &Endpoints::new(), None,
    ///     StreamOptions::default(), runtime)?;
    /// stream.transport().enable_monitor(None)?;
    /// stream.transport().bind("tcp://127.0.0.1:*")?;
    /// assert_eq!(stream.read_event().await?.event, MonitorEvent::Listening);
    /// # Ok::<(), zmq_stream::StreamError>(())
    /// # }).unwrap();
    /// ```
    pub async fn read_event(&self) -> Result<SocketEvent, StreamError> {
        let mut listener = None;
        poll_fn(|cx| {
            poll_until(&mut listener, &self.shared.event_ready, cx, || {
                let mut state = self.shared.state();
                match state.events.pop_front() {
                    Some(event) => Some(Ok(event)),
                    None if state.closed => Some(Err(StreamError::Closed)),
                    None => None,
                }
            })
        })
        .await
    }

    /// How many monitor events wait for [`read_event`](ZmqStream::read_event).
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) {
    /// assert_eq!(stream.events_waiting(), 0);
    /// # }
    /// ```
    pub fn events_waiting(&self) -> usize {
        self.shared.state().events.len()
    }

    /// How many monitor events were dropped, oldest first, because the
    /// backlog was full.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) {
    /// assert_eq!(stream.events_dropped(), 0);
    /// # }
    /// ```
    pub fn events_dropped(&self) -> u64 {
        self.shared.state().events_dropped
    }

    /// Sends a message, or queues it for the socket; never waits (see
    /// [`ZmqTransport::write`]). Call [`drain`](ZmqStream::drain) to respect
    /// the write water marks.
    ///
    /// # Errors
    ///
    /// [`StreamError::Closed`] after [`close`](ZmqStream::close);
    /// [`StreamError::Zmq`] for an empty message.
    ///
    /// # Examples
    ///
    /// See [`create_zmq_stream`].
    pub fn write(&self, message: impl Into<Multipart>) -> Result<(), StreamError> {
        match self.transport.write(message) {
            Ok(()) => Ok(()),
            Err(zmq_core::Error::Closed) => Err(StreamError::Closed),
            Err(error) => Err(error.into()),
        }
    }

    /// Waits while writing is paused (the write buffer went over its high
    /// water mark), until it is at or below the low one. Released, with
    /// `Ok`, when the stream is closed meanwhile; with the error when the
    /// socket fails.
    ///
    /// # Errors
    ///
    /// The socket's failure; [`StreamError::Closed`] when called on a
    /// stream already closed.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: &zmq_stream::ZmqStream) -> Result<(), zmq_stream::StreamError> {
    /// for n in 0..1000u32 {
    ///     stream.write(n.to_be_bytes().to_vec())?;
    ///     stream.drain().await?; // returns at once unless writing is paused
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn drain(&self) -> Result<(), StreamError> {
        if self.shared.is_closed() {
            return Err(self.exception_or_closed());
        }
        let mut listener = None;
        poll_fn(|cx| self.poll_writable(&mut listener, cx, true)).await
    }

    fn poll_writable(
        &self,
        listener: &mut Option<EventListener>,
        cx: &mut Context<'_>,
        closed_is_ok: bool,
    ) -> Poll<Result<(), StreamError>> {
        // The common case after a write, answered from two flags without a
        // lock: open and not paused (an exception comes with closed).
        if !self.shared.is_closed() && !self.transport.is_writing_paused() {
            *listener = None;
            return Poll::Ready(Ok(()));
        }
        poll_until(listener, &self.shared.writable, cx, || {
            {
                let state = self.shared.state();
                if let Some(error) = &state.exception {
                    return Some(Err(StreamError::Zmq(Arc::clone(error))));
                }
                if state.closed {
                    return Some(if closed_is_ok {
                        Ok(())
                    } else {
                        Err(StreamError::Closed)
                    });
                }
            }
            (!self.transport.is_writing_paused()).then_some(Ok(()))
        })
    }

    fn exception_or_closed(&self) -> StreamError {
        match &self.shared.state().exception {
            Some(error) => StreamError::Zmq(Arc::clone(error)),
            None => StreamError::Closed,
        }
    }

    /// Closes the stream: what is written is flushed, then the socket
    /// closes (see [`ZmqTransport::close`]). Reads then drain what was
    /// received and end with [`StreamError::Closed`]. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) {
    /// stream.close();
    /// assert!(stream.write("late").is_err());
    /// # }
    /// ```
    pub fn close(&self) {
        self.transport.close();
    }

    /// True once the stream is closed and every received message was read
    /// (aiozmq's `at_closing`).
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) {
    /// assert!(!stream.at_closing());
    /// # }
    /// ```
    pub fn at_closing(&self) -> bool {
        let state = self.shared.state();
        state.closed && state.queue.is_empty()
    }

    /// The error the socket failed with, if it did (aiozmq's `exception()`).
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) {
    /// assert!(stream.exception().is_none());
    /// # }
    /// ```
    pub fn exception(&self) -> Option<Arc<zmq_core::Error>> {
        self.shared.state().exception.clone()
    }

    /// The transport underneath: endpoints, subscriptions, the monitor,
    /// write limits, the socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) -> zmq_stream::zmq_core::Result<()> {
    /// stream.transport().connect("tcp://127.0.0.1:5555")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn transport(&self) -> &ZmqTransport {
        &self.transport
    }

    /// Sets the read water marks, in bytes, with aiozmq's rules (see
    /// [`StreamOptions`]); resumes reading if the unread messages are now
    /// at or below low.
    ///
    /// # Errors
    ///
    /// [`StreamError::InvalidReadLimits`] when low is above high.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) -> Result<(), zmq_stream::StreamError> {
    /// stream.set_read_buffer_limits(Some(1 << 20), None)?;
    /// assert_eq!(stream.read_buffer_limits(), (1 << 20, 1 << 18));
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_read_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> Result<(), StreamError> {
        let (high, low) = resolve_read_limits(high, low)?;
        let resume = {
            let mut state = self.shared.state();
            state.high_read = high;
            state.low_read = low;
            state.maybe_resume()
        };
        if resume {
            self.transport.resume_reading();
        }
        Ok(())
    }

    /// The read water marks `(high, low)`, in bytes.
    ///
    /// # Examples
    ///
    /// See [`set_read_buffer_limits`](ZmqStream::set_read_buffer_limits).
    pub fn read_buffer_limits(&self) -> (usize, usize) {
        let state = self.shared.state();
        (state.high_read, state.low_read)
    }

    /// The bytes of the messages received and not read yet.
    ///
    /// # Examples
    ///
    /// ```
    /// # async fn example(stream: zmq_stream::ZmqStream) {
    /// assert_eq!(stream.read_buffer_size(), 0);
    /// # }
    /// ```
    pub fn read_buffer_size(&self) -> usize {
        self.shared.state().queue_bytes
    }
}

impl Drop for ZmqStream {
    fn drop(&mut self) {
        self.transport.close();
    }
}

impl fmt::Debug for ZmqStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.state();
        f.debug_struct("ZmqStream")
            .field("transport", &self.transport)
            .field("unread_messages", &state.queue.len())
            .field("unread_bytes", &state.queue_bytes)
            .field("unread_events", &state.events.len())
            .field("closed", &state.closed)
            .finish_non_exhaustive()
    }
}

impl futures_core::Stream for ZmqStream {
    type Item = Result<Multipart, StreamError>;

    /// The next message; `None` once the stream is closed and read empty.
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let mut listener = this.read_listener.take();
        let polled = this.poll_read(&mut listener, cx);
        this.read_listener = listener;
        polled.map(|result| match result {
            Err(StreamError::Closed) => None,
            other => Some(other),
        })
    }
}

/// Sending waits while writing is paused (as [`ZmqStream::drain`]);
/// flushing waits the same way (the rest of the buffer goes out in the
/// background); closing closes the stream and waits until it is closed.
impl futures_sink::Sink<Multipart> for ZmqStream {
    type Error = StreamError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), StreamError>> {
        let this = self.get_mut();
        let mut listener = this.write_listener.take();
        let polled = this.poll_writable(&mut listener, cx, false);
        this.write_listener = listener;
        polled
    }

    fn start_send(self: Pin<&mut Self>, message: Multipart) -> Result<(), StreamError> {
        self.write(message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), StreamError>> {
        let this = self.get_mut();
        let mut listener = this.write_listener.take();
        let polled = this.poll_writable(&mut listener, cx, true);
        this.write_listener = listener;
        polled
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), StreamError>> {
        let this = self.get_mut();
        this.transport.close();
        let mut listener = this.write_listener.take();
        let polled = poll_until(&mut listener, &this.shared.writable, cx, || {
            let state = this.shared.state();
            match &state.exception {
                Some(error) => Some(Err(StreamError::Zmq(Arc::clone(error)))),
                None => state.closed.then_some(Ok(())),
            }
        });
        this.write_listener = listener;
        polled
    }
}
