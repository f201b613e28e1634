//! Python's `datetime` values on aiozmq's predefined ext codes 123 to 127.
//!
//! aiozmq sends `date` (127), `datetime` (126), `time` (125), `timedelta`
//! (124) and `tzinfo` (123) as ext values whose payload is a Python
//! **pickle**, and loads them with `pickle.loads`, which runs any code a
//! peer puts there. These types read only an allow-listed subset of pickle
//! (the opcodes Python emits for these classes, and only the globals
//! `datetime.date`, `datetime.datetime`, `datetime.time`,
//! `datetime.timedelta`, `datetime.timezone`); anything else is an error.
//! They write protocol-4 pickles without FRAME or MEMOIZE, which every
//! Python 3.6+ loads. Only fixed-offset time zones (`datetime.timezone`)
//! are supported.
//!
//! These types keep everything Python sends (microseconds, `fold`, zone
//! names). With the feature `chrono` (on by default) they convert to and
//! from chrono's types through `TryFrom` (failing with [`OutOfRange`]):
//!
//! | Python | here | chrono |
//! |---|---|---|
//! | `date` | [`Date`] | `NaiveDate` |
//! | naive `time` | [`Time`] | `NaiveTime` |
//! | naive `datetime` | [`DateTime`] | `NaiveDateTime` |
//! | aware `datetime` | [`DateTime`] with a `tzinfo` | `DateTime<FixedOffset>` |
//! | `timedelta` | [`TimeDelta`] | `TimeDelta` |
//! | `timezone` | [`TimeZone`] | `FixedOffset` |
//!
//! chrono has no `fold` and no zone names (dropped going to chrono, unset
//! coming from it), offsets in whole seconds only, and nanoseconds
//! (truncated to microseconds coming from it).
//!
//! # Examples
//!
//! ```
//! use zmq_rpc::datetime::Date;
//! use zmq_rpc::msgpack::{encode_value, from_value, to_value};
//!
//! let date = Date::new(2014, 3, 21).unwrap();
//! let value = to_value(&date)?;
//! let bytes = encode_value(&value);
//! assert_eq!(&bytes[..3], b"\xc7\x1c\x7f"); // ext 8, 28 bytes, code 127
//! assert_eq!(from_value::<Date>(&value)?, date);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::de::{self, Deserializer};
use serde::ser::{self, Serializer};
use serde::{Deserialize, Serialize};

use crate::ext::Ext;
use crate::pickle::{DatetimeClass, PickleValue, Writer, load};

/// aiozmq's ext code for `datetime.tzinfo`.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::datetime::TZINFO_CODE, 123);
/// ```
pub const TZINFO_CODE: i8 = 123;
/// aiozmq's ext code for `datetime.timedelta`.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::datetime::TIMEDELTA_CODE, 124);
/// ```
pub const TIMEDELTA_CODE: i8 = 124;
/// aiozmq's ext code for `datetime.time`.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::datetime::TIME_CODE, 125);
/// ```
pub const TIME_CODE: i8 = 125;
/// aiozmq's ext code for `datetime.datetime`.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::datetime::DATETIME_CODE, 126);
/// ```
pub const DATETIME_CODE: i8 = 126;
/// aiozmq's ext code for `datetime.date`.
///
/// # Examples
///
/// ```
/// assert_eq!(zmq_rpc::datetime::DATE_CODE, 127);
/// ```
pub const DATE_CODE: i8 = 127;

/// A value that the other side of a conversion cannot represent (the
/// chrono conversions of the feature `chrono`): a year outside 1 to 9999,
/// a leap second, an offset with microseconds, a naive datetime where an
/// aware one is needed, ...
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "chrono")] {
/// use zmq_rpc::datetime::{Date, OutOfRange};
///
/// let far = chrono::NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap();
/// assert_eq!(Date::try_from(far), Err(OutOfRange("a date outside the years 1 to 9999")));
/// let date = Date::try_from(chrono::NaiveDate::from_ymd_opt(2014, 3, 21).unwrap())?;
/// assert_eq!(chrono::NaiveDate::try_from(date)?.to_string(), "2014-03-21");
/// # }
/// # Ok::<(), zmq_rpc::datetime::OutOfRange>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("out of range: {0}")]
pub struct OutOfRange(pub &'static str);

/// Python's `datetime.date`.
///
/// # Examples
///
/// ```
/// let date = zmq_rpc::datetime::Date::new(2024, 2, 29).unwrap();
/// assert_eq!(date.month, 2);
/// assert!(zmq_rpc::datetime::Date::new(2024, 13, 1).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Date {
    /// 1 to 9999.
    pub year: u16,
    /// 1 to 12.
    pub month: u8,
    /// 1 to 31.
    pub day: u8,
}

impl Date {
    /// A date, if the fields are in range (the day is checked against 31,
    /// not against the month).
    ///
    /// # Examples
    ///
    /// See [`Date`].
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
            .then_some(Date { year, month, day })
    }

    fn state(self) -> [u8; 4] {
        let [year_hi, year_lo] = self.year.to_be_bytes();
        [year_hi, year_lo, self.month, self.day]
    }

    /// Reads the state bytes; `fold` is the high bit of the month byte.
    fn from_state(state: &[u8]) -> Result<(Date, bool), String> {
        let [year_hi, year_lo, month, day] = state else {
            return Err("a date state is 4 bytes".to_owned());
        };
        let date = Date::new(u16::from_be_bytes([*year_hi, *year_lo]), month & 0x7f, *day)
            .ok_or("date out of range")?;
        Ok((date, month & 0x80 != 0))
    }
}

