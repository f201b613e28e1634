//! The servers of all three patterns: `serve_rpc` (ROUTER), `serve_pipeline`
//! (PULL) and `serve_pubsub` (SUB).
//!
//! One mechanism serves them all: a [`ServerBuilder`] (endpoints, timeout,
//! logging), a reader task that decodes each message as its pattern lays
//! it out and starts its call, which looks the method up in the same
//! [`Handler`], binds the arguments the same way and runs it under the same
//! timeout and panic guard. The reader polls each call once itself: a call
//! that completes there (every sync method) is answered from the reader,
//! with no task and no hand-over to another sender; one that waits goes on
//! on a task of its own. Only the end differs: a request-reply call
//! sends its result back; a notification (pipeline or pub-sub) has nobody
//! to answer, so its outcome is logged (see [`serve_pipeline`]).
//!
//! **Executor.** The server needs background work: a reader that receives
//! requests, a task per call that waits (so calls overlap and replies may
//! go out of order), and timers for the server-side timeout. It takes them from a
//! [`Runtime`] the caller passes ([`ServerBuilder::start`]), the seam of
//! `zmq-core` that `zmq-runtime-tokio` and `zmq-runtime-smol` implement;
//! this crate names no executor. A driver future would have needed its own
//! task set and timer anyway, so the seam is the simpler contract.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::{Duration, Instant};

use futures_lite::FutureExt;
use log::{debug, error, warn};
use rmpv::Value;
use zmq_core::runtime::{BoxFuture, Runtime};
use zmq_core::{Frame, Multipart, Socket, SocketType};

use crate::codec::{Notification, REQUEST_FRAMES, Reply, Request};
use crate::error::{DecodeError, ServiceError};
use crate::exception::{
    Builtin, BuiltinError, ErrorBody, NOT_FOUND_ERROR, PARAMETERS_ERROR, WireError,
};
use crate::handlers::{Handler, MethodResult};
use crate::msgpack::{encode_value, python_repr};
use crate::security::{MaxMessageSize, SocketSetup, security_methods};
use crate::shutdown::Shutdown;
use crate::wire::{ReplyHeader, SenderPrefix, unix_time_now};

/// The `log` target of this crate, named like aiozmq's logger.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::LOG_TARGET, "aiozmq.rpc");
/// ```
pub const LOG_TARGET: &str = "aiozmq.rpc";

/// How many calls a server runs at once unless
/// [`ServerBuilder::max_concurrent_calls`] says otherwise.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::server::DEFAULT_MAX_CONCURRENT_CALLS, 1024);
/// ```
pub const DEFAULT_MAX_CONCURRENT_CALLS: usize = 1024;

/// The largest message a server accepts from a peer unless
/// [`ServerBuilder::max_message_size`] says otherwise: 16 MiB
/// (`ZMQ_MAXMSGSIZE`). A peer sending a bigger message is disconnected and
/// the message dropped, so one peer cannot make the server allocate without
/// bound; the server keeps serving everyone else (the peer reconnects).
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::server::DEFAULT_MAX_MESSAGE_SIZE, 16 * 1024 * 1024);
/// ```
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 16 * 1024 * 1024;

/// The request-reply pattern (DEALER clients, a ROUTER server): the type
/// parameter of [`ServerBuilder`] and [`Server`] that [`serve_rpc`] picks.
///
/// # Examples
///
/// ```
/// let server: zmq_rpc::server::Server<zmq_rpc::server::RequestReply> = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new())
///     .start(std::sync::Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
/// server.close();
/// # Ok::<(), zmq_rpc::ServiceError>(())
/// ```
#[derive(Debug)]
pub enum RequestReply {}

/// The pipeline pattern (PUSH clients, a PULL server): what
/// [`serve_pipeline`] serves.
///
/// # Examples
///
/// ```
/// let server: zmq_rpc::server::Server<zmq_rpc::server::Pipeline> = zmq_rpc::serve_pipeline(zmq_rpc::Handlers::new())
///     .start(std::sync::Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
/// server.close();
/// # Ok::<(), zmq_rpc::ServiceError>(())
/// ```
#[derive(Debug)]
pub enum Pipeline {}

/// The pub-sub pattern (PUB clients, a SUB server): what [`serve_pubsub`]
/// serves.
///
/// # Examples
///
/// ```
/// let server: zmq_rpc::server::Server<zmq_rpc::server::PubSub> = zmq_rpc::serve_pubsub(zmq_rpc::Handlers::new())
///     .start(std::sync::Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
/// server.close();
/// # Ok::<(), zmq_rpc::ServiceError>(())
/// ```
#[derive(Debug)]
pub enum PubSub {}

/// Which pattern a server speaks, at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    RequestReply,
    Pipeline,
    PubSub,
}

