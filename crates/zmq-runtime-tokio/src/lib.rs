//! tokio adapter for the `zmq-core` async ZeroMQ stack.
//!
//! [`zmq_core`]'s sockets run under tokio without this crate: by default
//! their readiness comes from libzmq's notification descriptor through
//! `async-io`'s reactor, on a thread of its own. This crate adds:
//!
//! - **Native readiness**: [`TokioReactor`] watches each socket's `ZMQ_FD`
//!   with tokio's own reactor ([`tokio::io::unix::AsyncFd`]), so a tokio
//!   program runs no extra reactor thread. [`context`] and [`socket`] are
//!   the one-liners (see [Readiness](#readiness)).
//! - [`TokioRuntime`], the tokio implementation of
//!   [`zmq_core::runtime::Runtime`]: the spawning and timers that the upper
//!   layers (streams, RPC servers) ask for through that seam, backed by a
//!   [`tokio::runtime::Handle`].
//! - One-line entry points with their background tasks on the current
//!   tokio runtime: [`create_zmq_connection`] and [`create_zmq_stream`]
//!   (aiozmq's), and [`rpc`]'s `serve_rpc(..)...start_on_tokio()` for the
//!   RPC, pipeline and pub-sub services of zmq-rpc, and
//!   [`start_zap_authenticator`] for the ZAP authenticator of a context.
//!
//! Cargo features (default on): `stream` ([`create_zmq_stream`], the
//! zmq-stream re-exports) and `rpc` (the [`rpc`] module); turn them off to
//! depend only on the layers you use.
//!
//! # Readiness
//!
//! A socket picks its reactor when it is created (see
//! [`zmq_core::reactor`]): its [`Context`]'s, else the one entered on the
//! thread, else async-io. So:
//!
//! - `zmq_runtime_tokio::socket(SocketType::PULL)?`, or
//!   `zmq_runtime_tokio::context()?.socket(..)`: native readiness on the
//!   current runtime. [`context`] is the process-wide libzmq context with
//!   the tokio reactor attached, so its sockets reach every other socket of
//!   that context over `inproc://`.
//! - [`create_zmq_connection`], [`create_zmq_stream`] and
//!   [`rpc::StartOnTokio::start_on_tokio`] create their sockets with native
//!   readiness too: **native is this crate's default**, chosen by
//!   measurement (`docs/performance.md`, "Readiness under tokio: AsyncFd vs
//!   async-io").
//! - `let _entered = TokioRuntime::try_current()?.reactor().enter();` makes
//!   plain [`Socket::new`] on this thread native until the guard drops.
//! - [`Socket::new`] anywhere else keeps async-io, which works under every
//!   executor, including from threads outside the runtime.
//!
//! A native socket needs its runtime's I/O driver: on a current-thread
//! runtime, it makes progress while the runtime is driven (`block_on`).
//! Once the runtime has shut down, an operation that would wait fails with
//! an I/O error; it never hangs.
//!
//! The crate re-exports [`zmq_core`] and its main types, so a tokio
//! application can depend on this crate alone.
//!
//! # Requirements
//!
//! [`Runtime::sleep`] uses tokio's timers: the tokio runtime must have time
//! enabled (`Builder::enable_time` or `Builder::enable_all`; `#[tokio::main]`
//! enables it). Native readiness needs I/O enabled (`Builder::enable_io`,
//! also part of `enable_all`).
//!
//! # Examples
//!
//! A PUSH/PULL pair with native readiness: a task spawned through the
//! [`TokioRuntime`] sends, the main task receives, with a bounded wait:
//!
//! ```
//! use std::time::Duration;
//! use zmq_runtime_tokio::{Runtime, SocketType, TokioRuntime};
//!
//! let tokio_runtime = tokio::runtime::Builder::new_current_thread()
//!     .enable_all()
//!     .build()?;
//! tokio_runtime.block_on(async {
//!     let runtime = TokioRuntime::try_current()?;
//!
//!     let pull = zmq_runtime_tokio::socket(SocketType::PULL)?;
//!     let endpoint = pull.bind("tcp://127.0.0.1:*")?;
//!     let push = zmq_runtime_tokio::socket(SocketType::PUSH)?;
//!     push.connect(&endpoint)?;
//!
//!     runtime.spawn(Box::pin(async move {
//!         push.send(["hello", "world"]).await.expect("send");
//!     }));
//!
//!     let message = tokio::time::timeout(Duration::from_secs(10), pull.recv()).await??;
//!     assert_eq!(message[0], "hello");
//!     assert_eq!(message[1], "world");
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Handle, TryCurrentError};

