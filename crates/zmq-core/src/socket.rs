//! [`Socket`]: an async libzmq socket.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use crate::context::Context;
use crate::error::{Error, Result, SendError};
use crate::message::{Frame, Multipart};
use crate::monitor::Monitor;
use crate::reactor::Reactor;
use crate::readiness::{Direction, RawSocket, SocketCore, Waiter};

pub use zmq::{PollEvents, SocketType};

/// The `ZMQ_LINGER` every socket of this crate starts with: how long
/// unsent messages are kept after the socket is closed. libzmq's own
/// default is forever, which can hang a process at exit (rust-zmq#382).
///
/// # Examples
///
/// ```
/// use zmq_core::{Socket, SocketType, DEFAULT_LINGER};
///
/// let socket = Socket::new(SocketType::PUSH)?;
/// assert_eq!(socket.linger()?, Some(DEFAULT_LINGER));
/// # Ok::<(), zmq_core::Error>(())
/// ```
pub const DEFAULT_LINGER: Duration = Duration::from_millis(1000);

/// The `ZMQ_IN_BATCH_SIZE` and `ZMQ_OUT_BATCH_SIZE` every socket of this
/// crate starts with: 256 KiB, where libzmq's own default is 8 KiB.
///
/// libzmq's I/O thread reads and writes a connection at most this many
/// bytes per system call. Measured with `cargo xtask bench` (see
/// `docs/performance.md`), 256 KiB takes 1 KiB messages over tcp from
/// about the native baseline's rate to 2.4 times it (ipc: about 2 times);
/// 32 B messages and inproc see no measurable change. The buffers are allocated per connection
/// but only touched as far as traffic fills them, so an idle connection
/// costs little more resident memory. Change it per socket, before binding
/// or connecting, with [`Socket::set_in_batch_size`] and
/// [`Socket::set_out_batch_size`].
///
/// These are DRAFT options: with a libzmq built without the DRAFT API
/// (not this workspace's build), the sockets keep libzmq's default.
///
/// # Examples
///
/// ```
/// use zmq_core::{Socket, SocketType, DEFAULT_BATCH_SIZE};
///
/// let socket = Socket::new(SocketType::PUSH)?;
/// assert_eq!(socket.out_batch_size()?, DEFAULT_BATCH_SIZE);
/// socket.set_out_batch_size(8192)?; // libzmq's stock value
/// assert_eq!(socket.out_batch_size()?, 8192);
/// # Ok::<(), zmq_core::Error>(())
/// ```
pub const DEFAULT_BATCH_SIZE: usize = 256 * 1024;

/// An async ZeroMQ socket of any classic type.
///
/// All methods take `&self` and the socket is `Send + Sync`: share it with
/// an `Arc` and a reader task and a writer task can use it at once, each
/// waiting on its own side without disturbing the other.
///
/// Sends and receives move whole multipart messages; a future dropped
/// before it completes has sent or received nothing (see each method's
/// *Cancel safety* section).
///
/// Dropping the socket closes it without blocking (see [`DEFAULT_LINGER`]
/// and [`Context`] for what happens to unsent messages).
///
/// # Examples
///
/// ```
/// use zmq_core::{Socket, SocketType};
///
/// # futures_lite::future::block_on(async {
/// let server = Socket::new(SocketType::REP)?;
/// let endpoint = server.bind("tcp://127.0.0.1:*")?;
/// let client = Socket::new(SocketType::REQ)?;
/// client.connect(&endpoint)?;
///
/// client.send("ping").await?;
/// let request = server.recv().await?;
/// assert_eq!(request[0], "ping");
/// server.send("pong").await?;
/// assert_eq!(client.recv().await?[0], "pong");
/// # Ok::<(), zmq_core::Error>(())
/// # }).unwrap();
/// ```
pub struct Socket {
    pub(crate) core: SocketCore,
    socket_type: SocketType,
    tracked: Mutex<Tracked>,
    /// The monitor, when enabled (see `monitor.rs`).
    pub(crate) monitor: Mutex<Option<Arc<Monitor>>>,
    /// Declared last: dropped after the libzmq socket, so that a context
    /// terminated by this drop is terminated off this thread. `None` for a
    /// socket adopted through [`Socket::from_zmq`].
    context: Option<Context>,
}

