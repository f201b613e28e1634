//! The request-reply client: `connect_rpc` on a DEALER socket.
//!
//! One I/O task (spawned through the caller's [`Runtime`]) receives the
//! replies and hands each to the waiting call by request id, so any number
//! of calls can be in flight over one socket. A call made while no other
//! waits for a reply sends its request itself, and then receives its reply
//! itself too (woken straight by the socket, no hop through the I/O task),
//! handing any other reply it meets to its call; otherwise it queues the
//! request for the I/O task, which sends what is queued back to back while
//! it is not waiting to receive: a send with a receive parked on the same
//! socket would have to query `ZMQ_EVENTS` for it (a system call inside
//! libzmq). The I/O task also keeps the one timer of the client, set for
//! the earliest deadline of the calls in flight. While no call is in flight
//! and none is owed a reply, nobody receives: a stray reply (an id never
//! sent) is read, and logged, when the next call is made.
//!
//! | aiozmq | here |
//! |---|---|
//! | `await client.call.ns.add(1, b=2)` | `client.call::<i64>("ns.add").arg(1).kwarg("b", 2).await` |
//! | `client.with_timeout(t).call.f()` | `client.with_timeout(t).call("f")`, or `.timeout(t)` on one call |
//! | `connect_rpc(connect=, bind=, timeout=, error_table=)` | [`connect_rpc`] then the builder methods, [`ClientBuilder::start`] |
//! | `GenericError` | [`GenericError`](crate::GenericError) inside [`CallError::Remote`] |
//! | `ServiceClosedError` | [`CallError::Closed`] |
//!
//! One difference: aiozmq sends a request when the call expression is
//! evaluated; a Rust future does nothing until polled, so the request goes
//! out when the call is first awaited.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use log::{debug, error, warn};
use rmpv::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zmq_core::runtime::{BoxFuture, Runtime};
use zmq_core::{Multipart, PollEvents, Socket, SocketType};

use crate::codec::{REPLY_FRAMES, Reply};
use crate::error::{CallError, EncodeError, ServiceError};
use crate::error_table::ErrorTable;
use crate::msgpack::{from_body, python_repr, write_converted};
use crate::security::{SocketSetup, security_methods};
use crate::server::{LOG_TARGET, open_socket};
use crate::shutdown::Shutdown;
use crate::wire::{RequestHeader, SenderPrefix, unix_time_now};

/// How many timed-out request ids are remembered, to tell a late reply
/// (logged at DEBUG) from an unknown one (logged at WARN).
const REMEMBERED_EXPIRED_IDS: usize = 1024;

/// Starts building a request-reply client (aiozmq's `connect_rpc`). Give it
/// endpoints, then [`ClientBuilder::start`] it.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use zmq_rpc::{Handlers, connect_rpc, serve_rpc};
/// use zmq_runtime_smol::SmolRuntime;
///
/// # smol::block_on(async {
/// let runtime = Arc::new(SmolRuntime::global());
/// let handlers = Handlers::new()
///     .method("add", |(a, b): (i64, i64)| Ok::<_, std::convert::Infallible>(a + b));
/// let server = serve_rpc(handlers).bind("tcp://127.0.0.1:*").start(runtime.clone())?;
/// let client = connect_rpc().connect(&server.endpoints()[0]).start(runtime)?;
///
/// let sum: i64 = client.call("add").arg(1).arg(2).await?;
/// assert_eq!(sum, 3);
/// client.close();
/// server.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn connect_rpc() -> ClientBuilder {
    ClientBuilder {
        binds: Vec::new(),
        connects: Vec::new(),
        socket: None,
        setup: SocketSetup::client(),
        timeout: None,
        error_table: ErrorTable::with_defaults(),
        last_request_id: 0,
    }
}

/// Options of a request-reply client; made by [`connect_rpc`].
///
/// # Examples
///
/// See [`connect_rpc`].
#[must_use = "a client starts only with `start`"]
pub struct ClientBuilder {
    binds: Vec<String>,
    connects: Vec<String>,
    socket: Option<Socket>,
    setup: SocketSetup,
    timeout: Option<Duration>,
    error_table: ErrorTable,
    last_request_id: u32,
}

impl ClientBuilder {
    /// Connects to `endpoint` on start.
    ///
    /// # Examples
    ///
    /// See [`connect_rpc`].
    pub fn connect(mut self, endpoint: impl Into<String>) -> ClientBuilder {
        self.connects.push(endpoint.into());
        self
    }

    /// Binds to `endpoint` on start (see [`RpcClient::endpoints`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::connect_rpc().bind("tcp://127.0.0.1:*");
    /// # let _ = builder;
    /// ```
    pub fn bind(mut self, endpoint: impl Into<String>) -> ClientBuilder {
        self.binds.push(endpoint.into());
        self
    }

