//! msgpack with aiozmq's options, and conversions between Rust types and
//! msgpack values.
//!
//! aiozmq packs with `use_bin_type=True` and unpacks with `raw=False`,
//! `use_list=False` and `strict_map_key=True`. Here that means:
//!
//! - **Encoding** ([`encode_value`]): integers in their smallest encoding,
//!   text in the str family, bytes in the bin family, floats as given
//!   (Rust `f64` is `0xcb`, as Python's `float`; [`to_value`] widens `f32`
//!   to `f64` so Python round-trips it exactly).
//! - **Decoding** ([`decode_value`]): one object per frame (trailing bytes
//!   are an error), every str valid UTF-8, every map key a str or bin, at
//!   most [`MAX_NESTING`] levels of arrays and maps (deeper input is refused
//!   before it is decoded, so it cannot exhaust the stack). Anything else
//!   is a [`DecodeError`], never a panic.
//!   [`MAX_NESTING`] levels of arrays and maps at most: deeper input is
//!   refused before it is decoded, so it cannot exhaust the stack.
//! - **Rust types** ([`to_value`], [`from_value`]) go through `rmp-serde`:
//!   structs become maps keyed by field name (what a Python peer sends as a
//!   `dict`), sequences and tuples arrays, unit enum variants their name.
//!   Byte buffers need `serde_bytes` to travel as bin rather than as an
//!   array of integers.

use std::fmt::Write as _;

use rmpv::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, EncodeError};

/// Encodes one value as aiozmq's packer does.
///
/// # Examples
///
/// ```
/// use zmq_rpc::msgpack::encode_value;
/// use zmq_rpc::rmpv::Value;
///
/// assert_eq!(encode_value(&Value::from(vec![Value::from(1), Value::from(2)])), b"\x92\x01\x02");
/// assert_eq!(encode_value(&Value::Map(vec![])), b"\x80");
/// ```
pub fn encode_value(value: &Value) -> Vec<u8> {
    let mut bytes = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = rmpv::encode::write_value(&mut bytes, value);
    bytes
}

/// Decodes exactly one value from a frame, with aiozmq's unpacker rules.
///
/// # Examples
///
/// ```
/// use zmq_rpc::{DecodeError, msgpack::decode_value};
///
/// assert_eq!(decode_value(b"\x03")?, 3.into());
/// // Trailing bytes, an int map key and invalid UTF-8 are all refused.
/// assert!(matches!(decode_value(b"\x03\x04"), Err(DecodeError::TrailingBytes { .. })));
/// assert!(matches!(decode_value(b"\x81\x01\x02"), Err(DecodeError::MapKey { .. })));
/// assert!(matches!(decode_value(b"\xa1\xff"), Err(DecodeError::InvalidUtf8)));
/// # Ok::<(), DecodeError>(())
/// ```
pub fn decode_value(bytes: &[u8]) -> Result<Value, DecodeError> {
    check_nesting(bytes)?;
    let mut reader = bytes;
    let value = rmpv::decode::read_value(&mut reader)
        .map_err(|error| DecodeError::Msgpack(error.to_string()))?;
    if !reader.is_empty() {
        return Err(DecodeError::TrailingBytes {
            count: reader.len(),
        });
    }
    check_strict(&value)?;
    Ok(value)
}

/// The deepest nesting of arrays and maps [`decode_value`] accepts.
///
/// # Examples
///
/// ```
/// use zmq_rpc::msgpack::{MAX_NESTING, decode_value};
///
/// let too_deep = vec![0x91u8; MAX_NESTING + 1];
/// assert!(decode_value(&too_deep).is_err());
/// ```
pub const MAX_NESTING: usize = 128;

