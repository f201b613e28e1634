"""aiozmq.rpc request-reply server with the interop handlers.

Usage: python rpc_server.py [ENDPOINT]   (default tcp://127.0.0.1:*)

Prints the bound endpoint as the first stdout line and serves until stdin
closes. The handlers are the same contract as the Rust example
`examples/rpc_interop_server.rs`:

  add(a, b=0)              a + b
  echo(value)              value, unchanged
  fail(kind, message)      raises ValueError, KeyError, TypeError,
                           RuntimeError (builtins) or interop.CustomError
  sleep(seconds)           async; returns `seconds` after sleeping
  ns.sub.echo(value)       value, unchanged
  record(value)            stores value (request-reply here; pipeline and
                           pub-sub services get it once they exist)
  recorded()               the stored values, in order
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


async def main():
    endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:*"
    closed = stdin_closed_event(asyncio.get_running_loop())
    server = await aiozmq.rpc.serve_rpc(Interop(), bind=endpoint)
    (bound,) = server.transport.bindings()
    announce(bound)
    await closed.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
