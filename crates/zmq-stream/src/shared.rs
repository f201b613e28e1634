//! The state a stream shares with its protocol, and the protocol that
//! feeds it (aiozmq's `ZmqStreamProtocol`).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use event_listener::Event;
use zmq_core::transport::{CallbackResult, ZmqProtocol};
use zmq_core::{Multipart, SocketEvent, ZmqTransport};

/// What the protocol fed and the stream has not taken yet.
#[derive(Debug)]
pub(crate) struct State {
    /// Each message with its size, counted once when it arrives (a
    /// frame's length is two calls into libzmq).
    pub(crate) queue: VecDeque<(Multipart, usize)>,
    /// Bytes in `queue`: what the read watermarks count.
    pub(crate) queue_bytes: usize,
    pub(crate) high_read: usize,
    pub(crate) low_read: usize,
    /// The stream paused the transport's reading.
    pub(crate) read_paused: bool,
    pub(crate) events: VecDeque<SocketEvent>,
    pub(crate) events_backlog: Option<usize>,
    /// Events dropped because the backlog was full.
    pub(crate) events_dropped: u64,
    /// The connection is lost (closed, aborted, or failed).
    pub(crate) closed: bool,
    /// Why it failed, if it did.
    pub(crate) exception: Option<Arc<zmq_core::Error>>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    /// `state.closed`, readable without the lock: `drain` checks it after
    /// every write. Set (under the lock) right after `closed`.
    closed: AtomicBool,
    /// A message arrived, or the connection was lost.
    pub(crate) readable: Event,
    /// A monitor event arrived, or the connection was lost.
    pub(crate) event_ready: Event,
    /// Writing resumed, or the connection was lost.
    pub(crate) writable: Event,
}

impl Shared {
    pub(crate) fn new(high_read: usize, low_read: usize, events_backlog: Option<usize>) -> Shared {
        Shared {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queue_bytes: 0,
                high_read,
                low_read,
                read_paused: false,
                events: VecDeque::new(),
                events_backlog,
                events_dropped: 0,
                closed: false,
                exception: None,
            }),
            closed: AtomicBool::new(false),
            readable: Event::new(),
            event_ready: Event::new(),
            writable: Event::new(),
        }
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The connection is lost (closed, aborted or failed), without the lock.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }
}

impl State {
    /// Takes the oldest message; says whether reading must resume.
    pub(crate) fn pop_message(&mut self) -> Option<(Multipart, bool)> {
        let (message, bytes) = self.queue.pop_front()?;
        self.queue_bytes -= bytes.min(self.queue_bytes);
        Some((message, self.maybe_resume()))
    }

    /// aiozmq's `_maybe_resume_transport`.
    pub(crate) fn maybe_resume(&mut self) -> bool {
        if self.read_paused && self.queue_bytes <= self.low_read {
            self.read_paused = false;
            true
        } else {
            false
        }
    }
}

/// Feeds a stream's [`Shared`] state from the transport's callbacks.
pub(crate) struct StreamProtocol {
    shared: Arc<Shared>,
    transport: Option<ZmqTransport>,
}

impl StreamProtocol {
    pub(crate) fn new(shared: Arc<Shared>) -> StreamProtocol {
        StreamProtocol {
            shared,
            transport: None,
        }
    }
}

impl ZmqProtocol for StreamProtocol {
    fn connection_made(&mut self, transport: &ZmqTransport) {
        self.transport = Some(transport.clone());
    }

    fn msg_received(&mut self, message: Multipart) -> CallbackResult {
        let (pause, was_empty) = {
            let mut state = self.shared.state();
            let was_empty = state.queue.is_empty();
            let bytes = message.byte_len();
            state.queue_bytes += bytes;
            state.queue.push_back((message, bytes));
            let pause = !state.read_paused && state.queue_bytes > state.high_read;
            state.read_paused |= pause;
            (pause, was_empty)
        };
        // A reader sleeps only after it found the queue empty (listening
        // before its last look), and every sleeper is woken when the queue
        // turns non-empty; a woken reader looks again before sleeping. So
        // only that turn needs a notification: one per message cost a
        // wake-up per message (see docs/performance.md).
        if was_empty {
            self.shared.readable.notify(usize::MAX);
        }
        if pause {
            if let Some(transport) = &self.transport {
                transport.pause_reading();
            }
        }
        Ok(())
    }

    fn event_received(&mut self, event: SocketEvent) -> CallbackResult {
        {
            let mut state = self.shared.state();
            match state.events_backlog {
                Some(0) => {
                    state.events_dropped += 1;
                    return Ok(());
                }
                Some(backlog) => {
                    while state.events.len() >= backlog {
                        state.events.pop_front();
                        state.events_dropped += 1;
                    }
                }
                None => {}
            }
            state.events.push_back(event);
        }
        self.shared.event_ready.notify(usize::MAX);
        Ok(())
    }

    fn resume_writing(&mut self) {
        self.shared.writable.notify(usize::MAX);
    }

    fn connection_lost(&mut self, error: Option<zmq_core::Error>) {
        {
            let mut state = self.shared.state();
            state.closed = true;
            state.exception = error.map(Arc::new);
            self.shared.closed.store(true, Ordering::Release);
        }
        self.transport = None;
        self.shared.readable.notify(usize::MAX);
        self.shared.event_ready.notify(usize::MAX);
        self.shared.writable.notify(usize::MAX);
    }
}
