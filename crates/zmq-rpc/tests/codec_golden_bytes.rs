//! The codec against the byte dumps of aiozmq 1.0 in the wire spec
//! (`shared/spec/aiozmq-rpc-wire.md`, section 8): every frame we build must
//! equal the captured one, and every captured frame must decode.

use std::convert::Infallible;

use serde::Deserialize;
use zmq_rpc::codec::{Notification, Reply, Request};
use zmq_rpc::handlers::sync_method;
use zmq_rpc::msgpack::{decode_value, encode_value};
use zmq_rpc::rmpv::Value;
use zmq_rpc::wire::{ReplyHeader, RequestHeader, SenderPrefix};
use zmq_rpc::{BuiltinError, ErrorBody, ErrorTable, GenericError, NotFoundError, WireError};

/// The client's prefix in the captures: pid 6972, random 60074.
const CLIENT: SenderPrefix = SenderPrefix {
    pid: 6972,
    random: 60074,
};
/// The server's prefix in the captures: same pid, random 24343.
const SERVER: SenderPrefix = SenderPrefix {
    pid: 6972,
    random: 24343,
};

use zmq_test_support::hex;

fn f64_le(text: &str) -> f64 {
    f64::from_le_bytes(hex(text).try_into().unwrap())
}

fn empty_map() -> Value {
    Value::Map(vec![])
}

#[test]
fn add_request_matches_the_capture() {
    let captured = [
        hex("3c1b aaea 01000000 8a116697bac0da41"),
        hex("616464"),
        hex("92 01 02"),
        hex("80"),
    ];
    let request = Request::decode(&captured).unwrap();
    assert_eq!(request.header.sender, CLIENT);
    assert_eq!(request.header.request_id, 1);
    assert!((request.header.timestamp - 1_795_353_181.594_8).abs() < 1e-3);
    assert_eq!(request.name, "add");
    assert_eq!(
        request.args,
        Value::from(vec![Value::from(1), Value::from(2)])
    );
    assert_eq!(request.kwargs, empty_map());

    let built = Request {
        header: RequestHeader {
            sender: CLIENT,
            request_id: 1,
            timestamp: f64_le("8a116697bac0da41"),
        },
        name: "add".to_owned(),
        args: Value::from(vec![Value::from(1), Value::from(2)]),
        kwargs: empty_map(),
    };
    assert_eq!(built.encode(), captured);
}

#[test]
fn add_success_reply_matches_the_capture() {
    let captured = [hex("3c1b 175f 01000000 c5226697bac0da41 00"), hex("03")];
    let header = ReplyHeader {
        sender: SERVER,
        request_id: 1,
        timestamp: f64_le("c5226697bac0da41"),
        is_error: false,
    };
    let built = Reply::success(header, Value::from(3));
    assert_eq!(built.encode(), captured);
    let decoded = Reply::decode(&captured).unwrap();
    assert_eq!(decoded, built);
    assert!(decoded.error_body().is_none());
}

#[test]
fn keyword_argument_frames_match_the_capture() {
    // add(1, a2=2): args [1], kwargs {"a2": 2}.
    assert_eq!(
        encode_value(&Value::from(vec![Value::from(1)])),
        hex("91 01")
    );
    let kwargs = Value::Map(vec![(Value::from("a2"), Value::from(2))]);
    assert_eq!(encode_value(&kwargs), hex("81 a2 6132 02"));
    assert_eq!(decode_value(&hex("81 a2 6132 02")).unwrap(), kwargs);
}

#[test]
fn value_error_reply_matches_the_capture() {
    let body = hex(
        "93b36275696c74696e732e56616c75654572726f7291a3626164b156616c75654572726f7228276261642729",
    );
    let header = hex("3c1b 175f 02000000 ee2a6697bac0da41 01");
    assert_eq!(
        BuiltinError::value_error("bad").to_error_body().encode(),
        body
    );
    let reply = Reply::decode(&[header.clone(), body.clone()]).unwrap();
    assert!(reply.header.is_error);
    assert_eq!(reply.header.request_id, 2);
    let decoded = reply.error_body().unwrap().unwrap();
    assert_eq!(decoded.exc_type, "builtins.ValueError");
    assert_eq!(decoded.args, vec![Value::from("bad")]);
    assert_eq!(decoded.repr, "ValueError('bad')");
    let built = Reply::error(
        ReplyHeader {
            sender: SERVER,
            request_id: 2,
            timestamp: f64_le("ee2a6697bac0da41"),
            is_error: true,
        },
        &decoded,
    );
    assert_eq!(built.encode(), [header, body]);

    // The default table rebuilds it as Python's client does: ValueError('bad').
    let remote = ErrorTable::with_defaults().translate(decoded).unwrap();
    let error = remote.downcast_ref::<BuiltinError>().unwrap();
    assert_eq!(error, &BuiltinError::value_error("bad"));
}

