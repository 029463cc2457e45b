#!/usr/bin/env python3
"""Sends a chapter server a series of handshake requests, good and bad, over raw TCP, and
prints each request and the server's whole answer, then the server's log.

    python3 book/tools/handshake-requests.py [--chat] SERVER_BINARY [SERVER_ARGS...]

With --chat, the requests are chapter 8's /chat cases (Origin and subprotocol) instead.

The server is started with `--addr 127.0.0.1:0`; its first stdout line must be
`listening on ws://HOST:PORT`. Every request is written exactly as shown (CRLF line ends),
and the answer is read until the server closes the connection or 1 s passes.
"""

import socket
import subprocess
import sys
import threading
import time

RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def request(target: str, *headers: str, method: str = "GET", version: str = "HTTP/1.1") -> str:
    lines = [f"{method} {target} {version}", *headers]
    return "\r\n".join(lines) + "\r\n\r\n"


def upgrade_headers(host: str, key: str = RFC_KEY, version: str = "13") -> list[str]:
    return [
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        f"Sec-WebSocket-Version: {version}",
    ]


def cases(host: str) -> list[tuple[str, str]]:
    good = upgrade_headers(host)
    return [
        ("the RFC's example key, offering two subprotocols",
         request("/echo", *good, "Sec-WebSocket-Protocol: chat.v2, chat.v1")),
        ("POST instead of GET", request("/echo", *good, method="POST")),
        ("a plain HTTP request to the WebSocket endpoint (no Upgrade)", request("/echo", f"Host: {host}")),
        ("a WebSocket version the server does not speak", request("/echo", *upgrade_headers(host, version="8"))),
        ("a key that is not 16 bytes of base64", request("/echo", *upgrade_headers(host, key="c2hvcnQ="))),
        ("a path with no WebSocket behind it", request("/nope", *good)),
    ]


def chat_cases(host: str) -> list[tuple[str, str]]:
    """Chapter 8's /chat: the Origin check and the subprotocol rule."""
    good = upgrade_headers(host)
    return [
        ("a page from this server's own origin, offering chat.v1",
         request("/chat?room=lobby&nick=ada", *good, f"Origin: http://{host}", "Sec-WebSocket-Protocol: chat.v1")),
        ("a page from another site", request("/chat", *good, "Origin: http://evil.example")),
        ("no Origin at all: not a browser", request("/chat", *good)),
        ("a subprotocol /chat does not speak", request("/chat", *good, f"Origin: http://{host}", "Sec-WebSocket-Protocol: irc")),
    ]


def exchange(port: int, text: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(text.encode())
        sock.settimeout(1.0)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return answer


def describe_frames(data: bytes) -> list[str]:
    """The unmasked frames a server sent after its 101, one line each."""
    lines = []
    while len(data) >= 2:
        length, at = data[1] & 127, 2
        if length == 126:
            length, at = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, at = int.from_bytes(data[2:10], "big"), 10
        payload = data[at : at + length]
        lines.append(f"(then a frame: {data[:at].hex(' ')}, opcode {data[0] & 15:#x}, {length} bytes: "
                     f"{payload.decode('utf-8', 'replace')!r})")
        data = data[at + length :]
    return lines


def show(data: str) -> str:
    return "\n".join(f"    {line}" for line in data.replace("\r\n", "\n").rstrip("\n").split("\n"))


def main() -> int:
    args = sys.argv[1:]
    make_cases = cases
    if args[:1] == ["--chat"]:
        make_cases, args = chat_cases, args[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    server = subprocess.Popen(
        [args[0], "--addr", "127.0.0.1:0", *args[1:]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    first = server.stdout.readline().strip()
    if not first.startswith("listening on ws://"):
        print(f"unexpected first line: {first!r}", file=sys.stderr)
        server.kill()
        return 1
    host = first.removeprefix("listening on ws://")
    port = int(host.rsplit(":", 1)[1])
    print(first)
    for title, text in make_cases(host):
        raw = exchange(port, text)
        head, separator, frames = raw.partition(b"\r\n\r\n")
        is_101 = head.startswith(b"HTTP/1.1 101")
        answer = (head + separator).decode("utf-8", "replace") + ("" if is_101 else frames.decode("utf-8", "replace"))
        print(f"\n=== {title}")
        print("  request:")
        print(show(text))
        print("  answer:")
        print(show(answer) if answer else "    (nothing)")
        if is_101:
            for line in describe_frames(frames):
                print(f"    {line}")
    time.sleep(0.5)
    server.terminate()
    server.wait(timeout=5)
    print("\n=== the server's log (stderr)")
    print("".join(log).rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
