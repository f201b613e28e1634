"""Hand-built malformed request frames from a raw pyzmq DEALER.

Usage: python malformed.py ENDPOINT [FILTER] [--pipeline EP --pubsub EP]

Against an aiozmq-compatible RPC server: each malformed message must be
dropped without a reply (or answered with ParametersError where aiozmq
does that), and the good `add(1, 2)` sent right after it must be the next
reply. One line per case (`PASS`/`FAIL <name>: <why>`), then `DONE p/t`.

With `--pipeline` and `--pubsub` (the Rust server only: aiozmq's own
pipeline and pub-sub servers stop receiving for good after a malformed
message, wire spec section 9), bad PUSH and PUB frames go to those servers,
each followed by a good `record(marker)` notification that must show up in
`recorded()` (read over request-reply at ENDPOINT) within a bounded wait.
"""

import argparse

import os
import struct
import sys
import time

import msgpack
import zmq

WAIT_MS = 5000
PREFIX = (os.getpid() % 65536, 4242)


def header(request_id):
    return struct.pack("<HHLd", *PREFIX, request_id, time.time())


def request(request_id, name=b"add", args=b"\x92\x01\x02", kwargs=b"\x80"):
    return [header(request_id), name, args, kwargs]


def parse_reply(frames):
    if len(frames) != 2 or len(frames[0]) != 17:
        raise AssertionError(f"reply is not [header17, body]: {frames!r:.200}")
    _pid, _rnd, request_id, _ts, is_error = struct.unpack("<HHLd?", frames[0])
    body = msgpack.unpackb(frames[1], raw=False, use_list=False)
    return request_id, is_error, body


def recv(sock, what):
    if not sock.poll(WAIT_MS):
        raise AssertionError(f"no reply to {what} within {WAIT_MS} ms")
    return parse_reply(sock.recv_multipart())


GOOD = request(0)
DROPPED = [
    ("three frames", GOOD[1:]),
    ("a single empty frame", [b""]),
    ("header of 15 bytes", [GOOD[0][:15]] + GOOD[1:]),
    ("header of 17 bytes", [GOOD[0] + b"\x00"] + GOOD[1:]),
    ("header of 0 bytes", [b""] + GOOD[1:]),
    ("non-UTF-8 name", request(0, name=b"\xff\xfe")),
    ("args not msgpack (0xc1)", request(0, args=b"\xc1")),
    ("args truncated", request(0, args=b"\x92\x01")),
    ("args trailing bytes", request(0, args=b"\x92\x01\x02\x03")),
    ("args empty frame", request(0, args=b"")),
    ("kwargs not msgpack", request(0, kwargs=b"\xc1")),
    ("kwargs trailing bytes", request(0, kwargs=b"\x80\x80")),
    ("kwargs int map key", request(0, kwargs=b"\x81\x01\x02")),
    ("args map with nil key", request(0, args=b"\x91\x81\xc0\x01")),
    ("args invalid UTF-8 str", request(0, args=b"\x91\xa1\xff")),
    ("trailing extra frame", GOOD + [b"\x80"]),
]
ANSWERED_WITH_PARAMETERS_ERROR = [
    ("kwargs is an array", request(0, kwargs=b"\x90")),
    ("kwargs with a bin key", request(0, args=b"\x91\x01", kwargs=b"\x81\xc4\x01b\x02")),
]


def req_client(ctx, endpoint):
    """A plain REQ client works: its empty delimiter is the envelope."""
    sock = ctx.socket(zmq.REQ)
    sock.linger = 0
    sock.connect(endpoint)
    try:
        sock.send_multipart(request(7))
        request_id, is_error, body = recv(sock, "the REQ call")
        if (request_id, is_error, body) != (7, False, 3):
            raise AssertionError(f"got #{request_id} error={is_error} {body!r}")
    finally:
        sock.close()


def dealer_extra_empty_frame(ctx, endpoint):
    """A leading empty frame from a DEALER comes back in front of the reply."""
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(endpoint)
    try:
        sock.send_multipart([b"", b"hop"] + request(8))
        if not sock.poll(WAIT_MS):
            raise AssertionError(f"no reply within {WAIT_MS} ms")
        frames = sock.recv_multipart()
        if frames[:2] != [b"", b"hop"]:
            raise AssertionError(f"envelope not echoed: {frames!r:.200}")
        request_id, is_error, body = parse_reply(frames[2:])
        if (request_id, is_error, body) != (8, False, 3):
            raise AssertionError(f"got #{request_id} error={is_error} {body!r}")
    finally:
        sock.close()


def notification(name=b"record", args=None, kwargs=b"\x80"):
    return [name, args if args is not None else msgpack.packb(["x"]), kwargs]


BAD_NOTIFICATIONS = [
    ("a single empty frame", [b""]),
    ("two frames", notification()[:2]),
    ("four frames", notification() + [b"\x80"]),
    ("non-UTF-8 name", notification(name=b"\xff\xfe")),
    ("args not msgpack (0xc1)", notification(args=b"\xc1")),
    ("args truncated", notification(args=b"\x92\x01")),
    ("args trailing bytes", notification(args=b"\x91\x01\x02")),
    ("args empty frame", notification(args=b"")),
    ("kwargs not msgpack", notification(kwargs=b"\xc1")),
    ("kwargs trailing bytes", notification(kwargs=b"\x80\x80")),
    ("kwargs int map key", notification(kwargs=b"\x81\x01\x02")),
]