/// What went through this handle's calls: aiozmq's `bindings()`,
/// `connections()` and `subscriptions()`.
#[derive(Debug, Default)]
struct Tracked {
    bindings: BTreeSet<String>,
    connections: BTreeSet<String>,
    subscriptions: BTreeSet<Vec<u8>>,
}

impl Socket {
    /// Creates a socket in the process-wide [`Context::global`].
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::ROUTER)?;
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn new(socket_type: SocketType) -> Result<Socket> {
        Context::global().socket(socket_type)
    }

    /// Adopts an existing `zmq::Socket` (aiozmq's `zmq_sock=`), keeping its
    /// options, bindings and connections (only later ones are tracked).
    ///
    /// The socket keeps its `zmq::Context` alive. If it holds the last
    /// reference to that context, dropping it terminates the context on the
    /// dropping thread; [`Context::adopt`] avoids that.
    ///
    /// # Examples
    ///
    /// ```
    /// let raw = zmq_core::zmq::Context::new().socket(zmq_core::zmq::DEALER)?;
    /// let socket = zmq_core::Socket::from_zmq(raw)?;
    /// assert_eq!(socket.socket_type(), zmq_core::SocketType::DEALER);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_zmq(socket: zmq::Socket) -> Result<Socket> {
        Socket::from_parts(socket, None, false)
    }

    pub(crate) fn from_parts(
        raw: zmq::Socket,
        context: Option<Context>,
        fresh: bool,
    ) -> Result<Socket> {
        let socket_type = raw.get_socket_type()?;
        if fresh {
            raw.set_linger(DEFAULT_LINGER.as_millis() as i32)?;
        }
        let reactor = match context.as_ref().and_then(Context::reactor) {
            Some(reactor) => reactor.clone(),
            None => Reactor::current(),
        };
        let socket = Socket {
            core: SocketCore::new(raw, &reactor)?,
            socket_type,
            tracked: Mutex::default(),
            monitor: Mutex::default(),
            context,
        };
        if fresh {
            socket.apply_tuned_defaults()?;
        }
        Ok(socket)
    }

    /// [`DEFAULT_BATCH_SIZE`] on a socket this crate just created.
    fn apply_tuned_defaults(&self) -> Result<()> {
        for outcome in [
            self.set_in_batch_size(DEFAULT_BATCH_SIZE),
            self.set_out_batch_size(DEFAULT_BATCH_SIZE),
        ] {
            match outcome {
                // A libzmq without the DRAFT API: keep its default.
                Err(error) if error.errno() == Some(zmq::Error::EINVAL.to_raw()) => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// The [`Context`] the socket was made in or adopted through; `None`
    /// for a socket made by [`Socket::from_zmq`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Context, Socket, SocketType};
    ///
    /// let socket = Socket::new(SocketType::PAIR)?;
    /// assert!(socket.context().unwrap().same_as(&Context::global()));
    ///
    /// let raw = zmq_core::zmq::Context::new().socket(zmq_core::zmq::PAIR)?;
    /// assert!(Socket::from_zmq(raw)?.context().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn context(&self) -> Option<&Context> {
        self.context.as_ref()
    }

    /// The socket's type.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUB)?;
    /// assert_eq!(socket.socket_type(), zmq_core::SocketType::PUB);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn socket_type(&self) -> SocketType {
        self.socket_type
    }

    /// Sends a whole multipart message, waiting while the socket cannot take
    /// it (for example at the send high-water mark).
    ///
    /// On failure the [`SendError`] carries the message back, untouched.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no frame
    /// of the message was sent. libzmq takes a multipart message atomically
    /// and this future hands it over within a single poll.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let pull = Socket::new(SocketType::PULL)?;
    /// let endpoint = pull.bind("inproc://send-example")?;
    /// let push = Socket::new(SocketType::PUSH)?;
    /// push.connect(&endpoint)?;
    /// push.send(["header", "body"]).await?;
    /// assert_eq!(pull.recv().await?.len(), 2);
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn send(&self, message: impl Into<Multipart>) -> SendFuture<'_> {
        SendFuture {
            socket: self,
            message: Some(message.into()),
            waiter: Waiter::new(Direction::Send),
        }
    }

    /// Receives a whole multipart message, waiting until one arrives.
    ///
    /// Frames are libzmq's buffers, handed over without a copy.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: if the future is dropped before it completes, no message
    /// was taken from the socket. Every frame of a message is received
    /// within a single poll.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let a = Socket::new(SocketType::PAIR)?;
    /// let endpoint = a.bind("inproc://recv-example")?;
    /// let b = Socket::new(SocketType::PAIR)?;
    /// b.connect(&endpoint)?;
    /// a.send("hello").await?;
    /// let message = b.recv().await?;
    /// assert_eq!(message[0], "hello");
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn recv(&self) -> RecvFuture<'_> {
        RecvFuture {
            socket: self,
            waiter: Waiter::new(Direction::Recv),
        }
    }

    /// Waits until the socket can receive (`POLLIN`) or send (`POLLOUT`) as
    /// `interest` asks, and returns the events that hold (a subset of
    /// `interest`, never empty). The [`Poller`](crate::Poller) is built on
    /// this.
    ///
    /// Readiness can be taken by another task before this one acts on it:
    /// follow up with [`try_recv`](Socket::try_recv) /
    /// [`try_send`](Socket::try_send) and wait again on `EAGAIN`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{PollEvents, Socket, SocketType};
    ///
    /// let (a, b) = (Socket::new(SocketType::PAIR)?, Socket::new(SocketType::PAIR)?);
    /// b.connect(&a.bind("inproc://ready-example")?)?;
    /// a.send("ping").await?;
    /// let ready = b.ready(PollEvents::POLLIN).await?;
    /// assert_eq!(ready, PollEvents::POLLIN);
    /// assert_eq!(b.try_recv()?[0], "ping");
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn ready(&self, interest: PollEvents) -> ReadyFuture<'_> {
        ReadyFuture {
            socket: self,
            interest,
            recv_waiter: Waiter::new(Direction::Recv),
            send_waiter: Waiter::new(Direction::Send),
        }
    }

    /// The socket's current readiness (`ZMQ_EVENTS`), without waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{PollEvents, Socket, SocketType};
    ///
    /// let pull = Socket::new(SocketType::PULL)?;
    /// assert!(!pull.events()?.contains(PollEvents::POLLIN));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn events(&self) -> Result<PollEvents> {
        Ok(self.core.with_raw(|raw| raw.get_events())??)
    }

    /// Sends a whole multipart message if the socket can take it now; never
    /// waits. A full socket gives a [`SendError`] whose error
    /// [`is_would_block`](Error::is_would_block), with the message back.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let push = Socket::new(SocketType::PUSH)?;
    /// // No peer yet: nowhere to put the message.
    /// let unsent = push.try_send("later").unwrap_err().message;
    /// assert_eq!(unsent[0], "later");
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    // `SendError` gives the message back by value, and a message holds a
    // one-frame message's `zmq_msg_t` inline (no allocation per message):
    // a large `Err`, by design.
    #[allow(clippy::result_large_err)]
    pub fn try_send(&self, message: impl Into<Multipart>) -> Result<(), SendError> {
        let mut message = message.into();
        if message.is_empty() {
            return Err(SendError {
                error: Error::EmptyMessage,
                message,
            });
        }
        let outcome = self.core.with_raw(|raw| {
            loop {
                match send_multipart(raw, &mut message) {
                    Err(zmq::Error::EINTR) => continue,
                    other => break other,
                }
            }
        });
        match outcome {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(SendError {
                error: error.into(),
                message,
            }),
            Err(error) => Err(SendError { error, message }),
        }
    }

    /// Receives a whole multipart message if one is waiting; never waits.
    /// With nothing to receive, the error
    /// [`is_would_block`](Error::is_would_block).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let pull = Socket::new(SocketType::PULL)?;
    /// assert!(pull.try_recv().unwrap_err().is_would_block());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn try_recv(&self) -> Result<Multipart> {
        let outcome = self.core.with_raw(|raw| {
            loop {
                match recv_multipart(raw) {
                    Err(zmq::Error::EINTR) => continue,
                    other => break other,
                }
            }
        })?;
        Ok(outcome?)
    }

    /// Binds to `endpoint` and returns the endpoint actually bound: a
    /// wildcard such as `tcp://127.0.0.1:*` comes back with the port the
    /// system chose.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PULL)?;
    /// let endpoint = socket.bind("tcp://127.0.0.1:*")?;
    /// assert!(!endpoint.ends_with(":*"));
    /// assert!(socket.bindings().contains(&endpoint));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn bind(&self, endpoint: &str) -> Result<String> {
        check_endpoint(endpoint)?;
        let resolved = self.core.with_raw(|raw| -> Result<String> {
            raw.bind(endpoint)?;
            Ok(match raw.get_last_endpoint()? {
                Ok(resolved) if !resolved.is_empty() => resolved,
                _ => endpoint.to_owned(),
            })
        })??;
        self.tracked().bindings.insert(resolved.clone());
        Ok(resolved)
    }

    /// Stops listening on an endpoint returned by [`bind`](Socket::bind).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PULL)?;
    /// let endpoint = socket.bind("tcp://127.0.0.1:*")?;
    /// socket.unbind(&endpoint)?;
    /// assert!(socket.bindings().is_empty());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn unbind(&self, endpoint: &str) -> Result<()> {
        check_endpoint(endpoint)?;
        self.core.with_raw(|raw| raw.unbind(endpoint))??;
        self.tracked().bindings.remove(endpoint);
        Ok(())
    }

    /// Connects to `endpoint`. libzmq connects in the background and
    /// reconnects after failures; this returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUSH)?;
    /// socket.connect("tcp://127.0.0.1:5555")?;
    /// assert!(socket.connections().contains("tcp://127.0.0.1:5555"));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn connect(&self, endpoint: &str) -> Result<()> {
        check_endpoint(endpoint)?;
        self.core.with_raw(|raw| raw.connect(endpoint))??;
        self.tracked().connections.insert(endpoint.to_owned());
        Ok(())
    }

    /// Disconnects from an endpoint given to [`connect`](Socket::connect).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUSH)?;
    /// socket.connect("tcp://127.0.0.1:5555")?;
    /// socket.disconnect("tcp://127.0.0.1:5555")?;
    /// assert!(socket.connections().is_empty());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn disconnect(&self, endpoint: &str) -> Result<()> {
        check_endpoint(endpoint)?;
        self.core.with_raw(|raw| raw.disconnect(endpoint))??;
        self.tracked().connections.remove(endpoint);
        Ok(())
    }

    /// The endpoints bound through [`bind`](Socket::bind) (as resolved) and
    /// not unbound since.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUB)?;
    /// socket.bind("inproc://bindings-example")?;
    /// assert_eq!(socket.bindings().len(), 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn bindings(&self) -> BTreeSet<String> {
        self.tracked().bindings.clone()
    }

    /// The endpoints connected through [`connect`](Socket::connect) and not
    /// disconnected since.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::SUB)?;
    /// socket.connect("inproc://connections-example")?;
    /// assert_eq!(socket.connections().len(), 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn connections(&self) -> BTreeSet<String> {
        self.tracked().connections.clone()
    }

    /// Subscribes a SUB or XSUB socket to messages whose first frame starts
    /// with `prefix` (an empty prefix matches everything). Subscribing to a
    /// prefix already subscribed is a no-op. On other socket types it is an
    /// [`Error::UnsupportedSocketType`].
    ///
    /// # Examples
    ///
    /// ```
    /// let sub = zmq_core::Socket::new(zmq_core::SocketType::SUB)?;
    /// sub.subscribe("weather.")?;
    /// sub.subscribe("weather.")?;
    /// assert_eq!(sub.subscriptions().len(), 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn subscribe(&self, prefix: impl AsRef<[u8]>) -> Result<()> {
        let prefix = prefix.as_ref();
        self.check_subscriber("subscribe")?;
        let mut tracked = self.tracked();
        if tracked.subscriptions.contains(prefix) {
            return Ok(());
        }
        self.send_subscription(true, prefix)?;
        tracked.subscriptions.insert(prefix.to_vec());
        Ok(())
    }

    /// Drops a subscription made by [`subscribe`](Socket::subscribe);
    /// unsubscribing a prefix that is not subscribed is a no-op.
    ///
    /// # Examples
    ///
    /// ```
    /// let sub = zmq_core::Socket::new(zmq_core::SocketType::SUB)?;
    /// sub.subscribe(b"")?;
    /// sub.unsubscribe(b"")?;
    /// sub.unsubscribe("never subscribed")?;
    /// assert!(sub.subscriptions().is_empty());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn unsubscribe(&self, prefix: impl AsRef<[u8]>) -> Result<()> {
        let prefix = prefix.as_ref();
        self.check_subscriber("unsubscribe")?;
        let mut tracked = self.tracked();
        if !tracked.subscriptions.contains(prefix) {
            return Ok(());
        }
        self.send_subscription(false, prefix)?;
        tracked.subscriptions.remove(prefix);
        Ok(())
    }

    /// The current subscriptions.
    ///
    /// # Examples
    ///
    /// ```
    /// let sub = zmq_core::Socket::new(zmq_core::SocketType::XSUB)?;
    /// sub.subscribe("a")?;
    /// assert!(sub.subscriptions().contains(&b"a".to_vec()));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn subscriptions(&self) -> BTreeSet<Vec<u8>> {
        self.tracked().subscriptions.clone()
    }

    fn check_subscriber(&self, operation: &'static str) -> Result<()> {
        match self.socket_type {
            SocketType::SUB | SocketType::XSUB => Ok(()),
            other => Err(Error::UnsupportedSocketType {
                operation,
                socket_type: socket_type_name(other),
            }),
        }
    }

    fn send_subscription(&self, subscribe: bool, prefix: &[u8]) -> Result<()> {
        if self.socket_type == SocketType::SUB {
            return self
                .core
                .with_raw(|raw| {
                    if subscribe {
                        raw.set_subscribe(prefix)
                    } else {
                        raw.set_unsubscribe(prefix)
                    }
                })?
                .map_err(Error::from);
        }
        // XSUB subscribes by sending the subscription upstream: a frame of
        // 1 (subscribe) or 0 (unsubscribe) followed by the prefix. libzmq
        // never blocks on it.
        let mut frame = Vec::with_capacity(prefix.len() + 1);
        frame.push(u8::from(subscribe));
        frame.extend_from_slice(prefix);
        self.try_send(frame).map_err(Error::from)
    }

    /// Closes the socket now. Later operations fail with [`Error::Closed`],
    /// and futures waiting on it complete with that error. Closing twice is
    /// a no-op. Unsent messages linger as [`set_linger`](Socket::set_linger)
    /// says, without blocking this call. An enabled monitor is disabled
    /// first (see [`disable_monitor`](Socket::disable_monitor)).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PAIR)?;
    /// socket.close();
    /// socket.close();
    /// assert!(socket.is_closed());
    /// assert!(matches!(socket.try_recv(), Err(zmq_core::Error::Closed)));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn close(&self) {
        self.disable_monitor();
        if self.core.close() {
            let mut tracked = self.tracked();
            tracked.bindings.clear();
            tracked.connections.clear();
        }
    }

    /// Moves this socket's readiness to `reactor` (see
    /// [`reactor`](crate::reactor)): for a socket made before the event
    /// loop it will run on existed, such as one created in `main` before a
    /// tokio runtime starts (`zmq_runtime_tokio::TokioRuntime::reactor`
    /// gives that runtime's reactor). Options, endpoints, queued messages
    /// and the monitor stay as they are.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] on a closed socket; what the reactor reports when
    /// it cannot watch the socket. On error the socket keeps its reactor.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::reactor::Reactor;
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let mut pull = Socket::new(SocketType::PULL)?;
    /// let endpoint = pull.bind("inproc://set-reactor-doc")?;
    /// let push = Socket::new(SocketType::PUSH)?;
    /// push.connect(&endpoint)?;
    /// push.try_send("queued before the move")?;
    /// pull.set_reactor(&Reactor::async_io())?;
    /// let message = futures_lite::future::block_on(pull.recv())?;
    /// assert_eq!(message[0], "queued before the move");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_reactor(&mut self, reactor: &Reactor) -> Result<()> {
        self.core = self.core.move_to(reactor)?;
        Ok(())
    }

    /// True once [`close`](Socket::close) was called.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PAIR)?;
    /// assert!(!socket.is_closed());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// Runs `f` with the underlying `zmq::Socket`, for what this type does
    /// not wrap (options without a typed accessor, for example).
    ///
    /// `f` runs under the socket's lock: it must not block (no blocking
    /// `send`/`recv` without `DONTWAIT`), nor call back into this socket or
    /// a transport over it (the lock is not reentrant). Tasks waiting on
    /// this socket are re-checked afterwards, so operating on the raw
    /// socket never strands them.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.with_raw(|raw| raw.set_probe_router(true))??;
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn with_raw<T>(&self, f: impl FnOnce(&zmq::Socket) -> T) -> Result<T> {
        self.core.with_raw(|raw| f(raw))
    }

    /// [`with_raw`](Socket::with_raw) with the mutable access that raw
    /// libzmq calls need (`zmq::Socket::as_mut_ptr`).
    pub(crate) fn with_raw_mut<T>(&self, f: impl FnOnce(&mut zmq::Socket) -> T) -> Result<T> {
        self.core.with_raw(|raw| f(raw))
    }

    fn tracked(&self) -> MutexGuard<'_, Tracked> {
        self.tracked.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Streams of the monitor may outlive the socket: let them end.
        self.disable_monitor();
    }
}

