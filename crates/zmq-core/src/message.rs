//! Messages: a [`Frame`] is one part, a [`Multipart`] the whole message.
//!
//! Frames are libzmq message buffers (`zmq_msg_t`): a received frame is the
//! buffer libzmq filled, handed over without a copy; a `Vec<u8>`, `String`
//! or `Box<[u8]>` turned into a frame gives its allocation to libzmq
//! without a copy either (below 64 bytes a copy is cheaper, and is made).
//!
//! [`Frame`], [`Multipart`] and [`ReleaseTracker`] are re-exported at the
//! crate root; this module also holds the iterators over a message's frames
//! ([`Iter`], [`IterMut`], [`IntoIter`]).
//!
//! # Examples
//!
//! ```
//! use zmq_core::Multipart;
//!
//! let message = Multipart::from(["peer", "", "body"]);
//! let lengths: Vec<usize> = message.iter().map(|frame| frame.len()).collect();
//! assert_eq!(lengths, [4, 0, 4]);
//! ```

use std::collections::VecDeque;
use std::collections::vec_deque;
use std::ffi::c_void;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::{Deref, Index, IndexMut};
use std::sync::Arc;
use std::{option, slice};

use crate::once_signal::OnceSignal;

/// One part of a ZeroMQ message.
///
/// Dereferences to `[u8]`. Read-only: libzmq may share one received buffer
/// between the frames it delivers to several sockets of a process.
///
/// # Examples
///
/// ```
/// use zmq_core::Frame;
///
/// let frame = Frame::from("hello");
/// assert_eq!(&frame[..], b"hello");
/// assert_eq!(frame.as_str(), Some("hello"));
///
/// // Owned buffers are handed to libzmq without a copy.
/// let frame = Frame::from(vec![1u8; 4096]);
/// assert_eq!(frame.len(), 4096);
/// ```
pub struct Frame {
    msg: zmq_sys::zmq_msg_t,
}

/// Below this size a copy is cheaper than handing an allocation to libzmq
/// (libzmq stores up to 33 bytes inline anyway).
const COPY_BELOW: usize = 64;

impl Frame {
    /// An empty frame.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::Frame::new().is_empty());
    /// ```
    pub fn new() -> Frame {
        let mut frame = Frame::unset();
        frame.init_in_place();
        frame
    }

    /// Storage for a frame that owns nothing, to be initialised where it
    /// lies. Frames are built in place because copying a `zmq_msg_t` that
    /// libzmq has just written field by field stalls the CPU's store
    /// forwarding: it was the largest cost of small sends and receives.
    /// Closing it before it is initialised is a harmless `EFAULT`.
    fn unset() -> Frame {
        Frame {
            msg: zmq_sys::zmq_msg_t { __: [0; 64] },
        }
    }

    /// Initialises this frame's `zmq_msg_t` where it lies, as an empty
    /// message. Whatever message it held is forgotten, so call it only on
    /// storage that owns nothing ([`Frame::unset`]).
    fn init_in_place(&mut self) {
        // SAFETY: `self.msg` is writable storage for a zmq_msg_t;
        // zmq_msg_init cannot fail.
        unsafe { zmq_sys::zmq_msg_init(&mut self.msg) };
    }