impl Kind {
    fn socket_type(self) -> SocketType {
        match self {
            Kind::RequestReply => SocketType::ROUTER,
            Kind::Pipeline => SocketType::PULL,
            Kind::PubSub => SocketType::SUB,
        }
    }

    /// aiozmq's word for a handler of this pattern, in its log lines.
    fn label(self) -> &'static str {
        match self {
            Kind::RequestReply => "RPC",
            Kind::Pipeline => "Pipeline",
            Kind::PubSub => "PubSub",
        }
    }
}

impl<P> ServerBuilder<P> {
    fn new(handler: impl Handler, kind: Kind) -> ServerBuilder<P> {
        ServerBuilder {
            kind,
            handler: Arc::new(handler),
            binds: Vec::new(),
            connects: Vec::new(),
            socket: None,
            setup: SocketSetup::server(),
            timeout: None,
            log_exceptions: false,
            exclude_log_exceptions: Vec::new(),
            max_concurrent_calls: DEFAULT_MAX_CONCURRENT_CALLS,
            subscriptions: Vec::new(),
            pattern: PhantomData,
        }
    }
}

/// Starts building a request-reply server for `handler` (aiozmq's
/// `serve_rpc`): a ROUTER socket answering each request. Give it
/// endpoints, then [`ServerBuilder::start`] it; [`ServerBuilder`] lists
/// the options and their aiozmq names.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zmq_rpc::{Handlers, serve_rpc};
/// use zmq_runtime_smol::SmolRuntime;
///
/// let handlers = Handlers::new()
///     .method("add", |(a, b): (i64, i64)| Ok::<_, std::convert::Infallible>(a + b));
/// let server = serve_rpc(handlers)
///     .bind("tcp://127.0.0.1:*")
///     .start(Arc::new(SmolRuntime::global()))?;
/// assert!(server.endpoints()[0].starts_with("tcp://127.0.0.1:"));
/// server.close();
/// # Ok::<(), zmq_rpc::ServiceError>(())
/// ```
pub fn serve_rpc(handler: impl Handler) -> ServerBuilder<RequestReply> {
    ServerBuilder::new(handler, Kind::RequestReply)
}

/// Starts building a pipeline server for `handler` (aiozmq's
/// `serve_pipeline`): a PULL socket whose every message is a notification
/// `[name, args, kwargs]` that calls a method and expects no reply. Give it
/// endpoints, then [`ServerBuilder::start`] it. Options as for
/// [`serve_rpc`].
///
/// Methods are the same as for request-reply (any [`Handler`], sync or
/// async, the same argument binding). Since nobody waits for an answer:
///
/// - a method that returns anything but unit (`()`, `None`) is logged at
///   WARN: `Pipeline handler "name" returned not None`;
/// - a `NotFoundError` or `ParametersError` (no such method, arguments
///   that do not bind, kwargs that are not a map) is always logged at
///   ERROR: `Call to "name" caused error: ParametersError(...)`;
/// - any other error is logged as [`ServerBuilder::log_exceptions`] says;
/// - a malformed message (not three frames, bad msgpack, a name that is
///   not UTF-8) is logged at ERROR (`Cannot unpack ...`) and dropped, and
///   the server goes on (aiozmq stops receiving for good there).
///
/// Each notification that waits (an async method at an await point) goes
/// on on a task of its own, so slow methods do not hold up fast ones and
/// notifications may complete out of order; a sync method runs on the
/// reader (keep it short). At most
/// [`ServerBuilder::max_concurrent_calls`] at once, beyond which the server
/// leaves messages in the socket and the senders' notify waits at their
/// send high-water mark.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicI64, Ordering};
/// use zmq_rpc::{Handlers, connect_pipeline, serve_pipeline};
/// use zmq_runtime_smol::SmolRuntime;
///
/// # smol::block_on(async {
/// let total = Arc::new(AtomicI64::new(0));
/// let counter = Arc::clone(&total);
/// let handlers = Handlers::new().method("add", move |n: i64| {
///     counter.fetch_add(n, Ordering::SeqCst);
///     Ok::<_, std::convert::Infallible>(())
/// });
/// let runtime = Arc::new(SmolRuntime::global());
/// let server = serve_pipeline(handlers).bind("tcp://127.0.0.1:*").start(runtime)?;
/// let client = connect_pipeline().connect(&server.endpoints()[0]).start()?;
///
/// // Python: await client.notify.add(2)
/// client.notify("add").arg(2).await?;
/// client.notify("add").arg(3).await?;
/// while total.load(Ordering::SeqCst) != 5 {
///     smol::Timer::after(std::time::Duration::from_millis(1)).await;
/// }
/// client.close();
/// server.close();
/// server.wait_closed().await;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn serve_pipeline(handler: impl Handler) -> ServerBuilder<Pipeline> {
    ServerBuilder::new(handler, Kind::Pipeline)
}

