//! An async ZAP authenticator: ZeroMQ's authentication protocol (ZAP 1.0,
//! RFC 27) answered on the caller's executor.
//!
//! libzmq asks a ZAP handler, over `inproc://zeromq.zap.01` in the server
//! socket's context, about every handshake of a PLAIN or CURVE server (and
//! of a NULL server with a ZAP domain). [`ZapAuthenticator`] binds that
//! endpoint and answers by a [`ZapPolicy`]: per ZAP domain, IP address
//! allow and deny lists, a PLAIN password table, a list of CURVE client
//! keys (or any key), NULL on or off, and an optional callback.
//!
//! - Without an authenticator, libzmq 4.3 admits every CURVE client that
//!   knows the server's public key, and refuses every PLAIN client.
//! - With one, a server socket picks its rules with
//!   [`Socket::set_zap_domain`](crate::Socket::set_zap_domain); a socket
//!   without a domain gets the default rules (CURVE and PLAIN; a NULL socket
//!   without a domain is never checked by libzmq).
//! - A refused client never gets a message through; the server's monitor
//!   reports [`MonitorEvent::HandshakeFailedAuth`](crate::MonitorEvent::HandshakeFailedAuth)
//!   with the status code (400) as its value.
//! - The policy can be changed while the authenticator runs
//!   ([`ZapAuthenticator::update`], [`ZapAuthenticator::set_policy`]); it
//!   applies from the next handshake on.
//! - One authenticator per [`Context`]: a second one is
//!   [`ZapError::AlreadyRunning`]. Closing (or dropping every handle)
//!   unbinds the endpoint at once, so a new one can start; from then on
//!   libzmq behaves as without an authenticator again, unless the server
//!   sockets fail closed
//!   ([`Socket::set_zap_enforce_domain`](crate::Socket::set_zap_enforce_domain)).
//!
//! The authenticator runs as one task: [`ZapAuthenticator::start`] spawns
//! it through a [`Runtime`], or [`ZapAuthenticator::bind`] hands it over as
//! a [`ZapDriver`] future to spawn anywhere.
//!
//! # Examples
//!
//! A CURVE server that admits one client key:
//!
//! ```
//! use zmq_core::curve::CurveKeyPair;
//! use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
//! use zmq_core::{Context, SocketType};
//!
//! # futures_lite::future::block_on(async {
//! let context = Context::new();
//! let (server_keys, client_keys) = (CurveKeyPair::generate()?, CurveKeyPair::generate()?);
//! let mut policy = ZapPolicy::new();
//! policy.default_domain_mut().allow_curve_key(client_keys.public);
//! let (auth, driver) = ZapAuthenticator::bind(&context, policy)?;
//! std::thread::spawn(move || futures_lite::future::block_on(driver));
//!
//! let server = context.socket(SocketType::REP)?;
//! server.set_curve_server_keys(&server_keys)?;
//! let endpoint = server.bind("tcp://127.0.0.1:*")?;
//! let client = context.socket(SocketType::REQ)?;
//! client.set_curve_client_keys(&client_keys, &server_keys.public)?;
//! client.connect(&endpoint)?;
//!
//! client.send("hello").await?;
//! let request = server.recv().await?;
//! server.send(request).await?;
//! assert_eq!(client.recv().await?[0], "hello");
//! assert_eq!(auth.stats().allowed, 1);
//! auth.close();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

mod policy;
mod wire;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

pub use policy::{DomainPolicy, ZapDecision, ZapMechanism, ZapPolicy, ZapRequest};

use crate::context::Context;
use crate::curve::CurveKey;
use crate::error::Error;
use crate::message::Multipart;
use crate::runtime::{BoxFuture, Runtime};
use crate::socket::{Socket, SocketType};

/// The endpoint libzmq sends ZAP requests to, in each context.
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// The `log` target of the authenticator's messages.
pub const LOG_TARGET: &str = "zmq_core::zap";

