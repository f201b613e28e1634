//! [`OnceSignal`]: a flag that is raised once and can be awaited.

use std::sync::atomic::{AtomicBool, Ordering};

use event_listener::Event;

/// Raised once ([`raise`](OnceSignal::raise)) by whoever sees the thing
/// happen; awaited by any number of tasks. Behind a libzmq buffer's
/// release ([`crate::ReleaseTracker`]) and a context's termination
/// ([`crate::Context::terminate`]).
#[derive(Default)]
pub(crate) struct OnceSignal {
    raised: AtomicBool,
    event: Event,
}

impl OnceSignal {
    pub(crate) fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        self.event.notify(usize::MAX);
    }

    pub(crate) fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Acquire)
    }

    /// Cancel safe: it only observes.
    pub(crate) async fn raised(&self) {
        loop {
            if self.is_raised() {
                return;
            }
            // Listen before the second look: a raise in between is seen.
            let listener = self.event.listen();
            if self.is_raised() {
                return;
            }
            listener.await;
        }
    }
}
