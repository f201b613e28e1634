//! Dropping a `recv` or `send` future never loses, duplicates or splits a
//! message.

use std::sync::Arc;
use std::time::Duration;

use zmq_core::{Multipart, Socket, SocketType};
use zmq_test_support::{
    TestResult, Transport, WAIT, connected, numbered, sequence_of, sleep, timeout, within,
};

/// Cycles through limits from "one poll only" up to a millisecond, so that
/// futures are dropped at every stage: before registering, while parked,
/// and just as a message arrives.
fn race_limit(attempt: u64) -> Duration {
    match attempt % 4 {
        0 => Duration::ZERO,
        1 => Duration::from_micros(10),
        2 => Duration::from_micros(100),
        _ => Duration::from_millis(1),
    }
}

zmq_test_support::on_every_executor! {
    async fn recv_futures_raced_against_timeouts_receive_each_message_once_in_order(rt) {
        const COUNT: u64 = 10_000;
        for transport in [Transport::Tcp, Transport::Inproc] {
            let (pull, push) = connected(SocketType::PULL, SocketType::PUSH, transport)?;
            let push = Arc::new(push);
            let sender = rt.spawn({
                let push = Arc::clone(&push);
                async move {
                    for sequence in 0..COUNT {
                        push.send(numbered(sequence, 2)).await?;
                        if sequence % 50 == 0 {
                            // Let the receiver run dry now and then.
                            sleep(Duration::from_micros(500)).await;
                        }
                    }
                    TestResult::Ok(())
                }
            });

            let mut expected = 0;
            let mut attempts = 0u64;
            let mut dropped = 0u64;
            while expected < COUNT {
                attempts += 1;
                assert!(attempts < 50 * COUNT, "no progress");
                match timeout(race_limit(attempts), pull.recv()).await {
                    Some(received) => {
                        let received = received?;
                        assert_eq!(sequence_of(&received), expected, "{transport:?}");
                        assert_eq!(received.len(), 3, "{transport:?}: a split message");
                        expected += 1;
                    }
                    None => dropped += 1,
                }
            }
            assert!(attempts >= COUNT);
            assert!(dropped > 0, "{transport:?}: no recv future was ever dropped");
            within(WAIT, "sender", sender).await??;
            // Nothing left over: no message was delivered twice.
            assert!(timeout(Duration::from_millis(100), pull.recv()).await.is_none());
        }
        Ok(())
    }

    async fn dropped_send_future_sent_the_whole_message_or_none_of_it(rt) {
        const ATTEMPTS: u64 = 3_000;
        for transport in [Transport::Tcp, Transport::Inproc] {
            let pull = Arc::new(Socket::new(SocketType::PULL)?);
            pull.set_rcvhwm(2)?;
            let endpoint = pull.bind(&transport.endpoint())?;
            let push = Socket::new(SocketType::PUSH)?;
            push.set_sndhwm(2)?;
            push.connect(&endpoint)?;

            // A slow receiver keeps the sender at its high-water mark.
            let receiver = rt.spawn({
                let pull = Arc::clone(&pull);
                async move {
                    let mut received = Vec::<Multipart>::new();
                    loop {
                        let message = pull.recv().await?;
                        if message[0] == "end" {
                            return Ok::<_, zmq_core::Error>(received);
                        }
                        received.push(message);
                        if received.len() % 8 == 0 {
                            sleep(Duration::from_micros(300)).await;
                        }
                    }
                }
            });

            let mut completed = Vec::new();
            for sequence in 0..ATTEMPTS {
                if timeout(race_limit(sequence), push.send(numbered(sequence, 3))).await.is_some() {
                    completed.push(sequence);
                }
            }
            within(WAIT, "end marker", push.send("end")).await??;
            let received = within(WAIT, "receiver", receiver).await??;

            assert!(completed.len() < ATTEMPTS as usize, "{transport:?}: no send was ever dropped");
            let sequences: Vec<u64> = received.iter().map(sequence_of).collect();
            assert_eq!(sequences, completed, "{transport:?}: sent messages differ from completed sends");
            for message in &received {
                assert_eq!(message, &numbered(sequence_of(message), 3), "{transport:?}: a torn message");
            }
        }
        Ok(())
    }
}