    /// Calls over this DEALER socket instead of a new one.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::zmq_core::{Socket, SocketType};
    ///
    /// let builder = zmq_rpc::connect_rpc().socket(Socket::new(SocketType::DEALER)?);
    /// # let _ = builder;
    /// # Ok::<(), zmq_rpc::zmq_core::Error>(())
    /// ```
    pub fn socket(mut self, socket: Socket) -> ClientBuilder {
        self.socket = Some(socket);
        self
    }

    /// The default time limit of every call (none by default).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::connect_rpc().timeout(std::time::Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn timeout(mut self, limit: Duration) -> ClientBuilder {
        self.timeout = Some(limit);
        self
    }

    /// The table that turns remote errors into Rust errors
    /// ([`ErrorTable::with_defaults`] unless set).
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::connect_rpc().error_table(zmq_rpc::ErrorTable::empty());
    /// # let _ = builder;
    /// ```
    pub fn error_table(mut self, table: ErrorTable) -> ClientBuilder {
        self.error_table = table;
        self
    }

    /// Starts the request id counter at `last_id`: the first call uses
    /// `last_id + 1` (wrapping). Ids start at 1 by default, as aiozmq's; this
    /// exists to exercise the wrap from `0xFFFF_FFFF` to 0.
    ///
    /// # Examples
    ///
    /// ```
    /// let builder = zmq_rpc::connect_rpc().last_request_id(u32::MAX);
    /// # let _ = builder;
    /// ```
    pub fn last_request_id(mut self, last_id: u32) -> ClientBuilder {
        self.last_request_id = last_id;
        self
    }

    /// Creates (or takes) the DEALER socket, binds and connects it, and
    /// starts the reply reader on a task spawned through `runtime`.
    ///
    /// # Examples
    ///
    /// See [`connect_rpc`].
    pub fn start(self, runtime: Arc<dyn Runtime>) -> Result<RpcClient, ServiceError> {
        let (socket, endpoints) = open_socket(
            self.socket,
            SocketType::DEALER,
            &self.setup,
            &[],
            &self.binds,
            &self.connects,
        )?;
        let shared = Arc::new(ClientShared {
            socket,
            runtime,
            sender: SenderPrefix::for_this_process(),
            error_table: self.error_table,
            last_request_id: AtomicU32::new(self.last_request_id),
            calls: Mutex::new(Calls::default()),
            shutdown: Shutdown::default(),
            endpoints,
        });
        let reader = Arc::clone(&shared);
        shared.runtime.spawn(Box::pin(async move {
            let _running = reader.shutdown.task_started();
            reader.shutdown.or_closed(run_io(&reader)).await;
            // Without its reader no call can complete: a socket failure
            // closes the client too.
            reader.close();
        }));
        Ok(RpcClient {
            handle: Arc::new(ClientHandle { shared }),
            timeout: self.timeout,
        })
    }
}

impl ClientBuilder {
    security_methods!(ClientBuilder, "zmq_rpc::connect_rpc()");
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("binds", &self.binds)
            .field("connects", &self.connects)
            .field("timeout", &self.timeout)
            .field("error_table", &self.error_table)
            .field("setup", &self.setup)
            .finish_non_exhaustive()
    }
}

/// What a waiting call is handed: its reply, or why it will get none.
type Outcome = Result<Received, CallError>;

/// A decoded reply, with the message it came in: a result is read from
/// the body frame's bytes where they allow it (see
/// [`from_body`](crate::msgpack::from_body)).
struct Received {
    reply: Reply,
    message: Multipart,
}

/// Where a call's outcome is left for it: a slot in the table of pending
/// calls, not a channel per call (no allocation, no second lock).
enum Slot {
    /// No outcome yet; the waker of the call's last poll.
    Waiting(Option<Waker>),
    /// The outcome, until the call takes it.
    Done(Outcome),
}

/// One call waiting for its reply.
struct PendingCall {
    /// When it times out, if it has a time limit.
    deadline: Option<Instant>,
    /// Its time limit, for the `Timeout` error.
    limit: Duration,
    slot: Slot,
}

impl PendingCall {
    /// Leaves `outcome` for the call unless it already has one; returns the
    /// waker to wake once the lock is released.
    fn complete(&mut self, outcome: Outcome) -> Option<Waker> {
        match std::mem::replace(&mut self.slot, Slot::Done(outcome)) {
            Slot::Waiting(waker) => waker,
            // The first outcome stands (a reply that raced the timeout).
            done @ Slot::Done(_) => {
                self.slot = done;
                None
            }
        }
    }
}

