//! The fixed-size headers of aiozmq's request-reply frames.
//!
//! aiozmq packs them with Python's `struct` formats `"=HHLd"` (request, 16
//! bytes) and `"=HHLd?"` (reply, 17 bytes): native byte order, no padding.
//! Every platform Python runs aiozmq on is little-endian, so this module
//! reads and writes **little-endian**; a big-endian Python host would not
//! interoperate.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 2 | sender pid % 65536 |
//! | 2 | 2 | sender random 16-bit value, chosen once per instance |
//! | 4 | 4 | request id (the reply echoes the request's) |
//! | 8 | 8 | sender Unix time in seconds, `f64` |
//! | 16 | 1 | reply only: `is_error` (any non-zero byte is true) |

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::DecodeError;

/// The size of a request header in bytes.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::wire::REQUEST_HEADER_LEN, 16);
/// ```
pub const REQUEST_HEADER_LEN: usize = 16;
/// The size of a reply header in bytes.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::wire::REPLY_HEADER_LEN, 17);
/// ```
pub const REPLY_HEADER_LEN: usize = 17;

/// The first four header bytes: who sent the frame.
///
/// aiozmq fills it with the sender's pid (mod 65536) and a random 16-bit
/// value chosen once per client or server instance. Nobody checks it; it
/// only shows in logs.
///
/// # Examples
///
/// ```
/// use zmq_rpc::wire::SenderPrefix;
///
/// let prefix = SenderPrefix::for_this_process();
/// assert_eq!(prefix.pid, (std::process::id() % 65536) as u16);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenderPrefix {
    /// The sender's process id modulo 65536.
    pub pid: u16,
    /// A random value chosen once per instance.
    pub random: u16,
}

impl SenderPrefix {
    /// This process's pid and a fresh random value, as aiozmq does for each
    /// new client or server.
    ///
    /// # Examples
    ///
    /// ```
    /// let prefix = zmq_rpc::wire::SenderPrefix::for_this_process();
    /// assert_eq!(u32::from(prefix.pid), std::process::id() % 65536);
    /// ```
    pub fn for_this_process() -> SenderPrefix {
        SenderPrefix {
            pid: (std::process::id() % 65536) as u16,
            random: random_u16(),
        }
    }
}

/// A 16-bit value that differs between instances: std's randomly seeded
/// hasher, fed the time.
fn random_u16() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    hasher.finish() as u16
}

/// The current Unix time in seconds, as Python's `time.time()`.
///
/// # Examples
///
/// ```
/// assert!(zmq_rpc::wire::unix_time_now() > 1.6e9);
/// ```
pub fn unix_time_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |elapsed| elapsed.as_secs_f64())
}

/// The 16-byte header that starts every request.
///
/// # Examples
///
/// ```
/// use zmq_rpc::wire::{RequestHeader, SenderPrefix};
///
/// let header = RequestHeader {
///     sender: SenderPrefix { pid: 6972, random: 60074 },
///     request_id: 1,
///     timestamp: 1795353181.5948,
/// };
/// let bytes = header.encode();
/// assert_eq!(&bytes[..8], b"\x3c\x1b\xaa\xea\x01\x00\x00\x00");
/// assert_eq!(RequestHeader::decode(&bytes)?, header);
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestHeader {
    /// Who sent it.
    pub sender: SenderPrefix,
    /// The id the reply echoes; unique per client instance.
    pub request_id: u32,
    /// The sender's Unix time in seconds.
    pub timestamp: f64,
}

impl RequestHeader {
    /// The 16 bytes on the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::wire::{RequestHeader, SenderPrefix};
    ///
    /// let sender = SenderPrefix { pid: 1, random: 2 };
    /// let header = RequestHeader { sender, request_id: 7, timestamp: 0.0 };
    /// assert_eq!(header.encode().len(), zmq_rpc::wire::REQUEST_HEADER_LEN);
    /// ```
    pub fn encode(&self) -> [u8; REQUEST_HEADER_LEN] {
        let mut bytes = [0; REQUEST_HEADER_LEN];
        bytes[0..2].copy_from_slice(&self.sender.pid.to_le_bytes());
        bytes[2..4].copy_from_slice(&self.sender.random.to_le_bytes());
        bytes[4..8].copy_from_slice(&self.request_id.to_le_bytes());
        bytes[8..16].copy_from_slice(&self.timestamp.to_le_bytes());
        bytes
    }