mod native;
#[cfg(feature = "rpc")]
pub mod rpc;

pub use native::{TokioReactor, context, socket};
pub use zmq_core;
pub use zmq_core::reactor::Reactor;
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

/// [`zmq_stream::create_zmq_stream`] with the transport's pump on the
/// current tokio runtime: aiozmq's `create_zmq_stream` in one line.
///
/// # Errors
///
/// [`CreateError::NoRuntime`] outside a tokio runtime;
/// [`CreateError::Stream`] for bad limits and the socket's errors.
///
/// # Examples
///
/// ```
/// use zmq_runtime_tokio::zmq_core::transport::Endpoints;
/// use zmq_runtime_tokio::zmq_stream::StreamOptions;
/// use zmq_runtime_tokio::{SocketType, create_zmq_stream};
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # runtime.block_on(async {
/// let a = create_zmq_stream(SocketType::PAIR, &Endpoints::new().bind("inproc://tokio-stream-doc"),
///     None, StreamOptions::default())?;
/// let b = create_zmq_stream(SocketType::PAIR, &Endpoints::new().connect("inproc://tokio-stream-doc"),
///     None, StreamOptions::default())?;
/// a.write("hello")?;
/// let message = tokio::time::timeout(std::time::Duration::from_secs(10), b.read()).await??;
/// assert_eq!(message[0], "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "stream")]
pub fn create_zmq_stream(
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
    options: StreamOptions,
) -> Result<ZmqStream, CreateError> {
    on_current_runtime(|runtime| {
        zmq_stream::create_zmq_stream(socket_type, endpoints, existing, options, runtime)
    })
}

/// [`zmq_core::transport::create_zmq_connection`] with the transport's pump
/// on the current tokio runtime: aiozmq's `create_zmq_connection` in one
/// line.
///
/// # Errors
///
/// [`CreateError::NoRuntime`] outside a tokio runtime;
/// [`CreateError::Zmq`] for the socket's errors (a bad endpoint, an
/// existing socket of another type).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zmq_runtime_tokio::zmq_core::transport::{CallbackResult, Endpoints, ZmqProtocol};
/// use zmq_runtime_tokio::{Multipart, Socket, SocketType, create_zmq_connection};
///
/// struct Forward(tokio::sync::mpsc::UnboundedSender<Multipart>);
/// impl ZmqProtocol for Forward {
///     fn msg_received(&mut self, message: Multipart) -> CallbackResult {
///         Ok(self.0.send(message)?)
///     }
/// }
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # runtime.block_on(async {
/// let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
/// let (transport, _protocol) = create_zmq_connection(
///     move || Forward(sender),
///     SocketType::PULL,
///     &Endpoints::new().bind("tcp://127.0.0.1:*"),
///     None,
/// )?;
/// let push = Socket::new(SocketType::PUSH)?;
/// push.connect(transport.bindings().first().unwrap())?;
/// push.send("hi").await?;
/// let message = tokio::time::timeout(Duration::from_secs(10), received.recv()).await?;
/// assert_eq!(message.unwrap()[0], "hi");
/// transport.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn create_zmq_connection<P, F>(
    protocol_factory: F,
    socket_type: SocketType,
    endpoints: &Endpoints,
    existing: Option<Socket>,
) -> Result<(ZmqTransport, ProtocolHandle<P>), CreateError>
where
    F: FnOnce() -> P,
    P: ZmqProtocol,
{
    on_current_runtime(|runtime| {
        zmq_core::transport::create_zmq_connection(
            protocol_factory,
            socket_type,
            endpoints,
            existing,
            runtime,
        )
    })
}

