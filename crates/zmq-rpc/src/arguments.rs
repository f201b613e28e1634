//! Binding positional and keyword arguments to a method's parameter type.
//!
//! A method takes its parameters as one type `P: Deserialize`. Its shape,
//! read once from serde when the method is registered, says how arguments
//! bind, as Python's `inspect.signature(f).bind(*args, **kwargs)` does:
//!
//! - a **struct** (`#[derive(Deserialize)] struct Add { a: i64, b: i64 }`):
//!   named parameters in field order. Positional arguments fill the fields
//!   in order, keywords bind by field name; `#[serde(default)]` and
//!   `Option` fields are optional.
//! - a **tuple** `(i64, String)` or tuple struct: positional only.
//! - `()`: no arguments.
//! - a **map** (`HashMap<String, Value>`): keywords only, any names.
//! - anything else (`i64`, `Vec<T>`, `rmpv::Value`): one positional
//!   argument.
//!
//! A failure is the reason of the Python `TypeError` aiozmq would report,
//! sent back inside a `ParametersError`.

use std::fmt;

use rmpv::Value;
use serde::de::{self, DeserializeOwned, Visitor};

use crate::msgpack::{from_value, kind_name};

/// How a parameter type takes its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParameterShape {
    /// Named parameters, in order.
    Named(&'static [&'static str]),
    /// This many positional parameters.
    Positional(usize),
    /// No parameters.
    Nothing,
    /// Keywords only, any names.
    AnyKeywords,
    /// One positional parameter.
    Single,
}

impl ParameterShape {
    /// The shape of `P`, read from its `Deserialize` implementation.
    pub(crate) fn of<P: DeserializeOwned>() -> ParameterShape {
        match P::deserialize(ShapeProbe) {
            Err(ShapeFound(shape)) => shape,
            Ok(_) => ParameterShape::Single,
        }
    }
}

/// Binds `args` and `kwargs` as they came off the wire to `P`.
pub(crate) fn bind<P: DeserializeOwned>(
    shape: &ParameterShape,
    args: Value,
    kwargs: Value,
) -> Result<P, String> {
    let args = match args {
        Value::Array(args) => args,
        other => {
            return Err(format!(
                "argument after * must be an array, not {}",
                kind_name(&other)
            ));
        }
    };
    let kwargs = match kwargs {
        Value::Map(entries) => {
            let mut kwargs = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                match key {
                    Value::String(name) => {
                        kwargs.push((name.into_str().unwrap_or_default(), value));
                    }
                    _ => return Err("keywords must be strings".to_owned()),
                }
            }
            kwargs
        }
        other => {
            return Err(format!(
                "argument after ** must be a mapping, not {}",
                kind_name(&other)
            ));
        }
    };
    let bound = match shape {
        ParameterShape::Named(names) => bind_named(names, args, kwargs)?,
        ParameterShape::Positional(count) => {
            reject_keywords(&kwargs)?;
            if args.len() > *count {
                return Err("too many positional arguments".to_owned());
            }
            if args.len() < *count {
                return Err(format!(
                    "missing {} required positional argument(s)",
                    count - args.len()
                ));
            }
            Value::Array(args)
        }
        ParameterShape::Nothing => {
            reject_keywords(&kwargs)?;
            if !args.is_empty() {
                return Err("too many positional arguments".to_owned());
            }
            Value::Nil
        }
        ParameterShape::AnyKeywords => {
            if !args.is_empty() {
                return Err("too many positional arguments".to_owned());
            }
            Value::Map(
                kwargs
                    .into_iter()
                    .map(|(name, value)| (Value::from(name), value))
                    .collect(),
            )
        }
        ParameterShape::Single => {
            reject_keywords(&kwargs)?;
            let mut args = args.into_iter();
            match (args.next(), args.next()) {
                (Some(only), None) => only,
                (None, _) => return Err("missing a required argument".to_owned()),
                (Some(_), Some(_)) => return Err("too many positional arguments".to_owned()),
            }
        }
    };
    from_value::<P>(&bound).map_err(|error| python_style(&error.to_string()))
}

fn reject_keywords(kwargs: &[(String, Value)]) -> Result<(), String> {
    match kwargs.first() {
        Some((name, _)) => Err(format!("got an unexpected keyword argument '{name}'")),
        None => Ok(()),
    }
}

fn bind_named(
    names: &[&str],
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, String> {
    if args.len() > names.len() {
        return Err("too many positional arguments".to_owned());
    }
    let positional = args.len();
    let mut bound: Vec<(Value, Value)> = names
        .iter()
        .zip(args)
        .map(|(name, value)| (Value::from(*name), value))
        .collect();
    for (name, value) in kwargs {
        match names.iter().position(|candidate| *candidate == name) {
            None => return Err(format!("got an unexpected keyword argument '{name}'")),
            Some(index) if index < positional => {
                return Err(format!("multiple values for argument '{name}'"));
            }
            Some(_) => bound.push((Value::from(name), value)),
        }
    }
    Ok(Value::Map(bound))
}

/// serde's "missing field `a`" in the words of Python's binder.
fn python_style(message: &str) -> String {
    match message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        Some(name) => format!("missing a required argument: '{name}'"),
        None => message.to_owned(),
    }
}

/// A deserializer that deserializes nothing: it reports which
/// `deserialize_*` method the type called, which is its shape.
struct ShapeProbe;

