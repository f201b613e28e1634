//! Messages: a [`Frame`] is one part, a [`Multipart`] the whole message.
//!
//! Frames are libzmq message buffers (`zmq_msg_t`): a received frame is the
//! buffer libzmq filled, handed over without a copy; a `Vec<u8>`, `String`
//! or `Box<[u8]>` turned into a frame gives its allocation to libzmq
//! without a copy either (below 64 bytes a copy is cheaper, and is made).

use std::collections::VecDeque;
use std::collections::vec_deque;
use std::ffi::c_void;
use std::fmt;
use std::ops::{Deref, Index, IndexMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use event_listener::Event;

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
        let mut msg = zmq_sys::zmq_msg_t { __: [0; 64] };
        // SAFETY: `msg` is writable storage for a zmq_msg_t; zmq_msg_init
        // cannot fail.
        unsafe { zmq_sys::zmq_msg_init(&mut msg) };
        Frame { msg }
    }

    fn copied_from(bytes: &[u8]) -> Frame {
        let mut msg = zmq_sys::zmq_msg_t { __: [0; 64] };
        // SAFETY: `msg` is writable storage for a zmq_msg_t.
        let rc = unsafe { zmq_sys::zmq_msg_init_size(&mut msg, bytes.len()) };
        if rc != 0 {
            // Only ENOMEM: behave as Rust does when an allocation fails.
            std::alloc::handle_alloc_error(
                std::alloc::Layout::array::<u8>(bytes.len())
                    .unwrap_or(std::alloc::Layout::new::<u8>()),
            );
        }
        let mut frame = Frame { msg };
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
        let mut msg = zmq_sys::zmq_msg_t { __: [0; 64] };
        // SAFETY: `data`/`len` describe bytes inside or owned by the boxed
        // `owner`, which neither moves (it is boxed) nor is touched by
        // anything else until libzmq calls `release_owner::<T>` with it.
        // libzmq only reads the bytes.
        let rc = unsafe {
            zmq_sys::zmq_msg_init_data(&mut msg, data, len, Some(release_owner::<T>), owner)
        };
        if rc != 0 {
            // SAFETY: libzmq refused the buffer and will never call
            // `release_owner`: take the owner back to drop it.
            drop(unsafe { Box::from_raw(owner.cast::<T>()) });
            std::alloc::handle_alloc_error(std::alloc::Layout::new::<zmq_sys::zmq_msg_t>());
        }
        Frame { msg }
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
    release: Arc<ReleaseState>,
}

impl<T: AsRef<[u8]>> AsRef<[u8]> for Tracked<T> {
    fn as_ref(&self) -> &[u8] {
        self.owner.as_ref()
    }
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        self.release.released.store(true, Ordering::Release);
        self.release.event.notify(usize::MAX);
    }
}

#[derive(Default)]
struct ReleaseState {
    released: AtomicBool,
    event: Event,
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
    state: Arc<ReleaseState>,
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
        self.state.released.load(Ordering::Acquire)
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
        loop {
            if self.is_released() {
                return;
            }
            let listener = self.state.event.listen();
            if self.is_released() {
                return;
            }
            listener.await;
        }
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
/// and from arrays, vectors and iterators of those.
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
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Multipart {
    frames: VecDeque<Frame>,
}

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
        self.frames.len()
    }

    /// True when there are no frames.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::Multipart::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
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
        self.frames.push_back(frame.into());
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
        self.frames.push_front(frame.into());
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
        self.frames.pop_front()
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
        self.frames.pop_back()
    }

    /// The first frame.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["a", "b"]).front().unwrap(), "a");
    /// ```
    pub fn front(&self) -> Option<&Frame> {
        self.frames.front()
    }

    /// The last frame.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["a", "b"]).back().unwrap(), "b");
    /// ```
    pub fn back(&self) -> Option<&Frame> {
        self.frames.back()
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
        self.frames.get(index)
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
    pub fn iter(&self) -> vec_deque::Iter<'_, Frame> {
        self.frames.iter()
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
    pub fn iter_mut(&mut self) -> vec_deque::IterMut<'_, Frame> {
        self.frames.iter_mut()
    }

    /// The total number of payload bytes over all frames.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Multipart::from(["ab", "cde"]).byte_len(), 5);
    /// ```
    pub fn byte_len(&self) -> usize {
        self.frames.iter().map(|frame| frame.len()).sum()
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
        self.frames.iter().map(|frame| frame.to_vec()).collect()
    }

    pub(crate) fn frames_mut(&mut self) -> &mut VecDeque<Frame> {
        &mut self.frames
    }
}

impl fmt::Debug for Multipart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.frames.iter()).finish()
    }
}

impl Index<usize> for Multipart {
    type Output = Frame;

    fn index(&self, index: usize) -> &Frame {
        &self.frames[index]
    }
}

impl IndexMut<usize> for Multipart {
    fn index_mut(&mut self, index: usize) -> &mut Frame {
        &mut self.frames[index]
    }
}

impl IntoIterator for Multipart {
    type Item = Frame;
    type IntoIter = vec_deque::IntoIter<Frame>;

    fn into_iter(self) -> Self::IntoIter {
        self.frames.into_iter()
    }
}

impl<'a> IntoIterator for &'a Multipart {
    type Item = &'a Frame;
    type IntoIter = vec_deque::Iter<'a, Frame>;

    fn into_iter(self) -> Self::IntoIter {
        self.frames.iter()
    }
}

impl<T: Into<Frame>> FromIterator<T> for Multipart {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Multipart {
        Multipart {
            frames: iter.into_iter().map(Into::into).collect(),
        }
    }
}

impl<T: Into<Frame>> Extend<T> for Multipart {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.frames.extend(iter.into_iter().map(Into::into));
    }
}

impl From<Frame> for Multipart {
    fn from(frame: Frame) -> Multipart {
        Multipart {
            frames: VecDeque::from([frame]),
        }
    }
}

impl From<VecDeque<Frame>> for Multipart {
    fn from(frames: VecDeque<Frame>) -> Multipart {
        Multipart { frames }
    }
}

impl From<Multipart> for VecDeque<Frame> {
    fn from(message: Multipart) -> VecDeque<Frame> {
        message.frames
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
}
