//! The client's error table: remote exception names to Rust errors.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use rmpv::Value;
use serde::de::DeserializeOwned;

use crate::arguments::{ParameterShape, bind};
use crate::error::{CallError, GenericError, NotFoundError, ParametersError, RemoteError};
use crate::exception::{Builtin, BuiltinError, ErrorBody, NOT_FOUND_ERROR, PARAMETERS_ERROR};

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
type Rebuild = Arc<dyn Fn(Vec<Value>) -> Result<BoxError, String> + Send + Sync>;

/// Maps remote exception names (`"builtins.ValueError"`) to constructors
/// of Rust errors, as aiozmq's `error_table` maps them to Python classes.
///
/// The table is owned by the user: [`ErrorTable::empty`] knows nothing
/// (every remote error becomes a [`GenericError`]);
/// [`ErrorTable::with_defaults`] knows the Python built-ins of [`Builtin`]
/// (as [`BuiltinError`]) and aiozmq's `NotFoundError` and `ParametersError`
/// (as [`NotFoundError`] and [`ParametersError`]). A name registered later
/// replaces an earlier entry.
///
/// # Examples
///
/// ```
/// use zmq_rpc::{ErrorBody, ErrorTable};
///
/// #[derive(Debug, thiserror::Error, serde::Deserialize)]
/// #[error("out of stock: {0}")]
/// struct OutOfStock(String);
///
/// let table = ErrorTable::with_defaults().register_args::<OutOfStock>("shop.OutOfStock");
/// let remote = table.translate(ErrorBody::new("shop.OutOfStock", vec!["tea".into()]))?;
/// assert_eq!(remote.downcast_ref::<OutOfStock>().unwrap().0, "tea");
/// # Ok::<(), zmq_rpc::CallError>(())
/// ```
#[derive(Clone, Default)]
pub struct ErrorTable {
    entries: HashMap<String, Rebuild>,
}

impl ErrorTable {
    /// A table with no entries.
    ///
    /// # Examples
    ///
    /// ```
    /// let remote = zmq_rpc::ErrorTable::empty().translate(zmq_rpc::ErrorBody::not_found("f"))?;
    /// assert!(remote.is::<zmq_rpc::GenericError>());
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn empty() -> ErrorTable {
        ErrorTable::default()
    }

    /// The default table: Python built-ins and aiozmq's own errors.
    ///
    /// # Examples
    ///
    /// ```
    /// let table = zmq_rpc::ErrorTable::with_defaults();
    /// assert!(table.contains("builtins.TimeoutError"));
    /// assert!(table.contains("aiozmq.rpc.base.NotFoundError"));
    /// ```
    pub fn with_defaults() -> ErrorTable {
        let mut table = ErrorTable::empty();
        for builtin in Builtin::ALL {
            table = table.register(builtin.wire_name(), move |args| {
                Ok(BuiltinError::new(builtin, args))
            });
        }
        table
            .register(NOT_FOUND_ERROR, |args| {
                Ok(NotFoundError {
                    name: single_str_arg(&args)?,
                })
            })
            .register(PARAMETERS_ERROR, |args| {
                Ok(ParametersError {
                    message: single_str_arg(&args)?,
                })
            })
    }

    /// Registers a constructor for the remote name `exc_type`: it gets the
    /// exception's args and builds the Rust error, or says why it cannot.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{ErrorBody, ErrorTable, GenericError};
    ///
    /// let table = ErrorTable::empty().register("app.Gone", |args| {
    ///     Ok(GenericError { exc_type: "gone".into(), args, repr: String::new() })
    /// });
    /// let remote = table.translate(ErrorBody::new("app.Gone", vec![]))?;
    /// assert_eq!(remote.downcast_ref::<GenericError>().unwrap().exc_type, "gone");
    /// # Ok::<(), zmq_rpc::CallError>(())
    /// ```
    pub fn register<E, F>(mut self, exc_type: impl Into<String>, rebuild: F) -> ErrorTable
    where
        E: std::error::Error + Send + Sync + 'static,
        F: Fn(Vec<Value>) -> Result<E, String> + Send + Sync + 'static,
    {
        let rebuild: Rebuild =
            Arc::new(move |args| rebuild(args).map(|error| Box::new(error) as BoxError));
        self.entries.insert(exc_type.into(), rebuild);
        self
    }

    /// Registers `E` for `exc_type`, built from the exception's args
    /// through serde, bound as a method's positional arguments are (a
    /// struct takes them in field order, a newtype or any other single
    /// value the one arg, a tuple all of them).
    ///
    /// # Examples
    ///
    /// See [`ErrorTable`].
    pub fn register_args<E>(self, exc_type: impl Into<String>) -> ErrorTable
    where
        E: std::error::Error + DeserializeOwned + Send + Sync + 'static,
    {
        let shape = ParameterShape::of::<E>();
        self.register(exc_type, move |args| {
            bind::<E>(&shape, Value::Array(args), Value::Map(Vec::new()))
        })
    }

    /// True when the table has an entry for `exc_type`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!zmq_rpc::ErrorTable::empty().contains("builtins.ValueError"));
    /// ```
    pub fn contains(&self, exc_type: &str) -> bool {
        self.entries.contains_key(exc_type)
    }

    /// Turns an error body into the Rust error of its entry, or a
    /// [`GenericError`] when there is none. An entry that cannot build its
    /// error from the args gives [`CallError::Untranslatable`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::{CallError, ErrorBody, ErrorTable};
    ///
    /// // NotFoundError takes one str arg; two ints cannot rebuild it.
    /// let odd = ErrorBody::new("aiozmq.rpc.base.NotFoundError", vec![1.into(), 2.into()]);
    /// let err = ErrorTable::with_defaults().translate(odd).unwrap_err();
    /// assert!(matches!(err, CallError::Untranslatable { .. }));
    /// ```
    pub fn translate(&self, body: ErrorBody) -> Result<RemoteError, CallError> {
        let Some(rebuild) = self.entries.get(&body.exc_type) else {
            let exc_type = body.exc_type.clone();
            let repr = body.repr.clone();
            return Ok(RemoteError::new(
                exc_type,
                repr,
                Box::new(GenericError::from(body)),
            ));
        };
        match rebuild(body.args.clone()) {
            Ok(error) => Ok(RemoteError::new(body.exc_type, body.repr, error)),
            Err(reason) => Err(CallError::Untranslatable {
                exc_type: body.exc_type.clone(),
                reason,
                body,
            }),
        }
    }
}

fn single_str_arg(args: &[Value]) -> Result<String, String> {
    match args {
        [Value::String(text)] => Ok(text.as_str().unwrap_or_default().to_owned()),
        _ => Err(format!(
            "expected one str argument, got {}",
            crate::msgpack::python_repr(&Value::Array(args.to_vec()))
        )),
    }
}

impl fmt::Debug for ErrorTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.entries.keys().collect();
        names.sort();
        f.debug_struct("ErrorTable").field("names", &names).finish()
    }
}
