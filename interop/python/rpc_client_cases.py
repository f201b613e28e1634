"""aiozmq.rpc client cases against an interop server (Rust or Python).

Usage: python rpc_client_cases.py ENDPOINT [FILTER]

Runs every case (or those whose name contains FILTER), printing one line
per case: `PASS <name>` or `FAIL <name>: <why>`, then `DONE <passed>/<total>`.
Exits 0 only if every case passed. Each call has its own bounded timeout.
"""

import asyncio
import logging
import sys
import time

import aiozmq.rpc

from common import DATETIME_VALUES, MSGPACK_VALUES, CustomError, same_value

CALL_TIMEOUT = 5.0
CASES = []


def case(name):
    def register(fn):
        CASES.append((name, fn))
        return fn

    return register


class CaseFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise CaseFailed(message)


async def expect_error(call, cls, args=None):
    try:
        result = await call
    except cls as error:
        if args is not None:
            check(error.args == args, f"expected args {args!r}, got {error.args!r}")
        return error
    except Exception as error:  # noqa: BLE001 - reported as the failure
        raise CaseFailed(f"expected {cls.__name__}, got {type(error).__name__}: {error!r}")
    raise CaseFailed(f"expected {cls.__name__}, got the result {result!r}")


def echo_case(prefix, name, value):
    @case(f"{prefix}.{name}")
    async def run(ctx):
        result = await ctx.client.call.echo(value)
        check(same_value(result, value), f"sent {value!r:.200}, got back {result!r:.200}")


for _name, _value in MSGPACK_VALUES:
    echo_case("kinds", _name, _value)

for _name, _value in DATETIME_VALUES:
    echo_case("datetime", _name, _value)


@case("kinds.all values in one nested call")
async def _(ctx):
    values = {name: value for name, value in MSGPACK_VALUES + DATETIME_VALUES}
    result = await ctx.client.call.ns.sub.echo(values)
    check(same_value(result, values), "the nested map of every value did not round-trip")


@case("args.positional")
async def _(ctx):
    check(await ctx.client.call.add(1, 2) == 3, "add(1, 2) != 3")


@case("args.keywords")
async def _(ctx):
    check(await ctx.client.call.add(b=2, a=40) == 42, "add(b=2, a=40) != 42")
    check(await ctx.client.call.add(1, b=2) == 3, "add(1, b=2) != 3")


@case("args.default")
async def _(ctx):
    check(await ctx.client.call.add(5) == 5, "add(5) != 5 (b defaults to 0)")


@case("args.keyword for echo")
async def _(ctx):
    check(await ctx.client.call.echo(value="v") == "v", "echo(value='v') != 'v'")


@case("args.missing -> ParametersError")
async def _(ctx):
    await expect_error(ctx.client.call.add(), aiozmq.rpc.ParametersError)
    await expect_error(ctx.client.call.fail("ValueError"), aiozmq.rpc.ParametersError)


@case("args.too many positional -> ParametersError")
async def _(ctx):
    await expect_error(ctx.client.call.add(1, 2, 3), aiozmq.rpc.ParametersError)


@case("args.unknown keyword -> ParametersError")
async def _(ctx):
    await expect_error(ctx.client.call.add(1, c=2), aiozmq.rpc.ParametersError)


@case("args.duplicate positional and keyword -> ParametersError")
async def _(ctx):
    await expect_error(ctx.client.call.add(1, 2, a=3), aiozmq.rpc.ParametersError)


@case("names.nested namespace")
async def _(ctx):
    check(await ctx.client.call.ns.sub.echo("deep") == "deep", "ns.sub.echo('deep')")


@case("names.unknown -> NotFoundError")
async def _(ctx):
    await expect_error(ctx.client.call.nope(), aiozmq.rpc.NotFoundError, ("nope",))
    await expect_error(ctx.client.call.ns.sub.nope(1), aiozmq.rpc.NotFoundError, ("ns.sub.nope",))
    await expect_error(ctx.client.call.ns.nope(), aiozmq.rpc.NotFoundError, ("ns.nope",))
    await expect_error(ctx.client.call.add.more(), aiozmq.rpc.NotFoundError, ("add.more",))


def builtin_case(kind, cls):
    @case(f"errors.builtin {kind}")
    async def run(ctx):
        await expect_error(ctx.client.call.fail(kind, "boom \u2713"), cls, ("boom \u2713",))


for _kind, _cls in [
    ("ValueError", ValueError),
    ("KeyError", KeyError),
    ("TypeError", TypeError),
    ("RuntimeError", RuntimeError),
]:
    builtin_case(_kind, _cls)


@case("names.non-ASCII unknown name -> NotFoundError")
async def _(ctx):
    name = "\u00fcn\u00efc\u00f6de.\u65e5\u672c"
    call = getattr(getattr(ctx.client.call, "\u00fcn\u00efc\u00f6de"), "\u65e5\u672c")
    await expect_error(call(), aiozmq.rpc.NotFoundError, (name,))


