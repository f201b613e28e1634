//! [`Context`]: the libzmq context that owns I/O threads and sockets.

use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use crate::error::{Error, Result};
use crate::once_signal::OnceSignal;
use crate::reactor::Reactor;
use crate::socket::{Socket, SocketType};

/// A libzmq context: the I/O threads behind a set of sockets.
///
/// Most programs use the process-wide [`Context::global`], which is what
/// [`Socket::new`] takes. Cloning a `Context` is cheap and shares it.
///
/// Terminating a libzmq context blocks until every socket is closed and
/// every lingering message is sent or dropped (see
/// [`Socket::set_linger`]). So that this never stalls an executor thread,
/// when the last handle to an explicit context is dropped, the
/// termination runs on a short-lived thread of its own;
/// [`terminate`](Context::terminate) waits for it. The global context
/// is never terminated.
///
/// Messages that libzmq still holds when the process exits are lost: a
/// successful send means libzmq has queued the message, and its I/O
/// thread writes it out later. A program that must deliver its last
/// messages before it exits makes its sockets in a [`Context::new`] and
/// awaits [`terminate`](Context::terminate) once it has dropped them.
///
/// # Examples
///
/// ```
/// use zmq_core::{Context, SocketType};
///
/// let context = Context::new();
/// let socket = context.socket(SocketType::PAIR)?;
/// socket.bind("inproc://context-example")?;
/// # Ok::<(), zmq_core::Error>(())
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<ContextInner>,
    /// The reactor of sockets made through this handle; `None`: the
    /// thread's current one (see [`crate::reactor`]).
    reactor: Option<Reactor>,
}

struct ContextInner {
    zmq: Option<zmq::Context>,
    /// Raised once libzmq has terminated the context.
    terminated: Arc<OnceSignal>,
}

/// The process-wide context of [`Context::global`].
static GLOBAL: OnceLock<Context> = OnceLock::new();