/// Starts building a pub-sub server for `handler` (aiozmq's
/// `serve_pubsub`): a SUB socket whose every message is a notification
/// `[topic, name, args, kwargs]`. Subscribe to topics with
/// [`ServerBuilder::subscribe`] (and later [`Server::subscribe`]), give it
/// endpoints, then [`ServerBuilder::start`] it.
///
/// Topics filter as libzmq does: a message is received when its first
/// frame **starts with** a subscribed topic, and the empty topic receives
/// everything (also what is published with an empty topic, Python's
/// `publish(None)`). A server with no subscription receives nothing. The
/// handler never sees the topic. Methods, logging and malformed messages
/// as for [`serve_pipeline`], with `PubSub handler ... returned not None`.
///
/// **Slow joiner.** A subscription takes a moment to reach the
/// publishers: what they publish before it arrives is dropped (by libzmq,
/// silently). A publisher that must not lose the first messages publishes
/// a probe until the subscriber has seen one (see the example
/// `rpc_pubsub`).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::Duration;
/// use zmq_rpc::{Handlers, connect_pubsub, serve_pubsub};
/// use zmq_runtime_smol::SmolRuntime;
///
/// # smol::block_on(async {
/// let seen = Arc::new(AtomicUsize::new(0));
/// let counter = Arc::clone(&seen);
/// let handlers = Handlers::new().method("tick", move |()| {
///     counter.fetch_add(1, Ordering::SeqCst);
///     Ok::<_, std::convert::Infallible>(())
/// });
/// let server = serve_pubsub(handlers)
///     .subscribe("weather.")
///     .bind("tcp://127.0.0.1:*")
///     .start(Arc::new(SmolRuntime::global()))?;
/// let client = connect_pubsub().connect(&server.endpoints()[0]).start()?;
///
/// // Publish until the subscription has reached the publisher.
/// while seen.load(Ordering::SeqCst) == 0 {
///     client.publish("weather.today").notify("tick").await?;
///     smol::Timer::after(Duration::from_millis(10)).await;
/// }
/// // Not subscribed: filtered out by libzmq.
/// client.publish("sports.").notify("tick").await?;
/// client.close();
/// server.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn serve_pubsub(handler: impl Handler) -> ServerBuilder<PubSub> {
    ServerBuilder::new(handler, Kind::PubSub)
}

/// Options of a server; made by [`serve_rpc`], [`serve_pipeline`] or
/// [`serve_pubsub`] (the type parameter is the pattern).
///
/// | aiozmq `serve_*(...)` argument | here |
/// |---|---|
/// | `handler` | `serve_rpc(handler)`, `serve_pipeline(handler)`, `serve_pubsub(handler)` |
/// | `bind=`, `connect=` | [`ServerBuilder::bind`], [`ServerBuilder::connect`] |
/// | `zmq_sock=` | [`ServerBuilder::socket`] |
/// | `subscribe=` (pub-sub) | [`ServerBuilder::subscribe`], [`ServerBuilder::subscribe_all`] |
/// | `timeout=` (a no-op in aiozmq) | [`ServerBuilder::timeout`] (real) |
/// | `log_exceptions=`, `exclude_log_exceptions=` | the same names, by wire type name |
/// | `translation_table=` | typed: [`ext`](crate::ext) |
/// | (none: unbounded) | [`ServerBuilder::max_concurrent_calls`] |
/// | (none: options set by hand on `zmq_sock=`) | [`ServerBuilder::curve_server`], [`ServerBuilder::plain_server`]; [`ServerBuilder::curve_client`], [`ServerBuilder::plain_client`] |
/// | (none: unbounded) | [`ServerBuilder::max_message_size`], [`DEFAULT_MAX_MESSAGE_SIZE`] unless set |
///
/// # Examples
///
/// See [`serve_rpc`].
#[must_use = "a server starts only with `start`"]
pub struct ServerBuilder<P = RequestReply> {
    kind: Kind,
    handler: Arc<dyn Handler>,
    binds: Vec<String>,
    connects: Vec<String>,
    socket: Option<Socket>,
    setup: SocketSetup,
    timeout: Option<Duration>,
    log_exceptions: bool,
    exclude_log_exceptions: Vec<String>,
    max_concurrent_calls: usize,
    subscriptions: Vec<Vec<u8>>,
    pattern: PhantomData<fn() -> P>,
}

impl<P> ServerBuilder<P> {
    /// Binds to `endpoint` on start (`tcp://127.0.0.1:*` picks a port; see
    /// [`Server::endpoints`]).
    ///
    /// # Examples
    ///
    /// See [`serve_rpc`].
    pub fn bind(mut self, endpoint: impl Into<String>) -> ServerBuilder<P> {
        self.binds.push(endpoint.into());
        self
    }