    fn copied_from(bytes: &[u8]) -> Frame {
        let mut frame = Frame::unset();
        // SAFETY: `frame.msg` is writable storage for a zmq_msg_t that owns
        // nothing.
        let rc = unsafe { zmq_sys::zmq_msg_init_size(&mut frame.msg, bytes.len()) };
        if rc != 0 {
            // Only ENOMEM, which leaves the message half made: never close
            // it. Behave as Rust does when an allocation fails.
            std::mem::forget(frame);
            std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<u8>(bytes.len())
                    .unwrap_or(std::alloc::Layout::new::<u8>()),
            );
        }
        if !bytes.is_empty() {
            // SAFETY: zmq_msg_init_size gave the message `bytes.len()`
            // writable bytes at zmq_msg_data; the regions cannot overlap.
            unsafe {
                let data = zmq_sys::zmq_msg_data(&mut frame.msg).cast::<u8>();
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            }
        }
        frame
    }

    /// A frame over any owned buffer, without a copy: libzmq reads the
    /// bytes where they are and drops `owner` (on whichever thread frees the
    /// message last, hence `Send`) once it no longer needs them. `Vec<u8>`,
    /// `String`, `Box<[u8]>`, `bytes::Bytes`, `Arc<[u8]>` all qualify.
    ///
    /// Buffers below 64 bytes are copied instead: cheaper than handing them
    /// over.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::Frame;
    ///
    /// let shared: Arc<[u8]> = Arc::from(vec![9u8; 1 << 16]);
    /// let frame = Frame::from_owned(Arc::clone(&shared));
    /// assert_eq!(frame.as_ptr(), shared.as_ptr()); // the very same bytes
    /// ```
    pub fn from_owned<T>(owner: T) -> Frame
    where
        T: AsRef<[u8]> + Send + 'static,
    {
        if owner.as_ref().len() < COPY_BELOW {
            return Frame::copied_from(owner.as_ref());
        }
        Frame::hand_over(Box::new(owner))
    }

    /// Like [`from_owned`](Frame::from_owned), always without a copy, plus
    /// a [`ReleaseTracker`] that tells when libzmq has let go of the buffer
    /// (pyzmq's `track=True`): after that, nothing reads it any more.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use zmq_core::{Frame, Socket, SocketType};
    ///
    /// let pull = Socket::new(SocketType::PULL)?;
    /// let endpoint = pull.bind("inproc://tracked-example")?;
    /// let push = Socket::new(SocketType::PUSH)?;
    /// push.connect(&endpoint)?;
    ///
    /// let (frame, tracker) = Frame::tracked(vec![1u8; 4096]);
    /// assert!(!tracker.is_released());
    /// push.send(frame).await?;
    /// drop(pull.recv().await?); // the receiver's copy was the last reference
    /// tracker.released().await;
    /// assert!(tracker.is_released());
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn tracked<T>(owner: T) -> (Frame, ReleaseTracker)
    where
        T: AsRef<[u8]> + Send + 'static,
    {
        let tracker = ReleaseTracker::default();
        let owner = Tracked {
            owner,
            release: Arc::clone(&tracker.state),
        };
        (Frame::hand_over(Box::new(owner)), tracker)
    }

    fn hand_over<T>(owner: Box<T>) -> Frame
    where
        T: AsRef<[u8]> + Send + 'static,
    {
        let bytes = (*owner).as_ref();
        let (data, len) = (bytes.as_ptr().cast_mut().cast::<c_void>(), bytes.len());
        let owner = Box::into_raw(owner).cast::<c_void>();
        let mut frame = Frame::unset();
        // SAFETY: `data`/`len` describe bytes inside or owned by the boxed
        // `owner`, which neither moves (it is boxed) nor is touched by
        // anything else until libzmq calls `release_owner::<T>` with it.
        // libzmq only reads the bytes.
        let rc = unsafe {
            zmq_sys::zmq_msg_init_data(&mut frame.msg, data, len, Some(release_owner::<T>), owner)
        };
        if rc != 0 {
            // SAFETY: libzmq refused the buffer and will never call
            // `release_owner`: take the owner back to drop it.
            drop(unsafe { Box::from_raw(owner.cast::<T>()) });
            // Only ENOMEM, which leaves the message half made: never close it.
            std::mem::forget(frame);
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<zmq_sys::zmq_msg_t>());
        }
        frame
    }

    /// The frame as UTF-8 text, if it is valid UTF-8.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::Frame;
    ///
    /// assert_eq!(Frame::from("é").as_str(), Some("é"));
    /// assert_eq!(Frame::from(&[0xffu8][..]).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(self).ok()
    }

    /// libzmq's message, for the raw send and receive calls.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut zmq_sys::zmq_msg_t {
        &mut self.msg
    }

    /// True when libzmq marked more frames of the same message after this
    /// one (only meaningful on a received frame).
    pub(crate) fn has_more(&self) -> bool {
        // SAFETY: `self.msg` is an initialised message.
        unsafe { zmq_sys::zmq_msg_more(&self.msg) != 0 }
    }
}

/// libzmq's free function for buffers handed over by `Frame::hand_over`.
unsafe extern "C" fn release_owner<T>(_data: *mut c_void, owner: *mut c_void) {
    // SAFETY: `owner` is the `Box<T>` leaked in `Frame::hand_over` for this
    // very `T`, and libzmq calls this exactly once, when the last reference
    // to the buffer goes.
    drop(unsafe { Box::from_raw(owner.cast::<T>()) });
}

/// An owned buffer whose drop reports to a [`ReleaseTracker`].
struct Tracked<T> {
    owner: T,
    release: Arc<OnceSignal>,
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Tracked<T> {
    fn as_ref(&self) -> &[u8] {
        self.owner.as_ref()
    }
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        self.release.raise();
    }
}

/// Tells when libzmq has released a buffer given to [`Frame::tracked`].
///
/// # Examples
///
/// ```
/// let (frame, tracker) = zmq_core::Frame::tracked(b"bytes".to_vec());
/// drop(frame); // never sent: released at once
/// assert!(tracker.is_released());
/// ```
#[derive(Clone, Default)]
pub struct ReleaseTracker {
    state: Arc<OnceSignal>,
}

impl ReleaseTracker {
    /// True once libzmq has dropped the buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// let (frame, tracker) = zmq_core::Frame::tracked(vec![0u8; 100]);
    /// assert!(!tracker.is_released());
    /// drop(frame);
    /// assert!(tracker.is_released());
    /// ```
    pub fn is_released(&self) -> bool {
        self.state.is_raised()
    }

    /// Waits until libzmq has dropped the buffer.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes.
    ///
    /// # Examples
    ///
    /// ```
    /// let (frame, tracker) = zmq_core::Frame::tracked(vec![0u8; 100]);
    /// drop(frame);
    /// futures_lite::future::block_on(tracker.released());
    /// ```
    pub async fn released(&self) {
        self.state.raised().await;
    }
}

impl fmt::Debug for ReleaseTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReleaseTracker")
            .field("released", &self.is_released())
            .finish()
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        // SAFETY: `self.msg` is initialised (every constructor initialises
        // it, and a sent message is left initialised and empty by libzmq);
        // it is closed exactly once, here.
        unsafe { zmq_sys::zmq_msg_close(&mut self.msg) };
    }
}

impl Default for Frame {
    fn default() -> Frame {
        Frame::new()
    }
}

impl Deref for Frame {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // zmq_msg_data takes a mutable pointer but only computes an address.
        let msg = std::ptr::addr_of!(self.msg).cast_mut();
        // SAFETY: `self.msg` is an initialised message; libzmq reports its
        // size and the address of its bytes, which stay valid and unchanged
        // while `self` is borrowed (nothing mutates a frame's bytes).
        unsafe {
            let len = zmq_sys::zmq_msg_size(msg);
            if len == 0 {
                return &[];
            }
            let data = zmq_sys::zmq_msg_data(msg).cast::<u8>();
            std::slice::from_raw_parts(data, len)
        }
    }
}

