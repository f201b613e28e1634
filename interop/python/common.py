"""Shared pieces of the Python interop peers.

Every peer script follows one contract: it binds to an ephemeral loopback
endpoint, prints the bound endpoint as the FIRST line on stdout (flushed),
and exits when its stdin closes (the Rust harness keeps stdin open as a
lifeline and kills the process if it does not exit in time).
"""

import asyncio
import datetime
import math
import sys
import threading

import msgpack


class CustomError(Exception):
    """An application error whose wire name is ``interop.CustomError``."""


CustomError.__module__ = "interop"
CustomError.__qualname__ = "CustomError"

# `fail(kind, message)` raises one of these.
FAIL_KINDS = {
    "ValueError": ValueError,
    "KeyError": KeyError,
    "TypeError": TypeError,
    "RuntimeError": RuntimeError,
    "CustomError": CustomError,
}


def announce(endpoint):
    """Prints the bound endpoint as the first stdout line."""
    if isinstance(endpoint, bytes):
        endpoint = endpoint.decode()
    print(endpoint, flush=True)


def stdin_closed_event(loop):
    """An asyncio.Event set once stdin reaches EOF (read on a thread)."""
    event = asyncio.Event()

    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            loop.call_soon_threadsafe(event.set)

    threading.Thread(target=watch, daemon=True).start()
    return event


def start_stdin_watchdog(on_eof):
    """Calls `on_eof()` on a thread once stdin reaches EOF (blocking peers)."""

    def watch():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        finally:
            on_eof()

    threading.Thread(target=watch, daemon=True).start()


# ---------------------------------------------------------------------------
# Values: one table shared by every case list, named so failures name them.
# ---------------------------------------------------------------------------

INTS = [
    0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32,
    2**63 - 1, 2**63, 2**64 - 1,
    -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63),
]

MSGPACK_VALUES = [
    ("nil", None),
    ("true", True),
    ("false", False),
    *[(f"int {n}", n) for n in INTS],
    ("float64 0.0", 0.0),
    ("float64 -1.5", -1.5),
    ("float64 pi", math.pi),
    ("float64 max", sys.float_info.max),
    ("float64 min subnormal", 5e-324),
    ("float64 inf", math.inf),
    ("float64 -inf", -math.inf),
    ("float64 nan", math.nan),
    ("str empty", ""),
    ("str non-ascii", "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c\u8a9e \U0001f389"),
    ("str 300 chars (str16)", "\u00e9" * 300),
    ("str 70000 bytes (str32)", "x" * 70000),
    ("bin empty", b""),
    ("bin all bytes", bytes(range(256))),
    ("bin 70000 bytes (bin32)", b"\x00\xff" * 35000),
    ("array empty", ()),
    ("array mixed", (1, "a", b"b", None, True, 1.5)),
    ("array 20 items (array16)", tuple(range(20))),
    ("array nested", ((1, (2, (3, ()))), ("x",))),
    ("map empty", {}),
    ("map str and bin keys", {"a": 1, b"k": 2, "\u00e9": b"\x00"}),
    ("map nested", {"outer": {"inner": {b"bin": (1, 2)}, "list": ({"k": None},)}}),
    ("map 20 entries (map16)", {f"k{i}": i for i in range(20)}),
    ("ext unknown code passes through", msgpack.ExtType(5, b"xy")),
    ("ext msgpack Timestamp (-1) passes through", msgpack.Timestamp(1700000000, 123)),
]

UTC = datetime.timezone.utc
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30), "IST")
EST = datetime.timezone(datetime.timedelta(hours=-5), "EST")
ODD = datetime.timezone(datetime.timedelta(hours=-3, minutes=-7, seconds=-11, microseconds=-13))

DATETIME_VALUES = [
    ("date", datetime.date(2014, 3, 21)),
    ("date min", datetime.date.min),
    ("date max", datetime.date.max),
    ("datetime naive", datetime.datetime(2024, 2, 29, 23, 59, 58, 999999)),
    ("datetime naive fold=1", datetime.datetime(2021, 11, 7, 1, 30, fold=1)),
    ("datetime aware utc", datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)),
    ("datetime aware named +05:30", datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=IST)),
    ("datetime aware odd negative offset", datetime.datetime(1999, 12, 31, 23, 59, 59, tzinfo=ODD)),
    ("datetime aware fold=1", datetime.datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=EST)),
    ("datetime min", datetime.datetime.min),
    ("datetime max", datetime.datetime.max),
    ("time naive", datetime.time(12, 34, 56, 789012)),
    ("time fold=1", datetime.time(1, 30, fold=1)),
    ("time aware", datetime.time(23, 0, tzinfo=EST)),
    ("timedelta zero", datetime.timedelta(0)),
    ("timedelta positive", datetime.timedelta(days=3, seconds=7, microseconds=11)),
    ("timedelta negative", datetime.timedelta(microseconds=-1)),
    ("timedelta days=-1 us=5", datetime.timedelta(days=-1, microseconds=5)),
    ("timedelta max", datetime.timedelta.max),
    ("timedelta min", datetime.timedelta.min),
    ("timezone utc", UTC),
    ("timezone named", EST),
    ("timezone odd offset", ODD),
]


def same_value(a, b):
    """Deep equality that also checks types (bool is not int, str is not
    bytes, tuple equals list) and treats NaN as equal to NaN."""
    if isinstance(a, list):
        a = tuple(a)
    if isinstance(b, list):
        b = tuple(b)
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, (datetime.datetime, datetime.time)):
        return a == b and a.fold == b.fold and a.tzinfo == b.tzinfo and repr(a) == repr(b)
    if isinstance(a, datetime.tzinfo):
        return a == b and repr(a) == repr(b)
    return a == b