/// Python's `datetime.time`.
///
/// # Examples
///
/// ```
/// use zmq_rpc::datetime::Time;
///
/// let noon = Time::new(12, 0, 0, 0).unwrap();
/// assert_eq!(noon.tzinfo, None);
/// assert!(Time::new(24, 0, 0, 0).is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Time {
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
    /// 0 to 59.
    pub second: u8,
    /// 0 to 999999.
    pub microsecond: u32,
    /// Python's `fold` (which of two repeated wall times).
    pub fold: bool,
    /// The time zone, if aware.
    pub tzinfo: Option<TimeZone>,
}

impl Time {
    /// A naive time, if the fields are in range.
    ///
    /// # Examples
    ///
    /// See [`Time`].
    pub fn new(hour: u8, minute: u8, second: u8, microsecond: u32) -> Option<Time> {
        (hour < 24 && minute < 60 && second < 60 && microsecond < 1_000_000).then_some(Time {
            hour,
            minute,
            second,
            microsecond,
            fold: false,
            tzinfo: None,
        })
    }

    fn state(&self) -> [u8; 6] {
        let [_, us_hi, us_mid, us_lo] = self.microsecond.to_be_bytes();
        [self.hour, self.minute, self.second, us_hi, us_mid, us_lo]
    }

    /// Reads the 6 state bytes after the date part; `fold` is given.
    fn from_state(state: &[u8], fold: bool) -> Result<Time, String> {
        let [hour, minute, second, us_hi, us_mid, us_lo] = state else {
            return Err("a time state is 6 bytes".to_owned());
        };
        let microsecond = u32::from_be_bytes([0, *us_hi, *us_mid, *us_lo]);
        let mut time =
            Time::new(*hour, *minute, *second, microsecond).ok_or("time out of range")?;
        time.fold = fold;
        Ok(time)
    }
}

/// Python's `datetime.datetime`.
///
/// # Examples
///
/// ```
/// use zmq_rpc::datetime::{Date, DateTime, Time};
///
/// let moment = DateTime { date: Date::new(2014, 3, 21).unwrap(), time: Time::new(8, 30, 0, 0).unwrap() };
/// assert_eq!(moment.time.hour, 8);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// The date part.
    pub date: Date,
    /// The time part, with fold and time zone.
    pub time: Time,
}

/// Python's `datetime.timedelta`, normalised as Python does: `seconds` in
/// `0..86400`, `microseconds` in `0..1_000_000`, the sign in `days`.
///
/// # Examples
///
/// ```
/// use zmq_rpc::datetime::TimeDelta;
///
/// // timedelta(microseconds=-1) == timedelta(days=-1, seconds=86399, microseconds=999999)
/// let delta = TimeDelta::from_microseconds(-1);
/// assert_eq!((delta.days, delta.seconds, delta.microseconds), (-1, 86399, 999_999));
/// assert_eq!(delta.total_microseconds(), -1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TimeDelta {
    /// Whole days (may be negative).
    pub days: i64,
    /// Seconds, `0..86400`.
    pub seconds: i64,
    /// Microseconds, `0..1_000_000`.
    pub microseconds: i64,
}

const MICROS_PER_DAY: i128 = 86_400 * 1_000_000;

impl TimeDelta {
    /// A normalised delta of `total` microseconds.
    ///
    /// # Examples
    ///
    /// See [`TimeDelta`].
    pub fn from_microseconds(total: i64) -> TimeDelta {
        let total = i128::from(total);
        let days = total.div_euclid(MICROS_PER_DAY);
        let rest = total.rem_euclid(MICROS_PER_DAY);
        TimeDelta {
            days: days as i64,
            seconds: (rest / 1_000_000) as i64,
            microseconds: (rest % 1_000_000) as i64,
        }
    }

    /// The whole delta in microseconds.
    ///
    /// # Examples
    ///
    /// See [`TimeDelta`].
    pub fn total_microseconds(&self) -> i128 {
        i128::from(self.days) * MICROS_PER_DAY
            + i128::from(self.seconds) * 1_000_000
            + i128::from(self.microseconds)
    }

