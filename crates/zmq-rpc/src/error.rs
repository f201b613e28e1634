//! The crate's error types.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use rmpv::Value;

use crate::exception::{ErrorBody, NOT_FOUND_ERROR, PARAMETERS_ERROR, WireError};
use crate::msgpack::python_repr;

/// Bytes that are not a valid aiozmq RPC frame or message.
///
/// # Examples
///
/// ```
/// use zmq_rpc::{DecodeError, msgpack::decode_value};
///
/// assert!(matches!(decode_value(b""), Err(DecodeError::Msgpack(_))));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// A message with the wrong number of frames.
    #[error("expected {expected} frames, got {found}")]
    FrameCount {
        /// How many frames the layout needs (at least this many for a
        /// request seen by a ROUTER).
        expected: usize,
        /// How many arrived.
        found: usize,
    },
    /// A header of the wrong size.
    #[error("expected a {expected}-byte header, got {found} bytes")]
    HeaderLength {
        /// The header size of the layout.
        expected: usize,
        /// The frame's size.
        found: usize,
    },
    /// A method name that is not UTF-8.
    #[error("the method name is not UTF-8")]
    NameNotUtf8,
    /// Bytes that are not one msgpack object (truncated, a reserved
    /// marker, nesting too deep).
    #[error("invalid msgpack: {0}")]
    Msgpack(String),
    /// Bytes left after the msgpack object.
    #[error("{count} trailing bytes after the msgpack object")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A msgpack str that is not UTF-8.
    #[error("a msgpack str is not UTF-8")]
    InvalidUtf8,
    /// A map key that is not a str or bin (Python's `strict_map_key`).
    #[error("a map key is a {kind}; only str and bin keys are allowed")]
    MapKey {
        /// The key's msgpack family.
        kind: &'static str,
    },
    /// An error reply whose body is not `[str, array, str]`.
    #[error("malformed error body: {0}")]
    ErrorBody(String),
    /// A value that does not convert into the requested Rust type.
    #[error("{0}")]
    Type(String),
}

/// A Rust value that cannot be sent as msgpack.
///
/// # Examples
///
/// ```
/// struct Refuses;
///
/// impl serde::Serialize for Refuses {
///     fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
///         Err(serde::ser::Error::custom("not today"))
///     }
/// }
///
/// let err = zmq_rpc::msgpack::to_value(&Refuses).unwrap_err();
/// assert!(err.to_string().contains("not today"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// serde refused the value.
    #[error("cannot encode the value: {0}")]
    Serialize(String),
}

/// aiozmq's `NotFoundError`: the server has no method by that name.
///
/// # Examples
///
/// ```
/// use zmq_rpc::{NotFoundError, WireError};
///
/// let body = NotFoundError { name: "missing".into() }.to_error_body();
/// assert_eq!(body.repr, "NotFoundError('missing')");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no RPC method named {name:?}")]
pub struct NotFoundError {
    /// The dotted name that was called.
    pub name: String,
}

impl WireError for NotFoundError {
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed(NOT_FOUND_ERROR)
    }

    fn exc_args(&self) -> Vec<Value> {
        vec![Value::from(self.name.as_str())]
    }
}

/// aiozmq's `ParametersError`: the arguments do not fit the method.
///
/// # Examples
///
/// ```
/// use zmq_rpc::{ParametersError, WireError};
///
/// let error = ParametersError { message: "TypeError('too many positional arguments')".into() };
/// assert_eq!(error.to_error_body().exc_type, "aiozmq.rpc.base.ParametersError");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad parameters: {message}")]
pub struct ParametersError {
    /// The message (aiozmq sends the repr of a Python `TypeError`).
    pub message: String,
}

impl WireError for ParametersError {
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed(PARAMETERS_ERROR)
    }

    fn exc_args(&self) -> Vec<Value> {
        vec![Value::from(self.message.as_str())]
    }
}

/// A remote error whose type name is not in the client's error table:
/// aiozmq's `GenericError`.
///
/// # Examples
///
/// ```
/// use zmq_rpc::GenericError;
///
/// let error = GenericError {
///     exc_type: "__main__.MyError".into(),
///     args: vec!["x".into(), 1.into()],
///     repr: "MyError('x', 1)".into(),
/// };
/// assert_eq!(error.to_string(), "<Generic RPC Error __main__.MyError('x', 1): MyError('x', 1)>");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct GenericError {
    /// The remote exception's `module.QualName`.
    pub exc_type: String,
    /// Its args.
    pub args: Vec<Value>,
    /// Its repr.
    pub repr: String,
}

impl fmt::Display for GenericError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Generic RPC Error {}{}: {}>",
            self.exc_type,
            python_repr(&Value::Array(self.args.clone())),
            self.repr
        )
    }
}

impl From<ErrorBody> for GenericError {
    fn from(body: ErrorBody) -> GenericError {
        GenericError {
            exc_type: body.exc_type,
            args: body.args,
            repr: body.repr,
        }
    }
}

impl WireError for GenericError {
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Owned(self.exc_type.clone())
    }

    fn exc_args(&self) -> Vec<Value> {
        self.args.clone()
    }

    fn exc_repr(&self) -> String {
        self.repr.clone()
    }
}

