//! `zmq_runtime_smol::rpc`: every zmq-rpc builder started on smol's global
//! executor in one call.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use zmq_runtime_smol::rpc::{
    Handlers, ServiceError, StartOnSmol, connect_pipeline, connect_pubsub, connect_rpc,
    serve_pipeline, serve_pubsub, serve_rpc,
};

const LIMIT: Duration = Duration::from_secs(30);

/// `Some(output)` if `future` completes within [`LIMIT`].
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> Option<T> {
    smol::future::or(async { Some(future.await) }, async {
        smol::Timer::after(LIMIT).await;
        None
    })
    .await
}

#[test]
fn rpc_pipeline_and_pubsub_start_on_smol_in_one_call() {
    smol::block_on(async {
        let total = Arc::new(AtomicI64::new(0));
        let handlers = || {
            let counter = Arc::clone(&total);
            Handlers::new()
                .method("add", |(a, b): (i64, i64)| Ok::<_, Infallible>(a + b))
                .method("count", move |n: i64| {
                    counter.fetch_add(n, Ordering::SeqCst);
                    Ok::<_, Infallible>(())
                })
        };
        let until = |wanted: i64| {
            let total = Arc::clone(&total);
            async move {
                while total.load(Ordering::SeqCst) != wanted {
                    smol::Timer::after(Duration::from_millis(2)).await;
                }
            }
        };

        let server = serve_rpc(handlers())
            .bind("tcp://127.0.0.1:*")
            .start_on_smol()
            .expect("rpc server");
        let client = connect_rpc()
            .connect(&server.endpoints()[0])
            .timeout(LIMIT)
            .start_on_smol()
            .expect("rpc client");
        for n in 0..100 {
            let sum: i64 = client.call("add").arg(n).arg(1).await.expect("call");
            assert_eq!(sum, n + 1);
        }

        let pipeline = serve_pipeline(handlers())
            .bind("tcp://127.0.0.1:*")
            .start_on_smol()
            .expect("pipeline server");
        let notifier = connect_pipeline()
            .connect(&pipeline.endpoints()[0])
            .start_on_smol()
            .expect("pipeline client");
        notifier.notify("count").arg(2).await.expect("notify");
        bounded(until(2)).await.expect("notified");

        let subscriber = serve_pubsub(handlers())
            .bind("tcp://127.0.0.1:*")
            .subscribe("topic")
            .start_on_smol()
            .expect("pubsub server");
        let publisher = connect_pubsub()
            .connect(&subscriber.endpoints()[0])
            .start_on_smol()
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
                smol::Timer::after(Duration::from_millis(10)).await;
            }
        };
        bounded(published).await.expect("published");

        client.close();
        notifier.close();
        publisher.close();
        pipeline.close();
        subscriber.close();
        server.close();
        bounded(server.wait_closed()).await.expect("closed");
    });
}

#[test]
fn a_bad_endpoint_is_a_service_error() {
    let error = serve_rpc(Handlers::new())
        .bind("no-transport")
        .start_on_smol()
        .expect_err("bad endpoint");
    assert!(matches!(error, ServiceError::Socket(_)), "{error:?}");
}
