//! Error bodies: how an exception travels, and how a Rust error chooses the
//! Python exception a peer raises.
//!
//! An error reply's body is a msgpack array of three items:
//! `[exc_type, exc_args, exc_repr]`, for example
//! `["builtins.ValueError", ["bad"], "ValueError('bad')"]`. The type name is
//! Python's `module.QualName`; an aiozmq client raises `cls(*exc_args)` when
//! it knows the name.

use std::borrow::Cow;
use std::fmt;

use rmpv::Value;

use crate::error::DecodeError;
use crate::msgpack::{python_repr, python_str_repr};

/// The wire name of aiozmq's `NotFoundError` (an unknown method).
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::ErrorBody::not_found("f").exc_type, zmq_rpc::NOT_FOUND_ERROR);
/// ```
pub const NOT_FOUND_ERROR: &str = "aiozmq.rpc.base.NotFoundError";
/// The wire name of aiozmq's `ParametersError` (arguments that do not bind).
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::ErrorBody::parameters("m").exc_type, zmq_rpc::PARAMETERS_ERROR);
/// ```
pub const PARAMETERS_ERROR: &str = "aiozmq.rpc.base.ParametersError";

/// The body of an error reply: `[exc_type, exc_args, exc_repr]`.
///
/// # Examples
///
/// ```
/// use zmq_rpc::ErrorBody;
///
/// let body = ErrorBody::new("builtins.ValueError", vec!["bad".into()]);
/// assert_eq!(body.repr, "ValueError('bad')");
/// let bytes = body.encode();
/// assert_eq!(ErrorBody::decode(&bytes)?, body);
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorBody {
    /// Python's `module.QualName` of the exception class.
    pub exc_type: String,
    /// The exception's `args`.
    pub args: Vec<Value>,
    /// Python's `repr()` of the exception.
    pub repr: String,
}

impl ErrorBody {
    /// A body whose repr is built as Python builds it: the class's short
    /// name and the repr of each argument, `Name(arg, ...)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::ErrorBody;
    ///
    /// let body = ErrorBody::new("__main__.MyError", vec!["x".into(), 1.into()]);
    /// assert_eq!(body.repr, "MyError('x', 1)");
    /// ```
    pub fn new(exc_type: impl Into<String>, args: Vec<Value>) -> ErrorBody {
        let exc_type = exc_type.into();
        let repr = python_exception_repr(&exc_type, &args);
        ErrorBody {
            exc_type,
            args,
            repr,
        }
    }

    /// aiozmq's `NotFoundError(name)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let body = zmq_rpc::ErrorBody::not_found("missing");
    /// assert_eq!(body.repr, "NotFoundError('missing')");
    /// ```
    pub fn not_found(name: &str) -> ErrorBody {
        ErrorBody::new(NOT_FOUND_ERROR, vec![Value::from(name)])
    }

    /// aiozmq's `ParametersError(message)`, where `message` is the repr of
    /// the Python `TypeError` that binding raised (see
    /// [`ErrorBody::parameters_type_error`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let body = zmq_rpc::ErrorBody::parameters("TypeError('too many positional arguments')");
    /// assert_eq!(body.exc_type, "aiozmq.rpc.base.ParametersError");
    /// ```
    pub fn parameters(message: impl Into<String>) -> ErrorBody {
        ErrorBody::new(PARAMETERS_ERROR, vec![Value::from(message.into())])
    }

    /// A `ParametersError` whose message is `repr(TypeError(reason))`, as
    /// aiozmq sends when `inspect.signature(...).bind` fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let body = zmq_rpc::ErrorBody::parameters_type_error("missing a required argument: 'a2'");
    /// assert_eq!(body.args[0].as_str(), Some("TypeError(\"missing a required argument: 'a2'\")"));
    /// ```
    pub fn parameters_type_error(reason: &str) -> ErrorBody {
        ErrorBody::parameters(format!("TypeError({})", python_str_repr(reason)))
    }

    /// The body as an msgpack value.
    ///
    /// # Examples
    ///
    /// ```
    /// let value = zmq_rpc::ErrorBody::not_found("x").to_value();
    /// assert_eq!(value.as_array().map(Vec::len), Some(3));
    /// ```
    pub fn to_value(&self) -> Value {
        Value::Array(vec![
            Value::from(self.exc_type.as_str()),
            Value::Array(self.args.clone()),
            Value::from(self.repr.as_str()),
        ])
    }