    /// Connects to `endpoint` on start.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).connect("tcp://127.0.0.1:5555");
    /// # let _ = builder;
    /// ```
    pub fn connect(mut self, endpoint: impl Into<String>) -> ServerBuilder<P> {
        self.connects.push(endpoint.into());
        self
    }

    /// Serves on this socket instead of a new one (aiozmq's `zmq_sock=`): a
    /// ROUTER for request-reply, a PULL for pipeline, a SUB for pub-sub.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::zmq_core::{Socket, SocketType};
    ///
    /// let socket = Socket::new(SocketType::ROUTER)?;
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).socket(socket);
    /// # let _ = builder;
    /// # Ok::<(), zmq_rpc::zmq_core::Error>(())
    /// ```
    pub fn socket(mut self, socket: Socket) -> ServerBuilder<P> {
        self.socket = Some(socket);
        self
    }

    /// Cancels a call that runs longer than `limit`; its caller gets a
    /// `builtins.TimeoutError` reply (a notification's is logged as a
    /// method error). (aiozmq accepts `timeout=` but never applies it.) The limit
    /// applies at the method's await points: a sync method, once started,
    /// runs to completion (on the server's reader) and is answered normally.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).timeout(Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, limit: Duration) -> ServerBuilder<P> {
        self.timeout = Some(limit);
        self
    }

    /// Logs every error a method returns (at ERROR, target
    /// [`LOG_TARGET`]), with aiozmq's message. (A notification's
    /// `NotFoundError` and `ParametersError` are logged either way.)
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).log_exceptions(true);
    /// # let _ = builder;
    /// ```
    pub fn log_exceptions(mut self, enabled: bool) -> ServerBuilder<P> {
        self.log_exceptions = enabled;
        self
    }

    /// Errors with these wire type names (`"builtins.KeyError"`) are not
    /// logged by [`ServerBuilder::log_exceptions`]. aiozmq matches classes
    /// and their subclasses; this matches names exactly.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new())
    ///     .log_exceptions(true)
    ///     .exclude_log_exceptions(["builtins.KeyError"]);
    /// # let _ = builder;
    /// ```
    pub fn exclude_log_exceptions<I, S>(mut self, names: I) -> ServerBuilder<P>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude_log_exceptions
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// At most `limit` calls (or notifications) run at once
    /// ([`DEFAULT_MAX_CONCURRENT_CALLS`] unless set; 0 counts as 1). At the
    /// limit the server stops taking messages off the socket until a call
    /// ends: they wait in libzmq, and once the socket's receive high-water
    /// mark is reached the senders wait too (a pipeline notify waits, a
    /// publisher drops). Keep it above the number of calls that can wait on
    /// each other (a method that calls this same server).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_pipeline(zmq_rpc::Handlers::new()).max_concurrent_calls(64);
    /// # let _ = builder;
    /// ```
    pub fn max_concurrent_calls(mut self, limit: usize) -> ServerBuilder<P> {
        self.max_concurrent_calls = limit.max(1);
        self
    }

    /// The largest message accepted from a peer, in bytes
    /// (`ZMQ_MAXMSGSIZE`); `None` removes the limit. Unless set, a new
    /// socket gets [`DEFAULT_MAX_MESSAGE_SIZE`], and so does a socket given
    /// with [`ServerBuilder::socket`] that has no limit of its own. A peer
    /// that sends more is disconnected and its message dropped; the server
    /// goes on serving.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).max_message_size(Some(1 << 20));
    /// # let _ = builder;
    /// ```
    pub fn max_message_size(mut self, limit: Option<u64>) -> ServerBuilder<P> {
        self.setup.max_message_size = MaxMessageSize::Set(limit);
        self
    }

    security_methods!(
        ServerBuilder<P>,
        "zmq_rpc::serve_rpc(zmq_rpc::Handlers::new())"
    );

    /// Creates (or takes) the socket, subscribes it (pub-sub), binds and
    /// connects it, and starts serving on tasks spawned through `runtime`.
    ///
    /// # Examples
    ///
    /// See [`serve_rpc`].
    pub fn start(self, runtime: Arc<dyn Runtime>) -> Result<Server<P>, ServiceError> {
        let (socket, endpoints) = open_socket(
            self.socket,
            self.kind.socket_type(),
            &self.setup,
            &self.subscriptions,
            &self.binds,
            &self.connects,
        )?;
        let shared = Arc::new(ServerShared {
            kind: self.kind,
            socket: Arc::new(socket),
            handler: self.handler,
            runtime,
            sender: SenderPrefix::for_this_process(),
            timeout: self.timeout,
            log_exceptions: self.log_exceptions,
            exclude_log_exceptions: self.exclude_log_exceptions,
            max_concurrent_calls: self.max_concurrent_calls,
            shutdown: Shutdown::default(),
        });
        spawn_task(&shared, |reader| async move {
            reader.shutdown.or_closed(read_messages(&reader)).await;
        });
        Ok(Server {
            shared,
            endpoints,
            pattern: PhantomData,
        })
    }
}

