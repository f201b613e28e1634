//! An async proxy between two sockets: libzmq's `zmq_proxy` and
//! `zmq_proxy_steerable`, run as a future on the caller's executor.
//!
//! Typical uses: a ROUTER/DEALER broker (clients to a pool of workers), an
//! XSUB/XPUB forwarder (many publishers to many subscribers), a PULL/PUSH
//! streamer.

use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::Poll;

use event_listener::Event;

use crate::error::{Error, Result};
use crate::message::Multipart;
use crate::socket::{Socket, SocketType};

/// Traffic counters of one side of a proxy, as libzmq's `STATISTICS`
/// reports them: whole messages and their payload bytes.
///
/// # Examples
///
/// ```
/// let side = zmq_core::ProxySideStatistics::default();
/// assert_eq!(side.messages_in, 0);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxySideStatistics {
    /// Messages received from this side's socket.
    pub messages_in: u64,
    /// Bytes of those messages.
    pub bytes_in: u64,
    /// Messages sent to this side's socket.
    pub messages_out: u64,
    /// Bytes of those messages.
    pub bytes_out: u64,
}

/// A snapshot of a proxy's traffic.
///
/// # Examples
///
/// ```
/// let statistics = zmq_core::ProxyStatistics::default();
/// assert_eq!(statistics.to_frames().len(), 8);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStatistics {
    /// The frontend socket's counters.
    pub frontend: ProxySideStatistics,
    /// The backend socket's counters.
    pub backend: ProxySideStatistics,
}

impl ProxyStatistics {
    /// The eight-frame reply libzmq's steerable proxy sends for
    /// `STATISTICS`: each counter as a native-endian `u64`, frontend first.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut statistics = zmq_core::ProxyStatistics::default();
    /// statistics.backend.bytes_out = 7;
    /// let frames = statistics.to_frames();
    /// assert_eq!(frames[7], 7u64.to_ne_bytes());
    /// ```
    pub fn to_frames(&self) -> Vec<[u8; 8]> {
        let (f, b) = (&self.frontend, &self.backend);
        [
            f.messages_in,
            f.bytes_in,
            f.messages_out,
            f.bytes_out,
            b.messages_in,
            b.bytes_in,
            b.messages_out,
            b.bytes_out,
        ]
        .map(u64::to_ne_bytes)
        .to_vec()
    }
}

#[derive(Default)]
struct SideCounters {
    messages_in: AtomicU64,
    bytes_in: AtomicU64,
    messages_out: AtomicU64,
    bytes_out: AtomicU64,
}

impl SideCounters {
    fn snapshot(&self) -> ProxySideStatistics {
        ProxySideStatistics {
            messages_in: self.messages_in.load(Ordering::Relaxed),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            messages_out: self.messages_out.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
        }
    }
}

#[derive(Default)]
struct Steering {
    paused: AtomicBool,
    terminated: AtomicBool,
    /// Wakes the forwarding loops on resume and terminate.
    changed: Event,
    frontend: SideCounters,
    backend: SideCounters,
}

impl Steering {
    fn set(&self, flag: &AtomicBool, value: bool) {
        flag.store(value, Ordering::SeqCst);
        self.changed.notify(usize::MAX);
    }

    fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::SeqCst)
    }

    /// Waits while paused; false once terminated.
    async fn may_forward(&self) -> bool {
        loop {
            if self.is_terminated() {
                return false;
            }
            if !self.paused.load(Ordering::SeqCst) {
                return true;
            }
            let listener = self.changed.listen();
            if self.is_terminated() || !self.paused.load(Ordering::SeqCst) {
                continue;
            }
            listener.await;
        }
    }

    /// Completes once terminated, or also once paused if `or_paused`.
    async fn stopped(&self, or_paused: bool) {
        let stopped = || self.is_terminated() || (or_paused && self.paused.load(Ordering::SeqCst));
        loop {
            if stopped() {
                return;
            }
            let listener = self.changed.listen();
            if stopped() {
                return;
            }
            listener.await;
        }
    }

    /// Runs `work` unless the proxy terminates (or, with `or_paused`,
    /// pauses) first; then `None`: `work` is dropped, which for our socket
    /// futures means nothing happened.
    ///
    /// The stop is polled first: a task woken by a pause (or terminate) and
    /// by its socket at once must not take a message that arrived after the
    /// pause was set (a late wake-up under load did, and forwarded it).
    async fn unless_stopped<T>(&self, or_paused: bool, work: impl Future<Output = T>) -> Option<T> {
        let mut work = pin!(work);
        let mut stopped = pin!(self.stopped(or_paused));
        std::future::poll_fn(|cx| {
            if stopped.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
            work.as_mut().poll(cx).map(Some)
        })
        .await
    }

    fn statistics(&self) -> ProxyStatistics {
        ProxyStatistics {
            frontend: self.frontend.snapshot(),
            backend: self.backend.snapshot(),
        }
    }
}

/// Steers a running [`Proxy`] from the same process: pause, resume,
/// terminate, read statistics. Clones steer the same proxy.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zmq_core::{Proxy, Socket, SocketType};
///
/// let proxy = Proxy::new(
///     Arc::new(Socket::new(SocketType::PULL)?),
///     Arc::new(Socket::new(SocketType::PUSH)?),
/// );
/// let steering = proxy.steering();
/// steering.terminate();
/// let statistics = futures_lite::future::block_on(proxy.run())?;
/// assert_eq!(statistics, steering.statistics());
/// # Ok::<(), zmq_core::Error>(())
/// ```
#[derive(Clone)]
pub struct ProxySteering {
    steering: Arc<Steering>,
}

impl ProxySteering {
    /// Stops forwarding (messages queue in the sockets) until
    /// [`resume`](ProxySteering::resume).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use zmq_core::{Proxy, Socket, SocketType};
    /// # let proxy = Proxy::new(Arc::new(Socket::new(SocketType::PULL)?), Arc::new(Socket::new(SocketType::PUSH)?));
    /// let steering = proxy.steering();
    /// steering.pause();
    /// assert!(steering.is_paused());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn pause(&self) {
        self.steering.set(&self.steering.paused, true);
    }

    /// Resumes forwarding after [`pause`](ProxySteering::pause).
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use zmq_core::{Proxy, Socket, SocketType};
    /// # let proxy = Proxy::new(Arc::new(Socket::new(SocketType::PULL)?), Arc::new(Socket::new(SocketType::PUSH)?));
    /// let steering = proxy.steering();
    /// steering.pause();
    /// steering.resume();
    /// assert!(!steering.is_paused());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn resume(&self) {
        self.steering.set(&self.steering.paused, false);
    }

    /// True while paused.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use zmq_core::{Proxy, Socket, SocketType};
    /// # let proxy = Proxy::new(Arc::new(Socket::new(SocketType::PULL)?), Arc::new(Socket::new(SocketType::PUSH)?));
    /// assert!(!proxy.steering().is_paused());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn is_paused(&self) -> bool {
        self.steering.paused.load(Ordering::SeqCst)
    }

    /// Ends the proxy: [`Proxy::run`] returns its final statistics. A
    /// message caught between receive and send at that moment is dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use zmq_core::{Proxy, Socket, SocketType};
    /// # let proxy = Proxy::new(Arc::new(Socket::new(SocketType::PULL)?), Arc::new(Socket::new(SocketType::PUSH)?));
    /// proxy.steering().terminate();
    /// futures_lite::future::block_on(proxy.run())?;
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn terminate(&self) {
        self.steering.set(&self.steering.terminated, true);
    }

    /// The traffic so far.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use zmq_core::{Proxy, Socket, SocketType};
    /// # let proxy = Proxy::new(Arc::new(Socket::new(SocketType::PULL)?), Arc::new(Socket::new(SocketType::PUSH)?));
    /// assert_eq!(proxy.steering().statistics(), zmq_core::ProxyStatistics::default());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn statistics(&self) -> ProxyStatistics {
        self.steering.statistics()
    }
}