def recorded(sock, ids):
    """`recorded()` over the DEALER `sock`."""
    request_id = next(ids)
    sock.send_multipart(request(request_id, name=b"recorded", args=b"\x90"))
    got_id, is_error, body = recv(sock, "recorded()")
    if got_id != request_id or is_error:
        raise AssertionError(f"recorded() #{request_id}: got #{got_id} error={is_error} {body!r:.200}")
    return body


def wait_recorded(sock, ids, marker):
    """Polls `recorded()` until `marker` is in it (bounded)."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while True:
        if marker in recorded(sock, ids):
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"{marker!r} not in recorded() within {WAIT_MS} ms")
        time.sleep(0.05)


def notify_cases(ctx, endpoint, pipeline, pubsub, wanted, report):
    """Bad PUSH and PUB frames, each followed by a good `record(marker)`."""
    rpc = ctx.socket(zmq.DEALER)
    rpc.linger = 0
    rpc.connect(endpoint)
    push = ctx.socket(zmq.PUSH)
    push.linger = 0
    push.connect(pipeline)
    pub = ctx.socket(zmq.PUB)
    pub.linger = 0
    pub.connect(pubsub)
    ids = iter(range(1_000_000, 2_000_000))
    try:
        # Slow joiner: publish a marker until the SUB server records one.
        synced = False
        deadline = time.monotonic() + WAIT_MS / 1000
        n = 0
        while not synced and time.monotonic() < deadline:
            marker = f"sync-malformed-{n}"
            n += 1
            pub.send_multipart([b""] + notification(args=msgpack.packb([marker])))
            time.sleep(0.05)
            synced = marker in recorded(rpc, ids)
        for prefix, sock, topic in [("pipeline", push, []), ("pubsub", pub, [b"t"])]:
            for name, frames in BAD_NOTIFICATIONS:
                case = f"malformed.{prefix} {name}"
                if wanted not in case:
                    continue
                if prefix == "pubsub" and not synced:
                    report(case, f"the slow-joiner handshake did not finish within {WAIT_MS} ms")
                    continue
                try:
                    sock.send_multipart(topic + frames)
                    marker = f"after {prefix} {name}"
                    sock.send_multipart(topic + notification(args=msgpack.packb([marker])))
                    wait_recorded(rpc, ids, marker)
                except AssertionError as error:
                    report(case, str(error))
                else:
                    report(case, None)
    finally:
        for sock in (rpc, push, pub):
            sock.close()


ENVELOPE_CASES = [
    ("plain REQ client", req_client),
    ("extra leading frames echoed", dealer_extra_empty_frame),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("endpoint")
    parser.add_argument("filter", nargs="?", default="")
    parser.add_argument("--pipeline")
    parser.add_argument("--pubsub")
    options = parser.parse_args()
    endpoint = options.endpoint
    wanted = options.filter
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(endpoint)
    next_id = 1
    counts = {"passed": 0, "total": 0}

    def report(name, failure):
        counts["total"] += 1
        if failure is None:
            counts["passed"] += 1
            print(f"PASS {name}", flush=True)
        else:
            print(f"FAIL {name}: {failure}", flush=True)

    def good_call(what):
        nonlocal next_id
        request_id = next_id
        next_id += 1
        sock.send_multipart(request(request_id))
        got_id, is_error, body = recv(sock, f"the good call after {what}")
        if got_id != request_id or is_error or body != 3:
            raise AssertionError(
                f"expected reply #{request_id} = 3 after {what}, got #{got_id} error={is_error} {body!r:.200}"
            )

    good_call("connecting")
    cases = [(n, f, False) for n, f in DROPPED] + [(n, f, True) for n, f in ANSWERED_WITH_PARAMETERS_ERROR]
    for name, frames, answered in cases:
        if wanted not in name:
            continue
        try:
            if answered:
                request_id = next_id
                next_id += 1
                frames = [header(request_id)] + frames[1:]
                sock.send_multipart(frames)
                got_id, is_error, body = recv(sock, name)
                if got_id != request_id or not is_error or body[0] != "aiozmq.rpc.base.ParametersError":
                    raise AssertionError(f"expected ParametersError #{request_id}, got #{got_id} {body!r:.200}")
            else:
                sock.send_multipart(frames)
            good_call(name)
        except AssertionError as error:
            report(f"malformed.{name}", str(error))
        else:
            report(f"malformed.{name}", None)
    # Envelopes: the server echoes every frame before the last four.
    for name, run in ENVELOPE_CASES:
        if wanted not in name:
            continue
        try:
            run(ctx, endpoint)
        except AssertionError as error:
            report(f"envelope.{name}", str(error))
        else:
            report(f"envelope.{name}", None)
    if options.pipeline and options.pubsub:
        notify_cases(ctx, endpoint, options.pipeline, options.pubsub, wanted, report)
    sock.close()
    ctx.term()
    print(f"DONE {counts['passed']}/{counts['total']}", flush=True)
    return 0 if counts["passed"] == counts["total"] else 1


if __name__ == "__main__":
    sys.exit(main())