impl ServerBuilder<PubSub> {
    /// Subscribes to `topic` on start: text (`&str`, `String`) or bytes
    /// (`&[u8]`, `Vec<u8>`); call it again for more topics. A message
    /// whose topic frame starts with `topic` is received; `""` receives
    /// everything. Subscribing twice is the same as once.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_pubsub(zmq_rpc::Handlers::new())
    ///     .subscribe("weather.")
    ///     .subscribe(b"\x00binary".as_slice());
    /// # let _ = builder;
    /// ```
    pub fn subscribe(mut self, topic: impl AsRef<[u8]>) -> ServerBuilder<PubSub> {
        self.subscriptions.push(topic.as_ref().to_vec());
        self
    }

    /// Subscribes to every topic of a list on start (aiozmq's
    /// `subscribe=[...]`).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_pubsub(zmq_rpc::Handlers::new())
    ///     .subscribe_all(["weather.", "sports."]);
    /// # let _ = builder;
    /// ```
    pub fn subscribe_all<I>(mut self, topics: I) -> ServerBuilder<PubSub>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        self.subscriptions
            .extend(topics.into_iter().map(|topic| topic.as_ref().to_vec()));
        self
    }
}

impl<P> fmt::Debug for ServerBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("pattern", &self.kind)
            .field("binds", &self.binds)
            .field("connects", &self.connects)
            .field("timeout", &self.timeout)
            .field("log_exceptions", &self.log_exceptions)
            .field("exclude_log_exceptions", &self.exclude_log_exceptions)
            .field("max_concurrent_calls", &self.max_concurrent_calls)
            .field("subscriptions", &self.subscriptions)
            .field("setup", &self.setup)
            .finish_non_exhaustive()
    }
}

struct ServerShared {
    kind: Kind,
    socket: Arc<Socket>,
    handler: Arc<dyn Handler>,
    runtime: Arc<dyn Runtime>,
    sender: SenderPrefix,
    timeout: Option<Duration>,
    log_exceptions: bool,
    exclude_log_exceptions: Vec<String>,
    max_concurrent_calls: usize,
    shutdown: Shutdown,
}

/// A running server (aiozmq's `Service`); the type parameter is the
/// pattern: [`RpcServer`], [`PipelineServer`], [`PubSubServer`].
///
/// Dropping it closes it, as [`Server::close`] does.
///
/// # Examples
///
/// See [`serve_rpc`].
pub struct Server<P = RequestReply> {
    shared: Arc<ServerShared>,
    endpoints: Vec<String>,
    pattern: PhantomData<fn() -> P>,
}

/// A running request-reply server, from [`serve_rpc`].
///
/// # Examples
///
/// See [`serve_rpc`].
pub type RpcServer = Server<RequestReply>;
/// A running pipeline server, from [`serve_pipeline`].
///
/// # Examples
///
/// See [`serve_pipeline`].
pub type PipelineServer = Server<Pipeline>;
/// A running pub-sub server, from [`serve_pubsub`].
///
/// # Examples
///
/// See [`serve_pubsub`].
pub type PubSubServer = Server<PubSub>;

impl<P> Server<P> {
    /// The resolved endpoints it bound (ephemeral ports filled in).
    ///
    /// # Examples
    ///
    /// See [`serve_rpc`].
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// The socket (aiozmq's `service.transport`), or
    /// [`ServiceError::Closed`] after [`Server::close`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let server = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new())
    ///     .start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// assert!(server.socket().is_ok());
    /// server.close();
    /// assert!(matches!(server.socket(), Err(zmq_rpc::ServiceError::Closed)));
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn socket(&self) -> Result<&Socket, ServiceError> {
        self.shared.shutdown.open(&self.shared.socket)
    }

    /// Stops serving: the reader stops, calls in flight are cancelled (no
    /// reply is sent for them), the socket is closed. Idempotent.
    ///
    /// # Examples
    ///
    /// See [`Server::socket`].
    pub fn close(&self) {
        self.shared.shutdown.close_with(&self.shared.socket);
    }

    /// True once [`Server::close`] was called.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let server = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new())
    ///     .start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// assert!(!server.is_closed());
    /// server.close();
    /// assert!(server.is_closed());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.shared.shutdown.is_closed()
    }

    /// Completes once the server is closed and its reader and every call
    /// task have stopped; at once if that is already so.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let server = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new())
    ///     .start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// server.close();
    /// futures_lite::future::block_on(server.wait_closed());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub async fn wait_closed(&self) {
        self.shared.shutdown.closed().await;
        self.shared.shutdown.idle().await;
    }
}