#[test]
fn not_found_reply_matches_the_capture() {
    let body = hex(
        "93bd61696f7a6d712e7270632e626173652e4e6f74466f756e644572726f7291a76d697373696e67b84e6f74466f756e644572726f7228276d697373696e672729",
    );
    assert_eq!(ErrorBody::not_found("missing").encode(), body);
    assert_eq!(
        NotFoundError {
            name: "missing".to_owned()
        }
        .to_error_body()
        .encode(),
        body
    );
    let remote = ErrorTable::with_defaults()
        .translate(ErrorBody::decode(&body).unwrap())
        .unwrap();
    assert_eq!(
        remote.downcast_ref::<NotFoundError>().unwrap().name,
        "missing"
    );
}

#[derive(Debug, Deserialize)]
struct Add {
    a1: i64,
    a2: i64,
}

#[test]
fn parameters_error_reply_matches_the_capture() {
    let message = "TypeError(\"missing a required argument: 'a2'\")";
    let repr = "ParametersError('TypeError(\"missing a required argument: \\'a2\\'\")')";
    let mut body = hex("93 bf");
    body.extend(b"aiozmq.rpc.base.ParametersError");
    body.extend(hex("91 d9 2e"));
    body.extend(message.as_bytes());
    body.extend(hex("d9 43"));
    body.extend(repr.as_bytes());
    assert_eq!(repr.len(), 0x43);

    // add(1) against `def add(a1, a2)`: binding fails exactly as in Python.
    let add = sync_method(|Add { a1, a2 }| Ok::<_, Infallible>(a1 + a2));
    let outcome =
        futures_lite::future::block_on(add.call(Value::from(vec![Value::from(1)]), empty_map()));
    assert_eq!(outcome.unwrap_err().encode(), body);
}

#[test]
fn custom_exception_body_matches_the_capture_and_becomes_generic() {
    let mut body = hex("93 b0");
    body.extend(b"__main__.MyError");
    body.extend(hex("92 a1 78 01 af"));
    body.extend(b"MyError('x', 1)");
    let built = ErrorBody::new("__main__.MyError", vec![Value::from("x"), Value::from(1)]);
    assert_eq!(built.encode(), body);

    let remote = ErrorTable::with_defaults()
        .translate(ErrorBody::decode(&body).unwrap())
        .unwrap();
    let generic = remote.downcast_ref::<GenericError>().unwrap();
    assert_eq!(generic.exc_type, "__main__.MyError");
    assert_eq!(generic.args, vec![Value::from("x"), Value::from(1)]);
    assert_eq!(generic.repr, "MyError('x', 1)");
}

#[test]
fn datetime_ext_argument_and_unknown_ext_pass_through_byte_identically() {
    // echo(datetime.date(2014, 3, 21)): ext 127 with a pickle payload.
    let date_args = hex(
        "91 c7 2b 7f 8005952000000000000000 8c086461746574696d6594 8c046461746594 9394 430407de031594 8594 5294 2e",
    );
    let value = decode_value(&date_args).unwrap();
    let Value::Array(items) = &value else {
        panic!("{value:?}")
    };
    assert!(matches!(&items[0], Value::Ext(127, payload) if payload.len() == 0x2b));
    assert_eq!(encode_value(&value), date_args);

    let unknown = hex("d5 05 7879");
    assert_eq!(
        decode_value(&unknown).unwrap(),
        Value::Ext(5, b"xy".to_vec())
    );
    assert_eq!(encode_value(&decode_value(&unknown).unwrap()), unknown);
}

#[test]
fn encoding_options_match_python_msgpack() {
    // Smallest integers, float64 floats, str vs bin, nil/true/false.
    let cases: Vec<(Value, &str)> = vec![
        (Value::from(0), "00"),
        (Value::from(127), "7f"),
        (Value::from(128), "cc80"),
        (Value::from(-1), "ff"),
        (Value::from(-33), "d0df"),
        (Value::from(65536), "ce00010000"),
        (Value::from(u64::MAX), "cfffffffffffffffff"),
        (Value::from(i64::MIN), "d38000000000000000"),
        (Value::F64(1.5), "cb3ff8000000000000"),
        (Value::from("é"), "a2c3a9"),
        (Value::Binary(vec![1, 2]), "c4020102"),
        (Value::Nil, "c0"),
        (Value::from(true), "c3"),
        (Value::from(false), "c2"),
    ];
    for (value, expected) in cases {
        assert_eq!(encode_value(&value), hex(expected), "{value:?}");
        assert_eq!(decode_value(&hex(expected)).unwrap(), value);
    }
    // A 32-byte str uses str8 (d9), as msgpack-python with use_bin_type.
    let long = "x".repeat(32);
    assert_eq!(encode_value(&Value::from(long.as_str()))[..2], hex("d920"));
    // f32 from Rust is widened to float64.
    assert_eq!(
        encode_value(&zmq_rpc::msgpack::to_value(&0.5f32).unwrap()),
        hex("cb3fe0000000000000")
    );
    // Python reads float32 fine; so do we.
    assert_eq!(decode_value(&hex("ca3f000000")).unwrap(), Value::F32(0.5));
}

