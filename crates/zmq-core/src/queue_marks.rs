//! High-water marks sized by bytes: the default depth of a socket's queues.
//!
//! libzmq counts its high-water marks in messages (1 000 by default), so a
//! queue of 32-byte messages holds 64 KiB and one of 1 MiB messages 1 GiB.
//! Small messages moved in bulk run much faster with deep queues (sections 8
//! and 12 of `docs/performance.md`), large ones slower. So, unless the user
//! set a mark, each direction of a socket watches the average size of the
//! messages it moves and sets its mark to hold about [`QUEUE_BUDGET`] bytes:
//! never below libzmq's default, never above [`MAX_SIZED_MARK`].
//!
//! A mark only deepens for a queue under pressure: a send queue that was
//! full (a send met `EAGAIN`), or a receive queue the reader fell behind
//! (half a mark's worth of receives in a row, none finding it empty, no
//! send in between). Request-reply traffic does neither, and its round
//! trips measured slower with deep marks under tokio's reactor (section
//! 12), so its marks stay libzmq's.
//!
//! Changing a mark while messages flow can stall stock libzmq 4.3.5 for
//! good; only a libzmq that says it carries the fix (our build's source
//! patch `live-hwm-resync`) gets sized marks.

use std::sync::OnceLock;

use crate::readiness::Direction;

/// About how many bytes one queue (one peer, one direction) may hold when
/// its mark is sized by this module.
pub(crate) const QUEUE_BUDGET: usize = 2 << 20;

/// The deepest mark sizing sets, in messages.
pub(crate) const MAX_SIZED_MARK: i32 = 1 << 16;

/// libzmq's default `ZMQ_SNDHWM` and `ZMQ_RCVHWM`, and sizing's floor.
pub(crate) const LIBZMQ_DEFAULT_MARK: i32 = 1_000;

/// How many messages each decision averages over.
const WINDOW: u32 = 1_024;

/// What one queued message costs libzmq: its `zmq_msg_t` (64 bytes, holding
/// up to 33 bytes of content inline), plus the content when it is larger.
fn queued_cost(bytes: usize) -> usize {
    const MSG_T: usize = 64;
    const MAX_INLINE: usize = 33;
    if bytes <= MAX_INLINE {
        MSG_T
    } else {
        MSG_T + bytes
    }
}

/// The mark for messages of `average` bytes: the largest power of two whose
/// queue fits [`QUEUE_BUDGET`], up to [`MAX_SIZED_MARK`]; libzmq's default
/// when not even twice that fits. Powers of two keep a mixed stream from
/// changing the mark on every window.
pub(crate) fn mark_for(average: usize) -> i32 {
    let fits = QUEUE_BUDGET / queued_cost(average);
    if fits < 2 * LIBZMQ_DEFAULT_MARK as usize {
        return LIBZMQ_DEFAULT_MARK;
    }
    let power = 1usize << fits.ilog2();
    power.min(MAX_SIZED_MARK as usize) as i32
}

/// Whether the linked libzmq applies a mark changed on a live connection
/// without stalling it (asked once).
pub(crate) fn live_changes_are_safe() -> bool {
    static SAFE: OnceLock<bool> = OnceLock::new();
    *SAFE.get_or_init(|| crate::capabilities().live_hwm_changes)
}

/// `direction`'s mark on `socket` (`ZMQ_SNDHWM` or `ZMQ_RCVHWM`).
fn mark(socket: &zmq::Socket, direction: Direction) -> zmq::Result<i32> {
    match direction {
        Direction::Send => socket.get_sndhwm(),
        Direction::Recv => socket.get_rcvhwm(),
    }
}

/// Sets `direction`'s mark on `socket`.
pub(crate) fn set_mark(socket: &zmq::Socket, direction: Direction, value: i32) -> zmq::Result<()> {
    match direction {
        Direction::Send => socket.set_sndhwm(value),
        Direction::Recv => socket.set_rcvhwm(value),
    }
}

/// Sizing of one direction's mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Sized here; the socket's mark is `set`, as far as this module knows.
    Sized { set: i32 },
    /// Set by the user (or sizing is off): left alone.
    Fixed,
}