impl Server<PubSub> {
    /// Subscribes to `topic` (text or bytes) from now on; subscribing to a
    /// topic already subscribed is a no-op. [`ServiceError::Closed`] after
    /// [`Server::close`].
    ///
    /// A new subscription takes a moment to reach the publishers (the
    /// slow joiner): what they publish meanwhile is not received.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// use std::collections::BTreeSet;
    ///
    /// let server = zmq_rpc::serve_pubsub(zmq_rpc::Handlers::new())
    ///     .subscribe("a")
    ///     .start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// server.subscribe("b")?;
    /// server.subscribe("b")?;
    /// server.unsubscribe("a")?;
    /// server.unsubscribe("never subscribed")?;
    /// assert_eq!(server.subscriptions(), BTreeSet::from([b"b".to_vec()]));
    /// server.close();
    /// assert!(server.subscribe("c").is_err());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn subscribe(&self, topic: impl AsRef<[u8]>) -> Result<(), ServiceError> {
        Ok(self.socket()?.subscribe(topic)?)
    }

    /// Drops the subscription to `topic`; unsubscribing a topic that is not
    /// subscribed is a no-op. [`ServiceError::Closed`] after
    /// [`Server::close`].
    ///
    /// # Examples
    ///
    /// See [`Server::subscribe`].
    pub fn unsubscribe(&self, topic: impl AsRef<[u8]>) -> Result<(), ServiceError> {
        Ok(self.socket()?.unsubscribe(topic)?)
    }

    /// The topics subscribed now.
    ///
    /// # Examples
    ///
    /// See [`Server::subscribe`].
    pub fn subscriptions(&self) -> BTreeSet<Vec<u8>> {
        self.shared.socket.subscriptions()
    }
}

impl<P> Drop for Server<P> {
    fn drop(&mut self) {
        self.close();
    }
}

impl<P> fmt::Debug for Server<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("pattern", &self.shared.kind)
            .field("endpoints", &self.endpoints)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// Takes `socket` or creates one of `socket_type`, applies `setup`
/// (security, message size limit), subscribes it to `topics`, binds it
/// (returning the resolved endpoints) and connects it: how every server and
/// client starts.
pub(crate) fn open_socket(
    socket: Option<Socket>,
    socket_type: SocketType,
    setup: &SocketSetup,
    topics: &[Vec<u8>],
    binds: &[String],
    connects: &[String],
) -> Result<(Socket, Vec<String>), zmq_core::Error> {
    let (socket, created) = match socket {
        Some(socket) => (socket, false),
        None => (setup.new_socket(socket_type)?, true),
    };
    setup.apply(&socket, created)?;
    for topic in topics {
        socket.subscribe(topic)?;
    }
    let mut endpoints = Vec::new();
    for endpoint in binds {
        endpoints.push(socket.bind(endpoint)?);
    }
    for endpoint in connects {
        socket.connect(endpoint)?;
    }
    Ok((socket, endpoints))
}

/// Runs `task` on the server's runtime, counted as running until it ends
/// (for [`Server::wait_closed`]).
fn spawn_task<F, Fut>(shared: &Arc<ServerShared>, task: F)
where
    F: FnOnce(Arc<ServerShared>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Counted from now, not from when the task first runs, so that the
    // reader's limit on calls in flight holds on a slow executor too.
    let running = Running::enter(shared);
    let shared = Arc::clone(shared);
    let runtime = Arc::clone(&shared.runtime);
    runtime.spawn(Box::pin(async move {
        let _running = running;
        task(shared).await;
    }));
}

/// One task counted as running by the server's [`Shutdown`], until dropped
/// (also when an executor drops the task without running it).
struct Running(Arc<ServerShared>);

impl Running {
    fn enter(shared: &Arc<ServerShared>) -> Running {
        shared.shutdown.enter();
        Running(Arc::clone(shared))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.shutdown.exit();
    }
}

/// The reader: one message at a time off the socket, decoded as the
/// pattern lays it out, each call started (see [`start_call`]). Malformed messages
/// are logged and dropped; the reader goes on.
async fn read_messages(shared: &Arc<ServerShared>) {
    loop {
        // Backpressure: with the limit of calls in flight reached, further
        // messages wait in libzmq (up to the socket's receive HWM; then the
        // senders wait). The reader counts itself as one running task.
        shared.shutdown.at_most(shared.max_concurrent_calls).await;
        let message = match shared.socket.recv().await {
            Ok(message) => message,
            Err(zmq_core::Error::Closed) => return,
            Err(err) => {
                error!(target: LOG_TARGET, "{} server cannot receive: {err}", shared.kind.label());
                return;
            }
        };
        dispatch(shared, message);
    }
}