/// What can go wrong starting an authenticator.
///
/// # Examples
///
/// ```
/// use zmq_core::Context;
/// use zmq_core::zap::{ZapAuthenticator, ZapError, ZapPolicy};
///
/// let context = Context::new();
/// let (_first, _driver) = ZapAuthenticator::bind(&context, ZapPolicy::new())?;
/// let second = ZapAuthenticator::bind(&context, ZapPolicy::new());
/// assert!(matches!(second, Err(ZapError::AlreadyRunning)));
/// # Ok::<(), ZapError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZapError {
    /// Something is already bound to [`ZAP_ENDPOINT`] in this context
    /// (another authenticator, most likely).
    #[error("a ZAP handler is already bound to {ZAP_ENDPOINT} in this context")]
    AlreadyRunning,
    /// Creating or binding the authenticator's socket failed.
    #[error("ZAP authenticator socket: {0}")]
    Socket(#[from] Error),
}

impl From<ZapError> for std::io::Error {
    fn from(error: ZapError) -> std::io::Error {
        match error {
            ZapError::AlreadyRunning => std::io::Error::new(std::io::ErrorKind::AddrInUse, error),
            ZapError::Socket(error) => error.into(),
        }
    }
}

/// Counts of the requests an authenticator has answered.
///
/// # Examples
///
/// See [`ZapAuthenticator::stats`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ZapStats {
    /// Well-formed requests received.
    pub requests: u64,
    /// Answered 200.
    pub allowed: u64,
    /// Answered 400.
    pub denied: u64,
    /// Answered 500 by the policy (a callback's [`ZapDecision::Fail`], or a
    /// callback that panicked).
    pub failed: u64,
    /// Messages that were not ZAP requests (answered 500 when they could be
    /// addressed, dropped otherwise).
    pub malformed: u64,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    allowed: AtomicU64,
    denied: AtomicU64,
    failed: AtomicU64,
    malformed: AtomicU64,
}

/// What the handles and the driver share.
struct Shared {
    socket: Socket,
    policy: Mutex<Arc<ZapPolicy>>,
    counters: Counters,
    stopped: AtomicBool,
}

impl Shared {
    fn policy(&self) -> Arc<ZapPolicy> {
        Arc::clone(&self.policy.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Unbinds and closes the socket: the driver's receive ends with
    /// `Error::Closed`.
    fn stop(&self) {
        if !self.stopped.swap(true, Ordering::AcqRel) {
            if let Err(error) = self.socket.unbind(ZAP_ENDPOINT) {
                log::debug!(target: LOG_TARGET, "unbinding {ZAP_ENDPOINT}: {error}");
            }
            self.socket.close();
        }
    }
}

/// Stops the authenticator when the last handle goes.
struct Control {
    shared: Arc<Shared>,
}

impl Drop for Control {
    fn drop(&mut self) {
        self.shared.stop();
    }
}

/// A running ZAP authenticator: a cheap, cloneable handle to change its
/// policy, read its counts and stop it.
///
/// The authenticator stops when [`close`](ZapAuthenticator::close) is
/// called or the last clone of the handle is dropped.
///
/// # Examples
///
/// PLAIN, under tokio, with the authenticator spawned through the runtime
/// seam:
///
/// ```
/// use std::sync::Arc;
/// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
/// use zmq_core::{Context, SocketType};
/// # #[derive(Debug)]
/// # struct Tokio;
/// # impl zmq_core::runtime::Runtime for Tokio {
/// #     fn spawn(&self, task: zmq_core::runtime::BoxFuture<'static, ()>) { tokio::spawn(task); }
/// #     fn sleep(&self, d: std::time::Duration) -> zmq_core::runtime::BoxFuture<'static, ()> {
/// #         Box::pin(tokio::time::sleep(d))
/// #     }
/// # }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let context = Context::new();
/// let mut policy = ZapPolicy::new();
/// policy.domain_mut("users").add_plain_user("admin", "secret");
/// let auth = ZapAuthenticator::start(&context, policy, Arc::new(Tokio))?;
///
/// let server = context.socket(SocketType::REP)?;
/// server.set_plain_server(true)?;
/// server.set_zap_domain("users")?;
/// let endpoint = server.bind("tcp://127.0.0.1:*")?;
/// let client = context.socket(SocketType::REQ)?;
/// client.set_plain_client("admin", "secret")?;
/// client.connect(&endpoint)?;
/// client.send("hi").await?;
/// assert_eq!(server.recv().await?[0], "hi");
/// auth.close();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ZapAuthenticator {
    control: Arc<Control>,
}

impl ZapAuthenticator {
    /// Binds the authenticator to [`ZAP_ENDPOINT`] in `context` and returns
    /// its handle and its driver: the future that answers requests, to be
    /// spawned (or polled) by the caller. Until the driver runs, handshakes
    /// that need ZAP wait.
    ///
    /// # Errors
    ///
    /// [`ZapError::AlreadyRunning`] if the endpoint is taken in this context;
    /// [`ZapError::Socket`] if the socket cannot be made.
    ///
    /// # Examples
    ///
    /// See the [module documentation](self).
    pub fn bind(
        context: &Context,
        policy: ZapPolicy,
    ) -> Result<(ZapAuthenticator, ZapDriver), ZapError> {
        let socket = context.socket(SocketType::ROUTER)?;
        // Replies to a handshake that is gone are dropped at once, and
        // closing never waits for them.
        socket.set_linger(Some(std::time::Duration::ZERO))?;
        match socket.bind(ZAP_ENDPOINT) {
            Ok(_) => {}
            Err(error) if error.errno() == Some(zmq::Error::EADDRINUSE.to_raw()) => {
                return Err(ZapError::AlreadyRunning);
            }
            Err(error) => return Err(error.into()),
        }
        let shared = Arc::new(Shared {
            socket,
            policy: Mutex::new(Arc::new(policy)),
            counters: Counters::default(),
            stopped: AtomicBool::new(false),
        });
        let driver = ZapDriver {
            task: Box::pin(run(Arc::clone(&shared))),
        };
        let handle = ZapAuthenticator {
            control: Arc::new(Control { shared }),
        };
        Ok((handle, driver))
    }