/// The calls waiting for replies, and what the I/O task works from.
#[derive(Default)]
struct Calls {
    pending: HashMap<u32, PendingCall>,
    expired: VecDeque<u32>,
    /// Requests for the I/O task to send, oldest first, by request id (one
    /// whose call was dropped meanwhile is not sent).
    outbox: VecDeque<(u32, Multipart)>,
    /// The deadlines of the calls with a time limit, earliest first. One
    /// timer of the I/O task serves them all: a timer per call cost a
    /// timer registration (under async-io a wake-up of the reactor thread
    /// and a `timerfd_settime`) per call. Entries of calls that completed
    /// stay until they come up or the heap is rebuilt (see
    /// [`Calls::add_deadline`]), so that completing a call costs nothing here.
    deadlines: BinaryHeap<Reverse<(Instant, u32)>>,
    /// The deadline the I/O task's timer is set for, if any.
    armed: Option<Instant>,
    /// Set when the I/O task has something to look at (a queued request,
    /// an earlier deadline); cleared by the I/O task when it looks.
    io_woken: bool,
    /// The I/O task's waker while it waits.
    io_waker: Option<Waker>,
    /// Who receives the replies now.
    reader: Reader,
}

/// Who receives the replies (only one at a time: two receivers parked on
/// one socket would both be woken for every reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Reader {
    /// The I/O task: while calls overlap, after a call timed out or was
    /// dropped (its late reply is still to be read and logged), and at the
    /// start.
    #[default]
    Io,
    /// The call with this id, waiting for its own reply: a call made while
    /// no other is in flight receives its reply itself, woken straight by
    /// the socket, with no hop through the I/O task (one caller making
    /// calls one after another pays the same wake-ups as a plain round
    /// trip). It hands every other reply it receives to its call, and
    /// hands the receiving back when its own call ends.
    Call(u32),
    /// Nobody: no call is in flight and none is owed a reply. A reply that
    /// comes anyway (an id never sent) waits in the socket until the next
    /// call's receiver reads and logs it.
    Idle,
}

impl Calls {
    /// Asks the I/O task to look again; returns the waker to wake once the
    /// lock is released.
    fn wake_io(&mut self) -> Option<Waker> {
        self.io_woken = true;
        self.io_waker.take()
    }

    /// Records the deadline of call `request_id`; returns the I/O task's
    /// waker if its timer must be set earlier.
    fn add_deadline(&mut self, deadline: Instant, request_id: u32) -> Option<Waker> {
        // Bound the heap by the calls in flight: rebuilt from the pending
        // calls once the stale entries outnumber them, which is O(1) per
        // call amortized, and keeps the memory flat however many calls
        // complete before their deadline.
        if self.deadlines.len() > 2 * self.pending.len() + 64 {
            self.deadlines = self
                .pending
                .iter()
                .filter_map(|(id, call)| call.deadline.map(|at| Reverse((at, *id))))
                .collect();
        }
        self.deadlines.push(Reverse((deadline, request_id)));
        // The timer only ever needs moving earlier: a later deadline is
        // found when the timer fires.
        if self.armed.is_none_or(|armed| deadline < armed) {
            self.wake_io()
        } else {
            None
        }
    }

    /// Times out every call whose deadline has passed; returns the wakers
    /// of those calls.
    fn expire(&mut self, now: Instant, wakers: &mut Vec<Waker>) {
        while let Some(Reverse((deadline, request_id))) = self.deadlines.peek().copied() {
            if deadline > now {
                break;
            }
            self.deadlines.pop();
            let Some(call) = self.pending.get_mut(&request_id) else {
                continue;
            };
            // A stale entry of an earlier call with the same id (after the
            // ids wrapped) has another deadline.
            if call.deadline != Some(deadline) {
                continue;
            }
            let limit = call.limit;
            if let Some(waker) = call.complete(Err(CallError::Timeout(limit))) {
                wakers.push(waker);
            }
            if self.reader == Reader::Call(request_id) {
                // Its late reply is to be read by the I/O task, which is
                // awake now.
                self.reader = Reader::Io;
            }
            if self.expired.len() == REMEMBERED_EXPIRED_IDS {
                self.expired.pop_front();
            }
            self.expired.push_back(request_id);
        }
    }
}

fn wake(waker: Option<Waker>) {
    if let Some(waker) = waker {
        waker.wake();
    }
}

struct ClientShared {
    socket: Socket,
    runtime: Arc<dyn Runtime>,
    sender: SenderPrefix,
    error_table: ErrorTable,
    last_request_id: AtomicU32,
    calls: Mutex<Calls>,
    shutdown: Shutdown,
    endpoints: Vec<String>,
}

