//! Typed socket monitor events and the decoder of libzmq's monitor frames.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};

use crate::message::Multipart;

/// One kind of socket monitor event: every event libzmq 4.3 defines, and
/// [`Unknown`](MonitorEvent::Unknown) for a code this crate does not know
/// (a newer libzmq's, for example).
///
/// # Examples
///
/// ```
/// use zmq_core::MonitorEvent;
///
/// assert_eq!(MonitorEvent::from_raw(0x0001), MonitorEvent::Connected);
/// assert_eq!(MonitorEvent::Listening.to_raw(), 0x0008);
/// assert_eq!(MonitorEvent::from_raw(0x8000), MonitorEvent::Unknown(0x8000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MonitorEvent {
    /// `ZMQ_EVENT_CONNECTED`: a connection to a peer was established; the
    /// value is the connection's descriptor.
    Connected,
    /// `ZMQ_EVENT_CONNECT_DELAYED`: a connect call failed synchronously and
    /// will be retried; the value is the errno.
    ConnectDelayed,
    /// `ZMQ_EVENT_CONNECT_RETRIED`: a reconnection was scheduled; the value
    /// is the reconnect interval in milliseconds.
    ConnectRetried,
    /// `ZMQ_EVENT_LISTENING`: the socket listens on the endpoint; the value
    /// is the listening descriptor.
    Listening,
    /// `ZMQ_EVENT_BIND_FAILED`: binding failed; the value is the errno.
    BindFailed,
    /// `ZMQ_EVENT_ACCEPTED`: a connection from a peer was accepted; the
    /// value is the connection's descriptor.
    Accepted,
    /// `ZMQ_EVENT_ACCEPT_FAILED`: accepting a connection failed; the value
    /// is the errno.
    AcceptFailed,
    /// `ZMQ_EVENT_CLOSED`: a connection or listener was closed; the value
    /// is its descriptor.
    Closed,
    /// `ZMQ_EVENT_CLOSE_FAILED`: closing failed; the value is the errno.
    CloseFailed,
    /// `ZMQ_EVENT_DISCONNECTED`: a session was broken unexpectedly; the
    /// value is the descriptor.
    Disconnected,
    /// `ZMQ_EVENT_MONITOR_STOPPED`: the monitor was stopped; the last event.
    MonitorStopped,
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`: the handshake failed without
    /// a detailed reason; the value is the errno.
    HandshakeFailedNoDetail,
    /// `ZMQ_EVENT_HANDSHAKE_SUCCEEDED`: the ZMTP handshake (and security)
    /// succeeded.
    HandshakeSucceeded,
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`: the peer broke the protocol
    /// during the handshake; the value is a `ZMQ_PROTOCOL_ERROR_*` code.
    HandshakeFailedProtocol,
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`: authentication failed; the value
    /// is the ZAP status code.
    HandshakeFailedAuth,
    /// An event code this crate does not know.
    Unknown(u16),
}

impl MonitorEvent {
    /// Every event libzmq 4.3 defines, in the order of their codes.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::MonitorEvent;
    ///
    /// assert_eq!(MonitorEvent::KNOWN.len(), 15);
    /// assert!(MonitorEvent::KNOWN.iter().all(|e| !matches!(e, MonitorEvent::Unknown(_))));
    /// ```
    pub const KNOWN: [MonitorEvent; 15] = [
        MonitorEvent::Connected,
        MonitorEvent::ConnectDelayed,
        MonitorEvent::ConnectRetried,
        MonitorEvent::Listening,
        MonitorEvent::BindFailed,
        MonitorEvent::Accepted,
        MonitorEvent::AcceptFailed,
        MonitorEvent::Closed,
        MonitorEvent::CloseFailed,
        MonitorEvent::Disconnected,
        MonitorEvent::MonitorStopped,
        MonitorEvent::HandshakeFailedNoDetail,
        MonitorEvent::HandshakeSucceeded,
        MonitorEvent::HandshakeFailedProtocol,
        MonitorEvent::HandshakeFailedAuth,
    ];

    /// The event for libzmq's code.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::MonitorEvent;
    ///
    /// assert_eq!(MonitorEvent::from_raw(0x0200), MonitorEvent::Disconnected);
    /// ```
    pub fn from_raw(code: u16) -> MonitorEvent {
        MonitorEvent::KNOWN
            .into_iter()
            .find(|event| event.to_raw() == code)
            .unwrap_or(MonitorEvent::Unknown(code))
    }

    /// libzmq's code for the event (`ZMQ_EVENT_*`).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::MonitorEvent;
    ///
    /// assert_eq!(MonitorEvent::HandshakeSucceeded.to_raw(), 0x1000);
    /// ```
    pub fn to_raw(self) -> u16 {
        match self {
            MonitorEvent::Connected => 0x0001,
            MonitorEvent::ConnectDelayed => 0x0002,
            MonitorEvent::ConnectRetried => 0x0004,
            MonitorEvent::Listening => 0x0008,
            MonitorEvent::BindFailed => 0x0010,
            MonitorEvent::Accepted => 0x0020,
            MonitorEvent::AcceptFailed => 0x0040,
            MonitorEvent::Closed => 0x0080,
            MonitorEvent::CloseFailed => 0x0100,
            MonitorEvent::Disconnected => 0x0200,
            MonitorEvent::MonitorStopped => 0x0400,
            MonitorEvent::HandshakeFailedNoDetail => 0x0800,
            MonitorEvent::HandshakeSucceeded => 0x1000,
            MonitorEvent::HandshakeFailedProtocol => 0x2000,
            MonitorEvent::HandshakeFailedAuth => 0x4000,
            MonitorEvent::Unknown(code) => code,
        }
    }
}