/// The sizing state of one direction.
#[derive(Debug, Clone, Copy)]
struct Window {
    mark: Mark,
    messages: u32,
    bytes: u64,
    /// Messages moved in a row in this direction: no `EAGAIN`, and none
    /// moved the other way.
    run: u32,
    /// The queue was under pressure in this window.
    pressed: bool,
}

/// The sizing state of both marks of one socket. Lives under the socket's
/// lock, next to the `zmq::Socket`, so counting costs no atomics.
#[derive(Debug)]
pub(crate) struct QueueMarks {
    windows: [Window; 2],
}

impl QueueMarks {
    /// Sizing for a socket whose marks are libzmq's defaults, if live
    /// changes are safe here; otherwise everything stays fixed.
    pub(crate) fn new() -> QueueMarks {
        let mark = if live_changes_are_safe() {
            Mark::Sized {
                set: LIBZMQ_DEFAULT_MARK,
            }
        } else {
            Mark::Fixed
        };
        let window = Window {
            mark,
            messages: 0,
            bytes: 0,
            run: 0,
            pressed: false,
        };
        QueueMarks {
            windows: [window; 2],
        }
    }

    /// The user chose `direction`'s mark: never size it again.
    pub(crate) fn fix(&mut self, direction: Direction) {
        self.windows[direction as usize].mark = Mark::Fixed;
    }

    /// Notes an operation in `direction` that met `EAGAIN`: a full send
    /// queue is under pressure; a run of receives ends.
    #[inline]
    pub(crate) fn would_block(&mut self, direction: Direction) {
        let window = &mut self.windows[direction as usize];
        window.run = 0;
        if direction == Direction::Send {
            window.pressed = true;
        }
    }

    /// Counts one whole message of `bytes` moved in `direction`, and at the
    /// end of a window sets that direction's mark on `socket` if the
    /// average asks for another one.
    #[inline]
    pub(crate) fn moved(&mut self, socket: &zmq::Socket, direction: Direction, bytes: usize) {
        self.windows[direction.other() as usize].run = 0;
        let window = &mut self.windows[direction as usize];
        let Mark::Sized { set } = window.mark else {
            return;
        };
        window.messages += 1;
        window.bytes += bytes as u64;
        window.run = window.run.saturating_add(1);
        if direction == Direction::Recv && window.run >= set as u32 / 2 {
            window.pressed = true;
        }
        if window.messages == WINDOW {
            Self::decide(window, socket, direction);
        }
    }

    #[cold]
    fn decide(window: &mut Window, socket: &zmq::Socket, direction: Direction) {
        let average = (window.bytes / u64::from(window.messages)) as usize;
        let under_pressure = window.pressed;
        window.messages = 0;
        window.bytes = 0;
        window.pressed = false;
        let Mark::Sized { set } = window.mark else {
            return;
        };
        // A mark other than the one we left was set some other way (an
        // option set through `Socket::with_raw`, an adopted socket): it is
        // the user's now.
        if mark(socket, direction) != Ok(set) {
            window.mark = Mark::Fixed;
            return;
        }
        let wanted = mark_for(average);
        if wanted == set || (wanted > set && !under_pressure) {
            return;
        }
        match set_mark(socket, direction, wanted) {
            Ok(()) => window.mark = Mark::Sized { set: wanted },
            Err(error) => {
                log::debug!(
                    target: "zmq_core::queue_marks",
                    "could not set a {direction:?} mark of {wanted}: {error}; left at {set}"
                );
                window.mark = Mark::Fixed;
            }
        }
    }