impl ClientShared {
    fn calls(&self) -> MutexGuard<'_, Calls> {
        // A panic while holding the lock cannot leave the map inconsistent.
        self.calls
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Closes the socket and fails every pending call with `Closed`.
    fn close(&self) {
        self.shutdown.close_with(&self.socket);
        // A call whose entry is gone has been closed.
        let (pending, io_waker) = {
            let mut calls = self.calls();
            calls.outbox.clear();
            calls.deadlines.clear();
            let io_waker = calls.wake_io();
            (std::mem::take(&mut calls.pending), io_waker)
        };
        for (_, call) in pending {
            if let Slot::Waiting(waker) = call.slot {
                wake(waker);
            }
        }
        wake(io_waker);
    }

    /// Sends `message`, the request of the pending call `request_id`: at
    /// once if no other call waits for a reply (nothing to batch it with,
    /// and no hop to the I/O task), else through the I/O task's outbox.
    fn submit(&self, request_id: u32, message: Multipart) -> Result<(), CallError> {
        let alone = {
            let mut calls = self.calls();
            let alone = calls.pending.len() == 1 && calls.outbox.is_empty();
            if alone && calls.reader == Reader::Idle {
                calls.reader = Reader::Call(request_id);
            }
            alone
        };
        let message = if alone {
            match self.socket.try_send(message) {
                Ok(()) => return Ok(()),
                Err(failed) if failed.error.is_would_block() => failed.message,
                Err(failed) => return Err(send_error(failed.error)),
            }
        } else {
            message
        };
        let waker = {
            let mut calls = self.calls();
            calls.outbox.push_back((request_id, message));
            if calls.reader == Reader::Idle {
                // A reply is owed: somebody must receive.
                calls.reader = Reader::Io;
            }
            // The I/O task sleeps only after it found the outbox empty.
            if calls.outbox.len() == 1 {
                calls.wake_io()
            } else {
                None
            }
        };
        wake(waker);
        Ok(())
    }

    /// Completes once something was asked of the I/O task (see
    /// [`Calls::wake_io`]).
    async fn io_woken(&self) {
        std::future::poll_fn(|cx| {
            let mut calls = self.calls();
            if std::mem::take(&mut calls.io_woken) {
                return Poll::Ready(());
            }
            if !calls
                .io_waker
                .as_ref()
                .is_some_and(|waker| waker.will_wake(cx.waker()))
            {
                calls.io_waker = Some(cx.waker().clone());
            }
            Poll::Pending
        })
        .await;
    }

    /// Sends the queued requests back to back, without waiting: true if the
    /// socket could not take one (it stays first in the outbox), false once
    /// the outbox is empty. A request the socket refuses fails its call.
    fn flush(&self) -> bool {
        loop {
            let next = {
                let mut calls = self.calls();
                loop {
                    match calls.outbox.pop_front() {
                        None => break None,
                        Some((request_id, message))
                            if calls
                                .pending
                                .get(&request_id)
                                .is_some_and(|call| matches!(call.slot, Slot::Waiting(_))) =>
                        {
                            break Some((request_id, message));
                        }
                        // Its call was dropped or timed out: not sent.
                        Some(_) => {}
                    }
                }
            };
            let Some((request_id, message)) = next else {
                return false;
            };
            match self.socket.try_send(message) {
                Ok(()) => {}
                Err(failed) if failed.error.is_would_block() => {
                    self.calls().outbox.push_front((request_id, failed.message));
                    return true;
                }
                Err(failed) => {
                    let waker = self
                        .calls()
                        .pending
                        .get_mut(&request_id)
                        .and_then(|call| call.complete(Err(send_error(failed.error))));
                    wake(waker);
                }
            }
        }
    }

    /// Hands a received reply to the call waiting for it, or logs why
    /// nobody wants it. Returns it instead if it is the reply to `own`
    /// (the call receiving it), with that call's entry removed.
    fn deliver(&self, message: Multipart, own: Option<u32>) -> Option<Received> {
        let decoded = if message.len() == REPLY_FRAMES {
            Reply::decode(&[&message[0], &message[1]])
        } else {
            Reply::decode(&message.iter().collect::<Vec<_>>())
        };
        let reply = match decoded {
            Ok(reply) => reply,
            Err(err) => {
                error!(target: LOG_TARGET, "Cannot unpack {message:?}: {err}");
                return None;
            }
        };
        let request_id = reply.header.request_id;
        let mut calls = self.calls();
        match calls.pending.get_mut(&request_id) {
            Some(call) if matches!(call.slot, Slot::Waiting(_)) => {
                let received = Received { reply, message };
                if own == Some(request_id) {
                    calls.pending.remove(&request_id);
                    return Some(received);
                }
                let waker = call.complete(Ok(received));
                if calls.reader == Reader::Io && calls.pending.len() == 1 && calls.outbox.is_empty()
                {
                    // The last call in flight is answered: the next call
                    // made alone receives its own reply.
                    calls.reader = Reader::Idle;
                }
                drop(calls);
                wake(waker);
            }
            _ => {
                if let Some(position) = calls.expired.iter().position(|id| *id == request_id) {
                    calls.expired.remove(position);
                    drop(calls);
                    debug!(
                        target: LOG_TARGET,
                        "The future for request #{request_id:08x} has been cancelled, skip the received result."
                    );
                } else {
                    drop(calls);
                    warn!(
                        target: LOG_TARGET,
                        "Unknown answer id: {} ({} {} {} {}) -> {}",
                        request_id,
                        reply.header.sender.pid,
                        reply.header.sender.random,
                        reply.header.timestamp,
                        u8::from(reply.header.is_error),
                        python_repr(&reply.body)
                    );
                }
            }
        }
        None
    }

