//! Conversions between the types of [`crate::datetime`] and chrono's
//! (feature `chrono`, on by default).
//!
//! | Python (wire type here) | chrono |
//! |---|---|
//! | `date` ([`Date`]) | [`NaiveDate`] |
//! | naive `time` ([`Time`]) | [`NaiveTime`] |
//! | naive `datetime` ([`DateTime`]) | [`NaiveDateTime`] |
//! | aware `datetime` ([`DateTime`] with a `tzinfo`) | [`chrono::DateTime<FixedOffset>`] |
//! | `timedelta` ([`TimeDelta`]) | [`chrono::TimeDelta`] |
//! | `timezone` ([`TimeZone`]) | [`FixedOffset`] |
//!
//! Every conversion that can fail is a `TryFrom` with [`OutOfRange`]:
//! Python's years are 1 to 9999 and its timedeltas reach 999 999 999 days,
//! chrono's offsets are whole seconds and its deltas about 292 million
//! years. Where chrono has finer resolution (nanoseconds) the value is
//! truncated to Python's microseconds. chrono has no `fold` and no zone
//! names: converting to chrono drops them, converting from chrono gives
//! `fold = false` and no name (keep the wire types where they matter).

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::datetime::{Date, DateTime, OutOfRange, Time, TimeDelta, TimeZone};

const MICROS_PER_SECOND: i128 = 1_000_000;

impl TryFrom<NaiveDate> for Date {
    type Error = OutOfRange;

    fn try_from(date: NaiveDate) -> Result<Date, OutOfRange> {
        u16::try_from(date.year())
            .ok()
            .and_then(|year| Date::new(year, date.month() as u8, date.day() as u8))
            .ok_or(OutOfRange("a date outside the years 1 to 9999"))
    }
}

impl TryFrom<Date> for NaiveDate {
    type Error = OutOfRange;

    fn try_from(date: Date) -> Result<NaiveDate, OutOfRange> {
        NaiveDate::from_ymd_opt(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
        )
        .ok_or(OutOfRange("a date that does not exist"))
    }
}

impl TryFrom<NaiveTime> for Time {
    type Error = OutOfRange;

    /// A naive time; nanoseconds are truncated to microseconds.
    fn try_from(time: NaiveTime) -> Result<Time, OutOfRange> {
        if time.nanosecond() >= 1_000_000_000 {
            return Err(OutOfRange("a leap second"));
        }
        Time::new(
            time.hour() as u8,
            time.minute() as u8,
            time.second() as u8,
            time.nanosecond() / 1000,
        )
        .ok_or(OutOfRange("a time of day"))
    }
}

impl TryFrom<&Time> for NaiveTime {
    type Error = OutOfRange;

    /// The wall-clock time: `tzinfo` and `fold` are dropped.
    fn try_from(time: &Time) -> Result<NaiveTime, OutOfRange> {
        NaiveTime::from_hms_micro_opt(
            u32::from(time.hour),
            u32::from(time.minute),
            u32::from(time.second),
            time.microsecond,
        )
        .ok_or(OutOfRange("a time of day"))
    }
}

impl TryFrom<NaiveDateTime> for DateTime {
    type Error = OutOfRange;

    /// A naive datetime; nanoseconds are truncated to microseconds.
    fn try_from(moment: NaiveDateTime) -> Result<DateTime, OutOfRange> {
        Ok(DateTime {
            date: moment.date().try_into()?,
            time: moment.time().try_into()?,
        })
    }
}

impl TryFrom<&DateTime> for NaiveDateTime {
    type Error = OutOfRange;

    /// The wall-clock date and time: `tzinfo` and `fold` are dropped.
    fn try_from(moment: &DateTime) -> Result<NaiveDateTime, OutOfRange> {
        Ok(NaiveDate::try_from(moment.date)?.and_time(NaiveTime::try_from(&moment.time)?))
    }
}

impl TryFrom<chrono::DateTime<FixedOffset>> for DateTime {
    type Error = OutOfRange;

    /// An aware datetime: the local wall time with a `timezone` of the
    /// offset (no name).
    fn try_from(moment: chrono::DateTime<FixedOffset>) -> Result<DateTime, OutOfRange> {
        let mut converted = DateTime::try_from(moment.naive_local())?;
        converted.time.tzinfo = Some(TimeZone::from(*moment.offset()));
        Ok(converted)
    }
}

impl TryFrom<&DateTime> for chrono::DateTime<FixedOffset> {
    type Error = OutOfRange;

    /// An aware datetime (a naive one has no offset: an error); `fold` and
    /// the zone's name are dropped.
    fn try_from(moment: &DateTime) -> Result<chrono::DateTime<FixedOffset>, OutOfRange> {
        let zone = moment
            .time
            .tzinfo
            .as_ref()
            .ok_or(OutOfRange("a naive datetime as an aware one"))?;
        let offset = FixedOffset::try_from(zone)?;
        NaiveDateTime::try_from(moment)?
            .and_local_timezone(offset)
            .single()
            .ok_or(OutOfRange("a datetime at the edge of chrono's range"))
    }
}

impl TryFrom<chrono::TimeDelta> for TimeDelta {
    type Error = OutOfRange;

    /// Nanoseconds are truncated to microseconds (toward zero).
    fn try_from(delta: chrono::TimeDelta) -> Result<TimeDelta, OutOfRange> {
        let micros = delta
            .num_microseconds()
            .ok_or(OutOfRange("a timedelta beyond 999999999 days"))?;
        let converted = TimeDelta::from_microseconds(micros);
        if converted.days.abs() > 999_999_999 {
            return Err(OutOfRange("a timedelta beyond 999999999 days"));
        }
        Ok(converted)
    }
}

impl TryFrom<TimeDelta> for chrono::TimeDelta {
    type Error = OutOfRange;

    fn try_from(delta: TimeDelta) -> Result<chrono::TimeDelta, OutOfRange> {
        i64::try_from(delta.total_microseconds())
            .map(chrono::TimeDelta::microseconds)
            .map_err(|_| OutOfRange("a timedelta beyond chrono's range"))
    }
}

impl From<FixedOffset> for TimeZone {
    fn from(offset: FixedOffset) -> TimeZone {
        TimeZone {
            offset: TimeDelta::from_microseconds(
                i64::from(offset.local_minus_utc()) * MICROS_PER_SECOND as i64,
            ),
            name: None,
        }
    }
}

impl TryFrom<&TimeZone> for FixedOffset {
    type Error = OutOfRange;

    /// The offset (whole seconds only); the name is dropped.
    fn try_from(zone: &TimeZone) -> Result<FixedOffset, OutOfRange> {
        let micros = zone.offset.total_microseconds();
        if micros % MICROS_PER_SECOND != 0 {
            return Err(OutOfRange("an offset with microseconds"));
        }
        i32::try_from(micros / MICROS_PER_SECOND)
            .ok()
            .and_then(FixedOffset::east_opt)
            .ok_or(OutOfRange("an offset of a day or more"))
    }
}