@case("errors.custom through an error table")
async def _(ctx):
    await expect_error(ctx.custom.call.fail("CustomError", "mine"), CustomError, ("mine",))


@case("errors.unknown name -> GenericError")
async def _(ctx):
    error = await expect_error(ctx.client.call.fail("CustomError", "mine"), aiozmq.rpc.GenericError)
    check(error.exc_type == "interop.CustomError", f"exc_type {error.exc_type!r}")
    check(tuple(error.arguments) == ("mine",), f"arguments {error.arguments!r}")
    check(error.exc_repr == "CustomError('mine')", f"exc_repr {error.exc_repr!r}")


@case("errors.client keeps working after errors")
async def _(ctx):
    check(await ctx.client.call.add(2, 2) == 4, "add(2, 2) after errors")


@case("async.replies out of request order")
async def _(ctx):
    slow = asyncio.ensure_future(ctx.client.call.sleep(0.5))
    fast = await ctx.client.call.add(1, 1)
    check(fast == 2 and not slow.done(), "add was not answered while sleep(0.5) was pending")
    check(await slow == 0.5, "sleep(0.5) did not return 0.5")


@case("async.200 concurrent calls matched by id")
async def _(ctx):
    results = await asyncio.gather(*(ctx.client.call.add(i, b=i) for i in range(200)))
    check(list(results) == [2 * i for i in range(200)], "replies were mismatched")


@case("ids.request id wraps from 0xFFFFFFFF to 0")
async def _(ctx):
    # aiozmq's own counter (test_overflow_client_counter does the same).
    ctx.client._proto.counter = 0xFFFFFFFE
    for n in range(4):
        check(await ctx.client.call.add(n, 1) == n + 1, f"call {n} around the wrap")
    check(ctx.client._proto.counter == 2, f"counter is {ctx.client._proto.counter}")


@case("timeout.client timeout and recovery")
async def _(ctx):
    started = time.monotonic()
    await expect_error(ctx.client.with_timeout(0.2).call.sleep(1.0), asyncio.TimeoutError)
    elapsed = time.monotonic() - started
    check(elapsed < 0.9, f"the 0.2 s timeout took {elapsed:.2f} s")
    check(await ctx.client.call.add(1, 2) == 3, "add right after the timeout")
    # Let the late reply arrive: it must be dropped, and the client still work.
    await asyncio.sleep(1.0)
    check(await ctx.client.call.add(3, 4) == 7, "add after the late reply")


@case("record.recorded() over request-reply")
async def _(ctx):
    before = await ctx.client.call.recorded()
    await ctx.client.call.record({"n": 1})
    after = await ctx.client.call.recorded()
    check(same_value(tuple(after), tuple(before) + ({"n": 1},)), f"recorded() = {after!r}")


class Ctx:
    pass


class Collect(logging.Handler):
    """Keeps what aiozmq logs at WARNING or above (for example CRITICAL
    "Cannot unpack" or "Unknown answer id" for a reply it did not like)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record):
        self.records.append(record)


async def main():
    endpoint = sys.argv[1]
    wanted = sys.argv[2] if len(sys.argv) > 2 else ""
    collect = Collect()
    logging.getLogger("aiozmq").addHandler(collect)
    ctx = Ctx()
    ctx.client = await aiozmq.rpc.connect_rpc(connect=endpoint, timeout=CALL_TIMEOUT)
    ctx.custom = await aiozmq.rpc.connect_rpc(
        connect=endpoint,
        timeout=CALL_TIMEOUT,
        error_table={"interop.CustomError": CustomError},
    )
    passed = total = 0
    for name, fn in CASES:
        if wanted not in name:
            continue
        total += 1
        try:
            await asyncio.wait_for(fn(ctx), 20)
        except CaseFailed as error:
            print(f"FAIL {name}: {error}", flush=True)
        except BaseException as error:  # noqa: BLE001 - a case must not stop the run
            print(f"FAIL {name}: {type(error).__name__}: {error!r:.300}", flush=True)
        else:
            passed += 1
            print(f"PASS {name}", flush=True)
    # Every reply must have been accepted silently by aiozmq's client.
    total += 1
    if collect.records:
        shown = "; ".join(f"{r.levelname} {r.getMessage()[:200]}" for r in collect.records[:5])
        print(f"FAIL logging.aiozmq client logged no warnings: {len(collect.records)} record(s): {shown}", flush=True)
    else:
        passed += 1
        print("PASS logging.aiozmq client logged no warnings", flush=True)
    ctx.client.close()
    ctx.custom.close()
    await ctx.client.wait_closed()
    await ctx.custom.wait_closed()
    print(f"DONE {passed}/{total}", flush=True)
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
