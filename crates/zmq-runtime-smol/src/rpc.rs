//! RPC, pipeline and pub-sub services of [`zmq_rpc`] started on smol's
//! global executor in one call.
//!
//! The builders are zmq-rpc's own (re-exported here), so every option
//! (timeouts, security, error tables, translation tables) is set the same
//! way; [`StartOnSmol::start_on_smol`] replaces `.start(runtime)` with
//! [`SmolRuntime::global`]. For an executor of yours, call `.start` with a
//! [`SmolRuntime::with_executor`].
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use zmq_runtime_smol::rpc::{Handlers, StartOnSmol, connect_rpc, serve_rpc};
//!
//! smol::block_on(async {
//!     let handlers = Handlers::new()
//!         .method("add", |(a, b): (i64, i64)| Ok::<_, std::convert::Infallible>(a + b));
//!     let server = serve_rpc(handlers).bind("tcp://127.0.0.1:*").start_on_smol()?;
//!     let client = connect_rpc()
//!         .connect(&server.endpoints()[0])
//!         .timeout(Duration::from_secs(10))
//!         .start_on_smol()?;
//!     let sum: i64 = client.call("add").arg(1).arg(2).await?;
//!     assert_eq!(sum, 3);
//!     client.close();
//!     server.close();
//!     Ok::<(), Box<dyn std::error::Error>>(())
//! })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;

pub use zmq_rpc::{
    ClientBuilder, Handlers, Notifier, NotifierBuilder, RpcClient, Server, ServerBuilder,
    ServiceError, connect_pipeline, connect_pubsub, connect_rpc, serve_pipeline, serve_pubsub,
    serve_rpc,
};

use crate::SmolRuntime;

/// Starts a zmq-rpc builder on smol's global executor.
///
/// Implemented for [`ServerBuilder`] ([`serve_rpc`], [`serve_pipeline`],
/// [`serve_pubsub`]), [`ClientBuilder`] ([`connect_rpc`]) and
/// [`NotifierBuilder`] ([`connect_pipeline`], [`connect_pubsub`]).
///
/// # Examples
///
/// See the [module documentation](self).
pub trait StartOnSmol: sealed::Sealed {
    /// The started service or client.
    type Started;

    /// Creates (or takes) the socket, binds and connects it, and starts the
    /// service's tasks on smol's global executor.
    ///
    /// # Errors
    ///
    /// [`ServiceError::Socket`] if the socket cannot be set up.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_runtime_smol::rpc::{Handlers, StartOnSmol, serve_pipeline};
    ///
    /// let server = serve_pipeline(Handlers::new()).bind("tcp://127.0.0.1:*").start_on_smol()?;
    /// server.close();
    /// # Ok::<(), zmq_runtime_smol::rpc::ServiceError>(())
    /// ```
    fn start_on_smol(self) -> Result<Self::Started, ServiceError>;
}

impl<P> StartOnSmol for ServerBuilder<P> {
    type Started = Server<P>;

    fn start_on_smol(self) -> Result<Server<P>, ServiceError> {
        self.start(Arc::new(SmolRuntime::global()))
    }
}

impl StartOnSmol for ClientBuilder {
    type Started = RpcClient;

    fn start_on_smol(self) -> Result<RpcClient, ServiceError> {
        self.start(Arc::new(SmolRuntime::global()))
    }
}

impl<P> StartOnSmol for NotifierBuilder<P> {
    type Started = Notifier<P>;

    fn start_on_smol(self) -> Result<Notifier<P>, ServiceError> {
        self.start()
    }
}

mod sealed {
    pub trait Sealed {}
    impl<P> Sealed for super::ServerBuilder<P> {}
    impl Sealed for super::ClientBuilder {}
    impl<P> Sealed for super::NotifierBuilder<P> {}
}
