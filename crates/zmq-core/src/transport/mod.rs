//! aiozmq's transport/protocol API: [`create_zmq_connection`],
//! [`ZmqTransport`] and [`ZmqProtocol`].
//!
//! A transport owns a socket and a background *pump* that receives
//! messages into the protocol's [`msg_received`](ZmqProtocol::msg_received)
//! and flushes what [`ZmqTransport::write`] buffered, without ever making
//! the writer wait. The pump is a task spawned through the
//! [`Runtime`] given at creation: `zmq_runtime_tokio::create_zmq_connection`
//! and `zmq_runtime_smol::create_zmq_connection` are one-line versions that
//! pick the executor's runtime.
//!
//! | aiozmq | here |
//! |---|---|
//! | `create_zmq_connection(factory, zmq_type, bind=, connect=, zmq_sock=)` | [`create_zmq_connection`] with [`Endpoints`] |
//! | `get_write_buffer_size()` | [`ZmqTransport::write_buffer_size`] |
//! | `get_write_buffer_limits()` / `set_write_buffer_limits(high, low)` | [`ZmqTransport::write_buffer_limits`] / [`ZmqTransport::set_write_buffer_limits`] |
//! | `getsockopt` / `setsockopt` | the typed options of [`ZmqTransport::socket`] |
//!
//! As in aiozmq, a write goes straight to the socket when the write buffer
//! is empty and the socket takes the message at once; only the rest waits
//! in the buffer for the pump.
//!
//! Differences from aiozmq: writing an empty message or writing after
//! `close()`/`abort()` is an error instead of being ignored.

mod buffer;
mod dispatch;
mod protocol;
mod pump;
mod state;

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, Mutex};

use event_listener::Event;

pub use buffer::DEFAULT_HIGH_WATER;
pub use protocol::{CallbackResult, ProtocolHandle, ZmqProtocol};

use crate::error::{Error, Result};
use crate::message::Multipart;
use crate::monitor::EventMask;
use crate::runtime::Runtime;
use crate::socket::{Socket, SocketType, send_multipart, socket_type_name};

use buffer::FlowChange;
use dispatch::{Callback, Dispatcher};
use state::{Flags, State, StateGuard};

/// The endpoints a new connection binds and connects (aiozmq's `bind=` and
/// `connect=`).
///
/// # Examples
///
/// ```
/// use zmq_core::transport::Endpoints;
///
/// let endpoints = Endpoints::new()
///     .bind("tcp://127.0.0.1:*")
///     .connect("inproc://elsewhere");
/// assert_eq!(endpoints.binds(), ["tcp://127.0.0.1:*"]);
/// assert_eq!(endpoints.connects(), ["inproc://elsewhere"]);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    bind: Vec<String>,
    connect: Vec<String>,
}

impl Endpoints {
    /// No endpoint.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::transport::Endpoints::new().binds().is_empty());
    /// ```
    pub fn new() -> Endpoints {
        Endpoints::default()
    }

    /// Adds an endpoint to bind.
    ///
    /// # Examples
    ///
    /// ```
    /// let endpoints = zmq_core::transport::Endpoints::new().bind("inproc://a").bind("inproc://b");
    /// assert_eq!(endpoints.binds().len(), 2);
    /// ```
    pub fn bind(mut self, endpoint: impl Into<String>) -> Endpoints {
        self.bind.push(endpoint.into());
        self
    }

    /// Adds an endpoint to connect to.
    ///
    /// # Examples
    ///
    /// ```
    /// let endpoints = zmq_core::transport::Endpoints::new().connect("tcp://127.0.0.1:5555");
    /// assert_eq!(endpoints.connects(), ["tcp://127.0.0.1:5555"]);
    /// ```
    pub fn connect(mut self, endpoint: impl Into<String>) -> Endpoints {
        self.connect.push(endpoint.into());
        self
    }

    /// The endpoints to bind.
    ///
    /// # Examples
    ///
    /// ```
    /// let endpoints = zmq_core::transport::Endpoints::new().bind("inproc://x");
    /// assert_eq!(endpoints.binds(), ["inproc://x"]);
    /// ```
    pub fn binds(&self) -> &[String] {
        &self.bind
    }

    /// The endpoints to connect to.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::transport::Endpoints::new().connects().is_empty());
    /// ```
    pub fn connects(&self) -> &[String] {
        &self.connect
    }

