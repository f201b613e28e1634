//! Native readiness: a socket's `ZMQ_FD` watched by tokio's own reactor
//! through [`AsyncFd`], so that a tokio program runs no extra reactor
//! thread.

use std::io;
use std::os::fd::OwnedFd;
use std::panic::{AssertUnwindSafe, catch_unwind};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::runtime::Handle;
use zmq_core::reactor::{FdReactor, FdRegistration, Reactor, ReadableFuture};

use crate::{Context, CreateError, NoRuntime, Socket, SocketType};

/// tokio's reactor behind the [`zmq_core::reactor`] seam: each socket's
/// `ZMQ_FD` is registered as an [`AsyncFd`] on the runtime of a captured
/// [`Handle`].
///
/// Sockets registered here need that runtime's I/O driver: a current-thread
/// runtime must be driven (`block_on`) for them to make progress, and once
/// the runtime has shut down, every operation that would wait fails with an
/// error (it never hangs). Creating a socket on a runtime built without I/O
/// (`enable_io`) is an error too.
///
/// # Examples
///
/// ```
/// use zmq_runtime_tokio::{SocketType, TokioReactor};
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # runtime.block_on(async {
/// let context = zmq_runtime_tokio::Context::global().with_reactor(TokioReactor::try_current()?.into());
/// let socket = context.socket(SocketType::PULL)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct TokioReactor {
    handle: Handle,
}

impl TokioReactor {
    /// The reactor of the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`NoRuntime`] outside a tokio runtime.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_runtime_tokio::TokioReactor::try_current().is_err());
    /// ```
    pub fn try_current() -> Result<TokioReactor, NoRuntime> {
        Handle::try_current()
            .map(TokioReactor::from_handle)
            .map_err(|source| NoRuntime { source })
    }

    /// The reactor of the runtime behind `handle`.
    ///
    /// # Examples
    ///
    /// ```
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let reactor = zmq_runtime_tokio::TokioReactor::from_handle(runtime.handle().clone());
    /// # let _ = reactor;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn from_handle(handle: Handle) -> TokioReactor {
        TokioReactor { handle }
    }
}

impl From<TokioReactor> for Reactor {
    /// [`Reactor::custom`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::{Reactor, TokioReactor};
    ///
    /// let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// let reactor: Reactor = TokioReactor::from_handle(runtime.handle().clone()).into();
    /// assert!(!reactor.is_async_io());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn from(reactor: TokioReactor) -> Reactor {
        Reactor::custom(reactor)
    }
}

impl FdReactor for TokioReactor {
    /// Registers `fd` for readability with the captured runtime's driver.
    ///
    /// # Examples
    ///
    /// See [`TokioReactor`].
    fn register(&self, fd: OwnedFd) -> io::Result<Box<dyn FdRegistration>> {
        let _entered = self.handle.enter();
        // tokio panics when the runtime has no I/O driver: make that the
        // error it is rather than a crash of the caller.
        let registered = catch_unwind(AssertUnwindSafe(|| register(fd))).map_err(|_| {
            io::Error::other("the tokio runtime has no I/O driver (build it with enable_io)")
        })??;
        Ok(Box::new(Registered { fd: registered }))
    }
}

/// Registers `fd` for readability with the current runtime's driver.
///
/// tokio 1.54 deprecated the safe `AsyncFd::with_interest` in favour of the
/// `unsafe` `AsyncFd::register_with_interest`, whose contract is that the
/// descriptor stays open and the same for the `AsyncFd`'s lifetime (tokio
/// PR 8587: the old constructor was unsound for types whose `as_raw_fd`
/// can change or close). An `OwnedFd` upholds that contract by
/// construction: it owns the descriptor, closes it only on drop, and its
/// `as_raw_fd` never changes. So the safe, deprecated constructor is sound
/// for this type; it also keeps the workspace's minimum tokio (1.38),
/// which lacks the new one, and this crate free of `unsafe`.
#[allow(deprecated)]
fn register(fd: OwnedFd) -> io::Result<AsyncFd<OwnedFd>> {
    AsyncFd::with_interest(fd, Interest::READABLE)
}

/// A `ZMQ_FD` duplicate registered with tokio; dropping it deregisters and
/// closes the duplicate.
#[derive(Debug)]
struct Registered {
    fd: AsyncFd<OwnedFd>,
}

impl FdRegistration for Registered {
    fn readable(&self) -> ReadableFuture<'_> {
        Box::pin(async move {
            // tokio is edge-triggered and ZMQ_FD is edge-like: it only turns
            // readable again once libzmq has new commands for the socket.
            // So clear tokio's readiness now, before the caller retries:
            // keeping it would make every later wait complete at once (a
            // spin). Clearing cannot lose an edge, because after arming the
            // next wait the caller re-reads ZMQ_EVENTS (zmq-core's
            // readiness loop): state that changed before the re-arm shows
            // there, and an edge after it wakes this future. Each waiting
            // future is woken on its own by tokio, so a reader task and a
            // writer task on one socket both see the edge.
            let mut guard = self.fd.readable().await?;
            guard.clear_ready();
            Ok(())
        })
    }
}

/// The process-wide libzmq context ([`Context::global`]) with native
/// readiness on the current tokio runtime: sockets made through it wait on
/// tokio's reactor. They still connect over `inproc://` to every other
/// socket of the global context.
///
/// The global context is never terminated, so
/// [`Context::terminate`](zmq_core::Context::terminate) refuses it. A
/// program that must know its last messages are out before it exits makes
/// its own: `Context::new().with_reactor(TokioReactor::try_current()?.into())`.
///
/// # Errors
///
/// [`NoRuntime`] outside a tokio runtime.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use zmq_runtime_tokio::SocketType;
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # runtime.block_on(async {
/// let context = zmq_runtime_tokio::context()?;
/// let pull = context.socket(SocketType::PULL)?;
/// let push = context.socket(SocketType::PUSH)?;
/// push.connect(&pull.bind("inproc://tokio-context-doc")?)?;
/// push.send("native").await?;
/// let message = tokio::time::timeout(Duration::from_secs(10), pull.recv()).await??;
/// assert_eq!(message[0], "native");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn context() -> Result<Context, NoRuntime> {
    Ok(Context::global().with_reactor(TokioReactor::try_current()?.into()))
}

/// A socket of the global context with native readiness on the current
/// tokio runtime: [`context`]`()?.socket(socket_type)`.
///
/// # Errors
///
/// [`CreateError::NoRuntime`] outside a tokio runtime,
/// [`CreateError::Zmq`] if libzmq cannot make the socket.
///
/// # Examples
///
/// ```
/// use zmq_runtime_tokio::SocketType;
///
/// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
/// # runtime.block_on(async {
/// let dealer = zmq_runtime_tokio::socket(SocketType::DEALER)?;
/// # let _ = dealer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn socket(socket_type: SocketType) -> Result<Socket, CreateError> {
    Ok(context()?.socket(socket_type)?)
}
