"""A raw-socket WebSocket client that breaks RFC 6455 on purpose, one rule per connection.

    python violations.py HOST PORT

No WebSocket library on this side: the handshake and every frame are built by hand, so
the bytes are exactly the ones written below. For each case it opens a new TCP
connection to py_server.py (websockets), does a correct handshake on the path
/violation/<case> (so the capture says which case a connection is), sends one correct
masked text frame "case: <case>" (echoed by the server, another label in the capture),
then the bad frame(s), and reads what the server does: websockets answers a violation
with a close frame (1002 protocol error, 1007 invalid data, 1009 too big) and closes.
This client then answers that close frame with its own (masked, same code, no reason),
as RFC 6455 §5.5.1 asks (unless its bad frame was a close frame already, or it is
length-msb-set, see run_case), and reads to the end of the stream.

Every case states the outcome it expects from websockets 15; the script exits 1 if
any case differs, so captures/README.md cannot silently become wrong. One case,
`non-minimal-length`, is a violation websockets does NOT detect (it echoes the
message): that is recorded as such, and is exactly what the inspector should flag.
"""

import base64
import os
import socket
import struct
import sys


def frame(opcode, payload=b"", *, fin=True, rsv=0, mask=True, length=None):
    """Build one frame. rsv is the 3-bit RSV1..RSV3 value (4 = RSV1, 2 = RSV2, 1 = RSV3).

    length=None writes the minimal length encoding; length=("16", n) or ("64", n)
    forces the 16- or 64-bit extended length field with the value n.
    """
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    mask_bit = 0x80 if mask else 0
    n = len(payload)
    if length is None:
        if n < 126:
            header = bytes([first, mask_bit | n])
        elif n < 1 << 16:
            header = bytes([first, mask_bit | 126]) + struct.pack("!H", n)
        else:
            header = bytes([first, mask_bit | 127]) + struct.pack("!Q", n)
    elif length[0] == "16":
        header = bytes([first, mask_bit | 126]) + struct.pack("!H", length[1])
    else:
        header = bytes([first, mask_bit | 127]) + struct.pack("!Q", length[1])
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


TEXT, BINARY, CONT, CLOSE, PING = 0x1, 0x2, 0x0, 0x8, 0x9

# (case name, bytes sent after the label message, expected server close code or None
#  when websockets accepts it, the rule broken)
CASES = [
    ("unmasked-client-frame", frame(TEXT, b"not masked", mask=False), 1002,
     "§5.1 a client MUST mask all frames that it sends to the server"),
    ("reserved-opcode-3", frame(0x3, b"opcode 3"), 1002,
     "§5.2 opcodes 0x3-0x7 are reserved for further non-control frames"),
    ("rsv2-set", frame(TEXT, b"rsv2", rsv=2), 1002,
     "§5.2 RSV1-3 MUST be 0 unless an extension defines them"),
    ("invalid-utf8-text", frame(TEXT, b"caf\xc3\x28 \xff"), 1007,
     "§8.1 text payload MUST be valid UTF-8"),
    ("fragmented-ping", frame(PING, b"half a ping", fin=False), 1002,
     "§5.5 control frames MUST NOT be fragmented"),
    ("ping-126-bytes", frame(PING, b"p" * 126), 1002,
     "§5.5 control frames MUST have a payload length of 125 bytes or less"),
    ("continuation-without-start", frame(CONT, b"orphan continuation"), 1002,
     "§5.4 a continuation frame needs a message in progress"),
    ("text-inside-fragmented-message",
     frame(TEXT, b"first half, ", fin=False) + frame(TEXT, b"a new message"), 1002,
     "§5.4 fragments of one message MUST NOT be interleaved with another message"),
    ("close-1-byte-payload", frame(CLOSE, b"\x03"), 1002,
     "§5.5.1 a close body, if present, starts with a 2-byte status code"),
    ("close-code-999", frame(CLOSE, struct.pack("!H", 999) + b"bad code"), 1002,
     "§7.4 status codes below 1000 are not used"),
    ("close-reason-invalid-utf8", frame(CLOSE, struct.pack("!H", 1000) + b"bye \xff"), 1007,
     "§5.5.1 the close reason is UTF-8"),
    ("length-msb-set", frame(BINARY, b"", length=("64", (1 << 63) | 5)), 1009,
     "§5.2 the most significant bit of the 64-bit length MUST be 0"),
    ("non-minimal-length",
     frame(TEXT, b"hello", length=("16", 5)) + frame(TEXT, b"hello again", length=("64", 11)), None,
     "§5.2 the minimal number of bytes MUST be used to encode the length"),
]


def recv_exact(sock, n, buf):
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        buf.extend(chunk)
    out = bytes(buf[:n])
    del buf[:n]
    return out


def read_frame(sock, buf):
    """Read one server frame (unmasked); returns (opcode, payload)."""
    b0, b1 = recv_exact(sock, 2, buf)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", recv_exact(sock, 2, buf))
    elif n == 127:
        (n,) = struct.unpack("!Q", recv_exact(sock, 8, buf))
    key = recv_exact(sock, 4, buf) if b1 & 0x80 else None
    payload = recv_exact(sock, n, buf)
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return b0 & 0x0F, payload


def handshake(sock, host, port, path, buf):
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
         "User-Agent: wsbook-violations/1\r\n\r\n").encode())
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk:
            raise EOFError("closed during handshake")
        buf.extend(chunk)
    head, _, rest = bytes(buf).partition(b"\r\n\r\n")
    buf[:] = rest
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"handshake refused: {head[:40]!r}")


def run_case(host, port, name, bad, expected):
    buf = bytearray()
    with socket.create_connection((host, port), timeout=5) as sock:
        handshake(sock, host, port, f"/violation/{name}", buf)
        label = f"case: {name}".encode()
        sock.sendall(frame(TEXT, label))
        assert read_frame(sock, buf) == (TEXT, label), "label not echoed"
        sock.sendall(bad)
        got, echoed = None, []
        while True:
            opcode, payload = read_frame(sock, buf)
            if opcode == CLOSE:
                got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode(errors="replace")
                break
            echoed.append(payload)
            if expected is None and len(echoed) == 2:
                # The server accepted both frames: close normally ourselves.
                sock.sendall(frame(CLOSE, struct.pack("!H", 1000) + b"accepted"))
        if expected is not None and name != "length-msb-set" and not name.startswith("close-"):
            # Answer the server's close frame, then read to EOF. Not after the close-*
            # cases: the bad frame was this client's close frame already, and an endpoint
            # sends only one. Not after length-msb-set: this client announced a payload
            # of 2**63+5 bytes, so anything more it sent would be read as that payload.
            try:
                sock.sendall(frame(CLOSE, struct.pack("!H", got)))
            except OSError:
                pass  # the server may already have gone
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
    return got, reason, echoed


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    failures = 0
    for name, bad, expected, rule in CASES:
        got, reason, echoed = run_case(host, port, name, bad, expected)
        want = 1000 if expected is None else expected
        ok = got == want
        failures += not ok
        extra = f" echoed {[e.decode() for e in echoed]}" if echoed else ""
        print(f"{'ok ' if ok else 'BAD'} {name:32} server close {got} {reason!r}{extra}  [{rule}]",
              file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
