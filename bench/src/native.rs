//! The baseline: the blocking `zmq` crate, one thread per peer, libzmq's
//! stock settings (no batch size, high-water mark or buffer tuning).

use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use anyhow::{Context as _, Result, anyhow};

/// How long a native receiver waits for a message before giving up.
const STUCK_MS: i32 = 20_000;

/// PUSH→PULL: `count` messages of `size` bytes; messages per second, timed
/// at the receiver from the first message to the last.
pub(crate) fn push_pull(endpoint_base: &str, size: usize, count: usize) -> Result<f64> {
    let context = zmq::Context::new();
    let pull = context.socket(zmq::PULL)?;
    pull.bind(endpoint_base)?;
    let endpoint = last_endpoint(&pull)?;
    // Never hang the run: a receiver that waits this long reports an error.
    pull.set_rcvtimeo(STUCK_MS)?;
    let push = context.socket(zmq::PUSH)?;
    push.connect(&endpoint)?;
    // The sender keeps its socket open until the receiver is done, as ours
    // does: closing a PUSH with messages still queued on an ipc connection
    // being set up lost them once in a few hundred runs here.
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let sender = thread::spawn(move || -> Result<()> {
        let payload = vec![0x5au8; size];
        for _ in 0..count {
            push.send(&payload[..], 0)?;
        }
        let _ = done_rx.recv();
        Ok(())
    });
    let received = (|| -> Result<f64> {
        let mut message = zmq::Message::new();
        pull.recv(&mut message, 0)
            .context("native receiver got no first message")?;
        let start = Instant::now();
        for n in 1..count {
            pull.recv(&mut message, 0)
                .with_context(|| format!("native receiver stuck after {n} of {count} messages"))?;
        }
        Ok((count - 1) as f64 / start.elapsed().as_secs_f64())
    })();
    drop(done_tx);
    sender
        .join()
        .map_err(|_| anyhow!("native sender panicked"))??;
    received
}

/// DEALER↔ROUTER: `warmup` untimed trips, then `count` timed trips of
/// `size` bytes; the round-trip times in microseconds.
pub(crate) fn round_trips(size: usize, warmup: usize, count: usize) -> Result<Vec<f64>> {
    let context = zmq::Context::new();
    let router = context.socket(zmq::ROUTER)?;
    router.bind("tcp://127.0.0.1:*")?;
    let endpoint = last_endpoint(&router)?;
    let dealer = context.socket(zmq::DEALER)?;
    dealer.connect(&endpoint)?;
    let total = warmup + count;
    let echo = thread::spawn(move || echo(&router, total));
    let samples = timed_trips(&dealer, size, warmup, count)?;
    echo.join().map_err(|_| anyhow!("native echo panicked"))??;
    Ok(samples)
}

/// The client of a round-trip row: `warmup` untimed trips of `size` bytes
/// through `dealer`, then `count` timed ones; their times in microseconds.
pub(crate) fn timed_trips(
    dealer: &zmq::Socket,
    size: usize,
    warmup: usize,
    count: usize,
) -> Result<Vec<f64>> {
    let payload = vec![0x5au8; size];
    let mut reply = zmq::Message::new();
    let mut samples = Vec::with_capacity(count);
    for trip in 0..warmup + count {
        let start = Instant::now();
        dealer.send(&payload[..], 0)?;
        dealer.recv(&mut reply, 0)?;
        if trip >= warmup {
            samples.push(start.elapsed().as_secs_f64() * 1e6);
        }
    }
    Ok(samples)
}

/// The server of a round-trip row: sends `trips` requests back.
pub(crate) fn echo(router: &zmq::Socket, trips: usize) -> Result<()> {
    for _ in 0..trips {
        let request = router.recv_multipart(0)?;
        router.send_multipart(request, 0)?;
    }
    Ok(())
}

/// The endpoint a socket bound last (with the port a wildcard resolved to).
pub(crate) fn last_endpoint(socket: &zmq::Socket) -> Result<String> {
    socket
        .get_last_endpoint()?
        .map_err(|raw| anyhow!("endpoint is not UTF-8: {raw:?}"))
}