    fn from_args(args: &[PickleValue]) -> Result<TimeDelta, String> {
        let [
            PickleValue::Int(days),
            PickleValue::Int(seconds),
            PickleValue::Int(microseconds),
        ] = args
        else {
            return Err("timedelta takes (days, seconds, microseconds)".to_owned());
        };
        if !(0..86_400).contains(seconds) || !(0..1_000_000).contains(microseconds) {
            return Err("timedelta not normalised".to_owned());
        }
        if days.abs() > 999_999_999 {
            return Err("timedelta out of range".to_owned());
        }
        Ok(TimeDelta {
            days: *days,
            seconds: *seconds,
            microseconds: *microseconds,
        })
    }

    fn write(&self, writer: &mut Writer) {
        writer.global(DatetimeClass::TimeDelta);
        writer.int(self.days);
        writer.int(self.seconds);
        writer.int(self.microseconds);
        writer.tuple(3);
        writer.reduce();
    }
}

/// Python's `datetime.timezone`: a fixed UTC offset, maybe named.
///
/// # Examples
///
/// ```
/// use zmq_rpc::datetime::{TimeDelta, TimeZone};
///
/// let est = TimeZone { offset: TimeDelta::from_microseconds(-5 * 3600 * 1_000_000), name: Some("EST".into()) };
/// assert_eq!(est.offset.days, -1);
/// assert_eq!(TimeZone::utc().offset, TimeDelta::default());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TimeZone {
    /// The offset from UTC (strictly between -24 h and 24 h).
    pub offset: TimeDelta,
    /// The name given to `timezone(offset, name)`, if any.
    pub name: Option<String>,
}

impl TimeZone {
    /// `datetime.timezone.utc`.
    ///
    /// # Examples
    ///
    /// See [`TimeZone`].
    pub fn utc() -> TimeZone {
        TimeZone {
            offset: TimeDelta::default(),
            name: None,
        }
    }

    fn from_value(value: &PickleValue) -> Result<TimeZone, String> {
        let PickleValue::Object(DatetimeClass::TimeZone, args) = value else {
            return Err("only datetime.timezone time zones are supported".to_owned());
        };
        let (offset, name) = match args.as_slice() {
            [offset] => (offset, None),
            [offset, PickleValue::Str(name)] => (offset, Some(name.clone())),
            _ => return Err("timezone takes (offset[, name])".to_owned()),
        };
        let PickleValue::Object(DatetimeClass::TimeDelta, delta) = offset else {
            return Err("a timezone offset is a timedelta".to_owned());
        };
        let offset = TimeDelta::from_args(delta)?;
        if offset.total_microseconds().abs() >= MICROS_PER_DAY {
            return Err("timezone offset out of range".to_owned());
        }
        Ok(TimeZone { offset, name })
    }

    fn write(&self, writer: &mut Writer) {
        writer.global(DatetimeClass::TimeZone);
        self.offset.write(writer);
        match &self.name {
            Some(name) => {
                writer.text(name);
                writer.tuple(2);
            }
            None => writer.tuple(1),
        }
        writer.reduce();
    }
}

/// Loads a payload that must be a call of `class`.
fn load_object(payload: &[u8], class: DatetimeClass) -> Result<Vec<PickleValue>, String> {
    match load(payload)? {
        PickleValue::Object(found, args) if found == class => Ok(args),
        _ => Err(format!("expected a pickled datetime.{}", class.name())),
    }
}

/// `(state_bytes[, tzinfo])`.
fn state_and_zone(args: &[PickleValue]) -> Result<(&[u8], Option<TimeZone>), String> {
    match args {
        [PickleValue::Bytes(state)] => Ok((state, None)),
        [PickleValue::Bytes(state), PickleValue::None] => Ok((state, None)),
        [PickleValue::Bytes(state), zone] => Ok((state, Some(TimeZone::from_value(zone)?))),
        _ => Err("expected (state bytes[, tzinfo])".to_owned()),
    }
}

fn ext_payload<'de, D: Deserializer<'de>>(deserializer: D, code: i8) -> Result<Vec<u8>, D::Error> {
    let ext = Ext::deserialize(deserializer)?;
    if ext.code != code {
        return Err(de::Error::custom(format!(
            "expected ext code {code}, got {}",
            ext.code
        )));
    }
    Ok(ext.data)
}

