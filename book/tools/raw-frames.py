#!/usr/bin/env python3
"""Talks to a chapter server frame by frame, the bytes chosen by hand, and prints what the
server answers, decoded — then the server's log. For the book's "run it" listings.

    python3 book/tools/raw-frames.py SERVER_BINARY [SERVER_ARGS...] -- PATH STEP [STEP...]

The server is started with `--addr 127.0.0.1:0`. After a normal opening handshake on PATH,
each STEP is sent, then whatever the server sends back within half a second is decoded.
A STEP is `LABEL=SPEC`, where SPEC is one of

    @text:hello        a masked text frame (FIN=1)            @binary:0102ff  masked binary
    @first:Hel         a masked text frame with FIN=0         @more:lo        continuation, FIN=0
    @last:lo           a masked continuation with FIN=1       @ping:data      masked ping
    @close:1000:bye    a masked close frame                   @closeempty     masked, no body
    @pong:data         a masked pong                          @wait:SECONDS   send nothing, listen
    @textbytes:48c3    a masked text frame with these raw payload bytes (e.g. invalid UTF-8)
    @firstbytes:48c3   the same with FIN=0
    81 05 48 65 6c 6c 6f   any other SPEC: these bytes, in hex, sent exactly as written

Masked frames use the RFC's example key 37 fa 21 3d, so the listing is the same on every run.
(A real client MUST use a fresh random key for every frame, RFC 6455 §5.3.)
"""

import socket
import subprocess
import sys
import threading
import time

KEY = bytes.fromhex("37fa213d")
OPCODES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def frame(fin: bool, opcode: int, payload: bytes) -> bytes:
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
    return head + KEY + bytes(b ^ KEY[i % 4] for i, b in enumerate(payload))


def build(spec: str) -> bytes:
    if not spec.startswith("@"):
        return bytes.fromhex(spec.replace(" ", ""))
    kind, _, arg = spec[1:].partition(":")
    match kind:
        case "text":
            return frame(True, 1, arg.encode())
        case "textbytes":
            return frame(True, 1, bytes.fromhex(arg))
        case "binary":
            return frame(True, 2, bytes.fromhex(arg))
        case "first":
            return frame(False, 1, arg.encode())
        case "firstbytes":
            return frame(False, 1, bytes.fromhex(arg))
        case "more":
            return frame(False, 0, arg.encode())
        case "last":
            return frame(True, 0, arg.encode())
        case "ping":
            return frame(True, 9, arg.encode())
        case "close":
            code, _, reason = arg.partition(":")
            return frame(True, 8, int(code).to_bytes(2, "big") + reason.encode())
        case "closeempty":
            return frame(True, 8, b"")
        case "pong":
            return frame(True, 10, arg.encode())
        case "wait":
            return b""
    raise SystemExit(f"unknown step {spec!r}")


def describe(data: bytes) -> tuple[list[str], bytes]:
    """Decodes the whole frames at the start of data; returns lines and the rest."""
    lines = []
    while len(data) >= 2:
        fin, rsv, opcode = data[0] >> 7, (data[0] >> 4) & 7, data[0] & 15
        masked, length, at = data[1] >> 7, data[1] & 127, 2
        if length == 126:
            length, at = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, at = int.from_bytes(data[2:10], "big"), 10
        key = data[at : at + 4] if masked else b""
        at += len(key)
        if len(data) < at + length:
            break
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(data[at : at + length])) if masked else data[at : at + length]
        if opcode == 8 and len(payload) >= 2:
            shown = f"code {int.from_bytes(payload[:2], 'big')}, reason {payload[2:].decode('utf-8', 'replace')!r}"
        elif len(payload) > 80:
            shown = f"{length} bytes"
        elif opcode == 2:
            shown = payload.hex(" ")
        else:
            shown = repr(payload.decode("utf-8", "replace"))
        lines.append(
            f"  ← {data[:at - len(key)].hex(' ')}: FIN={fin} RSV={rsv} {OPCODES.get(opcode, 'reserved')} "
            f"MASK={masked} length {length}: {shown}"
        )
        data = data[at + length :]
    return lines, data


def main() -> int:
    if "--" not in sys.argv or len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    split = sys.argv.index("--")
    server_cmd, (path, *steps) = sys.argv[1:split], sys.argv[split + 1 :]
    server = subprocess.Popen(
        [server_cmd[0], "--addr", "127.0.0.1:0", *server_cmd[1:]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    first = server.stdout.readline().strip()
    host = first.removeprefix("listening on ws://")
    port = int(host.rsplit(":", 1)[1])
    print(first)
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()
    )
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(4096)
        if not chunk:
            break
        received += chunk
    head, _, received = received.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n")[0].decode()
    print(f"handshake: GET {path} → {status_line}")
    closed = False
    # Whatever the server says on its own right after the handshake (a greeting, say).
    sock.settimeout(0.3)
    try:
        received += sock.recv(65536)
    except TimeoutError:
        pass
    lines, received = describe(received)
    if lines:
        print("\n=== (before we send anything)")
        print("\n".join(lines))
    for step in steps:
        # LABEL=@spec (the label may itself contain "="), or LABEL=hex bytes.
        if "=@" in step:
            label, _, spec = step.partition("=@")
            spec = "@" + spec
        else:
            label, _, spec = step.rpartition("=")
        data = build(spec)
        listen = 0.5
        print(f"\n=== {label}")
        if spec.startswith("@wait:"):
            listen = float(spec.removeprefix("@wait:"))
            print(f"  (we send nothing for {listen:g} s)")
        else:
            print(f"  → {data.hex(' ') if len(data) <= 40 else data[:40].hex(' ') + f' ... ({len(data)} bytes)'}")
        if closed:
            print("  (not sent: the server has closed the connection)")
            continue
        try:
            sock.sendall(data)
        except OSError as error:
            print(f"  (send failed: {error})")
        sock.settimeout(listen)
        deadline = time.monotonic() + listen
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                print("  ← TCP reset")
                closed = True
                break
            if not chunk:
                closed = True
                break
            received += chunk
        lines, received = describe(received)
        print("\n".join(lines) if lines else "  ← nothing")
        if closed:
            print("  ← the server closed the TCP connection")
    sock.close()
    time.sleep(0.3)
    server.terminate()
    server.wait(timeout=5)
    print("\n=== the server's log (stderr)")
    print("".join(log).rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
