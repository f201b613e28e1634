//! Readiness of a libzmq socket: the one place that waits.
//!
//! libzmq signals through `ZMQ_FD`, a descriptor that turns readable when
//! the socket's state *may* have changed and that libzmq itself resets
//! whenever it processes the socket's command queue (inside `zmq_send`,
//! `zmq_recv`, `zmq_getsockopt(ZMQ_EVENTS)`, `zmq_bind`, ...). It is an edge
//! that any operation can swallow, not a level. [`SocketCore::poll_io`]
//! turns it into dependable wakeups:
//!
//! 1. Try the operation first; wait only after `EAGAIN`.
//! 2. To wait: register with the reactor and with this side's [`Event`],
//!    then read `ZMQ_EVENTS` once more, and sleep only if it still says
//!    "not ready". An edge that arrives after the registration wakes us; one
//!    that arrived before it shows in the re-read state.
//! 3. After every operation, if any waiter is parked, read `ZMQ_EVENTS` and
//!    wake the parked side whose condition now holds: the operation may have
//!    swallowed the edge that waiter was sleeping on.
//!
//! Each direction has its own set of waiters, so a reader task and a writer
//! task sharing one socket never evict each other's wakers.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::os::fd::BorrowedFd;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use event_listener::{Event, EventListener};

use crate::error::{Error, Result};
use crate::queue_marks::{self, QueueMarks};
use crate::reactor::{Reactor, Registration, Wait};

/// Which way an operation moves messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Recv = 0,
    Send = 1,
}

impl Direction {
    const BOTH: [Direction; 2] = [Direction::Recv, Direction::Send];

    fn ready_in(self, events: zmq::PollEvents) -> bool {
        match self {
            Direction::Recv => events.contains(zmq::POLLIN),
            Direction::Send => events.contains(zmq::POLLOUT),
        }
    }

    pub(crate) fn other(self) -> Direction {
        match self {
            Direction::Recv => Direction::Send,
            Direction::Send => Direction::Recv,
        }
    }
}

/// The waiters of one direction.
#[derive(Debug, Default)]
struct Side {
    /// Futures registered to be woken (armed), for the cheap "anyone
    /// waiting?" check on the hot path.
    parked: AtomicUsize,
    /// Wakes this side's parked futures when another operation saw that
    /// their condition holds.
    event: Event,
}

/// A libzmq socket with the state that is only touched under its lock.
pub(crate) struct RawSocket {
    socket: zmq::Socket,
    /// The sizing of its high-water marks (`queue_marks.rs`).
    pub(crate) marks: QueueMarks,
}

impl RawSocket {
    /// Counts one whole message of `bytes` moved in `direction`.
    #[inline]
    pub(crate) fn moved(&mut self, direction: Direction, bytes: usize) {
        self.marks.moved(&self.socket, direction, bytes);
    }

    /// Sets `direction`'s mark for the user: it is never sized again.
    pub(crate) fn set_mark_by_hand(&mut self, direction: Direction, value: i32) -> zmq::Result<()> {
        self.marks.fix(direction);
        queue_marks::set_mark(&self.socket, direction, value)
    }
}

impl Deref for RawSocket {
    type Target = zmq::Socket;

    fn deref(&self) -> &zmq::Socket {
        &self.socket
    }
}

impl DerefMut for RawSocket {
    fn deref_mut(&mut self) -> &mut zmq::Socket {
        &mut self.socket
    }
}

/// A libzmq socket with its readiness machinery; every access to the
/// `zmq::Socket` goes through here so that no edge is lost.
pub(crate) struct SocketCore {
    raw: Mutex<Option<RawSocket>>,
    /// A duplicate of `ZMQ_FD`, owned by us: the registration with the
    /// reactor stays valid even after libzmq closes its own descriptor.
    /// Registered with the socket's reactor (see `reactor.rs`).
    fd: Registration,
    sides: [Side; 2],
}

impl std::fmt::Debug for SocketCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketCore")
            .field("fd", &self.fd)
            .field("sides", &self.sides)
            .finish_non_exhaustive()
    }
}

