//! The request-reply server: `serve_rpc` on a ROUTER socket.
//!
//! **Executor.** The server needs background work: a reader that receives
//! requests, a task per call (so calls overlap and replies may go out of
//! order), and timers for the server-side timeout. It takes them from a
//! [`Runtime`] the caller passes ([`ServerBuilder::start`]), the seam of
//! `zmq-core` that `zmq-runtime-tokio` and `zmq-runtime-smol` implement;
//! this crate names no executor. A driver future would have needed its own
//! task set and timer anyway, so the seam is the simpler contract.

use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_lite::FutureExt;
use log::{debug, error};
use zmq_core::runtime::Runtime;
use zmq_core::{Multipart, Socket, SocketType};

use crate::codec::{Reply, Request};
use crate::error::ServiceError;
use crate::exception::{Builtin, BuiltinError, ErrorBody, WireError};
use crate::handlers::Handler;
use crate::msgpack::python_repr;
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

/// Starts building a request-reply server for `handler` (aiozmq's
/// `serve_rpc`). Give it endpoints, then [`ServerBuilder::start`] it.
///
/// | aiozmq `serve_rpc(...)` argument | here |
/// |---|---|
/// | `handler` | `serve_rpc(handler)` |
/// | `bind=`, `connect=` | [`ServerBuilder::bind`], [`ServerBuilder::connect`] |
/// | `zmq_sock=` | [`ServerBuilder::socket`] |
/// | `timeout=` (a no-op in aiozmq) | [`ServerBuilder::timeout`] (real) |
/// | `log_exceptions=`, `exclude_log_exceptions=` | the same names, by wire type name |
/// | `translation_table=` | typed: [`ext`](crate::ext) |
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
pub fn serve_rpc(handler: impl Handler) -> ServerBuilder {
    ServerBuilder {
        handler: Arc::new(handler),
        binds: Vec::new(),
        connects: Vec::new(),
        socket: None,
        timeout: None,
        log_exceptions: false,
        exclude_log_exceptions: Vec::new(),
    }
}

/// Options of a request-reply server; made by [`serve_rpc`].
///
/// # Examples
///
/// See [`serve_rpc`].
#[must_use = "a server starts only with `start`"]
pub struct ServerBuilder {
    handler: Arc<dyn Handler>,
    binds: Vec<String>,
    connects: Vec<String>,
    socket: Option<Socket>,
    timeout: Option<Duration>,
    log_exceptions: bool,
    exclude_log_exceptions: Vec<String>,
}

impl ServerBuilder {
    /// Binds to `endpoint` on start (`tcp://127.0.0.1:*` picks a port; see
    /// [`RpcServer::endpoints`]).
    ///
    /// # Examples
    ///
    /// See [`serve_rpc`].
    pub fn bind(mut self, endpoint: impl Into<String>) -> ServerBuilder {
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
    pub fn connect(mut self, endpoint: impl Into<String>) -> ServerBuilder {
        self.connects.push(endpoint.into());
        self
    }

    /// Serves on this ROUTER socket instead of a new one (aiozmq's
    /// `zmq_sock=`).
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
    pub fn socket(mut self, socket: Socket) -> ServerBuilder {
        self.socket = Some(socket);
        self
    }

    /// Cancels a call that runs longer than `limit`; its caller gets a
    /// `builtins.TimeoutError` reply. (aiozmq accepts `timeout=` but never
    /// applies it.) The limit applies at the method's await points: a sync
    /// method, once started, runs to completion on its call task and is
    /// answered normally.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).timeout(Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, limit: Duration) -> ServerBuilder {
        self.timeout = Some(limit);
        self
    }

    /// Logs every error a method returns (at ERROR, target
    /// [`LOG_TARGET`]), with aiozmq's message.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::serve_rpc(zmq_rpc::Handlers::new()).log_exceptions(true);
    /// # let _ = builder;
    /// ```
    pub fn log_exceptions(mut self, enabled: bool) -> ServerBuilder {
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
    pub fn exclude_log_exceptions<I, S>(mut self, names: I) -> ServerBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude_log_exceptions
            .extend(names.into_iter().map(Into::into));
        self
    }

    /// Creates (or takes) the ROUTER socket, binds and connects it, and
    /// starts serving on tasks spawned through `runtime`.
    ///
    /// # Examples
    ///
    /// See [`serve_rpc`].
    pub fn start(self, runtime: Arc<dyn Runtime>) -> Result<RpcServer, ServiceError> {
        let socket = match self.socket {
            Some(socket) => socket,
            None => Socket::new(SocketType::ROUTER)?,
        };
        let mut endpoints = Vec::new();
        for endpoint in &self.binds {
            endpoints.push(socket.bind(endpoint)?);
        }
        for endpoint in &self.connects {
            socket.connect(endpoint)?;
        }
        let shared = Arc::new(ServerShared {
            socket: Arc::new(socket),
            handler: self.handler,
            runtime,
            sender: SenderPrefix::for_this_process(),
            timeout: self.timeout,
            log_exceptions: self.log_exceptions,
            exclude_log_exceptions: self.exclude_log_exceptions,
            shutdown: Shutdown::default(),
        });
        let reader = Arc::clone(&shared);
        shared.runtime.spawn(Box::pin(async move {
            let _running = reader.shutdown.task_started();
            reader.shutdown.or_closed(read_requests(&reader)).await;
        }));
        Ok(RpcServer { shared, endpoints })
    }
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("binds", &self.binds)
            .field("connects", &self.connects)
            .field("timeout", &self.timeout)
            .field("log_exceptions", &self.log_exceptions)
            .field("exclude_log_exceptions", &self.exclude_log_exceptions)
            .finish_non_exhaustive()
    }
}