    /// The msgpack bytes of the body.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_rpc::ErrorBody::not_found("x").encode()[0], 0x93);
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        crate::msgpack::encode_value(&self.to_value())
    }

    /// Reads a body from its msgpack value: anything but
    /// `[str, array, str]` is a [`DecodeError::ErrorBody`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{DecodeError, ErrorBody};
    ///
    /// let err = ErrorBody::from_value(zmq_rpc::rmpv::Value::from(1)).unwrap_err();
    /// assert!(matches!(err, DecodeError::ErrorBody(_)));
    /// ```
    pub fn from_value(value: Value) -> Result<ErrorBody, DecodeError> {
        let items = match value {
            Value::Array(items) if items.len() == 3 => items,
            other => {
                return Err(DecodeError::ErrorBody(format!(
                    "expected an array of 3 items, got {}",
                    python_repr(&other)
                )));
            }
        };
        let mut items = items.into_iter();
        let (Some(exc_type), Some(args), Some(repr)) = (items.next(), items.next(), items.next())
        else {
            return Err(DecodeError::ErrorBody("expected 3 items".to_owned()));
        };
        let exc_type = match exc_type {
            Value::String(text) => text.into_str().unwrap_or_default(),
            other => {
                return Err(DecodeError::ErrorBody(format!(
                    "exception type is not a str: {}",
                    python_repr(&other)
                )));
            }
        };
        let args = match args {
            Value::Array(args) => args,
            other => {
                return Err(DecodeError::ErrorBody(format!(
                    "exception args are not an array: {}",
                    python_repr(&other)
                )));
            }
        };
        let repr = match repr {
            Value::String(text) => text.into_str().unwrap_or_default(),
            other => {
                return Err(DecodeError::ErrorBody(format!(
                    "exception repr is not a str: {}",
                    python_repr(&other)
                )));
            }
        };
        Ok(ErrorBody {
            exc_type,
            args,
            repr,
        })
    }

    /// Decodes a body from its msgpack bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::ErrorBody;
    ///
    /// let body = ErrorBody::decode(b"\x93\xa1E\x90\xa3E()")?;
    /// assert_eq!(body.exc_type, "E");
    /// # Ok::<(), zmq_rpc::DecodeError>(())
    /// ```
    pub fn decode(bytes: &[u8]) -> Result<ErrorBody, DecodeError> {
        ErrorBody::from_value(crate::msgpack::decode_value(bytes)?)
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repr)
    }
}

/// `Name(arg, ...)` with Python reprs of the args, `Name` being the part of
/// the dotted type name after its last dot.
fn python_exception_repr(exc_type: &str, args: &[Value]) -> String {
    let short_name = exc_type.rsplit('.').next().unwrap_or(exc_type);
    let args: Vec<String> = args.iter().map(python_repr).collect();
    format!("{short_name}({})", args.join(", "))
}

/// How a Rust error travels to the caller: the Python exception it becomes.
///
/// Every method has a default: the error becomes
/// `builtins.RuntimeError(str(self))`. Override [`WireError::exc_type`] to
/// pick another class (a Python peer raises it if it knows the name, else a
/// `GenericError`), and [`WireError::exc_args`] to send structured args.
///
/// # Examples
///
/// ```
/// use zmq_rpc::WireError;
///
/// #[derive(Debug)]
/// struct OutOfStock { item: String }
///
/// impl std::fmt::Display for OutOfStock {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "{} is out of stock", self.item)
///     }
/// }
///
/// impl WireError for OutOfStock {
///     fn exc_type(&self) -> std::borrow::Cow<'static, str> {
///         "shop.OutOfStock".into()
///     }
///     fn exc_args(&self) -> Vec<zmq_rpc::rmpv::Value> {
///         vec![self.item.as_str().into()]
///     }
/// }
///
/// let body = OutOfStock { item: "tea".into() }.to_error_body();
/// assert_eq!(body.repr, "OutOfStock('tea')");
/// ```
pub trait WireError: fmt::Display {
    /// Python's `module.QualName` of the exception the caller should get.
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed("builtins.RuntimeError")
    }

    /// The exception's args: by default the error's message.
    fn exc_args(&self) -> Vec<Value> {
        vec![Value::from(self.to_string())]
    }

    /// The exception's repr: by default built from the type's short name
    /// and the args, as Python does.
    fn exc_repr(&self) -> String {
        python_exception_repr(&self.exc_type(), &self.exc_args())
    }

    /// The whole error body.
    fn to_error_body(&self) -> ErrorBody {
        ErrorBody {
            exc_type: self.exc_type().into_owned(),
            args: self.exc_args(),
            repr: self.exc_repr(),
        }
    }
}

