//! What the authenticator decides with: [`ZapPolicy`] (a [`DomainPolicy`]
//! per ZAP domain, a default one, and an optional callback), the request it
//! is asked about ([`ZapRequest`]) and the answer ([`ZapDecision`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::Poll;

use crate::curve::CurveKey;
use crate::runtime::BoxFuture;

/// The security mechanism of a handshake, with the credentials the client
/// presented.
///
/// Its `Debug` never shows a PLAIN password.
///
/// # Examples
///
/// ```
/// use zmq_core::zap::ZapMechanism;
///
/// let plain = ZapMechanism::Plain { username: "admin".into(), password: "hunter2".into() };
/// assert_eq!(plain.name(), "PLAIN");
/// assert!(!format!("{plain:?}").contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZapMechanism {
    /// `NULL`: no credentials (libzmq asks ZAP about NULL only when the
    /// server socket has a ZAP domain).
    Null,
    /// `PLAIN`: a user name and a password (invalid UTF-8 is shown with
    /// replacement characters; the password tables compare the raw bytes).
    Plain {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// `CURVE`: the client's long-term public key.
    Curve {
        /// The client's public key.
        public_key: CurveKey,
    },
    /// Another mechanism (`GSSAPI`): refused by the tables, a callback may
    /// decide.
    Other {
        /// The mechanism's name as libzmq sent it.
        name: String,
    },
}

impl ZapMechanism {
    /// The mechanism's name in ZAP: `NULL`, `PLAIN`, `CURVE`, or the other
    /// name.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(zmq_core::zap::ZapMechanism::Null.name(), "NULL");
    /// ```
    pub fn name(&self) -> &str {
        match self {
            ZapMechanism::Null => "NULL",
            ZapMechanism::Plain { .. } => "PLAIN",
            ZapMechanism::Curve { .. } => "CURVE",
            ZapMechanism::Other { name } => name,
        }
    }
}

impl fmt::Debug for ZapMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZapMechanism::Null => f.write_str("Null"),
            ZapMechanism::Plain { username, .. } => f
                .debug_struct("Plain")
                .field("username", username)
                .finish_non_exhaustive(),
            ZapMechanism::Curve { public_key } => f
                .debug_struct("Curve")
                .field("public_key", &public_key.to_z85())
                .finish(),
            ZapMechanism::Other { name } => f.debug_struct("Other").field("name", name).finish(),
        }
    }
}

/// One ZAP request: a handshake that libzmq asks the authenticator about.
///
/// # Examples
///
/// A callback reads it (see [`ZapPolicy::set_callback`]):
///
/// ```
/// use zmq_core::zap::{ZapDecision, ZapMechanism, ZapPolicy};
///
/// let mut policy = ZapPolicy::new();
/// policy.set_callback(|request| match &request.mechanism {
///     ZapMechanism::Plain { username, .. } if request.domain == "admin" && username != "root" => {
///         ZapDecision::deny("admins only")
///     }
///     _ => ZapDecision::Defer,
/// });
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ZapRequest {
    /// The server socket's ZAP domain (`ZMQ_ZAP_DOMAIN`), empty if unset.
    pub domain: String,
    /// The client's address as libzmq reports it: the IP address for tcp
    /// (`127.0.0.1`), empty or a transport-specific text for ipc and inproc.
    pub address: String,
    /// The routing id the client connected with (`ZMQ_ROUTING_ID`), often
    /// empty.
    pub routing_id: Vec<u8>,
    /// The mechanism and the credentials.
    pub mechanism: ZapMechanism,
    /// The request id that libzmq matches the reply with.
    pub request_id: Vec<u8>,
    /// PLAIN's credentials as sent, for an exact comparison.
    pub(crate) plain_raw: Option<(Vec<u8>, Vec<u8>)>,
}

impl ZapRequest {
    /// The client's IP address, when [`address`](ZapRequest::address) is one
    /// (tcp). An IPv4-mapped IPv6 address is given as the IPv4 address.
    ///
    /// # Examples
    ///
    /// See [`ZapPolicy::set_callback`].
    pub fn ip(&self) -> Option<IpAddr> {
        parse_ip(&self.address)
    }
}

