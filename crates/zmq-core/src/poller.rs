//! [`Poller`]: readiness of a changing set of sockets and descriptors.
//!
//! With a fixed handful of sockets, the executor already is the poller:
//! `select!`/`join!` (or `futures_lite::future::or`/`zip`) over
//! [`Socket::recv`] futures is simpler and as fast, and every branch is
//! cancel safe. A `Poller` is for what a fixed `select!` cannot express: a
//! set of sockets (and plain descriptors) that changes at runtime and may
//! hold thousands, where you want to ask "which of these are ready?" as
//! pyzmq's `Poller` does.

use std::future::Future;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use async_io::{Async, Timer};

use crate::error::Result;
use crate::socket::{PollEvents, Socket};

/// Names one registration of a [`Poller`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zmq_core::{PollEvents, Poller, Socket, SocketType};
///
/// let mut poller = Poller::new();
/// let key = poller.add_socket(Arc::new(Socket::new(SocketType::PULL)?), PollEvents::POLLIN);
/// assert!(poller.remove(key));
/// # Ok::<(), zmq_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PollKey(usize);

enum Source {
    Socket(Arc<Socket>),
    /// A duplicate of the caller's descriptor, owned here so the reactor
    /// registration never outlives it.
    Fd(Async<OwnedFd>),
}

struct Entry {
    source: Source,
    interest: PollEvents,
}

/// Waits for readiness on a set of sockets and plain file descriptors that
/// can change between polls (pyzmq's `zmq.asyncio.Poller`).
///
/// Readiness is level-like: [`poll`](Poller::poll) reports what holds when
/// it returns. Another task may act on a socket before you do, so follow up
/// with [`Socket::try_recv`] / [`Socket::try_send`].
///
/// # Examples
///
/// ```
/// # futures_lite::future::block_on(async {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use zmq_core::{PollEvents, Poller, Socket, SocketType};
///
/// let mut poller = Poller::new();
/// let mut keys = Vec::new();
/// let mut senders = Vec::new();
/// for n in 0..3 {
///     let pull = Arc::new(Socket::new(SocketType::PULL)?);
///     let endpoint = pull.bind(&format!("inproc://poller-example-{n}"))?;
///     let push = Socket::new(SocketType::PUSH)?;
///     push.connect(&endpoint)?;
///     keys.push((poller.add_socket(Arc::clone(&pull), PollEvents::POLLIN), pull));
///     senders.push(push);
/// }
/// senders[1].send("only the middle one").await?;
///
/// let ready = poller.poll(Some(Duration::from_secs(5))).await?;
/// assert_eq!(ready, vec![(keys[1].0, PollEvents::POLLIN)]);
/// assert_eq!(keys[1].1.try_recv()?[0], "only the middle one");
/// # Ok::<(), zmq_core::Error>(())
/// # }).unwrap();
/// ```
#[derive(Default)]
pub struct Poller {
    entries: Vec<Option<Entry>>,
    free: Vec<usize>,
}

impl Poller {
    /// An empty poller.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::Poller::new().is_empty());
    /// ```
    pub fn new() -> Poller {
        Poller::default()
    }