impl SocketCore {
    pub(crate) fn new(raw: zmq::Socket, reactor: &Reactor) -> Result<SocketCore> {
        let fd = SocketCore::register(&raw, reactor)?;
        let raw = RawSocket {
            socket: raw,
            marks: QueueMarks::new(),
        };
        Ok(SocketCore::registered(raw, fd))
    }

    fn registered(raw: RawSocket, fd: Registration) -> SocketCore {
        SocketCore {
            raw: Mutex::new(Some(raw)),
            fd,
            sides: Default::default(),
        }
    }

    /// Registers a duplicate of `raw`'s `ZMQ_FD` with `reactor`.
    fn register(raw: &zmq::Socket, reactor: &Reactor) -> Result<Registration> {
        let notify_fd = raw.get_fd()?;
        // SAFETY: `notify_fd` is the ZMQ_FD of `raw`, an open descriptor
        // for as long as `raw` is open, and `raw` outlives this borrow: it
        // is only used to duplicate the descriptor right here.
        let borrowed = unsafe { BorrowedFd::borrow_raw(notify_fd) };
        let owned = borrowed.try_clone_to_owned()?;
        Ok(reactor.register(owned)?)
    }

    /// A core for the same libzmq socket, registered with `reactor`; this
    /// one is left closed. On error this one is unchanged.
    ///
    /// Taking `&mut self` is what makes the move safe: no future can be
    /// waiting on this core's registration meanwhile.
    pub(crate) fn move_to(&mut self, reactor: &Reactor) -> Result<SocketCore> {
        let raw = self.raw.get_mut().unwrap_or_else(PoisonError::into_inner);
        let fd = SocketCore::register(raw.as_ref().ok_or(Error::Closed)?, reactor)?;
        let raw = raw.take().ok_or(Error::Closed)?;
        Ok(SocketCore::registered(raw, fd))
    }