impl fmt::Debug for ZapRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZapRequest")
            .field("domain", &self.domain)
            .field("address", &self.address)
            .field("routing_id", &self.routing_id)
            .field("mechanism", &self.mechanism)
            .field("request_id", &self.request_id)
            .finish()
    }
}

/// An IP address from libzmq's address text (which may be bracketed IPv6).
fn parse_ip(address: &str) -> Option<IpAddr> {
    let trimmed = address.trim_start_matches('[').trim_end_matches(']');
    trimmed.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

/// The answer to a [`ZapRequest`].
///
/// # Examples
///
/// ```
/// use zmq_core::zap::ZapDecision;
///
/// assert_eq!(ZapDecision::allow(), ZapDecision::Allow { user_id: None });
/// assert_eq!(ZapDecision::deny("no"), ZapDecision::Deny { reason: "no".into() });
/// assert_eq!(ZapDecision::deny("no").status_code(), Some(400));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ZapDecision {
    /// Status 200: the handshake goes on. `user_id` becomes the connection's
    /// `User-Id` property; `None` gives the default (the PLAIN user name,
    /// the CURVE key in Z85, empty for NULL).
    Allow {
        /// The user id to report, or `None` for the default.
        user_id: Option<String>,
    },
    /// Status 400: the client is refused.
    Deny {
        /// The status text sent to libzmq (and to the client in the ZMTP
        /// `ERROR` command).
        reason: String,
    },
    /// Status 500: the authenticator could not decide; the client is
    /// refused.
    Fail {
        /// The status text.
        reason: String,
    },
    /// From a callback: no opinion, the domain's tables decide.
    Defer,
}

impl ZapDecision {
    /// [`ZapDecision::Allow`] with the default user id.
    ///
    /// # Examples
    ///
    /// See [`ZapDecision`].
    pub fn allow() -> ZapDecision {
        ZapDecision::Allow { user_id: None }
    }

    /// [`ZapDecision::Deny`] with `reason`.
    ///
    /// # Examples
    ///
    /// See [`ZapDecision`].
    pub fn deny(reason: impl Into<String>) -> ZapDecision {
        ZapDecision::Deny {
            reason: reason.into(),
        }
    }

    /// The ZAP status code this decision is sent as (200, 400, 500), or
    /// `None` for [`ZapDecision::Defer`].
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::ZapDecision;
    ///
    /// assert_eq!(ZapDecision::allow().status_code(), Some(200));
    /// assert_eq!(ZapDecision::Defer.status_code(), None);
    /// ```
    pub fn status_code(&self) -> Option<u16> {
        match self {
            ZapDecision::Allow { .. } => Some(200),
            ZapDecision::Deny { .. } => Some(400),
            ZapDecision::Fail { .. } => Some(500),
            ZapDecision::Defer => None,
        }
    }
}

/// Which CURVE client keys a domain admits.
#[derive(Clone, Default)]
enum CurveAccess {
    /// Only these keys (none at first).
    #[default]
    Listed,
    /// Any key (the handshake itself still proves the client holds the
    /// secret key of the public key it presents).
    Any,
}

/// The rules of one ZAP domain (or the default rules, for domains without
/// rules of their own).
///
/// A new `DomainPolicy` admits NULL clients (subject to the address
/// lists), and no PLAIN user and no CURVE key until added. Its `Debug`
/// never shows passwords.
///
/// # Examples
///
/// ```
/// use zmq_core::curve::CurveKeyPair;
/// use zmq_core::zap::DomainPolicy;
///
/// let client = CurveKeyPair::generate()?;
/// let mut rules = DomainPolicy::new();
/// rules
///     .allow([127, 0, 0, 1])
///     .add_plain_user("admin", "secret")
///     .allow_curve_key(client.public)
///     .allow_null(false);
/// assert!(rules.is_curve_key_allowed(&client.public));
/// assert!(!format!("{rules:?}").contains("secret"));
/// # Ok::<(), zmq_core::curve::CurveError>(())
/// ```
#[derive(Clone)]
pub struct DomainPolicy {
    allowed_ips: BTreeSet<IpAddr>,
    denied_ips: BTreeSet<IpAddr>,
    null: bool,
    plain: HashMap<String, String>,
    curve_keys: Vec<CurveKey>,
    curve: CurveAccess,
}