/// An error the remote method raised, translated through the client's
/// [`ErrorTable`](crate::ErrorTable).
///
/// It holds the Rust error the table built (a [`GenericError`] when the name
/// is not in the table); look at it with [`RemoteError::downcast_ref`].
///
/// # Examples
///
/// ```
/// use zmq_rpc::{BuiltinError, ErrorBody, ErrorTable};
///
/// let table = ErrorTable::with_defaults();
/// let remote = table.translate(ErrorBody::new("builtins.ValueError", vec!["bad".into()]))?;
/// assert_eq!(remote.exc_type(), "builtins.ValueError");
/// assert_eq!(remote.downcast_ref::<BuiltinError>().unwrap().message(), Some("bad"));
/// # Ok::<(), zmq_rpc::CallError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct RemoteError {
    exc_type: String,
    repr: String,
    #[source]
    error: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl RemoteError {
    pub(crate) fn new(
        exc_type: String,
        repr: String,
        error: Box<dyn std::error::Error + Send + Sync + 'static>,
    ) -> RemoteError {
        RemoteError {
            exc_type,
            repr,
            error,
        }
    }

    /// The remote exception's `module.QualName`.
    ///
    /// # Examples
    ///
    /// ```
    /// let remote = zmq_rpc::ErrorTable::empty().translate(zmq_rpc::ErrorBody::not_found("f"))?;
    /// assert_eq!(remote.exc_type(), "aiozmq.rpc.base.NotFoundError");
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn exc_type(&self) -> &str {
        &self.exc_type
    }

    /// The remote exception's repr as the server sent it.
    ///
    /// # Examples
    ///
    /// ```
    /// let remote = zmq_rpc::ErrorTable::empty().translate(zmq_rpc::ErrorBody::not_found("f"))?;
    /// assert_eq!(remote.repr(), "NotFoundError('f')");
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn repr(&self) -> &str {
        &self.repr
    }

    /// True when the translated error is a `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let remote = zmq_rpc::ErrorTable::empty().translate(zmq_rpc::ErrorBody::not_found("f"))?;
    /// assert!(remote.is::<zmq_rpc::GenericError>());
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn is<T: std::error::Error + 'static>(&self) -> bool {
        self.error.is::<T>()
    }

    /// The translated error as a `T`, if it is one.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{ErrorBody, ErrorTable, NotFoundError};
    ///
    /// let remote = ErrorTable::with_defaults().translate(ErrorBody::not_found("f"))?;
    /// assert_eq!(remote.downcast_ref::<NotFoundError>().unwrap().name, "f");
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        self.error.downcast_ref::<T>()
    }

    /// The translated error, to downcast by value.
    ///
    /// # Examples
    ///
    /// ```
    /// let remote = zmq_rpc::ErrorTable::empty().translate(zmq_rpc::ErrorBody::not_found("f"))?;
    /// let generic = remote.into_inner().downcast::<zmq_rpc::GenericError>().unwrap();
    /// assert_eq!(generic.args, vec![zmq_rpc::rmpv::Value::from("f")]);
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self.error
    }
}

/// Why an RPC call failed.
///
/// # Examples
///
/// ```
/// use zmq_rpc::CallError;
///
/// let error = CallError::Timeout(std::time::Duration::from_secs(1));
/// assert_eq!(error.to_string(), "no reply within 1s");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The remote method raised an error (translated by the error table).
    #[error("remote error: {0}")]
    Remote(#[from] RemoteError),
    /// The error table has the remote name, but building the Rust error
    /// from its args failed (aiozmq's client hangs here; this fails the
    /// call instead).
    #[error("remote error {exc_type} could not be rebuilt: {reason}")]
    Untranslatable {
        /// The remote exception's name.
        exc_type: String,
        /// Why its args did not fit.
        reason: String,
        /// The body as received.
        body: ErrorBody,
    },
    /// No reply came within the timeout; the call is forgotten.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The client is closed (aiozmq's `ServiceClosedError`), or was closed
    /// while the call waited.
    #[error("the RPC client is closed")]
    Closed,
    /// The method name is empty.
    #[error("RPC method name is empty")]
    EmptyName,
    /// An argument could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The reply could not be decoded, or its value does not convert into
    /// the requested type.
    #[error("bad reply: {0}")]
    Decode(#[from] DecodeError),
    /// The socket failed.
    #[error(transparent)]
    Socket(#[from] zmq_core::Error),
}

/// Why a pipeline or pub-sub notification was not sent.
///
/// # Examples
///
/// ```
/// let error = zmq_rpc::NotifyError::Full;
/// assert_eq!(error.to_string(), "the socket is at its send high-water mark");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The client is closed (aiozmq's `ServiceClosedError`), or was closed
    /// while the notification waited for room.
    #[error("the RPC client is closed")]
    Closed,
    /// The method name is empty.
    #[error("RPC method name is empty")]
    EmptyName,
    /// An argument could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// [`Notify::try_send`](crate::notify::Notify::try_send) only: the
    /// socket cannot take the message now (at its send high-water mark, or
    /// a pipeline with no peer). Nothing was sent.
    #[error("the socket is at its send high-water mark")]
    Full,
    /// The socket failed.
    #[error(transparent)]
    Socket(#[from] zmq_core::Error),
}

/// Why a service could not start or stopped.
///
/// # Examples
///
/// ```
/// let error = zmq_rpc::ServiceError::Closed;
/// assert_eq!(error.to_string(), "the RPC service is closed");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The service was closed (aiozmq's `ServiceClosedError`).
    #[error("the RPC service is closed")]
    Closed,
    /// The socket failed (creating, binding, connecting).
    #[error(transparent)]
    Socket(#[from] zmq_core::Error),
}
