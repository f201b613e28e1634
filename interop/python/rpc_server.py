"""aiozmq.rpc request-reply, pipeline and pub-sub servers with the interop
handlers.

Usage: python rpc_server.py [ENDPOINT]   (default tcp://127.0.0.1:*)

Prints three stdout lines and serves until stdin closes:

  tcp://127.0.0.1:PORT1             request-reply (serve_rpc), bound to ENDPOINT
  pipeline tcp://127.0.0.1:PORT2    pipeline (serve_pipeline)
  pubsub tcp://127.0.0.1:PORT3      pub-sub (serve_pubsub, subscribe="")

All three share one handler object (so one `record` store). The handlers
are the same contract as the Rust example `examples/rpc_interop_server.rs`:

  add(a, b=0)              a + b
  echo(value)              value, unchanged
  fail(kind, message)      raises ValueError, KeyError, TypeError,
                           RuntimeError (builtins) or interop.CustomError
  sleep(seconds)           async; returns `seconds` after sleeping
  ns.sub.echo(value)       value, unchanged
  record(value)            stores value (over any of the three servers)
  recorded()               the stored values, in order

Note: aiozmq's pipeline and pub-sub servers stop receiving for good after a
malformed message (wire spec, section 9), so the malformed-frame cases send
bad PUSH and PUB frames to the Rust servers only.
"""

import asyncio
import sys

import aiozmq.rpc

from common import FAIL_KINDS, announce, stdin_closed_event


class Sub(aiozmq.rpc.AttrHandler):
    @aiozmq.rpc.method
    def echo(self, value):
        return value


class Ns(aiozmq.rpc.AttrHandler):
    def __init__(self):
        self.sub = Sub()

    def __getitem__(self, key):
        if key == "sub":
            return self.sub
        raise KeyError(key)


class Interop(aiozmq.rpc.AttrHandler):
    def __init__(self):
        self.ns = Ns()
        self.values = []

    def __getitem__(self, key):
        if key == "ns":
            return self.ns
        return super().__getitem__(key)

    @aiozmq.rpc.method
    def add(self, a, b=0):
        return a + b

    @aiozmq.rpc.method
    def echo(self, value):
        return value

    @aiozmq.rpc.method
    def fail(self, kind, message):
        raise FAIL_KINDS.get(kind, ValueError)(message)

    @aiozmq.rpc.method
    async def sleep(self, seconds):
        await asyncio.sleep(seconds)
        return seconds

    @aiozmq.rpc.method
    def record(self, value):
        self.values.append(value)

    @aiozmq.rpc.method
    def recorded(self):
        return self.values


def text(endpoint):
    return endpoint.decode() if isinstance(endpoint, bytes) else endpoint


async def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:*"
    closed = stdin_closed_event(asyncio.get_running_loop())
    handler = Interop()
    server = await aiozmq.rpc.serve_rpc(handler, bind=endpoint)
    (bound,) = map(text, server.transport.bindings())
    any_port = bound.rsplit(":", 1)[0] + ":*" if bound.startswith("tcp://") else "tcp://127.0.0.1:*"
    pipeline = await aiozmq.rpc.serve_pipeline(handler, bind=any_port)
    pubsub = await aiozmq.rpc.serve_pubsub(handler, bind=any_port, subscribe="")
    announce(bound)
    (pipeline_bound,) = map(text, pipeline.transport.bindings())
    (pubsub_bound,) = map(text, pubsub.transport.bindings())
    announce(f"pipeline {pipeline_bound}")
    announce(f"pubsub {pubsub_bound}")
    await closed.wait()
    for service in (server, pipeline, pubsub):
        service.close()
    for service in (server, pipeline, pubsub):
        await service.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