impl fmt::Debug for Socket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tracked = self.tracked();
        f.debug_struct("Socket")
            .field("type", &socket_type_name(self.socket_type))
            .field("closed", &self.is_closed())
            .field("bindings", &tracked.bindings)
            .field("connections", &tracked.connections)
            .finish()
    }
}

/// The future returned by [`Socket::send`].
///
/// # Cancel safety
///
/// Dropping it before completion sends nothing.
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a> {
    socket: &'a Socket,
    message: Option<Multipart>,
    waiter: Waiter<'a>,
}

impl Future for SendFuture<'_> {
    type Output = Result<(), SendError>;

    // A large `Err` by design: see `Socket::try_send`.
    #[allow(clippy::result_large_err)]
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(message) = this.message.as_mut() else {
            panic!("SendFuture polled after completion");
        };
        if message.is_empty() {
            let message = this.message.take().unwrap_or_default();
            return Poll::Ready(Err(SendError {
                error: Error::EmptyMessage,
                message,
            }));
        }
        let outcome = this
            .socket
            .core
            .poll_io(&mut this.waiter, cx, |raw| send_multipart(raw, message));
        match outcome {
            Poll::Ready(Ok(())) => {
                // Dropped where it lies: the sent message is empty, and
                // taking it out would copy it for nothing.
                this.message = None;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(error)) => {
                let message = this.message.take().unwrap_or_default();
                Poll::Ready(Err(SendError { error, message }))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl fmt::Debug for SendFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendFuture")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

/// The future returned by [`Socket::recv`].
///
/// # Cancel safety
///
/// Dropping it before completion receives nothing.
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a> {
    socket: &'a Socket,
    waiter: Waiter<'a>,
}

impl Future for RecvFuture<'_> {
    type Output = Result<Multipart>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut received = Multipart::new();
        this.socket
            .core
            .poll_io(&mut this.waiter, cx, |raw| {
                recv_multipart_into(raw, &mut received)
            })
            .map_ok(|()| received)
    }
}

