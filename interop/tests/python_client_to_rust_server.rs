//! Python aiozmq client (and raw pyzmq frames) → Rust `rpc_interop_server`.
//!
//! Every case of `interop/python/rpc_client_cases.py` and
//! `interop/python/malformed.py` runs against the Rust example server, and
//! once against the aiozmq server with the same contract
//! (`rpc_server.py`), which proves that the expectations in the scripts
//! are aiozmq's own behaviour. The malformed PUSH and PUB frames go to the
//! Rust servers only (aiozmq's pipeline and pub-sub servers stop receiving
//! for good after one, wire spec section 9).

use zmq_interop::{InteropEnv, Peer, interop_env, report_cases};

fn run_script_against(env: &InteropEnv, server: Peer, script: &str) -> Result<usize, String> {
    let mut client = Peer::python_cases(env, script, &[server.endpoint()])?;
    let passed = client.expect_all_cases_pass()?;
    drop(server);
    Ok(passed)
}

#[test]
fn aiozmq_client_cases_against_rust_server() {
    let Some(env) = interop_env("aiozmq_client_cases_against_rust_server") else {
        return;
    };
    report_cases(
        Peer::rust_server(&env).and_then(|s| run_script_against(&env, s, "rpc_client_cases.py")),
    );
}

#[test]
fn aiozmq_client_cases_against_aiozmq_server_baseline() {
    let Some(env) = interop_env("aiozmq_client_cases_against_aiozmq_server_baseline") else {
        return;
    };
    report_cases(
        Peer::python(&env, "rpc_server.py", &[])
            .and_then(|s| run_script_against(&env, s, "rpc_client_cases.py")),
    );
}

#[test]
fn malformed_frames_against_rust_server() {
    let Some(env) = interop_env("malformed_frames_against_rust_server") else {
        return;
    };
    // Also bad PUSH and PUB frames: the Rust pipeline and pub-sub servers
    // drop them and keep serving (aiozmq's stop receiving for good).
    report_cases(Peer::rust_server(&env).and_then(|mut server| {
        let notify = server.notify_endpoints()?;
        let mut client = Peer::python_cases(
            &env,
            "malformed.py",
            &[
                server.endpoint(),
                "--pipeline",
                &notify.pipeline,
                "--pubsub",
                &notify.pubsub,
            ],
        )?;
        let passed = client.expect_all_cases_pass()?;
        drop(server);
        Ok(passed)
    }));
}

#[test]
fn malformed_frames_against_aiozmq_server_baseline() {
    let Some(env) = interop_env("malformed_frames_against_aiozmq_server_baseline") else {
        return;
    };
    report_cases(
        Peer::python(&env, "rpc_server.py", &[])
            .and_then(|s| run_script_against(&env, s, "malformed.py")),
    );
}