    /// Applies the endpoints to `socket`: binds, then connects.
    pub(crate) fn apply(&self, socket: &Socket) -> Result<()> {
        for endpoint in &self.bind {
            socket.bind(endpoint)?;
        }
        for endpoint in &self.connect {
            socket.connect(endpoint)?;
        }
        Ok(())
    }
}

/// aiozmq's rules for write buffer limits, as
/// [`ZmqTransport::set_write_buffer_limits`] applies them: the `(high, low)`
/// pair in bytes, or the error for low above high.
///
/// # Examples
///
/// ```
/// use zmq_core::transport::resolve_write_limits;
///
/// assert_eq!(resolve_write_limits(None, None)?, (65536, 16384));
/// assert_eq!(resolve_write_limits(None, Some(100))?, (400, 100));
/// assert_eq!(resolve_write_limits(Some(0), None)?, (0, 0));
/// assert!(resolve_write_limits(Some(1), Some(2)).is_err());
/// # Ok::<(), zmq_core::Error>(())
/// ```
pub fn resolve_write_limits(high: Option<usize>, low: Option<usize>) -> Result<(usize, usize)> {
    buffer::resolve_limits(high, low)
}

/// Makes a socket ready for a transport or a stream: `existing` (which
/// must be of `socket_type`) or a new one in the global context, with
/// `endpoints` bound and connected.
///
/// # Examples
///
/// ```
/// use zmq_core::SocketType;
/// use zmq_core::transport::{Endpoints, prepare_socket};
///
/// let socket = prepare_socket(SocketType::PULL, &Endpoints::new().bind("tcp://127.0.0.1:*"), None)?;
/// assert_eq!(socket.bindings().len(), 1);
/// # Ok::<(), zmq_core::Error>(())
/// ```
pub fn prepare_socket(
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
) -> Result<Socket> {
    let socket = match existing {
        Some(socket) if socket.socket_type() != socket_type => {
            return Err(Error::SocketTypeMismatch {
                expected: socket_type_name(socket_type),
                actual: socket_type_name(socket.socket_type()),
            });
        }
        Some(socket) => socket,
        None => Socket::new(socket_type)?,
    };
    endpoints.apply(&socket)?;
    Ok(socket)
}

/// aiozmq's `create_zmq_connection`: a socket (`existing`, or a new one of
/// `socket_type`) with `endpoints` bound and connected, a protocol from
/// `protocol_factory`, and the [`ZmqTransport`] between them, whose pump is
/// spawned on `runtime`.
///
/// `connection_made` has been called when this returns. The transport runs
/// until [`close`](ZmqTransport::close), [`abort`](ZmqTransport::abort) or a
/// socket failure; dropping the handles does not stop it.
///
/// # Errors
///
/// [`Error::SocketTypeMismatch`] when `existing` is of another type; the
/// errors of [`Socket::bind`] and [`Socket::connect`] (the socket is then
/// closed).
///
/// # Examples
///
/// A PULL transport whose protocol forwards messages to a channel (the
/// runtime here runs the pump on a thread; use the adapter crates' one-line
/// helpers in a tokio or smol program):
///
/// ```
/// use std::sync::{Arc, mpsc};
/// use std::time::Duration;
/// use zmq_core::runtime::{BoxFuture, Runtime};
/// use zmq_core::transport::{CallbackResult, Endpoints, ZmqProtocol, create_zmq_connection};
/// use zmq_core::{Multipart, Socket, SocketType};
///
/// #[derive(Debug)]
/// struct OnAThread;
/// impl Runtime for OnAThread {
///     fn spawn(&self, task: BoxFuture<'static, ()>) {
///         std::thread::spawn(move || futures_lite::future::block_on(task));
///     }
///     fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
///         Box::pin(async move { async_io::Timer::after(duration).await; })
///     }
/// }
///
/// struct Forward(mpsc::Sender<Multipart>);
/// impl ZmqProtocol for Forward {
///     fn msg_received(&mut self, message: Multipart) -> CallbackResult {
///         self.0.send(message)?;
///         Ok(())
///     }
/// }
///
/// let (sender, received) = mpsc::channel();
/// let (transport, _protocol) = create_zmq_connection(
///     move || Forward(sender),
///     SocketType::PULL,
///     &Endpoints::new().bind("tcp://127.0.0.1:*"),
///     None,
///     Arc::new(OnAThread),
/// )?;
/// let endpoint = transport.bindings().into_iter().next().unwrap();
///
/// let push = Socket::new(SocketType::PUSH)?;
/// push.connect(&endpoint)?;
/// futures_lite::future::block_on(push.send("hello"))?;
/// assert_eq!(received.recv_timeout(Duration::from_secs(10))?[0], "hello");
/// transport.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_zmq_connection<P, F>(
    protocol_factory: F,
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
    runtime: Arc<dyn Runtime>,
) -> Result<(ZmqTransport, ProtocolHandle<P>)>
where
    F: FnOnce() -> P,
    P: ZmqProtocol,
{
    let socket = prepare_socket(socket_type, endpoints, existing)?;
    let protocol: ProtocolHandle<P> = Arc::new(Mutex::new(protocol_factory()));
    let transport = ZmqTransport {
        inner: Arc::new(Inner {
            socket: Arc::new(socket),
            runtime: Arc::clone(&runtime),
            state: Mutex::default(),
            flags: Flags::default(),
            wake: Event::new(),
            dispatcher: Dispatcher::new(protocol.clone()),
        }),
    };
    transport.inner.dispatcher.call(&transport, Callback::Made);
    runtime.spawn(Box::pin(pump::run(transport.clone())));
    Ok((transport, protocol))
}