/// Why [`create_zmq_connection`] failed.
///
/// # Examples
///
/// ```
/// use zmq_runtime_tokio::zmq_core::transport::{Endpoints, ZmqProtocol};
/// use zmq_runtime_tokio::{CreateError, SocketType, create_zmq_connection};
///
/// #[derive(Debug)]
/// struct Quiet;
/// impl ZmqProtocol for Quiet {}
///
/// // Outside a tokio runtime:
/// let error = create_zmq_connection(|| Quiet, SocketType::PAIR, &Endpoints::new(), None).unwrap_err();
/// assert!(matches!(error, CreateError::NoRuntime(_)));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CreateError {
    /// Not called from within a tokio runtime.
    #[error(transparent)]
    NoRuntime(#[from] NoRuntime),
    /// The socket could not be set up.
    #[error(transparent)]
    Zmq(#[from] Error),
    /// The stream could not be set up.
    #[cfg(feature = "stream")]
    #[error(transparent)]
    Stream(#[from] StreamError),
    /// The RPC service or client could not be set up.
    #[cfg(feature = "rpc")]
    #[error(transparent)]
    Service(#[from] zmq_rpc::ServiceError),
    /// The ZAP authenticator could not start.
    #[error(transparent)]
    Zap(#[from] zmq_core::zap::ZapError),
}

/// The tokio [`Runtime`]: spawns onto, and times with, a tokio runtime.
///
/// It holds a [`Handle`], so it is cheap to clone and can be used from any
/// thread, inside the runtime or outside it.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zmq_runtime_tokio::{Runtime, TokioRuntime};
///
/// let tokio_runtime = tokio::runtime::Builder::new_multi_thread()
///     .worker_threads(1)
///     .enable_all()
///     .build()?;
/// let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
///
/// // Spawned from outside the runtime; runs on its worker thread.
/// let (done_tx, done_rx) = std::sync::mpsc::channel();
/// runtime.spawn(Box::pin(async move { done_tx.send(()).unwrap() }));
/// done_rx.recv_timeout(Duration::from_secs(10))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TokioRuntime {
    handle: Handle,
}

impl TokioRuntime {
    /// The runtime of the current tokio context.
    ///
    /// # Errors
    ///
    /// [`NoRuntime`] when called outside a tokio runtime (neither on one of
    /// its threads nor under [`Handle::enter`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::TokioRuntime;
    ///
    /// // Outside a runtime: an error, not a panic.
    /// assert!(TokioRuntime::try_current().is_err());
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// let runtime = tokio_runtime.block_on(async { TokioRuntime::try_current() })?;
    /// # let _ = runtime;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_current() -> Result<TokioRuntime, NoRuntime> {
        Handle::try_current()
            .map(TokioRuntime::from_handle)
            .map_err(|source| NoRuntime { source })
    }

    /// The runtime behind `handle`.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::TokioRuntime;
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    /// # let _ = runtime;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_handle(handle: Handle) -> TokioRuntime {
        TokioRuntime { handle }
    }

    /// The handle this runtime spawns onto.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::TokioRuntime;
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    /// assert_eq!(runtime.handle().block_on(async { 1 + 1 }), 2);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// The readiness this crate's entry points give the sockets they create
    /// on this runtime (see the [crate documentation](crate#readiness)).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::TokioRuntime;
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// let runtime = TokioRuntime::from_handle(tokio_runtime.handle().clone());
    /// let _entered = runtime.reactor().enter();
    /// let socket = zmq_runtime_tokio::Socket::new(zmq_runtime_tokio::SocketType::PAIR)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn reactor(&self) -> Reactor {
        TokioReactor::from_handle(self.handle.clone()).into()
    }
}

impl From<Handle> for TokioRuntime {
    /// The same as [`TokioRuntime::from_handle`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::TokioRuntime;
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// let runtime: TokioRuntime = tokio_runtime.handle().clone().into();
    /// # let _ = runtime;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn from(handle: Handle) -> TokioRuntime {
        TokioRuntime::from_handle(handle)
    }
}

