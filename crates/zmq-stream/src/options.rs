//! [`StreamOptions`]: the watermarks and backlog of a new stream.

use crate::error::StreamError;

/// aiozmq's default read high-water mark: 64 KiB.
pub const DEFAULT_READ_HIGH_WATER: usize = 64 * 1024;

/// aiozmq's default event backlog.
pub const DEFAULT_EVENTS_BACKLOG: usize = 100;

/// The limits of a stream made by [`create_zmq_stream`](crate::create_zmq_stream):
/// aiozmq's `high_read`, `low_read`, `high_write`, `low_write` and
/// `events_backlog`.
///
/// Every water mark counts **bytes** (the sum of the frames' lengths), as in
/// aiozmq. A missing mark takes aiozmq's default: a high of 64 KiB (or four
/// times the low given), a low of a quarter of the high.
///
/// # Examples
///
/// ```
/// use zmq_stream::StreamOptions;
///
/// let options = StreamOptions::default().read_limits(Some(1024), None).events_backlog(None);
/// assert_eq!(options.high_read, Some(1024));
/// assert_eq!(options.events_backlog, None); // unbounded
/// assert_eq!(StreamOptions::default().events_backlog, Some(100));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// Reading pauses when the unread messages hold more bytes than this.
    pub high_read: Option<usize>,
    /// Reading resumes when the unread messages hold this many bytes or
    /// fewer.
    pub low_read: Option<usize>,
    /// The transport's write high-water mark (see
    /// [`ZmqTransport::set_write_buffer_limits`](zmq_core::ZmqTransport::set_write_buffer_limits)).
    pub high_write: Option<usize>,
    /// The transport's write low-water mark.
    pub low_write: Option<usize>,
    /// How many monitor events are kept unread; the oldest is dropped when
    /// full. `None`: unbounded.
    pub events_backlog: Option<usize>,
}

impl Default for StreamOptions {
    fn default() -> StreamOptions {
        StreamOptions {
            high_read: None,
            low_read: None,
            high_write: None,
            low_write: None,
            events_backlog: Some(DEFAULT_EVENTS_BACKLOG),
        }
    }
}

impl StreamOptions {
    /// Sets the read water marks (bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = zmq_stream::StreamOptions::default().read_limits(Some(100), Some(10));
    /// assert_eq!((options.high_read, options.low_read), (Some(100), Some(10)));
    /// ```
    pub fn read_limits(mut self, high: Option<usize>, low: Option<usize>) -> StreamOptions {
        self.high_read = high;
        self.low_read = low;
        self
    }

    /// Sets the write water marks (bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = zmq_stream::StreamOptions::default().write_limits(Some(0), None);
    /// assert_eq!(options.high_write, Some(0));
    /// ```
    pub fn write_limits(mut self, high: Option<usize>, low: Option<usize>) -> StreamOptions {
        self.high_write = high;
        self.low_write = low;
        self
    }

    /// Sets the event backlog (`None`: unbounded).
    ///
    /// # Examples
    ///
    /// ```
    /// let options = zmq_stream::StreamOptions::default().events_backlog(Some(2));
    /// assert_eq!(options.events_backlog, Some(2));
    /// ```
    pub fn events_backlog(mut self, backlog: Option<usize>) -> StreamOptions {
        self.events_backlog = backlog;
        self
    }
}

/// aiozmq's `_set_read_buffer_limits`.
pub(crate) fn resolve_read_limits(
    high: Option<usize>,
    low: Option<usize>,
) -> Result<(usize, usize), StreamError> {
    let high = match (high, low) {
        (Some(high), _) => high,
        (None, None) => DEFAULT_READ_HIGH_WATER,
        (None, Some(low)) => low.saturating_mul(4),
    };
    let low = low.unwrap_or(high / 4);
    if low > high {
        return Err(StreamError::InvalidReadLimits { high, low });
    }
    Ok((high, low))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_limits_follow_aiozmq_rules() {
        assert_eq!(resolve_read_limits(None, None).unwrap(), (65536, 16384));
        assert_eq!(resolve_read_limits(Some(8), None).unwrap(), (8, 2));
        assert_eq!(resolve_read_limits(None, Some(3)).unwrap(), (12, 3));
        assert_eq!(resolve_read_limits(Some(0), None).unwrap(), (0, 0));
        assert!(matches!(
            resolve_read_limits(Some(1), Some(2)),
            Err(StreamError::InvalidReadLimits { high: 1, low: 2 })
        ));
    }
}
