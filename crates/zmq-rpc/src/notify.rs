//! The clients of pipeline and pub-sub: `connect_pipeline` on a PUSH socket
//! and `connect_pubsub` on a PUB socket. They send notifications (calls
//! without a reply) and need no background task.
//!
//! | aiozmq | here |
//! |---|---|
//! | `await client.notify.ns.f(1, b=2)` | `client.notify("ns.f").arg(1).kwarg("b", 2).await` |
//! | `await client.publish("t").ns.f(1)` | `client.publish("t").notify("ns.f").arg(1).await` |
//! | `client.publish(None)` | `client.publish("")`: an empty topic frame |
//! | `connect_pipeline(connect=, bind=)`, `connect_pubsub(...)` | [`connect_pipeline`], [`connect_pubsub`], then [`NotifierBuilder::start`] |
//! | `ServiceClosedError` | [`NotifyError::Closed`] |
//!
//! # Backpressure
//!
//! A notification is done once libzmq has taken it; nothing comes back.
//! aiozmq writes into an unbounded buffer and never waits; here nothing is
//! buffered outside libzmq:
//!
//! - **Pipeline.** Awaiting a [`Notify`] waits while the PUSH socket is at
//!   its send high-water mark (`SNDHWM`, 1000 messages by default, per
//!   peer): when the PULL peers do not keep up, or when there is no peer.
//!   A client that *connects* queues up to the HWM for the connection even
//!   before a server is up, then waits; a client that *binds* with no peer
//!   connected waits at once. Use [`Notify::try_send`] to fail instead
//!   ([`NotifyError::Full`]) rather than wait, or put a time limit around
//!   the await (the future is cancel safe).
//! - **Pub-sub.** A PUB socket never waits: libzmq drops what a subscriber
//!   at its HWM cannot take, and everything while nobody is subscribed, so
//!   awaiting a publication completes at once. Subscriptions take a moment
//!   to reach a publisher (the slow joiner, see [`serve_pubsub`]).
//!
//! [`serve_pubsub`]: crate::serve_pubsub

use std::fmt;
use std::future::IntoFuture;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;
use zmq_core::runtime::BoxFuture;
use zmq_core::{Multipart, Socket, SocketType};

use crate::client::Arguments;
use crate::error::{NotifyError, ServiceError};
use crate::security::{SocketSetup, security_methods};
use crate::server::{Pipeline, PubSub, open_socket};
use crate::shutdown::Shutdown;

/// Starts building a pipeline client (aiozmq's `connect_pipeline`): a PUSH
/// socket that sends notifications to [`serve_pipeline`] servers (spread
/// round-robin over every connected server). Give it endpoints, then
/// [`NotifierBuilder::start`] it.
///
/// [`serve_pipeline`]: crate::serve_pipeline
///
/// # Examples
///
/// See [`serve_pipeline`](crate::serve_pipeline).
pub fn connect_pipeline() -> NotifierBuilder<Pipeline> {
    NotifierBuilder::new(SocketType::PUSH)
}

/// Starts building a pub-sub client (aiozmq's `connect_pubsub`): a PUB
/// socket that publishes notifications to every subscribed
/// [`serve_pubsub`] server. Give it endpoints, then
/// [`NotifierBuilder::start`] it.
///
/// [`serve_pubsub`]: crate::serve_pubsub
///
/// # Examples
///
/// See [`serve_pubsub`](crate::serve_pubsub).
pub fn connect_pubsub() -> NotifierBuilder<PubSub> {
    NotifierBuilder::new(SocketType::PUB)
}

/// Options of a pipeline or pub-sub client; made by [`connect_pipeline`]
/// or [`connect_pubsub`].
///
/// # Examples
///
/// ```
/// let client = zmq_rpc::connect_pipeline()
///     .bind("tcp://127.0.0.1:*")
///     .start()?;
/// assert_eq!(client.endpoints().len(), 1);
/// # Ok::<(), zmq_rpc::ServiceError>(())
/// ```
#[must_use = "a client starts only with `start`"]
pub struct NotifierBuilder<P> {
    socket_type: SocketType,
    binds: Vec<String>,
    connects: Vec<String>,
    socket: Option<Socket>,
    setup: SocketSetup,
    pattern: PhantomData<fn() -> P>,
}

