//! `zmq_runtime_smol::rpc`: every zmq-rpc builder, and
//! `start_zap_authenticator`: the ZAP authenticator, started on smol's global
//! executor in one call (the scenario is shared with the tokio adapter's
//! test, in zmq-test-support).

use zmq_runtime_smol::rpc::{Handlers, ServiceError, StartOnSmol, serve_rpc};
use zmq_test_support::{Rt, rpc_services_start_in_one_call};

#[test]
fn rpc_pipeline_and_pubsub_start_on_smol_in_one_call() {
    for rt in [Rt::Smol, Rt::BlockOn] {
        zmq_test_support::run(rt, rpc_services_start_in_one_call);
    }
}

#[test]
fn a_bad_endpoint_is_a_service_error() {
    let error = serve_rpc(Handlers::new())
        .bind("no-transport")
        .start_on_smol()
        .expect_err("bad endpoint");
    assert!(matches!(error, ServiceError::Socket(_)), "{error:?}");
}

#[test]
fn zap_authenticator_starts_on_smol_in_one_call() {
    for rt in [Rt::Smol, Rt::BlockOn] {
        zmq_test_support::run(rt, zmq_test_support::zap_authenticator_starts_in_one_call);
    }
}
