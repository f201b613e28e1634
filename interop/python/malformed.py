"""Hand-built malformed request frames from a raw pyzmq DEALER.

Usage: python malformed.py ENDPOINT [FILTER]

Against an aiozmq-compatible RPC server: each malformed message must be
dropped without a reply (or answered with ParametersError where aiozmq
does that), and the good `add(1, 2)` sent right after it must be the next
reply. One line per case (`PASS`/`FAIL <name>: <why>`), then `DONE p/t`.
"""

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


ENVELOPE_CASES = [
    ("plain REQ client", req_client),
    ("extra leading frames echoed", dealer_extra_empty_frame),
]


def main():
    endpoint = sys.argv[1]
    wanted = sys.argv[2] if len(sys.argv) > 2 else ""
    ctx = zmq.Context()
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.connect(endpoint)
    next_id = 1
    passed = total = 0

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
        total += 1
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
            print(f"FAIL malformed.{name}: {error}", flush=True)
        else:
            passed += 1
            print(f"PASS malformed.{name}", flush=True)
    # Envelopes: the server echoes every frame before the last four.
    for name, run in ENVELOPE_CASES:
        if wanted not in name:
            continue
        total += 1
        try:
            run(ctx, endpoint)
        except AssertionError as error:
            print(f"FAIL envelope.{name}: {error}", flush=True)
        else:
            passed += 1
            print(f"PASS envelope.{name}", flush=True)
    sock.close()
    ctx.term()
    print(f"DONE {passed}/{total}", flush=True)
    return 0 if passed == total else 1


if __name__ == "__main__":
    sys.exit(main())
