//! The error policy: one error type that keeps libzmq's errno.
//!
//! Every fallible call of this crate returns [`Error`]. It converts into
//! [`std::io::Error`] (so `?` works in functions returning `io::Result`),
//! keeping the raw errno where libzmq reported one: for the POSIX errnos
//! (`EAGAIN`, `EHOSTUNREACH`, `EADDRINUSE`, ...) as
//! [`io::Error::raw_os_error`]; for libzmq's own errnos (`EFSM`, `ETERM`,
//! `EMTHREAD`), which the operating system does not know, as an
//! `io::Error` wrapping this type, from which [`Error::errno`] recovers it.
//!
//! `EINTR` is retried inside this crate and never surfaces.

use std::fmt;
use std::io;

use crate::message::Multipart;
use crate::monitor::MonitorFrameError;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// libzmq's base for the errnos it defines itself (`ZMQ_HAUSNUMERO`).
const ZMQ_HAUSNUMERO: i32 = 156_384_712;

/// Everything that can go wrong in `zmq-core`.
///
/// # Examples
///
/// ```
/// use zmq_core::{Error, Socket, SocketType};
///
/// let socket = Socket::new(SocketType::PUSH)?;
/// let err = socket.connect("no-scheme").unwrap_err();
/// assert!(matches!(err, Error::InvalidEndpoint { .. }));
///
/// // Every error converts into `std::io::Error`.
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::InvalidInput);
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// libzmq reported an error; the errno is kept.
    #[error("{0}")]
    Zmq(#[from] zmq::Error),
    /// The reactor that watches libzmq's notification descriptor failed.
    #[error("reactor: {0}")]
    Io(#[from] io::Error),
    /// The socket was closed by [`Socket::close`](crate::Socket::close).
    #[error("the socket is closed")]
    Closed,
    /// An endpoint that libzmq cannot take, caught before it reaches libzmq.
    #[error("invalid endpoint {endpoint:?}: {reason}")]
    InvalidEndpoint {
        /// The endpoint as given.
        endpoint: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The operation does not exist for this socket type (for example
    /// subscribing on a PUB socket).
    #[error("{operation} is not supported on a {socket_type} socket")]
    UnsupportedSocketType {
        /// What was attempted.
        operation: &'static str,
        /// The socket's type, in libzmq's spelling.
        socket_type: &'static str,
    },
    /// A message with no frames: libzmq has no way to send one.
    #[error("a message needs at least one frame")]
    EmptyMessage,
    /// A received message could not be decoded as asked (UTF-8, JSON,
    /// msgpack, or the expected number of frames). The message is inside,
    /// untouched: nothing is lost.
    #[error("cannot decode the received message as {format}: {reason}")]
    Decode {
        /// What was asked for: `"UTF-8"`, `"JSON"`, `"msgpack"`.
        format: &'static str,
        /// Why decoding failed.
        reason: String,
        /// The message as received.
        message: Multipart,
    },
    /// A value could not be encoded as asked (JSON or msgpack); nothing was
    /// sent.
    #[error("cannot encode the value as {format}: {reason}")]
    Encode {
        /// The encoding: `"JSON"`, `"msgpack"`.
        format: &'static str,
        /// Why encoding failed.
        reason: String,
    },
    /// [`Socket::monitor_events`](crate::Socket::monitor_events) with no
    /// monitor enabled.
    #[error("the socket monitor is not enabled")]
    MonitorNotEnabled,
    /// A monitor message that is not libzmq's event format.
    #[error("malformed monitor event: {0}")]
    MalformedMonitorEvent(#[from] MonitorFrameError),
    /// The operation needs the socket's [`Context`](crate::Context), and the
    /// socket was adopted without one ([`Socket::from_zmq`](crate::Socket::from_zmq)).
    #[error("{operation} needs the socket's context: adopt the socket with Context::adopt")]
    NoContext {
        /// What was attempted.
        operation: &'static str,
    },
    /// Write buffer limits that break `high >= low >= 0`.
    #[error("write buffer limits need high ({high}) >= low ({low})")]
    InvalidWriteBufferLimits {
        /// The high-water mark asked for, in bytes.
        high: usize,
        /// The low-water mark asked for, in bytes.
        low: usize,
    },
    /// An existing socket given for a transport or stream is not of the
    /// type asked for.
    #[error("expected a {expected} socket, got a {actual} socket")]
    SocketTypeMismatch {
        /// The type asked for, in libzmq's spelling.
        expected: &'static str,
        /// The socket's type.
        actual: &'static str,
    },
    /// An option value that libzmq cannot represent.
    #[error("invalid value for option {option}: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// Why the value was refused.
        reason: &'static str,
    },
    /// [`Context::terminate`](crate::Context::terminate) was asked of the
    /// process-wide context, which is never terminated.
    #[error("the process-wide context is never terminated: terminate a Context::new() instead")]
    GlobalContext,
}

impl Error {
    /// The errno behind this error, if libzmq reported one.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let socket = Socket::new(SocketType::PULL)?;
    /// let err = socket.try_recv().unwrap_err();
    /// assert_eq!(err.errno(), Some(zmq_core::zmq::Error::EAGAIN.to_raw()));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Zmq(e) => Some(e.to_raw()),
            _ => None,
        }
    }

    /// True when the operation would have had to wait (`EAGAIN`): what a
    /// `try_*` method returns when the socket is not ready.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let socket = Socket::new(SocketType::PULL)?;
    /// assert!(socket.try_recv().unwrap_err().is_would_block());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn is_would_block(&self) -> bool {
        matches!(self, Error::Zmq(zmq::Error::EAGAIN))
    }

    /// The `std::io::ErrorKind` this error maps to.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use zmq_core::Error;
    ///
    /// assert_eq!(Error::Closed.kind(), ErrorKind::NotConnected);
    /// ```
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            Error::Zmq(e) => zmq_error_kind(*e),
            Error::Io(e) => e.kind(),
            Error::Closed => io::ErrorKind::NotConnected,
            Error::Decode { .. } => io::ErrorKind::InvalidData,
            Error::MonitorNotEnabled => io::ErrorKind::Other,
            Error::MalformedMonitorEvent(_) => io::ErrorKind::InvalidData,
            Error::NoContext { .. } | Error::GlobalContext => io::ErrorKind::Unsupported,
            Error::InvalidEndpoint { .. }
            | Error::InvalidWriteBufferLimits { .. }
            | Error::SocketTypeMismatch { .. }
            | Error::UnsupportedSocketType { .. }
            | Error::EmptyMessage
            | Error::Encode { .. }
            | Error::InvalidOption { .. } => io::ErrorKind::InvalidInput,
        }
    }
}

