//! Conformance checks for [`Runtime`] implementations.
//!
//! Adapter crates run these from their tests (feature `conformance`), so
//! every adapter is held to the same behaviour by one piece of code.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use event_listener::Event;

use crate::runtime::Runtime;
use crate::{Socket, SocketType};

/// A ROUTER echo server and a DEALER client over tcp, with the server, the
/// client's writer and the client's reader as three tasks spawned through
/// `runtime` (held as a trait object, as the upper layers hold it). Checks
/// that all `messages` come back in order, within `limit` (timed with the
/// runtime's own `sleep`).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use zmq_core::conformance::socket_round_trip;
/// use zmq_core::runtime::{BoxFuture, Runtime};
///
/// #[derive(Debug)]
/// struct ThreadPerTask;
///
/// impl Runtime for ThreadPerTask {
///     fn spawn(&self, task: BoxFuture<'static, ()>) {
///         std::thread::spawn(move || futures_lite::future::block_on(task));
///     }
///     fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
///         Box::pin(async move {
///             async_io::Timer::after(duration).await;
///         })
///     }
/// }
///
/// let check = socket_round_trip(Arc::new(ThreadPerTask), 100, Duration::from_secs(30));
/// futures_lite::future::block_on(check).unwrap();
/// ```
pub async fn socket_round_trip(
    runtime: Arc<dyn Runtime>,
    messages: usize,
    limit: Duration,
) -> Result<(), String> {
    let fail = |what: &str, error: crate::Error| format!("{what}: {error}");
    let server = Socket::new(SocketType::ROUTER).map_err(|e| fail("router", e))?;
    let endpoint = server
        .bind("tcp://127.0.0.1:*")
        .map_err(|e| fail("bind", e))?;
    let client = Arc::new(Socket::new(SocketType::DEALER).map_err(|e| fail("dealer", e))?);
    client.connect(&endpoint).map_err(|e| fail("connect", e))?;

    let outcome = Arc::new(Outcome::default());
    runtime.spawn(Box::pin({
        let outcome = Arc::clone(&outcome);
        async move {
            for _ in 0..messages {
                // [peer id, body]: back to the same peer.
                let echoed = match server.recv().await {
                    Ok(request) => server.send(request).await.map_err(|e| e.error),
                    Err(error) => Err(error),
                };
                if let Err(error) = echoed {
                    return outcome.finish(Err(fail("server", error)));
                }
            }
        }
    }));
    runtime.spawn(Box::pin({
        let (client, outcome) = (Arc::clone(&client), Arc::clone(&outcome));
        async move {
            for sequence in 0..messages {
                if let Err(error) = client.send(sequence.to_string()).await {
                    return outcome.finish(Err(fail("client send", error.error)));
                }
            }
        }
    }));
    runtime.spawn(Box::pin({
        let outcome = Arc::clone(&outcome);
        async move {
            for expected in 0..messages {
                let reply = match client.recv().await {
                    Ok(reply) => reply,
                    Err(error) => return outcome.finish(Err(fail("client recv", error))),
                };
                let body = reply.front().and_then(|frame| frame.as_str());
                if reply.len() != 1 || body != Some(expected.to_string().as_str()) {
                    let error = format!("reply {expected} came back as {reply:?}");
                    return outcome.finish(Err(error));
                }
            }
            outcome.finish(Ok(()));
        }
    }));

    let deadline = runtime.sleep(limit);
    let finished = outcome.wait();
    match first_of(finished, deadline).await {
        Some(result) => result,
        None => Err(format!("the round trip did not finish within {limit:?}")),
    }
}

/// The first result any task reports.
#[derive(Default)]
struct Outcome {
    result: Mutex<Option<Result<(), String>>>,
    done: Event,
}

impl Outcome {
    fn finish(&self, result: Result<(), String>) {
        let mut slot = self.result.lock().unwrap_or_else(PoisonError::into_inner);
        slot.get_or_insert(result);
        self.done.notify(usize::MAX);
    }

    async fn wait(&self) -> Result<(), String> {
        loop {
            let listener = self.done.listen();
            if let Some(result) = self
                .result
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone()
            {
                return result;
            }
            listener.await;
        }
    }
}

/// `Some` with `work`'s output, or `None` if `deadline` comes first.
async fn first_of<T>(
    work: impl Future<Output = T>,
    deadline: impl Future<Output = ()>,
) -> Option<T> {
    let mut work = std::pin::pin!(work);
    let mut deadline = std::pin::pin!(deadline);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(output) = work.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(output));
        }
        deadline.as_mut().poll(cx).map(|()| None)
    })
    .await
}