impl fmt::Debug for ProxySteering {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxySteering")
            .field("paused", &self.is_paused())
            .field("terminated", &self.steering.is_terminated())
            .field("statistics", &self.statistics())
            .finish()
    }
}

/// Forwards messages both ways between a frontend and a backend socket,
/// optionally copying every message to a capture socket and taking
/// libzmq's steering commands (`PAUSE`, `RESUME`, `TERMINATE`,
/// `STATISTICS`) from a control socket.
///
/// [`run`](Proxy::run) is an ordinary `Send + 'static` future: spawn it on
/// any executor. It applies backpressure: a direction whose destination is
/// full waits, without holding up the other direction.
///
/// # Examples
///
/// A PULL/PUSH streamer:
///
/// ```
/// # futures_lite::future::block_on(async {
/// use std::sync::Arc;
/// use zmq_core::{Proxy, Socket, SocketType};
///
/// let frontend = Arc::new(Socket::new(SocketType::PULL)?);
/// let backend = Arc::new(Socket::new(SocketType::PUSH)?);
/// let producer = Socket::new(SocketType::PUSH)?;
/// producer.connect(&frontend.bind("inproc://streamer-in")?)?;
/// let consumer = Socket::new(SocketType::PULL)?;
/// consumer.connect(&backend.bind("inproc://streamer-out")?)?;
///
/// let proxy = Proxy::new(frontend, backend);
/// let steering = proxy.steering();
/// let running = proxy.run();
/// let work = async {
///     producer.send(["job", "1"]).await?;
///     let job = consumer.recv().await?;
///     steering.terminate();
///     Ok::<_, zmq_core::Error>(job)
/// };
/// let (statistics, job) = futures_lite::future::zip(running, work).await;
/// assert_eq!(job?, zmq_core::Multipart::from(["job", "1"]));
/// assert_eq!(statistics?.frontend.messages_in, 1);
/// # Ok::<(), zmq_core::Error>(())
/// # }).unwrap();
/// ```
pub struct Proxy {
    frontend: Arc<Socket>,
    backend: Arc<Socket>,
    capture: Option<Arc<Socket>>,
    control: Option<Arc<Socket>>,
    steering: Arc<Steering>,
}

impl Proxy {
    /// A proxy between `frontend` and `backend`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{Proxy, Socket, SocketType};
    ///
    /// let broker = Proxy::new(
    ///     Arc::new(Socket::new(SocketType::ROUTER)?),
    ///     Arc::new(Socket::new(SocketType::DEALER)?),
    /// );
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn new(frontend: Arc<Socket>, backend: Arc<Socket>) -> Proxy {
        Proxy {
            frontend,
            backend,
            capture: None,
            control: None,
            steering: Arc::default(),
        }
    }

