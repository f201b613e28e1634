//! The reactor seam: which event loop tells a socket that `ZMQ_FD` fired.
//!
//! A socket waits (after `EAGAIN`, see the readiness algorithm in
//! `docs/architecture.md`) for its `ZMQ_FD` to turn readable. By default
//! that wait goes through `async-io`'s reactor, which works under every
//! executor. An executor with a reactor of its own (tokio) can plug it in
//! here, so that a program runs without async-io's extra reactor thread:
//! `zmq-runtime-tokio` does exactly that with `tokio::io::unix::AsyncFd`.
//!
//! The seam is deliberately small: a [`FdReactor`] registers a descriptor
//! and gives back an [`FdRegistration`], which makes one "wait until
//! readable" future per waiter. The readiness algorithm stays in
//! `zmq-core`; a reactor only reports edges.
//!
//! # How a socket picks its reactor
//!
//! When a socket is created (or adopted), the first of these that is set
//! decides, for the socket's whole life:
//!
//! 1. the reactor of the [`Context`](crate::Context) it is made in, set with
//!    [`Context::with_reactor`](crate::Context::with_reactor) (same libzmq
//!    context, so `inproc://` still connects it to every other socket of
//!    that context);
//! 2. the reactor entered on the current thread with [`Reactor::enter`]
//!    (like tokio's `Handle::enter`);
//! 3. async-io ([`Reactor::async_io`]).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::os::fd::OwnedFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use async_io::{Async, Readable};

/// A boxed "wait until readable" future of an [`FdRegistration`].
///
/// # Examples
///
/// See [`FdReactor`].
pub type ReadableFuture<'a> = Pin<Box<dyn Future<Output = io::Result<()>> + Send + Sync + 'a>>;

/// An event loop that can watch a descriptor for readability.
///
/// # Examples
///
/// A reactor that delegates to async-io (the built-in default does the same
/// without boxing):
///
/// ```
/// use std::os::fd::OwnedFd;
/// use zmq_core::reactor::{FdReactor, FdRegistration, ReadableFuture, Reactor};
///
/// #[derive(Debug)]
/// struct ViaAsyncIo;
///
/// #[derive(Debug)]
/// struct Registered(async_io::Async<OwnedFd>);
///
/// impl FdReactor for ViaAsyncIo {
///     fn register(&self, fd: OwnedFd) -> std::io::Result<Box<dyn FdRegistration>> {
///         Ok(Box::new(Registered(async_io::Async::new_nonblocking(fd)?)))
///     }
/// }
///
/// impl FdRegistration for Registered {
///     fn readable(&self) -> ReadableFuture<'_> {
///         Box::pin(self.0.readable())
///     }
/// }
///
/// let context = zmq_core::Context::global().with_reactor(Reactor::custom(ViaAsyncIo));
/// let socket = context.socket(zmq_core::SocketType::PAIR)?;
/// # Ok::<(), zmq_core::Error>(())
/// ```
pub trait FdReactor: Send + Sync + fmt::Debug + 'static {
    /// Starts watching `fd`, a duplicate of a socket's `ZMQ_FD` that the
    /// registration owns (and closes when dropped). Do not change its flags
    /// or read from it: libzmq owns the underlying object.
    ///
    /// # Errors
    ///
    /// Whatever the event loop reports (for example: it has shut down).
    ///
    /// # Examples
    ///
    /// See [`FdReactor`].
    fn register(&self, fd: OwnedFd) -> io::Result<Box<dyn FdRegistration>>;
}

/// A descriptor registered with an [`FdReactor`]; dropping it deregisters.
///
/// # Examples
///
/// See [`FdReactor`].
pub trait FdRegistration: Send + Sync + fmt::Debug {
    /// A future that completes once the descriptor has signalled
    /// readability since the last such future completed.
    ///
    /// Several of these futures may wait at once (a reader task and a writer
    /// task share a socket): each must be woken by the next edge. An
    /// edge-triggered reactor must clear its readiness when the future
    /// completes; the caller re-reads the socket's state after every arming,
    /// so no edge is lost. An error (the event loop is gone) completes the
    /// waiting operation with that error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future only withdraws this waiter; others are not
    /// affected, and no readiness is consumed unless it completed.
    ///
    /// # Examples
    ///
    /// See [`FdReactor`].
    fn readable(&self) -> ReadableFuture<'_>;
}

/// The choice of reactor for a socket: async-io (the default) or a custom
/// [`FdReactor`]. Cheap to clone.
///
/// # Examples
///
/// ```
/// use zmq_core::reactor::Reactor;
///
/// // Without a reactor entered on this thread, sockets use async-io.
/// assert!(Reactor::current().is_async_io());
/// ```
#[derive(Clone)]
pub struct Reactor {
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    AsyncIo,
    Custom(Arc<dyn FdReactor>),
}

thread_local! {
    static ENTERED: RefCell<Option<Reactor>> = const { RefCell::new(None) };
}

