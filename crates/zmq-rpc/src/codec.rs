//! The messages of aiozmq's three patterns, as frames.
//!
//! Everything here works on bytes and needs no socket, so the protocol is
//! tested on its own (golden bytes from real aiozmq captures, and random
//! input that must never panic).
//!
//! - A **request**, as a DEALER sends it, is four frames:
//!   `[header (16 bytes), name (UTF-8), args (msgpack array), kwargs (msgpack map)]`.
//!   A ROUTER sees routing frames before those four: the **last four** are
//!   the request and every earlier frame is the envelope, echoed back
//!   verbatim (so REQ clients and proxies work).
//! - A **reply** is `envelope + [header (17 bytes), body (msgpack)]`; a
//!   DEALER receives exactly the two frames. The body is the return value,
//!   or with `is_error` set an [`ErrorBody`].
//! - A pipeline **notification** (PUSH to PULL) is three frames:
//!   `[name, args, kwargs]`, with no header and no id ([`Notification`]).
//! - A pub-sub **publication** (PUB to SUB) is the topic frame and then the
//!   three frames of a notification ([`Notification::encode_published`]);
//!   an empty topic frame is Python's `publish(None)`.
//!
//! Structural problems of args and kwargs (args not an array, kwargs not a
//! map, a bin kwargs key) are **not** decode errors: aiozmq answers them
//! with a `ParametersError`, so they reach argument binding.

use rmpv::Value;
use zmq_core::{Frame, Multipart};

use crate::error::DecodeError;
use crate::exception::ErrorBody;
use crate::msgpack::{decode_value, encode_value};
use crate::wire::{ReplyHeader, RequestHeader};

/// The number of frames of a request, without envelope.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::codec::REQUEST_FRAMES, 4);
/// ```
pub const REQUEST_FRAMES: usize = 4;
/// The number of frames of a reply, without envelope.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::codec::REPLY_FRAMES, 2);
/// ```
pub const REPLY_FRAMES: usize = 2;

/// The number of frames of a pipeline notification.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::codec::NOTIFICATION_FRAMES, 3);
/// ```
pub const NOTIFICATION_FRAMES: usize = 3;
/// The number of frames of a pub-sub notification (the topic first).
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::codec::PUBLICATION_FRAMES, 4);
/// ```
pub const PUBLICATION_FRAMES: usize = 4;

/// Reads the three frames every pattern shares: the UTF-8 method name, the
/// msgpack args and the msgpack kwargs.
fn decode_call_frames(
    name: &[u8],
    args: &[u8],
    kwargs: &[u8],
) -> Result<Notification, DecodeError> {
    Ok(Notification {
        name: std::str::from_utf8(name)
            .map_err(|_| DecodeError::NameNotUtf8)?
            .to_owned(),
        args: decode_value(args)?,
        kwargs: decode_value(kwargs)?,
    })
}

/// One RPC request.
///
/// # Examples
///
/// ```
/// use zmq_rpc::codec::Request;
/// use zmq_rpc::rmpv::Value;
/// use zmq_rpc::wire::{RequestHeader, SenderPrefix};
///
/// let request = Request {
///     header: RequestHeader { sender: SenderPrefix { pid: 1, random: 2 }, request_id: 1, timestamp: 0.0 },
///     name: "add".into(),
///     args: Value::from(vec![Value::from(1), Value::from(2)]),
///     kwargs: Value::Map(vec![]),
/// };
/// let frames = request.encode();
/// assert_eq!(frames[1], b"add");
/// assert_eq!(frames[2], b"\x92\x01\x02");
/// assert_eq!(frames[3], b"\x80");
/// assert_eq!(Request::decode(&frames)?, request);
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The header: sender, request id, time.
    pub header: RequestHeader,
    /// The dotted method name.
    pub name: String,
    /// The positional arguments: an array when well formed.
    pub args: Value,
    /// The keyword arguments: a map with str keys when well formed.
    pub kwargs: Value,
}

impl Request {
    /// The four frames.
    ///
    /// # Examples
    ///
    /// See [`Request`].
    pub fn encode(&self) -> [Vec<u8>; REQUEST_FRAMES] {
        [
            self.header.encode().to_vec(),
            self.name.as_bytes().to_vec(),
            encode_value(&self.args),
            encode_value(&self.kwargs),
        ]
    }