fn serialize_ext<S: Serializer>(
    serializer: S,
    code: i8,
    payload: Vec<u8>,
) -> Result<S::Ok, S::Error> {
    Ext {
        code,
        data: payload,
    }
    .serialize(serializer)
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut writer = Writer::new();
        writer.global(DatetimeClass::Date);
        writer.short_bytes(&self.state());
        writer.tuple(1);
        writer.reduce();
        serialize_ext(serializer, DATE_CODE, writer.finish())
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let payload = ext_payload(deserializer, DATE_CODE)?;
        let decode = || -> Result<Date, String> {
            let args = load_object(&payload, DatetimeClass::Date)?;
            let [PickleValue::Bytes(state)] = args.as_slice() else {
                return Err("date takes (state bytes,)".to_owned());
            };
            let (date, fold) = Date::from_state(state)?;
            if fold {
                return Err("a date has no fold".to_owned());
            }
            Ok(date)
        };
        decode().map_err(de::Error::custom)
    }
}

fn write_zone_tuple(writer: &mut Writer, zone: Option<&TimeZone>) {
    match zone {
        Some(zone) => {
            zone.write(writer);
            writer.tuple(2);
        }
        None => writer.tuple(1),
    }
}

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if Time::new(self.hour, self.minute, self.second, self.microsecond).is_none() {
            return Err(ser::Error::custom("time out of range"));
        }
        let mut state = self.state();
        if self.fold {
            state[0] |= 0x80;
        }
        let mut writer = Writer::new();
        writer.global(DatetimeClass::Time);
        writer.short_bytes(&state);
        write_zone_tuple(&mut writer, self.tzinfo.as_ref());
        writer.reduce();
        serialize_ext(serializer, TIME_CODE, writer.finish())
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Time, D::Error> {
        let payload = ext_payload(deserializer, TIME_CODE)?;
        let decode = || -> Result<Time, String> {
            let args = load_object(&payload, DatetimeClass::Time)?;
            let (state, zone) = state_and_zone(&args)?;
            let [hour, rest @ ..] = state else {
                return Err("a time state is 6 bytes".to_owned());
            };
            let mut unfolded = vec![hour & 0x7f];
            unfolded.extend(rest);
            let mut time = Time::from_state(&unfolded, hour & 0x80 != 0)?;
            time.tzinfo = zone;
            Ok(time)
        };
        decode().map_err(de::Error::custom)
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (date, time) = (self.date, &self.time);
        if Date::new(date.year, date.month, date.day).is_none()
            || Time::new(time.hour, time.minute, time.second, time.microsecond).is_none()
        {
            return Err(ser::Error::custom("datetime out of range"));
        }
        let mut state = [0u8; 10];
        state[..4].copy_from_slice(&date.state());
        state[4..].copy_from_slice(&time.state());
        if time.fold {
            state[2] |= 0x80;
        }
        let mut writer = Writer::new();
        writer.global(DatetimeClass::DateTime);
        writer.short_bytes(&state);
        write_zone_tuple(&mut writer, time.tzinfo.as_ref());
        writer.reduce();
        serialize_ext(serializer, DATETIME_CODE, writer.finish())
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<DateTime, D::Error> {
        let payload = ext_payload(deserializer, DATETIME_CODE)?;
        let decode = || -> Result<DateTime, String> {
            let args = load_object(&payload, DatetimeClass::DateTime)?;
            let (state, zone) = state_and_zone(&args)?;
            if state.len() != 10 {
                return Err("a datetime state is 10 bytes".to_owned());
            }
            let (date, fold) = Date::from_state(&state[..4])?;
            let mut time = Time::from_state(&state[4..], fold)?;
            time.tzinfo = zone;
            Ok(DateTime { date, time })
        };
        decode().map_err(de::Error::custom)
    }
}

impl Serialize for TimeDelta {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let normalised = TimeDelta::from_args(&[
            PickleValue::Int(self.days),
            PickleValue::Int(self.seconds),
            PickleValue::Int(self.microseconds),
        ])
        .map_err(ser::Error::custom)?;
        let mut writer = Writer::new();
        normalised.write(&mut writer);
        serialize_ext(serializer, TIMEDELTA_CODE, writer.finish())
    }
}

impl<'de> Deserialize<'de> for TimeDelta {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TimeDelta, D::Error> {
        let payload = ext_payload(deserializer, TIMEDELTA_CODE)?;
        load_object(&payload, DatetimeClass::TimeDelta)
            .and_then(|args| TimeDelta::from_args(&args))
            .map_err(de::Error::custom)
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.offset.total_microseconds().abs() >= MICROS_PER_DAY {
            return Err(ser::Error::custom("timezone offset out of range"));
        }
        let mut writer = Writer::new();
        self.write(&mut writer);
        serialize_ext(serializer, TZINFO_CODE, writer.finish())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<TimeZone, D::Error> {
        let payload = ext_payload(deserializer, TZINFO_CODE)?;
        load(&payload)
            .and_then(|value| TimeZone::from_value(&value))
            .map_err(de::Error::custom)
    }
}
