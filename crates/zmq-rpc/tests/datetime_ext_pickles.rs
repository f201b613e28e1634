//! aiozmq's datetime ext codes (123 to 127): the spec's capture decodes,
//! our pickles are the minimal protocol-4 shape Python loads, values round
//! trip, and anything outside the allow-list is refused without panicking.

use zmq_rpc::datetime::{Date, DateTime, Time, TimeDelta, TimeZone};
use zmq_rpc::ext::Ext;
use zmq_rpc::msgpack::{decode_value, from_value, to_value};
use zmq_rpc::rmpv::Value;

use zmq_test_support::hex;

/// SHORT_BINUNICODE of `text`.
fn short_str(text: &str) -> Vec<u8> {
    let mut bytes = vec![0x8c, text.len() as u8];
    bytes.extend(text.as_bytes());
    bytes
}

fn payload_of<T: serde::Serialize>(value: &T) -> (i8, Vec<u8>) {
    match to_value(value).unwrap() {
        Value::Ext(code, payload) => (code, payload),
        other => panic!("not an ext value: {other:?}"),
    }
}

fn load<T: serde::de::DeserializeOwned>(code: i8, payload: Vec<u8>) -> Result<T, String> {
    from_value::<T>(&Value::Ext(code, payload)).map_err(|error| error.to_string())
}

#[test]
fn the_captured_date_argument_decodes() {
    // echo(datetime.date(2014, 3, 21)) as aiozmq 1.0 on CPython 3.11 sent it.
    let args = hex(
        "91 c7 2b 7f 8005952000000000000000 8c086461746574696d6594 8c046461746594 9394 430407de031594 8594 5294 2e",
    );
    let (date,): (Date,) = from_value(&decode_value(&args).unwrap()).unwrap();
    assert_eq!(date, Date::new(2014, 3, 21).unwrap());
}

#[test]
fn dates_encode_as_the_minimal_protocol_4_pickle() {
    let (code, payload) = payload_of(&Date::new(2014, 3, 21).unwrap());
    assert_eq!(code, 127);
    let mut expected = hex("80 04");
    expected.extend(short_str("datetime"));
    expected.extend(short_str("date"));
    expected.extend(hex("93 43 04 07de0315 85 52 2e"));
    assert_eq!(payload, expected);
}

#[test]
fn datetimes_times_deltas_and_zones_round_trip() {
    let est = TimeZone {
        offset: TimeDelta::from_microseconds(-5 * 3600 * 1_000_000),
        name: Some("EST".to_owned()),
    };
    let mut folded = Time::new(1, 30, 0, 999_999).unwrap();
    folded.fold = true;
    let mut aware = Time::new(23, 59, 59, 1).unwrap();
    aware.tzinfo = Some(TimeZone::utc());
    let moment = DateTime {
        date: Date::new(9999, 12, 31).unwrap(),
        time: Time {
            tzinfo: Some(est.clone()),
            ..folded.clone()
        },
    };
    assert_eq!(
        load::<DateTime>(126, payload_of(&moment).1).unwrap(),
        moment
    );
    assert_eq!(load::<Time>(125, payload_of(&folded).1).unwrap(), folded);
    assert_eq!(load::<Time>(125, payload_of(&aware).1).unwrap(), aware);
    assert_eq!(load::<TimeZone>(123, payload_of(&est).1).unwrap(), est);
    for micros in [
        0,
        5,
        -1,
        -86_400_000_000 + 5,
        86_399_999_999,
        i64::from(i32::MAX) * 7,
    ] {
        let delta = TimeDelta::from_microseconds(micros);
        let (code, payload) = payload_of(&delta);
        assert_eq!(code, 124);
        assert_eq!(load::<TimeDelta>(124, payload).unwrap(), delta);
        assert_eq!(delta.total_microseconds(), i128::from(micros));
    }
    // fold sets the high bit of the month byte of a datetime, of the hour
    // byte of a time.
    let (_, payload) = payload_of(&moment);
    assert!(
        payload
            .windows(4)
            .any(|window| window == [0x27, 0x0f, 0x8c, 0x1f])
    );
    let (_, payload) = payload_of(&folded);
    assert!(payload.windows(2).any(|window| window == [6, 0x81]));
    // timedelta(days=-1, microseconds=5): BININT -1, BININT1 0, BININT1 5.
    let (_, payload) = payload_of(&TimeDelta::from_microseconds(-86_400_000_000 + 5));
    assert!(payload.ends_with(&hex("4a ffffffff 4b 00 4b 05 87 52 2e")));
}