impl WireError for ErrorBody {
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

impl WireError for std::convert::Infallible {}

impl WireError for Box<dyn std::error::Error + Send + Sync> {}

impl WireError for std::io::Error {
    /// `builtins.OSError`, Python's class for system errors.
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed("builtins.OSError")
    }

    /// `(errno, strerror)` when the error has an errno, as Python's
    /// `OSError` carries them; else the message.
    fn exc_args(&self) -> Vec<Value> {
        match self.raw_os_error() {
            Some(errno) => vec![Value::from(errno), Value::from(self.to_string())],
            None => vec![Value::from(self.to_string())],
        }
    }
}

impl WireError for std::num::ParseIntError {
    /// `builtins.ValueError`, as Python's `int("x")` raises.
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed("builtins.ValueError")
    }
}

impl WireError for std::num::ParseFloatError {
    /// `builtins.ValueError`, as Python's `float("x")` raises.
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Borrowed("builtins.ValueError")
    }
}

/// The Python built-in exceptions with a standard mapping.
///
/// # Examples
///
/// ```
/// use zmq_rpc::Builtin;
///
/// assert_eq!(Builtin::KeyError.wire_name(), "builtins.KeyError");
/// assert_eq!(Builtin::from_wire_name("builtins.TypeError"), Some(Builtin::TypeError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Builtin {
    /// `builtins.Exception`.
    Exception,
    /// `builtins.ValueError`: a right type with a wrong value.
    ValueError,
    /// `builtins.TypeError`: a value of the wrong type.
    TypeError,
    /// `builtins.KeyError`: a missing key (args: the key).
    KeyError,
    /// `builtins.IndexError`: an index out of range.
    IndexError,
    /// `builtins.LookupError`: the base of KeyError and IndexError.
    LookupError,
    /// `builtins.TimeoutError`: something took too long.
    TimeoutError,
    /// `builtins.RuntimeError`: any other failure.
    RuntimeError,
    /// `builtins.NotImplementedError`.
    NotImplementedError,
    /// `builtins.ZeroDivisionError`.
    ZeroDivisionError,
    /// `builtins.ArithmeticError`.
    ArithmeticError,
    /// `builtins.OverflowError`.
    OverflowError,
    /// `builtins.AttributeError`.
    AttributeError,
    /// `builtins.PermissionError`.
    PermissionError,
    /// `builtins.FileNotFoundError`.
    FileNotFoundError,
    /// `builtins.OSError` (Python's `IOError` too).
    OSError,
    /// `builtins.ConnectionError`.
    ConnectionError,
    /// `builtins.AssertionError`.
    AssertionError,
}

impl Builtin {
    /// Every mapped built-in.
    pub const ALL: [Builtin; 18] = [
        Builtin::Exception,
        Builtin::ValueError,
        Builtin::TypeError,
        Builtin::KeyError,
        Builtin::IndexError,
        Builtin::LookupError,
        Builtin::TimeoutError,
        Builtin::RuntimeError,
        Builtin::NotImplementedError,
        Builtin::ZeroDivisionError,
        Builtin::ArithmeticError,
        Builtin::OverflowError,
        Builtin::AttributeError,
        Builtin::PermissionError,
        Builtin::FileNotFoundError,
        Builtin::OSError,
        Builtin::ConnectionError,
        Builtin::AssertionError,
    ];

    /// The class name without its module, `"ValueError"`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_rpc::Builtin::ValueError.name(), "ValueError");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Exception => "Exception",
            Builtin::ValueError => "ValueError",
            Builtin::TypeError => "TypeError",
            Builtin::KeyError => "KeyError",
            Builtin::IndexError => "IndexError",
            Builtin::LookupError => "LookupError",
            Builtin::TimeoutError => "TimeoutError",
            Builtin::RuntimeError => "RuntimeError",
            Builtin::NotImplementedError => "NotImplementedError",
            Builtin::ZeroDivisionError => "ZeroDivisionError",
            Builtin::ArithmeticError => "ArithmeticError",
            Builtin::OverflowError => "OverflowError",
            Builtin::AttributeError => "AttributeError",
            Builtin::PermissionError => "PermissionError",
            Builtin::FileNotFoundError => "FileNotFoundError",
            Builtin::OSError => "OSError",
            Builtin::ConnectionError => "ConnectionError",
            Builtin::AssertionError => "AssertionError",
        }
    }

    /// The name on the wire, `"builtins.ValueError"`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_rpc::Builtin::TimeoutError.wire_name(), "builtins.TimeoutError");
    /// ```
    pub fn wire_name(self) -> String {
        format!("builtins.{}", self.name())
    }

    /// The built-in a wire name stands for, if it is one of these.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::Builtin;
    ///
    /// assert_eq!(Builtin::from_wire_name("builtins.KeyError"), Some(Builtin::KeyError));
    /// assert_eq!(Builtin::from_wire_name("KeyError"), None);
    /// ```
    pub fn from_wire_name(name: &str) -> Option<Builtin> {
        let short = name.strip_prefix("builtins.")?;
        Builtin::ALL
            .into_iter()
            .find(|builtin| builtin.name() == short)
    }
}

