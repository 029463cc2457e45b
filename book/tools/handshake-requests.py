#!/usr/bin/env python3
"""Sends a chapter server a series of handshake requests, good and bad, over raw TCP, and
prints each request and the server's whole answer, then the server's log.

    python3 book/tools/handshake-requests.py SERVER_BINARY [SERVER_ARGS...]

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


def show(data: str) -> str:
    return "\n".join(f"    {line}" for line in data.replace("\r\n", "\n").rstrip("\n").split("\n"))


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    server = subprocess.Popen(
        [sys.argv[1], "--addr", "127.0.0.1:0", *sys.argv[2:]],
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
    for title, text in cases(host):
        answer = exchange(port, text).decode("latin-1")
        print(f"\n=== {title}")
        print("  request:")
        print(show(text))
        print("  answer:")
        print(show(answer) if answer else "    (nothing)")
    time.sleep(0.5)
    server.terminate()
    server.wait(timeout=5)
    print("\n=== the server's log (stderr)")
    print("".join(log).rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