/// aiozmq's `ZmqTransport`: a socket with a write buffer, driven by a
/// background pump that feeds a [`ZmqProtocol`].
///
/// Cheap to clone (a shared handle). Made by [`create_zmq_connection`].
///
/// # Examples
///
/// Writing never waits: what the socket cannot take now is buffered, and the
/// buffer's size drives `pause_writing`/`resume_writing`:
///
/// ```
/// use std::sync::Arc;
/// use zmq_core::transport::{Endpoints, ZmqProtocol, create_zmq_connection};
/// use zmq_core::SocketType;
/// # #[derive(Debug)]
/// # struct OnAThread;
/// # impl zmq_core::runtime::Runtime for OnAThread {
/// #     fn spawn(&self, task: zmq_core::runtime::BoxFuture<'static, ()>) {
/// #         std::thread::spawn(move || futures_lite::future::block_on(task));
/// #     }
/// #     fn sleep(&self, d: std::time::Duration) -> zmq_core::runtime::BoxFuture<'static, ()> {
/// #         Box::pin(async move { async_io::Timer::after(d).await; })
/// #     }
/// # }
///
/// struct Quiet;
/// impl ZmqProtocol for Quiet {}
///
/// // A DEALER with no peer cannot send: everything stays buffered.
/// let (transport, _) =
///     create_zmq_connection(|| Quiet, SocketType::DEALER, &Endpoints::new(), None, Arc::new(OnAThread))?;
/// transport.write(["frame", "another"])?;
/// assert_eq!(transport.write_buffer_size(), 12);
/// transport.set_write_buffer_limits(Some(8), None)?; // over high: paused
/// assert!(transport.is_writing_paused());
/// transport.abort(); // discards the buffer
/// assert_eq!(transport.write_buffer_size(), 0);
/// # Ok::<(), zmq_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ZmqTransport {
    inner: Arc<Inner>,
}

struct Inner {
    socket: Arc<Socket>,
    runtime: Arc<dyn Runtime>,
    state: Mutex<State>,
    /// Lock-free copies of the flags read once per message.
    flags: Flags,
    /// Wakes the pump when its work changes (a write, a pause, a close).
    wake: Event,
    dispatcher: Dispatcher,
}

impl Inner {
    fn state(&self) -> StateGuard<'_> {
        state::lock(&self.state, &self.flags)
    }

    fn wake_pump(&self) {
        self.wake.notify(usize::MAX);
    }
}