#[test]
fn malformed_frames_are_typed_errors() {
    use zmq_rpc::DecodeError;
    let good = [
        hex("3c1b aaea 01000000 8a116697bac0da41"),
        hex("616464"),
        hex("90"),
        hex("80"),
    ];
    let with = |index: usize, frame: Vec<u8>| {
        let mut frames = good.clone();
        frames[index] = frame;
        Request::decode(&frames).unwrap_err()
    };
    assert!(matches!(
        Request::decode(&good[..3]),
        Err(DecodeError::FrameCount {
            expected: 4,
            found: 3
        })
    ));
    assert!(matches!(
        with(0, vec![0; 15]),
        DecodeError::HeaderLength { .. }
    ));
    assert!(matches!(with(1, vec![0xff]), DecodeError::NameNotUtf8));
    assert!(matches!(with(2, hex("92 01")), DecodeError::Msgpack(_)));
    assert!(matches!(with(2, hex("c1")), DecodeError::Msgpack(_)));
    assert!(matches!(
        with(3, hex("80 80")),
        DecodeError::TrailingBytes { count: 1 }
    ));
    assert!(matches!(
        with(3, hex("81 01 02")),
        DecodeError::MapKey { kind: "int" }
    ));
    assert!(matches!(
        with(2, hex("91 81 c0 01")),
        DecodeError::MapKey { kind: "nil" }
    ));
    assert!(matches!(with(2, hex("91 a1 ff")), DecodeError::InvalidUtf8));
    // An args frame that is a map and a kwargs frame that is an array decode:
    // binding answers them with a ParametersError, as aiozmq does.
    let mut odd = good.clone();
    odd[2] = hex("80");
    odd[3] = hex("90");
    assert!(Request::decode(&odd).is_ok());

    // Replies: 2 frames, a 17-byte header, a valid body.
    let header = hex("3c1b 175f 01000000 c5226697bac0da41 01");
    assert!(matches!(
        Reply::decode(std::slice::from_ref(&header)),
        Err(DecodeError::FrameCount { .. })
    ));
    // A well-formed reply with a malformed error body decodes; its error body
    // is the typed error (the call fails instead of hanging).
    let reply = Reply::decode(&[header, hex("03")]).unwrap();
    assert!(matches!(
        reply.error_body(),
        Some(Err(DecodeError::ErrorBody(_)))
    ));
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error_not_a_stack_overflow() {
    let deep = vec![0x91u8; 100_000];
    assert!(decode_value(&deep).is_err());
    let limit = zmq_rpc::msgpack::MAX_NESTING;
    let mut at_limit = vec![0x91u8; limit];
    at_limit.push(0x90);
    assert!(decode_value(&at_limit).is_ok());
    let mut past_limit = vec![0x91u8; limit + 1];
    past_limit.push(0x90);
    assert!(decode_value(&past_limit).is_err());
    // Maps count too.
    let mut maps = Vec::new();
    for _ in 0..=limit {
        maps.extend(hex("81 a1 6b"));
    }
    maps.push(0xc0);
    assert!(decode_value(&maps).is_err());
}

/// The captures' `remote(1, b=2)`.
fn remote_1_b_2() -> Notification {
    Notification {
        name: "remote".into(),
        args: Value::from(vec![Value::from(1)]),
        kwargs: Value::Map(vec![("b".into(), 2.into())]),
    }
}

#[test]
fn pipeline_notifications_match_the_capture() {
    let notification = remote_1_b_2();
    let captured = [hex("72656d6f7465"), hex("9101"), hex("81a16202")];
    assert_eq!(notification.encode(), captured);
    assert_eq!(Notification::decode(&captured).unwrap(), notification);
    // notify.ns.sub.remote('x')
    let nested = Notification {
        name: "ns.sub.remote".into(),
        args: Value::from(vec![Value::from("x")]),
        kwargs: empty_map(),
    };
    let captured = [hex("6e732e7375622e72656d6f7465"), hex("91a178"), hex("80")];
    assert_eq!(nested.encode(), captured);
    assert_eq!(Notification::decode(&captured).unwrap(), nested);
}

#[test]
fn pubsub_notifications_match_the_capture() {
    // publish('my-topic').remote(1, b=2), publish(b'btopic'), publish(None)
    let notification = remote_1_b_2();
    for (topic, captured_topic) in [
        (&b"my-topic"[..], hex("6d792d746f706963")),
        (b"btopic", hex("62746f706963")),
        (b"", Vec::new()),
    ] {
        let captured = [
            captured_topic.clone(),
            hex("72656d6f7465"),
            hex("9101"),
            hex("81a16202"),
        ];
        assert_eq!(notification.encode_published(topic), captured);
        let (decoded_topic, decoded) = Notification::decode_published(&captured).unwrap();
        assert_eq!(decoded_topic, captured_topic);
        assert_eq!(decoded, notification);
    }
    // Three frames are a pipeline notification, not a publication.
    assert!(Notification::decode_published(&notification.encode()).is_err());
    assert!(Notification::decode(&notification.encode_published(b"t")).is_err());
}