impl fmt::Debug for RecvFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecvFuture").finish_non_exhaustive()
    }
}

/// The future returned by [`Socket::ready`].
///
/// # Cancel safety
///
/// Dropping it has no effect on the socket.
#[must_use = "futures do nothing unless awaited"]
pub struct ReadyFuture<'a> {
    socket: &'a Socket,
    interest: PollEvents,
    recv_waiter: Waiter<'a>,
    send_waiter: Waiter<'a>,
}

impl Future for ReadyFuture<'_> {
    type Output = Result<PollEvents>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let interest = this.interest & (PollEvents::POLLIN | PollEvents::POLLOUT);
        if interest.is_empty() {
            return Poll::Ready(Err(Error::InvalidOption {
                option: "interest",
                reason: "wait for POLLIN, POLLOUT or both",
            }));
        }
        // Park on each side asked for, so that a notification for either
        // direction reaches us.
        let ready_now = |raw: &mut RawSocket| {
            let events = raw.get_events()? & interest;
            if events.is_empty() {
                Err(zmq::Error::EAGAIN)
            } else {
                Ok(events)
            }
        };
        let sides = [
            (PollEvents::POLLIN, &mut this.recv_waiter),
            (PollEvents::POLLOUT, &mut this.send_waiter),
        ];
        for (flag, waiter) in sides {
            if interest.contains(flag) {
                if let Poll::Ready(outcome) = this.socket.core.poll_io(waiter, cx, ready_now) {
                    return Poll::Ready(outcome);
                }
            }
        }
        Poll::Pending
    }
}