/// A Python built-in exception: what a handler returns to make the caller
/// raise `ValueError`, `KeyError`, ..., and what a client gets back for
/// them through the default error table.
///
/// # Examples
///
/// ```
/// use zmq_rpc::{Builtin, BuiltinError, WireError};
///
/// let error = BuiltinError::value_error("bad");
/// assert_eq!(error.kind, Builtin::ValueError);
/// assert_eq!(error.to_error_body().repr, "ValueError('bad')");
/// assert_eq!(error.to_string(), "ValueError: bad");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinError {
    /// Which built-in.
    pub kind: Builtin,
    /// The exception's args.
    pub args: Vec<Value>,
}

impl BuiltinError {
    /// A built-in exception with these args.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{Builtin, BuiltinError};
    ///
    /// let error = BuiltinError::new(Builtin::OSError, vec![2.into(), "No such file".into()]);
    /// assert_eq!(error.args.len(), 2);
    /// ```
    pub fn new(kind: Builtin, args: Vec<Value>) -> BuiltinError {
        BuiltinError { kind, args }
    }

    /// `ValueError(message)`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_rpc::BuiltinError::value_error("x").message(), Some("x"));
    /// ```
    pub fn value_error(message: impl Into<String>) -> BuiltinError {
        BuiltinError::with_message(Builtin::ValueError, message)
    }

    /// `TypeError(message)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = zmq_rpc::BuiltinError::type_error("not a number");
    /// assert_eq!(error.kind, zmq_rpc::Builtin::TypeError);
    /// ```
    pub fn type_error(message: impl Into<String>) -> BuiltinError {
        BuiltinError::with_message(Builtin::TypeError, message)
    }

    /// `KeyError(key)`: the arg is the missing key itself.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::WireError;
    ///
    /// let error = zmq_rpc::BuiltinError::key_error("colour");
    /// assert_eq!(error.to_error_body().repr, "KeyError('colour')");
    /// ```
    pub fn key_error(key: impl Into<Value>) -> BuiltinError {
        BuiltinError::new(Builtin::KeyError, vec![key.into()])
    }

    /// `TimeoutError(message)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = zmq_rpc::BuiltinError::timeout_error("too slow");
    /// assert_eq!(error.kind, zmq_rpc::Builtin::TimeoutError);
    /// ```
    pub fn timeout_error(message: impl Into<String>) -> BuiltinError {
        BuiltinError::with_message(Builtin::TimeoutError, message)
    }

    /// `RuntimeError(message)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let error = zmq_rpc::BuiltinError::runtime_error("broken");
    /// assert_eq!(error.kind, zmq_rpc::Builtin::RuntimeError);
    /// ```
    pub fn runtime_error(message: impl Into<String>) -> BuiltinError {
        BuiltinError::with_message(Builtin::RuntimeError, message)
    }

    fn with_message(kind: Builtin, message: impl Into<String>) -> BuiltinError {
        BuiltinError::new(kind, vec![Value::from(message.into())])
    }

    /// The first arg when it is a str (the message, for most exceptions).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_rpc::BuiltinError::runtime_error("m").message(), Some("m"));
    /// ```
    pub fn message(&self) -> Option<&str> {
        self.args.first().and_then(Value::as_str)
    }
}

impl fmt::Display for BuiltinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.message(), self.args.len()) {
            (Some(message), 1) => write!(f, "{}: {message}", self.kind.name()),
            _ => {
                let args: Vec<String> = self.args.iter().map(python_repr).collect();
                write!(f, "{}: ({})", self.kind.name(), args.join(", "))
            }
        }
    }
}

impl std::error::Error for BuiltinError {}

impl WireError for BuiltinError {
    fn exc_type(&self) -> Cow<'static, str> {
        Cow::Owned(self.kind.wire_name())
    }

    fn exc_args(&self) -> Vec<Value> {
        self.args.clone()
    }
}