/// A set of [`MonitorEvent`]s: which events a monitor reports.
///
/// # Examples
///
/// ```
/// use zmq_core::{EventMask, MonitorEvent};
///
/// let mask = EventMask::from(MonitorEvent::Connected) | MonitorEvent::Disconnected;
/// assert!(mask.contains(MonitorEvent::Connected));
/// assert!(!mask.contains(MonitorEvent::Listening));
/// assert!(EventMask::ALL.contains(MonitorEvent::HandshakeFailedAuth));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventMask(u16);

impl EventMask {
    /// Every event (`ZMQ_EVENT_ALL`).
    pub const ALL: EventMask = EventMask(0xffff);

    /// No event.
    pub const NONE: EventMask = EventMask(0);

    /// The mask for libzmq's bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{EventMask, MonitorEvent};
    ///
    /// assert!(EventMask::from_raw(0x0009).contains(MonitorEvent::Listening));
    /// ```
    pub const fn from_raw(bits: u16) -> EventMask {
        EventMask(bits)
    }

    /// libzmq's bits.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::EventMask;
    ///
    /// assert_eq!(EventMask::ALL.to_raw(), 0xffff);
    /// ```
    pub const fn to_raw(self) -> u16 {
        self.0
    }

    /// True when `event` is in the set. An unknown event is in the set when
    /// all its bits are.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{EventMask, MonitorEvent};
    ///
    /// assert!(EventMask::ALL.contains(MonitorEvent::Closed));
    /// assert!(!EventMask::NONE.contains(MonitorEvent::Closed));
    /// ```
    pub fn contains(self, event: MonitorEvent) -> bool {
        let bits = event.to_raw();
        bits != 0 && self.0 & bits == bits
    }
}

impl From<MonitorEvent> for EventMask {
    fn from(event: MonitorEvent) -> EventMask {
        EventMask(event.to_raw())
    }
}

impl<T: Into<EventMask>> BitOr<T> for EventMask {
    type Output = EventMask;

    fn bitor(self, other: T) -> EventMask {
        EventMask(self.0 | other.into().0)
    }
}

impl<T: Into<EventMask>> BitOrAssign<T> for EventMask {
    fn bitor_assign(&mut self, other: T) {
        self.0 |= other.into().0;
    }
}

impl FromIterator<MonitorEvent> for EventMask {
    fn from_iter<I: IntoIterator<Item = MonitorEvent>>(events: I) -> EventMask {
        events.into_iter().fold(EventMask::NONE, BitOr::bitor)
    }
}

impl fmt::Debug for EventMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventMask({:#06x})", self.0)
    }
}

