"""Raw pyzmq sockets for plain multipart traffic against zmq-core sockets.

Usage: python raw_peer.py KIND

Binds a pyzmq socket of KIND to tcp://127.0.0.1:*, prints the endpoint as
the first stdout line, runs its side of the exchange with bounded waits,
prints `ok <count>` (or `FAIL <why>`) and exits.

  dealer  sends MESSAGES, expects each echoed back   (Rust: ROUTER, echoes)
  req     sends MESSAGES, expects each echoed back   (Rust: REP, echoes)
  router  echoes every message until END             (Rust: DEALER, checks)
  rep     echoes every request until END             (Rust: REQ, checks)
  push    sends MESSAGES then [END]                  (Rust: PULL, checks)
  pull    expects MESSAGES then [END]                (Rust: PUSH)
  sub     subscribes to `t` and `sync`; after the first `sync` message it
          prints `synced`, then expects [t, *m] for each of MESSAGES, then
          [t, END]; other topics must be filtered out (Rust: PUB)

MESSAGES must stay identical to `messages()` in interop/src/lib.rs.
"""

import sys

import zmq

WAIT_MS = 10000
END = b"END"


def messages():
    return [
        [b"hello"],
        [b"", b"empty first frame"],
        [b"a", b"", b"c"],
        [bytes(range(256))],
        [str(i).encode() for i in range(10)],
        [b"x" * 1_000_000],
        ["h\u00e9llo w\u00f6rld \u2713".encode()],
    ]


def recv(sock, what):
    if not sock.poll(WAIT_MS):
        raise AssertionError(f"nothing received within {WAIT_MS} ms (waiting for {what})")
    return sock.recv_multipart()


def describe(frames):
    return repr([f[:40] for f in frames])[:300]


def run(kind, sock):
    msgs = messages()
    if kind in ("dealer", "req"):
        for msg in msgs:
            sock.send_multipart(msg)
            got = recv(sock, "an echo")
            if got != msg:
                raise AssertionError(f"sent {describe(msg)}, echoed {describe(got)}")
        return len(msgs)
    if kind in ("router", "rep"):
        count = 0
        while True:
            got = recv(sock, "a message to echo")
            sock.send_multipart(got)
            body = got[1:] if kind == "router" else got
            if body == [END]:
                return count
            count += 1
    if kind == "push":
        for msg in msgs + [[END]]:
            sock.send_multipart(msg)
        return len(msgs)
    if kind == "pull":
        for msg in msgs:
            got = recv(sock, "a pushed message")
            if got != msg:
                raise AssertionError(f"expected {describe(msg)}, got {describe(got)}")
        got = recv(sock, "END")
        if got != [END]:
            raise AssertionError(f"expected [END], got {describe(got)}")
        return len(msgs)
    if kind == "sub":
        sock.subscribe(b"t")
        sock.subscribe(b"sync")
        got = recv(sock, "the first sync message")
        if got[0] != b"sync":
            raise AssertionError(f"expected a sync message first, got {describe(got)}")
        print("synced", flush=True)
        expected = [[b"t"] + msg for msg in msgs] + [[b"t", END]]
        for want in expected:
            got = recv(sock, "a published message")
            while got[0] == b"sync":
                got = recv(sock, "a published message")
            if got != want:
                raise AssertionError(f"expected {describe(want)}, got {describe(got)}")
        return len(msgs)
    raise AssertionError(f"unknown kind {kind!r}")


def main():
    kind = sys.argv[1]
    ctx = zmq.Context()
    sock = ctx.socket(getattr(zmq, kind.upper()))
    sock.linger = 5000
    sock.bind("tcp://127.0.0.1:*")
    print(sock.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    return run_and_report(kind, ctx, sock)


def run_and_report(kind, ctx, sock):
    """Runs `kind`'s side on the bound `sock`, prints `ok <count>` or `FAIL
    <why>`, closes the socket and terminates `ctx`; returns the exit code."""
    try:
        count = run(kind, sock)
    except AssertionError as error:
        print(f"FAIL {kind}: {error}", flush=True)
        return 1
    finally:
        sock.close()
        ctx.term()
    print(f"ok {count}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