    fn next_request_id(&self) -> u32 {
        self.last_request_id
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1)
    }
}

/// A running request-reply client. Cheap to clone: clones share the socket
/// and the table of pending calls. The client closes when it is closed
/// explicitly or when the last clone (and the last call in flight) is
/// dropped.
///
/// # Examples
///
/// See [`connect_rpc`].
#[derive(Clone)]
pub struct RpcClient {
    handle: Arc<ClientHandle>,
    timeout: Option<Duration>,
}

/// Shared by every clone of one client (and every call in flight): when
/// the last goes, the client closes. The reader task holds only the
/// `ClientShared`, so it does not keep the client alive.
struct ClientHandle {
    shared: Arc<ClientShared>,
}

impl Drop for ClientHandle {
    fn drop(&mut self) {
        self.shared.close();
    }
}

impl RpcClient {
    /// A call of the method `name` (dotted for namespaces); add arguments
    /// with [`Call::arg`] and [`Call::kwarg`], then await it for a `T`.
    ///
    /// # Examples
    ///
    /// See [`connect_rpc`].
    pub fn call<T>(&self, name: impl Into<String>) -> Call<T> {
        Call {
            client: self.clone(),
            name: name.into(),
            arguments: Arguments::default(),
            result: PhantomData,
        }
    }

    /// A view of this client whose calls have time limit `limit` (aiozmq's
    /// `with_timeout`); it shares the socket and pending calls.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// let impatient = client.with_timeout(std::time::Duration::from_millis(10));
    /// assert_eq!(impatient.timeout(), Some(std::time::Duration::from_millis(10)));
    /// client.close();
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn with_timeout(&self, limit: Duration) -> RpcClient {
        RpcClient {
            handle: Arc::clone(&self.handle),
            timeout: Some(limit),
        }
    }

    /// The time limit of this client's calls.
    ///
    /// # Examples
    ///
    /// See [`RpcClient::with_timeout`].
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The resolved endpoints it bound.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let client = zmq_rpc::connect_rpc()
    ///     .bind("tcp://127.0.0.1:*")
    ///     .start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// assert_eq!(client.endpoints().len(), 1);
    /// client.close();
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn endpoints(&self) -> &[String] {
        &self.handle.shared.endpoints
    }

    /// The number of calls waiting for a reply.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// assert_eq!(client.pending_calls(), 0);
    /// client.close();
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn pending_calls(&self) -> usize {
        self.handle.shared.calls().pending.len()
    }

    /// The DEALER socket (aiozmq's `client.transport`), or
    /// [`ServiceError::Closed`] after [`RpcClient::close`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// assert!(client.socket().is_ok());
    /// client.close();
    /// assert!(client.socket().is_err());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn socket(&self) -> Result<&Socket, ServiceError> {
        let shared = &self.handle.shared;
        shared.shutdown.open(&shared.socket)
    }

    /// Closes the client: pending calls fail with [`CallError::Closed`], new
    /// calls fail at once with it, the socket is closed. Idempotent.
    ///
    /// # Examples
    ///
    /// See [`RpcClient::socket`].
    pub fn close(&self) {
        self.handle.shared.close();
    }

    /// True once [`RpcClient::close`] was called.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// client.close();
    /// assert!(client.is_closed());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.handle.shared.shutdown.is_closed()
    }

    /// Completes once the client is closed and its reader has stopped.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// client.close();
    /// futures_lite::future::block_on(client.wait_closed());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub async fn wait_closed(&self) {
        self.handle.shared.shutdown.closed().await;
        self.handle.shared.shutdown.idle().await;
    }
}

impl fmt::Debug for RpcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RpcClient")
            .field("timeout", &self.timeout)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// One call being put together: await it to send the request and get the