impl fmt::Debug for ReadyFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyFuture")
            .field("interest", &self.interest)
            .finish_non_exhaustive()
    }
}

/// Receives every frame of one message without waiting. libzmq delivers a
/// multipart message atomically: once the first frame is there, all are.
#[inline]
pub(crate) fn recv_multipart(raw: &mut RawSocket) -> Result<Multipart, zmq::Error> {
    let mut message = Multipart::new();
    recv_multipart_into(raw, &mut message)?;
    Ok(message)
}

/// [`recv_multipart`] into `message`, whose frames it replaces; on error
/// `message` holds nothing to use (an empty frame, or the first frames of a
/// message whose later ones failed, which only a terminating context does).
///
/// Receiving where the message will stay, rather than returning it through
/// the layers of `Result` on the way up, spares copies of the 64-byte
/// `zmq_msg_t` that libzmq has just written.
#[inline]
pub(crate) fn recv_multipart_into(
    raw: &mut RawSocket,
    message: &mut Multipart,
) -> Result<(), zmq::Error> {
    let socket_ptr = raw.as_mut_ptr();
    let mut bytes = match recv_frame_into(socket_ptr, message.one_empty_frame()) {
        Ok(size) => size,
        Err(error) => {
            if error == zmq::Error::EAGAIN {
                raw.marks.would_block(Direction::Recv);
            }
            return Err(error);
        }
    };
    while message.back().is_some_and(Frame::has_more) {
        let mut frame = Frame::new();
        bytes += recv_frame_into(socket_ptr, &mut frame)?;
        message.push_back(frame);
    }
    raw.moved(Direction::Recv, bytes);
    Ok(())
}