    /// Registers a socket with interest in `POLLIN`, `POLLOUT` or both.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{PollEvents, Poller, Socket, SocketType};
    ///
    /// let mut poller = Poller::new();
    /// let dealer = Arc::new(Socket::new(SocketType::DEALER)?);
    /// poller.add_socket(dealer, PollEvents::POLLIN | PollEvents::POLLOUT);
    /// assert_eq!(poller.len(), 1);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn add_socket(&mut self, socket: Arc<Socket>, interest: PollEvents) -> PollKey {
        self.insert(Entry {
            source: Source::Socket(socket),
            interest,
        })
    }

    /// Registers a plain file descriptor (a pipe, a tcp socket, ...). The
    /// poller watches a duplicate of it; the caller keeps the original.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::io::Write;
    /// use std::os::unix::net::UnixStream;
    /// use std::time::Duration;
    /// use zmq_core::{PollEvents, Poller};
    ///
    /// let (mut writer, reader) = UnixStream::pair()?;
    /// let mut poller = Poller::new();
    /// let key = poller.add_fd(&reader, PollEvents::POLLIN)?;
    /// assert!(poller.poll(Some(Duration::ZERO)).await?.is_empty());
    /// writer.write_all(b"x")?;
    /// let ready = poller.poll(Some(Duration::from_secs(5))).await?;
    /// assert_eq!(ready, vec![(key, PollEvents::POLLIN)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn add_fd(&mut self, fd: impl AsFd, interest: PollEvents) -> Result<PollKey> {
        let owned = fd.as_fd().try_clone_to_owned()?;
        let watched = Async::new_nonblocking(owned)?;
        Ok(self.insert(Entry {
            source: Source::Fd(watched),
            interest,
        }))
    }

    /// Changes what a registration waits for. Returns false for an unknown
    /// key.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{PollEvents, Poller, Socket, SocketType};
    ///
    /// let mut poller = Poller::new();
    /// let key = poller.add_socket(Arc::new(Socket::new(SocketType::PAIR)?), PollEvents::POLLIN);
    /// assert!(poller.modify(key, PollEvents::POLLOUT));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn modify(&mut self, key: PollKey, interest: PollEvents) -> bool {
        match self.entries.get_mut(key.0) {
            Some(Some(entry)) => {
                entry.interest = interest;
                true
            }
            _ => false,
        }
    }

    /// Removes a registration. Returns false for an unknown key.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{PollEvents, Poller, Socket, SocketType};
    ///
    /// let mut poller = Poller::new();
    /// let key = poller.add_socket(Arc::new(Socket::new(SocketType::PAIR)?), PollEvents::POLLIN);
    /// assert!(poller.remove(key));
    /// assert!(!poller.remove(key));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn remove(&mut self, key: PollKey) -> bool {
        match self.entries.get_mut(key.0).and_then(Option::take) {
            Some(_) => {
                self.free.push(key.0);
                true
            }
            None => false,
        }
    }

    /// The number of registrations.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::Poller::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    /// True with no registrations.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(zmq_core::Poller::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits until at least one registration is ready, or `timeout` passes
    /// (`None`: no limit; `Some(Duration::ZERO)`: just look), and returns
    /// every ready registration with the events that hold, in key order. A
    /// closed socket is reported with `POLLERR`.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only observes.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// use std::time::Duration;
    ///
    /// let poller = zmq_core::Poller::new();
    /// assert!(poller.poll(Some(Duration::from_millis(1))).await?.is_empty());
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn poll(&self, timeout: Option<Duration>) -> Result<Vec<(PollKey, PollEvents)>> {
        let deadline = timeout.map(|timeout| Instant::now() + timeout);
        loop {
            let ready = self.ready_now()?;
            if !ready.is_empty() || deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return Ok(ready);
            }
            let change = self.any_change();
            match deadline {
                None => change.await,
                Some(deadline) => {
                    futures_or(change, async {
                        Timer::at(deadline).await;
                    })
                    .await
                }
            }
        }
    }

    /// What holds right now, without waiting.
    fn ready_now(&self) -> Result<Vec<(PollKey, PollEvents)>> {
        let mut ready = Vec::new();
        let mut fd_keys = Vec::new();
        let mut fd_items = Vec::new();
        for (index, entry) in self.entries() {
            match &entry.source {
                Source::Socket(socket) => {
                    let events = match socket.events() {
                        Ok(events) => events & entry.interest,
                        Err(crate::Error::Closed) => PollEvents::POLLERR,
                        Err(error) => return Err(error),
                    };
                    if !events.is_empty() {
                        ready.push((PollKey(index), events));
                    }
                }
                Source::Fd(watched) => {
                    fd_keys.push(PollKey(index));
                    fd_items.push(zmq::PollItem::from_fd(
                        watched.get_ref().as_raw_fd(),
                        entry.interest,
                    ));
                }
            }
        }
        if !fd_items.is_empty() {
            loop {
                match zmq::poll(&mut fd_items, 0) {
                    Err(zmq::Error::EINTR) => continue,
                    other => {
                        other?;
                        break;
                    }
                }
            }
            for (key, item) in fd_keys.into_iter().zip(&fd_items) {
                let events = item.get_revents();
                if !events.is_empty() {
                    ready.push((key, events));
                }
            }
            ready.sort_by_key(|(key, _)| *key);
        }
        Ok(ready)
    }

    /// Completes when any registration may have become ready.
    fn any_change(&self) -> impl Future<Output = ()> + '_ {
        let mut waits: Vec<Pin<Box<dyn Future<Output = ()> + Send + '_>>> = Vec::new();
        for (_, entry) in self.entries() {
            let interest = entry.interest;
            match &entry.source {
                Source::Socket(socket) => waits.push(Box::pin(async move {
                    // A closed socket shows up in `ready_now`.
                    let _ = socket.ready(interest).await;
                })),
                Source::Fd(watched) => {
                    if interest.contains(PollEvents::POLLIN) {
                        waits.push(Box::pin(async move {
                            let _ = watched.readable().await;
                        }));
                    }
                    if interest.contains(PollEvents::POLLOUT) {
                        waits.push(Box::pin(async move {
                            let _ = watched.writable().await;
                        }));
                    }
                }
            }
        }
        std::future::poll_fn(move |cx| {
            if waits.is_empty() {
                return Poll::Pending;
            }
            for wait in waits.iter_mut() {
                if wait.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(());
                }
            }
            Poll::Pending
        })
    }

    fn entries(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(index, entry)| entry.as_ref().map(|entry| (index, entry)))
            .filter(|(_, entry)| !entry.interest.is_empty())
    }

    fn insert(&mut self, entry: Entry) -> PollKey {
        match self.free.pop() {
            Some(index) => {
                self.entries[index] = Some(entry);
                PollKey(index)
            }
            None => {
                self.entries.push(Some(entry));
                PollKey(self.entries.len() - 1)
            }
        }
    }
}

/// Completes when either future does.
async fn futures_or(first: impl Future<Output = ()>, second: impl Future<Output = ()>) {
    let mut first = std::pin::pin!(first);
    let mut second = std::pin::pin!(second);
    std::future::poll_fn(|cx| {
        if first.as_mut().poll(cx).is_ready() || second.as_mut().poll(cx).is_ready() {
            return Poll::Ready(());
        }
        Poll::Pending
    })
    .await
}

impl std::fmt::Debug for Poller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Poller")
            .field("registrations", &self.len())
            .finish()
    }
}