impl AsRef<[u8]> for Frame {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Clone for Frame {
    /// Copies the bytes into a new libzmq buffer.
    fn clone(&self) -> Frame {
        Frame::from(&self[..])
    }
}

impl PartialEq for Frame {
    fn eq(&self, other: &Frame) -> bool {
        self[..] == other[..]
    }
}

impl Eq for Frame {}

impl PartialEq<[u8]> for Frame {
    fn eq(&self, other: &[u8]) -> bool {
        &self[..] == other
    }
}

impl PartialEq<&[u8]> for Frame {
    fn eq(&self, other: &&[u8]) -> bool {
        &self[..] == *other
    }
}

impl PartialEq<str> for Frame {
    fn eq(&self, other: &str) -> bool {
        &self[..] == other.as_bytes()
    }
}

impl PartialEq<&str> for Frame {
    fn eq(&self, other: &&str) -> bool {
        &self[..] == other.as_bytes()
    }
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 64;
        let shown = &self[..self.len().min(SHOWN)];
        write!(f, "Frame(b\"{}\"", shown.escape_ascii())?;
        if self.len() > SHOWN {
            write!(f, "... {} bytes", self.len())?;
        }
        f.write_str(")")
    }
}

impl From<&zmq::Message> for Frame {
    /// Copies the bytes of a `zmq` crate message.
    fn from(message: &zmq::Message) -> Frame {
        Frame::copied_from(message)
    }
}

impl From<&[u8]> for Frame {
    fn from(bytes: &[u8]) -> Frame {
        Frame::copied_from(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Frame {
    fn from(bytes: &[u8; N]) -> Frame {
        Frame::from(&bytes[..])
    }
}

impl From<Vec<u8>> for Frame {
    fn from(bytes: Vec<u8>) -> Frame {
        Frame::from_owned(bytes)
    }
}

impl From<Box<[u8]>> for Frame {
    fn from(bytes: Box<[u8]>) -> Frame {
        Frame::from_owned(bytes)
    }
}

impl From<bytes::Bytes> for Frame {
    fn from(bytes: bytes::Bytes) -> Frame {
        Frame::from_owned(bytes)
    }
}

impl From<&str> for Frame {
    fn from(text: &str) -> Frame {
        Frame::from(text.as_bytes())
    }
}

impl From<String> for Frame {
    fn from(text: String) -> Frame {
        Frame::from_owned(text)
    }
}

impl From<&String> for Frame {
    fn from(text: &String) -> Frame {
        Frame::from(text.as_bytes())
    }
}

impl From<&Frame> for Frame {
    fn from(frame: &Frame) -> Frame {
        frame.clone()
    }
}

/// A whole ZeroMQ message: one or more frames, sent and received atomically.
///
/// Converts from anything a [`Frame`] converts from (a one-frame message),
/// and from arrays, vectors and iterators of those. A one-frame message
/// allocates nothing beyond its frame.
///
/// # Examples
///
/// ```
/// use zmq_core::Multipart;
///
/// let single: Multipart = "hello".into();
/// assert_eq!(single.len(), 1);
///
/// let envelope: Multipart = ["peer", "", "body"].into();
/// assert_eq!(envelope.len(), 3);
///
/// let collected: Multipart = (0..3).map(|i| vec![i as u8]).collect();
/// assert_eq!(&collected[2][..], &[2]);
/// ```
#[derive(Clone, Default)]
pub struct Multipart {
    frames: Frames,
}

/// A message's frames: most messages have one, and keeping it inline saves
/// a heap allocation per message sent or received.
///
/// `One` always holds exactly one frame; `Many` may hold any number,
/// including one (after pops, or from a `VecDeque`): equality compares
/// frames, not representations. A frame pushed onto an empty message goes
/// inline unless the message is a `Many` that still has its allocation
/// (emptied by pops or `clear`), which it reuses.
#[derive(Clone)]
enum Frames {
    One(Frame),
    Many(VecDeque<Frame>),
}

impl Default for Frames {
    fn default() -> Frames {
        // An empty VecDeque does not allocate.
        Frames::Many(VecDeque::new())
    }
}

/// The capacity a message gets when it outgrows one frame: enough for an
/// envelope such as [identity, empty, header, body] without regrowing.
const MANY_CAPACITY: usize = 4;

impl Multipart {
    /// An empty message (it needs at least one frame before it can be sent).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut message = zmq_core::Multipart::new();
    /// message.push_back("part");
    /// assert_eq!(message.len(), 1);
    /// ```
    pub fn new() -> Multipart {
        Multipart::default()
    }

    /// The number of frames.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["a", "b"]).len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match &self.frames {
            Frames::One(_) => 1,
            Frames::Many(frames) => frames.len(),
        }
    }

    /// True when there are no frames.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::Multipart::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a frame.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut message = zmq_core::Multipart::from("first");
    /// message.push_back("last");
    /// assert_eq!(message.back().unwrap(), "last");
    /// ```
    pub fn push_back(&mut self, frame: impl Into<Frame>) {
        let frame = frame.into();
        match self.deque_to_grow() {
            Some(frames) => frames.push_back(frame),
            None => self.frames = Frames::One(frame),
        }
    }

    /// Prepends a frame (for example a routing envelope).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut message = zmq_core::Multipart::from("body");
    /// message.push_front("peer");
    /// assert_eq!(message[0], "peer");
    /// ```
    pub fn push_front(&mut self, frame: impl Into<Frame>) {
        let frame = frame.into();
        match self.deque_to_grow() {
            Some(frames) => frames.push_front(frame),
            None => self.frames = Frames::One(frame),
        }
    }

    /// Removes and returns the first frame.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut message = zmq_core::Multipart::from(["peer", "body"]);
    /// assert_eq!(message.pop_front().unwrap(), "peer");
    /// assert_eq!(message.len(), 1);
    /// ```
    pub fn pop_front(&mut self) -> Option<Frame> {
        match &mut self.frames {
            Frames::Many(frames) => frames.pop_front(),
            Frames::One(_) => self.take_one(),
        }
    }

    /// Removes and returns the last frame.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut message = zmq_core::Multipart::from(["peer", "body"]);
    /// assert_eq!(message.pop_back().unwrap(), "body");
    /// ```
    pub fn pop_back(&mut self) -> Option<Frame> {
        match &mut self.frames {
            Frames::Many(frames) => frames.pop_back(),
            Frames::One(_) => self.take_one(),
        }
    }

    /// The first frame.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["a", "b"]).front().unwrap(), "a");
    /// ```
    pub fn front(&self) -> Option<&Frame> {
        match &self.frames {
            Frames::One(frame) => Some(frame),
            Frames::Many(frames) => frames.front(),
        }
    }

    /// The last frame.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["a", "b"]).back().unwrap(), "b");
    /// ```
    pub fn back(&self) -> Option<&Frame> {
        match &self.frames {
            Frames::One(frame) => Some(frame),
            Frames::Many(frames) => frames.back(),
        }
    }

    /// The frame at `index`, if there is one.
    ///
    /// # Examples
    ///
    /// ```
    /// let message = zmq_core::Multipart::from(["a", "b"]);
    /// assert_eq!(message.get(1).unwrap(), "b");
    /// assert!(message.get(2).is_none());
    /// ```
    pub fn get(&self, index: usize) -> Option<&Frame> {
        match &self.frames {
            Frames::One(frame) => (index == 0).then_some(frame),
            Frames::Many(frames) => frames.get(index),
        }
    }

    /// Iterates over the frames.
    ///
    /// # Examples
    ///
    /// ```
    /// let message = zmq_core::Multipart::from(["a", "bc"]);
    /// let total: usize = message.iter().map(|frame| frame.len()).sum();
    /// assert_eq!(total, 3);
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        let (front, back) = match &self.frames {
            Frames::One(frame) => (slice::from_ref(frame), &[][..]),
            Frames::Many(frames) => frames.as_slices(),
        };
        Iter {
            front: front.iter(),
            back: back.iter(),
        }
    }