    /// [`ZapAuthenticator::bind`], with the driver spawned on `runtime`.
    ///
    /// # Errors
    ///
    /// As [`ZapAuthenticator::bind`].
    ///
    /// # Examples
    ///
    /// See [`ZapAuthenticator`].
    pub fn start(
        context: &Context,
        policy: ZapPolicy,
        runtime: Arc<dyn Runtime>,
    ) -> Result<ZapAuthenticator, ZapError> {
        let (handle, driver) = ZapAuthenticator::bind(context, policy)?;
        runtime.spawn(Box::pin(driver));
        Ok(handle)
    }

    fn shared(&self) -> &Shared {
        &self.control.shared
    }

    /// The policy in force.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// auth.add_plain_user("admin", "secret");
    /// assert!(auth.policy().default_domain().is_plain_user_allowed("admin", "secret"));
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn policy(&self) -> Arc<ZapPolicy> {
        self.shared().policy()
    }

    /// Replaces the whole policy at once; the next handshake is decided by
    /// it (one already being answered finishes under the old one).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// let mut strict = ZapPolicy::new();
    /// strict.default_domain_mut().allow_null(false);
    /// auth.set_policy(strict);
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn set_policy(&self, policy: ZapPolicy) {
        *self
            .shared()
            .policy
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(policy);
    }

    /// Changes the policy in place: `change` gets a copy of the current
    /// policy, which then replaces it atomically (concurrent updates apply
    /// one after the other).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// auth.update(|policy| {
    ///     policy.domain_mut("api").allow([127, 0, 0, 1]).allow_null(false);
    /// });
    /// assert!(auth.policy().domain("api").is_some());
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn update(&self, change: impl FnOnce(&mut ZapPolicy)) {
        let mut slot = self
            .shared()
            .policy
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut policy = ZapPolicy::clone(&slot);
        change(&mut policy);
        *slot = Arc::new(policy);
    }

    /// [`update`](ZapAuthenticator::update) of the default rules.
    fn update_default(&self, change: impl FnOnce(&mut DomainPolicy)) {
        self.update(|policy| change(policy.default_domain_mut()));
    }

    /// Allows `ip` in the default rules (see [`DomainPolicy::allow`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// auth.allow([127, 0, 0, 1]);
    /// assert!(!auth.policy().default_domain().is_address_allowed("10.1.1.1"));
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn allow(&self, ip: impl Into<std::net::IpAddr>) {
        let ip = ip.into();
        self.update_default(|rules| {
            rules.allow(ip);
        });
    }

