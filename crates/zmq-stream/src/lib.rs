//! Buffered ZeroMQ streams over [`zmq_core`] sockets.
//!
//! This crate is the layer for aiozmq's `ZmqStream`: a socket with a write
//! buffer bounded by high and low watermarks, `drain()` to wait for the
//! buffer to empty, a bounded backlog of socket monitor events, and the
//! `futures` `Stream`/`Sink` traits.
//!
//! **Status:** the layer is laid out but holds no API of its own yet; it
//! re-exports [`zmq_core`], whose [`Socket`](zmq_core::Socket) already
//! sends and receives whole multipart messages asynchronously and cancel
//! safely. The stream API lands with the "core and stream APIs" issue.
//!
//! # Examples
//!
//! ```
//! use zmq_stream::zmq_core::{Socket, SocketType};
//!
//! # futures_lite::future::block_on(async {
//! let pull = Socket::new(SocketType::PULL)?;
//! let endpoint = pull.bind("inproc://zmq-stream-doc")?;
//! let push = Socket::new(SocketType::PUSH)?;
//! push.connect(&endpoint)?;
//! push.send("streamed").await?;
//! assert_eq!(pull.recv().await?[0], "streamed");
//! # Ok::<(), zmq_stream::zmq_core::Error>(())
//! # }).unwrap();
//! ```

#![forbid(unsafe_code)]

pub use zmq_core;