/// Decodes one message as the server's pattern lays it out and starts its
/// call; a malformed message is logged and dropped (nothing is started).
fn dispatch(shared: &Arc<ServerShared>, message: Multipart) {
    let decoded = match shared.kind {
        Kind::RequestReply => match decode_request(&message) {
            Ok(request) => {
                start_request(shared, message, request);
                return;
            }
            Err(err) => Err(err),
        },
        Kind::Pipeline => Notification::decode(&message.iter().collect::<Vec<&Frame>>()),
        Kind::PubSub => Notification::decode_published(&message.iter().collect::<Vec<&Frame>>())
            .map(|(_, notification)| notification),
    };
    match decoded {
        Ok(notification) => start_notification(shared, notification),
        Err(err) => error!(target: LOG_TARGET, "Cannot unpack {message:?}: {err}"),
    }
}

/// The request in the last four frames of what the ROUTER received (as
/// [`Request::from_router_message`], without copying the envelope).
fn decode_request(message: &Multipart) -> Result<Request, DecodeError> {
    let count = message.len();
    if count < REQUEST_FRAMES + 1 {
        // A ROUTER always prepends the peer's routing id.
        return Err(DecodeError::FrameCount {
            expected: REQUEST_FRAMES + 1,
            found: count,
        });
    }
    let first = count - REQUEST_FRAMES;
    Request::decode(&[
        &message[first],
        &message[first + 1],
        &message[first + 2],
        &message[first + 3],
    ])
}

/// A call as the server keeps it while its method runs: the name, and the
/// arguments only when [`ServerBuilder::log_exceptions`] may print them.
struct CallInfo {
    name: String,
    logged_arguments: Option<(Value, Value)>,
    /// When the call started, if the server has a timeout (which counts
    /// from here); not read otherwise, to save a clock read per call.
    started: Option<Instant>,
}

impl CallInfo {
    fn new(shared: &ServerShared, name: String, args: &Value, kwargs: &Value) -> CallInfo {
        CallInfo {
            name,
            logged_arguments: shared
                .log_exceptions
                .then(|| (args.clone(), kwargs.clone())),
            started: shared.timeout.map(|_| Instant::now()),
        }
    }
}

/// A call after its first poll on the reader.
enum Started {
    /// It completed there: every sync method does.
    Done(MethodResult),
    /// It waits for something: it goes on on a task of its own.
    Running(BoxFuture<'static, MethodResult>),
}

/// Looks the method up and polls its call once, on the reader, so that a
/// call that never waits (a sync method) costs no task; a panic fails the
/// call, not the server.
///
/// The first poll uses a waker that does nothing: a call that is not done
/// goes to a new task, whose first poll registers the real waker (and sees
/// whatever became ready meanwhile).
fn start_call(shared: &ServerShared, name: &str, args: Value, kwargs: Value) -> Started {
    let mut context = TaskContext::from_waker(Waker::noop());
    let first_poll = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let Some(method) = shared.handler.lookup(name) else {
            return Started::Done(Err(ErrorBody::not_found(name)));
        };
        let mut call = method.call(args, kwargs);
        match call.as_mut().poll(&mut context) {
            Poll::Ready(outcome) => Started::Done(outcome),
            Poll::Pending => Started::Running(call),
        }
    }));
    first_poll.unwrap_or_else(|_| Started::Done(Err(panicked())))
}

fn panicked() -> ErrorBody {
    BuiltinError::runtime_error("the RPC method panicked").to_error_body()
}

/// Runs a call that did not complete on its first poll to its end, bounded
/// by what is left of the server's timeout; a panic fails the call.
async fn finish_call(
    shared: &ServerShared,
    call: BoxFuture<'static, MethodResult>,
    info: &CallInfo,
) -> MethodResult {
    let call = async {
        match AssertUnwindSafe(call).catch_unwind().await {
            Ok(outcome) => outcome,
            Err(_) => Err(panicked()),
        }
    };
    match shared.timeout {
        None => call.await,
        Some(limit) => {
            let elapsed = info
                .started
                .map_or(Duration::ZERO, |started| started.elapsed());
            let sleep = shared.runtime.sleep(limit.saturating_sub(elapsed));
            futures_lite::future::or(call, async move {
                sleep.await;
                Err(BuiltinError::new(
                    Builtin::TimeoutError,
                    vec![format!("the call took longer than {limit:?}").into()],
                )
                .to_error_body())
            })
            .await
        }
    }
}