#[test]
fn python_style_pickles_with_memo_frames_and_old_opcodes_load() {
    // datetime(2014, 3, 21, 8, 30, tzinfo=timezone(timedelta(hours=-5))) in
    // CPython 3.11's shape: FRAME, MEMOIZE after each object, BINGET 0 to
    // reuse the module name.
    let mut payload = hex("80 05 95 0000000000000000");
    payload.extend(short_str("datetime"));
    payload.push(0x94); // memo 0: "datetime"
    payload.extend(short_str("datetime"));
    payload.extend(hex("94 93 94")); // memo 1, STACK_GLOBAL, memo 2
    payload.extend(hex("43 0a 07de0315 081e00 000000 94")); // state, memo 3
    payload.extend(hex("68 00"));
    payload.extend(short_str("timezone"));
    payload.extend(hex("94 93 94 68 00"));
    payload.extend(short_str("timedelta"));
    payload.extend(hex("94 93 94"));
    payload.extend(hex(
        "4a ffffffff 4a 30 0b 01 00 4b 00 87 94 52 94 85 94 52 94 86 94 52 94 2e",
    ));
    let moment = load::<DateTime>(126, payload).unwrap();
    assert_eq!(moment.date, Date::new(2014, 3, 21).unwrap());
    assert_eq!((moment.time.hour, moment.time.minute), (8, 30));
    let zone = moment.time.tzinfo.unwrap();
    assert_eq!(
        zone.offset.total_microseconds(),
        -5 * 3600 * 1_000_000,
        "{zone:?}"
    );

    // Protocol 0-style GLOBAL, MARK + TUPLE, BINPUT/BINGET, LONG1.
    let mut old = b"cdatetime\ntimedelta\nq\x01(".to_vec();
    old.extend(hex("8a 01 ff 4b 00 4b 05 74 52 2e")); // LONG1 -1, 0, 5, TUPLE, REDUCE
    let delta = load::<TimeDelta>(124, old).unwrap();
    assert_eq!((delta.days, delta.seconds, delta.microseconds), (-1, 0, 5));
}

#[test]
fn anything_outside_the_allow_list_is_refused() {
    let refused = |payload: Vec<u8>| {
        let error = load::<Date>(127, payload).unwrap_err();
        assert!(!error.is_empty());
    };
    // The classic: os.system('...') through GLOBAL and through STACK_GLOBAL.
    refused(b"cos\nsystem\n(S'echo pwned'\ntR.".to_vec());
    let mut stack_global = hex("80 04");
    stack_global.extend(short_str("os"));
    stack_global.extend(short_str("system"));
    stack_global.extend(hex("93"));
    stack_global.extend(short_str("true"));
    stack_global.extend(hex("85 52 2e"));
    refused(stack_global);
    // builtins.getattr (how ZoneInfo pickles) is not allowed either.
    let mut getattr = hex("80 04");
    getattr.extend(short_str("builtins"));
    getattr.extend(short_str("getattr"));
    getattr.extend(hex("93 2e"));
    refused(getattr);
    // A date pickle with bytes after STOP, truncated, or with a bad state.
    let good = payload_of(&Date::new(2014, 3, 21).unwrap()).1;
    let mut trailing = good.clone();
    trailing.push(b'.');
    refused(trailing);
    refused(good[..good.len() - 3].to_vec());
    let month_13: Vec<u8> = good
        .iter()
        .map(|byte| if *byte == 0x03 { 0x0d } else { *byte })
        .collect();
    refused(month_13);
    // The right pickle under the wrong code, and the wrong class.
    assert!(load::<DateTime>(127, good.clone()).is_err());
    assert!(load::<Date>(126, good).is_err());
    // An opaque user ext value is not a date.
    assert!(
        from_value::<Date>(
            &to_value(&Ext {
                code: 1,
                data: vec![]
            })
            .unwrap()
        )
        .is_err()
    );
}

