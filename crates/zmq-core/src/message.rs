//! Messages: a [`Frame`] is one part, a [`Multipart`] the whole message.
//!
//! Frames are libzmq message buffers (`zmq_msg_t`): a received frame is the
//! buffer libzmq filled, handed over without a copy; a `Vec<u8>`, `String`
//! or `Box<[u8]>` turned into a frame gives its allocation to libzmq
//! without a copy either (below 64 bytes a copy is cheaper, and is made).

use std::collections::VecDeque;
use std::collections::vec_deque;
use std::fmt;
use std::ops::{Deref, Index, IndexMut};

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

    fn from_vec(bytes: Vec<u8>) -> Frame {
        if bytes.len() < COPY_BELOW {
            return Frame::copied_from(&bytes);
        }
        let len = bytes.len();
        let data = bytes.as_ptr().cast_mut().cast::<std::ffi::c_void>();
        let owner = Box::into_raw(Box::new(bytes)).cast::<std::ffi::c_void>();
        let mut msg = zmq_sys::zmq_msg_t { __: [0; 64] };
        // SAFETY: `data`/`len` describe the heap buffer of the Vec boxed in
        // `owner`, which stays alive (and unmoved: a Vec's buffer does not
        // move with the Vec) until libzmq calls `release_vec` with `owner`.
        let rc =
            unsafe { zmq_sys::zmq_msg_init_data(&mut msg, data, len, Some(release_vec), owner) };
        if rc != 0 {
            // SAFETY: libzmq refused the buffer and will never call
            // `release_vec`: take the Vec back to free it.
            drop(unsafe { Box::from_raw(owner.cast::<Vec<u8>>()) });
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

/// libzmq's free function for buffers that came from a `Vec<u8>`.
unsafe extern "C" fn release_vec(_data: *mut std::ffi::c_void, owner: *mut std::ffi::c_void) {
    // SAFETY: `owner` is the `Box<Vec<u8>>` leaked in `Frame::from_vec`,
    // and libzmq calls this exactly once, when the last reference to the
    // buffer goes.
    drop(unsafe { Box::from_raw(owner.cast::<Vec<u8>>()) });
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
        Frame::from_vec(bytes)
    }
}

impl From<Box<[u8]>> for Frame {
    fn from(bytes: Box<[u8]>) -> Frame {
        Frame::from_vec(bytes.into_vec())
    }
}

impl From<&str> for Frame {
    fn from(text: &str) -> Frame {
        Frame::from(text.as_bytes())
    }
}

impl From<String> for Frame {
    fn from(text: String) -> Frame {
        Frame::from(text.into_bytes())
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
