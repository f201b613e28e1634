//! msgpack RPC over ZeroMQ, wire-compatible with Python's `aiozmq.rpc`.
//!
//! This crate speaks aiozmq 1.0's three RPC patterns byte for byte
//! (frames, headers, request ids, msgpack options, error bodies), so a Rust
//! client can call an aiozmq server and an aiozmq client a Rust server:
//! request-reply, pipeline (notifications over PUSH/PULL) and pub-sub
//! (notifications over PUB/SUB, filtered by topic).
//!
//! - **Server**: [`serve_rpc`] on a ROUTER socket. Methods are looked up by
//!   dotted name through nested namespaces ([`Handlers`], or any
//!   [`Handler`](handlers::Handler): a type with methods, a dynamic lookup
//!   closure). Sync and async methods take their parameters as one serde
//!   type; positional and keyword arguments bind as in Python, defaults
//!   come from `#[serde(default)]`. Errors become error replies through
//!   [`WireError`], with [`BuiltinError`] for Python's `ValueError`,
//!   `TypeError`, `KeyError`, `TimeoutError`, `RuntimeError`, ... Calls
//!   run concurrently; an optional server timeout really cancels them.
//! - **Client**: [`connect_rpc`] on a DEALER socket.
//!   `client.call::<T>("ns.method").arg(1).kwarg("b", 2).await` returns a
//!   `T` or a [`CallError`]; remote errors go through an [`ErrorTable`]
//!   (unknown names become a [`GenericError`]). Any number of calls share
//!   one socket; timeouts remove the pending call at once.
//! - **Pipeline**: [`serve_pipeline`] on a PULL socket and
//!   [`connect_pipeline`] on a PUSH socket:
//!   `client.notify("ns.method").arg(1).kwarg("b", 2).await` sends a
//!   notification (a call without a reply) to one of the servers; it
//!   completes once the socket took it, waiting while the socket is at its
//!   high-water mark ([`Notify::try_send`] fails instead). The same
//!   handlers serve it; what a method returns or raises is logged.
//! - **Pub-sub**: [`serve_pubsub`] on a SUB socket, subscribed to topic
//!   prefixes (at start and at runtime), and [`connect_pubsub`] on a PUB
//!   socket: `client.publish("topic").notify("ns.method").await` reaches
//!   every subscribed server. Mind the slow joiner (see [`serve_pubsub`]).
//! - **Codec**: [`codec`], [`wire`], [`msgpack`] hold the protocol without
//!   sockets; every malformed input is a [`DecodeError`], never a panic.
//! - **Custom types** travel as msgpack ext values ([`ext`]): a type
//!   implements [`ext::ExtType`] once (code `0..=122`) and is wrapped in
//!   [`ext::AsExt`] or marked `#[serde(with = "zmq_rpc::ext")]`; unknown
//!   ext codes pass through unchanged. Python's `date`, `datetime`, `time`,
//!   `timedelta` and `timezone` (aiozmq's codes 123 to 127, pickled) are the
//!   types of [`datetime`], read by an allow-listed pickle subset that never
//!   runs code.
//!
//! **Security.** Every builder takes CURVE or PLAIN (`curve_server`,
//! `curve_client`, `plain_server`, `plain_client`), a context
//! ([`ServerBuilder::context`]) and a ZAP domain
//! ([`ServerBuilder::zap_domain`]). Which clients a server admits is up to
//! a [`ZapAuthenticator`](zmq_core::zap::ZapAuthenticator) in the server's
//! context: without one a CURVE server admits any client key and a PLAIN
//! server nobody. Servers limit message sizes by default
//! ([`server::DEFAULT_MAX_MESSAGE_SIZE`]).
//!
//! ```
//! use std::sync::Arc;
//! use zmq_rpc::zmq_core::{Context, curve::CurveKeyPair};
//! use zmq_rpc::zmq_core::zap::{ZapAuthenticator, ZapPolicy};
//! use zmq_rpc::{CallError, Handlers, connect_rpc, serve_rpc};
//! use zmq_runtime_tokio::TokioRuntime;
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! # rt.block_on(async {
//! let runtime = Arc::new(TokioRuntime::try_current()?);
//! let context = Context::new();
//! let (server_keys, friend) = (CurveKeyPair::generate()?, CurveKeyPair::generate()?);
//! let mut policy = ZapPolicy::new();
//! policy.domain_mut("rpc").allow([127, 0, 0, 1]).allow_curve_key(friend.public);
//! let auth = ZapAuthenticator::start(&context, policy, runtime.clone())?;
//!
//! let handlers = Handlers::new().method("ping", |()| Ok::<_, std::convert::Infallible>("pong"));
//! let server = serve_rpc(handlers)
//!     .context(&context)
//!     .zap_domain("rpc")
//!     .curve_server(server_keys.clone())
//!     .bind("tcp://127.0.0.1:*")
//!     .start(runtime.clone())?;
//! let client = connect_rpc()
//!     .curve_client(friend, server_keys.public)
//!     .connect(&server.endpoints()[0])
//!     .timeout(std::time::Duration::from_secs(10))
//!     .start(runtime.clone())?;
//! let reply: String = client.call("ping").await?;
//! assert_eq!(reply, "pong");
//!
//! // A key the policy does not list is refused at the handshake.
//! let stranger = connect_rpc()
//!     .curve_client(CurveKeyPair::generate()?, server_keys.public)
//!     .connect(&server.endpoints()[0])
//!     .timeout(std::time::Duration::from_millis(300))
//!     .start(runtime)?;
//! let refused = stranger.call::<String>("ping").await;
//! assert!(matches!(refused, Err(CallError::Timeout(_))));
//! # auth.close();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Executor.** This crate names no executor. A server and a client need
//! background tasks (the reader, tasks for calls that wait) and timers: they take them
//! from the [`zmq_core::runtime::Runtime`] you pass to `start`, such as
//! `zmq_runtime_tokio::TokioRuntime` or `zmq_runtime_smol::SmolRuntime`.
//! The adapters start a builder in one call instead:
//! `zmq_runtime_tokio::rpc::StartOnTokio::start_on_tokio` (which also gives
//! the service's socket tokio's native readiness) and
//! `zmq_runtime_smol::rpc::StartOnSmol::start_on_smol`.
//!
//! **Logging.** Through the `log` crate, target `"aiozmq.rpc"`
//! ([`LOG_TARGET`]), with aiozmq's messages: malformed messages
//! (`Cannot unpack ...`, ERROR), unknown reply ids (WARN), late replies
//! (DEBUG), method errors with `log_exceptions` (ERROR); for pipeline and
//! pub-sub also results other than unit (`... handler ... returned not
//! None`, WARN) and lookup and binding errors (`Call to ... caused error:
//! ...`, ERROR).
//!
//! # Examples
//!
//! A server and a client in one tokio program:
//!
//! ```
//! use std::sync::Arc;
//! use serde::Deserialize;
//! use zmq_rpc::{BuiltinError, CallError, Handlers, connect_rpc, serve_rpc};
//! use zmq_runtime_tokio::TokioRuntime;
//!
//! #[derive(Deserialize)]
//! struct Divide {
//!     a: f64,
//!     #[serde(default = "one")]
//!     b: f64,
//! }
//! fn one() -> f64 { 1.0 }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! # rt.block_on(async {
//! let runtime = Arc::new(TokioRuntime::try_current()?);
//! let handlers = Handlers::new().namespace(
//!     "math",
//!     Handlers::new().method("divide", |Divide { a, b }| {
//!         if b == 0.0 {
//!             return Err(BuiltinError::value_error("division by zero"));
//!         }
//!         Ok(a / b)
//!     }),
//! );
//! let server = serve_rpc(handlers).bind("tcp://127.0.0.1:*").start(runtime.clone())?;
//! let client = connect_rpc()
//!     .connect(&server.endpoints()[0])
//!     .timeout(std::time::Duration::from_secs(10))
//!     .start(runtime)?;
//!
//! // Python: await client.call.math.divide(1.0, b=4.0)
//! let quarter: f64 = client.call("math.divide").arg(1.0).kwarg("b", 4.0).await?;
//! assert_eq!(quarter, 0.25);
//!
//! // A ValueError raised remotely comes back as a BuiltinError.
//! let err = client.call::<f64>("math.divide").arg(1.0).arg(0.0).await.unwrap_err();
//! let CallError::Remote(remote) = err else { panic!("{err}") };
//! assert_eq!(remote.exc_type(), "builtins.ValueError");
//! assert_eq!(remote.downcast_ref::<BuiltinError>().unwrap().message(), Some("division by zero"));
//!
//! client.close();
//! server.close();
//! server.wait_closed().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]

mod arguments;
pub mod client;
pub mod codec;
pub mod datetime;
#[cfg(feature = "chrono")]
mod datetime_chrono;
mod error;
mod error_table;
mod exception;
pub mod ext;
pub mod handlers;
pub mod msgpack;
pub mod notify;
mod pickle;
mod security;
pub mod server;
mod shutdown;
pub mod wire;

pub use client::{Call, ClientBuilder, RpcClient, connect_rpc};
pub use error::{
    CallError, DecodeError, EncodeError, GenericError, NotFoundError, NotifyError, ParametersError,
    RemoteError, ServiceError,
};
pub use error_table::ErrorTable;
pub use exception::{
    Builtin, BuiltinError, ErrorBody, NOT_FOUND_ERROR, PARAMETERS_ERROR, WireError,
};
pub use handlers::Handlers;
pub use notify::{
    Notifier, NotifierBuilder, Notify, PipelineClient, PubSubClient, Publish, connect_pipeline,
    connect_pubsub,
};
pub use server::{
    LOG_TARGET, PipelineServer, PubSubServer, RpcServer, Server, ServerBuilder, serve_pipeline,
    serve_pubsub, serve_rpc,
};

pub use rmpv;
pub use zmq_core;
pub use zmq_stream;
