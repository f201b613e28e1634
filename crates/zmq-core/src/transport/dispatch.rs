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
use super::protocol::{CallbackResult, ZmqProtocol};

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
    /// `queue` is not empty; written under `queue`'s lock, read without it
    /// so that [`deliver`](Dispatcher::deliver) can check after every
    /// message whether a callback was queued meanwhile.
    queued: AtomicBool,
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
            queued: AtomicBool::new(false),
            running: AtomicBool::new(false),
        }
    }

    /// Queues `callback` and runs the queue if nobody else is.
    pub(crate) fn call(&self, transport: &ZmqTransport, callback: Callback) {
        {
            let mut queue = lock(&self.queue);
            queue.push_back(callback);
            self.queued.store(true, Ordering::SeqCst);
        }
        self.drive(transport);
    }

    /// Runs the queue unless someone else is running it.
    fn drive(&self, transport: &ZmqTransport) {
        loop {
            if !self.try_start() {
                // The runner (maybe our own caller, up the stack) takes it.
                return;
            }
            self.run_queued(transport);
            if !self.stop() {
                return;
            }
        }
    }

    fn try_start(&self) -> bool {
        self.running
            .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Stops running; says whether a callback queued between our last look
    /// and now (whose caller found us running and left it to us) needs a
    /// runner.
    fn stop(&self) -> bool {
        self.running.store(false, Ordering::SeqCst);
        self.queued.load(Ordering::SeqCst)
    }

    /// Runs queued callbacks until the queue is empty; the caller is the
    /// runner.
    fn run_queued(&self, transport: &ZmqTransport) {
        loop {
            let next = {
                let mut queue = lock(&self.queue);
                let next = queue.pop_front();
                self.queued.store(!queue.is_empty(), Ordering::SeqCst);
                next
            };
            match next {
                Some(callback) => self.run(transport, callback),
                None => return,
            }
        }
    }

    /// Delivers received messages from the front of `messages`, in order,
    /// as long as `allowed()` (reading is neither paused nor closed) holds
    /// before each; what is left stays in `messages`.
    ///
    /// Same order and one-at-a-time guarantees as queuing one
    /// `Callback::Received` per message with [`call`](Dispatcher::call),
    /// but the protocol is looked up and locked once per batch instead of
    /// once per message (measured: `call` was the largest single item of
    /// the stream's profile at 32 B). A callback queued by a
    /// `msg_received` (a write that pauses writing) still runs before the
    /// next message.
    pub(crate) fn deliver(
        &self,
        transport: &ZmqTransport,
        messages: &mut VecDeque<Multipart>,
        allowed: impl Fn() -> bool,
    ) {
        if !self.try_start() {
            // Someone else is running callbacks (a write on another thread
            // that paused writing): queue behind them, as `call` does.
            while allowed() {
                let Some(message) = messages.pop_front() else {
                    break;
                };
                self.call(transport, Callback::Received(message));
            }
            return;
        }
        // Callbacks queued before these messages go first.
        self.run_queued(transport);
        'batch: while !messages.is_empty() && allowed() {
            let Some(protocol) = lock(&self.protocol).clone() else {
                // After connection_lost: nobody to tell.
                messages.clear();
                break;
            };
            let mut protocol = lock(&protocol);
            while allowed() {
                let Some(message) = messages.pop_front() else {
                    break 'batch;
                };
                // Caught inside the lock's scope: the guard is dropped
                // normally, so a panic does not poison the protocol.
                let outcome = catch_unwind(AssertUnwindSafe(|| protocol.msg_received(message)));
                report("msg_received", outcome);
                if self.queued.load(Ordering::SeqCst) {
                    // Run what this callback queued before the next message.
                    drop(protocol);
                    self.run_queued(transport);
                    continue 'batch;
                }
            }
            break;
        }
        if self.stop() {
            self.drive(transport);
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
            report(name, outcome);
        }
        if lost {
            lock(&self.protocol).take();
        }
    }
}

/// Logs a callback's error or panic: the transport goes on.
fn report(name: &str, outcome: std::thread::Result<CallbackResult>) {
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
