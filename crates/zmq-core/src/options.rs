//! Typed socket options: the ones users reach for. Everything else is one
//! [`Socket::with_raw`] away.

use std::ffi::c_int;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::readiness::Direction;
use crate::socket::{Socket, last_error};

/// `ZMQ_IN_BATCH_SIZE` from libzmq's DRAFT API (`zmq.h`, libzmq 4.3.5); the
/// `zmq` crate has no constant for it.
const ZMQ_IN_BATCH_SIZE: c_int = 101;
/// `ZMQ_OUT_BATCH_SIZE` from libzmq's DRAFT API.
const ZMQ_OUT_BATCH_SIZE: c_int = 102;
/// `ZMQ_ZAP_ENFORCE_DOMAIN` from libzmq's DRAFT API.
const ZMQ_ZAP_ENFORCE_DOMAIN: c_int = 93;

/// Plain integer and boolean options map one to one onto libzmq's.
macro_rules! plain_options {
    ($(
        $(#[$doc:meta])*
        $getter:ident / $setter:ident: $ty:ty => $zmq_get:ident / $zmq_set:ident, example $value:expr;
    )*) => {$(
        $(#[$doc])*
        ///
        /// # Examples
        ///
        /// ```
        /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
        #[doc = concat!("socket.", stringify!($setter), "(", stringify!($value), ")?;")]
        #[doc = concat!("assert_eq!(socket.", stringify!($getter), "()?, ", stringify!($value), ");")]
        /// # Ok::<(), zmq_core::Error>(())
        /// ```
        pub fn $getter(&self) -> Result<$ty> {
            Ok(self.with_raw(|raw| raw.$zmq_get())??)
        }

        #[doc = concat!("Sets the value [`", stringify!($getter), "`](Socket::", stringify!($getter), ") reads.")]
        pub fn $setter(&self, value: $ty) -> Result<()> {
            Ok(self.with_raw(|raw| raw.$zmq_set(value))??)
        }
    )*};
}

impl Socket {
    plain_options! {
        /// `ZMQ_IMMEDIATE`: queue messages only to completed connections.
        immediate / set_immediate: bool => is_immediate / set_immediate, example true;
        /// `ZMQ_CONFLATE`: keep only the last message (no multipart).
        conflate / set_conflate: bool => is_conflate / set_conflate, example true;
        /// `ZMQ_PLAIN_SERVER`: act as the server of the PLAIN mechanism.
        plain_server / set_plain_server: bool => is_plain_server / set_plain_server, example true;
        /// `ZMQ_TCP_KEEPALIVE_CNT`: keepalive probes before a tcp connection
        /// is dropped (-1: the system's default).
        tcp_keepalive_count / set_tcp_keepalive_count: i32 => get_tcp_keepalive_cnt / set_tcp_keepalive_cnt, example 5;
    }

    /// `ZMQ_SNDHWM`: how many messages may queue per peer for sending
    /// before sends wait (or, for PUB and the like, are dropped); 0 means
    /// no limit.
    ///
    /// # Sized by bytes until set
    ///
    /// libzmq counts this mark in messages (1 000 by default). Until it is
    /// set here, or any other way, our sockets size it by bytes instead:
    /// every 1 024 messages sent, the mark becomes the largest power of two
    /// whose queue of messages of the average size fits in about 2 MiB, up
    /// to 65 536, and never below libzmq's 1 000. It deepens only after the
    /// queue was full (a send had to wait) in that window, so request-reply
    /// traffic keeps 1 000. So a stream of 32-byte messages that fills its
    /// queue gets 32 768, and messages of 1 KiB or more keep 1 000. Deep
    /// queues are what small messages in bulk need, shallow ones what large
    /// messages and round trips need (section 12 of `docs/performance.md`).
    /// The same goes for [`rcvhwm`](Socket::rcvhwm) with the messages
    /// received, where the pressure is a reader that falls behind: half a
    /// mark's worth of receives in a row, none finding the queue empty.
    ///
    /// Sizing changes the mark of live connections, which can stall stock
    /// libzmq 4.3.5 for good; it happens only when the linked libzmq
    /// carries the fix of this workspace's build
    /// ([`Capabilities::live_hwm_changes`](crate::Capabilities::live_hwm_changes)).
    /// With another libzmq the mark stays libzmq's, and one set by hand is
    /// best set before `bind`/`connect`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUSH)?;
    /// assert_eq!(socket.sndhwm()?, 1_000);
    /// socket.set_sndhwm(500)?;
    /// // Set by hand: the socket never sizes it again.
    /// assert_eq!(socket.sndhwm()?, 500);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn sndhwm(&self) -> Result<i32> {
        Ok(self.with_raw(|raw| raw.get_sndhwm())??)
    }

    /// Sets the value [`sndhwm`](Socket::sndhwm) reads, and stops sizing it
    /// by bytes.
    pub fn set_sndhwm(&self, value: i32) -> Result<()> {
        self.set_mark(Direction::Send, value)
    }

    /// `ZMQ_RCVHWM`: how many messages may queue per peer for receiving;
    /// 0 means no limit. Sized by bytes until set, as
    /// [`sndhwm`](Socket::sndhwm) is.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PULL)?;
    /// socket.set_rcvhwm(500)?;
    /// assert_eq!(socket.rcvhwm()?, 500);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn rcvhwm(&self) -> Result<i32> {
        Ok(self.with_raw(|raw| raw.get_rcvhwm())??)
    }

    /// Sets the value [`rcvhwm`](Socket::rcvhwm) reads, and stops sizing it
    /// by bytes.
    pub fn set_rcvhwm(&self, value: i32) -> Result<()> {
        self.set_mark(Direction::Recv, value)
    }

    fn set_mark(&self, direction: Direction, value: i32) -> Result<()> {
        Ok(self
            .core
            .with_raw(|raw| raw.set_mark_by_hand(direction, value))??)
    }

    /// `ZMQ_LINGER`: how long unsent messages are kept after close; `None`
    /// is forever. Sockets of this crate start at
    /// [`DEFAULT_LINGER`](crate::DEFAULT_LINGER).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUSH)?;
    /// socket.set_linger(Some(Duration::ZERO))?;
    /// assert_eq!(socket.linger()?, Some(Duration::ZERO));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn linger(&self) -> Result<Option<Duration>> {
        Ok(from_millis(self.with_raw(|raw| raw.get_linger())??))
    }

    /// Sets the value [`linger`](Socket::linger) reads.
    pub fn set_linger(&self, linger: Option<Duration>) -> Result<()> {
        let value = to_millis("ZMQ_LINGER", linger)?;
        Ok(self.with_raw(|raw| raw.set_linger(value))??)
    }

    /// `ZMQ_RECONNECT_IVL`: how long to wait before reconnecting; `None`
    /// means never reconnect.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_reconnect_interval(Some(Duration::from_millis(50)))?;
    /// assert_eq!(socket.reconnect_interval()?, Some(Duration::from_millis(50)));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn reconnect_interval(&self) -> Result<Option<Duration>> {
        Ok(from_millis(self.with_raw(|raw| raw.get_reconnect_ivl())??))
    }

    /// Sets the value [`reconnect_interval`](Socket::reconnect_interval) reads.
    pub fn set_reconnect_interval(&self, interval: Option<Duration>) -> Result<()> {
        let value = to_millis("ZMQ_RECONNECT_IVL", interval)?;
        Ok(self.with_raw(|raw| raw.set_reconnect_ivl(value))??)
    }

    /// `ZMQ_RECONNECT_IVL_MAX`: the ceiling of the exponential reconnect
    /// back-off; zero keeps the interval constant.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_reconnect_interval_max(Duration::from_secs(5))?;
    /// assert_eq!(socket.reconnect_interval_max()?, Duration::from_secs(5));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn reconnect_interval_max(&self) -> Result<Duration> {
        let millis = self.with_raw(|raw| raw.get_reconnect_ivl_max())??;
        Ok(Duration::from_millis(millis.max(0) as u64))
    }

    /// Sets the value [`reconnect_interval_max`](Socket::reconnect_interval_max) reads.
    pub fn set_reconnect_interval_max(&self, ceiling: Duration) -> Result<()> {
        let value = to_millis("ZMQ_RECONNECT_IVL_MAX", Some(ceiling))?;
        Ok(self.with_raw(|raw| raw.set_reconnect_ivl_max(value))??)
    }

    /// `ZMQ_MAXMSGSIZE`: the largest message accepted from a peer, in bytes;
    /// a peer sending more is disconnected. `None` means no limit.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::ROUTER)?;
    /// socket.set_max_message_size(Some(1 << 20))?;
    /// assert_eq!(socket.max_message_size()?, Some(1 << 20));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn max_message_size(&self) -> Result<Option<u64>> {
        let value = self.with_raw(|raw| raw.get_maxmsgsize())??;
        Ok(u64::try_from(value).ok())
    }

    /// Sets the value [`max_message_size`](Socket::max_message_size) reads.
    pub fn set_max_message_size(&self, limit: Option<u64>) -> Result<()> {
        let value = match limit {
            None => -1,
            Some(limit) => i64::try_from(limit).map_err(|_| Error::InvalidOption {
                option: "ZMQ_MAXMSGSIZE",
                reason: "larger than i64::MAX",
            })?,
        };
        Ok(self.with_raw(|raw| raw.set_maxmsgsize(value))??)
    }

    /// `ZMQ_ROUTING_ID`: the identity a ROUTER peer sees for this socket
    /// (1 to 255 bytes, not starting with a zero byte).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_routing_id(b"worker-1")?;
    /// assert_eq!(socket.routing_id()?, b"worker-1");
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn routing_id(&self) -> Result<Vec<u8>> {
        Ok(self.with_raw(|raw| raw.get_identity())??)
    }

    /// Sets the value [`routing_id`](Socket::routing_id) reads; takes effect
    /// for connections made afterwards.
    pub fn set_routing_id(&self, id: impl AsRef<[u8]>) -> Result<()> {
        let id = id.as_ref();
        Ok(self.with_raw(|raw| raw.set_identity(id))??)
    }

    /// `ZMQ_ROUTER_MANDATORY` (ROUTER only, write-only in libzmq): sending to
    /// an unknown peer fails with `EHOSTUNREACH` instead of dropping the
    /// message silently, and a peer at its high-water mark makes the send
    /// wait.
    ///
    /// # Examples
    ///
    /// ```
    /// # futures_lite::future::block_on(async {
    /// let router = zmq_core::Socket::new(zmq_core::SocketType::ROUTER)?;
    /// router.set_router_mandatory(true)?;
    /// let err = router.send(["nobody", "hello"]).await.unwrap_err();
    /// assert_eq!(err.error.errno(), Some(zmq_core::zmq::Error::EHOSTUNREACH.to_raw()));
    /// # Ok::<(), zmq_core::Error>(())
    /// # }).unwrap();
    /// ```
    pub fn set_router_mandatory(&self, mandatory: bool) -> Result<()> {
        Ok(self.with_raw(|raw| raw.set_router_mandatory(mandatory))??)
    }

    /// `ZMQ_TCP_KEEPALIVE`: `Some(true)` or `Some(false)` turn tcp keepalive
    /// on or off, `None` leaves the system's default.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_tcp_keepalive(Some(true))?;
    /// assert_eq!(socket.tcp_keepalive()?, Some(true));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn tcp_keepalive(&self) -> Result<Option<bool>> {
        let value = self.with_raw(|raw| raw.get_tcp_keepalive())??;
        Ok(match value {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        })
    }

    /// Sets the value [`tcp_keepalive`](Socket::tcp_keepalive) reads.
    pub fn set_tcp_keepalive(&self, keepalive: Option<bool>) -> Result<()> {
        let value = keepalive.map_or(-1, i32::from);
        Ok(self.with_raw(|raw| raw.set_tcp_keepalive(value))??)
    }

    /// `ZMQ_TCP_KEEPALIVE_IDLE`: idle time before the first keepalive probe
    /// (whole seconds); `None` is the system's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_tcp_keepalive_idle(Some(Duration::from_secs(30)))?;
    /// assert_eq!(socket.tcp_keepalive_idle()?, Some(Duration::from_secs(30)));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn tcp_keepalive_idle(&self) -> Result<Option<Duration>> {
        Ok(from_secs(
            self.with_raw(|raw| raw.get_tcp_keepalive_idle())??,
        ))
    }

    /// Sets the value [`tcp_keepalive_idle`](Socket::tcp_keepalive_idle) reads.
    pub fn set_tcp_keepalive_idle(&self, idle: Option<Duration>) -> Result<()> {
        let value = to_secs("ZMQ_TCP_KEEPALIVE_IDLE", idle)?;
        Ok(self.with_raw(|raw| raw.set_tcp_keepalive_idle(value))??)
    }

    /// `ZMQ_TCP_KEEPALIVE_INTVL`: time between keepalive probes (whole
    /// seconds); `None` is the system's default.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_tcp_keepalive_interval(Some(Duration::from_secs(5)))?;
    /// assert_eq!(socket.tcp_keepalive_interval()?, Some(Duration::from_secs(5)));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn tcp_keepalive_interval(&self) -> Result<Option<Duration>> {
        Ok(from_secs(
            self.with_raw(|raw| raw.get_tcp_keepalive_intvl())??,
        ))
    }

    /// Sets the value [`tcp_keepalive_interval`](Socket::tcp_keepalive_interval) reads.
    pub fn set_tcp_keepalive_interval(&self, interval: Option<Duration>) -> Result<()> {
        let value = to_secs("ZMQ_TCP_KEEPALIVE_INTVL", interval)?;
        Ok(self.with_raw(|raw| raw.set_tcp_keepalive_intvl(value))??)
    }

    /// The security mechanism in use (`ZMQ_MECHANISM`).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::REP)?;
    /// socket.set_plain_server(true)?;
    /// assert_eq!(socket.mechanism()?, zmq_core::zmq::Mechanism::ZMQ_PLAIN);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn mechanism(&self) -> Result<zmq::Mechanism> {
        Ok(self.with_raw(|raw| raw.get_mechanism())??)
    }

    /// `ZMQ_PLAIN_USERNAME`: the user name a PLAIN client presents; `None`
    /// clears it.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::REQ)?;
    /// socket.set_plain_username(Some("admin"))?;
    /// assert_eq!(socket.plain_username()?.as_deref(), Some("admin"));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn plain_username(&self) -> Result<Option<String>> {
        let name = self.with_raw(|raw| raw.get_plain_username())??;
        Ok(name.ok().filter(|name| !name.is_empty()))
    }

    /// Sets the value [`plain_username`](Socket::plain_username) reads.
    pub fn set_plain_username(&self, username: Option<&str>) -> Result<()> {
        Ok(self.with_raw(|raw| raw.set_plain_username(username))??)
    }

    /// `ZMQ_PLAIN_PASSWORD`: the password a PLAIN client presents; `None`
    /// clears it.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::REQ)?;
    /// socket.set_plain_password(Some("secret"))?;
    /// assert_eq!(socket.plain_password()?.as_deref(), Some("secret"));
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn plain_password(&self) -> Result<Option<String>> {
        let password = self.with_raw(|raw| raw.get_plain_password())??;
        Ok(password.ok().filter(|password| !password.is_empty()))
    }

    /// Sets the value [`plain_password`](Socket::plain_password) reads.
    pub fn set_plain_password(&self, password: Option<&str>) -> Result<()> {
        Ok(self.with_raw(|raw| raw.set_plain_password(password))??)
    }

    /// `ZMQ_ZAP_DOMAIN`: the authentication domain a server asks ZAP about:
    /// which rules of a [`ZapPolicy`](crate::zap::ZapPolicy) apply. With a
    /// domain, libzmq asks ZAP about NULL clients too.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::ROUTER)?;
    /// socket.set_zap_domain("global")?;
    /// assert_eq!(socket.zap_domain()?, "global");
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn zap_domain(&self) -> Result<String> {
        let domain = self.with_raw(|raw| raw.get_zap_domain())??;
        Ok(domain.unwrap_or_else(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Sets the value [`zap_domain`](Socket::zap_domain) reads.
    pub fn set_zap_domain(&self, domain: &str) -> Result<()> {
        Ok(self.with_raw(|raw| raw.set_zap_domain(domain))??)
    }

    /// `ZMQ_CURVE_SERVER`: act as the server of the CURVE mechanism (needs a
    /// libzmq built with CURVE, as this workspace's is; without it this is
    /// an `EINVAL` error).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::ROUTER)?;
    /// assert!(zmq_core::capabilities().curve);
    /// socket.set_curve_server(true)?;
    /// assert!(socket.curve_server()?);
    /// assert_eq!(socket.mechanism()?, zmq_core::zmq::Mechanism::ZMQ_CURVE);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn curve_server(&self) -> Result<bool> {
        Ok(self.with_raw(|raw| raw.is_curve_server())??)
    }

    /// Sets the value [`curve_server`](Socket::curve_server) reads.
    pub fn set_curve_server(&self, server: bool) -> Result<()> {
        Ok(self.with_raw(|raw| raw.set_curve_server(server))??)
    }

    /// `ZMQ_CURVE_PUBLICKEY`: this socket's long-term CURVE public key, 32
    /// bytes or 40 Z85 characters (needs a libzmq built with CURVE).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_curve_public_key(&[7u8; 32])?;
    /// assert_eq!(socket.curve_public_key()?, [7u8; 32]);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn curve_public_key(&self) -> Result<Vec<u8>> {
        Ok(self.with_raw(|raw| raw.get_curve_publickey())??)
    }

    /// Sets the value [`curve_public_key`](Socket::curve_public_key) reads.
    pub fn set_curve_public_key(&self, key: &[u8]) -> Result<()> {
        let key = check_curve_key("ZMQ_CURVE_PUBLICKEY", key)?;
        Ok(self.with_raw(|raw| raw.set_curve_publickey(key))??)
    }

    /// `ZMQ_CURVE_SECRETKEY`: this socket's long-term CURVE secret key.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// let keys = zmq_core::zmq::CurveKeyPair::new()?;
    /// socket.set_curve_secret_key(&keys.secret_key)?;
    /// assert_eq!(socket.curve_secret_key()?, keys.secret_key);
    /// assert!(socket.set_curve_secret_key(b"too short").is_err());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn curve_secret_key(&self) -> Result<Vec<u8>> {
        Ok(self.with_raw(|raw| raw.get_curve_secretkey())??)
    }

    /// Sets the value [`curve_secret_key`](Socket::curve_secret_key) reads.
    pub fn set_curve_secret_key(&self, key: &[u8]) -> Result<()> {
        let key = check_curve_key("ZMQ_CURVE_SECRETKEY", key)?;
        Ok(self.with_raw(|raw| raw.set_curve_secretkey(key))??)
    }

    /// `ZMQ_CURVE_SERVERKEY`: the public key of the CURVE server a client
    /// connects to.
    ///
    /// # Examples
    ///
    /// ```
    /// let server_keys = zmq_core::zmq::CurveKeyPair::new()?;
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_curve_server_key(&server_keys.public_key)?;
    /// assert_eq!(socket.curve_server_key()?, server_keys.public_key);
    /// assert!(socket.set_curve_server_key(&[0u8; 31]).is_err());
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn curve_server_key(&self) -> Result<Vec<u8>> {
        Ok(self.with_raw(|raw| raw.get_curve_serverkey())??)
    }

    /// Sets the value [`curve_server_key`](Socket::curve_server_key) reads.
    pub fn set_curve_server_key(&self, key: &[u8]) -> Result<()> {
        let key = check_curve_key("ZMQ_CURVE_SERVERKEY", key)?;
        Ok(self.with_raw(|raw| raw.set_curve_serverkey(key))??)
    }

    /// Makes this socket a CURVE server with `keys`: `ZMQ_CURVE_SERVER`,
    /// then its secret and public key. Set it before binding or connecting;
    /// clients need `keys.public`. Every client with the right server key is
    /// accepted unless a ZAP handler runs in the socket's context, such as
    /// [`ZapAuthenticator`](crate::zap::ZapAuthenticator).
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    /// use zmq_core::{Socket, SocketType};
    ///
    /// # futures_lite::future::block_on(async {
    /// let server_keys = CurveKeyPair::generate()?;
    /// let server = Socket::new(SocketType::REP)?;
    /// server.set_curve_server_keys(&server_keys)?;
    /// let endpoint = server.bind("tcp://127.0.0.1:*")?;
    ///
    /// let client = Socket::new(SocketType::REQ)?;
    /// client.set_curve_client_keys(&CurveKeyPair::generate()?, &server_keys.public)?;
    /// client.connect(&endpoint)?;
    ///
    /// client.send("ping").await?;
    /// let request = server.recv().await?;
    /// server.send(request).await?;
    /// assert_eq!(client.recv().await?[0], "ping");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn set_curve_server_keys(&self, keys: &crate::curve::CurveKeyPair) -> Result<()> {
        self.set_curve_server(true)?;
        self.set_curve_secret_key(keys.secret.as_bytes())?;
        self.set_curve_public_key(keys.public.as_bytes())
    }

    /// Makes this socket a CURVE client with its own `keys`, talking to the
    /// server whose public key is `server_public`: `ZMQ_CURVE_SERVERKEY`,
    /// `ZMQ_CURVE_PUBLICKEY`, `ZMQ_CURVE_SECRETKEY`. Set it before
    /// connecting. With a wrong server key the handshake fails and no
    /// message gets through (libzmq keeps retrying).
    ///
    /// # Examples
    ///
    /// See [`Socket::set_curve_server_keys`]; the options read back:
    ///
    /// ```
    /// use zmq_core::curve::CurveKeyPair;
    ///
    /// let (server, client) = (CurveKeyPair::generate()?, CurveKeyPair::generate()?);
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_curve_client_keys(&client, &server.public)?;
    /// assert!(!socket.curve_server()?);
    /// assert_eq!(socket.curve_server_key()?, server.public.as_bytes());
    /// assert_eq!(socket.mechanism()?, zmq_core::zmq::Mechanism::ZMQ_CURVE);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_curve_client_keys(
        &self,
        keys: &crate::curve::CurveKeyPair,
        server_public: &crate::curve::CurveKey,
    ) -> Result<()> {
        self.set_curve_server_key(server_public.as_bytes())?;
        self.set_curve_public_key(keys.public.as_bytes())?;
        self.set_curve_secret_key(keys.secret.as_bytes())
    }

    /// Makes this socket a PLAIN client with `username` and `password`
    /// (sent in clear text: use PLAIN only on trusted networks or inside
    /// another secure channel). The server side is
    /// [`set_plain_server(true)`](Socket::set_plain_server). libzmq 4.3's
    /// PLAIN server asks a ZAP handler to check the credentials and refuses
    /// every client when none is installed: run a
    /// [`ZapAuthenticator`](crate::zap::ZapAuthenticator) in the server's
    /// context.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::DEALER)?;
    /// socket.set_plain_client("admin", "secret")?;
    /// assert_eq!(socket.plain_username()?.as_deref(), Some("admin"));
    /// assert_eq!(socket.mechanism()?, zmq_core::zmq::Mechanism::ZMQ_PLAIN);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn set_plain_client(&self, username: &str, password: &str) -> Result<()> {
        self.set_plain_username(Some(username))?;
        self.set_plain_password(Some(password))
    }
}