/// One event reported by a socket monitor (aiozmq's `SocketEvent`).
///
/// # Examples
///
/// Decoding the two frames libzmq sends for an event:
///
/// ```
/// use zmq_core::{MonitorEvent, Multipart, SocketEvent};
///
/// let mut first = 0x0008u16.to_le_bytes().to_vec(); // LISTENING
/// first.extend_from_slice(&7u32.to_le_bytes()); // the descriptor
/// let frames = Multipart::from(vec![first, b"tcp://127.0.0.1:5555".to_vec()]);
/// let event = SocketEvent::decode(&frames)?;
/// assert_eq!(event.event, MonitorEvent::Listening);
/// assert_eq!(event.value, 7);
/// assert_eq!(event.endpoint, "tcp://127.0.0.1:5555");
/// # Ok::<(), zmq_core::MonitorFrameError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SocketEvent {
    /// What happened.
    pub event: MonitorEvent,
    /// The event's value: a descriptor, an errno, an interval, depending on
    /// the event (see [`MonitorEvent`]).
    pub value: u32,
    /// The endpoint the event is about.
    pub endpoint: String,
}

/// The length of the first frame of a monitor message: a `u16` event code
/// and a `u32` value, both little-endian.
const EVENT_FRAME_LEN: usize = 6;

impl SocketEvent {
    /// Decodes libzmq's two-frame monitor message: frame 1 holds the event
    /// code (`u16`) and value (`u32`), little-endian; frame 2 the endpoint.
    ///
    /// # Errors
    ///
    /// A [`MonitorFrameError`] for anything else; never a panic.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{Multipart, MonitorFrameError, SocketEvent};
    ///
    /// let short = Multipart::from(vec![vec![1u8, 0], b"tcp://x:1".to_vec()]);
    /// assert_eq!(
    ///     SocketEvent::decode(&short),
    ///     Err(MonitorFrameError::EventFrameLength { len: 2 })
    /// );
    /// ```
    pub fn decode(frames: &Multipart) -> Result<SocketEvent, MonitorFrameError> {
        if frames.len() != 2 {
            return Err(MonitorFrameError::FrameCount {
                frames: frames.len(),
            });
        }
        SocketEvent::from_frames(&frames[0], &frames[1])
    }

    /// Decodes the two frames of a monitor message given separately (see
    /// [`decode`](SocketEvent::decode)).
    ///
    /// # Errors
    ///
    /// A [`MonitorFrameError`] when the first frame is not 6 bytes or the
    /// endpoint is not UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{MonitorEvent, SocketEvent};
    ///
    /// let event = SocketEvent::from_frames(&[0, 2, 4, 0, 0, 0], b"tcp://h:1")?;
    /// assert_eq!(event.event, MonitorEvent::Disconnected);
    /// assert_eq!(event.value, 4);
    /// # Ok::<(), zmq_core::MonitorFrameError>(())
    /// ```
    pub fn from_frames(first: &[u8], endpoint: &[u8]) -> Result<SocketEvent, MonitorFrameError> {
        let Ok(bytes) = <[u8; EVENT_FRAME_LEN]>::try_from(first) else {
            return Err(MonitorFrameError::EventFrameLength { len: first.len() });
        };
        let code = u16::from_le_bytes([bytes[0], bytes[1]]);
        let value = u32::from_le_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        let endpoint = std::str::from_utf8(endpoint)
            .map_err(|_| MonitorFrameError::EndpointNotUtf8)?
            .to_owned();
        Ok(SocketEvent {
            event: MonitorEvent::from_raw(code),
            value,
            endpoint,
        })
    }

    /// Encodes the event as libzmq's two frames: the inverse of
    /// [`decode`](SocketEvent::decode), for tests and for relaying events.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::{MonitorEvent, SocketEvent};
    ///
    /// let event = SocketEvent {
    ///     event: MonitorEvent::Accepted,
    ///     value: 12,
    ///     endpoint: "tcp://127.0.0.1:4000".into(),
    /// };
    /// assert_eq!(SocketEvent::decode(&event.encode())?, event);
    /// # Ok::<(), zmq_core::MonitorFrameError>(())
    /// ```
    pub fn encode(&self) -> Multipart {
        let mut first = Vec::with_capacity(EVENT_FRAME_LEN);
        first.extend_from_slice(&self.event.to_raw().to_le_bytes());
        first.extend_from_slice(&self.value.to_le_bytes());
        Multipart::from(vec![first, self.endpoint.clone().into_bytes()])
    }
}

