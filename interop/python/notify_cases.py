"""aiozmq.rpc pipeline and pub-sub clients against an interop server.

Usage: python notify_cases.py RPC_ENDPOINT PIPELINE_ENDPOINT PUBSUB_ENDPOINT [FILTER]

The server (Rust or Python, the `rpc_interop_server` contract) serves
`record(value)` over pipeline and pub-sub into one store that
`recorded()` reads back over request-reply. Each group sends every value
kind with `record(v)`, then polls `recorded()` (bounded) until all arrived
and compares them; one `PASS`/`FAIL <name>` line per value, then
`DONE <passed>/<total>`. Exits 0 only if every case passed.

Groups: `pipeline` (`notify.record(v)`), and `pubsub topic str`
(`publish("t")`), `pubsub topic bytes` (`publish(b"t")`) and `pubsub topic
none` (`publish(None)`). Before each pub-sub group, `record("sync-...")` is
published repeatedly until `recorded()` shows it (the slow-joiner
handshake). The Rust server runs every notification on a task of its own,
so values are matched regardless of order; "sync-" strings are ignored.
"""

import asyncio
import sys
import time

import aiozmq.rpc

from common import DATETIME_VALUES, MSGPACK_VALUES, same_value

CALL_TIMEOUT = 5.0
# How long a group's values may take to show up in recorded().
DELIVERY_WAIT = 10.0
# How long the slow-joiner handshake may take.
HANDSHAKE_WAIT = 10.0
POLL = 0.05

VALUES = [(f"kinds.{n}", v) for n, v in MSGPACK_VALUES] + [(f"datetime.{n}", v) for n, v in DATETIME_VALUES]


def is_sync(value):
    return isinstance(value, str) and value.startswith("sync-")


async def recorded(rpc):
    return list(await rpc.call.recorded())


async def handshake(rpc, pubsub, topic, label):
    """Publishes `record("sync-<label>-N")` until `recorded()` shows one."""
    deadline = time.monotonic() + HANDSHAKE_WAIT
    n = 0
    while time.monotonic() < deadline:
        marker = f"sync-{label}-{n}"
        n += 1
        await pubsub.publish(topic).record(marker)
        await asyncio.sleep(POLL)
        if marker in await recorded(rpc):
            return None
    return f"no sync-{label}-N publication showed up in recorded() within {HANDSHAKE_WAIT} s ({n} sent)"


async def group(rpc, label, send, report):
    """Sends every value with `send(v)`, waits for them in recorded(),
    reports one case per value plus one for unexpected extras."""
    before = len(await recorded(rpc))
    for _name, value in VALUES:
        await send(value)
    deadline = time.monotonic() + DELIVERY_WAIT
    while True:
        got = [v for v in (await recorded(rpc))[before:] if not is_sync(v)]
        if len(got) >= len(VALUES) or time.monotonic() >= deadline:
            break
        await asyncio.sleep(POLL)
    remaining = list(got)
    for name, value in VALUES:
        index = next((i for i, g in enumerate(remaining) if same_value(g, value)), None)
        if index is None:
            report(
                f"{label}.{name}",
                f"sent {value!r:.200}; not among the {len(got)} of {len(VALUES)} values "
                f"recorded within {DELIVERY_WAIT} s",
            )
        else:
            remaining.pop(index)
            report(f"{label}.{name}", None)
    report(
        f"{label}.nothing else recorded",
        f"{len(remaining)} unexpected value(s): {remaining!r:.300}" if remaining else None,
    )


async def main():
    rpc_endpoint, pipeline_endpoint, pubsub_endpoint = sys.argv[1:4]
    wanted = sys.argv[4] if len(sys.argv) > 4 else ""
    rpc = await aiozmq.rpc.connect_rpc(connect=rpc_endpoint, timeout=CALL_TIMEOUT)
    pipeline = await aiozmq.rpc.connect_pipeline(connect=pipeline_endpoint)
    pubsub = await aiozmq.rpc.connect_pubsub(connect=pubsub_endpoint)
    counts = {"passed": 0, "total": 0}

    def report(name, failure):
        counts["total"] += 1
        if failure is None:
            counts["passed"] += 1
            print(f"PASS {name}", flush=True)
        else:
            print(f"FAIL {name}: {failure}", flush=True)

    async def run(label, send, topic=None, sync=False):
        if wanted not in label:
            return
        try:
            if sync:
                failure = await asyncio.wait_for(handshake(rpc, pubsub, topic, label), HANDSHAKE_WAIT + 5)
                report(f"{label}.slow-joiner handshake", failure)
                if failure is not None:
                    return
            await asyncio.wait_for(group(rpc, label, send, report), DELIVERY_WAIT + 10)
        except BaseException as error:  # noqa: BLE001 - a group must not stop the run
            report(f"{label}.group", f"{type(error).__name__}: {error!r:.300}")

    await run("pipeline", lambda v: pipeline.notify.record(v))
    for label, topic in [
        ("pubsub topic str", "t"),
        ("pubsub topic bytes", b"t"),
        ("pubsub topic none", None),
    ]:
        await run(label, lambda v, topic=topic: pubsub.publish(topic).record(v), topic, sync=True)

    for client in (rpc, pipeline, pubsub):
        client.close()
    for client in (rpc, pipeline, pubsub):
        await client.wait_closed()
    print(f"DONE {counts['passed']}/{counts['total']}", flush=True)
    return 0 if counts["passed"] == counts["total"] and counts["total"] > 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
