//! The transport's shared state: the write buffer and the lifecycle flags.

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

pub(crate) fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}
