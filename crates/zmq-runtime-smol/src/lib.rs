//! smol adapter for the `zmq-core` async ZeroMQ stack.
//!
//! [`zmq_core`]'s sockets already run under smol without this crate: their
//! readiness comes from libzmq's notification descriptor through `async-io`'s
//! reactor, which is smol's own reactor, so `socket.recv().await` works in
//! any smol task or under [`smol::block_on`].
//!
//! What this crate adds is [`SmolRuntime`], the smol implementation of
//! [`zmq_core::runtime::Runtime`]: the spawning and timers that the upper
//! layers (streams, RPC servers) ask for through that seam. Tasks go to an
//! [`Executor`] of yours ([`SmolRuntime::with_executor`]) or to smol's
//! global executor ([`SmolRuntime::global`], [`smol::spawn`]); timers are
//! [`smol::Timer`]s. [`create_zmq_connection`] and [`create_zmq_stream`] are
//! aiozmq's entry points in one line, with the pump on smol's global
//! executor, and [`rpc`]'s `serve_rpc(..)...start_on_smol()` starts the RPC,
//! pipeline and pub-sub services of zmq-rpc there in one call;
//! [`start_zap_authenticator`] does the same for the ZAP authenticator.
//!
//! smol's reactor *is* async-io's, so sockets need no other reactor here
//! (`zmq-runtime-tokio` is the adapter that plugs a different one into
//! [`zmq_core::reactor`]).
//!
//! Cargo features (default on): `stream` ([`create_zmq_stream`], the
//! zmq-stream re-exports) and `rpc` (the [`rpc`] module); turn them off to
//! depend only on the layers you use.
//!
//! The crate re-exports [`zmq_core`] and its main types, so a smol
//! application can depend on this crate alone.
//!
//! # Examples
//!
//! A PUSH/PULL pair: a task spawned through the [`SmolRuntime`] sends, the
//! main task receives, with a bounded wait:
//!
//! ```
//! use std::time::Duration;
//! use zmq_runtime_smol::{Runtime, SmolRuntime, Socket, SocketType};
//!
//! smol::block_on(async {
//!     let runtime = SmolRuntime::global();
//!
//!     let pull = Socket::new(SocketType::PULL)?;
//!     let endpoint = pull.bind("tcp://127.0.0.1:*")?;
//!     let push = Socket::new(SocketType::PUSH)?;
//!     push.connect(&endpoint)?;
//!
//!     runtime.spawn(Box::pin(async move {
//!         push.send(["hello", "world"]).await.expect("send");
//!     }));
//!
//!     let message = smol::future::or(async { Some(pull.recv().await) }, async {
//!         smol::Timer::after(Duration::from_secs(10)).await;
//!         None
//!     })
//!     .await
//!     .expect("a message within 10 s")?;
//!     assert_eq!(message[0], "hello");
//!     assert_eq!(message[1], "world");
//!     Ok::<(), zmq_runtime_smol::Error>(())
//! })?;
//! # Ok::<(), zmq_runtime_smol::Error>(())
//! ```

#![forbid(unsafe_code)]

use std::sync::Arc;
use std::time::Duration;

use smol::{Executor, Timer};

#[cfg(feature = "rpc")]
pub mod rpc;

pub use zmq_core;
pub use zmq_core::runtime::{BoxFuture, Runtime};
pub use zmq_core::{
    Context, Error, Frame, Multipart, SendError, Socket, SocketType, ZmqProtocol, ZmqTransport,
};
#[cfg(feature = "rpc")]
pub use zmq_rpc;
#[cfg(feature = "stream")]
pub use zmq_stream;
#[cfg(feature = "stream")]
pub use zmq_stream::{StreamError, StreamOptions, ZmqStream};

use zmq_core::transport::{Endpoints, ProtocolHandle};