/// Walks the structure of the first msgpack object without recursion and
/// refuses nesting deeper than [`MAX_NESTING`] (rmpv's decoder recurses
/// once per level, and its own limit of 1024 levels overflows a 2 MiB
/// thread stack in a debug build).
fn check_nesting(bytes: &[u8]) -> Result<(), DecodeError> {
    let truncated = || DecodeError::Msgpack("truncated input".to_owned());
    let mut position = 0usize;
    let read_len = |position: &mut usize, size: usize| -> Result<u64, DecodeError> {
        let field = bytes
            .get(*position..*position + size)
            .ok_or_else(truncated)?;
        *position += size;
        Ok(field
            .iter()
            .fold(0u64, |len, byte| (len << 8) | u64::from(*byte)))
    };
    // Items still to read in each open array or map.
    let mut open: Vec<u64> = Vec::new();
    loop {
        let marker = *bytes.get(position).ok_or_else(truncated)?;
        position += 1;
        let (payload, children) = match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0),
            0x80..=0x8f => (0, 2 * u64::from(marker & 0x0f)),
            0x90..=0x9f => (0, u64::from(marker & 0x0f)),
            0xa0..=0xbf => (u64::from(marker & 0x1f), 0),
            0xc1 => return Err(DecodeError::Msgpack("reserved marker 0xc1".to_owned())),
            0xc4 | 0xd9 => (read_len(&mut position, 1)?, 0),
            0xc5 | 0xda => (read_len(&mut position, 2)?, 0),
            0xc6 | 0xdb => (read_len(&mut position, 4)?, 0),
            0xc7 => (read_len(&mut position, 1)? + 1, 0),
            0xc8 => (read_len(&mut position, 2)? + 1, 0),
            0xc9 => (read_len(&mut position, 4)? + 1, 0),
            0xca | 0xce | 0xd2 => (4, 0),
            0xcb | 0xcf | 0xd3 => (8, 0),
            0xcc | 0xd0 => (1, 0),
            0xcd | 0xd1 => (2, 0),
            0xd4 => (2, 0),
            0xd5 => (3, 0),
            0xd6 => (5, 0),
            0xd7 => (9, 0),
            0xd8 => (17, 0),
            0xdc => (0, read_len(&mut position, 2)?),
            0xdd => (0, read_len(&mut position, 4)?),
            0xde => (0, 2 * read_len(&mut position, 2)?),
            0xdf => (0, 2 * read_len(&mut position, 4)?),
        };
        let payload = usize::try_from(payload).map_err(|_| truncated())?;
        position = position
            .checked_add(payload)
            .filter(|end| *end <= bytes.len())
            .ok_or_else(truncated)?;
        if children > 0 {
            if open.len() == MAX_NESTING {
                return Err(DecodeError::Msgpack(format!(
                    "nested deeper than {MAX_NESTING} levels"
                )));
            }
            open.push(children);
            continue;
        }
        // A complete item: it completes its container, maybe several.
        loop {
            match open.last_mut() {
                None => return Ok(()),
                Some(left) if *left > 1 => {
                    *left -= 1;
                    break;
                }
                Some(_) => {
                    open.pop();
                }
            }
        }
    }
}

/// Python's `raw=False` and `strict_map_key=True`, checked on a decoded
/// value (rmpv's decoder already bounds the nesting depth, so this
/// recursion is bounded too).
fn check_strict(value: &Value) -> Result<(), DecodeError> {
    match value {
        Value::String(text) if !text.is_str() => Err(DecodeError::InvalidUtf8),
        Value::Array(items) => items.iter().try_for_each(check_strict),
        Value::Map(entries) => entries.iter().try_for_each(|(key, item)| {
            match key {
                Value::String(_) | Value::Binary(_) => {}
                other => {
                    return Err(DecodeError::MapKey {
                        kind: kind_name(other),
                    });
                }
            }
            check_strict(key)?;
            check_strict(item)
        }),
        _ => Ok(()),
    }
}

/// The msgpack family of a value, for messages.
pub(crate) fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Boolean(_) => "bool",
        Value::Integer(_) => "int",
        Value::F32(_) | Value::F64(_) => "float",
        Value::String(_) => "str",
        Value::Binary(_) => "bin",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        Value::Ext(..) => "ext",
    }
}