    /// Iterates mutably over the frames.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut message = zmq_core::Multipart::from(["a"]);
    /// for frame in message.iter_mut() {
    ///     *frame = "b".into();
    /// }
    /// assert_eq!(message[0], "b");
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        let (front, back) = match &mut self.frames {
            Frames::One(frame) => (slice::from_mut(frame), &mut [][..]),
            Frames::Many(frames) => frames.as_mut_slices(),
        };
        IterMut {
            front: front.iter_mut(),
            back: back.iter_mut(),
        }
    }

    /// The total number of payload bytes over all frames.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["ab", "cde"]).byte_len(), 5);
    /// ```
    #[inline]
    pub fn byte_len(&self) -> usize {
        match &self.frames {
            Frames::One(frame) => frame.len(),
            Frames::Many(frames) => frames.iter().map(|frame| frame.len()).sum(),
        }
    }

    /// Copies every frame into a `Vec<u8>`.
    ///
    /// # Examples
    ///
    /// ```
    /// let message = zmq_core::Multipart::from(["a", "b"]);
    /// assert_eq!(message.to_vecs(), vec![b"a".to_vec(), b"b".to_vec()]);
    /// ```
    pub fn to_vecs(&self) -> Vec<Vec<u8>> {
        self.iter().map(|frame| frame.to_vec()).collect()
    }

    /// Removes the first `count` frames (all of them when `count` is at
    /// least the length), keeping the rest in order.
    pub(crate) fn remove_first(&mut self, count: usize) {
        match &mut self.frames {
            Frames::Many(frames) => {
                frames.drain(..count.min(frames.len()));
            }
            Frames::One(_) if count == 0 => {}
            Frames::One(_) => self.clear(),
        }
    }

    /// Removes every frame (a `Many` keeps its allocation).
    pub(crate) fn clear(&mut self) {
        match &mut self.frames {
            Frames::Many(frames) => frames.clear(),
            Frames::One(_) => self.frames = Frames::default(),
        }
    }

    /// Makes this message one empty frame, initialised in place, and returns
    /// that frame for libzmq to fill: a receive then needs no copy of the
    /// `zmq_msg_t` that libzmq has just written (see [`Frame::unset`]).
    pub(crate) fn one_empty_frame(&mut self) -> &mut Frame {
        self.frames = Frames::One(Frame::unset());
        let Frames::One(frame) = &mut self.frames else {
            unreachable!("set to One just above");
        };
        frame.init_in_place();
        frame
    }

    /// Removes every frame of a message that libzmq has just sent, without
    /// closing them: `zmq_msg_send` leaves each sent frame initialised and
    /// empty, owning nothing, and libzmq documents that closing such a frame
    /// is not necessary. Saves one call into libzmq per frame sent.
    pub(crate) fn clear_sent(&mut self) {
        match &mut self.frames {
            Frames::Many(frames) => frames.drain(..).for_each(std::mem::forget),
            Frames::One(_) => {
                if let Some(sent) = self.take_one() {
                    std::mem::forget(sent);
                }
            }
        }
    }

    /// The deque a pushed frame goes into: a `One` moves its frame into a
    /// new deque first. `None` for an empty message with no allocation to
    /// reuse, whose frame goes inline.
    fn deque_to_grow(&mut self) -> Option<&mut VecDeque<Frame>> {
        if let Frames::One(_) = self.frames {
            let Frames::One(first) = std::mem::take(&mut self.frames) else {
                unreachable!("matched One above");
            };
            let mut frames = VecDeque::with_capacity(MANY_CAPACITY);
            frames.push_back(first);
            self.frames = Frames::Many(frames);
        }
        match &mut self.frames {
            Frames::Many(frames) if !frames.is_empty() || frames.capacity() > 0 => Some(frames),
            _ => None,
        }
    }

    /// Takes the frame out of a `One`, leaving the message empty.
    fn take_one(&mut self) -> Option<Frame> {
        match std::mem::take(&mut self.frames) {
            Frames::One(frame) => Some(frame),
            many => {
                self.frames = many;
                None
            }
        }
    }
}

