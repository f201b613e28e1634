//! Handlers: what a server calls, looked up by dotted name.
//!
//! - [`Method`]: one callable, made from a sync closure ([`sync_method`]) or
//!   an async one ([`async_method`]). Its parameters are one serde type
//!   (see the binding rules in [`Handlers::method`]).
//! - [`Handler`]: anything that resolves a dotted name to a method. It is
//!   implemented by [`Handlers`] (a map built at runtime, with nested
//!   namespaces), by closures `Fn(&str) -> Option<Arc<dyn Method>>`
//!   (a dynamic lookup, like aiozmq's dynamic handler example), and by any
//!   user type that implements it (a type with methods).

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use rmpv::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zmq_core::runtime::BoxFuture;

use crate::arguments::{ParameterShape, bind};
use crate::exception::{Builtin, BuiltinError, ErrorBody, WireError};
use crate::msgpack::to_value;

/// What a method call yields: the return value, or the error to send back.
///
/// # Examples
///
/// ```
/// let ok: zmq_rpc::handlers::MethodResult = Ok(3.into());
/// let err: zmq_rpc::handlers::MethodResult = Err(zmq_rpc::ErrorBody::not_found("f"));
/// # let _ = (ok, err);
/// ```
pub type MethodResult = Result<Value, ErrorBody>;

/// One callable RPC method.
///
/// `call` binds the wire arguments (a [`ParametersError`] body when they do
/// not fit) and returns the future of the call. The server polls it once on
/// its reader and, if it is not done then, runs it on a task of its own
/// (the first poll's waker does nothing: a future must not rely on being
/// woken for that poll; the task polls it again). Dropping the future
/// cancels the call.
///
/// [`ParametersError`]: crate::ParametersError
///
/// # Examples
///
/// ```
/// use zmq_rpc::handlers::{Method, sync_method};
/// use zmq_rpc::rmpv::Value;
///
/// let negate = sync_method(|x: i64| Ok::<_, std::convert::Infallible>(-x));
/// let result = futures_lite::future::block_on(
///     negate.call(Value::from(vec![Value::from(5)]), Value::Map(vec![])),
/// );
/// assert_eq!(result, Ok(Value::from(-5)));
/// ```
pub trait Method: Send + Sync + 'static {
    /// Binds the arguments and returns the call's future.
    ///
    /// # Cancel safety
    ///
    /// Dropping the returned future cancels the call (a sync method has
    /// either not run or finished; an async one stops at its await point).
    fn call(&self, args: Value, kwargs: Value) -> BoxFuture<'static, MethodResult>;
}

/// The error body for a value that could not be encoded, as aiozmq sends
/// for an unserialisable return value: a `builtins.TypeError`.
fn unencodable(error: impl fmt::Display) -> ErrorBody {
    BuiltinError::new(
        Builtin::TypeError,
        vec![Value::from(format!("cannot encode the result: {error}"))],
    )
    .to_error_body()
}

fn into_method_result<R: Serialize, E: WireError>(result: Result<R, E>) -> MethodResult {
    match result {
        Ok(value) => to_value(&value).map_err(unencodable),
        Err(error) => Err(error.to_error_body()),
    }
}

struct SyncMethod<F, P> {
    function: Arc<F>,
    shape: ParameterShape,
    _parameters: std::marker::PhantomData<fn(P)>,
}

impl<F, P, R, E> Method for SyncMethod<F, P>
where
    F: Fn(P) -> Result<R, E> + Send + Sync + 'static,
    P: DeserializeOwned + Send + 'static,
    R: Serialize + 'static,
    E: WireError + 'static,
{
    fn call(&self, args: Value, kwargs: Value) -> BoxFuture<'static, MethodResult> {
        let bound = bind::<P>(&self.shape, args, kwargs);
        let function = Arc::clone(&self.function);
        Box::pin(async move {
            let parameters = bound.map_err(|reason| ErrorBody::parameters_type_error(&reason))?;
            into_method_result(function(parameters))
        })
    }
}