    /// Reads exactly four frames.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{DecodeError, codec::Request};
    ///
    /// let err = Request::decode(&[b"x"]).unwrap_err();
    /// assert!(matches!(err, DecodeError::FrameCount { expected: 4, found: 1 }));
    /// ```
    pub fn decode<F: AsRef<[u8]>>(frames: &[F]) -> Result<Request, DecodeError> {
        let [header, name, args, kwargs] = frames else {
            return Err(DecodeError::FrameCount {
                expected: REQUEST_FRAMES,
                found: frames.len(),
            });
        };
        let header = RequestHeader::decode(header.as_ref())?;
        let Notification { name, args, kwargs } =
            decode_call_frames(name.as_ref(), args.as_ref(), kwargs.as_ref())?;
        Ok(Request {
            header,
            name,
            args,
            kwargs,
        })
    }

    /// Splits what a ROUTER received into the envelope (every frame but
    /// the last four, copied) and the request.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::codec::Request;
    /// use zmq_rpc::zmq_core::Multipart;
    ///
    /// let mut message = Multipart::from(["peer", ""]);
    /// message.extend([&[0u8; 16][..], b"f", b"\x90", b"\x80"]);
    /// let (envelope, request) = Request::from_router_message(&message)?;
    /// assert_eq!(envelope.len(), 2);
    /// assert_eq!(request.name, "f");
    /// # Ok::<(), zmq_rpc::DecodeError>(())
    /// ```
    pub fn from_router_message(message: &Multipart) -> Result<(Multipart, Request), DecodeError> {
        if message.len() < REQUEST_FRAMES + 1 {
            // A ROUTER always prepends the peer's routing id.
            return Err(DecodeError::FrameCount {
                expected: REQUEST_FRAMES + 1,
                found: message.len(),
            });
        }
        let envelope_len = message.len() - REQUEST_FRAMES;
        let request_frames: Vec<&Frame> = message.iter().skip(envelope_len).collect();
        let request = Request::decode(&request_frames)?;
        Ok((message.iter().take(envelope_len).collect(), request))
    }
}

/// One notification: a call without a reply, as pipeline and pub-sub send
/// it (aiozmq's `client.notify.ns.f(...)` and `client.publish(t).ns.f(...)`).
///
/// Unlike a request, a notification's kwargs must be a map and its args an
/// array only for the method to bind them: the server logs a
/// `ParametersError` otherwise (there is nobody to answer).
///
/// # Examples
///
/// The spec's capture of `notify.remote(1, b=2)`:
///
/// ```
/// use zmq_rpc::codec::Notification;
/// use zmq_rpc::rmpv::Value;
///
/// let notification = Notification {
///     name: "remote".into(),
///     args: Value::from(vec![Value::from(1)]),
///     kwargs: Value::Map(vec![("b".into(), 2.into())]),
/// };
/// let frames = notification.encode();
/// assert_eq!(frames, [&b"remote"[..], b"\x91\x01", b"\x81\xa1b\x02"]);
/// assert_eq!(Notification::decode(&frames)?, notification);
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// The dotted method name.
    pub name: String,
    /// The positional arguments: an array when well formed.
    pub args: Value,
    /// The keyword arguments: a map with str keys when well formed.
    pub kwargs: Value,
}

impl Notification {
    /// The three frames of a pipeline notification.
    ///
    /// # Examples
    ///
    /// See [`Notification`].
    pub fn encode(&self) -> [Vec<u8>; NOTIFICATION_FRAMES] {
        [
            self.name.as_bytes().to_vec(),
            encode_value(&self.args),
            encode_value(&self.kwargs),
        ]
    }

    /// The four frames of a pub-sub notification: `topic` (empty for
    /// Python's `publish(None)`), then the three of [`Notification::encode`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::codec::Notification;
    /// use zmq_rpc::rmpv::Value;
    ///
    /// let notification = Notification { name: "f".into(), args: Value::Array(vec![]), kwargs: Value::Map(vec![]) };
    /// let frames = notification.encode_published(b"my-topic");
    /// assert_eq!(frames, [&b"my-topic"[..], b"f", b"\x90", b"\x80"]);
    /// let (topic, decoded) = Notification::decode_published(&frames)?;
    /// assert_eq!((topic, decoded), (b"my-topic".to_vec(), notification));
    /// # Ok::<(), zmq_rpc::DecodeError>(())
    /// ```
    pub fn encode_published(&self, topic: &[u8]) -> [Vec<u8>; PUBLICATION_FRAMES] {
        let [name, args, kwargs] = self.encode();
        [topic.to_vec(), name, args, kwargs]
    }

