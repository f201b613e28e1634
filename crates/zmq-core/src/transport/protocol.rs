//! [`ZmqProtocol`]: the callbacks a transport calls.

use std::sync::{Arc, Mutex};

use crate::error::Error;
use crate::message::Multipart;
use crate::monitor::SocketEvent;

use super::ZmqTransport;

/// What [`ZmqProtocol::msg_received`] and [`ZmqProtocol::event_received`]
/// return: an error is logged and the transport goes on.
pub type CallbackResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// The protocol of a transport, as the caller of
/// [`create_zmq_connection`](super::create_zmq_connection) gets it back:
/// the transport calls it under this lock.
///
/// Do not hold the lock while calling a method of the transport that may
/// call the protocol ([`ZmqTransport::write`] may call `pause_writing`,
/// [`ZmqTransport::close`] and [`ZmqTransport::abort`] may call
/// `connection_lost`): that would wait for itself.
pub type ProtocolHandle<P> = Arc<Mutex<P>>;

/// aiozmq's `ZmqProtocol`: what a [`ZmqTransport`] calls as things happen.
/// Every method has a default that does nothing.
///
/// Callbacks run one at a time, in order, on the transport's pump task (or
/// on the caller's thread, for `pause_writing` from [`ZmqTransport::write`]
/// and `connection_made`). A callback that calls back into the transport
/// is fine: a callback this triggers runs after the current one returns.
/// A callback that panics or returns an error is logged, and the transport
/// goes on: the socket is polled again after every callback, whatever it
/// did.
///
/// # Examples
///
/// An echo protocol that writes every message back:
///
/// ```
/// use zmq_core::transport::{CallbackResult, ZmqProtocol, ZmqTransport};
/// use zmq_core::Multipart;
///
/// #[derive(Default)]
/// struct Echo {
///     transport: Option<ZmqTransport>,
/// }
///
/// impl ZmqProtocol for Echo {
///     fn connection_made(&mut self, transport: &ZmqTransport) {
///         self.transport = Some(transport.clone());
///     }
///
///     fn msg_received(&mut self, message: Multipart) -> CallbackResult {
///         if let Some(transport) = &self.transport {
///             transport.write(message)?;
///         }
///         Ok(())
///     }
///
///     fn connection_lost(&mut self, _error: Option<zmq_core::Error>) {
///         self.transport = None; // lets the transport go
///     }
/// }
/// ```
pub trait ZmqProtocol: Send + 'static {
    /// Called once, when the transport is ready, before any other callback.
    /// Keep a clone of `transport` to write from other callbacks.
    fn connection_made(&mut self, transport: &ZmqTransport) {
        let _ = transport;
    }

    /// A whole multipart message arrived.
    fn msg_received(&mut self, message: Multipart) -> CallbackResult {
        let _ = message;
        Ok(())
    }

    /// A socket monitor event arrived (only while a monitor is enabled,
    /// see [`ZmqTransport::enable_monitor`]).
    fn event_received(&mut self, event: SocketEvent) -> CallbackResult {
        let _ = event;
        Ok(())
    }

    /// The write buffer went over the high-water mark: stop writing for
    /// now.
    fn pause_writing(&mut self) {}

    /// The write buffer is at or below the low-water mark again.
    fn resume_writing(&mut self) {}

    /// Called exactly once, last: `None` after [`ZmqTransport::close`] or
    /// [`ZmqTransport::abort`], `Some(error)` when the socket failed.
    fn connection_lost(&mut self, error: Option<Error>) {
        let _ = error;
    }
}