impl ZmqTransport {
    /// Sends a whole multipart message, or queues it for the socket; never
    /// waits.
    ///
    /// As in aiozmq, a message written while the write buffer is empty goes
    /// straight to libzmq if the socket takes it now. Otherwise (older
    /// messages wait, or the socket would block) it is queued, and the pump
    /// hands it to libzmq as soon as the socket takes it; until then it
    /// counts in [`write_buffer_size`](ZmqTransport::write_buffer_size).
    /// Either way messages reach the socket in the order written.
    /// When the buffer goes over the high-water mark the protocol's
    /// `pause_writing` is called (before this returns, unless a callback is
    /// running, in which case right after it).
    ///
    /// # Errors
    ///
    /// [`Error::EmptyMessage`] for a message without frames;
    /// [`Error::Closed`] after [`close`](ZmqTransport::close) or
    /// [`abort`](ZmqTransport::abort), or once the connection is lost.
    ///
    /// # Examples
    ///
    /// See [`ZmqTransport`].
    pub fn write(&self, message: impl Into<Multipart>) -> Result<()> {
        let mut message = message.into();
        if message.is_empty() {
            return Err(Error::EmptyMessage);
        }
        // Lock order: the socket, then the state (as the pump's flush).
        let queued = self.inner.socket.core.with_raw(|raw| {
            let mut state = self.inner.state();
            if state.closing {
                return Err(Error::Closed);
            }
            let was_empty = state.buffer.is_empty();
            if was_empty && send_multipart(raw, &mut message).is_ok() {
                return Ok(None);
            }
            // Behind older messages, or the socket would not take it now.
            // An error other than `EAGAIN` is met again by the pump's flush,
            // which fails the transport with it, as for a queued message.
            Ok(Some((state.buffer.push(message), was_empty)))
        });
        let (change, was_empty) = match queued {
            Ok(Ok(Some(queued))) => queued,
            Ok(Ok(None)) => return Ok(()),
            Ok(Err(error)) | Err(error) => return Err(error),
        };
        // The pump sleeps on its wake-up event only after it saw the buffer
        // empty (with the listener armed first); while the buffer holds
        // anything it flushes, or waits for the socket, and re-reads the
        // buffer every turn. So only the write that makes the buffer
        // non-empty needs to wake it: waking it for every message cost a
        // cross-thread wake-up per message (see docs/performance.md).
        if was_empty {
            self.inner.wake_pump();
        }
        self.apply(change);
        Ok(())
    }

    /// The bytes waiting in the write buffer (aiozmq's
    /// `get_write_buffer_size`): the sum of the frames' lengths.
    ///
    /// # Examples
    ///
    /// See [`ZmqTransport`].
    pub fn write_buffer_size(&self) -> usize {
        self.inner.state().buffer.size()
    }

