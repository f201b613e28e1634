//! The runtime seam: what a layer needs from an executor.
//!
//! `zmq-core` and the layers above it run on any executor; where they need
//! something in the background (a transport's pump, an RPC server's
//! per-call tasks) or a timer, they take a [`Runtime`] from the caller. The
//! `zmq-runtime-tokio` and `zmq-runtime-smol` crates implement it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed, `Send` future: what crosses the runtime seam.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Spawning and timers, supplied by an executor adapter.
///
/// # Examples
///
/// A runtime that runs each task on a thread of its own, with async-io's
/// timers (the adapter crates do better; this shows the contract):
///
/// ```
/// use std::time::Duration;
/// use zmq_core::runtime::{BoxFuture, Runtime};
///
/// #[derive(Debug)]
/// struct ThreadPerTask;
///
/// impl Runtime for ThreadPerTask {
///     fn spawn(&self, task: BoxFuture<'static, ()>) {
///         std::thread::spawn(move || futures_lite::future::block_on(task));
///     }
///
///     fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
///         Box::pin(async move {
///             async_io::Timer::after(duration).await;
///         })
///     }
/// }
///
/// let runtime = ThreadPerTask;
/// let (done_tx, done_rx) = std::sync::mpsc::channel();
/// runtime.spawn(Box::pin(async move { done_tx.send(()).unwrap() }));
/// done_rx.recv_timeout(Duration::from_secs(5)).unwrap();
/// futures_lite::future::block_on(runtime.sleep(Duration::from_millis(1)));
/// ```
pub trait Runtime: Send + Sync + fmt::Debug + 'static {
    /// Runs `task` in the background until it completes.
    fn spawn(&self, task: BoxFuture<'static, ()>);

    /// A future that completes once `duration` has passed.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}
