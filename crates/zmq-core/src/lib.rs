//! Runtime-neutral async ZeroMQ sockets over libzmq.
//!
//! `zmq-core` turns libzmq sockets into async ones that run under any
//! executor (tokio, smol, async-std, or a plain
//! `futures_lite::future::block_on`): readiness comes from libzmq's
//! notification descriptor (`ZMQ_FD`) through `async-io`'s reactor, or
//! through another event loop plugged into the [`reactor`] seam
//! (`zmq-runtime-tokio` plugs in tokio's).
//!
//! - [`Socket`]: every classic socket type, whole multipart messages in and
//!   out ([`Socket::send`], [`Socket::recv`], [`Socket::try_send`],
//!   [`Socket::try_recv`]), tracked endpoints ([`Socket::bind`] returns the
//!   resolved endpoint), subscriptions, typed options.
//! - [`Multipart`] and [`Frame`]: messages that convert from bytes and text,
//!   received without a copy.
//! - [`Context`]: the process-wide default, explicit contexts, and wrapping
//!   an existing `zmq::Context`; never terminated on an executor thread.
//! - [`Error`]: one error type that keeps libzmq's errno and converts into
//!   `std::io::Error`; [`SendError`] gives the unsent message back.
//! - [`capabilities()`]: what the linked libzmq supports (version, CURVE,
//!   the DRAFT API, transports). The workspace builds libzmq 4.3.5 with
//!   CURVE and DRAFT, so CURVE keys and
//!   [`Socket::set_in_batch_size`]/[`Socket::set_out_batch_size`] work.
//! - [`curve`]: CURVE key pairs, Z85 text and certificate files;
//!   [`Socket::set_curve_server_keys`], [`Socket::set_curve_client_keys`]
//!   and [`Socket::set_plain_client`] set a socket's security in one call.
//! - [`runtime::Runtime`]: the seam through which upper layers ask an
//!   executor adapter for spawning and timers; [`reactor`]: the seam through
//!   which an adapter supplies the event loop that watches `ZMQ_FD`
//!   ([`Context::with_reactor`], [`reactor::Reactor::enter`]).
//! - The socket monitor: [`Socket::enable_monitor`] and
//!   [`Socket::monitor_events`], a stream of typed [`SocketEvent`]s.
//! - [`transport`]: aiozmq's transport/protocol API,
//!   [`create_zmq_connection`], [`ZmqTransport`] and [`ZmqProtocol`], with a
//!   background pump spawned through the [`runtime::Runtime`].
//! - [`zap`]: an async ZAP authenticator ([`zap::ZapAuthenticator`]): IP
//!   allow and deny lists, PLAIN password tables and CURVE client keys per
//!   ZAP domain, a callback hook, reloadable while it runs.
//!
//! Every future is cancel safe: dropping it never loses or half-sends a
//! message. A socket is `Send + Sync`; a reader task and a writer task can
//! share one (through an `Arc`) without starving each other.
//!
//! # Examples
//!
//! A ROUTER server and a DEALER client, with the server's reader and writer
//! in separate tasks:
//!
//! ```
//! use std::sync::Arc;
//! use zmq_core::{Socket, SocketType};
//!
//! # futures_lite::future::block_on(async {
//! let server = Arc::new(Socket::new(SocketType::ROUTER)?);
//! let endpoint = server.bind("tcp://127.0.0.1:*")?;
//!
//! let client = Socket::new(SocketType::DEALER)?;
//! client.connect(&endpoint)?;
//!
//! let echo = {
//!     let server = Arc::clone(&server);
//!     async move {
//!         // [peer id, body]: echo it back to the same peer.
//!         let request = server.recv().await?;
//!         server.send(request).await?;
//!         Ok::<(), zmq_core::Error>(())
//!     }
//! };
//! let ask = async {
//!     client.send("hello").await?;
//!     client.recv().await
//! };
//! let (echoed, reply) = futures_lite::future::zip(echo, ask).await;
//! echoed?;
//! assert_eq!(reply?[0], "hello");
//! # Ok::<(), zmq_core::Error>(())
//! # }).unwrap();
//! ```
//!
//! # Names for aiozmq users
//!
//! | aiozmq | zmq-core |
//! |---|---|
//! | `create_zmq_stream(zmq_type, bind=, connect=)` | [`Socket::new`] then [`Socket::bind`] / [`Socket::connect`] |
//! | `zmq_sock=` | [`Socket::from_zmq`], [`Context::adopt`] |
//! | `write(msg)` / `await read()` | [`Socket::send`] / [`Socket::recv`] |
//! | `bindings()`, `connections()`, `subscriptions()` | the same names |
//! | `getsockopt` / `setsockopt` | typed accessors, or [`Socket::with_raw`] |
//! | `ZmqError` with errno | [`Error`] with [`Error::errno`] |
//! | `enable_monitor()` / `disable_monitor()`, `SocketEvent` | [`Socket::enable_monitor`] / [`Socket::disable_monitor`], [`SocketEvent`] |
//! | `create_zmq_connection`, `ZmqTransport`, `ZmqProtocol` | [`create_zmq_connection`], [`ZmqTransport`], [`ZmqProtocol`] |

mod capabilities;
#[cfg(feature = "conformance")]
pub mod conformance;
mod context;
mod convenience;
pub mod curve;
mod error;
pub mod message;
mod monitor;
mod once_signal;
mod options;
mod poller;
mod proxy;
mod queue_marks;
pub mod reactor;
mod readiness;
pub mod runtime;
mod socket;
pub mod transport;
pub mod zap;

pub use capabilities::{Capabilities, capabilities};
pub use context::Context;
pub use error::{Error, Result, SendError};
pub use message::{Frame, Multipart, ReleaseTracker};
pub use monitor::{EventMask, MonitorEvent, MonitorEvents, MonitorFrameError, SocketEvent};
pub use poller::{PollKey, Poller};
pub use proxy::{Proxy, ProxySideStatistics, ProxyStatistics, ProxySteering, proxy};
pub use socket::{
    DEFAULT_BATCH_SIZE, DEFAULT_LINGER, PollEvents, ReadyFuture, RecvFuture, SendFuture, Socket,
    SocketType,
};
pub use transport::{ZmqProtocol, ZmqTransport, create_zmq_connection};

/// The `zmq` crate this crate is built on, for what is not wrapped here.
pub use zmq;