/// Panics with what `VecDeque` would say for an index out of range.
#[cold]
#[track_caller]
fn index_out_of_range(index: usize, len: usize) -> ! {
    panic!("frame index {index} out of range for a message of {len} frames")
}

impl PartialEq for Multipart {
    fn eq(&self, other: &Multipart) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Multipart {}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Index<usize> for Multipart {
    type Output = Frame;

    #[track_caller]
    fn index(&self, index: usize) -> &Frame {
        match self.get(index) {
            Some(frame) => frame,
            None => index_out_of_range(index, self.len()),
        }
    }
}

impl IndexMut<usize> for Multipart {
    #[track_caller]
    fn index_mut(&mut self, index: usize) -> &mut Frame {
        let len = self.len();
        let frame = match &mut self.frames {
            Frames::One(frame) => (index == 0).then_some(frame),
            Frames::Many(frames) => frames.get_mut(index),
        };
        match frame {
            Some(frame) => frame,
            None => index_out_of_range(index, len),
        }
    }
}

/// An iterator over the frames of a [`Multipart`], from
/// [`Multipart::iter`] or `&message` in a `for` loop.
///
/// # Examples
///
/// ```
/// use zmq_core::Multipart;
///
/// let message = Multipart::from(["a", "b", "c"]);
/// let mut frames: zmq_core::message::Iter<'_> = message.iter();
/// assert_eq!(frames.len(), 3);
/// assert_eq!(frames.next_back().unwrap(), "c");
/// assert_eq!(frames.next().unwrap(), "a");
/// assert_eq!(frames.len(), 1);
/// ```
#[derive(Clone)]
pub struct Iter<'a> {
    front: slice::Iter<'a, Frame>,
    back: slice::Iter<'a, Frame>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Frame;

    fn next(&mut self) -> Option<&'a Frame> {
        self.front.next().or_else(|| self.back.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.front.len() + self.back.len();
        (len, Some(len))
    }

    fn fold<B, F: FnMut(B, &'a Frame) -> B>(self, init: B, mut f: F) -> B {
        let accum = self.front.fold(init, &mut f);
        self.back.fold(accum, &mut f)
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<&'a Frame> {
        self.back.next_back().or_else(|| self.front.next_back())
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl FusedIterator for Iter<'_> {}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Iter")
            .field(&self.front.as_slice())
            .field(&self.back.as_slice())
            .finish()
    }
}

/// An iterator over mutable references to the frames of a [`Multipart`],
/// from [`Multipart::iter_mut`] or `&mut message` in a `for` loop.
///
/// # Examples
///
/// ```
/// use zmq_core::Multipart;
///
/// let mut message = Multipart::from(["a", "b"]);
/// let mut frames: zmq_core::message::IterMut<'_> = message.iter_mut();
/// assert_eq!(frames.len(), 2);
/// *frames.next_back().unwrap() = "z".into();
/// assert_eq!(message[1], "z");
/// ```
pub struct IterMut<'a> {
    front: slice::IterMut<'a, Frame>,
    back: slice::IterMut<'a, Frame>,
}

impl<'a> Iterator for IterMut<'a> {
    type Item = &'a mut Frame;

    fn next(&mut self) -> Option<&'a mut Frame> {
        self.front.next().or_else(|| self.back.next())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.front.len() + self.back.len();
        (len, Some(len))
    }

    fn fold<B, F: FnMut(B, &'a mut Frame) -> B>(self, init: B, mut f: F) -> B {
        let accum = self.front.fold(init, &mut f);
        self.back.fold(accum, &mut f)
    }
}

impl<'a> DoubleEndedIterator for IterMut<'a> {
    fn next_back(&mut self) -> Option<&'a mut Frame> {
        self.back.next_back().or_else(|| self.front.next_back())
    }
}

impl ExactSizeIterator for IterMut<'_> {}

impl FusedIterator for IterMut<'_> {}

impl fmt::Debug for IterMut<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IterMut")
            .field(&self.front.as_slice())
            .field(&self.back.as_slice())
            .finish()
    }
}

/// An owning iterator over the frames of a [`Multipart`], from
/// `message.into_iter()` or `message` in a `for` loop.
///
/// # Examples
///
/// ```
/// use zmq_core::Multipart;
///
/// let mut frames: zmq_core::message::IntoIter = Multipart::from(["a", "b"]).into_iter();
/// assert_eq!(frames.len(), 2);
/// assert_eq!(frames.next_back().unwrap(), "b");
/// assert_eq!(frames.next().unwrap(), "a");
/// assert!(frames.next().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct IntoIter {
    inner: IntoIterInner,
}

#[derive(Clone, Debug)]
enum IntoIterInner {
    One(option::IntoIter<Frame>),
    Many(vec_deque::IntoIter<Frame>),
}