    fn lock(&self) -> MutexGuard<'_, Option<RawSocket>> {
        // A panic in a user closure (see `with_raw`) leaves the socket
        // itself intact: keep serving.
        self.raw.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` on the open socket under the lock, then wakes any parked
    /// waiter whose condition `f` may have made true (or whose edge `f` may
    /// have swallowed).
    #[inline]
    pub(crate) fn with_raw<T>(&self, f: impl FnOnce(&mut RawSocket) -> T) -> Result<T> {
        let mut guard = self.lock();
        // Not `ok_or(Error::Closed)`: that builds and drops an `Error` on
        // every call, the hot path included.
        let Some(raw) = guard.as_mut() else {
            return Err(Error::Closed);
        };
        let value = f(raw);
        self.wake_parked(raw, None);
        Ok(value)
    }

    /// Reads `ZMQ_EVENTS` if anyone is parked (except `skip`), and wakes
    /// each side that can now make progress.
    fn wake_parked(&self, raw: &zmq::Socket, skip: Option<Direction>) {
        let waiting = |direction: Direction| {
            Some(direction) != skip && self.side(direction).parked.load(Ordering::SeqCst) > 0
        };
        if !Direction::BOTH.into_iter().any(waiting) {
            return;
        }
        match raw.get_events() {
            Ok(events) => self.notify_ready(events, waiting),
            // Let the waiters retry and meet the error themselves.
            Err(_) => self.notify_all(),
        }
    }

    fn notify_ready(&self, events: zmq::PollEvents, waiting: impl Fn(Direction) -> bool) {
        for direction in Direction::BOTH {
            if waiting(direction) && direction.ready_in(events) {
                self.side(direction).event.notify(usize::MAX);
            }
        }
    }

    fn notify_all(&self) {
        for side in &self.sides {
            side.event.notify(usize::MAX);
        }
    }

    fn side(&self, direction: Direction) -> &Side {
        &self.sides[direction as usize]
    }

    /// Closes the libzmq socket now; parked waiters wake and see
    /// [`Error::Closed`]. Returns false if it was already closed.
    pub(crate) fn close(&self) -> bool {
        let raw = self.lock().take();
        let was_open = raw.is_some();
        drop(raw);
        self.notify_all();
        was_open
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.lock().is_none()
    }

    /// Drives one non-blocking operation to completion: tries it, and on
    /// `EAGAIN` waits as the module documentation describes.
    ///
    /// `op` must be all-or-nothing: on `EAGAIN` it has changed nothing.
    /// That makes every future built on this cancel safe.
    #[inline]
    pub(crate) fn poll_io<'a, T>(
        &'a self,
        waiter: &mut Waiter<'a>,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&mut RawSocket) -> Result<T, zmq::Error>,
    ) -> Poll<Result<T>> {
        let direction = waiter.direction;
        loop {
            // Not counted while operating, so that our own operation does not
            // try to wake us.
            waiter.unpark();
            let outcome = self.with_raw(|raw| {
                loop {
                    match op(raw) {
                        Err(zmq::Error::EINTR) => continue,
                        other => break other,
                    }
                }
            });
            match outcome {
                Ok(Err(zmq::Error::EAGAIN)) => {}
                Ok(Ok(value)) => {
                    waiter.reset();
                    return Poll::Ready(Ok(value));
                }
                Ok(Err(error)) => {
                    waiter.reset();
                    return Poll::Ready(Err(error.into()));
                }
                Err(error) => {
                    waiter.reset();
                    return Poll::Ready(Err(error));
                }
            }

            waiter.park(self.side(direction));
            let listener = waiter
                .listener
                .get_or_insert_with(|| self.side(direction).event.listen());
            if Pin::new(listener).poll(cx).is_ready() {
                waiter.listener = None;
                waiter.events_said_ready = false;
                continue;
            }
            let readable = waiter.readable.get_or_insert_with(|| self.fd.readable());
            match Pin::new(readable).poll(cx) {
                Poll::Ready(Ok(())) => {
                    waiter.readable = None;
                    waiter.events_said_ready = false;
                    continue;
                }
                Poll::Ready(Err(error)) => {
                    waiter.reset();
                    return Poll::Ready(Err(error.into()));
                }
                Poll::Pending => {}
            }
            if waiter.events_said_ready {
                // ZMQ_EVENTS said ready, yet the operation could not proceed
                // (ROUTER_MANDATORY with one full peer does this): trusting it
                // again would spin. Sleep until a real edge or a peer wakes us.
                waiter.events_said_ready = false;
                return Poll::Pending;
            }

            // Armed: re-read the state, which also catches an edge that fired
            // before we registered.
            let events = {
                let guard = self.lock();
                let Some(raw) = guard.as_ref() else {
                    waiter.reset();
                    return Poll::Ready(Err(Error::Closed));
                };
                let events = raw.get_events();
                if let Ok(events) = events {
                    let other = direction.other();
                    let other_waits = self.side(other).parked.load(Ordering::SeqCst) > 0;
                    self.notify_ready(events, |d| d == other && other_waits);
                }
                events
            };
            match events {
                Ok(events) if direction.ready_in(events) => {
                    waiter.events_said_ready = true;
                    continue;
                }
                Ok(_) => return Poll::Pending,
                Err(zmq::Error::EINTR) => continue,
                Err(error) => {
                    waiter.reset();
                    return Poll::Ready(Err(error.into()));
                }
            }
        }
    }
}

/// The waiting state of one future: its registrations with the reactor and
/// with its side's event. Dropping it deregisters everything.
#[derive(Debug)]
pub(crate) struct Waiter<'a> {
    direction: Direction,
    readable: Option<Wait<'a>>,
    listener: Option<EventListener>,
    parked_on: Option<&'a Side>,
    events_said_ready: bool,
}

impl<'a> Waiter<'a> {
    pub(crate) fn new(direction: Direction) -> Waiter<'a> {
        Waiter {
            direction,
            readable: None,
            listener: None,
            parked_on: None,
            events_said_ready: false,
        }
    }

    fn park(&mut self, side: &'a Side) {
        if self.parked_on.is_none() {
            side.parked.fetch_add(1, Ordering::SeqCst);
            self.parked_on = Some(side);
        }
    }

    fn unpark(&mut self) {
        if let Some(side) = self.parked_on.take() {
            side.parked.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn reset(&mut self) {
        self.unpark();
        self.readable = None;
        self.listener = None;
        self.events_said_ready = false;
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        self.unpark();
    }
}