    /// Denies `ip` in the default rules (see [`DomainPolicy::deny`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// auth.deny([127, 0, 0, 1]);
    /// assert!(!auth.policy().default_domain().is_address_allowed("127.0.0.1"));
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn deny(&self, ip: impl Into<std::net::IpAddr>) {
        let ip = ip.into();
        self.update_default(|rules| {
            rules.deny(ip);
        });
    }

    /// Adds a PLAIN user to the default rules.
    ///
    /// # Examples
    ///
    /// See [`ZapAuthenticator::policy`].
    pub fn add_plain_user(&self, username: impl Into<String>, password: impl Into<String>) {
        let (username, password) = (username.into(), password.into());
        self.update_default(|rules| {
            rules.add_plain_user(username, password);
        });
    }

    /// Removes a PLAIN user from the default rules.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// auth.add_plain_user("admin", "secret");
    /// auth.remove_plain_user("admin");
    /// assert!(!auth.policy().default_domain().is_plain_user_allowed("admin", "secret"));
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn remove_plain_user(&self, username: &str) {
        self.update_default(|rules| {
            rules.remove_plain_user(username);
        });
    }

    /// Admits the CURVE client key `key` in the default rules.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// let key = CurveKeyPair::generate()?.public;
    /// auth.allow_curve_key(key);
    /// assert!(auth.policy().default_domain().is_curve_key_allowed(&key));
    /// auth.remove_curve_key(&key);
    /// assert!(!auth.policy().default_domain().is_curve_key_allowed(&key));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allow_curve_key(&self, key: CurveKey) {
        self.update_default(|rules| {
            rules.allow_curve_key(key);
        });
    }

    /// No longer admits the CURVE client key `key` in the default rules.
    ///
    /// # Examples
    ///
    /// See [`ZapAuthenticator::allow_curve_key`].
    pub fn remove_curve_key(&self, key: &CurveKey) {
        self.update_default(|rules| {
            rules.remove_curve_key(key);
        });
    }

    /// Admits any CURVE client key (`true`) or only the listed ones in the
    /// default rules (see [`DomainPolicy::allow_any_curve_key`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// auth.allow_any_curve_key(true);
    /// assert!(auth.policy().default_domain().is_curve_key_allowed(&CurveKeyPair::generate()?.public));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn allow_any_curve_key(&self, any: bool) {
        self.update_default(|rules| {
            rules.allow_any_curve_key(any);
        });
    }

    /// How many requests were answered, and how.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let (auth, _driver) = ZapAuthenticator::bind(&zmq_core::Context::new(), ZapPolicy::new())?;
    /// assert_eq!(auth.stats().requests, 0);
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn stats(&self) -> ZapStats {
        let counters = &self.shared().counters;
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ZapStats {
            requests: read(&counters.requests),
            allowed: read(&counters.allowed),
            denied: read(&counters.denied),
            failed: read(&counters.failed),
            malformed: read(&counters.malformed),
        }
    }

    /// Stops the authenticator now: unbinds [`ZAP_ENDPOINT`] (a new
    /// authenticator can start at once) and closes the socket, which ends
    /// the driver. Closing twice is a no-op. From then on libzmq behaves as
    /// without an authenticator: CURVE servers admit any client key, PLAIN
    /// servers refuse everyone.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::Context;
    /// use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
    ///
    /// let context = Context::new();
    /// let (auth, driver) = ZapAuthenticator::bind(&context, ZapPolicy::new())?;
    /// auth.close();
    /// assert!(auth.is_closed());
    /// futures_lite::future::block_on(driver); // ends at once
    /// let (again, _driver) = ZapAuthenticator::bind(&context, ZapPolicy::new())?;
    /// # Ok::<(), zmq_core::zap::ZapError>(())
    /// ```
    pub fn close(&self) {
        self.shared().stop();
    }

    /// True once the authenticator was closed.
    ///
    /// # Examples
    ///
    /// See [`ZapAuthenticator::close`].
    pub fn is_closed(&self) -> bool {
        self.shared().stopped.load(Ordering::Acquire)
    }
}

impl fmt::Debug for ZapAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZapAuthenticator")
            .field("closed", &self.is_closed())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// The task that answers ZAP requests: a future to spawn on any executor
