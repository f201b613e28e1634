//! What the linked libzmq supports, asked at run time.

/// What the linked libzmq was built with: its version, security mechanisms,
/// transports and the DRAFT API.
///
/// NULL and PLAIN security are always there; libzmq has no capability
/// query for them. The workspace's own libzmq build (see "Our libzmq
/// build" in `docs/architecture.md`) has CURVE, DRAFT, ipc and WebSocket.
///
/// # Examples
///
/// ```
/// let caps = zmq_core::capabilities();
/// assert!(caps.curve, "CURVE needs libzmq built with libsodium");
/// assert!(caps.draft, "batch sizes need the DRAFT API");
/// assert!(caps.version >= (4, 3, 5));
/// assert!(caps.live_hwm_changes, "this workspace's libzmq build is patched");
/// println!("{caps:?}");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Capabilities {
    /// libzmq's version: (major, minor, patch).
    pub version: (i32, i32, i32),
    /// CURVE security (`zmq_has("curve")`): libzmq built with libsodium.
    pub curve: bool,
    /// The DRAFT API (`zmq_has("draft")`): options such as
    /// [`Socket::set_in_batch_size`](crate::Socket::set_in_batch_size).
    pub draft: bool,
    /// The `ipc://` transport.
    pub ipc: bool,
    /// The `ws://` transport (WebSocket).
    pub websocket: bool,
    /// The `pgm://` and `epgm://` transports (multicast; needs OpenPGM).
    pub pgm: bool,
    /// The `tipc://` transport.
    pub tipc: bool,
    /// The `norm://` transport.
    pub norm: bool,
    /// GSSAPI (Kerberos) security.
    pub gssapi: bool,
    /// A change of `ZMQ_SNDHWM` or `ZMQ_RCVHWM` on a live connection
    /// takes effect without stalling it (`zmq_has("zmq-async:live-hwm-resync")`):
    /// the fix our libzmq build carries (the source patch
    /// `live-hwm-resync`, "Our libzmq source patches" in
    /// `docs/architecture.md`). Stock libzmq 4.3.5 can stall. Sockets
    /// size their queues by bytes only when this holds (see
    /// [`Socket::set_sndhwm`](crate::Socket::set_sndhwm)).
    pub live_hwm_changes: bool,
}

/// Asks the linked libzmq what it supports (`zmq_version`, `zmq_has`).
///
/// # Examples
///
/// Pick a transport the library has:
///
/// ```
/// let path = std::env::temp_dir().join(format!("zmq-core-doc-{}.ipc", std::process::id()));
/// let endpoint = if zmq_core::capabilities().ipc {
///     format!("ipc://{}", path.display())
/// } else {
///     "tcp://127.0.0.1:*".to_owned()
/// };
/// let socket = zmq_core::Socket::new(zmq_core::SocketType::PULL)?;
/// socket.bind(&endpoint)?;
/// drop(socket);
/// // libzmq leaves a named ipc path's file behind on close.
/// let _ = std::fs::remove_file(&path);
/// # Ok::<(), zmq_core::Error>(())
/// ```
pub fn capabilities() -> Capabilities {
    let has = |capability: &str| zmq::has(capability) == Some(true);
    Capabilities {
        version: zmq::version(),
        curve: has("curve"),
        draft: has("draft"),
        ipc: has("ipc"),
        websocket: has("WS"),
        pgm: has("pgm"),
        tipc: has("tipc"),
        norm: has("norm"),
        gssapi: has("gssapi"),
        live_hwm_changes: has("zmq-async:live-hwm-resync"),
    }
}
