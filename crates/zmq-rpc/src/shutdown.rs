//! A close signal that tasks race against, and a count of running tasks to
//! wait for.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use event_listener::Event;
use zmq_core::Socket;

use crate::error::ServiceError;

/// Set once by `close()`; every background task of a service stops at it.
#[derive(Debug, Default)]
pub(crate) struct Shutdown {
    closed: AtomicBool,
    closed_event: Event,
    running: AtomicUsize,
    idle_event: Event,
}

impl Shutdown {
    /// Sets the signal; true the first time only.
    pub(crate) fn close(&self) -> bool {
        let first = !self.closed.swap(true, Ordering::SeqCst);
        self.closed_event.notify(usize::MAX);
        first
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Sets the signal and closes the service's `socket` (the first time
    /// only): how every server and client closes.
    pub(crate) fn close_with(&self, socket: &Socket) {
        if self.close() {
            socket.close();
        }
    }

    /// The service's `socket`, or [`ServiceError::Closed`] once closed.
    pub(crate) fn open<'a>(&self, socket: &'a Socket) -> Result<&'a Socket, ServiceError> {
        if self.is_closed() {
            return Err(ServiceError::Closed);
        }
        Ok(socket)
    }

    /// Completes once [`Shutdown::close`] has been called.
    pub(crate) async fn closed(&self) {
        loop {
            if self.is_closed() {
                return;
            }
            let listener = self.closed_event.listen();
            if self.is_closed() {
                return;
            }
            listener.await;
        }
    }

    /// Runs `task` unless the signal comes first: `None` then, and `task`
    /// is dropped (cancelled).
    pub(crate) async fn or_closed<T>(&self, task: impl Future<Output = T>) -> Option<T> {
        futures_lite::future::or(async { Some(task.await) }, async {
            self.closed().await;
            None
        })
        .await
    }

    /// Counts a task as running until the guard is dropped.
    pub(crate) fn task_started(&self) -> TaskGuard<'_> {
        self.enter();
        TaskGuard { shutdown: self }
    }

    /// Completes once no counted task is running.
    pub(crate) async fn idle(&self) {
        self.at_most(0).await;
    }

    /// Completes once at most `limit` counted tasks are running.
    pub(crate) async fn at_most(&self, limit: usize) {
        loop {
            if self.running.load(Ordering::SeqCst) <= limit {
                return;
            }
            let listener = self.idle_event.listen();
            if self.running.load(Ordering::SeqCst) <= limit {
                return;
            }
            listener.await;
        }
    }

    /// Counts one more task as running, until [`Shutdown::exit`].
    pub(crate) fn enter(&self) {
        self.running.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts one task less (one [`Shutdown::enter`] ended).
    pub(crate) fn exit(&self) {
        self.running.fetch_sub(1, Ordering::SeqCst);
        // Waiters for "idle" and for "at most n" both recheck.
        self.idle_event.notify(usize::MAX);
    }
}

/// Keeps a task counted as running.
#[derive(Debug)]
pub(crate) struct TaskGuard<'a> {
    shutdown: &'a Shutdown,
}

impl Drop for TaskGuard<'_> {
    fn drop(&mut self) {
        self.shutdown.exit();
    }
}