#[derive(Debug)]
struct ShapeFound(ParameterShape);

impl fmt::Display for ShapeFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parameter shape {:?}", self.0)
    }
}

impl std::error::Error for ShapeFound {}

impl de::Error for ShapeFound {
    fn custom<T: fmt::Display>(_message: T) -> ShapeFound {
        ShapeFound(ParameterShape::Single)
    }
}

impl<'de> de::Deserializer<'de> for ShapeProbe {
    type Error = ShapeFound;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::Single))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::Named(fields)))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        _visitor: V,
    ) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::Positional(len)))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        _visitor: V,
    ) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::Positional(len)))
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::Nothing))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _visitor: V,
    ) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::Nothing))
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ShapeFound> {
        Err(ShapeFound(ParameterShape::AnyKeywords))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ShapeFound> {
        if name == crate::ext::EXT_STRUCT_NAME {
            // An ext value (`AsExt<T>`, `Ext`) is one argument.
            return Err(ShapeFound(ParameterShape::Single));
        }
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option seq enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Add {
        a: i64,
        #[serde(default)]
        b: i64,
    }

    fn array(items: Vec<Value>) -> Value {
        Value::Array(items)
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| (Value::from(key), value))
                .collect(),
        )
    }

    #[test]
    fn shapes_are_read_from_serde() {
        assert_eq!(
            ParameterShape::of::<Add>(),
            ParameterShape::Named(&["a", "b"])
        );
        assert_eq!(
            ParameterShape::of::<(i64, String)>(),
            ParameterShape::Positional(2)
        );
        assert_eq!(ParameterShape::of::<()>(), ParameterShape::Nothing);
        assert_eq!(
            ParameterShape::of::<HashMap<String, i64>>(),
            ParameterShape::AnyKeywords
        );
        assert_eq!(ParameterShape::of::<i64>(), ParameterShape::Single);
        assert_eq!(ParameterShape::of::<Value>(), ParameterShape::Single);
        assert_eq!(
            ParameterShape::of::<crate::ext::Ext>(),
            ParameterShape::Single
        );
        assert_eq!(
            ParameterShape::of::<crate::datetime::Date>(),
            ParameterShape::Single
        );
    }

    #[test]
    fn positional_and_keyword_arguments_bind_by_name_with_defaults() {
        let shape = ParameterShape::of::<Add>();
        let positional: Add = bind(&shape, array(vec![1.into(), 2.into()]), map(vec![])).unwrap();
        assert_eq!(positional, Add { a: 1, b: 2 });
        let mixed: Add = bind(&shape, array(vec![1.into()]), map(vec![("b", 5.into())])).unwrap();
        assert_eq!(mixed, Add { a: 1, b: 5 });
        let keywords: Add = bind(&shape, array(vec![]), map(vec![("a", 7.into())])).unwrap();
        assert_eq!(keywords, Add { a: 7, b: 0 });
    }

    #[test]
    fn binding_failures_read_like_python() {
        let shape = ParameterShape::of::<Add>();
        let bind_add = |args, kwargs| bind::<Add>(&shape, args, kwargs).unwrap_err();
        assert_eq!(
            bind_add(array(vec![]), map(vec![])),
            "missing a required argument: 'a'"
        );
        assert_eq!(
            bind_add(array(vec![1.into(), 2.into(), 3.into()]), map(vec![])),
            "too many positional arguments"
        );
        assert_eq!(
            bind_add(array(vec![1.into()]), map(vec![("c", 1.into())])),
            "got an unexpected keyword argument 'c'"
        );
        assert_eq!(
            bind_add(array(vec![1.into()]), map(vec![("a", 1.into())])),
            "multiple values for argument 'a'"
        );
        assert_eq!(
            bind_add(
                array(vec![]),
                Value::Map(vec![(Value::Binary(b"a".to_vec()), 1.into())])
            ),
            "keywords must be strings"
        );
        assert_eq!(
            bind_add(array(vec![]), array(vec![])),
            "argument after ** must be a mapping, not array"
        );
        assert_eq!(
            bind_add(map(vec![]), map(vec![])),
            "argument after * must be an array, not map"
        );
        let wrong_type = bind_add(array(vec!["x".into()]), map(vec![]));
        assert!(wrong_type.contains("invalid type"), "{wrong_type}");
    }

    #[test]
    fn tuples_unit_and_single_values_bind_positionally() {
        let pair: (i64, String) = bind(
            &ParameterShape::of::<(i64, String)>(),
            array(vec![1.into(), "x".into()]),
            map(vec![]),
        )
        .unwrap();
        assert_eq!(pair, (1, "x".to_owned()));
        let unit = ParameterShape::of::<()>();
        bind::<()>(&unit, array(vec![]), map(vec![])).unwrap();
        assert_eq!(
            bind::<()>(&unit, array(vec![1.into()]), map(vec![])).unwrap_err(),
            "too many positional arguments"
        );
        let single: Vec<i64> = bind(
            &ParameterShape::of::<Vec<i64>>(),
            array(vec![array(vec![1.into(), 2.into()])]),
            map(vec![]),
        )
        .unwrap();
        assert_eq!(single, vec![1, 2]);
        let keywords: HashMap<String, i64> = bind(
            &ParameterShape::of::<HashMap<String, i64>>(),
            array(vec![]),
            map(vec![("x", 1.into())]),
        )
        .unwrap();
        assert_eq!(keywords["x"], 1);
    }
}
