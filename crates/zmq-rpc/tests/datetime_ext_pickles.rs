//! aiozmq's datetime ext codes (123 to 127): the spec's capture decodes,
//! our pickles are the minimal protocol-4 shape Python loads, values round
//! trip, and anything outside the allow-list is refused without panicking.

use zmq_rpc::datetime::{Date, DateTime, Time, TimeDelta, TimeZone};
use zmq_rpc::ext::Ext;
use zmq_rpc::msgpack::{decode_value, from_value, to_value};
use zmq_rpc::rmpv::Value;

fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).unwrap(), 16).unwrap())
        .collect()
}

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
