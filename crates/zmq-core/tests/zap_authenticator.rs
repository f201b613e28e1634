//! The ZAP authenticator against real sockets, under every executor: CURVE
//! key lists, PLAIN password tables, IP allow and deny lists, runtime
//! reloads, the callback hook, malformed requests, and the refusals'
//! monitor events.
//!
//! Each case has a context of its own: there is one authenticator per
//! context, and the cases run in parallel.

use std::time::{Duration, Instant};

use zmq_core::curve::{CurveKey, CurveKeyPair};
use zmq_core::zap::{
    ZAP_ENDPOINT, ZapAuthenticator, ZapDecision, ZapError, ZapMechanism, ZapPolicy,
};
use zmq_core::{Context, EventMask, MonitorEvent, MonitorEvents, Multipart, Socket, SocketType};
use zmq_test_support::{Rt, TestResult, Transport, WAIT, on_every_executor, timeout, within};

/// How long a refused client's message is given to (wrongly) arrive.
const NOTHING_ARRIVES: Duration = Duration::from_millis(300);

/// How often a refused client tries again (libzmq's default is 100 ms):
/// fewer stale failure events between the steps of a case.
const RETRY: Duration = Duration::from_secs(1);

/// A ROUTER server in `context` whose monitor reports handshake outcomes.
struct Server {
    context: Context,
    socket: Socket,
    events: MonitorEvents,
    endpoint: String,
    /// The server's public key, for a CURVE server.
    curve_public: Option<CurveKey>,
}

impl Server {
    fn bind(
        context: &Context,
        transport: Transport,
        setup: impl FnOnce(&Socket) -> zmq_core::Result<()>,
    ) -> Result<Server, zmq_core::Error> {
        let socket = context.socket(SocketType::ROUTER)?;
        setup(&socket)?;
        let mask: EventMask = [
            MonitorEvent::HandshakeSucceeded,
            MonitorEvent::HandshakeFailedAuth,
            MonitorEvent::HandshakeFailedNoDetail,
            MonitorEvent::HandshakeFailedProtocol,
        ]
        .into_iter()
        .collect();
        socket.enable_monitor(Some(mask))?;
        let events = socket.monitor_events()?;
        let endpoint = socket.bind(&transport.endpoint())?;
        Ok(Server {
            context: context.clone(),
            socket,
            events,
            endpoint,
            curve_public: None,
        })
    }

    fn curve(context: &Context, keys: &CurveKeyPair) -> Result<Server, zmq_core::Error> {
        let mut server = Server::bind(context, Transport::Tcp, |socket| {
            socket.set_curve_server_keys(keys)
        })?;
        server.curve_public = Some(keys.public);
        Ok(server)
    }

    /// A CURVE client with `keys` that knows this (CURVE) server's key.
    fn curve_client(&self, keys: &CurveKeyPair) -> Result<Socket, zmq_core::Error> {
        let server_public = self.curve_public.expect("a CURVE server");
        curve_client(&self.context, keys, &server_public, &self.endpoint)
    }

    /// The next handshake event, bounded in time.
    async fn next_event(&mut self) -> Result<zmq_core::SocketEvent, String> {
        match within(WAIT, "a handshake event", self.events.next()).await? {
            Some(Ok(event)) => Ok(event),
            Some(Err(error)) => Err(error.to_string()),
            None => Err("the monitor stream ended".into()),
        }
    }

    /// A client's `body` reaches the server (and the handshake event says
    /// it succeeded).
    async fn admits(&mut self, client: &Socket, body: &str) -> TestResult {
        within(WAIT, "queueing a message", client.send(body)).await??;
        let received = within(WAIT, "the admitted client's message", self.socket.recv()).await??;
        assert_eq!(received[1], body);
        // A refused client of an earlier step may still have a failure
        // event queued: skip those, up to the success.
        loop {
            let event = self.next_event().await?;
            match event.event {
                MonitorEvent::HandshakeSucceeded => return Ok(()),
                MonitorEvent::HandshakeFailedAuth => continue,
                _ => return Err(format!("unexpected event {event:?}").into()),
            }
        }
    }

    /// A client is refused: the server's monitor reports an authentication
    /// failure with status 400, and its message never arrives. The client is
    /// closed afterwards (no more retries).
    async fn refuses(&mut self, client: Socket) -> TestResult {
        within(WAIT, "queueing a message", client.send("must not arrive")).await??;
        let event = self.next_event().await?;
        assert_eq!(event.event, MonitorEvent::HandshakeFailedAuth, "{event:?}");
        assert_eq!(event.value, 400, "{event:?}");
        let leaked = timeout(NOTHING_ARRIVES, self.socket.recv()).await;
        assert!(
            leaked.is_none(),
            "a refused client's message arrived: {leaked:?}"
        );
        Ok(())
    }
}