/// A method from a sync closure taking its parameters as one serde type
/// and returning `Result<R, E>`: `R` is sent back, `E` becomes an error
/// reply through [`WireError`]. It runs on the server's reader task, which
/// receives nothing else meanwhile: keep it short.
///
/// # Examples
///
/// ```
/// use zmq_rpc::BuiltinError;
/// use zmq_rpc::handlers::sync_method;
///
/// let divide = sync_method(|(a, b): (i64, i64)| {
///     a.checked_div(b).ok_or_else(|| BuiltinError::value_error("division by zero"))
/// });
/// # let _ = divide;
/// ```
pub fn sync_method<F, P, R, E>(function: F) -> Arc<dyn Method>
where
    F: Fn(P) -> Result<R, E> + Send + Sync + 'static,
    P: DeserializeOwned + Send + 'static,
    R: Serialize + 'static,
    E: WireError + 'static,
{
    Arc::new(SyncMethod {
        function: Arc::new(function),
        shape: ParameterShape::of::<P>(),
        _parameters: std::marker::PhantomData,
    })
}

struct AsyncMethod<F, P> {
    function: F,
    shape: ParameterShape,
    _parameters: std::marker::PhantomData<fn(P)>,
}

impl<F, P, Fut, R, E> Method for AsyncMethod<F, P>
where
    F: Fn(P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    P: DeserializeOwned + Send + 'static,
    R: Serialize + 'static,
    E: WireError + 'static,
{
    fn call(&self, args: Value, kwargs: Value) -> BoxFuture<'static, MethodResult> {
        match bind::<P>(&self.shape, args, kwargs) {
            Ok(parameters) => {
                let call = (self.function)(parameters);
                Box::pin(async move { into_method_result(call.await) })
            }
            Err(reason) => {
                let error = ErrorBody::parameters_type_error(&reason);
                Box::pin(async move { Err(error) })
            }
        }
    }
}

/// A method from an async closure (see [`sync_method`] for the types).
///
/// # Examples
///
/// ```
/// use zmq_rpc::handlers::async_method;
///
/// let echo = async_method(|text: String| async move { Ok::<_, std::convert::Infallible>(text) });
/// # let _ = echo;
/// ```
pub fn async_method<F, P, Fut, R, E>(function: F) -> Arc<dyn Method>
where
    F: Fn(P) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    P: DeserializeOwned + Send + 'static,
    R: Serialize + 'static,
    E: WireError + 'static,
{
    Arc::new(AsyncMethod {
        function,
        shape: ParameterShape::of::<P>(),
        _parameters: std::marker::PhantomData,
    })
}

/// Resolves dotted method names.
///
/// # Examples
///
/// A type with methods, resolving names itself:
///
/// ```
/// use std::sync::Arc;
/// use zmq_rpc::handlers::{Handler, Method, sync_method};
///
/// struct Calculator { offset: i64 }
///
/// impl Handler for Calculator {
///     fn lookup(&self, name: &str) -> Option<Arc<dyn Method>> {
///         let offset = self.offset;
///         match name {
///             "shift" => Some(sync_method(move |x: i64| Ok::<_, std::convert::Infallible>(x + offset))),
///             _ => None,
///         }
///     }
/// }
///
/// assert!(Calculator { offset: 1 }.lookup("shift").is_some());
/// assert!(Calculator { offset: 1 }.lookup("other").is_none());
/// ```
pub trait Handler: Send + Sync + 'static {
    /// The method named `name` (a dotted path relative to this handler),
    /// or `None` (the caller gets a `NotFoundError`).
    fn lookup(&self, name: &str) -> Option<Arc<dyn Method>>;
}

impl<F> Handler for F
where
    F: Fn(&str) -> Option<Arc<dyn Method>> + Send + Sync + 'static,
{
    fn lookup(&self, name: &str) -> Option<Arc<dyn Method>> {
        self(name)
    }
}

impl<H: Handler + ?Sized> Handler for Arc<H> {
    fn lookup(&self, name: &str) -> Option<Arc<dyn Method>> {
        (**self).lookup(name)
    }
}

enum Entry {
    Method(Arc<dyn Method>),
    Namespace(Arc<dyn Handler>),
}

/// A handler built at runtime: methods and nested namespaces by name.
///
/// `"ns.sub.f"` resolves through namespace `ns`, then `sub` (which may be
/// any [`Handler`]), to method `f`. An empty name, a name that stops at a
/// namespace, and a name that continues past a method are all not found.
///
/// # Examples
///
/// ```
/// use zmq_rpc::Handlers;
///
/// let handlers = Handlers::new()
///     .method("add", |(a, b): (i64, i64)| Ok::<_, std::convert::Infallible>(a + b))
///     .namespace("math", Handlers::new().method("neg", |x: i64| Ok::<_, std::convert::Infallible>(-x)));
/// use zmq_rpc::handlers::Handler;
/// assert!(handlers.lookup("add").is_some());
/// assert!(handlers.lookup("math.neg").is_some());
/// assert!(handlers.lookup("math").is_none());
/// ```
#[derive(Default)]
pub struct Handlers {
    entries: HashMap<String, Entry>,
}

