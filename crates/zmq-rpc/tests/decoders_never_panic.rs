//! Random bytes into every decoder: a typed error or a value, never a
//! panic. A deterministic PRNG keeps failures reproducible (the seed and
//! the iteration are in the panic message of the harness).

use std::convert::Infallible;

use serde::Deserialize;
use zmq_rpc::codec::{Notification, Reply, Request};
use zmq_rpc::handlers::sync_method;
use zmq_rpc::msgpack::{decode_value, encode_value};
use zmq_rpc::rmpv::Value;
use zmq_rpc::{ErrorBody, ErrorTable};

/// xorshift64*: small, deterministic, good enough to spray bytes.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Bytes that start like msgpack more often than pure noise does: a
    /// valid value with a few bytes flipped, cut or appended.
    fn msgpack_ish(&mut self) -> Vec<u8> {
        let mut bytes = encode_value(&self.value(3));
        for _ in 0..self.below(3) {
            if !bytes.is_empty() {
                let at = self.below(bytes.len());
                bytes[at] = self.next() as u8;
            }
        }
        match self.below(4) {
            0 => bytes.truncate(self.below(bytes.len() + 1)),
            1 => bytes.extend(self.bytes(4)),
            _ => {}
        }
        bytes
    }

    fn value(&mut self, depth: usize) -> Value {
        match self.below(if depth == 0 { 7 } else { 9 }) {
            0 => Value::Nil,
            1 => Value::from(self.next() % 2 == 0),
            2 => Value::from(self.next() as i64),
            3 => Value::F64(f64::from_bits(self.next())),
            4 => Value::from(String::from_utf8_lossy(&self.bytes(8)).into_owned()),
            5 => Value::Binary(self.bytes(8)),
            6 => Value::Ext(self.next() as i8, self.bytes(6)),
            7 => Value::Array((0..self.below(4)).map(|_| self.value(depth - 1)).collect()),
            _ => Value::Map(
                (0..self.below(4))
                    .map(|_| {
                        let key = if self.next() % 4 == 0 {
                            self.value(depth - 1)
                        } else {
                            Value::from("k")
                        };
                        (key, self.value(depth - 1))
                    })
                    .collect(),
            ),
        }
    }
}

const ITERATIONS: usize = 20_000;

#[test]
fn random_bytes_never_panic_any_decoder() {
    let mut prng = Prng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..ITERATIONS {
        let noise = prng.bytes(64);
        let shaped = prng.msgpack_ish();
        let _ = decode_value(&noise);
        let _ = decode_value(&shaped);
        let _ = ErrorBody::decode(&noise);
        let _ = ErrorBody::decode(&shaped);
        let frame_count = prng.below(7);
        let frames: Vec<Vec<u8>> = (0..frame_count)
            .map(|index| match (index, prng.below(3)) {
                (0, 0) => prng.bytes(20),
                (0, _) => {
                    let mut header = prng.bytes(0);
                    header.resize(16 + prng.below(2), prng.next() as u8);
                    header
                }
                (_, 0) => prng.bytes(16),
                _ => prng.msgpack_ish(),
            })
            .collect();
        let _ = Request::decode(&frames);
        let _ = Notification::decode(&frames);
        let _ = Notification::decode_published(&frames);
        let _ = Reply::decode(&frames);
        if let Ok(reply) = Reply::decode(&frames) {
            if let Some(Ok(body)) = reply.error_body() {
                let _ = ErrorTable::with_defaults().translate(body);
            }
        }
    }
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Params {
    a: i64,
    #[serde(default)]
    b: Option<String>,
    #[serde(default)]
    c: Vec<u8>,
}

#[test]
fn random_arguments_never_panic_binding() {
    let mut prng = Prng(0xdead_beef_cafe_f00d);
    let named = sync_method(|_: Params| Ok::<_, Infallible>(()));
    let positional = sync_method(|_: (i64, String)| Ok::<_, Infallible>(()));
    let any = sync_method(|value: Value| Ok::<_, Infallible>(value));
    for _ in 0..ITERATIONS / 4 {
        let args = if prng.below(4) == 0 {
            prng.value(2)
        } else {
            Value::Array((0..prng.below(4)).map(|_| prng.value(2)).collect())
        };
        let kwargs = if prng.below(4) == 0 {
            prng.value(2)
        } else {
            Value::Map(
                (0..prng.below(3))
                    .map(|_| {
                        let key = ["a", "b", "c", "d"][prng.below(4)];
                        (Value::from(key), prng.value(2))
                    })
                    .collect(),
            )
        };
        for method in [&named, &positional, &any] {
            let _ = futures_lite::future::block_on(method.call(args.clone(), kwargs.clone()));
        }
    }
}