    /// Sends a copy of every forwarded message, both ways, to `capture`
    /// (waiting if it is full, as libzmq does).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{Proxy, Socket, SocketType};
    ///
    /// let tap = Arc::new(Socket::new(SocketType::PUB)?);
    /// let proxy = Proxy::new(
    ///     Arc::new(Socket::new(SocketType::XSUB)?),
    ///     Arc::new(Socket::new(SocketType::XPUB)?),
    /// )
    /// .capture(tap);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn capture(mut self, capture: Arc<Socket>) -> Proxy {
        self.capture = Some(capture);
        self
    }

    /// Takes libzmq's steering commands from `control` (as
    /// `zmq_proxy_steerable`): one-frame messages `PAUSE`, `RESUME`,
    /// `TERMINATE`, and `STATISTICS`, which is answered on `control` with
    /// the eight frames of [`ProxyStatistics::to_frames`]. Unknown commands
    /// are logged and ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{Proxy, Socket, SocketType};
    ///
    /// let control = Arc::new(Socket::new(SocketType::PAIR)?);
    /// control.bind("inproc://proxy-control-example")?;
    /// let proxy = Proxy::new(
    ///     Arc::new(Socket::new(SocketType::PULL)?),
    ///     Arc::new(Socket::new(SocketType::PUSH)?),
    /// )
    /// .control(control);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn control(mut self, control: Arc<Socket>) -> Proxy {
        self.control = Some(control);
        self
    }

    /// A handle that steers this proxy from the same process.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use zmq_core::{Proxy, Socket, SocketType};
    ///
    /// let proxy = Proxy::new(
    ///     Arc::new(Socket::new(SocketType::PULL)?),
    ///     Arc::new(Socket::new(SocketType::PUSH)?),
    /// );
    /// let steering = proxy.steering();
    /// steering.pause();
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn steering(&self) -> ProxySteering {
        ProxySteering {
            steering: Arc::clone(&self.steering),
        }
    }

    /// Forwards until terminated (through [`ProxySteering::terminate`] or a
    /// `TERMINATE` command) and returns the final statistics, or returns the
    /// first socket error.
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops the proxy. A message caught between
    /// receive and send at that moment is dropped; nothing else is lost
    /// (the sockets keep what they queued).
    ///
    /// # Examples
    ///
    /// See [`Proxy`].
    pub async fn run(self) -> Result<ProxyStatistics> {
        let steering = &*self.steering;
        let capture = self.capture.as_deref();
        let downstream = forward(
            &self.frontend,
            &self.backend,
            capture,
            steering,
            (&steering.frontend, &steering.backend),
        );
        let upstream = forward(
            &self.backend,
            &self.frontend,
            capture,
            steering,
            (&steering.backend, &steering.frontend),
        );
        let control = async {
            match self.control.as_deref() {
                Some(control) => steer(control, steering).await,
                None => Ok(()),
            }
        };
        let (downstream, upstream, control) = join3(downstream, upstream, control, steering).await;
        downstream?;
        upstream?;
        control?;
        Ok(steering.statistics())
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("frontend", &self.frontend)
            .field("backend", &self.backend)
            .field("capture", &self.capture)
            .field("control", &self.control)
            .finish()
    }
}

/// `zmq_proxy`: forwards between `frontend` and `backend` (copying to
/// `capture`) until an error; for steering, build a [`Proxy`].
///
/// # Cancel safety
///
/// As [`Proxy::run`].
///
/// # Examples
///
/// ```
/// # futures_lite::future::block_on(async {
/// use std::sync::Arc;
/// use std::time::Duration;
/// use zmq_core::{Socket, SocketType};
///
/// let frontend = Arc::new(Socket::new(SocketType::XSUB)?);
/// let backend = Arc::new(Socket::new(SocketType::XPUB)?);
/// let forwarder = zmq_core::proxy(frontend, backend, None);
/// // Run it until something else finishes (here: a short timer).
/// futures_lite::future::or(async { forwarder.await.map(|_| ()) }, async {
///     async_io::Timer::after(Duration::from_millis(10)).await;
///     Ok(())
/// })
/// .await?;
/// # Ok::<(), zmq_core::Error>(())
/// # }).unwrap();
/// ```
pub async fn proxy(
    frontend: Arc<Socket>,
    backend: Arc<Socket>,
    capture: Option<Arc<Socket>>,
) -> Result<ProxyStatistics> {
    let mut proxy = Proxy::new(frontend, backend);
    proxy.capture = capture;
    proxy.run().await
}