impl Handlers {
    /// An empty handler.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::handlers::Handler;
    /// assert!(zmq_rpc::Handlers::new().lookup("x").is_none());
    /// ```
    pub fn new() -> Handlers {
        Handlers::default()
    }

    /// Adds a sync method.
    ///
    /// The closure takes all parameters as one serde type `P`:
    /// a struct binds positional arguments in field order and keywords by
    /// field name (`#[serde(default)]` and `Option` fields are optional); a
    /// tuple takes positional arguments only; `()` none; a map any
    /// keywords; any other type exactly one positional argument. Arguments
    /// that do not bind or convert give the caller a `ParametersError`.
    ///
    /// The closure runs on the server's reader task, which receives no
    /// other request meanwhile: keep it short, or make the method async (a
    /// long sync method holds the reader and an executor thread, and on a
    /// current-thread runtime everything else).
    ///
    /// # Examples
    ///
    /// ```
    /// use serde::Deserialize;
    /// use zmq_rpc::{BuiltinError, Handlers};
    ///
    /// #[derive(Deserialize)]
    /// struct Greet { name: String, #[serde(default)] polite: bool }
    ///
    /// let handlers = Handlers::new().method("greet", |Greet { name, polite }| {
    ///     if name.is_empty() {
    ///         return Err(BuiltinError::value_error("empty name"));
    ///     }
    ///     Ok(if polite { format!("Good day, {name}") } else { format!("hi {name}") })
    /// });
    /// # let _ = handlers;
    /// ```
    pub fn method<F, P, R, E>(self, name: impl Into<String>, function: F) -> Handlers
    where
        F: Fn(P) -> Result<R, E> + Send + Sync + 'static,
        P: DeserializeOwned + Send + 'static,
        R: Serialize + 'static,
        E: WireError + 'static,
    {
        self.add(name, sync_method(function))
    }

    /// Adds an async method (parameters as in [`Handlers::method`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use zmq_rpc::Handlers;
    ///
    /// let handlers = Handlers::new()
    ///     .async_method("later", |x: i64| async move { Ok::<_, Infallible>(x * 2) });
    /// # let _ = handlers;
    /// ```
    pub fn async_method<F, P, Fut, R, E>(self, name: impl Into<String>, function: F) -> Handlers
    where
        F: Fn(P) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        P: DeserializeOwned + Send + 'static,
        R: Serialize + 'static,
        E: WireError + 'static,
    {
        self.add(name, async_method(function))
    }

    /// Adds a ready-made [`Method`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::Handlers;
    /// use zmq_rpc::handlers::sync_method;
    ///
    /// let ping = sync_method(|()| Ok::<_, std::convert::Infallible>("pong"));
    /// let handlers = Handlers::new().add("ping", ping);
    /// # let _ = handlers;
    /// ```
    pub fn add(mut self, name: impl Into<String>, method: Arc<dyn Method>) -> Handlers {
        self.entries.insert(name.into(), Entry::Method(method));
        self
    }

    /// Adds a nested namespace: any [`Handler`], including another
    /// `Handlers` or a dynamic lookup.
    ///
    /// # Examples
    ///
    /// See [`Handlers`].
    pub fn namespace(mut self, name: impl Into<String>, handler: impl Handler) -> Handlers {
        self.entries
            .insert(name.into(), Entry::Namespace(Arc::new(handler)));
        self
    }
}

impl Handler for Handlers {
    fn lookup(&self, name: &str) -> Option<Arc<dyn Method>> {
        match name.split_once('.') {
            None => match self.entries.get(name)? {
                Entry::Method(method) => Some(Arc::clone(method)),
                Entry::Namespace(_) => None,
            },
            Some((namespace, rest)) => match self.entries.get(namespace)? {
                Entry::Namespace(handler) => handler.lookup(rest),
                Entry::Method(_) => None,
            },
        }
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<String> = self
            .entries
            .iter()
            .map(|(name, entry)| match entry {
                Entry::Method(_) => name.clone(),
                Entry::Namespace(_) => format!("{name}.*"),
            })
            .collect();
        names.sort();
        f.debug_struct("Handlers").field("names", &names).finish()
    }
}