impl<P> NotifierBuilder<P> {
    fn new(socket_type: SocketType) -> NotifierBuilder<P> {
        NotifierBuilder {
            socket_type,
            binds: Vec::new(),
            connects: Vec::new(),
            socket: None,
            setup: SocketSetup::client(),
            pattern: PhantomData,
        }
    }

    /// Connects to `endpoint` on start.
    ///
    /// # Examples
    ///
    /// See [`serve_pipeline`](crate::serve_pipeline).
    pub fn connect(mut self, endpoint: impl Into<String>) -> NotifierBuilder<P> {
        self.connects.push(endpoint.into());
        self
    }

    /// Binds to `endpoint` on start (see [`Notifier::endpoints`]).
    ///
    /// # Examples
    ///
    /// See [`NotifierBuilder`].
    pub fn bind(mut self, endpoint: impl Into<String>) -> NotifierBuilder<P> {
        self.binds.push(endpoint.into());
        self
    }

    /// Sends over this socket instead of a new one: a PUSH for pipeline, a
    /// PUB for pub-sub.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::zmq_core::{Socket, SocketType};
    ///
    /// let push = Socket::new(SocketType::PUSH)?;
    /// push.set_sndhwm(10)?;
    /// let client = zmq_rpc::connect_pipeline().socket(push).start()?;
    /// # drop(client);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn socket(mut self, socket: Socket) -> NotifierBuilder<P> {
        self.socket = Some(socket);
        self
    }

    /// Creates (or takes) the socket, binds and connects it. No task is
    /// started: a notification is sent by the future that sends it.
    ///
    /// # Examples
    ///
    /// See [`NotifierBuilder`].
    pub fn start(self) -> Result<Notifier<P>, ServiceError> {
        let (socket, endpoints) = open_socket(
            self.socket,
            self.socket_type,
            &self.setup,
            &[],
            &self.binds,
            &self.connects,
        )?;
        Ok(Notifier {
            shared: Arc::new(NotifierShared {
                socket,
                endpoints,
                shutdown: Shutdown::default(),
            }),
            pattern: PhantomData,
        })
    }
}

impl<P> NotifierBuilder<P> {
    security_methods!(NotifierBuilder<P>, "zmq_rpc::connect_pipeline()");
}

impl<P> fmt::Debug for NotifierBuilder<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NotifierBuilder")
            .field("socket_type", &self.socket_type)
            .field("binds", &self.binds)
            .field("connects", &self.connects)
            .field("setup", &self.setup)
            .finish_non_exhaustive()
    }
}

struct NotifierShared {
    socket: Socket,
    endpoints: Vec<String>,
    shutdown: Shutdown,
}

/// A running pipeline or pub-sub client: [`PipelineClient`] or
/// [`PubSubClient`]. Cheap to clone: clones share the socket. The socket is
/// closed by [`Notifier::close`], or when the last clone (and the last
/// notification in flight) is dropped.
///
/// # Examples
///
/// See [`serve_pipeline`](crate::serve_pipeline).
pub struct Notifier<P> {
    shared: Arc<NotifierShared>,
    pattern: PhantomData<fn() -> P>,
}

/// A running pipeline client, from [`connect_pipeline`].
///
/// # Examples
///
/// See [`serve_pipeline`](crate::serve_pipeline).
pub type PipelineClient = Notifier<Pipeline>;
/// A running pub-sub client, from [`connect_pubsub`].
///
/// # Examples
///
/// See [`serve_pubsub`](crate::serve_pubsub).
pub type PubSubClient = Notifier<PubSub>;

