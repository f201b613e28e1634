//! The transport's write buffer and aiozmq's watermark rules.
//!
//! Sizes count payload bytes (the sum of every frame's length), as aiozmq
//! does. The protocol is paused once when the size goes strictly over the
//! high-water mark, and resumed once when it is at or below the low-water
//! mark again.

use std::collections::VecDeque;

use crate::error::{Error, Result};
use crate::message::Multipart;

/// aiozmq's default high-water mark: 64 KiB.
pub const DEFAULT_HIGH_WATER: usize = 64 * 1024;

/// What a change of the buffer asks of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlowChange {
    /// Nothing.
    None,
    /// Call `pause_writing`.
    Pause,
    /// Call `resume_writing`.
    Resume,
}

/// Messages waiting for the socket, with their byte count and limits.
#[derive(Debug)]
pub(crate) struct WriteBuffer {
    /// Each message with its size, counted once when it is queued: a
    /// frame's length is two calls into libzmq, and the flush needs it
    /// again after the send has emptied the message.
    queue: VecDeque<(Multipart, usize)>,
    size: usize,
    high: usize,
    low: usize,
    paused: bool,
}

impl Default for WriteBuffer {
    fn default() -> WriteBuffer {
        WriteBuffer {
            queue: VecDeque::new(),
            size: 0,
            high: DEFAULT_HIGH_WATER,
            low: DEFAULT_HIGH_WATER / 4,
            paused: false,
        }
    }
}

/// aiozmq's `_set_write_buffer_limits`: a missing high is 64 KiB (or four
/// times the low given); a missing low is a quarter of high (so a high of 0
/// forces a low of 0); low above high is an error.
pub(crate) fn resolve_limits(high: Option<usize>, low: Option<usize>) -> Result<(usize, usize)> {
    let high = match (high, low) {
        (Some(high), _) => high,
        (None, None) => DEFAULT_HIGH_WATER,
        (None, Some(low)) => low.saturating_mul(4),
    };
    let low = low.unwrap_or(high / 4);
    if low > high {
        return Err(Error::InvalidWriteBufferLimits { high, low });
    }
    Ok((high, low))
}

impl WriteBuffer {
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn limits(&self) -> (usize, usize) {
        (self.high, self.low)
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.paused
    }

    /// Appends a message; says whether the protocol must now be paused.
    pub(crate) fn push(&mut self, message: Multipart) -> FlowChange {
        let bytes = message.byte_len();
        self.size += bytes;
        self.queue.push_back((message, bytes));
        self.maybe_pause()
    }

    /// Sets the limits (see [`resolve_limits`]); a new high below the
    /// current size pauses at once, as in aiozmq.
    pub(crate) fn set_limits(
        &mut self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> Result<FlowChange> {
        let (high, low) = resolve_limits(high, low)?;
        self.high = high;
        self.low = low;
        Ok(self.maybe_pause())
    }

    /// The oldest message, for sending; take it out with
    /// [`sent_front`](WriteBuffer::sent_front) once the socket took it.
    pub(crate) fn front_mut(&mut self) -> Option<&mut Multipart> {
        self.queue.front_mut().map(|(message, _)| message)
    }

    /// Forgets the front message, which the socket has taken.
    pub(crate) fn sent_front(&mut self) {
        if let Some((_, bytes)) = self.queue.pop_front() {
            self.size -= bytes.min(self.size);
        }
    }

    /// Says whether the protocol must now be resumed.
    pub(crate) fn maybe_resume(&mut self) -> FlowChange {
        if self.paused && self.size <= self.low {
            self.paused = false;
            FlowChange::Resume
        } else {
            FlowChange::None
        }
    }

    /// Drops every buffered message (abort).
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.size = 0;
    }

    fn maybe_pause(&mut self) -> FlowChange {
        if !self.paused && self.size > self.high {
            self.paused = true;
            FlowChange::Pause
        } else {
            FlowChange::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(n: usize) -> Multipart {
        Multipart::from(vec![0u8; n])
    }

    fn flush_one(buffer: &mut WriteBuffer) -> FlowChange {
        if let Some(front) = buffer.front_mut() {
            // As a send does: libzmq takes the frames.
            *front = Multipart::new();
        }
        buffer.sent_front();
        buffer.maybe_resume()
    }

    #[test]
    fn limits_follow_aiozmq_rules() {
        assert_eq!(resolve_limits(None, None).unwrap(), (65536, 16384));
        assert_eq!(resolve_limits(Some(100), None).unwrap(), (100, 25));
        assert_eq!(resolve_limits(None, Some(10)).unwrap(), (40, 10));
        assert_eq!(resolve_limits(Some(0), None).unwrap(), (0, 0));
        assert_eq!(resolve_limits(Some(10), Some(10)).unwrap(), (10, 10));
        assert!(matches!(
            resolve_limits(Some(10), Some(11)),
            Err(Error::InvalidWriteBufferLimits { high: 10, low: 11 })
        ));
        assert!(matches!(
            resolve_limits(Some(0), Some(1)),
            Err(Error::InvalidWriteBufferLimits { .. })
        ));
    }

    #[test]
    fn pause_fires_once_strictly_over_high_and_resume_at_or_below_low() {
        let mut buffer = WriteBuffer::default();
        buffer.set_limits(Some(10), Some(4)).unwrap();
        assert_eq!(
            buffer.push(bytes(10)),
            FlowChange::None,
            "at high: no pause"
        );
        assert_eq!(buffer.push(bytes(1)), FlowChange::Pause, "over high");
        assert_eq!(buffer.push(bytes(5)), FlowChange::None, "paused once");
        assert_eq!(buffer.size(), 16);
        assert_eq!(flush_one(&mut buffer), FlowChange::None, "6 > low");
        assert_eq!(buffer.size(), 6);
        assert_eq!(flush_one(&mut buffer), FlowChange::None, "5 > low");
        assert_eq!(flush_one(&mut buffer), FlowChange::Resume, "0 <= low");
        assert_eq!(buffer.maybe_resume(), FlowChange::None, "resumed once");
    }

    #[test]
    fn resume_fires_exactly_at_low() {
        let mut buffer = WriteBuffer::default();
        buffer.set_limits(Some(8), Some(4)).unwrap();
        buffer.push(bytes(5));
        assert_eq!(buffer.push(bytes(4)), FlowChange::Pause);
        assert_eq!(flush_one(&mut buffer), FlowChange::Resume, "4 == low");
    }

    #[test]
    fn high_zero_pauses_on_any_byte_and_resumes_only_when_empty() {
        let mut buffer = WriteBuffer::default();
        buffer.set_limits(Some(0), None).unwrap();
        assert_eq!(buffer.limits(), (0, 0));
        assert_eq!(
            buffer.push(bytes(0)),
            FlowChange::None,
            "an empty frame counts 0"
        );
        assert_eq!(buffer.push(bytes(1)), FlowChange::Pause);
        assert_eq!(flush_one(&mut buffer), FlowChange::None, "1 byte left");
        assert_eq!(flush_one(&mut buffer), FlowChange::Resume);
    }

    #[test]
    fn lowering_high_below_the_size_pauses_at_once() {
        let mut buffer = WriteBuffer::default();
        buffer.push(bytes(100));
        assert_eq!(
            buffer.set_limits(Some(50), None).unwrap(),
            FlowChange::Pause
        );
        assert!(buffer.is_paused());
        assert!(buffer.set_limits(Some(1), Some(2)).is_err());
        assert_eq!(
            buffer.limits(),
            (50, 12),
            "a refused change keeps the limits"
        );
    }
}