/// A monitor message that is not libzmq's two-frame event format.
///
/// # Examples
///
/// ```
/// use zmq_core::{Multipart, MonitorFrameError, SocketEvent};
///
/// let error = SocketEvent::decode(&Multipart::from("one frame")).unwrap_err();
/// assert_eq!(error, MonitorFrameError::FrameCount { frames: 1 });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MonitorFrameError {
    /// A monitor message has exactly two frames.
    #[error("a monitor message has 2 frames, not {frames}")]
    FrameCount {
        /// How many frames the message had.
        frames: usize,
    },
    /// The first frame is a `u16` event and a `u32` value: 6 bytes.
    #[error("the first frame of a monitor message is 6 bytes, not {len}")]
    EventFrameLength {
        /// The length of the frame received.
        len: usize,
    },
    /// The endpoint frame is not UTF-8.
    #[error("the endpoint of a monitor message is not UTF-8")]
    EndpointNotUtf8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_event_round_trips_through_its_code() {
        for event in MonitorEvent::KNOWN {
            assert_eq!(MonitorEvent::from_raw(event.to_raw()), event);
            assert_eq!(event.to_raw().count_ones(), 1, "{event:?}");
        }
        let all: EventMask = MonitorEvent::KNOWN.into_iter().collect();
        assert_eq!(all.to_raw(), 0x7fff);
    }

    #[test]
    fn codes_match_libzmq() {
        assert_eq!(
            MonitorEvent::Connected.to_raw(),
            zmq_sys::ZMQ_EVENT_CONNECTED as u16
        );
        assert_eq!(
            MonitorEvent::HandshakeFailedAuth.to_raw(),
            zmq_sys::ZMQ_EVENT_HANDSHAKE_FAILED_AUTH as u16
        );
        assert_eq!(
            MonitorEvent::MonitorStopped.to_raw(),
            zmq_sys::ZMQ_EVENT_MONITOR_STOPPED as u16
        );
        assert_eq!(EventMask::ALL.to_raw(), zmq_sys::ZMQ_EVENT_ALL as u16);
    }

    #[test]
    fn malformed_monitor_frames_are_errors_never_panics() {
        let cases: Vec<(Multipart, MonitorFrameError)> = vec![
            (
                Multipart::new(),
                MonitorFrameError::FrameCount { frames: 0 },
            ),
            (
                Multipart::from(vec![vec![0u8; 6]]),
                MonitorFrameError::FrameCount { frames: 1 },
            ),
            (
                Multipart::from(vec![vec![0u8; 6], vec![], vec![]]),
                MonitorFrameError::FrameCount { frames: 3 },
            ),
            (
                Multipart::from(vec![vec![], b"tcp://a:1".to_vec()]),
                MonitorFrameError::EventFrameLength { len: 0 },
            ),
            (
                Multipart::from(vec![vec![1u8; 5], b"tcp://a:1".to_vec()]),
                MonitorFrameError::EventFrameLength { len: 5 },
            ),
            (
                Multipart::from(vec![vec![1u8; 7], b"tcp://a:1".to_vec()]),
                MonitorFrameError::EventFrameLength { len: 7 },
            ),
            (
                Multipart::from(vec![vec![1u8, 0, 0, 0, 0, 0], vec![0xff, 0xfe]]),
                MonitorFrameError::EndpointNotUtf8,
            ),
        ];
        for (frames, expected) in cases {
            assert_eq!(SocketEvent::decode(&frames), Err(expected), "{frames:?}");
        }
    }

    #[test]
    fn unknown_codes_and_empty_endpoints_decode() {
        let event = SocketEvent::from_frames(&[0, 0x80, 0xff, 0xff, 0xff, 0xff], b"").unwrap();
        assert_eq!(event.event, MonitorEvent::Unknown(0x8000));
        assert_eq!(event.value, u32::MAX);
        assert_eq!(event.endpoint, "");
    }

    #[test]
    fn values_are_little_endian() {
        let event = SocketEvent::from_frames(&[0x20, 0, 0x01, 0x02, 0x03, 0x04], b"x").unwrap();
        assert_eq!(event.event, MonitorEvent::Accepted);
        assert_eq!(event.value, 0x0403_0201);
    }
}