    /// Reads exactly three frames.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{DecodeError, codec::Notification};
    ///
    /// let err = Notification::decode(&[b"f", b"\x90"]).unwrap_err();
    /// assert!(matches!(err, DecodeError::FrameCount { expected: 3, found: 2 }));
    /// ```
    pub fn decode<F: AsRef<[u8]>>(frames: &[F]) -> Result<Notification, DecodeError> {
        let [name, args, kwargs] = frames else {
            return Err(DecodeError::FrameCount {
                expected: NOTIFICATION_FRAMES,
                found: frames.len(),
            });
        };
        decode_call_frames(name.as_ref(), args.as_ref(), kwargs.as_ref())
    }

    /// Reads exactly four frames: the topic (returned as is) and a
    /// notification.
    ///
    /// # Examples
    ///
    /// See [`Notification::encode_published`].
    pub fn decode_published<F: AsRef<[u8]>>(
        frames: &[F],
    ) -> Result<(Vec<u8>, Notification), DecodeError> {
        let [topic, name, args, kwargs] = frames else {
            return Err(DecodeError::FrameCount {
                expected: PUBLICATION_FRAMES,
                found: frames.len(),
            });
        };
        let notification = decode_call_frames(name.as_ref(), args.as_ref(), kwargs.as_ref())?;
        Ok((topic.as_ref().to_vec(), notification))
    }
}

/// One RPC reply.
///
/// # Examples
///
/// ```
/// use zmq_rpc::codec::Reply;
/// use zmq_rpc::wire::{ReplyHeader, SenderPrefix};
///
/// let header = ReplyHeader { sender: SenderPrefix { pid: 1, random: 2 }, request_id: 1, timestamp: 0.0, is_error: false };
/// let reply = Reply::success(header, 3.into());
/// let frames = reply.encode();
/// assert_eq!(frames[1], b"\x03");
/// assert_eq!(Reply::decode(&frames)?, reply);
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The header; `is_error` tells how to read the body.
    pub header: ReplyHeader,
    /// The return value, or an error body when `header.is_error`.
    pub body: Value,
}

impl Reply {
    /// A success reply carrying `value` (`is_error` is cleared).
    ///
    /// # Examples
    ///
    /// See [`Reply`].
    pub fn success(mut header: ReplyHeader, value: Value) -> Reply {
        header.is_error = false;
        Reply {
            header,
            body: value,
        }
    }

    /// An error reply carrying `error` (`is_error` is set).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{ErrorBody, codec::Reply};
    /// use zmq_rpc::wire::{ReplyHeader, SenderPrefix};
    ///
    /// let header = ReplyHeader { sender: SenderPrefix { pid: 1, random: 2 }, request_id: 1, timestamp: 0.0, is_error: false };
    /// let reply = Reply::error(header, &ErrorBody::not_found("x"));
    /// assert!(reply.header.is_error);
    /// assert_eq!(reply.error_body().unwrap()?, ErrorBody::not_found("x"));
    /// # Ok::<(), zmq_rpc::DecodeError>(())
    /// ```
    pub fn error(mut header: ReplyHeader, error: &ErrorBody) -> Reply {
        header.is_error = true;
        Reply {
            header,
            body: error.to_value(),
        }
    }

    /// The error body of an error reply (`None` for a success), or why the
    /// body is not a valid one.
    ///
    /// # Examples
    ///
    /// See [`Reply::error`].
    pub fn error_body(&self) -> Option<Result<ErrorBody, DecodeError>> {
        self.header
            .is_error
            .then(|| ErrorBody::from_value(self.body.clone()))
    }

    /// The two frames.
    ///
    /// # Examples
    ///
    /// See [`Reply`].
    pub fn encode(&self) -> [Vec<u8>; REPLY_FRAMES] {
        [self.header.encode().to_vec(), encode_value(&self.body)]
    }

    /// Reads exactly two frames (what a DEALER receives).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{DecodeError, codec::Reply};
    ///
    /// let err = Reply::decode(&[&[0u8; 16][..], b"\x03"]).unwrap_err();
    /// assert!(matches!(err, DecodeError::HeaderLength { expected: 17, found: 16 }));
    /// ```
    pub fn decode<F: AsRef<[u8]>>(frames: &[F]) -> Result<Reply, DecodeError> {
        let [header, body] = frames else {
            return Err(DecodeError::FrameCount {
                expected: REPLY_FRAMES,
                found: frames.len(),
            });
        };
        Ok(Reply {
            header: ReplyHeader::decode(header.as_ref())?,
            body: decode_value(body.as_ref())?,
        })
    }
}