/// [`zmq_stream::create_zmq_stream`] with the transport's pump on smol's
/// global executor: aiozmq's `create_zmq_stream` in one line.
///
/// # Errors
///
/// Bad limits and the socket's errors.
///
/// # Examples
///
/// ```
/// use zmq_runtime_smol::zmq_core::transport::Endpoints;
/// use zmq_runtime_smol::zmq_stream::StreamOptions;
/// use zmq_runtime_smol::{SocketType, create_zmq_stream};
///
/// smol::block_on(async {
///     let a = create_zmq_stream(SocketType::PAIR, &Endpoints::new().bind("inproc://smol-stream-doc"),
///         None, StreamOptions::default())?;
///     let b = create_zmq_stream(SocketType::PAIR, &Endpoints::new().connect("inproc://smol-stream-doc"),
///         None, StreamOptions::default())?;
///     a.write("hello")?;
///     assert_eq!(b.read().await?[0], "hello");
///     Ok::<(), zmq_runtime_smol::zmq_stream::StreamError>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "stream")]
pub fn create_zmq_stream(
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
    options: StreamOptions,
) -> Result<ZmqStream, StreamError> {
    zmq_stream::create_zmq_stream(
        socket_type,
        endpoints,
        existing,
        options,
        Arc::new(SmolRuntime::global()),
    )
}

/// [`zmq_core::transport::create_zmq_connection`] with the transport's pump
/// on smol's global executor: aiozmq's `create_zmq_connection` in one line.
/// (For an executor of yours, call the `zmq_core` function with a
/// [`SmolRuntime::with_executor`].)
///
/// # Errors
///
/// The socket's errors (a bad endpoint, an existing socket of another
/// type).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zmq_runtime_smol::zmq_core::transport::{CallbackResult, Endpoints, ZmqProtocol};
/// use zmq_runtime_smol::{Multipart, Socket, SocketType, create_zmq_connection};
///
/// struct Forward(smol::channel::Sender<Multipart>);
/// impl ZmqProtocol for Forward {
///     fn msg_received(&mut self, message: Multipart) -> CallbackResult {
///         Ok(self.0.try_send(message)?)
///     }
/// }
///
/// smol::block_on(async {
///     let (sender, received) = smol::channel::unbounded();
///     let (transport, _protocol) = create_zmq_connection(
///         move || Forward(sender),
///         SocketType::PULL,
///         &Endpoints::new().bind("tcp://127.0.0.1:*"),
///         None,
///     )?;
///     let push = Socket::new(SocketType::PUSH)?;
///     push.connect(transport.bindings().first().unwrap())?;
///     push.send("hi").await?;
///     let message = smol::future::or(async { received.recv().await.ok() }, async {
///         smol::Timer::after(Duration::from_secs(10)).await;
///         None
///     })
///     .await;
///     assert_eq!(message.expect("a message")[0], "hi");
///     transport.close();
///     Ok::<(), Box<dyn std::error::Error>>(())
/// })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_zmq_connection<P, F>(
    protocol_factory: F,
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
) -> Result<(ZmqTransport, ProtocolHandle<P>), Error>
where
    F: FnOnce() -> P,
    P: ZmqProtocol,
{
    zmq_core::transport::create_zmq_connection(
        protocol_factory,
        socket_type,
        endpoints,
        existing,
        Arc::new(SmolRuntime::global()),
    )
}

/// The smol [`Runtime`]: spawns onto an [`Executor`] (yours, or smol's
/// global one) and times with [`smol::Timer`].
///
/// Spawned tasks are detached: they run until they complete, or until the
/// executor is dropped. Cheap to clone; [`Default`] is
/// [`SmolRuntime::global`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zmq_runtime_smol::{Runtime, SmolRuntime};
///
/// // The global executor runs the task on its own threads.
/// let runtime = SmolRuntime::default();
/// let (done_tx, done_rx) = std::sync::mpsc::channel();
/// runtime.spawn(Box::pin(async move { done_tx.send(()).unwrap() }));
/// done_rx.recv_timeout(Duration::from_secs(10))?;
/// # Ok::<(), std::sync::mpsc::RecvTimeoutError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SmolRuntime {
    /// `None`: smol's global executor.
    executor: Option<Arc<Executor<'static>>>,
}

impl SmolRuntime {
    /// Spawns onto smol's global executor ([`smol::spawn`]), which runs tasks
    /// on threads of its own (`SMOL_THREADS` of them, one by default), so
    /// nothing needs driving.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_smol::SmolRuntime;
    ///
    /// let runtime = SmolRuntime::global();
    /// assert!(runtime.executor().is_none());
    /// ```
    pub fn global() -> SmolRuntime {
        SmolRuntime { executor: None }
    }

