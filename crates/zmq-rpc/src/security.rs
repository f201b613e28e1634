//! Transport security and resource limits shared by every builder: one
//! [`SocketSetup`] per builder, applied by [`SocketSetup::apply`] when the
//! socket is made, before it binds or connects.

use std::fmt;

use zmq_core::curve::{CurveKey, CurveKeyPair};
use zmq_core::{Context, Socket, SocketType};

/// The ZeroMQ security mechanism a builder gives its socket.
#[derive(Clone, Default)]
pub(crate) enum Security {
    /// Leave the socket as it is: NULL for a new socket, whatever was set on
    /// a socket given with `.socket(..)`.
    #[default]
    Keep,
    CurveServer(CurveKeyPair),
    CurveClient {
        keys: CurveKeyPair,
        server_public: CurveKey,
    },
    PlainServer,
    PlainClient {
        username: String,
        password: String,
    },
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never a secret key or a password.
        match self {
            Security::Keep => f.write_str("Keep"),
            Security::CurveServer(keys) => f.debug_tuple("CurveServer").field(keys).finish(),
            Security::CurveClient {
                keys,
                server_public,
            } => f
                .debug_struct("CurveClient")
                .field("keys", keys)
                .field("server_public", &server_public.to_z85())
                .finish(),
            Security::PlainServer => f.write_str("PlainServer"),
            Security::PlainClient { username, .. } => f
                .debug_struct("PlainClient")
                .field("username", username)
                .finish_non_exhaustive(),
        }
    }
}

/// `ZMQ_MAXMSGSIZE` as a builder asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxMessageSize {
    /// Leave the socket's limit as it is (clients).
    Keep,
    /// A server's default: [`DEFAULT_MAX_MESSAGE_SIZE`](crate::server::DEFAULT_MAX_MESSAGE_SIZE)
    /// on a new socket, and on a given socket that has no limit.
    ServerDefault,
    /// What the user set (`None`: no limit).
    Set(Option<u64>),
}

/// Everything a builder sets on its socket besides endpoints.
#[derive(Debug, Clone)]
pub(crate) struct SocketSetup {
    pub(crate) security: Security,
    pub(crate) max_message_size: MaxMessageSize,
    /// The context a new socket is made in (the global one if `None`).
    pub(crate) context: Option<Context>,
    /// `ZMQ_ZAP_DOMAIN`, if set.
    pub(crate) zap_domain: Option<String>,
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`, if set.
    pub(crate) zap_enforce_domain: Option<bool>,
}

impl SocketSetup {
    pub(crate) fn client() -> SocketSetup {
        SocketSetup {
            security: Security::Keep,
            max_message_size: MaxMessageSize::Keep,
            context: None,
            zap_domain: None,
            zap_enforce_domain: None,
        }
    }

    pub(crate) fn server() -> SocketSetup {
        SocketSetup {
            security: Security::Keep,
            max_message_size: MaxMessageSize::ServerDefault,
            context: None,
            zap_domain: None,
            zap_enforce_domain: None,
        }
    }

    /// A new socket of `socket_type`, in the builder's context.
    pub(crate) fn new_socket(&self, socket_type: SocketType) -> Result<Socket, zmq_core::Error> {
        match &self.context {
            Some(context) => context.socket(socket_type),
            None => Socket::new(socket_type),
        }
    }

    /// Sets the options on `socket`; `created` says whether the builder made
    /// it (rather than being given it).
    pub(crate) fn apply(&self, socket: &Socket, created: bool) -> Result<(), zmq_core::Error> {
        match &self.security {
            Security::Keep => {}
            Security::CurveServer(keys) => socket.set_curve_server_keys(keys)?,
            Security::CurveClient {
                keys,
                server_public,
            } => socket.set_curve_client_keys(keys, server_public)?,
            Security::PlainServer => socket.set_plain_server(true)?,
            Security::PlainClient { username, password } => {
                socket.set_plain_client(username, password)?
            }
        }
        if let Some(domain) = &self.zap_domain {
            socket.set_zap_domain(domain)?;
        }
        if let Some(enforce) = self.zap_enforce_domain {
            socket.set_zap_enforce_domain(enforce)?;
        }
        match self.max_message_size {
            MaxMessageSize::Keep => {}
            MaxMessageSize::Set(limit) => socket.set_max_message_size(limit)?,
            MaxMessageSize::ServerDefault => {
                if created || socket.max_message_size()?.is_none() {
                    socket.set_max_message_size(Some(crate::server::DEFAULT_MAX_MESSAGE_SIZE))?;
                }
            }
        }
        Ok(())
    }
}

/// The security methods, the same on every builder: `$builder` has a
/// `setup: SocketSetup` field; `$make` is an expression making one, for the
/// examples.
macro_rules! security_methods {
    ($builder:ty, $make:literal) => {
        /// Makes the socket a CURVE server with `keys` (`ZMQ_CURVE_SERVER`
        /// and its key pair): traffic is encrypted, and only clients that
        /// know `keys.public` can talk to it. Without a ZAP authenticator
        /// in the socket's context any client key is accepted; with
        /// [`ZapAuthenticator`](zmq_core::zap::ZapAuthenticator) only the
        /// keys its policy admits (see the builder's `context` and
        /// `zap_domain`).
        ///
        /// # Examples
        ///
        /// ```
        /// use zmq_rpc::zmq_core::curve::CurveKeyPair;
        ///
        /// let keys = CurveKeyPair::generate()?;
        #[doc = concat!("let builder = ", $make, ".curve_server(keys);")]
        /// # let _ = builder;
        /// # Ok::<(), zmq_rpc::zmq_core::curve::CurveError>(())
        /// ```
        pub fn curve_server(mut self, keys: zmq_core::curve::CurveKeyPair) -> $builder {
            self.setup.security = $crate::security::Security::CurveServer(keys);
            self
        }