    /// Reads a request header; anything but exactly 16 bytes is an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{DecodeError, wire::RequestHeader};
    ///
    /// let err = RequestHeader::decode(&[0; 17]).unwrap_err();
    /// assert!(matches!(err, DecodeError::HeaderLength { expected: 16, found: 17 }));
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<RequestHeader, DecodeError> {
        let bytes: &[u8; REQUEST_HEADER_LEN] =
            bytes.try_into().map_err(|_| DecodeError::HeaderLength {
                expected: REQUEST_HEADER_LEN,
                found: bytes.len(),
            })?;
        Ok(RequestHeader {
            sender: SenderPrefix {
                pid: u16::from_le_bytes([bytes[0], bytes[1]]),
                random: u16::from_le_bytes([bytes[2], bytes[3]]),
            },
            request_id: u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            timestamp: f64::from_le_bytes([
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14],
                bytes[15],
            ]),
        })
    }
}

/// The 17-byte header that starts every reply.
///
/// # Examples
///
/// ```
/// use zmq_rpc::wire::{ReplyHeader, SenderPrefix};
///
/// let header = ReplyHeader {
///     sender: SenderPrefix { pid: 6972, random: 24343 },
///     request_id: 2,
///     timestamp: 0.0,
///     is_error: true,
/// };
/// let bytes = header.encode();
/// assert_eq!(bytes[16], 1);
/// assert_eq!(ReplyHeader::decode(&bytes)?, header);
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplyHeader {
    /// Who sent it (the server).
    pub sender: SenderPrefix,
    /// The id of the request this answers.
    pub request_id: u32,
    /// The server's Unix time when it replied.
    pub timestamp: f64,
    /// True when the body is an error body.
    pub is_error: bool,
}

impl ReplyHeader {
    /// The 17 bytes on the wire.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::wire::{ReplyHeader, SenderPrefix};
    ///
    /// let sender = SenderPrefix { pid: 1, random: 2 };
    /// let header = ReplyHeader { sender, request_id: 7, timestamp: 0.0, is_error: false };
    /// assert_eq!(header.encode()[16], 0);
    /// ```
    pub fn encode(&self) -> [u8; REPLY_HEADER_LEN] {
        let mut bytes = [0; REPLY_HEADER_LEN];
        let request = RequestHeader {
            sender: self.sender,
            request_id: self.request_id,
            timestamp: self.timestamp,
        };
        bytes[..REQUEST_HEADER_LEN].copy_from_slice(&request.encode());
        bytes[16] = u8::from(self.is_error);
        bytes
    }

    /// Reads a reply header; anything but exactly 17 bytes is an error. Any
    /// non-zero `is_error` byte means an error, as Python's `?` reads it.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::wire::ReplyHeader;
    ///
    /// let mut bytes = [0u8; 17];
    /// bytes[16] = 2;
    /// assert!(ReplyHeader::decode(&bytes)?.is_error);
    /// # Ok::<(), zmq_rpc::DecodeError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<ReplyHeader, DecodeError> {
        if bytes.len() != REPLY_HEADER_LEN {
            return Err(DecodeError::HeaderLength {
                expected: REPLY_HEADER_LEN,
                found: bytes.len(),
            });
        }
        let request = RequestHeader::decode(&bytes[..REQUEST_HEADER_LEN])?;
        Ok(ReplyHeader {
            sender: request.sender,
            request_id: request.request_id,
            timestamp: request.timestamp,
            is_error: bytes[16] != 0,
        })
    }
}