/// (or to poll beside other work). It completes once the authenticator is
/// closed.
///
/// # Cancel safety
///
/// Dropping the driver stops the answering, not the authenticator: the
/// endpoint stays bound, so handshakes that need ZAP wait (and fail after
/// `ZMQ_HANDSHAKE_IVL`) rather than being admitted. A request being
/// answered when the driver is dropped gets no answer.
///
/// # Examples
///
/// See the [module documentation](self).
#[must_use = "the authenticator answers nothing until its driver runs"]
pub struct ZapDriver {
    task: BoxFuture<'static, ()>,
}

impl Future for ZapDriver {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        self.task.as_mut().poll(cx)
    }
}

impl fmt::Debug for ZapDriver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZapDriver").finish_non_exhaustive()
    }
}

/// The driver's loop: receive, decide, reply, until the socket is closed.
async fn run(shared: Arc<Shared>) {
    log::debug!(target: LOG_TARGET, "ZAP authenticator listening on {ZAP_ENDPOINT}");
    loop {
        let message = match shared.socket.recv().await {
            Ok(message) => message,
            Err(Error::Closed) => break,
            Err(error) if error.errno() == Some(zmq::Error::ETERM.to_raw()) => break,
            Err(error) => {
                log::warn!(target: LOG_TARGET, "receiving a ZAP request: {error}");
                continue;
            }
        };
        let Some(reply) = answer(&shared, &message).await else {
            continue;
        };
        if let Err(error) = shared.socket.send(reply).await {
            let (error, _unsent) = error.into_parts();
            if matches!(error, Error::Closed) {
                break;
            }
            log::warn!(target: LOG_TARGET, "sending a ZAP reply: {error}");
        }
    }
    log::debug!(target: LOG_TARGET, "ZAP authenticator stopped");
}

/// The reply to one received message, if it can be addressed.
async fn answer(shared: &Shared, message: &Multipart) -> Option<Multipart> {
    let counters = &shared.counters;
    let (envelope, request) = match wire::parse(message) {
        wire::Parsed::Request(envelope, request) => (envelope, request),
        wire::Parsed::Malformed { envelope, reason } => {
            counters.malformed.fetch_add(1, Ordering::Relaxed);
            log::warn!(
                target: LOG_TARGET,
                "malformed ZAP request ({reason}); {}",
                if envelope.is_some() { "answered 500" } else { "dropped" }
            );
            return envelope.map(|envelope| wire::reply(&envelope, 500, "malformed request", ""));
        }
    };
    counters.requests.fetch_add(1, Ordering::Relaxed);
    let policy = shared.policy();
    let decision = policy.decide(&request).await;
    let (status, text, user_id) = match decision {
        ZapDecision::Allow { user_id } => {
            counters.allowed.fetch_add(1, Ordering::Relaxed);
            let user_id = user_id.unwrap_or_else(|| default_user_id(&request.mechanism));
            (200, "OK".to_owned(), user_id)
        }
        ZapDecision::Deny { reason } => {
            counters.denied.fetch_add(1, Ordering::Relaxed);
            (400, reason, String::new())
        }
        ZapDecision::Fail { reason } => {
            counters.failed.fetch_add(1, Ordering::Relaxed);
            (500, reason, String::new())
        }
        // `decide` never returns it; answer as the tables' refusal would.
        ZapDecision::Defer => {
            counters.denied.fetch_add(1, Ordering::Relaxed);
            (400, "no decision".to_owned(), String::new())
        }
    };
    if status == 200 {
        log::debug!(target: LOG_TARGET, "ZAP {status}: {request:?}");
    } else {
        log::info!(target: LOG_TARGET, "ZAP {status} ({text}): {request:?}");
    }
    Some(wire::reply(&envelope, status, &text, &user_id))
}

/// The user id of an allowed request when the decision names none.
fn default_user_id(mechanism: &ZapMechanism) -> String {
    match mechanism {
        ZapMechanism::Plain { username, .. } => username.clone(),
        ZapMechanism::Curve { public_key } => public_key.to_z85(),
        ZapMechanism::Null | ZapMechanism::Other { .. } => String::new(),
    }
}
