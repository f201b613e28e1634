//! pyzmq's conveniences: text, JSON and msgpack round trips, zero-copy
//! sends with release tracking, and bad input that comes back as a typed
//! error carrying the message.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use zmq_core::{Error, Frame, Multipart, SocketType};
use zmq_test_support::{TRANSPORTS, Transport, WAIT, connected, within};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    customer: String,
    lines: Vec<(String, u32)>,
    note: Option<String>,
    discount: f64,
    flags: BTreeMap<String, bool>,
}

fn order() -> Order {
    Order {
        id: u64::MAX,
        customer: "Zoë Ωmega".into(),
        lines: vec![("tea".into(), 2), ("scone".into(), 0)],
        note: None,
        discount: -0.125,
        flags: BTreeMap::from([("gift".into(), true)]),
    }
}

fn assert_decode_error<T: std::fmt::Debug>(result: Result<T, Error>, expected: &Multipart) {
    match result {
        Err(Error::Decode { message, .. }) => assert_eq!(&message, expected),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

zmq_test_support::on_every_executor! {
    async fn strings_round_trip(_rt) {
        for transport in TRANSPORTS {
            let (a, b) = connected(SocketType::PAIR, SocketType::PAIR, transport)?;
            for text in ["", "plain", "Grüße, 世界 🌍", &"x".repeat(100_000)] {
                a.send_string(text).await?;
                assert_eq!(within(WAIT, "recv_string", b.recv_string()).await??, text);
            }
            a.send_strings(["one", "", "three"]).await?;
            assert_eq!(within(WAIT, "recv_strings", b.recv_strings()).await??, ["one", "", "three"]);
        }
        Ok(())
    }

    async fn json_and_msgpack_round_trip(_rt) {
        let (a, b) = connected(SocketType::PAIR, SocketType::PAIR, Transport::Tcp)?;
        a.send_json(&order()).await?;
        assert_eq!(within(WAIT, "json", b.recv_json::<Order>()).await??, order());
        a.send_msgpack(&order()).await?;
        assert_eq!(within(WAIT, "msgpack", b.recv_msgpack::<Order>()).await??, order());

        for value in [i64::MIN, -1, 0, 127, 128, i64::MAX] {
            a.send_msgpack(&value).await?;
            assert_eq!(b.recv_msgpack::<i64>().await?, value);
            a.send_json(&value).await?;
            assert_eq!(b.recv_json::<i64>().await?, value);
        }
        a.send_msgpack(&u64::MAX).await?;
        assert_eq!(b.recv_msgpack::<u64>().await?, u64::MAX);
        // Structs travel as maps keyed by field name, as Python reads them.
        a.send_msgpack(&order()).await?;
        let raw = b.recv().await?;
        assert_eq!(raw[0][0] & 0xf0, 0x80, "a fixmap");
        Ok(())
    }

    async fn bad_input_is_a_decode_error_carrying_the_message(_rt) {
        let (a, b) = connected(SocketType::PAIR, SocketType::PAIR, Transport::Inproc)?;

        let not_utf8 = Multipart::from(&[0x66u8, 0xff, 0x66][..]);
        a.send(not_utf8.clone()).await?;
        assert_decode_error(b.recv_string().await, &not_utf8);

        let two_frames = Multipart::from(["a", "b"]);
        a.send(two_frames.clone()).await?;
        assert_decode_error(b.recv_string().await, &two_frames);

        let one_bad_frame = Multipart::from(vec![b"ok".to_vec(), vec![0xc3, 0x28]]);
        a.send(one_bad_frame.clone()).await?;
        assert_decode_error(b.recv_strings().await, &one_bad_frame);

        let bad_json = Multipart::from("{\"id\": ");
        a.send(bad_json.clone()).await?;
        assert_decode_error(b.recv_json::<Order>().await, &bad_json);

        let wrong_type = Multipart::from("\"text\"");
        a.send(wrong_type.clone()).await?;
        assert_decode_error(b.recv_json::<u32>().await, &wrong_type);

        let bad_msgpack = Multipart::from(&[0x92u8, 0x01][..]); // an array of 2 with 1 element
        a.send(bad_msgpack.clone()).await?;
        assert_decode_error(b.recv_msgpack::<Vec<u8>>().await, &bad_msgpack);

        // The socket keeps working after every failure.
        a.send_string("still fine").await?;
        assert_eq!(b.recv_string().await?, "still fine");
        Ok(())
    }

    async fn unencodable_values_are_an_encode_error_and_nothing_is_sent(_rt) {
        let (a, b) = connected(SocketType::PAIR, SocketType::PAIR, Transport::Inproc)?;
        // JSON object keys must be strings.
        let tuple_keys = BTreeMap::from([((1, 2), "x")]);
        let failed = a.send_json(&tuple_keys).await.unwrap_err();
        assert!(matches!(failed.error, Error::Encode { format: "JSON", .. }));
        assert!(failed.message.is_empty());
        assert!(b.try_recv().unwrap_err().is_would_block());
        Ok(())
    }

    async fn zero_copy_frames_are_released_once_libzmq_is_done(_rt) {
        for transport in TRANSPORTS {
            let (pull, push) = connected(SocketType::PULL, SocketType::PUSH, transport)?;
            let payload = bytes::Bytes::from(vec![42u8; 256 * 1024]);
            push.send(Frame::from(payload.clone())).await?;
            let received = within(WAIT, "zero-copy recv", pull.recv()).await??;
            assert_eq!(&received[0][..], &payload[..]);

            let (frame, tracker) = Frame::tracked(vec![7u8; 64 * 1024]);
            push.send(frame).await?;
            let received = within(WAIT, "tracked recv", pull.recv()).await??;
            assert_eq!(received[0].len(), 64 * 1024);
            drop(received);
            within(WAIT, "release", tracker.released()).await?;
            assert!(tracker.is_released(), "{transport:?}");
        }
        Ok(())
    }
}
