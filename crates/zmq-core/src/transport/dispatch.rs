//! Runs protocol callbacks one at a time, in order, surviving panics.
//!
//! Whoever queues a callback runs the queue unless someone else is running
//! it already; in that case the runner picks it up before it stops. So a
//! callback that calls into the transport (which queues another callback)
//! never re-enters the protocol, and a callback is never left behind.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::error::Error;
use crate::message::Multipart;
use crate::monitor::SocketEvent;

use super::ZmqTransport;
use super::protocol::ZmqProtocol;

/// One protocol callback, waiting to run.
#[derive(Debug)]
pub(crate) enum Callback {
    Made,
    Received(Multipart),
    Event(SocketEvent),
    PauseWriting,
    ResumeWriting,
    Lost(Option<Error>),
}

type SharedProtocol = Arc<Mutex<dyn ZmqProtocol>>;

pub(crate) struct Dispatcher {
    /// `None` once `connection_lost` ran: the transport lets go of the
    /// protocol (which often holds the transport).
    protocol: Mutex<Option<SharedProtocol>>,
    queue: Mutex<VecDeque<Callback>>,
    running: AtomicBool,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("queued", &lock(&self.queue).len())
            .finish_non_exhaustive()
    }
}

fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Dispatcher {
    pub(crate) fn new(protocol: SharedProtocol) -> Dispatcher {
        Dispatcher {
            protocol: Mutex::new(Some(protocol)),
            queue: Mutex::default(),
            running: AtomicBool::new(false),
        }
    }

    /// Queues `callback` and runs the queue if nobody else is.
    pub(crate) fn call(&self, transport: &ZmqTransport, callback: Callback) {
        lock(&self.queue).push_back(callback);
        loop {
            if self
                .running
                .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                // The runner (maybe our own caller, up the stack) takes it.
                return;
            }
            loop {
                let next = lock(&self.queue).pop_front();
                match next {
                    Some(callback) => self.run(transport, callback),
                    None => break,
                }
            }
            self.running.store(false, Ordering::SeqCst);
            // A callback queued between our last look and the store above
            // found us running and left it to us.
            if lock(&self.queue).is_empty() {
                return;
            }
        }
    }

    fn run(&self, transport: &ZmqTransport, callback: Callback) {
        let Some(protocol) = lock(&self.protocol).clone() else {
            return; // after connection_lost: nobody to tell
        };
        let lost = matches!(callback, Callback::Lost(_));
        let name = callback_name(&callback);
        {
            let mut protocol = lock(&protocol);
            // Caught inside the lock's scope: the guard is dropped normally,
            // so a panicking callback does not poison the protocol's mutex.
            let outcome = catch_unwind(AssertUnwindSafe(|| match callback {
                Callback::Made => {
                    protocol.connection_made(transport);
                    Ok(())
                }
                Callback::Received(message) => protocol.msg_received(message),
                Callback::Event(event) => protocol.event_received(event),
                Callback::PauseWriting => {
                    protocol.pause_writing();
                    Ok(())
                }
                Callback::ResumeWriting => {
                    protocol.resume_writing();
                    Ok(())
                }
                Callback::Lost(error) => {
                    protocol.connection_lost(error);
                    Ok(())
                }
            }));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(error)) => log::error!(
                    target: "zmq_core::transport",
                    "protocol callback {name} failed: {error}; the transport goes on"
                ),
                Err(panic) => log::error!(
                    target: "zmq_core::transport",
                    "protocol callback {name} panicked: {}; the transport goes on",
                    panic_message(&*panic)
                ),
            }
        }
        if lost {
            lock(&self.protocol).take();
        }
    }
}

fn callback_name(callback: &Callback) -> &'static str {
    match callback {
        Callback::Made => "connection_made",
        Callback::Received(_) => "msg_received",
        Callback::Event(_) => "event_received",
        Callback::PauseWriting => "pause_writing",
        Callback::ResumeWriting => "resume_writing",
        Callback::Lost(_) => "connection_lost",
    }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    if let Some(text) = panic.downcast_ref::<&str>() {
        text
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text
    } else {
        "(not a string)"
    }
}