/// result as a `T` (anything serde can deserialize; `rmpv::Value` takes
/// any result).
///
/// # Cancel safety
///
/// Dropping the future before it completes abandons the call: its pending
/// entry is removed at once and a reply that arrives later is dropped. The
/// server still runs the call if the request went out.
///
/// # Examples
///
/// See [`connect_rpc`].
#[must_use = "a call does nothing until awaited"]
pub struct Call<T> {
    client: RpcClient,
    name: String,
    arguments: Arguments,
    result: PhantomData<fn() -> T>,
}

/// The arguments of a call or notification being put together, encoded as
/// they are added (once, straight into the bytes of their frames); the
/// first one that cannot be encoded fails it when it is sent.
#[derive(Debug, Default)]
pub(crate) struct Arguments {
    /// The args array: room for its header, then the encoded items.
    args: Vec<u8>,
    args_count: u32,
    /// The kwargs map: room for its header, then keys and values.
    kwargs: Vec<u8>,
    kwargs_count: u32,
    encode_error: Option<EncodeError>,
}

/// The longest msgpack array or map header: the marker and a 32-bit length.
const HEADER_ROOM: usize = 5;

/// Writes the header of an array (or map) of `count` items into the
/// [`HEADER_ROOM`] bytes that start `buffer`, right-aligned, and returns
/// where it starts: the frame is `buffer[start..]`, with no copy.
fn close_container(buffer: &mut Vec<u8>, count: u32, map: bool) -> usize {
    if buffer.len() < HEADER_ROOM {
        buffer.resize(HEADER_ROOM, 0);
    }
    let (fix, sixteen, thirty_two) = if map {
        (0x80, 0xde, 0xdf)
    } else {
        (0x90, 0xdc, 0xdd)
    };
    let mut header = [0u8; HEADER_ROOM];
    let header: &[u8] = match count {
        // The shortest form, as rmpv writes it.
        0..=15 => {
            header[0] = fix | count as u8;
            &header[..1]
        }
        16..=0xffff => {
            header[0] = sixteen;
            header[1..3].copy_from_slice(&(count as u16).to_be_bytes());
            &header[..3]
        }
        _ => {
            header[0] = thirty_two;
            header[1..5].copy_from_slice(&count.to_be_bytes());
            &header[..5]
        }
    };
    let start = HEADER_ROOM - header.len();
    buffer[start..HEADER_ROOM].copy_from_slice(header);
    start
}

/// The encoded args and kwargs frames of a call or notification.
pub(crate) struct EncodedArguments {
    args: Vec<u8>,
    args_start: usize,
    kwargs: Vec<u8>,
    kwargs_start: usize,
}

impl EncodedArguments {
    pub(crate) fn args(&self) -> &[u8] {
        &self.args[self.args_start..]
    }

    pub(crate) fn kwargs(&self) -> &[u8] {
        &self.kwargs[self.kwargs_start..]
    }
}

impl Arguments {
    pub(crate) fn push_arg(&mut self, value: impl Serialize) {
        if self.args.is_empty() {
            self.args.resize(HEADER_ROOM, 0);
        }
        match write_converted(&mut self.args, &value) {
            Ok(()) => self.args_count += 1,
            Err(error) => self.encode_error = Some(error),
        }
    }

    pub(crate) fn push_kwarg(&mut self, name: String, value: impl Serialize) {
        if self.kwargs.is_empty() {
            self.kwargs.resize(HEADER_ROOM, 0);
        }
        let start = self.kwargs.len();
        // Writing into a Vec cannot fail.
        let _ = rmpv::encode::write_value(&mut self.kwargs, &Value::from(name));
        match write_converted(&mut self.kwargs, &value) {
            Ok(()) => self.kwargs_count += 1,
            Err(error) => {
                self.kwargs.truncate(start);
                self.encode_error = Some(error);
            }
        }
    }

    /// The args array and the kwargs map as frames, or the encoding error;
    /// the same bytes as encoding them as one `rmpv` array and map.
    pub(crate) fn into_encoded(mut self) -> Result<EncodedArguments, EncodeError> {
        if let Some(error) = self.encode_error {
            return Err(error);
        }
        let args_start = close_container(&mut self.args, self.args_count, false);
        let kwargs_start = close_container(&mut self.kwargs, self.kwargs_count, true);
        Ok(EncodedArguments {
            args: self.args,
            args_start,
            kwargs: self.kwargs,
            kwargs_start,
        })
    }
}

impl<T> Call<T> {
    /// Appends a positional argument.
    ///
    /// # Examples
    ///
    /// See [`connect_rpc`].
    pub fn arg(mut self, value: impl Serialize) -> Call<T> {
        self.arguments.push_arg(value);
        self
    }

