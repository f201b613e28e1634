//! msgpack RPC over ZeroMQ, wire-compatible with Python's `aiozmq.rpc`.
//!
//! This crate is the layer for aiozmq's three RPC patterns: request-reply
//! (DEALER/ROUTER), pipeline (PUSH/PULL) and pub-sub (PUB/SUB), with
//! handlers and namespaces, argument validation through serde, translation
//! tables for custom types, error tables for remote errors, timeouts and
//! logging. It speaks aiozmq.rpc's wire format byte for byte, so Rust and
//! Python services call each other.
//!
//! **Status:** the layer is laid out but holds no API of its own yet; it
//! re-exports [`zmq_core`] and [`zmq_stream`], the layers it builds on. The
//! RPC API lands with the request-reply, pipeline and pub-sub issues.
//!
//! # Examples
//!
//! The request-reply shape the RPC layer will carry, on raw sockets:
//!
//! ```
//! use zmq_rpc::zmq_core::{Socket, SocketType};
//!
//! # futures_lite::future::block_on(async {
//! let server = Socket::new(SocketType::ROUTER)?;
//! let endpoint = server.bind("tcp://127.0.0.1:*")?;
//! let client = Socket::new(SocketType::DEALER)?;
//! client.connect(&endpoint)?;
//!
//! client.send(["request-id", "add", "1 2"]).await?;
//! let mut request = server.recv().await?;
//! let peer = request.pop_front().unwrap();
//! server.send([peer.to_vec(), b"request-id".to_vec(), b"3".to_vec()]).await?;
//! assert_eq!(client.recv().await?[1], "3");
//! # Ok::<(), zmq_rpc::zmq_core::Error>(())
//! # }).unwrap();
//! ```

#![forbid(unsafe_code)]

pub use zmq_core;
pub use zmq_stream;