impl Default for DomainPolicy {
    fn default() -> DomainPolicy {
        DomainPolicy::new()
    }
}

impl DomainPolicy {
    /// Rules that admit NULL clients from any address and nothing else.
    ///
    /// # Examples
    ///
    /// See [`DomainPolicy`].
    pub fn new() -> DomainPolicy {
        DomainPolicy {
            allowed_ips: BTreeSet::new(),
            denied_ips: BTreeSet::new(),
            null: true,
            plain: HashMap::new(),
            curve_keys: Vec::new(),
            curve: CurveAccess::Listed,
        }
    }

    /// Adds `ip` to the allow list. While the allow list is not empty, only
    /// clients whose address is on it pass (pyzmq's semantics); clients
    /// without an IP address (ipc, inproc) are then refused too. The
    /// address rules come first, for every mechanism including NULL.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::net::Ipv4Addr;
    ///
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.allow(Ipv4Addr::LOCALHOST).allow("10.0.0.7".parse::<std::net::IpAddr>().unwrap());
    /// assert!(rules.is_address_allowed("127.0.0.1"));
    /// assert!(!rules.is_address_allowed("10.0.0.8"));
    /// ```
    pub fn allow(&mut self, ip: impl Into<IpAddr>) -> &mut DomainPolicy {
        self.allowed_ips.insert(ip.into().to_canonical());
        self
    }

    /// Adds `ip` to the deny list, which applies while the allow list is
    /// empty: clients from a listed address are refused, others pass.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.deny([127, 0, 0, 1]);
    /// assert!(!rules.is_address_allowed("127.0.0.1"));
    /// assert!(rules.is_address_allowed("127.0.0.2"));
    /// assert!(rules.is_address_allowed("")); // ipc: no address, not denied
    /// ```
    pub fn deny(&mut self, ip: impl Into<IpAddr>) -> &mut DomainPolicy {
        self.denied_ips.insert(ip.into().to_canonical());
        self
    }

    /// Empties both address lists.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.deny([127, 0, 0, 1]).clear_addresses();
    /// assert!(rules.is_address_allowed("127.0.0.1"));
    /// ```
    pub fn clear_addresses(&mut self) -> &mut DomainPolicy {
        self.allowed_ips.clear();
        self.denied_ips.clear();
        self
    }

    /// Whether a client at `address` (libzmq's address text) passes the
    /// address lists.
    ///
    /// # Examples
    ///
    /// See [`DomainPolicy::allow`] and [`DomainPolicy::deny`].
    pub fn is_address_allowed(&self, address: &str) -> bool {
        let ip = parse_ip(address);
        if !self.allowed_ips.is_empty() {
            return ip.is_some_and(|ip| self.allowed_ips.contains(&ip));
        }
        !ip.is_some_and(|ip| self.denied_ips.contains(&ip))
    }

    /// Whether NULL clients (no security) pass, after the address lists
    /// (`true` unless set).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.allow_null(false);
    /// ```
    pub fn allow_null(&mut self, allowed: bool) -> &mut DomainPolicy {
        self.null = allowed;
        self
    }

    /// Adds (or replaces) a PLAIN user.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.add_plain_user("admin", "secret");
    /// assert!(rules.is_plain_user_allowed("admin", "secret"));
    /// assert!(!rules.is_plain_user_allowed("admin", "guess"));
    /// rules.remove_plain_user("admin");
    /// assert!(!rules.is_plain_user_allowed("admin", "secret"));
    /// ```
    pub fn add_plain_user(
        &mut self,
        username: impl Into<String>,
        password: impl Into<String>,
    ) -> &mut DomainPolicy {
        self.plain.insert(username.into(), password.into());
        self
    }

    /// Removes a PLAIN user.
    ///
    /// # Examples
    ///
    /// See [`DomainPolicy::add_plain_user`].
    pub fn remove_plain_user(&mut self, username: &str) -> &mut DomainPolicy {
        self.plain.remove(username);
        self
    }

    /// Whether the PLAIN table has `username` with `password`.
    ///
    /// # Examples
    ///
    /// See [`DomainPolicy::add_plain_user`].
    pub fn is_plain_user_allowed(&self, username: &str, password: &str) -> bool {
        self.plain_matches(username.as_bytes(), password.as_bytes())
    }

