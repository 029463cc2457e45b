#!/usr/bin/env python3
"""Shows the WebSocket frames in some packets of a capture, byte by byte, and unmasks the
masked ones — the way a reader would with pencil and paper.

    python3 book/tools/frame-from-capture.py CAPTURE FRAME_NUMBER [FRAME_NUMBER...]

tshark supplies the raw TCP payload of each packet (`-T fields -e tcp.payload`); everything
else is done here, in a few lines, so the listing shows exactly where each byte goes. A packet
must hold whole frames (true of the small frames the book shows).
"""

import base64
import hashlib
import subprocess
import sys

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
keys_seen: list[str] = []  # Sec-WebSocket-Key values, to check the Accept that answers them

OPCODES = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def tcp_payload(capture: str, number: int) -> bytes:
    out = subprocess.run(
        ["tshark", "-r", capture, "-Y", f"frame.number == {number}", "-T", "fields", "-e", "tcp.payload"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    if not out:
        raise SystemExit(f"{capture}: packet {number} has no TCP payload")
    return bytes.fromhex(out.replace(":", ""))


def show_head(data: bytes) -> tuple[list[str], bytes]:
    """An HTTP head as text; checks Sec-WebSocket-Accept against the key seen before it."""
    end = data.find(b"\r\n\r\n")
    head, rest = (data, b"") if end < 0 else (data[:end], data[end + 4 :])
    lines = []
    for line in head.decode("latin-1").split("\r\n"):
        lines.append(f"  {line}")
        name, _, value = line.partition(":")
        if name.lower() == "sec-websocket-key":
            keys_seen.append(value.strip())
        if name.lower() == "sec-websocket-accept" and keys_seen:
            key = keys_seen[-1]
            expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
            verdict = "matches" if expected == value.strip() else "DOES NOT MATCH"
            lines.append(f"      base64(SHA-1({key!r} + GUID)) = {expected}: {verdict}")
    lines.append("  (empty line: end of the head)")
    return lines, rest


def show(data: bytes) -> list[str]:
    lines = []
    if data.startswith((b"GET ", b"HTTP/")):
        lines, data = show_head(data)
    while data:
        fin, rsv, opcode = data[0] >> 7, (data[0] >> 4) & 7, data[0] & 15
        masked, length = data[1] >> 7, data[1] & 127
        at = 2
        if length == 126:
            length, at = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, at = int.from_bytes(data[2:10], "big"), 10
        key = data[at : at + 4] if masked else b""
        at += len(key)
        payload = data[at : at + length]
        lines.append(f"  {data[0]:02x}          FIN={fin} RSV={rsv:03b} opcode={opcode:#x} ({OPCODES.get(opcode, 'reserved')})")
        lines.append(f"  {data[1]:02x}          MASK={masked} payload length field={data[1] & 127}")
        if at - len(key) > 2:
            lines.append(f"  {data[2:at - len(key)].hex(' ')}  extended payload length = {length}")
        if masked:
            lines.append(f"  {key.hex(' ')} masking key")
            lines.append(f"  payload on the wire: {payload.hex(' ')}")
            unmasked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            lines.append(f"  key, repeated:       {bytes(key[i % 4] for i in range(len(payload))).hex(' ')}")
            lines.append(f"  XOR, unmasked:       {unmasked.hex(' ')}")
            lines.append(f"                       = {unmasked.decode('utf-8', 'replace')!r}")
        else:
            lines.append(f"  payload:             {payload.hex(' ')}")
            lines.append(f"                       = {payload.decode('utf-8', 'replace')!r}")
        data = data[at + length :]
    return lines


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    capture = sys.argv[1]
    for number in map(int, sys.argv[2:]):
        data = tcp_payload(capture, number)
        if data.startswith((b"GET ", b"HTTP/")):
            print(f"packet {number}: {len(data)} bytes of TCP payload, an HTTP head (lines end with CRLF):")
        else:
            print(f"packet {number}: {len(data)} bytes of TCP payload: {data.hex(' ')}")
        print("\n".join(show(data)))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