    /// Spawns onto `executor`. Its tasks run only while something drives it
    /// ([`Executor::run`], [`Executor::tick`], ...).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use smol::Executor;
    /// use zmq_runtime_smol::{Runtime, SmolRuntime};
    ///
    /// let executor = Arc::new(Executor::new());
    /// let runtime = SmolRuntime::with_executor(Arc::clone(&executor));
    ///
    /// let (done_tx, done_rx) = smol::channel::bounded(1);
    /// runtime.spawn(Box::pin(async move {
    ///     done_tx.send("done").await.unwrap();
    /// }));
    /// // Drive the executor until the task has reported back.
    /// let done = smol::block_on(executor.run(async {
    ///     smol::future::or(async { done_rx.recv().await.ok() }, async {
    ///         smol::Timer::after(Duration::from_secs(10)).await;
    ///         None
    ///     })
    ///     .await
    /// }));
    /// assert_eq!(done, Some("done"));
    /// ```
    pub fn with_executor(executor: Arc<Executor<'static>>) -> SmolRuntime {
        SmolRuntime {
            executor: Some(executor),
        }
    }

    /// The executor given to [`SmolRuntime::with_executor`]; `None` for the
    /// global executor.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use smol::Executor;
    /// use zmq_runtime_smol::SmolRuntime;
    ///
    /// let executor = Arc::new(Executor::new());
    /// let runtime = SmolRuntime::with_executor(Arc::clone(&executor));
    /// assert!(Arc::ptr_eq(runtime.executor().unwrap(), &executor));
    /// ```
    pub fn executor(&self) -> Option<&Arc<Executor<'static>>> {
        self.executor.as_ref()
    }
}

impl From<Arc<Executor<'static>>> for SmolRuntime {
    /// The same as [`SmolRuntime::with_executor`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_runtime_smol::SmolRuntime;
    ///
    /// let runtime = SmolRuntime::from(Arc::new(smol::Executor::new()));
    /// assert!(runtime.executor().is_some());
    /// ```
    fn from(executor: Arc<Executor<'static>>) -> SmolRuntime {
        SmolRuntime::with_executor(executor)
    }
}

impl Runtime for SmolRuntime {
    /// Spawns `task` onto the executor and detaches it.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use zmq_runtime_smol::{Runtime, SmolRuntime};
    ///
    /// let runtime = SmolRuntime::global();
    /// let (done_tx, done_rx) = std::sync::mpsc::channel();
    /// runtime.spawn(Box::pin(async move { done_tx.send(()).unwrap() }));
    /// done_rx.recv_timeout(Duration::from_secs(10))?;
    /// # Ok::<(), std::sync::mpsc::RecvTimeoutError>(())
    /// ```
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        match &self.executor {
            Some(executor) => executor.spawn(task).detach(),
            None => smol::spawn(task).detach(),
        }
    }

    /// [`smol::Timer::after`]: needs no executor and works under any.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use zmq_runtime_smol::{Runtime, SmolRuntime};
    ///
    /// let start = Instant::now();
    /// smol::block_on(SmolRuntime::global().sleep(Duration::from_millis(10)));
    /// assert!(start.elapsed() >= Duration::from_millis(10));
    /// ```
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            Timer::after(duration).await;
        })
    }
}

/// [`ZapAuthenticator::start`](zmq_core::zap::ZapAuthenticator::start) on
/// smol's global executor: the ZAP authenticator of `context` in one call.
///
/// # Errors
///
/// [`ZapError::AlreadyRunning`](zmq_core::zap::ZapError::AlreadyRunning) if
/// another authenticator runs in `context`; the socket's errors.
///
/// # Examples
///
/// A PLAIN server that admits one user:
///
/// ```
/// use zmq_runtime_smol::zmq_core::zap::ZapPolicy;
/// use zmq_runtime_smol::{Context, start_zap_authenticator};
///
/// let context = Context::new();
/// let authenticator = start_zap_authenticator(&context, ZapPolicy::new())?;
/// authenticator.add_plain_user("admin", "secret");
/// authenticator.close();
/// # Ok::<(), zmq_runtime_smol::zmq_core::zap::ZapError>(())
/// ```
pub fn start_zap_authenticator(
    context: &Context,
    policy: zmq_core::zap::ZapPolicy,
) -> Result<zmq_core::zap::ZapAuthenticator, zmq_core::zap::ZapError> {
    zmq_core::zap::ZapAuthenticator::start(context, policy, Arc::new(SmolRuntime::global()))
}