impl Runtime for TokioRuntime {
    /// Spawns `task` onto the runtime with [`Handle::spawn`] and detaches it.
    ///
    /// Callable from any thread. On a current-thread runtime the task runs
    /// while the runtime is being driven (`block_on`). If the runtime has
    /// shut down, the task is dropped without running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use zmq_runtime_tokio::{Runtime, TokioRuntime};
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// tokio_runtime.block_on(async {
    ///     let runtime = TokioRuntime::try_current()?;
    ///     let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    ///     runtime.spawn(Box::pin(async move {
    ///         let _ = done_tx.send("done");
    ///     }));
    ///     let done = tokio::time::timeout(Duration::from_secs(10), done_rx).await??;
    ///     assert_eq!(done, "done");
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        drop(self.handle.spawn(task));
    }

    /// [`tokio::time::sleep`] on this runtime's timer.
    ///
    /// The timer is registered under the runtime's context, so the returned
    /// future may be created and polled from any thread.
    ///
    /// # Panics
    ///
    /// Panics if the runtime was built without time enabled (see the
    /// [crate documentation](crate#requirements)), and, as tokio does, if the
    /// future is polled after the runtime has shut down.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use zmq_runtime_tokio::{Runtime, TokioRuntime};
    ///
    /// let tokio_runtime = tokio::runtime::Builder::new_current_thread()
    ///     .enable_all()
    ///     .build()?;
    /// tokio_runtime.block_on(async {
    ///     let runtime = TokioRuntime::try_current()?;
    ///     let start = Instant::now();
    ///     runtime.sleep(Duration::from_millis(10)).await;
    ///     assert!(start.elapsed() >= Duration::from_millis(10));
    ///     Ok::<(), Box<dyn std::error::Error>>(())
    /// })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let _context = self.handle.enter();
        Box::pin(tokio::time::sleep(duration))
    }
}

/// The error of [`TokioRuntime::try_current`]: no tokio runtime is current.
///
/// # Examples
///
/// ```
/// use zmq_runtime_tokio::TokioRuntime;
///
/// let error = TokioRuntime::try_current().unwrap_err();
/// assert!(error.to_string().contains("no tokio runtime"));
/// ```
#[derive(Debug)]
pub struct NoRuntime {
    source: TryCurrentError,
}

impl fmt::Display for NoRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "no tokio runtime is current: call from within a tokio runtime, \
             or use TokioRuntime::from_handle",
        )
    }
}

impl StdError for NoRuntime {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(&self.source)
    }
}

/// [`ZapAuthenticator::start`](zmq_core::zap::ZapAuthenticator::start) on
/// the current tokio runtime: the ZAP authenticator of `context` in one
/// call, its socket with the adapter's (native) readiness.
///
/// # Errors
///
/// [`CreateError::NoRuntime`] outside a tokio runtime;
/// [`CreateError::Zap`] if another authenticator runs in `context` or the
/// socket cannot be made.
///
/// # Examples
///
/// A PLAIN server that admits one user:
///
/// ```
/// use zmq_runtime_tokio::zmq_core::zap::ZapPolicy;
/// use zmq_runtime_tokio::{Context, start_zap_authenticator};
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # runtime.block_on(async {
/// let context = Context::new();
/// let authenticator = start_zap_authenticator(&context, ZapPolicy::new())?;
/// authenticator.add_plain_user("admin", "secret");
/// authenticator.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn start_zap_authenticator(
    context: &Context,
    policy: zmq_core::zap::ZapPolicy,
) -> Result<zmq_core::zap::ZapAuthenticator, CreateError> {
    on_current_runtime(|runtime| zmq_core::zap::ZapAuthenticator::start(context, policy, runtime))
}

/// Runs `start` with the current tokio runtime as its [`Runtime`] and that
/// runtime's reactor entered, so the sockets `start` creates get native
/// readiness: the one mechanism behind every entry point of this crate.
pub(crate) fn on_current_runtime<T, E>(
    start: impl FnOnce(Arc<dyn Runtime>) -> Result<T, E>,
) -> Result<T, CreateError>
where
    CreateError: From<E>,
{
    let runtime = TokioRuntime::try_current()?;
    let _entered = runtime.reactor().enter();
    Ok(start(Arc::new(runtime))?)
}