impl Reactor {
    /// async-io's reactor: works under every executor (on a thread of its
    /// own unless the executor is smol or `async_io::block_on`).
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::reactor::Reactor::async_io().is_async_io());
    /// ```
    pub fn async_io() -> Reactor {
        Reactor {
            kind: Kind::AsyncIo,
        }
    }

    /// A custom reactor.
    ///
    /// # Examples
    ///
    /// See [`FdReactor`].
    pub fn custom(reactor: impl FdReactor) -> Reactor {
        Reactor {
            kind: Kind::Custom(Arc::new(reactor)),
        }
    }

    /// True for [`Reactor::async_io`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::reactor::Reactor::async_io().is_async_io());
    /// ```
    pub fn is_async_io(&self) -> bool {
        matches!(self.kind, Kind::AsyncIo)
    }

    /// The reactor that a socket created on this thread without a context
    /// reactor gets: the one [entered](Reactor::enter) here, else async-io.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::reactor::Reactor;
    ///
    /// assert!(Reactor::current().is_async_io());
    /// ```
    pub fn current() -> Reactor {
        ENTERED
            .with(|entered| entered.borrow().clone())
            .unwrap_or_else(Reactor::async_io)
    }

    /// Makes this the reactor of sockets created on this thread until the
    /// guard is dropped (which restores the previous one). Guards nest;
    /// drop them in reverse order.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::reactor::Reactor;
    ///
    /// # #[derive(Debug)] struct Mine;
    /// # impl zmq_core::reactor::FdReactor for Mine {
    /// #     fn register(&self, _: std::os::fd::OwnedFd) -> std::io::Result<Box<dyn zmq_core::reactor::FdRegistration>> {
    /// #         Err(std::io::Error::other("not here"))
    /// #     }
    /// # }
    /// let custom = Reactor::custom(Mine);
    /// {
    ///     let _entered = custom.enter();
    ///     assert!(!Reactor::current().is_async_io());
    /// }
    /// assert!(Reactor::current().is_async_io());
    /// ```
    pub fn enter(&self) -> EnterGuard {
        let previous = ENTERED.with(|entered| entered.replace(Some(self.clone())));
        EnterGuard {
            previous,
            not_send: PhantomData,
        }
    }

    /// Registers a socket's duplicated `ZMQ_FD`.
    pub(crate) fn register(&self, fd: OwnedFd) -> io::Result<Registration> {
        match &self.kind {
            // `new_nonblocking`: the descriptor belongs to libzmq, leave its
            // flags alone; we never read from it ourselves.
            Kind::AsyncIo => Ok(Registration::AsyncIo(Async::new_nonblocking(fd)?)),
            Kind::Custom(reactor) => Ok(Registration::Custom(reactor.register(fd)?)),
        }
    }
}

impl Default for Reactor {
    /// [`Reactor::current`].
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::reactor::Reactor::default().is_async_io());
    /// ```
    fn default() -> Reactor {
        Reactor::current()
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::AsyncIo => f.write_str("Reactor(async-io)"),
            Kind::Custom(reactor) => f.debug_tuple("Reactor").field(reactor).finish(),
        }
    }
}

/// Keeps a reactor entered on this thread; see [`Reactor::enter`].
///
/// # Examples
///
/// ```
/// let _entered = zmq_core::reactor::Reactor::async_io().enter();
/// ```
#[must_use = "the reactor is only entered while the guard lives"]
pub struct EnterGuard {
    previous: Option<Reactor>,
    /// Restores a thread-local: must be dropped on the thread it was made.
    not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: during thread teardown there is nothing to restore.
        let _ = ENTERED.try_with(|entered| *entered.borrow_mut() = previous);
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// A socket's registered descriptor. The async-io case is kept unboxed so
/// the default path allocates nothing per wait.
#[derive(Debug)]
pub(crate) enum Registration {
    AsyncIo(Async<OwnedFd>),
    Custom(Box<dyn FdRegistration>),
}

impl Registration {
    pub(crate) fn readable(&self) -> Wait<'_> {
        match self {
            Registration::AsyncIo(fd) => Wait::AsyncIo(fd.readable()),
            Registration::Custom(registration) => Wait::Custom(registration.readable()),
        }
    }
}

/// One waiter's pending "wait until readable".
pub(crate) enum Wait<'a> {
    AsyncIo(Readable<'a, OwnedFd>),
    Custom(ReadableFuture<'a>),
}

impl fmt::Debug for Wait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wait::AsyncIo(readable) => f.debug_tuple("Wait").field(readable).finish(),
            Wait::Custom(_) => f.write_str("Wait(custom)"),
        }
    }
}

impl Future for Wait<'_> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Wait::AsyncIo(readable) => Pin::new(readable).poll(cx),
            Wait::Custom(readable) => readable.as_mut().poll(cx),
        }
    }
}