    /// Adds a keyword argument.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// let call = client.call::<i64>("add").arg(1).kwarg("b", 2);
    /// # drop(call);
    /// # client.close();
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn kwarg(mut self, name: impl Into<String>, value: impl Serialize) -> Call<T> {
        self.arguments.push_kwarg(name.into(), value);
        self
    }

    /// The time limit of this call, replacing the client's.
    ///
    /// # Examples
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # let client = zmq_rpc::connect_rpc().start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))?;
    /// let call = client.call::<()>("slow").timeout(std::time::Duration::from_secs(1));
    /// # drop(call);
    /// # client.close();
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn timeout(mut self, limit: Duration) -> Call<T> {
        self.client.timeout = Some(limit);
        self
    }
}

impl<T> fmt::Debug for Call<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("name", &self.name)
            .field("arguments", &self.arguments)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned + Send + 'static> IntoFuture for Call<T> {
    type Output = Result<T, CallError>;
    type IntoFuture = BoxFuture<'static, Result<T, CallError>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Removes a call's pending entry however the call ends.
struct PendingEntry<'a> {
    shared: &'a ClientShared,
    request_id: u32,
    /// Set once the reply came: the request is no longer queued.
    answered: bool,
}

impl Drop for PendingEntry<'_> {
    fn drop(&mut self) {
        let mut calls = self.shared.calls();
        calls.pending.remove(&self.request_id);
        // A request still queued (the socket full, or no peer yet) goes too,
        // so that calls which keep timing out do not pile up in the outbox.
        if !self.answered && !calls.outbox.is_empty() {
            let request_id = self.request_id;
            calls.outbox.retain(|(queued, _)| *queued != request_id);
        }
        if calls.reader == Reader::Call(self.request_id) {
            // Hand the receiving back: to nobody if no reply is owed any
            // more, else to the I/O task.
            if self.answered && calls.pending.is_empty() && calls.outbox.is_empty() {
                calls.reader = Reader::Idle;
            } else {
                calls.reader = Reader::Io;
                let waker = calls.wake_io();
                drop(calls);
                wake(waker);
            }
        }
    }
}

impl<T: DeserializeOwned> Call<T> {
    async fn run(self) -> Result<T, CallError> {
        let shared = &*self.client.handle.shared;
        if shared.shutdown.is_closed() {
            return Err(CallError::Closed);
        }
        if self.name.is_empty() {
            return Err(CallError::EmptyName);
        }
        let arguments = self.arguments.into_encoded()?;
        let request_id = shared.next_request_id();
        let limit = self.client.timeout;
        // A limit too far to represent is no limit.
        let deadline = limit.and_then(|limit| Instant::now().checked_add(limit));
        let io_waker = {
            let mut calls = shared.calls();
            calls.pending.insert(
                request_id,
                PendingCall {
                    deadline,
                    limit: limit.unwrap_or_default(),
                    slot: Slot::Waiting(None),
                },
            );
            deadline.and_then(|deadline| calls.add_deadline(deadline, request_id))
        };
        wake(io_waker);
        let mut entry = PendingEntry {
            shared,
            request_id,
            answered: false,
        };
        if shared.shutdown.is_closed() {
            return Err(CallError::Closed);
        }
        let header = RequestHeader {
            sender: shared.sender,
            request_id,
            timestamp: unix_time_now(),
        }
        .encode();
        // Small frames are copied into libzmq's messages: no allocation
        // per frame.
        let request = Multipart::from([
            &header[..],
            self.name.as_bytes(),
            arguments.args(),
            arguments.kwargs(),
        ]);
        shared.submit(request_id, request)?;
        // Polled only while this call receives for the client.
        let mut receive = pin!(shared.socket.recv());
        let reply = std::future::poll_fn(|cx| {
            loop {
                let mut calls = shared.calls();
                let Some(call) = calls.pending.get_mut(&request_id) else {
                    // Only a close removes an entry before its call does.
                    return Poll::Ready(Err(CallError::Closed));
                };
                match &mut call.slot {
                    Slot::Waiting(waker) => {
                        if !waker
                            .as_ref()
                            .is_some_and(|waker| waker.will_wake(cx.waker()))
                        {
                            *waker = Some(cx.waker().clone());
                        }
                    }
                    Slot::Done(_) => {
                        return match calls.pending.remove(&request_id) {
                            Some(PendingCall {
                                slot: Slot::Done(outcome),
                                ..
                            }) => Poll::Ready(outcome),
                            // Not reached: the slot was just seen done.
                            _ => Poll::Ready(Err(CallError::Closed)),
                        };
                    }
                }
                if calls.reader != Reader::Call(request_id) {
                    return Poll::Pending;
                }
                drop(calls);
                let message = match receive.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(message)) => message,
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(send_error(error))),
                };
                receive.set(shared.socket.recv());
                if let Some(received) = shared.deliver(message, Some(request_id)) {
                    return Poll::Ready(Ok(received));
                }
            }
        })
        .await?;
        entry.answered = true;
        let Received { reply, message } = reply;
        match reply.error_body() {
            None => Ok(from_body::<T>(&reply.body, &message[1])?),
            Some(Err(malformed)) => Err(CallError::Decode(malformed)),
            Some(Ok(body)) => Err(CallError::Remote(shared.error_table.translate(body)?)),
        }
    }
}