    /// The write buffer's `(high, low)` water marks, in bytes (aiozmq's
    /// `get_write_buffer_limits`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use zmq_core::transport::DEFAULT_HIGH_WATER;
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) {
    /// assert_eq!(transport.write_buffer_limits(), (DEFAULT_HIGH_WATER, DEFAULT_HIGH_WATER / 4));
    /// # }
    /// ```
    pub fn write_buffer_limits(&self) -> (usize, usize) {
        self.inner.state().buffer.limits()
    }

    /// Sets the write buffer's water marks, in bytes, with aiozmq's rules:
    /// without `high`, 64 KiB (or four times `low`); without `low`, a
    /// quarter of `high` (so a high of 0 makes low 0). The protocol is
    /// paused when the buffer goes strictly over high, and resumed when it
    /// is at or below low. If the buffer is already over the new high, the
    /// protocol is paused now.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidWriteBufferLimits`] when low is above high; the
    /// limits are then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.set_write_buffer_limits(Some(1000), None)?;
    /// assert_eq!(transport.write_buffer_limits(), (1000, 250));
    /// transport.set_write_buffer_limits(Some(0), None)?;
    /// assert_eq!(transport.write_buffer_limits(), (0, 0));
    /// assert!(transport.set_write_buffer_limits(Some(1), Some(2)).is_err());
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_write_buffer_limits(&self, high: Option<usize>, low: Option<usize>) -> Result<()> {
        let change = self.inner.state().buffer.set_limits(high, low)?;
        self.apply(change);
        Ok(())
    }

    /// True between a `pause_writing` and the following `resume_writing`.
    ///
    /// # Examples
    ///
    /// See [`ZmqTransport`].
    pub fn is_writing_paused(&self) -> bool {
        // Without the lock: a stream's `drain` asks after every write.
        self.inner.flags.writing_paused()
    }

    /// Stops delivering messages to the protocol until
    /// [`resume_reading`](ZmqTransport::resume_reading); messages wait in
    /// libzmq meanwhile (up to its receive high-water mark). Called from
    /// `msg_received`, it takes effect before the next message: the rest of
    /// the batch the pump had already taken from the socket (at most 64
    /// messages) waits in the transport, and is delivered first, in order,
    /// on resume. Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) {
    /// transport.pause_reading();
    /// assert!(transport.is_reading_paused());
    /// transport.resume_reading();
    /// assert!(!transport.is_reading_paused());
    /// # }
    /// ```
    pub fn pause_reading(&self) {
        self.inner.state().reading_paused = true;
        self.inner.wake_pump();
    }

    /// Delivers messages again after [`pause_reading`](ZmqTransport::pause_reading).
    /// Idempotent.
    ///
    /// # Examples
    ///
    /// See [`pause_reading`](ZmqTransport::pause_reading).
    pub fn resume_reading(&self) {
        self.inner.state().reading_paused = false;
        self.inner.wake_pump();
    }

    /// True while reading is paused.
    ///
    /// # Examples
    ///
    /// See [`pause_reading`](ZmqTransport::pause_reading).
    pub fn is_reading_paused(&self) -> bool {
        self.inner.state().reading_paused
    }

    /// Closes the transport gracefully: no more reads or writes; what is
    /// buffered is flushed, then the socket is closed and the protocol's
    /// `connection_lost(None)` is called, exactly once. Idempotent; returns
    /// at once (the flush happens in the pump).
    ///
    /// If no peer ever takes the buffered messages the flush never ends, as
    /// in aiozmq: [`abort`](ZmqTransport::abort) then discards them.
    ///
    /// "Flushed" means handed to libzmq; what libzmq still holds when the
    /// socket closes is sent within the socket's linger period. libzmq drops
    /// what a peer at its receive high-water mark has not taken when the
    /// connection closes: give such a peer room (`set_rcvhwm`) if every
    /// message must arrive.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) {
    /// transport.close();
    /// transport.close();
    /// assert!(transport.is_closing());
    /// assert!(transport.write("late").is_err());
    /// # }
    /// ```
    pub fn close(&self) {
        {
            let mut state = self.inner.state();
            if state.closing {
                return;
            }
            state.closing = true;
        }
        self.inner.wake_pump();
    }

    /// Closes the transport now, discarding the write buffer; the protocol's
    /// `connection_lost(None)` is called, exactly once (also after an
    /// earlier [`close`](ZmqTransport::close) still flushing). Idempotent.
    ///
    /// # Examples
    ///
    /// See [`ZmqTransport`].
    pub fn abort(&self) {
        {
            let mut state = self.inner.state();
            state.closing = true;
            state.buffer.clear();
        }
        self.lose(None);
    }

    /// True once [`close`](ZmqTransport::close) or
    /// [`abort`](ZmqTransport::abort) was called or the connection was lost.
    ///
    /// # Examples
    ///
    /// See [`close`](ZmqTransport::close).
    pub fn is_closing(&self) -> bool {
        self.inner.state().closing
    }

    /// The socket underneath, for its options and everything else.
    /// Receiving from it directly competes with the pump.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.socket().set_sndhwm(10)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn socket(&self) -> &Arc<Socket> {
        &self.inner.socket
    }

    /// The runtime the pump runs on.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) {
    /// let runtime = transport.runtime().clone(); // spawn more work beside the pump
    /// # }
    /// ```
    pub fn runtime(&self) -> &Arc<dyn Runtime> {
        &self.inner.runtime
    }

    /// [`Socket::bind`] on the transport's socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// let endpoint = transport.bind("tcp://127.0.0.1:*")?;
    /// assert!(transport.bindings().contains(&endpoint));
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind(&self, endpoint: &str) -> Result<String> {
        self.inner.socket.bind(endpoint)
    }

    /// [`Socket::unbind`] on the transport's socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// let endpoint = transport.bind("tcp://127.0.0.1:*")?;
    /// transport.unbind(&endpoint)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unbind(&self, endpoint: &str) -> Result<()> {
        self.inner.socket.unbind(endpoint)
    }

    /// [`Socket::connect`] on the transport's socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.connect("tcp://127.0.0.1:5555")?;
    /// assert!(transport.connections().contains("tcp://127.0.0.1:5555"));
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        self.inner.socket.connect(endpoint)
    }

    /// [`Socket::disconnect`] on the transport's socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.connect("tcp://127.0.0.1:5555")?;
    /// transport.disconnect("tcp://127.0.0.1:5555")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn disconnect(&self, endpoint: &str) -> Result<()> {
        self.inner.socket.disconnect(endpoint)
    }

    /// [`Socket::bindings`] of the transport's socket.
    ///
    /// # Examples
    ///
    /// See [`bind`](ZmqTransport::bind).
    pub fn bindings(&self) -> BTreeSet<String> {
        self.inner.socket.bindings()
    }

    /// [`Socket::connections`] of the transport's socket.
    ///
    /// # Examples
    ///
    /// See [`connect`](ZmqTransport::connect).
    pub fn connections(&self) -> BTreeSet<String> {
        self.inner.socket.connections()
    }

    /// [`Socket::subscribe`] on the transport's socket (SUB and XSUB).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.subscribe("topic")?;
    /// assert!(transport.subscriptions().contains(&b"topic".to_vec()));
    /// # Ok(())
    /// # }
    /// ```
    pub fn subscribe(&self, prefix: impl AsRef<[u8]>) -> Result<()> {
        self.inner.socket.subscribe(prefix)
    }

    /// [`Socket::unsubscribe`] on the transport's socket.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.subscribe("topic")?;
    /// transport.unsubscribe("topic")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn unsubscribe(&self, prefix: impl AsRef<[u8]>) -> Result<()> {
        self.inner.socket.unsubscribe(prefix)
    }

    /// [`Socket::subscriptions`] of the transport's socket.
    ///
    /// # Examples
    ///
    /// See [`subscribe`](ZmqTransport::subscribe).
    pub fn subscriptions(&self) -> BTreeSet<Vec<u8>> {
        self.inner.socket.subscriptions()
    }

    /// Enables the socket monitor ([`Socket::enable_monitor`]); its events
    /// go to the protocol's [`event_received`](ZmqProtocol::event_received).
    /// Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn check(transport: &zmq_core::transport::ZmqTransport) -> zmq_core::Result<()> {
    /// transport.enable_monitor(None)?;
    /// transport.disable_monitor();
    /// # Ok(())
    /// # }
    /// ```
    pub fn enable_monitor(&self, events: Option<EventMask>) -> Result<()> {
        self.inner.socket.enable_monitor(events)?;
        self.inner.wake_pump();
        Ok(())
    }

    /// Disables the socket monitor ([`Socket::disable_monitor`]); the events
    /// produced before still reach the protocol. Idempotent.
    ///
    /// # Examples
    ///
    /// See [`enable_monitor`](ZmqTransport::enable_monitor).
    pub fn disable_monitor(&self) {
        self.inner.socket.disable_monitor();
    }

    /// Runs the protocol callback a buffer change asks for.
    fn apply(&self, change: FlowChange) {
        let callback = match change {
            FlowChange::None => return,
            FlowChange::Pause => Callback::PauseWriting,
            FlowChange::Resume => Callback::ResumeWriting,
        };
        self.inner.dispatcher.call(self, callback);
    }

    /// The socket failed: discard everything and report `error`.
    fn fail(&self, error: Error) {
        log::debug!(target: "zmq_core::transport", "socket failed: {error}");
        {
            let mut state = self.inner.state();
            state.closing = true;
            state.buffer.clear();
        }
        self.lose(Some(error));
    }

    /// Ends the transport, once: `connection_lost`, then the socket closes.
    fn lose(&self, error: Option<Error>) {
        {
            let mut state = self.inner.state();
            if state.lost {
                return;
            }
            state.lost = true;
            state.closing = true;
        }
        self.inner.dispatcher.call(self, Callback::Lost(error));
        self.inner.socket.close();
        self.inner.wake_pump();
    }
}

impl fmt::Debug for ZmqTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state();
        f.debug_struct("ZmqTransport")
            .field("socket", &self.inner.socket)
            .field("write_buffer_size", &state.buffer.size())
            .field("writing_paused", &state.buffer.is_paused())
            .field("reading_paused", &state.reading_paused)
            .field("closing", &state.closing)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("socket", &self.socket)
            .field("dispatcher", &self.dispatcher)
            .finish_non_exhaustive()
    }
}