/// Receives one frame into `frame`; its size (libzmq's return value, which
/// saves asking for it again).
#[inline]
fn recv_frame_into(
    socket_ptr: *mut std::ffi::c_void,
    frame: &mut Frame,
) -> Result<usize, zmq::Error> {
    loop {
        // SAFETY: `socket_ptr` is an open socket whose lock the caller
        // holds; `frame` is an initialised message that libzmq may fill.
        let rc = unsafe { zmq_sys::zmq_msg_recv(frame.as_mut_ptr(), socket_ptr, zmq::DONTWAIT) };
        if let Ok(size) = usize::try_from(rc) {
            return Ok(size);
        }
        match last_error() {
            zmq::Error::EINTR => continue,
            error => return Err(error),
        }
    }
}

/// Sends every frame of `message` without waiting, or none of them.
///
/// On success `message` is left empty. On `EAGAIN` (which libzmq can only
/// report for the first frame) `message` is untouched: unlike
/// `zmq::Socket::send`, which drops a message it failed to send, this keeps
/// ownership of each frame until libzmq has accepted it.
#[inline]
pub(crate) fn send_multipart(
    raw: &mut RawSocket,
    message: &mut Multipart,
) -> Result<(), zmq::Error> {
    let count = message.len();
    if count == 0 {
        return Err(zmq::Error::EINVAL);
    }
    let socket_ptr = raw.as_mut_ptr();
    let mut bytes = 0;
    for index in 0..count {
        let flags = if index + 1 < count {
            zmq::DONTWAIT | zmq::SNDMORE
        } else {
            zmq::DONTWAIT
        };
        loop {
            // SAFETY: `socket_ptr` is an open socket whose lock the caller
            // holds; the frame is an initialised message owned by `message`.
            // On success libzmq takes its content and leaves it initialised
            // and empty; on failure it leaves it untouched.
            let rc =
                unsafe { zmq_sys::zmq_msg_send(message[index].as_mut_ptr(), socket_ptr, flags) };
            if let Ok(size) = usize::try_from(rc) {
                bytes += size;
                break;
            }
            match last_error() {
                zmq::Error::EINTR => continue,
                error if index == 0 => {
                    if error == zmq::Error::EAGAIN {
                        raw.marks.would_block(Direction::Send);
                    }
                    return Err(error);
                }
                error => {
                    // libzmq takes the rest of a message once it took the
                    // first frame; only a dying socket (ETERM) gets here.
                    // Report what was not sent.
                    message.remove_first(index);
                    return Err(error);
                }
            }
        }
    }
    message.clear_sent();
    raw.moved(Direction::Send, bytes);
    Ok(())
}