/// One direction: receive from `from`, copy to `capture`, send to `to`.
/// A direction that the socket types cannot carry (out of a PUSH, into a
/// PULL, ...) is idle, as in libzmq's proxy.
async fn forward(
    from: &Socket,
    to: &Socket,
    capture: Option<&Socket>,
    steering: &Steering,
    (from_counters, to_counters): (&SideCounters, &SideCounters),
) -> Result<()> {
    if !can_receive(from.socket_type()) || !can_send(to.socket_type()) {
        return Ok(());
    }
    while steering.may_forward().await {
        // Fast path first: the terminate race costs a listener per wait.
        let message = match from.try_recv() {
            Ok(message) => message,
            Err(error) if error.is_would_block() => {
                // A pause stops the wait too: nothing is taken while paused.
                match steering.unless_stopped(true, from.recv()).await {
                    Some(received) => received?,
                    None => continue,
                }
            }
            Err(error) => return Err(error),
        };
        let bytes = message.byte_len() as u64;
        from_counters.messages_in.fetch_add(1, Ordering::Relaxed);
        from_counters.bytes_in.fetch_add(bytes, Ordering::Relaxed);
        if let Some(capture) = capture {
            match steering
                .unless_stopped(false, capture.send(message.clone()))
                .await
            {
                Some(sent) => sent?,
                None => break,
            }
        }
        if let Err(failed) = to.try_send(message) {
            if !failed.error.is_would_block() {
                return Err(failed.error);
            }
            match steering
                .unless_stopped(false, to.send(failed.message))
                .await
            {
                Some(sent) => sent?,
                None => break,
            }
        }
        to_counters.messages_out.fetch_add(1, Ordering::Relaxed);
        to_counters.bytes_out.fetch_add(bytes, Ordering::Relaxed);
    }
    Ok(())
}

fn can_receive(socket_type: SocketType) -> bool {
    !matches!(socket_type, SocketType::PUB | SocketType::PUSH)
}

fn can_send(socket_type: SocketType) -> bool {
    !matches!(socket_type, SocketType::SUB | SocketType::PULL)
}

/// Serves libzmq's steering commands from `control`.
async fn steer(control: &Socket, steering: &Steering) -> Result<()> {
    loop {
        let Some(command) = steering.unless_stopped(false, control.recv()).await else {
            return Ok(());
        };
        let command = command?;
        match command.front().map(|frame| &frame[..]) {
            Some(b"PAUSE") => steering.set(&steering.paused, true),
            Some(b"RESUME") => steering.set(&steering.paused, false),
            Some(b"TERMINATE") => {
                steering.set(&steering.terminated, true);
                return Ok(());
            }
            Some(b"STATISTICS") => {
                let reply: Multipart = steering
                    .statistics()
                    .to_frames()
                    .into_iter()
                    .map(|frame| frame.to_vec())
                    .collect();
                control.send(reply).await?;
            }
            _ => log::warn!(
                target: "zmq_core::proxy",
                "ignoring unknown proxy control command {command:?}"
            ),
        }
    }
}

/// Runs three futures to completion together; the first error terminates
/// the proxy so the others end too.
async fn join3(
    a: impl Future<Output = Result<()>>,
    b: impl Future<Output = Result<()>>,
    c: impl Future<Output = Result<()>>,
    steering: &Steering,
) -> (Result<()>, Result<()>, Result<()>) {
    let (mut a, mut b, mut c) = (pin!(a), pin!(b), pin!(c));
    let (mut ra, mut rb, mut rc) = (None, None, None);
    std::future::poll_fn(|cx| {
        for (future, slot) in [
            (
                a.as_mut() as std::pin::Pin<&mut dyn Future<Output = Result<()>>>,
                &mut ra,
            ),
            (b.as_mut(), &mut rb),
            (c.as_mut(), &mut rc),
        ] {
            if slot.is_none() {
                if let Poll::Ready(result) = future.poll(cx) {
                    if result.is_err() {
                        steering.set(&steering.terminated, true);
                    }
                    *slot = Some(result);
                }
            }
        }
        if ra.is_some() && rb.is_some() && rc.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let closed = || Err(Error::Closed);
    (
        ra.unwrap_or_else(closed),
        rb.unwrap_or_else(closed),
        rc.unwrap_or_else(closed),
    )
}