    fn plain_matches(&self, username: &[u8], password: &[u8]) -> bool {
        let Ok(username) = std::str::from_utf8(username) else {
            return false;
        };
        self.plain
            .get(username)
            .is_some_and(|expected| same_bytes(expected.as_bytes(), password))
    }

    /// Admits the CURVE client with this public key.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    ///
    /// let key = CurveKeyPair::generate()?.public;
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.allow_curve_key(key);
    /// assert!(rules.is_curve_key_allowed(&key));
    /// rules.remove_curve_key(&key);
    /// assert!(!rules.is_curve_key_allowed(&key));
    /// # Ok::<(), zmq_core::curve::CurveError>(())
    /// ```
    pub fn allow_curve_key(&mut self, key: CurveKey) -> &mut DomainPolicy {
        if !self.curve_keys.contains(&key) {
            self.curve_keys.push(key);
        }
        self
    }

    /// No longer admits the CURVE client with this key (unless any key is
    /// allowed).
    ///
    /// # Examples
    ///
    /// See [`DomainPolicy::allow_curve_key`].
    pub fn remove_curve_key(&mut self, key: &CurveKey) -> &mut DomainPolicy {
        self.curve_keys.retain(|listed| listed != key);
        self
    }

    /// Admits every CURVE client (`true`), or only the listed keys
    /// (`false`, the default). The CURVE handshake still encrypts and
    /// proves that the client holds its secret key.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    ///
    /// let mut rules = zmq_core::zap::DomainPolicy::new();
    /// rules.allow_any_curve_key(true);
    /// assert!(rules.is_curve_key_allowed(&CurveKeyPair::generate()?.public));
    /// # Ok::<(), zmq_core::curve::CurveError>(())
    /// ```
    pub fn allow_any_curve_key(&mut self, any: bool) -> &mut DomainPolicy {
        self.curve = if any {
            CurveAccess::Any
        } else {
            CurveAccess::Listed
        };
        self
    }

    /// Whether the CURVE client with `key` is admitted.
    ///
    /// # Examples
    ///
    /// See [`DomainPolicy::allow_curve_key`].
    pub fn is_curve_key_allowed(&self, key: &CurveKey) -> bool {
        match self.curve {
            CurveAccess::Any => true,
            // Every listed key is compared (each comparison in constant
            // time): no early exit that tells which key came close.
            CurveAccess::Listed => self
                .curve_keys
                .iter()
                .fold(false, |found, listed| found | (listed == key)),
        }
    }

    /// What the tables (not the address lists) say about `request`.
    fn decide_by_tables(&self, request: &ZapRequest) -> ZapDecision {
        match &request.mechanism {
            ZapMechanism::Null if self.null => ZapDecision::Allow {
                user_id: Some(String::new()),
            },
            ZapMechanism::Null => ZapDecision::deny("NULL mechanism not allowed"),
            ZapMechanism::Plain { username, .. } => {
                let allowed = request
                    .plain_raw
                    .as_ref()
                    .is_some_and(|(user, password)| self.plain_matches(user, password));
                if allowed {
                    ZapDecision::Allow {
                        user_id: Some(username.clone()),
                    }
                } else {
                    ZapDecision::deny("invalid username or password")
                }
            }
            ZapMechanism::Curve { public_key } => {
                if self.is_curve_key_allowed(public_key) {
                    ZapDecision::Allow {
                        user_id: Some(public_key.to_z85()),
                    }
                } else {
                    ZapDecision::deny("unknown CURVE key")
                }
            }
            ZapMechanism::Other { name } => {
                ZapDecision::deny(format!("mechanism {name} not supported"))
            }
        }
    }
}

/// Equal byte strings, looking at every byte of the shorter length.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Debug for DomainPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: BTreeSet<&str> = self.plain.keys().map(String::as_str).collect();
        let keys: Vec<String> = self.curve_keys.iter().map(CurveKey::to_z85).collect();
        f.debug_struct("DomainPolicy")
            .field("allowed_ips", &self.allowed_ips)
            .field("denied_ips", &self.denied_ips)
            .field("null", &self.null)
            .field("plain_users", &users)
            .field("curve_keys", &keys)
            .field("any_curve_key", &matches!(self.curve, CurveAccess::Any))
            .finish()
    }
}

