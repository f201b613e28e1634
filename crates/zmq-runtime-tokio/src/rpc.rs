//! RPC, pipeline and pub-sub services of [`zmq_rpc`] started on the current
//! tokio runtime in one call.
//!
//! The builders are zmq-rpc's own (re-exported here), so every option
//! (timeouts, security, error tables, translation tables) is set the same
//! way; [`StartOnTokio::start_on_tokio`] replaces `.start(runtime)`: it
//! spawns the service's tasks on the current tokio runtime and gives the
//! sockets it creates the adapter's readiness (native, see the
//! [crate documentation](crate#readiness)).
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use zmq_runtime_tokio::rpc::{Handlers, StartOnTokio, connect_rpc, serve_rpc};
//!
//! # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! # runtime.block_on(async {
//! let handlers = Handlers::new()
//!     .method("add", |(a, b): (i64, i64)| Ok::<_, std::convert::Infallible>(a + b));
//! let server = serve_rpc(handlers).bind("tcp://127.0.0.1:*").start_on_tokio()?;
//! let client = connect_rpc().connect(&server.endpoints()[0]).start_on_tokio()?;
//! let call = client.call::<i64>("add").arg(1).arg(2);
//! assert_eq!(tokio::time::timeout(Duration::from_secs(10), call).await??, 3);
//! client.close();
//! server.close();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use zmq_rpc::{
    ClientBuilder, Handlers, Notifier, NotifierBuilder, RpcClient, Server, ServerBuilder,
    ServiceError, connect_pipeline, connect_pubsub, connect_rpc, serve_pipeline, serve_pubsub,
    serve_rpc,
};

use crate::{CreateError, on_current_runtime};

/// Starts a zmq-rpc builder on the current tokio runtime.
///
/// Implemented for [`ServerBuilder`] ([`serve_rpc`], [`serve_pipeline`],
/// [`serve_pubsub`]), [`ClientBuilder`] ([`connect_rpc`]) and
/// [`NotifierBuilder`] ([`connect_pipeline`], [`connect_pubsub`]).
///
/// # Examples
///
/// See the [module documentation](self).
pub trait StartOnTokio: sealed::Sealed {
    /// The started service or client.
    type Started;

    /// Creates (or takes) the socket, binds and connects it, and starts the
    /// service's tasks on the current tokio runtime.
    ///
    /// # Errors
    ///
    /// [`CreateError::NoRuntime`] outside a tokio runtime;
    /// [`CreateError::Service`] if the socket cannot be set up.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_tokio::rpc::{Handlers, StartOnTokio, serve_pipeline};
    ///
    /// # let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    /// # runtime.block_on(async {
    /// let server = serve_pipeline(Handlers::new()).bind("tcp://127.0.0.1:*").start_on_tokio()?;
    /// server.close();
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn start_on_tokio(self) -> Result<Self::Started, CreateError>;
}

impl<P> StartOnTokio for ServerBuilder<P> {
    type Started = Server<P>;

    fn start_on_tokio(self) -> Result<Server<P>, CreateError> {
        on_current_runtime(|runtime| self.start(runtime))
    }
}

impl StartOnTokio for ClientBuilder {
    type Started = RpcClient;

    fn start_on_tokio(self) -> Result<RpcClient, CreateError> {
        on_current_runtime(|runtime| self.start(runtime))
    }
}

impl<P> StartOnTokio for NotifierBuilder<P> {
    type Started = Notifier<P>;

    fn start_on_tokio(self) -> Result<Notifier<P>, CreateError> {
        // A notifier has no background task: it only needs the reactor.
        on_current_runtime(|_| self.start())
    }
}

mod sealed {
    pub trait Sealed {}
    impl<P> Sealed for super::ServerBuilder<P> {}
    impl Sealed for super::ClientBuilder {}
    impl<P> Sealed for super::NotifierBuilder<P> {}
}