impl Socket {
    /// `ZMQ_IN_BATCH_SIZE` (DRAFT API): how many bytes libzmq's I/O thread
    /// reads from a connection in one system call ([`DEFAULT_BATCH_SIZE`](crate::DEFAULT_BATCH_SIZE)
    /// for a socket this crate created, libzmq's 8192 for an adopted one).
    ///
    /// Raising it (to 256 KiB, say) raises the throughput of a busy tcp or
    /// ipc connection several times. Takes effect for connections made
    /// afterwards. Needs a libzmq built with the DRAFT API (this
    /// workspace's build is; see [`capabilities`](crate::capabilities())),
    /// otherwise libzmq refuses it with `EINVAL`.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PULL)?;
    /// assert_eq!(socket.in_batch_size()?, zmq_core::DEFAULT_BATCH_SIZE);
    /// socket.set_in_batch_size(8192)?;
    /// assert_eq!(socket.in_batch_size()?, 8192);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn in_batch_size(&self) -> Result<usize> {
        self.batch_size(ZMQ_IN_BATCH_SIZE)
    }

    /// Sets the value [`in_batch_size`](Socket::in_batch_size) reads. Zero
    /// is refused (`EINVAL`), and so is more than `i32::MAX`.
    pub fn set_in_batch_size(&self, bytes: usize) -> Result<()> {
        self.set_batch_size(ZMQ_IN_BATCH_SIZE, "ZMQ_IN_BATCH_SIZE", bytes)
    }

    /// `ZMQ_OUT_BATCH_SIZE` (DRAFT API): how many bytes libzmq's I/O thread
    /// encodes and writes to a connection in one system call
    /// ([`DEFAULT_BATCH_SIZE`](crate::DEFAULT_BATCH_SIZE) for a socket this crate created). See
    /// [`in_batch_size`](Socket::in_batch_size).
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::PUSH)?;
    /// assert_eq!(socket.out_batch_size()?, zmq_core::DEFAULT_BATCH_SIZE);
    /// socket.set_out_batch_size(8192)?;
    /// assert_eq!(socket.out_batch_size()?, 8192);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn out_batch_size(&self) -> Result<usize> {
        self.batch_size(ZMQ_OUT_BATCH_SIZE)
    }

    /// Sets the value [`out_batch_size`](Socket::out_batch_size) reads.
    /// Zero is refused (`EINVAL`), and so is more than `i32::MAX`.
    pub fn set_out_batch_size(&self, bytes: usize) -> Result<()> {
        self.set_batch_size(ZMQ_OUT_BATCH_SIZE, "ZMQ_OUT_BATCH_SIZE", bytes)
    }

    /// `ZMQ_ZAP_ENFORCE_DOMAIN` (DRAFT API): strict ZAP. With it, a
    /// server socket that has a ZAP domain refuses every handshake while no
    /// ZAP handler runs in its context (the server's monitor reports
    /// [`HandshakeFailedNoDetail`](crate::MonitorEvent::HandshakeFailedNoDetail)),
    /// instead of admitting every CURVE client; a CURVE server *without* a
    /// domain then never asks ZAP at all. Set it together with
    /// [`set_zap_domain`](Socket::set_zap_domain) so that a stopped or
    /// not yet started [`ZapAuthenticator`](crate::zap::ZapAuthenticator)
    /// fails closed. Off by default.
    ///
    /// # Examples
    ///
    /// ```
    /// let socket = zmq_core::Socket::new(zmq_core::SocketType::ROUTER)?;
    /// assert!(!socket.zap_enforce_domain()?);
    /// socket.set_zap_domain("api")?;
    /// socket.set_zap_enforce_domain(true)?;
    /// assert!(socket.zap_enforce_domain()?);
    /// # Ok::<(), zmq_core::Error>(())
    /// ```
    pub fn zap_enforce_domain(&self) -> Result<bool> {
        Ok(self.get_int_option(ZMQ_ZAP_ENFORCE_DOMAIN)? != 0)
    }

    /// Sets the value [`zap_enforce_domain`](Socket::zap_enforce_domain)
    /// reads.
    pub fn set_zap_enforce_domain(&self, enforce: bool) -> Result<()> {
        self.set_int_option(ZMQ_ZAP_ENFORCE_DOMAIN, c_int::from(enforce))
    }

    fn batch_size(&self, option: c_int) -> Result<usize> {
        let value = self.get_int_option(option)?;
        // libzmq only ever stores a positive batch size.
        Ok(usize::try_from(value).unwrap_or(0))
    }

    fn set_batch_size(&self, option: c_int, name: &'static str, bytes: usize) -> Result<()> {
        let value = c_int::try_from(bytes).map_err(|_| Error::InvalidOption {
            option: name,
            reason: "larger than i32::MAX bytes",
        })?;
        self.set_int_option(option, value)
    }

    /// `zmq_getsockopt` of an `int` option the `zmq` crate does not wrap.
    fn get_int_option(&self, option: c_int) -> Result<c_int> {
        self.with_raw_mut(|raw| {
            let mut value: c_int = 0;
            let mut size = size_of::<c_int>();
            // SAFETY: `raw` is an open socket and we hold its lock (inside
            // `with_raw_mut`); `value` and `size` are live locals, and `size`
            // tells libzmq that the buffer holds exactly one `int`.
            let rc = unsafe {
                zmq_sys::zmq_getsockopt(
                    raw.as_mut_ptr(),
                    option,
                    (&raw mut value).cast(),
                    &raw mut size,
                )
            };
            if rc == 0 {
                Ok(value)
            } else {
                Err(last_error())
            }
        })?
        .map_err(Error::from)
    }

    /// `zmq_setsockopt` of an `int` option the `zmq` crate does not wrap.
    fn set_int_option(&self, option: c_int, value: c_int) -> Result<()> {
        self.with_raw_mut(|raw| {
            // SAFETY: `raw` is an open socket and we hold its lock (inside
            // `with_raw_mut`); libzmq reads `size_of::<c_int>()` bytes from
            // `value`, a live local, and keeps no pointer to it.
            let rc = unsafe {
                zmq_sys::zmq_setsockopt(
                    raw.as_mut_ptr(),
                    option,
                    (&raw const value).cast(),
                    size_of::<c_int>(),
                )
            };
            if rc == 0 { Ok(()) } else { Err(last_error()) }
        })?
        .map_err(Error::from)
    }
}

fn check_curve_key<'k>(option: &'static str, key: &'k [u8]) -> Result<&'k [u8]> {
    match key.len() {
        32 | 40 => Ok(key),
        _ => Err(Error::InvalidOption {
            option,
            reason: "a CURVE key is 32 bytes, or 40 characters of Z85",
        }),
    }
}

/// libzmq's "-1 means none" milliseconds.
fn from_millis(value: i32) -> Option<Duration> {
    u64::try_from(value).ok().map(Duration::from_millis)
}

fn to_millis(option: &'static str, value: Option<Duration>) -> Result<i32> {
    match value {
        None => Ok(-1),
        Some(duration) => i32::try_from(duration.as_millis()).map_err(|_| Error::InvalidOption {
            option,
            reason: "longer than i32::MAX milliseconds",
        }),
    }
}

fn from_secs(value: i32) -> Option<Duration> {
    u64::try_from(value).ok().map(Duration::from_secs)
}

fn to_secs(option: &'static str, value: Option<Duration>) -> Result<i32> {
    match value {
        None => Ok(-1),
        Some(duration) => i32::try_from(duration.as_secs()).map_err(|_| Error::InvalidOption {
            option,
            reason: "longer than i32::MAX seconds",
        }),
    }
}