/// The error of the libzmq call that just failed on this thread.
pub(crate) fn last_error() -> zmq::Error {
    // SAFETY: zmq_errno only reads the calling thread's errno.
    zmq::Error::from_raw(unsafe { zmq_sys::zmq_errno() })
}

fn check_endpoint(endpoint: &str) -> Result<()> {
    let invalid = |reason| Error::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    if endpoint.contains('\0') {
        return Err(invalid("it contains a NUL byte"));
    }
    match endpoint.split_once("://") {
        None => Err(invalid(
            "it has no transport (expected transport://address)",
        )),
        Some(("", _)) => Err(invalid("the transport is empty")),
        Some((_, "")) => Err(invalid("the address is empty")),
        Some(_) => Ok(()),
    }
}

/// libzmq's name for a socket type.
pub(crate) fn socket_type_name(socket_type: SocketType) -> &'static str {
    match socket_type {
        SocketType::PAIR => "PAIR",
        SocketType::PUB => "PUB",
        SocketType::SUB => "SUB",
        SocketType::REQ => "REQ",
        SocketType::REP => "REP",
        SocketType::DEALER => "DEALER",
        SocketType::ROUTER => "ROUTER",
        SocketType::PULL => "PULL",
        SocketType::PUSH => "PUSH",
        SocketType::XPUB => "XPUB",
        SocketType::XSUB => "XSUB",
        SocketType::STREAM => "STREAM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_without_transport_or_with_nul_are_refused_before_libzmq() {
        for endpoint in ["", "127.0.0.1:5555", "://x", "tcp://", "tcp://a\0b"] {
            assert!(
                matches!(check_endpoint(endpoint), Err(Error::InvalidEndpoint { .. })),
                "{endpoint:?}"
            );
        }
        assert!(check_endpoint("tcp://127.0.0.1:*").is_ok());
    }
}
