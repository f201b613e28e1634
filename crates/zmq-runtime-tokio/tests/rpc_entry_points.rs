//! `zmq_runtime_tokio::rpc`: every zmq-rpc builder started on the current
//! tokio runtime in one call, on both runtime flavours.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tokio::time::timeout;
use zmq_runtime_tokio::CreateError;
use zmq_runtime_tokio::rpc::{
    Handlers, StartOnTokio, connect_pipeline, connect_pubsub, connect_rpc, serve_pipeline,
    serve_pubsub, serve_rpc,
};

const LIMIT: Duration = Duration::from_secs(30);

fn runtimes() -> [tokio::runtime::Runtime; 2] {
    [
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    ]
}

fn adder(total: &Arc<AtomicI64>) -> Handlers {
    let counter = Arc::clone(total);
    Handlers::new()
        .method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b))
        .method("count", move |n: i64| {
            counter.fetch_add(n, Ordering::SeqCst);
            Ok::<_, Infallible>(())
        })
}

async fn until(total: &AtomicI64, wanted: i64) {
    while total.load(Ordering::SeqCst) != wanted {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[test]
fn rpc_pipeline_and_pubsub_start_on_tokio_in_one_call() {
    for runtime in runtimes() {
        runtime.block_on(async {
            let total = Arc::new(AtomicI64::new(0));

            let server = serve_rpc(adder(&total))
                .bind("tcp://127.0.0.1:*")
                .start_on_tokio()
                .expect("rpc server");
            let client = connect_rpc()
                .connect(&server.endpoints()[0])
                .timeout(LIMIT)
                .start_on_tokio()
                .expect("rpc client");
            for n in 0..100 {
                let sum: i64 = client.call("add").arg(n).arg(1).await.expect("call");
                assert_eq!(sum, n + 1);
            }

            let pipeline = serve_pipeline(adder(&total))
                .bind("tcp://127.0.0.1:*")
                .start_on_tokio()
                .expect("pipeline server");
            let notifier = connect_pipeline()
                .connect(&pipeline.endpoints()[0])
                .start_on_tokio()
                .expect("pipeline client");
            notifier.notify("count").arg(2).await.expect("notify");
            timeout(LIMIT, until(&total, 2)).await.expect("notified");

            let subscriber = serve_pubsub(adder(&total))
                .bind("tcp://127.0.0.1:*")
                .subscribe("topic")
                .start_on_tokio()
                .expect("pubsub server");
            let publisher = connect_pubsub()
                .connect(&subscriber.endpoints()[0])
                .start_on_tokio()
                .expect("pubsub client");
            // Slow joiner: publish until the subscription has arrived.
            let published = async {
                while total.load(Ordering::SeqCst) == 2 {
                    publisher
                        .publish("topic")
                        .notify("count")
                        .arg(1)
                        .await
                        .expect("publish");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            };
            timeout(LIMIT, published).await.expect("published");

            client.close();
            notifier.close();
            publisher.close();
            pipeline.close();
            subscriber.close();
            server.close();
            timeout(LIMIT, server.wait_closed()).await.expect("closed");
        });
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
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let error = serve_rpc(Handlers::new())
                .bind("no-transport")
                .start_on_tokio()
                .expect_err("bad endpoint");
            assert!(matches!(error, CreateError::Service(_)), "{error:?}");
        });
}
