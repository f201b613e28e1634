"""pyzmq CURVE peers against zmq-core's CURVE sockets and ZAP authenticator.

Usage:

  python curve_peer.py server
      A pyzmq ROUTER CURVE server with a fresh key pair (made by pyzmq, so
      its Z85 text goes Python -> Rust) and no ZAP handler. Binds to
      tcp://127.0.0.1:*, prints the endpoint as the first stdout line, then
      `key <server public key, Z85>`, echoes every message until one whose
      body is [END] (echoed too), prints `ok <count>` and exits (raw_peer.py's
      ROUTER side).

  python curve_peer.py client ENDPOINT SERVER_PUBLIC ALLOWED_SECRET UNLISTED_SECRET
      The keys are Z85 text made by Rust (Rust -> Python). Prints `keys
      <allowed public> <unlisted public>`, the public keys pyzmq derives from
      the two secret keys (the Rust side checks they match its own Z85).
      Then, as a case script (PASS/FAIL lines, then DONE):
        - a DEALER with the allowed key sends MESSAGES to the zmq-core ROUTER
          at ENDPOINT and expects each echoed back;
        - a DEALER with the unlisted key sends one message and must get no
          reply (the authenticator refuses it).

Every wait is bounded; stdin is not read (the harness closes it to stop).
"""

import sys

import zmq

import raw_peer

WAIT_MS = 10000
REFUSED_WAIT_MS = 1500
END = b"END"

MESSAGES = [
    [b"hello over curve"],
    [b"", b"empty first frame"],
    [bytes(range(256))],
    [b"x" * 100_000],
]


def recv(sock, wait_ms, what):
    if not sock.poll(wait_ms):
        raise AssertionError(f"nothing received within {wait_ms} ms (waiting for {what})")
    return sock.recv_multipart()


def serve():
    ctx = zmq.Context()
    public, secret = zmq.curve_keypair()
    sock = ctx.socket(zmq.ROUTER)
    sock.linger = 1000
    sock.curve_server = True
    sock.curve_publickey = public
    sock.curve_secretkey = secret
    sock.bind("tcp://127.0.0.1:*")
    print(sock.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    print(f"key {public.decode()}", flush=True)
    # raw_peer's ROUTER side: echo every message until [END].
    return raw_peer.run_and_report("router", ctx, sock)


def curve_dealer(ctx, endpoint, server_public, secret):
    sock = ctx.socket(zmq.DEALER)
    sock.linger = 0
    sock.curve_serverkey = server_public
    sock.curve_secretkey = secret
    sock.curve_publickey = zmq.curve_public(secret)
    sock.connect(endpoint)
    return sock


def case(name, body):
    try:
        body()
    except AssertionError as error:
        print(f"FAIL {name}: {error}", flush=True)
        return 0
    except zmq.ZMQError as error:
        print(f"FAIL {name}: zmq error {error}", flush=True)
        return 0
    print(f"PASS {name}", flush=True)
    return 1


def client(endpoint, server_public, allowed_secret, unlisted_secret):
    server_public = server_public.encode()
    allowed_secret = allowed_secret.encode()
    unlisted_secret = unlisted_secret.encode()
    allowed_public = zmq.curve_public(allowed_secret).decode()
    unlisted_public = zmq.curve_public(unlisted_secret).decode()
    print(f"keys {allowed_public} {unlisted_public}", flush=True)
    ctx = zmq.Context()
    passed = 0

    def allowed_key_is_echoed():
        sock = curve_dealer(ctx, endpoint, server_public, allowed_secret)
        try:
            for msg in MESSAGES:
                sock.send_multipart(msg)
                got = recv(sock, WAIT_MS, "an echo")
                if got != msg:
                    raise AssertionError(f"sent {repr(msg)[:80]}, echoed {repr(got)[:80]}")
        finally:
            sock.close()

    def unlisted_key_gets_no_reply():
        sock = curve_dealer(ctx, endpoint, server_public, unlisted_secret)
        try:
            sock.send_multipart([b"must not arrive"])
            if sock.poll(REFUSED_WAIT_MS):
                raise AssertionError(f"the unlisted key got a reply: {sock.recv_multipart()!r}")
        finally:
            sock.close()

    passed += case("pyzmq CURVE client with an allowed key is served", allowed_key_is_echoed)
    passed += case("pyzmq CURVE client with an unlisted key is refused", unlisted_key_gets_no_reply)
    ctx.term()
    print(f"DONE {passed}", flush=True)
    return 0


def main():
    if not zmq.has("curve"):
        print("FAIL pyzmq's libzmq has no CURVE", flush=True)
        return 1
    if sys.argv[1] == "server":
        return serve()
    if sys.argv[1] == "client":
        return client(*sys.argv[2:6])
    print(f"FAIL unknown mode {sys.argv[1]!r}", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