/// Starts a request: a call that completes on its first poll is answered
/// from the reader; one that waits goes on, and is answered, on a task of
/// its own (none if the server closes first).
fn start_request(shared: &Arc<ServerShared>, message: Multipart, request: Request) {
    // The reply goes behind the request's envelope: the received message
    // without its last four frames (no copy of the envelope's frames).
    let mut envelope = message;
    for _ in 0..REQUEST_FRAMES {
        envelope.pop_back();
    }
    let Request {
        header,
        name,
        args,
        kwargs,
    } = request;
    let info = CallInfo::new(shared, name, &args, &kwargs);
    let request_id = header.request_id;
    match start_call(shared, &info.name, args, kwargs) {
        Started::Done(outcome) => {
            let message = reply_message(shared, envelope, request_id, &info, outcome);
            send_reply_now(shared, message);
        }
        Started::Running(call) => spawn_task(shared, move |shared| async move {
            let Some(outcome) = shared
                .shutdown
                .or_closed(finish_call(&shared, call, &info))
                .await
            else {
                return;
            };
            let message = reply_message(&shared, envelope, request_id, &info, outcome);
            send_reply(&shared, message).await;
        }),
    }
}

/// The reply to request `request_id` with the call's `outcome`, behind its
/// envelope; a failed call is logged as the server's options say.
fn reply_message(
    shared: &ServerShared,
    envelope: Multipart,
    request_id: u32,
    info: &CallInfo,
    outcome: MethodResult,
) -> Multipart {
    let header = ReplyHeader {
        sender: shared.sender,
        request_id,
        timestamp: unix_time_now(),
        is_error: false,
    };
    let reply = match outcome {
        Ok(value) => Reply::success(header, value),
        Err(error) => {
            log_method_error(shared, info, &error);
            Reply::error(header, &error)
        }
    };
    let mut message = envelope;
    // Small frames are copied into libzmq's messages: the header needs no
    // allocation, the body one buffer.
    message.push_back(&reply.header.encode()[..]);
    message.push_back(&encode_value(&reply.body)[..]);
    message
}

/// Sends a reply from the reader without waiting; a reply the socket cannot
/// take now (a full peer under `ZMQ_ROUTER_MANDATORY`) waits on a task of
/// its own, so that the reader goes on.
fn send_reply_now(shared: &Arc<ServerShared>, message: Multipart) {
    match shared.socket.try_send(message) {
        Ok(()) => {}
        Err(failed) if failed.error.is_would_block() => {
            let message = failed.message;
            spawn_task(shared, move |shared| async move {
                send_reply(&shared, message).await;
            });
        }
        Err(failed) => report_send_error(shared, &failed.error),
    }
}

/// Sends a reply, waiting for room.
async fn send_reply(shared: &ServerShared, message: Multipart) {
    if let Err(failed) = shared.socket.send(message).await {
        report_send_error(shared, &failed.error);
    }
}

fn report_send_error(shared: &ServerShared, error: &zmq_core::Error) {
    if !shared.shutdown.is_closed() {
        error!(target: LOG_TARGET, "RPC server cannot send a reply: {error}");
    }
}

/// Starts a notification as [`start_request`] starts a request; its
/// outcome has nowhere to go but the log.
fn start_notification(shared: &Arc<ServerShared>, notification: Notification) {
    let Notification { name, args, kwargs } = notification;
    let info = CallInfo::new(shared, name, &args, &kwargs);
    match start_call(shared, &info.name, args, kwargs) {
        Started::Done(outcome) => log_notification(shared, &info, outcome),
        Started::Running(call) => spawn_task(shared, move |shared| async move {
            // A close cancels the call.
            if let Some(outcome) = shared
                .shutdown
                .or_closed(finish_call(&shared, call, &info))
                .await
            {
                log_notification(&shared, &info, outcome);
            }
        }),
    }
}

/// Logs what a notification's method returned, if anything is worth it.
fn log_notification(shared: &ServerShared, info: &CallInfo, outcome: MethodResult) {
    let name = &info.name;
    match outcome {
        Ok(Value::Nil) => {}
        Ok(_) => warn!(
            target: LOG_TARGET,
            "{} handler {name:?} returned not None",
            shared.kind.label()
        ),
        Err(error) if error.exc_type == NOT_FOUND_ERROR || error.exc_type == PARAMETERS_ERROR => {
            error!(target: LOG_TARGET, "Call to {name:?} caused error: {}", error.repr);
        }
        Err(error) => log_method_error(shared, info, &error),
    }
}

fn log_method_error(shared: &ServerShared, info: &CallInfo, error: &ErrorBody) {
    let name = &info.name;
    let arguments = info.logged_arguments.as_ref();
    let (Some((args, kwargs)), false) = (
        arguments.filter(|_| shared.log_exceptions),
        shared.exclude_log_exceptions.contains(&error.exc_type),
    ) else {
        debug!(target: LOG_TARGET, "Call to {name:?} caused error: {}", error.repr);
        return;
    };
    error!(
        target: LOG_TARGET,
        "An exception {} from method {name:?} call occurred.\nargs = {}\nkwargs = {}\n",
        error.repr,
        python_repr(args),
        python_repr(kwargs),
    );
}