impl Context {
    /// A new, explicit context.
    ///
    /// # Examples
    ///
    /// ```
    /// let context = zmq_core::Context::new();
    /// assert!(context.io_threads()? >= 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn new() -> Context {
        Context::from_zmq(zmq::Context::new())
    }

    /// The process-wide context, created on first use and never terminated.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::Context;
    ///
    /// assert!(Context::global().same_as(&Context::global()));
    /// ```
    pub fn global() -> Context {
        GLOBAL.get_or_init(Context::new).clone()
    }

    /// Wraps an existing `zmq::Context`, for example one shared with code
    /// that uses the blocking `zmq` crate directly (inproc endpoints only
    /// connect sockets of the same context).
    ///
    /// # Examples
    ///
    /// ```
    /// let raw = zmq_core::zmq::Context::new();
    /// let context = zmq_core::Context::from_zmq(raw.clone());
    /// let blocking = raw.socket(zmq_core::zmq::PAIR)?;
    /// blocking.bind("inproc://shared-with-blocking-code")?;
    /// let socket = context.socket(zmq_core::SocketType::PAIR)?;
    /// socket.connect("inproc://shared-with-blocking-code")?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_zmq(context: zmq::Context) -> Context {
        Context {
            inner: Arc::new(ContextInner {
                zmq: Some(context),
                terminated: Arc::default(),
            }),
            reactor: None,
        }
    }

    /// A handle to the same libzmq context whose sockets wait through
    /// `reactor` (see [`crate::reactor`] for how a socket picks one).
    /// Sockets of both handles connect over `inproc://`: it is one libzmq
    /// context.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::reactor::Reactor;
    /// use zmq_core::{Context, SocketType};
    ///
    /// let context = Context::global().with_reactor(Reactor::async_io());
    /// assert!(context.same_as(&Context::global()));
    /// assert!(context.reactor().is_some_and(Reactor::is_async_io));
    /// let socket = context.socket(SocketType::PAIR)?;
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn with_reactor(&self, reactor: Reactor) -> Context {
        Context {
            inner: Arc::clone(&self.inner),
            reactor: Some(reactor),
        }
    }

    /// The reactor set with [`with_reactor`](Context::with_reactor), if any.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::Context::new().reactor().is_none());
    /// ```
    pub fn reactor(&self) -> Option<&Reactor> {
        self.reactor.as_ref()
    }

    /// The `zmq::Context` underneath.
    ///
    /// # Examples
    ///
    /// ```
    /// let context = zmq_core::Context::new();
    /// let blocking = context.as_zmq().socket(zmq_core::zmq::PUSH)?;
    /// # Ok::<(), zmq_core::zmq::Error>(())
    /// ```
    pub fn as_zmq(&self) -> &zmq::Context {
        self.inner
            .zmq
            .as_ref()
            .expect("the zmq context is only taken out on drop")
    }

    /// Creates an async socket of the given type in this context.
    ///
    /// # Examples
    ///
    /// ```
    /// let context = zmq_core::Context::new();
    /// let socket = context.socket(zmq_core::SocketType::DEALER)?;
    /// assert_eq!(socket.socket_type(), zmq_core::SocketType::DEALER);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn socket(&self, socket_type: SocketType) -> Result<Socket> {
        let raw = self.as_zmq().socket(socket_type)?;
        Socket::from_parts(raw, Some(self.clone()), true)
    }

    /// Adopts a `zmq::Socket` created from this context (aiozmq's
    /// `zmq_sock=`), keeping its options, bindings and connections.
    ///
    /// Unlike [`Socket::from_zmq`], the socket keeps this context alive, so
    /// that dropping it never terminates the context on the caller's thread.
    ///
    /// # Examples
    ///
    /// ```
    /// let context = zmq_core::Context::new();
    /// let raw = context.as_zmq().socket(zmq_core::zmq::PULL)?;
    /// raw.set_rcvhwm(10)?;
    /// let socket = context.adopt(raw)?;
    /// assert_eq!(socket.rcvhwm()?, 10);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn adopt(&self, socket: zmq::Socket) -> Result<Socket> {
        Socket::from_parts(socket, Some(self.clone()), false)
    }

    /// The number of libzmq I/O threads.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Context::new().io_threads()?, 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn io_threads(&self) -> Result<i32> {
        Ok(self.as_zmq().get_io_threads()?)
    }

    /// Sets the number of libzmq I/O threads; only effective before the
    /// first socket of this context is created.
    ///
    /// # Examples
    ///
    /// ```
    /// let context = zmq_core::Context::new();
    /// context.set_io_threads(2)?;
    /// assert_eq!(context.io_threads()?, 2);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn set_io_threads(&self, threads: i32) -> Result<()> {
        Ok(self.as_zmq().set_io_threads(threads)?)
    }

    /// Drops this handle, then waits until libzmq has terminated the
    /// context: every other handle and every socket of it dropped, and
    /// each socket's unsent messages delivered or given up when its linger
    /// ran out ([`DEFAULT_LINGER`](crate::DEFAULT_LINGER) unless set with
    /// [`Socket::set_linger`]). The termination itself runs on a thread of
    /// its own, never on the caller's.
    ///
    /// This is how a program makes sure that what it sent is out before it
    /// exits (see [`Context`]). The wait lasts as long as anything holds a
    /// socket or a handle of this context: a transport or RPC service over
    /// one of its sockets, too. For a context made with
    /// [`from_zmq`](Context::from_zmq), libzmq terminates it only once the
    /// caller's own `zmq::Context` clones are gone as well; the wait ends
    /// when this crate's handles are.
    ///
    /// # Errors
    ///
    /// [`Error::GlobalContext`] for [`Context::global`], which is never
    /// terminated.
    ///
    /// # Cancel safety
    ///
    /// The handle is dropped when `terminate` is called, not when the
    /// future is first polled. Dropping the future stops only the wait:
    /// the termination goes on.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Context, SocketType};
    ///
    /// let context = Context::new();
    /// let pull = context.socket(SocketType::PULL)?;
    /// let endpoint = pull.bind("tcp://127.0.0.1:*")?;
    /// let push = context.socket(SocketType::PUSH)?;
    /// push.connect(&endpoint)?;
    /// push.send("last words").await?;
    /// assert_eq!(pull.recv().await?[0], "last words");
    ///
    /// drop((push, pull));
    /// context.terminate().await?; // everything sent is out
    ///
    /// assert!(zmq_core::Context::global().terminate().await.is_err());
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn terminate(self) -> impl Future<Output = Result<()>> + Send + 'static {
        let terminated = if GLOBAL.get().is_some_and(|global| global.same_as(&self)) {
            Err(Error::GlobalContext)
        } else {
            Ok(Arc::clone(&self.inner.terminated))
        };
        drop(self);
        async move {
            terminated?.raised().await;
            Ok(())
        }
    }

    /// True when both handles share one libzmq context.
    ///
    /// # Examples
    ///
    /// ```
    /// let context = zmq_core::Context::new();
    /// assert!(context.same_as(&context.clone()));
    /// assert!(!context.same_as(&zmq_core::Context::new()));
    /// ```
    pub fn same_as(&self, other: &Context) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Default for Context {
    /// The process-wide context, as [`Context::global`].
    fn default() -> Context {
        Context::global()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("id", &Arc::as_ptr(&self.inner))
            .field("reactor", &self.reactor)
            .finish()
    }
}

impl Drop for ContextInner {
    fn drop(&mut self) {
        let Some(context) = self.zmq.take() else {
            return;
        };
        // zmq_ctx_term waits for every socket's linger period: never on the
        // caller's (possibly executor) thread.
        let terminated = Arc::clone(&self.terminated);
        let spawned = std::thread::Builder::new()
            .name("zmq-context-term".into())
            .spawn(move || {
                drop(context);
                terminated.raise();
            });
        if let Err(error) = spawned {
            // `spawn` dropped the closure, and with it the context, here.
            log::warn!(
                target: "zmq_core::context",
                "could not start a thread to terminate a zmq context ({error}); terminated it here"
            );
            self.terminated.raise();
        }
    }
}