#[test]
fn random_pickles_never_panic() {
    let mut state = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let seeds: Vec<Vec<u8>> = vec![
        payload_of(&Date::new(2014, 3, 21).unwrap()).1,
        payload_of(&TimeDelta::from_microseconds(-5)).1,
        payload_of(&DateTime {
            date: Date::new(2000, 1, 1).unwrap(),
            time: Time {
                tzinfo: Some(TimeZone::utc()),
                ..Time::new(0, 0, 0, 0).unwrap()
            },
        })
        .1,
    ];
    for round in 0..20_000 {
        let mut payload = seeds[round % seeds.len()].clone();
        for _ in 0..(next() % 4) {
            let at = (next() as usize) % payload.len();
            payload[at] = next() as u8;
        }
        if next() % 3 == 0 {
            payload.truncate((next() as usize) % (payload.len() + 1));
        }
        for code in 123..=127 {
            let value = Value::Ext(code, payload.clone());
            let _ = from_value::<Date>(&value);
            let _ = from_value::<DateTime>(&value);
            let _ = from_value::<Time>(&value);
            let _ = from_value::<TimeDelta>(&value);
            let _ = from_value::<TimeZone>(&value);
        }
    }
}

#[test]
fn edge_values_round_trip() {
    let first = Date::new(1, 1, 1).unwrap();
    let last = Date::new(9999, 12, 31).unwrap();
    for date in [first, last] {
        assert_eq!(load::<Date>(127, payload_of(&date).1).unwrap(), date);
    }
    let limit = |micros: i64, name: Option<&str>| TimeZone {
        offset: TimeDelta::from_microseconds(micros),
        name: name.map(str::to_owned),
    };
    let day = 86_400_000_000i64;
    for (date, zone) in [
        (first, Some(TimeZone::utc())),
        (first, Some(limit(-(day - 1), None))),
        (last, Some(limit(day - 1, Some("almost a day")))),
        (
            last,
            Some(limit(5 * 3_600_000_000 + 30 * 60_000_000, Some("IST"))),
        ),
        (last, None),
    ] {
        let mut time = Time::new(23, 59, 59, 999_999).unwrap();
        time.fold = true;
        time.tzinfo = zone;
        let moment = DateTime { date, time };
        assert_eq!(
            load::<DateTime>(126, payload_of(&moment).1).unwrap(),
            moment
        );
    }
    // Python's timedelta limits: days in -999999999..=999999999.
    for delta in [
        TimeDelta {
            days: -999_999_999,
            seconds: 0,
            microseconds: 0,
        },
        TimeDelta {
            days: 999_999_999,
            seconds: 86_399,
            microseconds: 999_999,
        },
        TimeDelta::from_microseconds(-1),
    ] {
        assert_eq!(load::<TimeDelta>(124, payload_of(&delta).1).unwrap(), delta);
    }
    let beyond = TimeDelta {
        days: 1_000_000_000,
        seconds: 0,
        microseconds: 0,
    };
    // Out of Python's range: refused when encoding (a Python peer would
    // fail to load it) and when decoding.
    assert!(to_value(&beyond).is_err());
    let mut pickle = hex("80 04");
    pickle.extend(short_str("datetime"));
    pickle.extend(short_str("timedelta"));
    pickle.extend(hex("93 4a 00ca9a3b 4b 00 4b 00 87 52 2e")); // (1000000000, 0, 0)
    assert!(load::<TimeDelta>(124, pickle).is_err());
    // A zone offset of a whole day is out of range.
    let whole_day = limit(day, None);
    assert!(
        to_value(&whole_day).is_err() || load::<TimeZone>(123, payload_of(&whole_day).1).is_err()
    );
}

#[test]
fn huge_lengths_and_unknown_opcodes_are_refused() {
    let refused = |payload: Vec<u8>| assert!(load::<Date>(127, payload).is_err());
    // BINUNICODE and BINBYTES claiming 4 GiB, LONG1 claiming 255 bytes.
    refused(hex("80 04 58 ffffffff 41"));
    refused(hex("80 04 42 ffffffff 41"));
    refused(hex("80 04 8a ff 01"));
    // LONG_BINGET of a memo entry that was never stored.
    refused(hex("80 04 6a ffffffff 2e"));
    // Opcodes outside the subset: BUILD, INST, OBJ, NEWOBJ, EXT1, a dict.
    for opcode in [0x62u8, 0x69, 0x6f, 0x81, 0x82, 0x7d] {
        refused(vec![0x80, 0x04, opcode, 0x2e]);
    }
    // An empty payload, a lone PROTO, a payload over the size limit.
    refused(Vec::new());
    refused(hex("80 04"));
    let mut long = hex("80 04");
    long.extend(std::iter::repeat_n(0x4e, 10_000)); // NONE, many times
    long.push(0x2e);
    refused(long);
}

