//! [`StreamError`]: what a [`ZmqStream`](crate::ZmqStream) reports.

use std::sync::Arc;

/// An error of a [`ZmqStream`](crate::ZmqStream).
///
/// Cheap to clone: a socket failure is kept and reported again by every
/// later read, as aiozmq's `exception()` is.
///
/// # Examples
///
/// ```
/// use zmq_stream::StreamError;
///
/// let error = StreamError::from(zmq_stream::zmq_core::Error::Closed);
/// assert!(matches!(error, StreamError::Zmq(_)));
/// assert_eq!(StreamError::Closed.to_string(), "the stream is closed");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The stream is closed and holds nothing more to read (aiozmq's
    /// `ZmqStreamClosed`); writing after `close()` gives it too.
    #[error("the stream is closed")]
    Closed,
    /// The socket failed, or an operation on it did.
    #[error(transparent)]
    Zmq(Arc<zmq_core::Error>),
    /// Read buffer limits that break `high >= low`.
    #[error("read buffer limits need high ({high}) >= low ({low})")]
    InvalidReadLimits {
        /// The high-water mark asked for, in bytes.
        high: usize,
        /// The low-water mark asked for, in bytes.
        low: usize,
    },
}

impl From<zmq_core::Error> for StreamError {
    fn from(error: zmq_core::Error) -> StreamError {
        StreamError::Zmq(Arc::new(error))
    }
}

impl StreamError {
    /// The `zmq_core` error behind this one, if any.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_stream::StreamError;
    ///
    /// let error = StreamError::from(zmq_stream::zmq_core::Error::EmptyMessage);
    /// assert!(matches!(error.zmq(), Some(zmq_stream::zmq_core::Error::EmptyMessage)));
    /// assert!(StreamError::Closed.zmq().is_none());
    /// ```
    pub fn zmq(&self) -> Option<&zmq_core::Error> {
        match self {
            StreamError::Zmq(error) => Some(error),
            _ => None,
        }
    }
}
