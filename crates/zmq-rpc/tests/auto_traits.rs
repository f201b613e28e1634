//! The public types and futures that tasks hold are `Send` (and the shared
//! handles `Sync`), so they work on multi-thread executors.

use std::future::{Future, IntoFuture};

use static_assertions::assert_impl_all;
use zmq_rpc::server::{Pipeline, PubSub};
use zmq_rpc::{
    Call, CallError, ClientBuilder, ErrorBody, ErrorTable, Handlers, NotifierBuilder, Notify,
    NotifyError, PipelineClient, PipelineServer, PubSubClient, PubSubServer, Publish, RemoteError,
    RpcClient, RpcServer, ServerBuilder, ServiceError,
};

assert_impl_all!(RpcClient: Send, Sync, Clone);
assert_impl_all!(RpcServer: Send, Sync);
assert_impl_all!(ClientBuilder: Send);
assert_impl_all!(ServerBuilder: Send);
assert_impl_all!(ServerBuilder<Pipeline>: Send);
assert_impl_all!(ServerBuilder<PubSub>: Send);
assert_impl_all!(PipelineServer: Send, Sync);
assert_impl_all!(PubSubServer: Send, Sync);
assert_impl_all!(NotifierBuilder<Pipeline>: Send);
assert_impl_all!(PipelineClient: Send, Sync, Clone);
assert_impl_all!(PubSubClient: Send, Sync, Clone);
assert_impl_all!(Publish: Send, Sync);
assert_impl_all!(Notify: Send);
assert_impl_all!(<Notify as IntoFuture>::IntoFuture: Send);
assert_impl_all!(NotifyError: Send, Sync, std::error::Error);
assert_impl_all!(Handlers: Send, Sync);
assert_impl_all!(ErrorTable: Send, Sync, Clone);
assert_impl_all!(Call<i64>: Send);
assert_impl_all!(<Call<i64> as IntoFuture>::IntoFuture: Send);
assert_impl_all!(CallError: Send, Sync, std::error::Error);
assert_impl_all!(RemoteError: Send, Sync, std::error::Error);
assert_impl_all!(ServiceError: Send, Sync, std::error::Error);
assert_impl_all!(ErrorBody: Send, Sync);

fn is_send<F: Future + Send>(_: &F) {}

#[test]
fn wait_closed_futures_are_send() {
    let runtime = std::sync::Arc::new(zmq_runtime_smol::SmolRuntime::global());
    let server = zmq_rpc::serve_rpc(Handlers::new())
        .start(runtime.clone())
        .unwrap();
    let client = zmq_rpc::connect_rpc().start(runtime).unwrap();
    is_send(&server.wait_closed());
    is_send(&client.wait_closed());
    server.close();
    client.close();
}
