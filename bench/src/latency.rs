//! DEALER↔ROUTER round trips through `zmq_core::Socket`.

use std::time::Instant;

use anyhow::Result;
use zmq_core::{Frame, Socket, SocketType};

use crate::runtimes::{RuntimeSpec, peer, setup};

/// `warmup` untimed trips, then `count` timed ones of `size` bytes over
/// tcp: the round-trip times in microseconds. The client (DEALER) and the
/// echoing server (ROUTER) are the two peers.
pub(crate) fn round_trips(
    runtime: &RuntimeSpec,
    size: usize,
    warmup: usize,
    count: usize,
    tune: &crate::Tuning,
) -> Result<Vec<f64>> {
    let tune = tune.clone();
    let (samples, _) = (runtime.run_pair)(setup(move || {
        let (router, dealer) = crate::connected_pair(
            SocketType::ROUTER,
            SocketType::DEALER,
            "tcp://127.0.0.1:*",
            &tune,
        )?;
        let total = warmup + count;
        let client = peer(move |_| async move { timed_trips(&dealer, size, warmup, count).await });
        let server = peer(move |_| async move {
            echo(&router, total).await?;
            Ok(Vec::new())
        });
        Ok((client, server))
    }))?;
    Ok(samples)
}

/// The client of a round-trip row: `warmup` untimed trips of `size` bytes
/// through `dealer`, then `count` timed ones; their times in microseconds.
pub(crate) async fn timed_trips(
    dealer: &Socket,
    size: usize,
    warmup: usize,
    count: usize,
) -> Result<Vec<f64>> {
    let payload = vec![0x5au8; size];
    let mut samples = Vec::with_capacity(count);
    for trip in 0..warmup + count {
        let start = Instant::now();
        dealer
            .send(Frame::from(&payload[..]))
            .await
            .map_err(|failed| failed.error)?;
        dealer.recv().await?;
        if trip >= warmup {
            samples.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    Ok(samples)
}

/// The server of a round-trip row: sends `trips` requests back.
pub(crate) async fn echo(router: &Socket, trips: usize) -> Result<()> {
    for _ in 0..trips {
        let request = router.recv().await?;
        router.send(request).await.map_err(|failed| failed.error)?;
    }
    Ok(())
}