struct ServerShared {
    socket: Arc<Socket>,
    handler: Arc<dyn Handler>,
    runtime: Arc<dyn Runtime>,
    sender: SenderPrefix,
    timeout: Option<Duration>,
    log_exceptions: bool,
    exclude_log_exceptions: Vec<String>,
    shutdown: Shutdown,
}

/// A running request-reply server (aiozmq's `Service` from `serve_rpc`).
///
/// Dropping it closes it, as [`RpcServer::close`] does.
///
/// # Examples
///
/// See [`serve_rpc`].
pub struct RpcServer {
    shared: Arc<ServerShared>,
    endpoints: Vec<String>,
}

impl RpcServer {
    /// The resolved endpoints it bound (ephemeral ports filled in).
    ///
    /// # Examples
    ///
    /// See [`serve_rpc`].
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// The ROUTER socket (aiozmq's `service.transport`), or
    /// [`ServiceError::Closed`] after [`RpcServer::close`].
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
        if self.shared.shutdown.is_closed() {
            return Err(ServiceError::Closed);
        }
        Ok(&self.shared.socket)
    }

    /// Stops serving: the reader stops, calls in flight are cancelled (no
    /// reply is sent for them), the socket is closed. Idempotent.
    ///
    /// # Examples
    ///
    /// See [`RpcServer::socket`].
    pub fn close(&self) {
        if self.shared.shutdown.close() {
            self.shared.socket.close();
        }
    }

    /// True once [`RpcServer::close`] was called.
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

impl Drop for RpcServer {
    fn drop(&mut self) {
        self.close();
    }
}

impl fmt::Debug for RpcServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RpcServer")
            .field("endpoints", &self.endpoints)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// The reader: one request at a time off the socket, each call on a task
/// of its own. Malformed requests are logged and dropped.
async fn read_requests(shared: &Arc<ServerShared>) {
    loop {
        let message = match shared.socket.recv().await {
            Ok(message) => message,
            Err(zmq_core::Error::Closed) => return,
            Err(err) => {
                error!(target: LOG_TARGET, "RPC server cannot receive: {err}");
                return;
            }
        };
        match Request::from_router_message(&message) {
            Ok((envelope, request)) => start_call(shared, envelope, request),
            Err(err) => error!(target: LOG_TARGET, "Cannot unpack {message:?}: {err}"),
        }
    }
}

fn start_call(shared: &Arc<ServerShared>, envelope: Multipart, request: Request) {
    let shared_for_task = Arc::clone(shared);
    shared.runtime.spawn(Box::pin(async move {
        let shared = shared_for_task;
        let _running = shared.shutdown.task_started();
        // A close cancels the call: no reply.
        if let Some(reply) = shared.shutdown.or_closed(answer(&shared, &request)).await {
            let mut message = envelope;
            message.extend(reply.encode());
            if let Err(err) = shared.socket.send(message).await {
                if !shared.shutdown.is_closed() {
                    error!(target: LOG_TARGET, "RPC server cannot send a reply: {}", err.error);
                }
            }
        }
    }));
}

/// Runs the call (bounded by the server's timeout) and builds its reply.
async fn answer(shared: &ServerShared, request: &Request) -> Reply {
    let header = ReplyHeader {
        sender: shared.sender,
        request_id: request.header.request_id,
        timestamp: 0.0,
        is_error: false,
    };
    let outcome = match shared.handler.lookup(&request.name) {
        None => Err(ErrorBody::not_found(&request.name)),
        Some(method) => {
            // A panicking method fails its call, not the server.
            let call = async {
                let call = AssertUnwindSafe(async {
                    method
                        .call(request.args.clone(), request.kwargs.clone())
                        .await
                });
                match call.catch_unwind().await {
                    Ok(outcome) => outcome,
                    Err(_) => {
                        Err(BuiltinError::runtime_error("the RPC method panicked").to_error_body())
                    }
                }
            };
            match shared.timeout {
                None => call.await,
                Some(limit) => {
                    let sleep = shared.runtime.sleep(limit);
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
    };
    let header = ReplyHeader {
        timestamp: unix_time_now(),
        ..header
    };
    match outcome {
        Ok(value) => Reply::success(header, value),
        Err(error) => {
            log_method_error(shared, request, &error);
            Reply::error(header, &error)
        }
    }
}

fn log_method_error(shared: &ServerShared, request: &Request, error: &ErrorBody) {
    if !shared.log_exceptions || shared.exclude_log_exceptions.contains(&error.exc_type) {
        debug!(target: LOG_TARGET, "Call to {:?} caused error: {}", request.name, error.repr);
        return;
    }
    error!(
        target: LOG_TARGET,
        "An exception {} from method {:?} call occurred.\nargs = {}\nkwargs = {}\n",
        error.repr,
        request.name,
        python_repr(&request.args),
        python_repr(&request.kwargs),
    );
}