/// A DEALER in `context`, set up by `security`, connected to `endpoint`.
fn client(
    context: &Context,
    endpoint: &str,
    security: impl FnOnce(&Socket) -> zmq_core::Result<()>,
) -> Result<Socket, zmq_core::Error> {
    let client = context.socket(SocketType::DEALER)?;
    client.set_linger(Some(Duration::ZERO))?;
    client.set_reconnect_interval(Some(RETRY))?;
    security(&client)?;
    client.connect(endpoint)?;
    Ok(client)
}

fn curve_client(
    context: &Context,
    keys: &CurveKeyPair,
    server: &CurveKey,
    endpoint: &str,
) -> Result<Socket, zmq_core::Error> {
    client(context, endpoint, |socket| {
        socket.set_curve_client_keys(keys, server)
    })
}

fn plain_client(
    context: &Context,
    username: &str,
    password: &str,
    endpoint: &str,
) -> Result<Socket, zmq_core::Error> {
    client(context, endpoint, |socket| {
        socket.set_plain_client(username, password)
    })
}

fn null_client(context: &Context, endpoint: &str) -> Result<Socket, zmq_core::Error> {
    client(context, endpoint, |_| Ok(()))
}

/// A fresh context, an authenticator in it with `policy`, and a CURVE
/// server.
fn curve_case(
    rt: Rt,
    policy: ZapPolicy,
) -> Result<(ZapAuthenticator, Server), Box<dyn std::error::Error + Send + Sync>> {
    let context = Context::new();
    let auth = start(rt, &context, policy)?;
    let server = Server::curve(&context, &CurveKeyPair::generate()?)?;
    Ok((auth, server))
}

fn start(rt: Rt, context: &Context, policy: ZapPolicy) -> Result<ZapAuthenticator, ZapError> {
    ZapAuthenticator::start(context, policy, rt.runtime())
}

