//! `zmq_runtime_tokio::rpc`: every zmq-rpc builder started on the current
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
