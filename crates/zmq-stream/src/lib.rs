//! aiozmq's stream API over [`zmq_core`]: [`ZmqStream`] and
//! [`create_zmq_stream`].
//!
//! A [`ZmqStream`] reads whole multipart messages with `read().await`,
//! writes with a `write()` that never waits (the transport's pump flushes in
//! the background), and keeps the two sides in check with water marks:
//!
//! - **Write**: when the transport's buffer goes over its high-water mark,
//!   [`ZmqStream::drain`] waits until it is back at or below the low one.
//! - **Read**: when the messages received but not read hold more than the
//!   read high-water mark, the transport stops reading from the socket
//!   (libzmq then holds further messages, and applies its own high-water
//!   mark to the peers); reading resumes when they are at or below the low
//!   one. Both marks count **bytes** (the sum of the frames' lengths), as in
//!   aiozmq.
//!
//! Socket monitor events (enable them with
//! `stream.transport().enable_monitor(..)`) wait in a bounded backlog for
//! [`ZmqStream::read_event`]. The stream is a `futures` `Stream` and `Sink`.
//!
//! The transport's pump runs on the [`Runtime`](zmq_core::runtime::Runtime)
//! given at creation (`zmq_runtime_tokio::TokioRuntime`,
//! `zmq_runtime_smol::SmolRuntime`).
//!
//! | aiozmq | here |
//! |---|---|
//! | `create_zmq_stream(zmq_type, bind=, connect=, zmq_sock=, high_read=, ...)` | [`create_zmq_stream`] with [`Endpoints`](zmq_core::transport::Endpoints) and [`StreamOptions`] |
//! | `ZmqStreamClosed` | [`StreamError::Closed`] |
//! | `exception()`, `at_closing()`, `drain()`, `read_event()` | the same names |
//!
//! # Examples
//!
//! A DEALER and a ROUTER stream:
//!
//! ```
//! use std::sync::Arc;
//! use zmq_stream::zmq_core::SocketType;
//! use zmq_stream::zmq_core::transport::Endpoints;
//! use zmq_stream::{StreamOptions, create_zmq_stream};
//!
//! # futures_lite::future::block_on(async {
//! let runtime = Arc::new(zmq_runtime_smol::SmolRuntime::global());
//! let router = create_zmq_stream(SocketType::ROUTER, &Endpoints::new().bind("tcp://127.0.0.1:*"),
//!     None, StreamOptions::default(), runtime.clone())?;
//! let endpoint = router.transport().bindings().first().cloned().unwrap();
//! let dealer = create_zmq_stream(SocketType::DEALER, &Endpoints::new().connect(endpoint),
//!     None, StreamOptions::default(), runtime)?;
//!
//! dealer.write("ping")?;
//! let mut request = router.read().await?; // [peer id, "ping"]
//! request.pop_back();
//! request.push_back("pong");
//! router.write(request)?;
//! assert_eq!(dealer.read().await?[0], "pong");
//! # Ok::<(), zmq_stream::StreamError>(())
//! # }).unwrap();
//! ```

#![forbid(unsafe_code)]

mod error;
mod options;
mod shared;
mod stream;

pub use error::StreamError;
pub use options::{DEFAULT_EVENTS_BACKLOG, DEFAULT_READ_HIGH_WATER, StreamOptions};
pub use stream::{ZmqStream, create_zmq_stream};

pub use zmq_core;
