//! The small, allow-listed subset of Python's pickle that aiozmq's datetime
//! ext codes carry. Nothing here runs code: the only callables are the five
//! `datetime` constructors, evaluated into plain Rust values.

use std::collections::HashMap;

/// A value on the pickle machine's stack.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PickleValue {
    None,
    Int(i64),
    Str(String),
    Bytes(Vec<u8>),
    Tuple(Vec<PickleValue>),
    /// A global the allow-list accepted, not yet called.
    Global(DatetimeClass),
    /// The result of calling an allowed constructor with these args.
    Object(DatetimeClass, Vec<PickleValue>),
}

/// The classes a datetime pickle may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DatetimeClass {
    Date,
    DateTime,
    Time,
    TimeDelta,
    TimeZone,
}

impl DatetimeClass {
    fn from_global(module: &str, name: &str) -> Result<DatetimeClass, String> {
        match (module, name) {
            ("datetime", "date") => Ok(DatetimeClass::Date),
            ("datetime", "datetime") => Ok(DatetimeClass::DateTime),
            ("datetime", "time") => Ok(DatetimeClass::Time),
            ("datetime", "timedelta") => Ok(DatetimeClass::TimeDelta),
            ("datetime", "timezone") => Ok(DatetimeClass::TimeZone),
            _ => Err(format!("global {module}.{name} is not allowed")),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            DatetimeClass::Date => "date",
            DatetimeClass::DateTime => "datetime",
            DatetimeClass::Time => "time",
            DatetimeClass::TimeDelta => "timedelta",
            DatetimeClass::TimeZone => "timezone",
        }
    }
}

/// Pickle programs longer than this are refused (the real ones are < 200
/// bytes).
const MAX_PICKLE_LEN: usize = 4096;

struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Reader<'_> {
    fn take(&mut self, count: usize) -> Result<&[u8], String> {
        let end = self
            .position
            .checked_add(count)
            .filter(|end| *end <= self.bytes.len())
            .ok_or("truncated pickle")?;
        let taken = &self.bytes[self.position..end];
        self.position = end;
        Ok(taken)
    }

    fn byte(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16_le(&mut self) -> Result<u16, String> {
        let bytes = self.take(2)?;
        Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
    }

    fn u32_le(&mut self) -> Result<u32, String> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn line(&mut self) -> Result<String, String> {
        let rest = &self.bytes[self.position..];
        let end = rest
            .iter()
            .position(|byte| *byte == b'\n')
            .ok_or("unterminated line")?;
        let line = std::str::from_utf8(&rest[..end]).map_err(|_| "line is not UTF-8")?;
        self.position += end + 1;
        Ok(line.to_owned())
    }

    fn text(&mut self, len: usize) -> Result<String, String> {
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "string is not UTF-8".to_owned())
    }
}

