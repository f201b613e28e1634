//! `zmq_runtime_tokio::rpc`: every zmq-rpc builder, and
//! `start_zap_authenticator`: the ZAP authenticator, started on the current
//! tokio runtime in one call, on both runtime flavours (the scenario is
//! shared with the smol adapter's test, in zmq-test-support).

use zmq_runtime_tokio::CreateError;
use zmq_runtime_tokio::rpc::{Handlers, StartOnTokio, connect_rpc, serve_rpc};
use zmq_test_support::{Rt, rpc_services_start_in_one_call, tokio_current_thread};

#[test]
fn rpc_pipeline_and_pubsub_start_on_tokio_in_one_call() {
    for rt in [
        Rt::TokioCurrentThread,
        Rt::TokioMultiThread,
        Rt::TokioAsyncIo,
    ] {
        zmq_test_support::run(rt, rpc_services_start_in_one_call);
    }
}

#[test]
fn start_on_tokio_outside_a_runtime_is_an_error() {
    let error = serve_rpc(Handlers::new())
        .start_on_tokio()
        .expect_err("no runtime");
    assert!(matches!(error, CreateError::NoRuntime(_)), "{error:?}");
    let error = connect_rpc().start_on_tokio().expect_err("no runtime");
    assert!(matches!(error, CreateError::NoRuntime(_)), "{error:?}");
}

#[test]
fn a_bad_endpoint_is_a_service_error() {
    tokio_current_thread().block_on(async {
        let error = serve_rpc(Handlers::new())
            .bind("no-transport")
            .start_on_tokio()
            .expect_err("bad endpoint");
        assert!(matches!(error, CreateError::Service(_)), "{error:?}");
    });
}

#[test]
fn zap_authenticator_starts_on_tokio_in_one_call() {
    for rt in [
        Rt::TokioCurrentThread,
        Rt::TokioMultiThread,
        Rt::TokioAsyncIo,
    ] {
        zmq_test_support::run(rt, zmq_test_support::zap_authenticator_starts_in_one_call);
    }
}

#[test]
fn start_zap_authenticator_outside_a_runtime_is_an_error() {
    let context = zmq_runtime_tokio::Context::new();
    let policy = zmq_runtime_tokio::zmq_core::zap::ZapPolicy::new();
    let error =
        zmq_runtime_tokio::start_zap_authenticator(&context, policy).expect_err("no runtime");
    assert!(matches!(error, CreateError::NoRuntime(_)), "{error:?}");
}
