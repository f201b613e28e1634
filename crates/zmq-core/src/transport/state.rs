//! The transport's shared state: the write buffer and the lifecycle flags.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::buffer::WriteBuffer;

#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) buffer: WriteBuffer,
    /// `pause_reading()` is in force.
    pub(crate) reading_paused: bool,
    /// `close()` or `abort()` was called, or the socket failed: no more
    /// writes, no more reads.
    pub(crate) closing: bool,
    /// `connection_lost` has been queued: the transport is finished.
    pub(crate) lost: bool,
}

impl State {
    pub(crate) fn reading_allowed(&self) -> bool {
        !self.reading_paused && !self.closing
    }
}

/// Copies of the two flags that are read once per message (the pump asks
/// "may I deliver?" before each `msg_received`; a stream's `drain` asks "is
/// writing paused?" after each write), readable without the state's lock.
/// They are updated by [`StateGuard`] before the lock is released, so they
/// never lag behind what a later locker of the state would see.
#[derive(Debug)]
pub(crate) struct Flags {
    writing_paused: AtomicBool,
    reading_allowed: AtomicBool,
}

impl Default for Flags {
    fn default() -> Flags {
        let state = State::default();
        Flags {
            writing_paused: AtomicBool::new(state.buffer.is_paused()),
            reading_allowed: AtomicBool::new(state.reading_allowed()),
        }
    }
}

impl Flags {
    pub(crate) fn writing_paused(&self) -> bool {
        self.writing_paused.load(Ordering::Acquire)
    }

    pub(crate) fn reading_allowed(&self) -> bool {
        self.reading_allowed.load(Ordering::Acquire)
    }

    fn sync(&self, state: &State) {
        // Stored only on a change: the common unlock then only reads a
        // cache line that other threads keep reading too.
        let paused = state.buffer.is_paused();
        if self.writing_paused.load(Ordering::Relaxed) != paused {
            self.writing_paused.store(paused, Ordering::Release);
        }
        let allowed = state.reading_allowed();
        if self.reading_allowed.load(Ordering::Relaxed) != allowed {
            self.reading_allowed.store(allowed, Ordering::Release);
        }
    }
}

/// The locked state; on release it brings [`Flags`] up to date.
pub(crate) struct StateGuard<'a> {
    guard: MutexGuard<'a, State>,
    flags: &'a Flags,
}

impl Deref for StateGuard<'_> {
    type Target = State;

    fn deref(&self) -> &State {
        &self.guard
    }
}

impl DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        self.flags.sync(&self.guard);
    }
}

pub(crate) fn lock<'a>(state: &'a Mutex<State>, flags: &'a Flags) -> StateGuard<'a> {
    StateGuard {
        guard: state.lock().unwrap_or_else(PoisonError::into_inner),
        flags,
    }
}