type SyncCallback = dyn Fn(&ZapRequest) -> ZapDecision + Send + Sync;
type AsyncCallback = dyn Fn(ZapRequest) -> BoxFuture<'static, ZapDecision> + Send + Sync;

#[derive(Clone)]
enum Callback {
    Sync(Arc<SyncCallback>),
    Async(Arc<AsyncCallback>),
}

/// The authenticator's whole policy: rules per ZAP domain, default rules
/// for every other domain, and an optional callback.
///
/// A request is decided in this order:
///
/// 1. The rules of its domain, or the default rules if its domain has none
///    of its own, are picked.
/// 2. Their address lists: a refused address is answered 400 at once (the
///    callback is not asked).
/// 3. The callback, if any: its [`ZapDecision`] is the answer unless it is
///    [`ZapDecision::Defer`]. A callback that panics is answered 500.
/// 4. The tables: NULL passes if allowed, PLAIN by the password table,
///    CURVE by the key list (or any key); another mechanism is refused.
///
/// # Examples
///
/// ```
/// use zmq_core::curve::CurveKeyPair;
/// use zmq_core::zap::ZapPolicy;
///
/// let client = CurveKeyPair::generate()?;
/// let mut policy = ZapPolicy::new();
/// policy.default_domain_mut().deny([10, 0, 0, 1]);
/// policy.domain_mut("api").allow_curve_key(client.public).allow_null(false);
/// policy.domain_mut("admin").add_plain_user("root", "secret");
/// assert!(policy.domain("api").is_some_and(|api| api.is_curve_key_allowed(&client.public)));
/// assert!(policy.domain("other").is_none());
/// # Ok::<(), zmq_core::curve::CurveError>(())
/// ```
#[derive(Clone, Default)]
pub struct ZapPolicy {
    default: DomainPolicy,
    domains: BTreeMap<String, DomainPolicy>,
    callback: Option<Callback>,
}

impl ZapPolicy {
    /// A policy whose default rules admit NULL clients and nothing else,
    /// with no callback.
    ///
    /// # Examples
    ///
    /// See [`ZapPolicy`].
    pub fn new() -> ZapPolicy {
        ZapPolicy::default()
    }

    /// The rules for domains without rules of their own.
    ///
    /// # Examples
    ///
    /// ```
    /// let policy = zmq_core::zap::ZapPolicy::new();
    /// assert!(policy.default_domain().is_address_allowed("127.0.0.1"));
    /// ```
    pub fn default_domain(&self) -> &DomainPolicy {
        &self.default
    }

    /// The rules for domains without rules of their own, to change.
    ///
    /// # Examples
    ///
    /// See [`ZapPolicy`].
    pub fn default_domain_mut(&mut self) -> &mut DomainPolicy {
        &mut self.default
    }

    /// The rules of `domain`, if it has its own.
    ///
    /// # Examples
    ///
    /// See [`ZapPolicy`].
    pub fn domain(&self, domain: &str) -> Option<&DomainPolicy> {
        self.domains.get(domain)
    }

    /// The rules of `domain`, created as [`DomainPolicy::new`] (not as a
    /// copy of the default rules) if it has none yet.
    ///
    /// # Examples
    ///
    /// See [`ZapPolicy`].
    pub fn domain_mut(&mut self, domain: impl Into<String>) -> &mut DomainPolicy {
        self.domains.entry(domain.into()).or_default()
    }

    /// Removes the rules of `domain`: its requests get the default rules.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut policy = zmq_core::zap::ZapPolicy::new();
    /// policy.domain_mut("api");
    /// assert!(policy.remove_domain("api").is_some());
    /// assert!(policy.domain("api").is_none());
    /// ```
    pub fn remove_domain(&mut self, domain: &str) -> Option<DomainPolicy> {
        self.domains.remove(domain)
    }