impl Iterator for IntoIter {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        match &mut self.inner {
            IntoIterInner::One(frames) => frames.next(),
            IntoIterInner::Many(frames) => frames.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match &self.inner {
            IntoIterInner::One(frames) => frames.len(),
            IntoIterInner::Many(frames) => frames.len(),
        };
        (len, Some(len))
    }
}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Frame> {
        match &mut self.inner {
            IntoIterInner::One(frames) => frames.next_back(),
            IntoIterInner::Many(frames) => frames.next_back(),
        }
    }
}

impl ExactSizeIterator for IntoIter {}

impl FusedIterator for IntoIter {}

impl IntoIterator for Multipart {
    type Item = Frame;
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        let inner = match self.frames {
            Frames::One(frame) => IntoIterInner::One(Some(frame).into_iter()),
            Frames::Many(frames) => IntoIterInner::Many(frames.into_iter()),
        };
        IntoIter { inner }
    }
}

impl<'a> IntoIterator for &'a Multipart {
    type Item = &'a Frame;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Multipart {
    type Item = &'a mut Frame;
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl<T: Into<Frame>> FromIterator<T> for Multipart {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Multipart {
        let mut message = Multipart::new();
        message.extend(iter);
        message
    }
}

impl<T: Into<Frame>> Extend<T> for Multipart {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let mut iter = iter.into_iter().map(Into::into);
        // Frame by frame while the message is empty or one inline frame
        // (a lone frame stays inline); the rest in one go.
        loop {
            match &mut self.frames {
                Frames::Many(frames) if !frames.is_empty() || frames.capacity() > 0 => {
                    frames.extend(iter);
                    return;
                }
                _ => match iter.next() {
                    Some(frame) => self.push_back(frame),
                    None => return,
                },
            }
        }
    }
}

impl From<Frame> for Multipart {
    fn from(frame: Frame) -> Multipart {
        Multipart {
            frames: Frames::One(frame),
        }
    }
}

impl From<VecDeque<Frame>> for Multipart {
    fn from(frames: VecDeque<Frame>) -> Multipart {
        Multipart {
            frames: Frames::Many(frames),
        }
    }
}

impl From<Multipart> for VecDeque<Frame> {
    fn from(message: Multipart) -> VecDeque<Frame> {
        match message.frames {
            Frames::One(frame) => VecDeque::from([frame]),
            Frames::Many(frames) => frames,
        }
    }
}

impl<T: Into<Frame>> From<Vec<T>> for Multipart {
    fn from(parts: Vec<T>) -> Multipart {
        parts.into_iter().collect()
    }
}

impl<T: Into<Frame>, const N: usize> From<[T; N]> for Multipart {
    fn from(parts: [T; N]) -> Multipart {
        parts.into_iter().collect()
    }
}

/// One-frame messages from everything a single frame converts from.
macro_rules! single_frame_message {
    ($($source:ty),* $(,)?) => {$(
        impl From<$source> for Multipart {
            fn from(part: $source) -> Multipart {
                Multipart::from(Frame::from(part))
            }
        }
    )*};
}

single_frame_message!(
    &zmq::Message,
    &[u8],
    Vec<u8>,
    Box<[u8]>,
    bytes::Bytes,
    &str,
    String,
    &String
);