    /// The mark this module last set in `direction`, if it sizes it.
    #[cfg(test)]
    fn sized(&self, direction: Direction) -> Option<i32> {
        match self.windows[direction as usize].mark {
            Mark::Sized { set } => Some(set),
            Mark::Fixed => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_messages_get_deep_queues_and_large_ones_keep_the_default() {
        assert_eq!(mark_for(0), MAX_SIZED_MARK / 2);
        assert_eq!(mark_for(32), MAX_SIZED_MARK / 2);
        assert_eq!(mark_for(33), MAX_SIZED_MARK / 2);
        assert_eq!(mark_for(34), 16_384);
        assert_eq!(mark_for(256), 4_096);
        assert_eq!(mark_for(1_024), LIBZMQ_DEFAULT_MARK);
        assert_eq!(mark_for(1 << 20), LIBZMQ_DEFAULT_MARK);
        assert_eq!(mark_for(usize::MAX - 64), LIBZMQ_DEFAULT_MARK);
    }

    #[test]
    fn a_sized_queue_stays_within_the_budget_or_at_the_default() {
        for average in (0..100_000).step_by(7) {
            let mark = mark_for(average);
            assert!((LIBZMQ_DEFAULT_MARK..=MAX_SIZED_MARK).contains(&mark));
            if mark != LIBZMQ_DEFAULT_MARK {
                assert!(mark as usize * queued_cost(average) <= QUEUE_BUDGET);
                assert!(mark.count_ones() == 1);
            }
        }
    }

    #[test]
    fn small_messages_under_pressure_deepen_the_mark_and_a_user_mark_stops_sizing() {
        let context = zmq::Context::new();
        let socket = context.socket(zmq::PUSH).unwrap();
        let mut marks = QueueMarks::new();
        assert!(
            live_changes_are_safe(),
            "this workspace's libzmq is patched"
        );
        // Never full: no reason to deepen.
        for _ in 0..WINDOW {
            marks.moved(&socket, Direction::Send, 32);
        }
        assert_eq!(socket.get_sndhwm().unwrap(), LIBZMQ_DEFAULT_MARK);
        // Full once in a window: sized.
        marks.would_block(Direction::Send);
        for _ in 0..WINDOW {
            marks.moved(&socket, Direction::Send, 32);
        }
        assert_eq!(socket.get_sndhwm().unwrap(), MAX_SIZED_MARK / 2);
        assert_eq!(socket.get_rcvhwm().unwrap(), LIBZMQ_DEFAULT_MARK);
        assert_eq!(marks.sized(Direction::Send), Some(MAX_SIZED_MARK / 2));

        // Large messages bring it back to libzmq's default.
        for _ in 0..WINDOW {
            marks.moved(&socket, Direction::Send, 4_096);
        }
        assert_eq!(socket.get_sndhwm().unwrap(), LIBZMQ_DEFAULT_MARK);

        // A mark set behind the module's back is the user's.
        socket.set_sndhwm(123).unwrap();
        for _ in 0..2 * WINDOW {
            marks.would_block(Direction::Send);
            marks.moved(&socket, Direction::Send, 32);
        }
        assert_eq!(socket.get_sndhwm().unwrap(), 123);
        assert_eq!(marks.sized(Direction::Send), None);

        // Receives that alternate with sends (request-reply) keep the mark,
        // and so do receives that find the queue empty every 400 (under
        // half the mark); a run of 500 deepens it.
        for _ in 0..WINDOW {
            marks.moved(&socket, Direction::Recv, 32);
            marks.moved(&socket, Direction::Send, 32);
        }
        assert_eq!(socket.get_rcvhwm().unwrap(), LIBZMQ_DEFAULT_MARK);
        for n in 1..=WINDOW {
            marks.moved(&socket, Direction::Recv, 32);
            if n % 400 == 0 {
                marks.would_block(Direction::Recv);
            }
        }
        assert_eq!(socket.get_rcvhwm().unwrap(), LIBZMQ_DEFAULT_MARK);
        for _ in 0..WINDOW {
            marks.moved(&socket, Direction::Recv, 32);
        }
        assert_eq!(socket.get_rcvhwm().unwrap(), MAX_SIZED_MARK / 2);

        // And one fixed through `fix` is never read or changed.
        marks.fix(Direction::Recv);
        socket.set_rcvhwm(LIBZMQ_DEFAULT_MARK).unwrap();
        for _ in 0..WINDOW {
            marks.moved(&socket, Direction::Recv, 32);
        }
        assert_eq!(socket.get_rcvhwm().unwrap(), LIBZMQ_DEFAULT_MARK);
    }
}