#[cfg(feature = "chrono")]
#[test]
fn chrono_types_convert_with_their_limits() {
    use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone as _};
    use zmq_rpc::datetime::OutOfRange;

    for (year, month, day) in [(1, 1, 1), (2024, 2, 29), (9999, 12, 31)] {
        let naive = NaiveDate::from_ymd_opt(year, month, day).unwrap();
        let date = Date::try_from(naive).unwrap();
        assert_eq!(NaiveDate::try_from(date).unwrap(), naive);
    }
    for year in [0, 10_000, -5] {
        assert!(Date::try_from(NaiveDate::from_ymd_opt(year, 1, 1).unwrap()).is_err());
    }
    assert!(NaiveDate::try_from(Date::new(2023, 2, 31).unwrap()).is_err());

    // Nanoseconds truncate to microseconds; a leap second has no Python form.
    let time = Time::try_from(NaiveTime::from_hms_nano_opt(1, 2, 3, 456_789_999).unwrap()).unwrap();
    assert_eq!(time, Time::new(1, 2, 3, 456_789).unwrap());
    assert_eq!(
        NaiveTime::try_from(&time).unwrap(),
        NaiveTime::from_hms_micro_opt(1, 2, 3, 456_789).unwrap()
    );
    assert!(
        Time::try_from(NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap()).is_err()
    );

    // Aware datetimes keep their offset and go over the wire as Python's.
    for seconds in [0, 5 * 3600 + 1800, -(86_400 - 1), 86_400 - 1] {
        let offset = FixedOffset::east_opt(seconds).unwrap();
        let moment = offset.with_ymd_and_hms(2014, 3, 21, 8, 30, 15).unwrap();
        let wire = DateTime::try_from(moment).unwrap();
        assert_eq!(
            wire.time
                .tzinfo
                .as_ref()
                .unwrap()
                .offset
                .total_microseconds(),
            i128::from(seconds) * 1_000_000
        );
        let back: DateTime = load(126, payload_of(&wire).1).unwrap();
        assert_eq!(
            chrono::DateTime::<FixedOffset>::try_from(&back).unwrap(),
            moment
        );
    }
    let naive = DateTime {
        date: Date::new(2014, 3, 21).unwrap(),
        time: Time::new(8, 30, 0, 0).unwrap(),
    };
    assert_eq!(
        chrono::DateTime::<FixedOffset>::try_from(&naive),
        Err(OutOfRange("a naive datetime as an aware one"))
    );
    assert_eq!(
        chrono::NaiveDateTime::try_from(&naive).unwrap(),
        NaiveDate::from_ymd_opt(2014, 3, 21)
            .unwrap()
            .and_hms_opt(8, 30, 0)
            .unwrap()
    );
    // fold and zone names have no chrono form: dropped.
    let mut folded = naive.clone();
    folded.time.fold = true;
    folded.time.tzinfo = Some(TimeZone {
        offset: TimeDelta::from_microseconds(3_600_000_000),
        name: Some("CET".to_owned()),
    });
    let converted = chrono::DateTime::<FixedOffset>::try_from(&folded).unwrap();
    let again = DateTime::try_from(converted).unwrap();
    assert!(!again.time.fold);
    assert_eq!(again.time.tzinfo.unwrap().name, None);
    // Offsets with microseconds (Python allows them) do not fit FixedOffset.
    let odd = TimeZone {
        offset: TimeDelta::from_microseconds(1),
        name: None,
    };
    assert!(FixedOffset::try_from(&odd).is_err());

    // Deltas: negative ones, and both ranges.
    for micros in [
        -1,
        -86_400_000_000 + 5,
        86_399_999_999,
        i64::from(i32::MAX) * 7,
    ] {
        let chrono_delta = chrono::TimeDelta::microseconds(micros);
        let delta = TimeDelta::try_from(chrono_delta).unwrap();
        assert_eq!(delta, TimeDelta::from_microseconds(micros));
        assert_eq!(chrono::TimeDelta::try_from(delta).unwrap(), chrono_delta);
    }
    assert!(TimeDelta::try_from(chrono::TimeDelta::days(1_000_000_000)).is_err());
    let python_max = TimeDelta {
        days: 999_999_999,
        seconds: 0,
        microseconds: 0,
    };
    assert!(chrono::TimeDelta::try_from(python_max).is_err());
}