        /// Makes the socket a CURVE client with its own `keys`, talking to
        /// the server whose public key is `server_public`. With a wrong
        /// server key the handshake fails and nothing gets through (calls
        /// time out).
        ///
        /// # Examples
        ///
        /// ```
        /// use zmq_rpc::zmq_core::curve::CurveKeyPair;
        ///
        /// let server = CurveKeyPair::generate()?;
        #[doc = concat!("let builder = ", $make, ".curve_client(CurveKeyPair::generate()?, server.public);")]
        /// # let _ = builder;
        /// # Ok::<(), zmq_rpc::zmq_core::curve::CurveError>(())
        /// ```
        pub fn curve_client(
            mut self,
            keys: zmq_core::curve::CurveKeyPair,
            server_public: zmq_core::curve::CurveKey,
        ) -> $builder {
            self.setup.security = $crate::security::Security::CurveClient {
                keys,
                server_public,
            };
            self
        }

        /// Makes the socket a PLAIN server (`ZMQ_PLAIN_SERVER`). libzmq
        /// checks PLAIN credentials through a ZAP handler and refuses every
        /// client without one: run a
        /// [`ZapAuthenticator`](zmq_core::zap::ZapAuthenticator) in the
        /// socket's context (see the builder's `context`).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let builder = ", $make, ".plain_server();")]
        /// # let _ = builder;
        /// ```
        pub fn plain_server(mut self) -> $builder {
            self.setup.security = $crate::security::Security::PlainServer;
            self
        }

        /// Makes the socket a PLAIN client with `username` and `password`
        /// (clear text on the wire: use it only inside a trusted network).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let builder = ", $make, r#".plain_client("admin", "secret");"#)]
        /// # let _ = builder;
        /// ```
        pub fn plain_client(
            mut self,
            username: impl Into<String>,
            password: impl Into<String>,
        ) -> $builder {
            self.setup.security = $crate::security::Security::PlainClient {
                username: username.into(),
                password: password.into(),
            };
            self
        }

        /// Makes the new socket in `context` instead of the global one.
        /// A [`ZapAuthenticator`](zmq_core::zap::ZapAuthenticator) checks
        /// the handshakes of the sockets of its own context only (and
        /// inproc endpoints connect sockets of one context). Ignored when a
        /// socket is given with `.socket(..)`.
        ///
        /// # Examples
        ///
        /// ```
        /// let context = zmq_rpc::zmq_core::Context::new();
        #[doc = concat!("let builder = ", $make, ".context(&context);")]
        /// # let _ = builder;
        /// ```
        pub fn context(mut self, context: &zmq_core::Context) -> $builder {
            self.setup.context = Some(context.clone());
            self
        }

        /// Sets the socket's ZAP domain (`ZMQ_ZAP_DOMAIN`): which rules of
        /// the [`ZapAuthenticator`](zmq_core::zap::ZapAuthenticator)'s
        /// policy apply to the clients of this server. With a domain, libzmq
        /// asks the authenticator about NULL clients too (IP address
        /// lists).
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let builder = ", $make, r#".zap_domain("api");"#)]
        /// # let _ = builder;
        /// ```
        pub fn zap_domain(mut self, domain: impl Into<String>) -> $builder {
            self.setup.zap_domain = Some(domain.into());
            self
        }

        /// Strict ZAP (`ZMQ_ZAP_ENFORCE_DOMAIN`, see
        /// [`Socket::set_zap_enforce_domain`](zmq_core::Socket::set_zap_enforce_domain)):
        /// with a [`zap_domain`](Self::zap_domain), the server refuses every
        /// client while no authenticator runs in its context, instead of
        /// admitting any CURVE key.
        ///
        /// # Examples
        ///
        /// ```
        #[doc = concat!("let builder = ", $make, r#".zap_domain("api").zap_enforce_domain(true);"#)]
        /// # let _ = builder;
        /// ```
        pub fn zap_enforce_domain(mut self, enforce: bool) -> $builder {
            self.setup.zap_enforce_domain = Some(enforce);
            self
        }
    };
}

pub(crate) use security_methods;