    /// Sets a callback asked about every request whose address passed (see
    /// [`ZapPolicy`] for the order). It runs on the authenticator's task:
    /// keep it short and non-blocking.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapDecision, ZapPolicy};
    ///
    /// let mut policy = ZapPolicy::new();
    /// policy.set_callback(|request| {
    ///     if request.ip().is_some_and(|ip| ip.is_loopback()) {
    ///         ZapDecision::Allow { user_id: Some("local".into()) }
    ///     } else {
    ///         ZapDecision::Defer
    ///     }
    /// });
    /// assert!(policy.has_callback());
    /// ```
    pub fn set_callback<F>(&mut self, callback: F) -> &mut ZapPolicy
    where
        F: Fn(&ZapRequest) -> ZapDecision + Send + Sync + 'static,
    {
        self.callback = Some(Callback::Sync(Arc::new(callback)));
        self
    }

    /// Sets an async callback (for example one that looks a key up in a
    /// database). The authenticator answers one request at a time, so a
    /// slow callback holds up other handshakes (libzmq gives each
    /// handshake `ZMQ_HANDSHAKE_IVL`, 30 s by default).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::zap::{ZapDecision, ZapMechanism, ZapPolicy};
    ///
    /// let mut policy = ZapPolicy::new();
    /// policy.set_async_callback(|request| async move {
    ///     match request.mechanism {
    ///         ZapMechanism::Curve { .. } => ZapDecision::allow(),
    ///         _ => ZapDecision::Defer,
    ///     }
    /// });
    /// ```
    pub fn set_async_callback<F, Fut>(&mut self, callback: F) -> &mut ZapPolicy
    where
        F: Fn(ZapRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ZapDecision> + Send + 'static,
    {
        let boxed = move |request: ZapRequest| -> BoxFuture<'static, ZapDecision> {
            Box::pin(callback(request))
        };
        self.callback = Some(Callback::Async(Arc::new(boxed)));
        self
    }

    /// Removes the callback.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut policy = zmq_core::zap::ZapPolicy::new();
    /// policy.set_callback(|_| zmq_core::zap::ZapDecision::Defer).clear_callback();
    /// assert!(!policy.has_callback());
    /// ```
    pub fn clear_callback(&mut self) -> &mut ZapPolicy {
        self.callback = None;
        self
    }

    /// Whether a callback is set.
    ///
    /// # Examples
    ///
    /// See [`ZapPolicy::set_callback`].
    pub fn has_callback(&self) -> bool {
        self.callback.is_some()
    }

    /// Decides `request` (see [`ZapPolicy`] for the order). Never
    /// [`ZapDecision::Defer`].
    pub(crate) async fn decide(&self, request: &ZapRequest) -> ZapDecision {
        let rules = self.domains.get(&request.domain).unwrap_or(&self.default);
        if !rules.is_address_allowed(&request.address) {
            return ZapDecision::deny("address not allowed");
        }
        let from_callback = match &self.callback {
            None => ZapDecision::Defer,
            Some(Callback::Sync(callback)) => {
                match std::panic::catch_unwind(AssertUnwindSafe(|| callback(request))) {
                    Ok(decision) => decision,
                    Err(_) => callback_panicked(),
                }
            }
            Some(Callback::Async(callback)) => {
                let started =
                    std::panic::catch_unwind(AssertUnwindSafe(|| callback(request.clone())));
                match started {
                    Ok(mut future) => {
                        let polled = std::future::poll_fn(|cx| {
                            match std::panic::catch_unwind(AssertUnwindSafe(|| {
                                future.as_mut().poll(cx)
                            })) {
                                Ok(Poll::Ready(decision)) => Poll::Ready(Ok(decision)),
                                Ok(Poll::Pending) => Poll::Pending,
                                Err(_) => Poll::Ready(Err(())),
                            }
                        });
                        polled.await.unwrap_or_else(|()| callback_panicked())
                    }
                    Err(_) => callback_panicked(),
                }
            }
        };
        match from_callback {
            ZapDecision::Defer => rules.decide_by_tables(request),
            decision => decision,
        }
    }
}

fn callback_panicked() -> ZapDecision {
    log::error!(target: super::LOG_TARGET, "the ZAP callback panicked; the request is answered 500");
    ZapDecision::Fail {
        reason: "authenticator callback failed".to_owned(),
    }
}

impl fmt::Debug for ZapPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZapPolicy")
            .field("default", &self.default)
            .field("domains", &self.domains)
            .field("callback", &self.callback.is_some())
            .finish()
    }
}