impl<const N: usize> From<&[u8; N]> for Multipart {
    fn from(bytes: &[u8; N]) -> Multipart {
        Multipart::from(Frame::from(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vec_of_bytes_is_one_frame_and_vec_of_parts_is_many() {
        assert_eq!(Multipart::from(vec![1u8, 2, 3]).len(), 1);
        assert_eq!(Multipart::from(vec!["a", "b", "c"]).len(), 3);
        assert_eq!(Multipart::from(vec![vec![1u8], vec![2u8]]).len(), 2);
    }

    #[test]
    fn debug_of_large_frame_is_truncated() {
        let shown = format!("{:?}", Frame::from(vec![b'x'; 1000]));
        assert!(shown.len() < 100, "{shown}");
        assert!(shown.contains("1000 bytes"));
    }

    fn is_inline(message: &Multipart) -> bool {
        matches!(message.frames, Frames::One(_))
    }

    fn texts<'a>(frames: impl IntoIterator<Item = &'a Frame>) -> Vec<&'a str> {
        frames
            .into_iter()
            .map(|frame| frame.as_str().unwrap())
            .collect()
    }

    /// A `Many` whose ring buffer wraps: `as_slices` gives two non-empty
    /// halves, so the iterators must walk both.
    fn wrapped(parts: [&str; 4]) -> Multipart {
        let mut frames = VecDeque::with_capacity(4);
        frames.push_back(Frame::from(parts[2]));
        frames.push_back(Frame::from(parts[3]));
        frames.push_front(Frame::from(parts[1]));
        frames.push_front(Frame::from(parts[0]));
        let (front, back) = frames.as_slices();
        assert!(!front.is_empty() && !back.is_empty(), "not wrapped");
        Multipart::from(frames)
    }

    /// `Many` holding exactly one frame, as left by pops.
    fn many_of_one(part: &str) -> Multipart {
        let mut message = Multipart::from([part, "dropped"]);
        message.pop_back();
        assert!(!is_inline(&message));
        message
    }

    #[test]
    fn one_frame_messages_are_stored_inline_without_a_deque() {
        let mut pushed_back = Multipart::new();
        pushed_back.push_back("a");
        let mut pushed_front = Multipart::new();
        pushed_front.push_front("a");
        let singles = [
            Multipart::from(Frame::from("a")),
            Multipart::from("a"),
            Multipart::from(vec![b'a']),
            Multipart::from(["a"]),
            Multipart::from(vec!["a"]),
            std::iter::once("a").collect(),
            pushed_back,
            pushed_front,
        ];
        for message in &singles {
            assert!(is_inline(message), "{message:?}");
            assert_eq!(texts(message), ["a"]);
        }
        assert!(!is_inline(&Multipart::from(["a", "b"])));
    }

    #[test]
    fn second_frame_moves_to_a_deque_with_room_for_an_envelope() {
        // The shape of `recv_multipart`: the first frame, then push_back.
        let mut message = Multipart::from("identity");
        message.push_back("");
        let Frames::Many(frames) = &message.frames else {
            panic!("two frames are not inline");
        };
        assert!(frames.capacity() >= MANY_CAPACITY);
        let capacity = frames.capacity();
        message.push_back("header");
        message.push_back("body");
        let Frames::Many(frames) = &message.frames else {
            panic!("four frames are not inline");
        };
        assert_eq!(frames.capacity(), capacity, "an envelope regrew");
        assert_eq!(texts(&message), ["identity", "", "header", "body"]);
    }

    #[test]
    fn push_front_onto_one_frame_keeps_the_order() {
        let mut message = Multipart::from("body");
        message.push_front("peer");
        assert_eq!(texts(&message), ["peer", "body"]);
        message.push_front("router");
        message.push_back("tail");
        assert_eq!(texts(&message), ["router", "peer", "body", "tail"]);
    }

    #[test]
    fn pops_from_one_frame_leave_an_empty_message_that_grows_again() {
        let mut message = Multipart::from("only");
        assert_eq!(message.pop_front().unwrap(), "only");
        assert!(message.is_empty());
        assert_eq!(message, Multipart::new());
        assert!(message.pop_front().is_none());
        assert!(message.pop_back().is_none());

        message.push_back("again");
        assert!(is_inline(&message));
        assert_eq!(message.pop_back().unwrap(), "again");
        assert!(message.is_empty());
        assert!(message.pop_back().is_none());
        assert!(message.front().is_none() && message.back().is_none());
    }

    #[test]
    fn many_popped_down_to_one_frame_behaves_like_one() {
        let mut message = Multipart::from(["a", "b", "c"]);
        assert_eq!(message.pop_front().unwrap(), "a");
        assert_eq!(message.pop_back().unwrap(), "c");
        assert_eq!(message.len(), 1);
        assert_eq!(message[0], "b");
        assert_eq!(message.front().unwrap(), "b");
        assert_eq!(message.back().unwrap(), "b");
        assert_eq!(message, Multipart::from("b"));
        // An emptied deque keeps its allocation for the next frames.
        message.pop_front();
        message.push_back("d");
        message.push_front("c");
        assert_eq!(texts(&message), ["c", "d"]);
    }

    #[test]
    fn every_accessor_agrees_across_representations() {
        let cases: [(Multipart, &[&str]); 6] = [
            (Multipart::new(), &[]),
            (Multipart::from(VecDeque::with_capacity(8)), &[]),
            (Multipart::from("ab"), &["ab"]),
            (many_of_one("ab"), &["ab"]),
            (Multipart::from(["ab", "", "cde"]), &["ab", "", "cde"]),
            (wrapped(["w", "x", "y", "z"]), &["w", "x", "y", "z"]),
        ];
        for (message, expected) in cases {
            let shown = format!("{message:?}");
            assert_eq!(message.len(), expected.len(), "{shown}");
            assert_eq!(message.is_empty(), expected.is_empty(), "{shown}");
            assert_eq!(
                message.front().map(|f| f.as_str().unwrap()),
                expected.first().copied()
            );
            assert_eq!(
                message.back().map(|f| f.as_str().unwrap()),
                expected.last().copied()
            );
            for (index, part) in expected.iter().enumerate() {
                assert_eq!(message.get(index).unwrap(), part);
                assert_eq!(message[index], *part);
            }
            assert!(message.get(expected.len()).is_none(), "{shown}");
            assert_eq!(texts(message.iter()), expected);
            assert_eq!(texts(message.iter().rev()).len(), expected.len());
            assert_eq!(
                message.byte_len(),
                expected.iter().map(|part| part.len()).sum::<usize>()
            );
            assert_eq!(
                message.to_vecs(),
                expected
                    .iter()
                    .map(|part| part.as_bytes().to_vec())
                    .collect::<Vec<_>>()
            );
            assert_eq!(shown, format!("{:?}", message.iter().collect::<Vec<_>>()));
            assert!(shown.starts_with('['), "{shown}");
            assert_eq!(message.clone(), message);
            let owned: Vec<Frame> = message.into_iter().collect();
            assert_eq!(texts(&owned), expected);
        }
    }

    #[test]
    fn equality_compares_frames_not_representations() {
        assert!(is_inline(&Multipart::from("a")));
        assert_eq!(many_of_one("a"), Multipart::from("a"));
        assert_eq!(Multipart::from("a"), many_of_one("a"));
        assert_eq!(
            Multipart::from(VecDeque::from([Frame::from("a")])),
            Multipart::from("a")
        );
        assert_eq!(
            Multipart::from(VecDeque::with_capacity(4)),
            Multipart::new()
        );
        assert_eq!(
            wrapped(["a", "b", "c", "d"]),
            Multipart::from(["a", "b", "c", "d"])
        );
        assert_ne!(many_of_one("a"), Multipart::from("b"));
        assert_ne!(Multipart::from("a"), Multipart::from(["a", "a"]));
        assert_ne!(Multipart::from("a"), Multipart::new());
        assert_ne!(
            wrapped(["a", "b", "c", "d"]),
            Multipart::from(["a", "b", "c", "e"])
        );
    }

    #[test]
    fn iterators_report_exact_sizes_after_partial_consumption() {
        for message in [
            Multipart::new(),
            Multipart::from("a"),
            many_of_one("a"),
            Multipart::from(["a", "b", "c"]),
            wrapped(["a", "b", "c", "d"]),
        ] {
            let len = message.len();
            let expected: Vec<String> =
                message.iter().map(|f| f.as_str().unwrap().into()).collect();

            let mut iter = message.iter();
            assert_eq!(iter.len(), len);
            assert_eq!(iter.size_hint(), (len, Some(len)));
            if len > 0 {
                assert_eq!(iter.next().unwrap(), expected[0].as_str());
                assert_eq!(iter.size_hint(), (len - 1, Some(len - 1)));
            }
            if len > 1 {
                assert_eq!(iter.next_back().unwrap(), expected[len - 1].as_str());
                assert_eq!(iter.len(), len - 2);
            }
            let rest = iter.len();
            assert_eq!(iter.by_ref().count(), rest);
            assert!(iter.next().is_none() && iter.next_back().is_none());
            assert_eq!(iter.len(), 0);

            let reversed: Vec<&str> = message.iter().rev().map(|f| f.as_str().unwrap()).collect();
            let mut forwards = expected.clone();
            forwards.reverse();
            assert_eq!(reversed, forwards);

            let mut copy = message.clone();
            let mut iter_mut = copy.iter_mut();
            assert_eq!(iter_mut.size_hint(), (len, Some(len)));
            if len > 0 {
                iter_mut.next_back();
                assert_eq!(iter_mut.len(), len - 1);
            }
            assert_eq!(iter_mut.by_ref().rev().count(), len.saturating_sub(1));
            assert!(iter_mut.next().is_none());

            let mut into_iter = message.clone().into_iter();
            assert_eq!(into_iter.size_hint(), (len, Some(len)));
            if len > 0 {
                assert_eq!(into_iter.next().unwrap(), expected[0].as_str());
                assert_eq!(into_iter.len(), len - 1);
            }
            assert_eq!(into_iter.by_ref().count(), len.saturating_sub(1));
            assert!(into_iter.next().is_none() && into_iter.next_back().is_none());
            let backwards: Vec<String> = message
                .into_iter()
                .rev()
                .map(|f| f.as_str().unwrap().into())
                .collect();
            assert_eq!(backwards, forwards);
        }
    }

    #[test]
    fn iter_mut_and_mutable_for_loops_reach_every_frame() {
        for mut message in [Multipart::from("a"), wrapped(["a", "b", "c", "d"])] {
            for frame in &mut message {
                *frame = Frame::from(format!("{}!", frame.as_str().unwrap()));
            }
            for frame in message.iter_mut().rev() {
                *frame = Frame::from(format!("<{}", frame.as_str().unwrap()));
            }
            assert!(
                message
                    .iter()
                    .all(|frame| frame.as_str().unwrap().starts_with('<'))
            );
            assert!(
                message
                    .iter()
                    .all(|frame| frame.as_str().unwrap().ends_with('!'))
            );
        }
        let mut message = Multipart::from("a");
        message[0] = Frame::from("b");
        assert_eq!(message, Multipart::from("b"));
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn index_mut_past_a_one_frame_message_panics() {
        let mut message = Multipart::from("a");
        message[1] = Frame::from("b");
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn index_mut_past_a_many_frame_message_panics() {
        let mut message = Multipart::from(["a", "b"]);
        message[2] = Frame::from("c");
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn index_into_an_empty_message_panics() {
        let message = Multipart::new();
        let _ = &message[0];
    }

    #[test]
    fn vec_deque_round_trips_keep_frames_in_order() {
        let one: VecDeque<Frame> = Multipart::from("a").into();
        assert_eq!(texts(&one), ["a"]);
        assert_eq!(Multipart::from(one), Multipart::from("a"));

        let many: VecDeque<Frame> = wrapped(["a", "b", "c", "d"]).into();
        assert_eq!(texts(&many), ["a", "b", "c", "d"]);
        assert_eq!(Multipart::from(many), Multipart::from(["a", "b", "c", "d"]));

        let empty: VecDeque<Frame> = Multipart::new().into();
        assert!(empty.is_empty());
        assert!(Multipart::from(empty).is_empty());
    }

    #[test]
    fn extend_and_collect_fill_one_frame_inline_and_the_rest_in_order() {
        let mut message = Multipart::new();
        message.extend(std::iter::empty::<&str>());
        assert!(message.is_empty());
        message.extend(["a"]);
        assert!(is_inline(&message));
        message.extend(["b", "c"]);
        assert_eq!(texts(&message), ["a", "b", "c"]);
        message.extend(vec!["d"; 10]);
        assert_eq!(message.len(), 13);

        let collected: Multipart = (0..6).map(|i| i.to_string()).collect();
        assert_eq!(texts(&collected), ["0", "1", "2", "3", "4", "5"]);
        let none: Multipart = std::iter::empty::<&str>().collect();
        assert!(none.is_empty());
    }

    #[test]
    fn remove_first_and_clear_keep_what_send_multipart_did_not_send() {
        let mut one = Multipart::from("a");
        one.remove_first(0);
        assert_eq!(one, Multipart::from("a"));
        one.remove_first(1);
        assert!(one.is_empty());

        let mut many = wrapped(["a", "b", "c", "d"]);
        many.remove_first(0);
        assert_eq!(many.len(), 4);
        many.remove_first(2);
        assert_eq!(texts(&many), ["c", "d"]);
        many.clear();
        assert!(many.is_empty());

        let mut one = Multipart::from("a");
        one.clear();
        assert!(one.is_empty());
        one.clear();
        assert!(one.is_empty());
    }
}