fn send_error(error: zmq_core::Error) -> CallError {
    match error {
        zmq_core::Error::Closed => CallError::Closed,
        other => CallError::Socket(other),
    }
}

/// The I/O task: sends the queued requests, hands every reply to the
/// call waiting for its id, and times out the calls whose deadline passed.
///
/// It waits for a reply and for the outbox together; when requests are
/// queued it drops the receive (cancel safe: nothing was taken) and sends
/// them all before it waits to receive again, so those sends find no
/// receiver parked on the socket. While the socket cannot take a request,
/// it waits for room and for replies. One timer, set for the earliest
/// deadline, serves every call.
async fn run_io(shared: &ClientShared) {
    // Whether the last wake-up was for queued requests: then the next wait
    // looks at the socket first, so that replies are never starved.
    let mut replies_first = false;
    let mut timer: Option<BoxFuture<'static, ()>> = None;
    let mut expired = Vec::new();
    loop {
        let full = shared.flush();
        {
            let mut calls = shared.calls();
            let next = calls.deadlines.peek().map(|Reverse((at, _))| *at);
            match (next, calls.armed) {
                (None, _) => {
                    timer = None;
                    calls.armed = None;
                }
                // Set for an earlier (maybe stale) deadline: it fires,
                // and is set again then.
                (Some(next), Some(armed)) if armed <= next && timer.is_some() => {}
                (Some(next), _) => {
                    calls.armed = Some(next);
                    timer = Some(
                        shared
                            .runtime
                            .sleep(next.saturating_duration_since(Instant::now())),
                    );
                }
            }
        }
        let read = shared.calls().reader == Reader::Io;
        let more = async {
            if full {
                // A failure shows up in the receive or the next send.
                let _ = shared.socket.ready(PollEvents::POLLOUT).await;
            } else {
                shared.io_woken().await;
            }
            Woken::More
        };
        let deadline = async {
            match timer.as_mut() {
                Some(timer) => timer.await,
                None => std::future::pending().await,
            }
            Woken::Deadline
        };
        let reply = async {
            if read {
                Woken::Reply(shared.socket.recv().await)
            } else {
                // A call receives (it hands the receiving back with a
                // wake-up), or nobody needs to.
                std::future::pending().await
            }
        };
        let more = pin!(futures_lite::future::or(more, deadline));
        let woken = if replies_first {
            futures_lite::future::or(reply, more).await
        } else {
            futures_lite::future::or(more, reply).await
        };
        let message = match woken {
            Woken::More => {
                replies_first = true;
                continue;
            }
            Woken::Deadline => {
                timer = None;
                let mut calls = shared.calls();
                calls.armed = None;
                calls.expire(Instant::now(), &mut expired);
                drop(calls);
                expired.drain(..).for_each(Waker::wake);
                continue;
            }
            Woken::Reply(Ok(message)) => message,
            Woken::Reply(Err(zmq_core::Error::Closed)) => return,
            Woken::Reply(Err(err)) => {
                error!(target: LOG_TARGET, "RPC client cannot receive: {err}");
                return;
            }
        };
        replies_first = false;
        shared.deliver(message, None);
    }
}

/// What woke the I/O task.
enum Woken {
    /// Requests to send, room to send them, or a deadline to look at.
    More,
    /// The timer: a deadline has come.
    Deadline,
    Reply(Result<Multipart, zmq_core::Error>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn request_ids_start_at_one_and_wrap_to_zero() {
        let counter = AtomicU32::new(0);
        assert_eq!(counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1), 1);
        let counter = AtomicU32::new(u32::MAX - 1);
        assert_eq!(
            counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
            u32::MAX
        );
        assert_eq!(counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1), 0);
        assert_eq!(counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1), 1);
    }

    #[test]
    fn call_future_is_send() {
        let client = connect_rpc()
            .start(Arc::new(zmq_runtime_smol::SmolRuntime::global()))
            .unwrap();
        let future = client.call::<i64>("f").arg(1).into_future();
        assert_send(&future);
        drop(future);
        client.close();
    }
}