/// Converts a Rust value into a msgpack value (structs become maps keyed by
/// field name; `f32` is widened to `f64`). A value an aiozmq peer could not
/// unpack is refused: a map key that is not a str or bin (a
/// `HashMap<u32, _>`), nesting deeper than [`MAX_NESTING`].
///
/// # Examples
///
/// ```
/// use zmq_rpc::msgpack::to_value;
/// use zmq_rpc::rmpv::Value;
///
/// #[derive(serde::Serialize)]
/// struct Point { x: i32, y: i32 }
///
/// let value = to_value(&Point { x: 1, y: -2 })?;
/// assert_eq!(value, Value::Map(vec![("x".into(), 1.into()), ("y".into(), (-2).into())]));
/// assert_eq!(to_value(&1.5f32)?, Value::F64(1.5));
/// assert_eq!(to_value(&())?, Value::Nil);
///
/// let int_keys = std::collections::HashMap::from([(1u32, "one")]);
/// assert!(to_value(&int_keys).is_err());
/// # Ok::<(), zmq_rpc::EncodeError>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, EncodeError> {
    let refused = |error: &dyn std::fmt::Display| EncodeError::Serialize(error.to_string());
    let bytes = rmp_serde::to_vec_named(value).map_err(|error| refused(&error))?;
    if is_canonical(&bytes) {
        // Passes every check below, and has no f32 to widen.
        return rmpv::decode::read_value(&mut &bytes[..]).map_err(|error| refused(&error));
    }
    // What aiozmq's unpacker (and ours) would refuse must not be sent: a
    // peer drops the whole message and the call waits for nothing.
    check_nesting(&bytes).map_err(|error| refused(&error))?;
    let decoded = rmpv::decode::read_value(&mut &bytes[..]).map_err(|error| refused(&error))?;
    check_strict(&decoded).map_err(|error| refused(&error))?;
    Ok(widen_floats(decoded))
}