fn zmq_error_kind(error: zmq::Error) -> io::ErrorKind {
    match error {
        zmq::Error::EAGAIN => io::ErrorKind::WouldBlock,
        zmq::Error::EINVAL | zmq::Error::EPROTONOSUPPORT | zmq::Error::ENOCOMPATPROTO => {
            io::ErrorKind::InvalidInput
        }
        zmq::Error::ETERM | zmq::Error::ENOTSOCK => io::ErrorKind::NotConnected,
        zmq::Error::EADDRINUSE => io::ErrorKind::AddrInUse,
        zmq::Error::EADDRNOTAVAIL => io::ErrorKind::AddrNotAvailable,
        zmq::Error::ENOENT => io::ErrorKind::NotFound,
        zmq::Error::ECONNREFUSED => io::ErrorKind::ConnectionRefused,
        _ => {
            let raw = error.to_raw();
            if raw < ZMQ_HAUSNUMERO {
                io::Error::from_raw_os_error(raw).kind()
            } else {
                io::ErrorKind::Other
            }
        }
    }
}

impl From<Error> for io::Error {
    fn from(error: Error) -> io::Error {
        match error {
            // The operating system knows these errnos: keep them raw so
            // `raw_os_error()` and the usual `kind()` work.
            Error::Zmq(e) if e.to_raw() < ZMQ_HAUSNUMERO => {
                io::Error::from_raw_os_error(e.to_raw())
            }
            Error::Io(e) => e,
            other => io::Error::new(other.kind(), other),
        }
    }
}

/// A failed send, carrying the message that was not sent.
///
/// Nothing of `message` reached libzmq: resend it, or inspect it.
///
/// # Examples
///
/// ```
/// use zmq_core::{Socket, SocketType};
///
/// // A PUSH socket with no peer cannot take a message without waiting.
/// let push = Socket::new(SocketType::PUSH)?;
/// let failed = push.try_send("hello").unwrap_err();
/// assert!(failed.error.is_would_block());
/// assert_eq!(&failed.message[0][..], b"hello");
/// # Ok::<(), zmq_core::Error>(())
/// ```
#[derive(thiserror::Error)]
#[error("send failed: {error}")]
pub struct SendError {
    /// Why the send failed.
    #[source]
    pub error: Error,
    /// The message, untouched.
    pub message: Multipart,
}

impl SendError {
    /// Splits the error into its cause and the unsent message.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Socket, SocketType};
    ///
    /// let push = Socket::new(SocketType::PUSH)?;
    /// let (error, message) = push.try_send("again").unwrap_err().into_parts();
    /// assert!(error.is_would_block());
    /// assert_eq!(message.len(), 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn into_parts(self) -> (Error, Multipart) {
        (self.error, self.message)
    }
}

impl fmt::Debug for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendError")
            .field("error", &self.error)
            .field("frames", &self.message.len())
            .finish()
    }
}

impl From<SendError> for Error {
    fn from(error: SendError) -> Error {
        error.error
    }
}

impl From<SendError> for io::Error {
    fn from(error: SendError) -> io::Error {
        error.error.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posix_errno_survives_conversion_to_io_error() {
        let io: io::Error = Error::Zmq(zmq::Error::EHOSTUNREACH).into();
        assert_eq!(io.raw_os_error(), Some(zmq::Error::EHOSTUNREACH.to_raw()));
    }

    #[test]
    fn zmq_specific_errno_is_recoverable_from_io_error() {
        let io: io::Error = Error::Zmq(zmq::Error::EFSM).into();
        let inner = io.get_ref().and_then(|e| e.downcast_ref::<Error>());
        assert_eq!(
            inner.and_then(Error::errno),
            Some(zmq::Error::EFSM.to_raw())
        );
    }

    #[test]
    fn eagain_maps_to_would_block() {
        let io: io::Error = Error::Zmq(zmq::Error::EAGAIN).into();
        assert_eq!(io.kind(), io::ErrorKind::WouldBlock);
    }
}