impl<P> Clone for Notifier<P> {
    fn clone(&self) -> Notifier<P> {
        Notifier {
            shared: Arc::clone(&self.shared),
            pattern: PhantomData,
        }
    }
}

impl<P> Notifier<P> {
    /// The resolved endpoints it bound.
    ///
    /// # Examples
    ///
    /// See [`NotifierBuilder`].
    pub fn endpoints(&self) -> &[String] {
        &self.shared.endpoints
    }

    /// The socket (aiozmq's `client.transport`), or [`ServiceError::Closed`]
    /// after [`Notifier::close`].
    ///
    /// # Examples
    ///
    /// ```
    /// let client = zmq_rpc::connect_pubsub().start()?;
    /// assert!(client.socket().is_ok());
    /// client.close();
    /// assert!(client.socket().is_err());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn socket(&self) -> Result<&Socket, ServiceError> {
        self.shared.shutdown.open(&self.shared.socket)
    }

    /// Closes the client: notifications waiting for room fail with
    /// [`NotifyError::Closed`], new ones fail at once with it, the socket
    /// is closed (libzmq still delivers what it took, within the socket's
    /// linger period). Idempotent.
    ///
    /// # Examples
    ///
    /// ```
    /// # smol::block_on(async {
    /// let client = zmq_rpc::connect_pipeline().start()?;
    /// client.close();
    /// assert!(client.is_closed());
    /// let err = client.notify("f").await.unwrap_err();
    /// assert!(matches!(err, zmq_rpc::NotifyError::Closed));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn close(&self) {
        self.shared.shutdown.close_with(&self.shared.socket);
    }

    /// True once [`Notifier::close`] was called.
    ///
    /// # Examples
    ///
    /// See [`Notifier::close`].
    pub fn is_closed(&self) -> bool {
        self.shared.shutdown.is_closed()
    }

    /// Completes once the client is closed; at once if it is.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: it only waits.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = zmq_rpc::connect_pubsub().start()?;
    /// client.close();
    /// futures_lite::future::block_on(client.wait_closed());
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub async fn wait_closed(&self) {
        self.shared.shutdown.closed().await;
    }

    fn notification(&self, topic: Option<Vec<u8>>, name: String) -> Notify {
        Notify {
            shared: Arc::clone(&self.shared),
            topic,
            name,
            arguments: Arguments::default(),
        }
    }
}

impl Notifier<Pipeline> {
    /// A notification calling the method `name` (dotted for namespaces);
    /// add arguments with [`Notify::arg`] and [`Notify::kwarg`], then await
    /// it (or [`Notify::try_send`] it). It goes out as the three frames
    /// `[name, args, kwargs]` to one of the connected servers.
    ///
    /// # Examples
    ///
    /// See [`serve_pipeline`](crate::serve_pipeline).
    pub fn notify(&self, name: impl Into<String>) -> Notify {
        self.notification(None, name.into())
    }
}

impl Notifier<PubSub> {
    /// Publishes on `topic`: text, bytes, or `""` for no topic (Python's
    /// `publish(None)`, an empty topic frame). Subscribers whose topic is a
    /// prefix of it receive what [`Publish::notify`] sends.
    ///
    /// # Examples
    ///
    /// See [`serve_pubsub`](crate::serve_pubsub).
    pub fn publish(&self, topic: impl AsRef<[u8]>) -> Publish {
        Publish {
            client: self.clone(),
            topic: topic.as_ref().to_vec(),
        }
    }
}

impl<P> fmt::Debug for Notifier<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifier")
            .field("socket_type", &self.shared.socket.socket_type())
            .field("endpoints", &self.shared.endpoints)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

/// A topic to publish on; made by [`Notifier::publish`].
///
/// # Examples
///
/// See [`serve_pubsub`](crate::serve_pubsub).
#[must_use = "a publication sends nothing until `notify` is awaited"]
#[derive(Debug, Clone)]
pub struct Publish {
    client: PubSubClient,
    topic: Vec<u8>,
}

