//! CURVE against pyzmq (`interop/python/curve_peer.py`), both directions,
//! with keys exchanged as Z85 text: a pyzmq client with a key our ZAP
//! authenticator allows is served and one with an unlisted key is refused;
//! our CURVE client talks to a pyzmq CURVE server whose key pyzmq made.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use zmq_core::curve::{CurveKey, CurveKeyPair};
use zmq_core::zap::{ZapAuthenticator, ZapPolicy};
use zmq_core::{Context, Multipart, Socket, SocketType};
use zmq_interop::{InteropEnv, Peer, STARTUP_WAIT, WAIT, interop_env, messages};
use zmq_runtime_tokio::TokioRuntime;

const REFUSED_BODY: &[u8] = b"must not arrive";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyzmq_curve_client_allowed_key_is_served_and_unlisted_key_refused_by_our_authenticator() {
    let Some(env) = interop_env("curve: pyzmq client vs zmq-core ROUTER + ZAP") else {
        return;
    };
    if let Err(why) = python_client_against_our_server(&env).await {
        panic!("pyzmq CURVE client vs zmq-core: {why}");
    }
}

async fn python_client_against_our_server(env: &InteropEnv) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let context = Context::new();
    let server_keys = CurveKeyPair::generate().map_err(|e| text(&e))?;
    let allowed = CurveKeyPair::generate().map_err(|e| text(&e))?;
    let unlisted = CurveKeyPair::generate().map_err(|e| text(&e))?;
    let mut policy = ZapPolicy::new();
    policy.default_domain_mut().allow_curve_key(allowed.public);
    let runtime = Arc::new(TokioRuntime::try_current().map_err(|e| text(&e))?);
    let auth = ZapAuthenticator::start(&context, policy, runtime).map_err(|e| text(&e))?;

    let router = Arc::new(context.socket(SocketType::ROUTER).map_err(|e| text(&e))?);
    router
        .set_curve_server_keys(&server_keys)
        .map_err(|e| text(&e))?;
    let endpoint = router.bind("tcp://127.0.0.1:*").map_err(|e| text(&e))?;
    let leaked = Arc::new(AtomicUsize::new(0));
    let echo = {
        let (router, leaked) = (Arc::clone(&router), Arc::clone(&leaked));
        tokio::spawn(async move {
            // Ends when the router is closed.
            while let Ok(message) = router.recv().await {
                if message.get(1).is_some_and(|body| body[..] == *REFUSED_BODY) {
                    leaked.fetch_add(1, Ordering::SeqCst);
                }
                if router.send(message).await.is_err() {
                    break;
                }
            }
        })
    };

    let server_public = server_keys.public.to_z85();
    let allowed_secret = allowed.secret.to_z85();
    let unlisted_secret = unlisted.secret.to_z85();
    let args = [
        "client",
        endpoint.as_str(),
        server_public.as_str(),
        allowed_secret.as_str(),
        unlisted_secret.as_str(),
    ];
    let mut peer = Peer::python_cases(env, "curve_peer.py", &args)?;
    let expected_keys = format!(
        "keys {} {}",
        allowed.public.to_z85(),
        unlisted.public.to_z85()
    );
    let outcome = tokio::task::spawn_blocking(move || {
        let keys = peer.next_line(STARTUP_WAIT, "the derived public keys")?;
        if keys != expected_keys {
            return Err(peer.failure(&format!(
                "Z85 disagreement: pyzmq derived {keys:?}, we expected {expected_keys:?}"
            )));
        }
        peer.expect_all_cases_pass()
    })
    .await
    .map_err(|e| format!("the peer's waiter failed: {e}"))?;
    router.close();
    let _ = tokio::time::timeout(WAIT, echo).await;
    let passed = outcome?;
    if passed != 2 {
        return Err(format!("expected 2 passing cases, got {passed}"));
    }
    if leaked.load(Ordering::SeqCst) != 0 {
        return Err("a message of the unlisted key reached the server".into());
    }
    let stats = auth.stats();
    if stats.allowed == 0 || stats.denied == 0 {
        return Err(format!(
            "the authenticator should have allowed and denied: {stats:?}"
        ));
    }
    auth.close();
    Ok(())
}

#[tokio::test]
async fn zmq_core_curve_client_against_pyzmq_curve_server() {
    let Some(env) = interop_env("curve: zmq-core DEALER vs pyzmq ROUTER") else {
        return;
    };
    if let Err(why) = our_client_against_python_server(&env).await {
        panic!("zmq-core CURVE client vs pyzmq: {why}");
    }
}

async fn our_client_against_python_server(env: &InteropEnv) -> Result<(), String> {
    let text = |e: &dyn std::fmt::Display| e.to_string();
    let mut peer = Peer::python(env, "curve_peer.py", &["server"])?;
    let line = peer.next_line(STARTUP_WAIT, "its `key <Z85>` line")?;
    let server_public = line
        .strip_prefix("key ")
        .ok_or_else(|| peer.failure(&format!("expected `key <Z85>`, got {line:?}")))
        .and_then(|z85| {
            CurveKey::from_z85(z85).map_err(|e| peer.failure(&format!("pyzmq's Z85: {e}")))
        })?;
    let dealer = Socket::new(SocketType::DEALER).map_err(|e| text(&e))?;
    dealer
        .set_curve_client_keys(
            &CurveKeyPair::generate().map_err(|e| text(&e))?,
            &server_public,
        )
        .map_err(|e| text(&e))?;
    dealer.connect(peer.endpoint()).map_err(|e| text(&e))?;
    let mut exchange = messages();
    exchange.push(vec![b"END".to_vec()]);
    for (index, message) in exchange.into_iter().enumerate() {
        let sent = tokio::time::timeout(WAIT, dealer.send(Multipart::from(message.clone())))
            .await
            .map_err(|_| format!("message {index}: not sent within {WAIT:?}"))?;
        sent.map_err(|e| format!("message {index}: {e}"))?;
        let echo = tokio::time::timeout(WAIT, dealer.recv())
            .await
            .map_err(|_| peer.failure(&format!("no echo of message {index} within {WAIT:?}")))?
            .map_err(|e| format!("echo {index}: {e}"))?;
        if echo.to_vecs() != message {
            return Err(format!("echo {index} differs from what was sent"));
        }
    }
    let verdict = peer.next_line(WAIT, "the server's verdict")?;
    if !verdict.starts_with("ok ") {
        return Err(peer.failure(&format!("the server reported {verdict:?}")));
    }
    let status = peer.close_and_wait(WAIT)?;
    if !status.success() {
        return Err(peer.failure(&format!("exited with {status}")));
    }
    Ok(())
}