on_every_executor! {
    async fn curve_unlisted_key_is_refused_with_an_auth_event_and_listed_key_passes(rt) {
        let (listed, unlisted) = (CurveKeyPair::generate()?, CurveKeyPair::generate()?);
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().allow_curve_key(listed.public);
        let (auth, mut server) = curve_case(rt, policy)?;

        let intruder = server.curve_client(&unlisted)?;
        server.refuses(intruder).await?;

        let friend = server.curve_client(&listed)?;
        server.admits(&friend, "listed").await?;
        let stats = auth.stats();
        assert!(stats.denied >= 1 && stats.allowed == 1, "{stats:?}");
        auth.close();
        Ok(())
    }

    async fn curve_any_key_mode_admits_an_unknown_key(rt) {
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().allow_any_curve_key(true);
        let (auth, mut server) = curve_case(rt, policy)?;
        let client = server.curve_client(&CurveKeyPair::generate()?)?;
        server.admits(&client, "anyone").await?;
        auth.close();
        Ok(())
    }

    async fn plain_wrong_password_and_unknown_user_are_refused_right_password_passes(rt) {
        let context = Context::new();
        let mut policy = ZapPolicy::new();
        policy.domain_mut("users").add_plain_user("admin", "secret");
        let auth = start(rt, &context, policy)?;
        let mut server = Server::bind(&context, Transport::Tcp, |socket| {
            socket.set_plain_server(true)?;
            socket.set_zap_domain("users")
        })?;

        let wrong = plain_client(&context, "admin", "guess", &server.endpoint)?;
        server.refuses(wrong).await?;
        let unknown = plain_client(&context, "mallory", "secret", &server.endpoint)?;
        server.refuses(unknown).await?;
        let right = plain_client(&context, "admin", "secret", &server.endpoint)?;
        server.admits(&right, "credentials ok").await?;
        auth.close();
        Ok(())
    }

    async fn plain_over_ipc_checks_the_table_too(rt) {
        let context = Context::new();
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().add_plain_user("local", "pw");
        let auth = start(rt, &context, policy)?;
        let mut server = Server::bind(&context, Transport::Ipc, |socket| socket.set_plain_server(true))?;
        let wrong = plain_client(&context, "local", "nope", &server.endpoint)?;
        server.refuses(wrong).await?;
        let right = plain_client(&context, "local", "pw", &server.endpoint)?;
        server.admits(&right, "over ipc").await?;
        auth.close();
        Ok(())
    }

    async fn ip_deny_list_refuses_loopback_even_for_null(rt) {
        let context = Context::new();
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().deny([127, 0, 0, 1]);
        let auth = start(rt, &context, policy)?;
        // NULL is checked by libzmq only when the server has a ZAP domain.
        let mut server = Server::bind(&context, Transport::Tcp, |socket| socket.set_zap_domain("net"))?;
        let client = null_client(&context, &server.endpoint)?;
        server.refuses(client).await?;
        auth.close();
        Ok(())
    }

    async fn ip_allow_list_without_loopback_refuses_and_with_it_admits(rt) {
        let context = Context::new();
        let mut policy = ZapPolicy::new();
        policy.domain_mut("net").allow([10, 9, 8, 7]);
        let auth = start(rt, &context, policy)?;
        let mut server = Server::bind(&context, Transport::Tcp, |socket| socket.set_zap_domain("net"))?;
        let client = null_client(&context, &server.endpoint)?;
        server.refuses(client).await?;

        auth.update(|policy| {
            policy.domain_mut("net").allow([127, 0, 0, 1]);
        });
        let client = null_client(&context, &server.endpoint)?;
        server.admits(&client, "allowed address").await?;
        auth.close();
        Ok(())
    }

    async fn policy_reload_applies_to_the_next_connection(rt) {
        let client_keys = CurveKeyPair::generate()?;
        let (auth, mut server) = curve_case(rt, ZapPolicy::new())?;

        let early = server.curve_client(&client_keys)?;
        server.refuses(early).await?;

        auth.allow_curve_key(client_keys.public);
        let admitted = server.curve_client(&client_keys)?;
        server.admits(&admitted, "after reload").await?;

        // Revoking the key refuses the next connection (the admitted one
        // keeps its session).
        let mut revoked = ZapPolicy::new();
        revoked.default_domain_mut().allow_null(false);
        auth.set_policy(revoked);
        let late = server.curve_client(&client_keys)?;
        server.refuses(late).await?;
        auth.close();
        Ok(())
    }

    async fn callback_decides_before_the_tables(rt) {
        let (vip, other) = (CurveKeyPair::generate()?, CurveKeyPair::generate()?);
        let vip_key = vip.public;
        let mut policy = ZapPolicy::new();
        // The table admits `other`; the callback overrides it and admits
        // `vip`, which is in no table.
        policy.default_domain_mut().allow_curve_key(other.public);
        policy.set_callback(move |request| match &request.mechanism {
            ZapMechanism::Curve { public_key } if *public_key == vip_key => {
                ZapDecision::Allow { user_id: Some("vip".into()) }
            }
            ZapMechanism::Curve { .. } => ZapDecision::deny("not a vip"),
            _ => ZapDecision::Defer,
        });
        let (auth, mut server) = curve_case(rt, policy)?;

        let refused = server.curve_client(&other)?;
        server.refuses(refused).await?;
        let admitted = server.curve_client(&vip)?;
        server.admits(&admitted, "vip").await?;
        auth.close();
        Ok(())
    }

    async fn async_callback_decides_and_defer_falls_back_to_the_tables(rt) {
        let context = Context::new();
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().add_plain_user("table", "pw");
        policy.set_async_callback(|request| async move {
            zmq_test_support::sleep(Duration::from_millis(5)).await;
            match request.mechanism {
                ZapMechanism::Plain { username, password } if username == "hook" => {
                    if password == "hook-pw" { ZapDecision::allow() } else { ZapDecision::deny("bad hook") }
                }
                _ => ZapDecision::Defer,
            }
        });
        let auth = start(rt, &context, policy)?;
        let mut server = Server::bind(&context, Transport::Tcp, |socket| socket.set_plain_server(true))?;
        let hooked = plain_client(&context, "hook", "hook-pw", &server.endpoint)?;
        server.admits(&hooked, "by the hook").await?;
        let table = plain_client(&context, "table", "pw", &server.endpoint)?;
        server.admits(&table, "by the table").await?;
        let wrong = plain_client(&context, "hook", "nope", &server.endpoint)?;
        server.refuses(wrong).await?;
        auth.close();
        Ok(())
    }

    async fn panicking_callback_is_answered_500_and_the_authenticator_keeps_serving(rt) {
        let client_keys = CurveKeyPair::generate()?;
        let mut policy = ZapPolicy::new();
        policy.set_callback(|_| panic!("callback bug (expected by the test)"));
        let (auth, mut server) = curve_case(rt, policy)?;
        let client = server.curve_client(&client_keys)?;
        within(WAIT, "queueing a message", client.send("must not arrive")).await??;
        let event = server.next_event().await?;
        assert_eq!((event.event, event.value), (MonitorEvent::HandshakeFailedAuth, 500));
        client.close();

        auth.update(|policy| {
            policy.clear_callback().default_domain_mut().allow_curve_key(client_keys.public);
        });
        let client = server.curve_client(&client_keys)?;
        within(WAIT, "queueing a message", client.send("after the panic")).await??;
        let received = within(WAIT, "a message after the panic", server.socket.recv()).await??;
        assert_eq!(received[1], "after the panic");
        assert!(auth.stats().failed >= 1);
        auth.close();
        Ok(())
    }

    async fn malformed_zap_requests_get_500_or_are_dropped_and_serving_goes_on(rt) {
        let client_keys = CurveKeyPair::generate()?;
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().allow_curve_key(client_keys.public);
        let (auth, mut server) = curve_case(rt, policy)?;

        let raw = server.context.socket(SocketType::DEALER)?;
        raw.set_linger(Some(Duration::ZERO))?;
        raw.connect(ZAP_ENDPOINT)?;
        let cases: &[&[&[u8]]] = &[
            &[b"no delimiter"],
            &[b"", b"1.0"],
            &[b"", b"1.0", b"7"],
            &[b"", b"9.9", b"8", b"d", b"127.0.0.1", b"", b"NULL"],
            &[b"", b"1.0", b"9", b"d", b"127.0.0.1", b"", b"CURVE", b"short key"],
            &[b"", b"1.0", b"10", b"d", b"127.0.0.1", b"", b"PLAIN", b"only user"],
            &[b"", b"1.0", b"11", b"\xff\xfe", b"\xff", b"\xff", b"NULL"],
        ];
        for frames in cases {
            let message: Multipart = frames.iter().map(|frame| frame.to_vec()).collect();
            within(WAIT, "a raw request", raw.send(message)).await??;
        }
        // The addressable ones are answered 500, in order; the others
        // dropped. The last one is well formed (odd bytes): NULL is allowed.
        for (request_id, status) in [("7", "500"), ("8", "500"), ("9", "500"), ("10", "500"), ("11", "200")] {
            let reply = within(WAIT, "a reply to a raw request", raw.recv()).await??;
            assert_eq!(reply.len(), 7, "{reply:?}");
            assert_eq!(reply[0], "");
            assert_eq!(reply[1], "1.0");
            assert_eq!(reply[2], request_id);
            assert_eq!(reply[3], status, "{reply:?}");
        }
        let stats = auth.stats();
        assert_eq!((stats.malformed, stats.requests, stats.allowed), (6, 1, 1), "{stats:?}");

        // Still serving real handshakes.
        let client = server.curve_client(&client_keys)?;
        server.admits(&client, "still serving").await?;
        auth.close();
        Ok(())
    }

    async fn second_authenticator_in_a_context_is_a_typed_error_until_the_first_closes(rt) {
        let context = Context::new();
        let (first, driver) = ZapAuthenticator::bind(&context, ZapPolicy::new())?;
        let finished = rt.spawn(driver);
        assert!(matches!(
            ZapAuthenticator::bind(&context, ZapPolicy::new()),
            Err(ZapError::AlreadyRunning)
        ));
        // Another context has its own endpoint.
        let elsewhere = start(rt, &Context::new(), ZapPolicy::new())?;
        elsewhere.close();

        // Dropping the last handle stops the driver and frees the endpoint.
        let clone = first.clone();
        drop(first);
        assert!(!clone.is_closed());
        drop(clone);
        within(WAIT, "the driver to end", finished).await?;
        let second = start(rt, &context, ZapPolicy::new())?;
        assert!(!second.is_closed());
        second.close();
        Ok(())
    }

    async fn wrong_server_key_and_missing_curve_show_as_protocol_failures_on_the_server(rt) {
        // Not the authenticator's doing: libzmq refuses these before ZAP
        // is asked, and the server's monitor tells them apart from an
        // authentication failure.
        let mut policy = ZapPolicy::new();
        policy.default_domain_mut().allow_any_curve_key(true);
        let (auth, mut server) = curve_case(rt, policy)?;
        let impostor = CurveKeyPair::generate()?.public;
        for wrong_key in [true, false] {
            // Made only now: its failure must not be drained with the
            // previous client's retries.
            let client = if wrong_key {
                curve_client(&server.context, &CurveKeyPair::generate()?, &impostor, &server.endpoint)?
            } else {
                null_client(&server.context, &server.endpoint)?
            };
            within(WAIT, "queueing a message", client.send("must not arrive")).await??;
            let event = server.next_event().await?;
            assert_eq!(event.event, MonitorEvent::HandshakeFailedProtocol, "{event:?}");
            let leaked = timeout(NOTHING_ARRIVES, server.socket.recv()).await;
            assert!(leaked.is_none(), "{leaked:?}");
            client.close();
            // A retry of this client may still be reported: let it pass.
            for _ in 0..10 {
                if timeout(NOTHING_ARRIVES, server.events.next()).await.is_none() {
                    break;
                }
            }
        }
        assert_eq!(auth.stats().requests, 0);
        auth.close();
        Ok(())
    }

    async fn strict_zap_domain_fails_closed_without_an_authenticator(rt) {
        // Without `zap_enforce_domain`, a CURVE server with no ZAP handler
        // admits any key; with it (and a domain) it refuses until an
        // authenticator runs, and again once it is closed.
        let context = Context::new();
        let keys = CurveKeyPair::generate()?;
        // Options reach a listener when it binds: set them first.
        let mut server = Server::bind(&context, Transport::Tcp, |socket| {
            socket.set_curve_server_keys(&keys)?;
            socket.set_zap_domain("strict")?;
            socket.set_zap_enforce_domain(true)
        })?;
        server.curve_public = Some(keys.public);
        let client_keys = CurveKeyPair::generate()?;

        let early = server.curve_client(&client_keys)?;
        within(WAIT, "queueing a message", early.send("must not arrive")).await??;
        let event = server.next_event().await?;
        assert_eq!(event.event, MonitorEvent::HandshakeFailedNoDetail, "{event:?}");
        let leaked = timeout(NOTHING_ARRIVES, server.socket.recv()).await;
        assert!(leaked.is_none(), "{leaked:?}");
        early.close();

        let mut policy = ZapPolicy::new();
        policy.domain_mut("strict").allow_curve_key(client_keys.public);
        let auth = start(rt, &context, policy)?;
        let admitted = server.curve_client(&client_keys)?;
        server.admits(&admitted, "with the authenticator").await?;
        auth.close();

        let late = server.curve_client(&client_keys)?;
        within(WAIT, "queueing a message", late.send("must not arrive")).await??;
        loop {
            let event = server.next_event().await?;
            match event.event {
                MonitorEvent::HandshakeFailedNoDetail => break,
                // A retry of the first client, refused by the authenticator
                // while it ran.
                MonitorEvent::HandshakeFailedAuth => continue,
                _ => return Err(format!("unexpected event {event:?}").into()),
            }
        }
        let leaked = timeout(NOTHING_ARRIVES, server.socket.recv()).await;
        assert!(leaked.is_none(), "{leaked:?}");
        late.close();
        Ok(())
    }

    async fn refusal_latency_is_bounded(rt) {
        // What a refused client costs the server: from connect to the
        // monitor's auth failure. Printed for the record; bounded by WAIT.
        let (auth, mut server) = curve_case(rt, ZapPolicy::new())?;
        let started = Instant::now();
        let client = server.curve_client(&CurveKeyPair::generate()?)?;
        let event = server.next_event().await?;
        assert_eq!(event.event, MonitorEvent::HandshakeFailedAuth);
        eprintln!("{rt:?}: CURVE refusal after {:?}", started.elapsed());
        client.close();
        auth.close();
        Ok(())
    }
}

#[test]
fn handle_is_send_sync_and_driver_is_send() {
    use static_assertions::assert_impl_all;
    assert_impl_all!(ZapAuthenticator: Send, Sync, Clone, std::fmt::Debug);
    assert_impl_all!(zmq_core::zap::ZapDriver: Send, Unpin, std::fmt::Debug);
    assert_impl_all!(ZapPolicy: Send, Sync, Clone, std::fmt::Debug);
    assert_impl_all!(ZapError: Send, Sync, std::error::Error);
    assert_impl_all!(zmq_core::zap::ZapRequest: Send, Sync, Clone, std::fmt::Debug);
}