impl Publish {
    /// A notification calling the method `name` on every subscribed server,
    /// sent as the four frames `[topic, name, args, kwargs]`.
    ///
    /// # Examples
    ///
    /// See [`serve_pubsub`](crate::serve_pubsub).
    pub fn notify(self, name: impl Into<String>) -> Notify {
        self.client.notification(Some(self.topic), name.into())
    }
}

/// One notification being put together: await it to send it (see the
/// [module docs](self) on backpressure), or [`Notify::try_send`] it.
///
/// # Cancel safety
///
/// The future is cancel safe: dropped before it completes, it sent
/// nothing (libzmq takes a whole message or none of it).
///
/// # Examples
///
/// See [`serve_pipeline`](crate::serve_pipeline).
#[must_use = "a notification does nothing until awaited or sent"]
pub struct Notify {
    shared: Arc<NotifierShared>,
    topic: Option<Vec<u8>>,
    name: String,
    arguments: Arguments,
}

impl Notify {
    /// Appends a positional argument.
    ///
    /// # Examples
    ///
    /// See [`serve_pipeline`](crate::serve_pipeline).
    pub fn arg(mut self, value: impl Serialize) -> Notify {
        self.arguments.push_arg(value);
        self
    }

    /// Adds a keyword argument.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = zmq_rpc::connect_pipeline().start()?;
    /// let notification = client.notify("remote").arg(1).kwarg("b", 2);
    /// # drop(notification);
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn kwarg(mut self, name: impl Into<String>, value: impl Serialize) -> Notify {
        self.arguments.push_kwarg(name.into(), value);
        self
    }

    /// Sends the notification if the socket can take it now; never waits.
    /// At the send high-water mark (or with no pipeline peer) it fails
    /// with [`NotifyError::Full`] and nothing is sent.
    ///
    /// # Examples
    ///
    /// ```
    /// use zmq_rpc::NotifyError;
    ///
    /// // Bound, and no server connected: nowhere to put it.
    /// let client = zmq_rpc::connect_pipeline().bind("tcp://127.0.0.1:*").start()?;
    /// let err = client.notify("f").try_send().unwrap_err();
    /// assert!(matches!(err, NotifyError::Full));
    /// # Ok::<(), zmq_rpc::ServiceError>(())
    /// ```
    pub fn try_send(self) -> Result<(), NotifyError> {
        let shared = Arc::clone(&self.shared);
        let frames = self.into_frames()?;
        shared.socket.try_send(frames).map_err(|failed| {
            if failed.error.is_would_block() {
                NotifyError::Full
            } else {
                socket_error(failed.error)
            }
        })
    }

    fn into_frames(self) -> Result<Multipart, NotifyError> {
        if self.shared.shutdown.is_closed() {
            return Err(NotifyError::Closed);
        }
        if self.name.is_empty() {
            return Err(NotifyError::EmptyName);
        }
        let arguments = self.arguments.into_encoded()?;
        let (name, args, kwargs) = (self.name.as_bytes(), arguments.args(), arguments.kwargs());
        Ok(match self.topic {
            None => Multipart::from([name, args, kwargs]),
            Some(topic) => Multipart::from([&topic[..], name, args, kwargs]),
        })
    }
}

fn socket_error(error: zmq_core::Error) -> NotifyError {
    match error {
        zmq_core::Error::Closed => NotifyError::Closed,
        other => NotifyError::Socket(other),
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify")
            .field("topic", &self.topic)
            .field("name", &self.name)
            .field("arguments", &self.arguments)
            .finish_non_exhaustive()
    }
}

impl IntoFuture for Notify {
    type Output = Result<(), NotifyError>;
    type IntoFuture = BoxFuture<'static, Result<(), NotifyError>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let shared = Arc::clone(&self.shared);
            let frames = self.into_frames()?;
            shared
                .socket
                .send(frames)
                .await
                .map_err(|failed| socket_error(failed.error))
        })
    }
}