/// Runs a pickle program of the allowed subset and returns its result.
pub(crate) fn load(bytes: &[u8]) -> Result<PickleValue, String> {
    if bytes.len() > MAX_PICKLE_LEN {
        return Err("pickle too long".to_owned());
    }
    let mut reader = Reader { bytes, position: 0 };
    let mut stack: Vec<Option<PickleValue>> = Vec::new(); // None is a MARK
    let mut memo: HashMap<u32, PickleValue> = HashMap::new();
    let pop = |stack: &mut Vec<Option<PickleValue>>| -> Result<PickleValue, String> {
        stack
            .pop()
            .flatten()
            .ok_or_else(|| "stack underflow".to_owned())
    };
    loop {
        let opcode = reader.byte()?;
        match opcode {
            0x80 => {
                // PROTO
                let protocol = reader.byte()?;
                if protocol > 5 {
                    return Err(format!("pickle protocol {protocol}"));
                }
            }
            0x95 => {
                // FRAME: a length hint only.
                reader.take(8)?;
            }
            0x94 => {
                // MEMOIZE
                let top = stack
                    .last()
                    .cloned()
                    .flatten()
                    .ok_or("memoize of nothing")?;
                let index = u32::try_from(memo.len()).map_err(|_| "memo overflow")?;
                memo.insert(index, top);
            }
            b'q' | b'r' => {
                // BINPUT, LONG_BINPUT
                let index = if opcode == b'q' {
                    u32::from(reader.byte()?)
                } else {
                    reader.u32_le()?
                };
                let top = stack.last().cloned().flatten().ok_or("put of nothing")?;
                memo.insert(index, top);
            }
            b'h' | b'j' => {
                // BINGET, LONG_BINGET
                let index = if opcode == b'h' {
                    u32::from(reader.byte()?)
                } else {
                    reader.u32_le()?
                };
                let value = memo.get(&index).cloned().ok_or("get of an unknown memo")?;
                stack.push(Some(value));
            }
            0x93 => {
                // STACK_GLOBAL
                let name = pop(&mut stack)?;
                let module = pop(&mut stack)?;
                let (PickleValue::Str(module), PickleValue::Str(name)) = (module, name) else {
                    return Err("STACK_GLOBAL needs two strings".to_owned());
                };
                stack.push(Some(PickleValue::Global(DatetimeClass::from_global(
                    &module, &name,
                )?)));
            }
            b'c' => {
                // GLOBAL
                let module = reader.line()?;
                let name = reader.line()?;
                stack.push(Some(PickleValue::Global(DatetimeClass::from_global(
                    &module, &name,
                )?)));
            }
            0x8c => {
                // SHORT_BINUNICODE
                let len = usize::from(reader.byte()?);
                stack.push(Some(PickleValue::Str(reader.text(len)?)));
            }
            b'X' => {
                // BINUNICODE
                let len = reader.u32_le()? as usize;
                stack.push(Some(PickleValue::Str(reader.text(len)?)));
            }
            b'C' => {
                // SHORT_BINBYTES
                let len = usize::from(reader.byte()?);
                stack.push(Some(PickleValue::Bytes(reader.take(len)?.to_vec())));
            }
            b'B' => {
                // BINBYTES
                let len = reader.u32_le()? as usize;
                stack.push(Some(PickleValue::Bytes(reader.take(len)?.to_vec())));
            }
            b'K' => stack.push(Some(PickleValue::Int(i64::from(reader.byte()?)))),
            b'M' => stack.push(Some(PickleValue::Int(i64::from(reader.u16_le()?)))),
            b'J' => {
                let bytes = reader.take(4)?;
                let value = i32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                stack.push(Some(PickleValue::Int(i64::from(value))));
            }
            0x8a => {
                // LONG1: little-endian two's complement of up to 8 bytes here.
                let len = usize::from(reader.byte()?);
                if len > 8 {
                    return Err("integer too large".to_owned());
                }
                let bytes = reader.take(len)?;
                let mut value: i64 = 0;
                for (index, byte) in bytes.iter().enumerate() {
                    value |= i64::from(*byte) << (8 * index);
                }
                if len > 0 && len < 8 && bytes[len - 1] & 0x80 != 0 {
                    value -= 1i64 << (8 * len);
                }
                stack.push(Some(PickleValue::Int(value)));
            }
            b'N' => stack.push(Some(PickleValue::None)),
            b')' => stack.push(Some(PickleValue::Tuple(Vec::new()))),
            0x85..=0x87 => {
                // TUPLE1, TUPLE2, TUPLE3
                let count = usize::from(opcode - 0x84);
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(pop(&mut stack)?);
                }
                items.reverse();
                stack.push(Some(PickleValue::Tuple(items)));
            }
            b'(' => stack.push(None),
            b't' => {
                // TUPLE: everything down to the last MARK.
                let mark = stack
                    .iter()
                    .rposition(Option::is_none)
                    .ok_or("TUPLE without MARK")?;
                let items = stack.split_off(mark + 1).into_iter().flatten().collect();
                stack.pop();
                stack.push(Some(PickleValue::Tuple(items)));
            }
            b'R' => {
                // REDUCE: call an allowed class with a tuple of args.
                let args = pop(&mut stack)?;
                let callable = pop(&mut stack)?;
                let (PickleValue::Global(class), PickleValue::Tuple(args)) = (callable, args)
                else {
                    return Err("REDUCE needs an allowed class and a tuple".to_owned());
                };
                stack.push(Some(PickleValue::Object(class, args)));
            }
            b'.' => {
                // STOP
                let result = pop(&mut stack)?;
                if reader.position != bytes.len() {
                    return Err("bytes after STOP".to_owned());
                }
                return Ok(result);
            }
            other => return Err(format!("pickle opcode 0x{other:02x} is not allowed")),
        }
        if stack.len() > 64 {
            return Err("pickle stack too deep".to_owned());
        }
    }
}

/// Writes protocol-4 pickles without FRAME or MEMOIZE, which every Python
/// 3.6+ loads.
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer {
            bytes: vec![0x80, 0x04],
        }
    }

    pub(crate) fn global(&mut self, class: DatetimeClass) {
        self.short_str("datetime");
        self.short_str(class.name());
        self.bytes.push(0x93);
    }

    fn short_str(&mut self, text: &str) {
        let len = u8::try_from(text.len()).unwrap_or(u8::MAX);
        self.bytes.push(0x8c);
        self.bytes.push(len);
        self.bytes.extend(&text.as_bytes()[..usize::from(len)]);
    }

    pub(crate) fn text(&mut self, text: &str) {
        if text.len() < 256 {
            self.short_str(text);
        } else {
            self.bytes.push(b'X');
            self.bytes.extend((text.len() as u32).to_le_bytes());
            self.bytes.extend(text.as_bytes());
        }
    }

    pub(crate) fn short_bytes(&mut self, bytes: &[u8]) {
        self.bytes.push(b'C');
        self.bytes.push(bytes.len() as u8);
        self.bytes.extend(bytes);
    }

    pub(crate) fn int(&mut self, value: i64) {
        if let Ok(small) = u8::try_from(value) {
            self.bytes.extend([b'K', small]);
        } else if let Ok(medium) = u16::try_from(value) {
            self.bytes.push(b'M');
            self.bytes.extend(medium.to_le_bytes());
        } else if let Ok(large) = i32::try_from(value) {
            self.bytes.push(b'J');
            self.bytes.extend(large.to_le_bytes());
        } else {
            self.bytes.extend([0x8a, 8]);
            self.bytes.extend(value.to_le_bytes());
        }
    }

    /// TUPLE1..TUPLE3 over the last `count` items (datetime pickles never
    /// need more).
    pub(crate) fn tuple(&mut self, count: u8) {
        debug_assert!((1..=3).contains(&count));
        self.bytes.push(0x84 + count.clamp(1, 3));
    }

    pub(crate) fn reduce(&mut self) {
        self.bytes.push(b'R');
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.bytes.push(b'.');
        self.bytes
    }
}
