//! Custom types as msgpack ext values: aiozmq's translation tables, typed.
//!
//! aiozmq's `translation_table` maps ext codes to Python classes with a
//! packer and an unpacker, and both peers must register the same table. In
//! Rust the static type already says which code a value uses, so a type
//! registers itself once by implementing [`ExtType`], and travels as that
//! ext value wherever it is wrapped in [`AsExt`] or its field is marked
//! `#[serde(with = "zmq_rpc::ext")]`. User codes are `0..=122`
//! ([`MAX_USER_EXT_CODE`]); 123 to 127 are aiozmq's datetime codes.
//!
//! An ext value of a code nobody asked for stays an [`Ext`] (or an
//! `rmpv::Value::Ext`) and re-encodes byte for byte.
//!
//! # Examples
//!
//! ```
//! use zmq_rpc::ext::{AsExt, ExtType};
//! use zmq_rpc::msgpack::{encode_value, from_value, to_value};
//!
//! #[derive(Debug, PartialEq)]
//! struct Point { x: i32, y: i32 }
//!
//! impl ExtType for Point {
//!     const CODE: i8 = 0;
//!     fn encode_payload(&self) -> Vec<u8> {
//!         [self.x.to_be_bytes(), self.y.to_be_bytes()].concat()
//!     }
//!     fn decode_payload(payload: &[u8]) -> Result<Point, String> {
//!         let bytes: [u8; 8] = payload.try_into().map_err(|_| "a Point is 8 bytes")?;
//!         let (x, y) = bytes.split_at(4);
//!         Ok(Point { x: i32::from_be_bytes(x.try_into().unwrap()), y: i32::from_be_bytes(y.try_into().unwrap()) })
//!     }
//! }
//!
//! let value = to_value(&AsExt(Point { x: 1, y: 2 }))?;
//! assert_eq!(encode_value(&value), b"\xd7\x00\x00\x00\x00\x01\x00\x00\x00\x02");
//! let AsExt(point) = from_value::<AsExt<Point>>(&value)?;
//! assert_eq!(point, Point { x: 1, y: 2 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

/// The highest ext code for user types; 123 to 127 are aiozmq's.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::ext::MAX_USER_EXT_CODE, 122);
/// ```
pub const MAX_USER_EXT_CODE: i8 = 122;

/// The newtype name through which rmp-serde reads and writes ext values.
pub(crate) const EXT_STRUCT_NAME: &str = "_ExtStruct";

/// A Rust type that travels as the msgpack ext value of code `CODE`.
///
/// # Examples
///
/// See the [module documentation](self).
pub trait ExtType: Sized {
    /// The ext type code, `0..=MAX_USER_EXT_CODE`.
    const CODE: i8;

    /// The payload bytes of `self`.
    fn encode_payload(&self) -> Vec<u8>;

    /// Rebuilds a value from its payload, or says why it cannot.
    fn decode_payload(payload: &[u8]) -> Result<Self, String>;
}

/// Any msgpack ext value: a code and its payload.
///
/// # Examples
///
/// ```
/// use zmq_rpc::ext::Ext;
/// use zmq_rpc::msgpack::{from_value, to_value};
///
/// let unknown = Ext { code: 5, data: b"xy".to_vec() };
/// let value = to_value(&unknown)?;
/// assert_eq!(value, zmq_rpc::rmpv::Value::Ext(5, b"xy".to_vec()));
/// assert_eq!(from_value::<Ext>(&value)?, unknown);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ext {
    /// The ext type code.
    pub code: i8,
    /// The payload.
    pub data: Vec<u8>,
}

struct PayloadRef<'a>(&'a [u8]);

impl Serialize for PayloadRef<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

impl Serialize for Ext {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(EXT_STRUCT_NAME, &(self.code, PayloadRef(&self.data)))
    }
}

struct Payload(Vec<u8>);

impl<'de> Deserialize<'de> for Payload {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Payload, D::Error> {
        struct PayloadVisitor;

        impl<'de> Visitor<'de> for PayloadVisitor {
            type Value = Payload;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("ext payload bytes")
            }

            fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Payload, E> {
                Ok(Payload(bytes.to_vec()))
            }

            fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Payload, E> {
                Ok(Payload(bytes))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Payload, A::Error> {
                let mut bytes = Vec::new();
                while let Some(byte) = seq.next_element::<u8>()? {
                    bytes.push(byte);
                }
                Ok(Payload(bytes))
            }
        }

        deserializer.deserialize_bytes(PayloadVisitor)
    }
}

impl<'de> Deserialize<'de> for Ext {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ext, D::Error> {
        struct ExtVisitor;

        impl<'de> Visitor<'de> for ExtVisitor {
            type Value = Ext;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a msgpack ext value")
            }

            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                deserializer: D,
            ) -> Result<Ext, D::Error> {
                let (code, Payload(data)) = <(i8, Payload)>::deserialize(deserializer)?;
                Ok(Ext { code, data })
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ext, A::Error> {
                let code = seq
                    .next_element::<i8>()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let Payload(data) = seq
                    .next_element::<Payload>()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                Ok(Ext { code, data })
            }
        }

        deserializer.deserialize_newtype_struct(EXT_STRUCT_NAME, ExtVisitor)
    }
}

/// Wraps a [`ExtType`] so that it serializes as its ext value.
///
/// # Examples
///
/// See the [module documentation](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AsExt<T>(pub T);

impl<T: ExtType> Serialize for AsExt<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, serializer)
    }
}

impl<'de, T: ExtType> Deserialize<'de> for AsExt<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<AsExt<T>, D::Error> {
        deserialize(deserializer).map(AsExt)
    }
}

/// Serializes a [`ExtType`] as its ext value: for
/// `#[serde(with = "zmq_rpc::ext")]` on a field.
///
/// # Examples
///
/// ```
/// use zmq_rpc::ext::ExtType;
///
/// struct Id(u8);
/// impl ExtType for Id {
///     const CODE: i8 = 7;
///     fn encode_payload(&self) -> Vec<u8> { vec![self.0] }
///     fn decode_payload(payload: &[u8]) -> Result<Id, String> {
///         payload.first().map(|byte| Id(*byte)).ok_or_else(|| "empty".to_owned())
///     }
/// }
///
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Order {
///     #[serde(with = "zmq_rpc::ext")]
///     id: Id,
///     amount: u32,
/// }
///
/// let value = zmq_rpc::msgpack::to_value(&Order { id: Id(3), amount: 10 })?;
/// let order: Order = zmq_rpc::msgpack::from_value(&value)?;
/// assert_eq!(order.id.0, 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serialize<T: ExtType, S: Serializer>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    if !(0..=MAX_USER_EXT_CODE).contains(&T::CODE) {
        return Err(ser::Error::custom(format!(
            "ext code {} is not a user code (0..={MAX_USER_EXT_CODE})",
            T::CODE
        )));
    }
    Ext {
        code: T::CODE,
        data: value.encode_payload(),
    }
    .serialize(serializer)
}

/// Deserializes a [`ExtType`] from its ext value: for
/// `#[serde(with = "zmq_rpc::ext")]` on a field. Another code, or a
/// payload the type refuses, is an error.
///
/// # Examples
///
/// See [`serialize`].
pub fn deserialize<'de, T: ExtType, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    let ext = Ext::deserialize(deserializer)?;
    if ext.code != T::CODE {
        return Err(de::Error::custom(format!(
            "expected ext code {}, got {}",
            T::CODE,
            ext.code
        )));
    }
    T::decode_payload(&ext.data).map_err(de::Error::custom)
}