/// Appends the msgpack encoding of `value` to `buffer`, byte for byte what
/// [`encode_value`] of [`to_value`] gives, and refuses what [`to_value`]
/// refuses (the buffer is then as it was).
///
/// The fast path encodes once with `rmp-serde` and keeps those bytes when
/// [`is_canonical`] says that decoding them into a [`Value`] and encoding
/// that again would give them back unchanged; anything else (an `f32` to
/// widen, a non-minimal length or integer, a value to refuse) goes the
/// long way through [`to_value`].
pub(crate) fn write_converted<T: Serialize + ?Sized>(
    buffer: &mut Vec<u8>,
    value: &T,
) -> Result<(), EncodeError> {
    let start = buffer.len();
    if rmp_serde::encode::write_named(buffer, value).is_ok() && is_canonical(&buffer[start..]) {
        return Ok(());
    }
    buffer.truncate(start);
    let converted = to_value(value);
    match converted {
        Ok(converted) => {
            // Writing into a Vec cannot fail.
            let _ = rmpv::encode::write_value(buffer, &converted);
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// True if `bytes` is exactly one msgpack object that [`decode_value`]
/// accepts and that [`encode_value`] writes back identically: every
/// integer, length and ext header in its shortest form (as `rmpv` writes
/// them), no `f32` (aiozmq's peers get `f64`), str valid UTF-8, map keys
/// str or bin, at most [`MAX_NESTING`] levels. Walks the bytes once without
/// recursion or allocation for up to 16 levels.
pub(crate) fn is_canonical(bytes: &[u8]) -> bool {
    let mut position = 0usize;
    // Items still to read in each open container; for maps, keys and
    // values alike (a key is at an even count left).
    let mut open: smallvec_like::Stack = smallvec_like::Stack::new();
    loop {
        let Some(&marker) = bytes.get(position) else {
            return false;
        };
        position += 1;
        let is_key = open.top_is_map_key();
        let read = |position: &mut usize, size: usize| -> Option<u64> {
            let field = bytes.get(*position..position.checked_add(size)?)?;
            *position += size;
            Some(
                field
                    .iter()
                    .fold(0u64, |value, byte| (value << 8) | u64::from(*byte)),
            )
        };
        // (payload bytes, children, opens a map, is a str, may be a map key)
        let (payload, children, map, text, key_ok) = match marker {
            0x00..=0x7f | 0xe0..=0xff | 0xc0 | 0xc2 | 0xc3 => (0, 0, false, false, false),
            0x80..=0x8f => (0, 2 * u64::from(marker & 0x0f), true, false, false),
            0x90..=0x9f => (0, u64::from(marker & 0x0f), false, false, false),
            0xa0..=0xbf => (u64::from(marker & 0x1f), 0, false, true, true),
            0xc4 => match read(&mut position, 1) {
                Some(len) => (len, 0, false, false, true),
                None => return false,
            },
            0xc5 => match read(&mut position, 2) {
                Some(len) if len > 0xff => (len, 0, false, false, true),
                _ => return false,
            },
            0xc6 => match read(&mut position, 4) {
                Some(len) if len > 0xffff => (len, 0, false, false, true),
                _ => return false,
            },
            0xd9 => match read(&mut position, 1) {
                Some(len) if len > 31 => (len, 0, false, true, true),
                _ => return false,
            },
            0xda => match read(&mut position, 2) {
                Some(len) if len > 0xff => (len, 0, false, true, true),
                _ => return false,
            },
            0xdb => match read(&mut position, 4) {
                Some(len) if len > 0xffff => (len, 0, false, true, true),
                _ => return false,
            },
            0xdc => match read(&mut position, 2) {
                Some(len) if len > 15 => (0, len, false, false, false),
                _ => return false,
            },
            0xdd => match read(&mut position, 4) {
                Some(len) if len > 0xffff => (0, len, false, false, false),
                _ => return false,
            },
            0xde => match read(&mut position, 2) {
                Some(len) if len > 15 => (0, 2 * len, true, false, false),
                _ => return false,
            },
            0xdf => match read(&mut position, 4) {
                Some(len) if len > 0xffff => (0, 2 * len, true, false, false),
                _ => return false,
            },
            // Shortest unsigned forms: u8 from 128, u16 from 256, ...
            0xcc => match read(&mut position, 1) {
                Some(value) if value > 0x7f => (0, 0, false, false, false),
                _ => return false,
            },
            0xcd => match read(&mut position, 2) {
                Some(value) if value > 0xff => (0, 0, false, false, false),
                _ => return false,
            },
            0xce => match read(&mut position, 4) {
                Some(value) if value > 0xffff => (0, 0, false, false, false),
                _ => return false,
            },
            0xcf => match read(&mut position, 8) {
                Some(value) if value > 0xffff_ffff => (0, 0, false, false, false),
                _ => return false,
            },
            // Shortest signed forms, for negative values only.
            0xd0 => match read(&mut position, 1) {
                Some(value) if (value as u8 as i8) < -32 => (0, 0, false, false, false),
                _ => return false,
            },
            0xd1 => match read(&mut position, 2) {
                Some(value) if (value as u16 as i16) < -128 => (0, 0, false, false, false),
                _ => return false,
            },
            0xd2 => match read(&mut position, 4) {
                Some(value) if (value as u32 as i32) < -32768 => (0, 0, false, false, false),
                _ => return false,
            },
            0xd3 => match read(&mut position, 8) {
                Some(value) if (value as i64) < -0x8000_0000 => (0, 0, false, false, false),
                _ => return false,
            },
            0xcb => (8, 0, false, false, false),
            // fixext 1, 2, 4, 8, 16: the type byte and the data.
            0xd4 => (2, 0, false, false, false),
            0xd5 => (3, 0, false, false, false),
            0xd6 => (5, 0, false, false, false),
            0xd7 => (9, 0, false, false, false),
            0xd8 => (17, 0, false, false, false),
            0xc7 => match read(&mut position, 1) {
                Some(len) if !matches!(len, 1 | 2 | 4 | 8 | 16) => {
                    (len + 1, 0, false, false, false)
                }
                _ => return false,
            },
            0xc8 => match read(&mut position, 2) {
                Some(len) if len > 0xff => (len + 1, 0, false, false, false),
                _ => return false,
            },
            0xc9 => match read(&mut position, 4) {
                Some(len) if len > 0xffff => (len + 1, 0, false, false, false),
                _ => return false,
            },
            // f32 (widened to f64 by to_value) and the reserved 0xc1.
            _ => return false,
        };
        if is_key && !key_ok {
            return false;
        }
        let Ok(payload) = usize::try_from(payload) else {
            return false;
        };
        let Some(end) = position
            .checked_add(payload)
            .filter(|end| *end <= bytes.len())
        else {
            return false;
        };
        if text && std::str::from_utf8(&bytes[position..end]).is_err() {
            return false;
        }
        position = end;
        if children > 0 {
            if open.len() == MAX_NESTING {
                return false;
            }
            open.push(children, map);
            continue;
        }
        // A complete item: it completes its container, maybe several.
        loop {
            if open.is_empty() {
                return position == bytes.len();
            }
            if open.item_done() {
                break;
            }
        }
    }
}

/// The open containers of [`is_canonical`]'s walk.
mod smallvec_like {
    /// A stack of (items left, is a map), on the stack for shallow values.
    pub(super) struct Stack {
        inline: [(u64, bool); 16],
        len: usize,
        spilled: Vec<(u64, bool)>,
    }

    impl Stack {
        pub(super) fn new() -> Stack {
            Stack {
                inline: [(0, false); 16],
                len: 0,
                spilled: Vec::new(),
            }
        }

        pub(super) fn len(&self) -> usize {
            self.len
        }

        pub(super) fn is_empty(&self) -> bool {
            self.len == 0
        }

        fn top(&mut self) -> Option<&mut (u64, bool)> {
            match self.len {
                0 => None,
                len if len <= self.inline.len() => self.inline.get_mut(len - 1),
                _ => self.spilled.last_mut(),
            }
        }

        pub(super) fn push(&mut self, children: u64, map: bool) {
            if self.len < self.inline.len() {
                self.inline[self.len] = (children, map);
            } else {
                self.spilled.push((children, map));
            }
            self.len += 1;
        }

        /// True if the next item read is a map key.
        pub(super) fn top_is_map_key(&mut self) -> bool {
            self.top().is_some_and(|(left, map)| *map && *left % 2 == 0)
        }

        /// Counts one item of the top container: true if the container
        /// still has items to read, false if it was complete (and popped).
        pub(super) fn item_done(&mut self) -> bool {
            let Some(top) = self.top() else {
                return false;
            };
            if top.0 > 1 {
                top.0 -= 1;
                return true;
            }
            if self.len > self.inline.len() {
                self.spilled.pop();
            }
            self.len -= 1;
            false
        }
    }
}

fn widen_floats(value: Value) -> Value {
    match value {
        Value::F32(float) => Value::F64(f64::from(float)),
        Value::Array(items) => Value::Array(items.into_iter().map(widen_floats).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(key, item)| (widen_floats(key), widen_floats(item)))
                .collect(),
        ),
        other => other,
    }
}

/// Converts a msgpack value into a Rust type (a struct accepts a map keyed
/// by field name or an array in field order).
///
/// # Examples
///
/// ```
/// use zmq_rpc::msgpack::from_value;
/// use zmq_rpc::rmpv::Value;
///
/// let pair: (i64, String) = from_value(&Value::from(vec![Value::from(1), Value::from("a")]))?;
/// assert_eq!(pair, (1, "a".to_owned()));
/// assert!(from_value::<u8>(&Value::from(300)).is_err());
/// # Ok::<(), zmq_rpc::DecodeError>(())
/// ```
pub fn from_value<T: DeserializeOwned>(value: &Value) -> Result<T, DecodeError> {
    rmp_serde::from_slice(&encode_value(value)).map_err(|error| {
        // rmp-serde names msgpack markers ("wrong msgpack marker FixStr(1)");
        // serde's own words ("invalid type: string \"x\", expected i64") are
        // clearer to a caller, and rmpv's deserializer gives them.
        let message = match rmpv::ext::from_value::<T>(value.clone()) {
            Err(clearer) => {
                let clearer = clearer.to_string();
                match clearer.strip_prefix("error while decoding value: ") {
                    Some(rest) => rest.to_owned(),
                    None => clearer,
                }
            }
            Ok(_) => error.to_string(),
        };
        DecodeError::Type(message)
    })
}

/// [`from_value`] of `value`, the decoding of the frame `bytes`, read
/// straight from `bytes` when they are what [`encode_value`] of `value`
/// gives (see [`is_canonical`]): the same outcome without encoding `value`
/// again. Errors always come from [`from_value`], for their wording.
pub(crate) fn from_body<T: DeserializeOwned>(
    value: &Value,
    bytes: &[u8],
) -> Result<T, DecodeError> {
    if !is_canonical(bytes) {
        return from_value(value);
    }
    rmp_serde::from_slice(bytes).or_else(|_| from_value(value))
}

/// Python's `repr()` of the object a value decodes to on an aiozmq peer
/// (arrays are tuples there, str is `str`, bin is `bytes`).
///
/// # Examples
///
/// ```
/// use zmq_rpc::msgpack::python_repr;
/// use zmq_rpc::rmpv::Value;
///
/// assert_eq!(python_repr(&Value::from("it's")), "\"it's\"");
/// assert_eq!(python_repr(&Value::from(vec![Value::from(1)])), "(1,)");
/// assert_eq!(python_repr(&Value::Nil), "None");
/// assert_eq!(python_repr(&Value::F64(3.0)), "3.0");
/// assert_eq!(python_repr(&Value::F64(1e-5)), "1e-05");
/// assert_eq!(python_repr(&Value::F64(-1.5e16)), "-1.5e+16");
/// assert_eq!(python_repr(&Value::F64(0.25)), "0.25");
/// ```
pub fn python_repr(value: &Value) -> String {
    let mut out = String::new();
    write_python_repr(&mut out, value);
    out
}

fn write_python_repr(out: &mut String, value: &Value) {
    match value {
        Value::Nil => out.push_str("None"),
        Value::Boolean(true) => out.push_str("True"),
        Value::Boolean(false) => out.push_str("False"),
        Value::Integer(int) => {
            let _ = write!(out, "{int}");
        }
        Value::F32(float) => write_python_float(out, f64::from(*float)),
        Value::F64(float) => write_python_float(out, *float),
        Value::String(text) => out.push_str(&python_str_repr(text.as_str().unwrap_or_default())),
        Value::Binary(bytes) => write_python_bytes(out, bytes),
        Value::Array(items) => {
            out.push('(');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_python_repr(out, item);
            }
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Map(entries) => {
            out.push('{');
            for (index, (key, item)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_python_repr(out, key);
                out.push_str(": ");
                write_python_repr(out, item);
            }
            out.push('}');
        }
        Value::Ext(code, data) => {
            let _ = write!(out, "ExtType(code={code}, data=");
            write_python_bytes(out, data);
            out.push(')');
        }
    }
}

fn write_python_float(out: &mut String, float: f64) {
    if float.is_nan() {
        out.push_str("nan");
    } else if float.is_infinite() {
        out.push_str(if float > 0.0 { "inf" } else { "-inf" });
    } else if float != 0.0 && !(1e-4..1e16).contains(&float.abs()) {
        // Python switches to exponent notation here: 1e-05, 1.5e+16.
        let shortest = format!("{float:e}");
        let (mantissa, exponent) = shortest.split_once('e').unwrap_or((&shortest, "0"));
        let (sign, digits) = match exponent.strip_prefix('-') {
            Some(digits) => ('-', digits),
            None => ('+', exponent),
        };
        let _ = write!(out, "{mantissa}e{sign}{digits:0>2}");
    } else if float == float.trunc() {
        let _ = write!(out, "{float:.1}");
    } else {
        let _ = write!(out, "{float}");
    }
}

fn write_python_bytes(out: &mut String, bytes: &[u8]) {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        '"'
    } else {
        '\''
    };
    out.push('b');
    out.push(quote);
    for &byte in bytes {
        match byte {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            byte if char::from(byte) == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(char::from(byte)),
            byte => {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
    }
    out.push(quote);
}

/// Python's `repr()` of a `str`: single quotes unless the text holds a
/// single quote and no double quote.
///
/// # Examples
///
/// ```
/// use zmq_rpc::msgpack::python_str_repr;
///
/// assert_eq!(python_str_repr("bad"), "'bad'");
/// assert_eq!(python_str_repr(r#"a "b" 'c'"#), r#"'a "b" \'c\''"#);
/// ```
pub fn python_str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for character in text.chars() {
        match character {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            character if character == quote => {
                out.push('\\');
                out.push(quote);
            }
            character if character.is_control() => {
                let code = u32::from(character);
                if code <= 0xff {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            character => out.push(character),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use super::*;
    use crate::ext::Ext;

    /// The one-pass encoding of call arguments must give exactly the bytes
    /// of the old path (rmp-serde, then an rmpv value, then rmpv's
    /// encoder): aiozmq peers and the spec captures see those bytes.
    fn assert_same_bytes<T: Serialize + std::fmt::Debug>(value: &T) {
        let mut fast = vec![0xee];
        let outcome = write_converted(&mut fast, value);
        match to_value(value) {
            Ok(slow) => {
                assert!(outcome.is_ok(), "{value:?}: {outcome:?}");
                assert_eq!(&fast[1..], &encode_value(&slow)[..], "{value:?}");
            }
            Err(_) => {
                assert!(outcome.is_err(), "{value:?} was refused the long way");
                assert_eq!(fast, [0xee], "{value:?}: the buffer is left as it was");
            }
        }
    }

    #[test]
    fn fast_argument_encoding_is_byte_identical_to_the_rmpv_path() {
        for int in [
            0i64,
            1,
            31,
            127,
            128,
            255,
            256,
            65_535,
            65_536,
            u32::MAX as i64,
            u32::MAX as i64 + 1,
            i64::MAX,
            -1,
            -32,
            -33,
            -128,
            -129,
            -32_768,
            -32_769,
            i32::MIN as i64,
            i32::MIN as i64 - 1,
            i64::MIN,
        ] {
            assert_same_bytes(&int);
            assert_same_bytes(&(int as i8));
            assert_same_bytes(&(int as i16));
            assert_same_bytes(&(int as i32));
            assert_same_bytes(&(int as u8));
            assert_same_bytes(&(int as u16));
            assert_same_bytes(&(int as u32));
            assert_same_bytes(&(int as u64));
        }
        assert_same_bytes(&u64::MAX);
        for float in [0.0f64, -0.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            assert_same_bytes(&float);
            assert_same_bytes(&(float as f32));
        }
        assert_same_bytes(&vec![1.5f32, 2.5]);
        for len in [0usize, 1, 15, 16, 31, 32, 255, 256, 65_535, 65_536] {
            assert_same_bytes(&"é".repeat(len / 2));
            assert_same_bytes(&"x".repeat(len));
            assert_same_bytes(&vec![7u8; len]);
            assert_same_bytes(&Ext {
                code: 3,
                data: vec![1; len],
            });
            let map: BTreeMap<String, u8> =
                (0..len.min(70_000)).map(|i| (i.to_string(), 1)).collect();
            assert_same_bytes(&map);
        }
        for len in [1usize, 2, 3, 4, 8, 16, 17] {
            assert_same_bytes(&Ext {
                code: -1,
                data: vec![0; len],
            });
        }
        assert_same_bytes(&());
        assert_same_bytes(&None::<u8>);
        assert_same_bytes(&Some(true));
        assert_same_bytes(&(1, "a", vec![(2, 3.5f32)], Some(-7i8)));
        assert_same_bytes(&HashMap::from([("k".to_owned(), vec![Some(1u8), None])]));
        assert_same_bytes(&Value::Map(vec![(
            Value::Binary(b"k".to_vec()),
            Value::F32(0.5),
        )]));
        // Refused both ways: int keys, nesting past the limit.
        assert_same_bytes(&HashMap::from([(1u32, "one")]));
        let mut deep = Value::Nil;
        for _ in 0..=MAX_NESTING {
            deep = Value::Array(vec![deep]);
        }
        assert_same_bytes(&deep);
        #[derive(Debug, Serialize)]
        struct Point {
            x: i32,
            label: String,
            #[serde(with = "serde_bytes_like")]
            raw: Vec<u8>,
        }
        mod serde_bytes_like {
            pub(super) fn serialize<S: serde::Serializer>(
                bytes: &[u8],
                serializer: S,
            ) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(bytes)
            }
        }
        assert_same_bytes(&Point {
            x: -5,
            label: "p".into(),
            raw: vec![1, 2],
        });
    }

    #[test]
    fn results_read_from_the_body_bytes_decode_as_from_the_value() {
        // A reply's result is read from its frame when the bytes allow:
        // the outcome, errors and their wording included, must not change.
        fn same<T: DeserializeOwned + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
            let value = decode_value(bytes).unwrap();
            let direct = from_body::<T>(&value, bytes).map_err(|error| error.to_string());
            let old = from_value::<T>(&value).map_err(|error| error.to_string());
            assert_eq!(direct, old, "{bytes:?}");
        }
        same::<i64>(b"\x03");
        same::<u8>(b"\xcd\x01\x2c");
        same::<i64>(b"\xa1x");
        same::<String>(b"\xa1x");
        same::<(i64, String)>(b"\x92\x01\xa1a");
        same::<Option<f64>>(b"\xc0");
        same::<f64>(b"\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00");
        same::<Vec<u8>>(b"\xc4\x02\x01\x02");
        same::<Value>(b"\x81\xa1k\x91\xc3");
        same::<HashMap<String, i64>>(b"\x81\xa1k\x01");
        // Not canonical: read the long way.
        same::<u8>(b"\xcc\x01");
        same::<f32>(b"\xca\x3f\xc0\x00\x00");
    }

    #[test]
    fn only_shortest_forms_are_canonical() {
        assert!(is_canonical(b"\x92\x01\xa1a"));
        // What rmp-serde writes for common arguments takes the fast path.
        let common = rmp_serde::to_vec_named(&(1i64, "a", -40i64, 300u16, 2.5f64, vec![true]));
        assert!(is_canonical(&common.unwrap()));
        assert!(!is_canonical(b"\xcc\x01"), "u8 for a fixint");
        assert!(!is_canonical(b"\xd0\x05"), "i8 for a positive value");
        assert!(!is_canonical(b"\xd9\x01a"), "str8 for a fixstr");
        assert!(!is_canonical(b"\xca\x00\x00\x00\x00"), "f32");
        assert!(!is_canonical(b"\x81\x01\x02"), "int map key");
        assert!(!is_canonical(b"\xa1\xff"), "invalid UTF-8");
        assert!(!is_canonical(b"\x01\x02"), "trailing bytes");
        assert!(!is_canonical(b"\x92\x01"), "truncated");
        assert!(!is_canonical(b""));
    }
}
