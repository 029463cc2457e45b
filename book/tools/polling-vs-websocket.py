#!/usr/bin/env python3
"""Measure what 100 small messages each way cost over HTTP polling, long polling,
HTTP streaming and a WebSocket, on loopback.

Run it from the repository root with the peers' Python (it needs `websockets`):

    target/peers/py/bin/python book/tools/polling-vs-websocket.py book/listings/00-why

What happens, for each transport:

* A server (Python's own `http.server`, or `websockets` for the WebSocket case) and a
  client run in this process. Between them sits a counting TCP proxy: every byte the
  client writes and every byte the server writes passes through it and is counted, per
  direction, together with the number of TCP connections opened. Those are the bytes of
  TCP payload: the HTTP request lines, headers and bodies, or the WebSocket handshake
  and frames. (IP and TCP headers come on top of that, for every segment; they are not
  counted here.)
* The server produces one message for the client every 20 ms, 100 in all; at the same
  time the client sends one message to the server every 20 ms, 100 in all. Each message
  is the same small JSON object, about 40 bytes, that carries its send time so the
  receiver can measure how long it took to arrive.
* The HTTP clients use `http.client` and send only the headers it sends by default
  (Host, Accept-Encoding, Content-Length): a lower bound. A browser adds User-Agent,
  Accept, Accept-Language, Referer and cookies, often 400 to 800 more bytes per request.

It writes, into OUTPUT_DIR, a Markdown table (comparison.md) and three listings of the
first bytes on the wire (polling.txt, streaming.txt, websocket.txt) that the book
includes. The numbers are from the run that wrote them, so they move a little (timer
jitter, the Date header) each time.
"""

from __future__ import annotations

import http.client
import http.server
import json
import pathlib
import platform
import socket
import socketserver
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets
from websockets.sync.client import connect as ws_connect
from websockets.sync.server import serve as ws_serve

MESSAGES = 100
INTERVAL = 0.020  # seconds between two messages, in each direction
POLL_INTERVAL = 0.050  # how often the polling client asks
HOST = "127.0.0.1"
SAMPLE = 4096  # bytes kept from the start of each direction of each connection


def make_message(direction: str, seq: int) -> bytes:
    """One small application message: about 40 bytes of JSON with its send time."""
    return json.dumps(
        {"dir": direction, "seq": seq, "t": round(time.monotonic(), 6)},
        separators=(",", ":"),
    ).encode()


# ---------------------------------------------------------------------------
# The counting proxy: forwards one TCP connection per client connection, counts bytes.


@dataclass
class Counters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    connections: int = 0
    client_to_server: int = 0
    server_to_client: int = 0
    # The first SAMPLE bytes of each direction of each connection, for the listings.
    samples: list[dict[str, bytearray]] = field(default_factory=list)

    def add(self, direction: str, n: int) -> None:
        with self.lock:
            if direction == "c2s":
                self.client_to_server += n
            else:
                self.server_to_client += n


class CountingProxy:
    """Listens on a free port and forwards every connection to `upstream`."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.counters = Counters()
        self.listener = socket.create_server((HOST, 0))
        self.port = self.listener.getsockname()[1]
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sample = {"c2s": bytearray(), "s2c": bytearray()}
            with self.counters.lock:
                self.counters.connections += 1
                self.counters.samples.append(sample)
            for src, dst, direction in ((client, server, "c2s"), (server, client, "s2c")):
                t = threading.Thread(target=self._pipe, args=(src, dst, direction, sample[direction]), daemon=True)
                t.start()
                self.threads.append(t)

    def _pipe(self, src: socket.socket, dst: socket.socket, direction: str, sample: bytearray) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                self.counters.add(direction, len(data))
                if len(sample) < SAMPLE:
                    sample.extend(data[: SAMPLE - len(sample)])
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()
        for t in self.threads:
            t.join(timeout=2)


# ---------------------------------------------------------------------------
# What every transport shares: the server's outbox, the latencies, the client's sender.


@dataclass
class Run:
    name: str
    outbox: list[bytes] = field(default_factory=list)  # server -> client messages produced
    outbox_ready: threading.Condition = field(default_factory=threading.Condition)
    producer_done: bool = False
    received_by_server: list[float] = field(default_factory=list)  # latencies, seconds
    received_by_client: list[float] = field(default_factory=list)
    requests: int = 0  # HTTP requests the client made (or 1 for the WebSocket handshake)
    empty_responses: int = 0
    requests_lock: threading.Lock = field(default_factory=threading.Lock)
    payload_bytes: int = 0  # the application's own bytes, both directions

    def new_message(self, direction: str, seq: int) -> bytes:
        message = make_message(direction, seq)
        with self.requests_lock:
            self.payload_bytes += len(message)
        return message

    def count_request(self, empty: bool = False) -> None:
        with self.requests_lock:
            self.requests += 1
            if empty:
                self.empty_responses += 1

    def produce(self) -> None:
        """The server's side of the conversation: a message every INTERVAL."""
        for seq in range(MESSAGES):
            time.sleep(INTERVAL)
            with self.outbox_ready:
                self.outbox.append(self.new_message("s2c", seq))
                self.outbox_ready.notify_all()
        with self.outbox_ready:
            self.producer_done = True
            self.outbox_ready.notify_all()

    def server_received(self, body: bytes) -> None:
        sent = json.loads(body)["t"]
        self.received_by_server.append(time.monotonic() - sent)

    def client_received(self, body: bytes) -> None:
        sent = json.loads(body)["t"]
        self.received_by_client.append(time.monotonic() - sent)


def run_http_sender(run: Run, port: int, keep_alive: bool) -> None:
    """The client's side: POST /send, one request per message (what a browser's
    XMLHttpRequest or fetch does when it has something to say)."""
    conn = http.client.HTTPConnection(HOST, port)
    for seq in range(MESSAGES):
        time.sleep(INTERVAL)
        headers = {"Content-Type": "application/json"}
        if not keep_alive:
            headers["Connection"] = "close"
        conn.request("POST", "/send", body=run.new_message("c2s", seq), headers=headers)
        run.count_request()
        conn.getresponse().read()
        if not keep_alive:
            conn.close()
            conn = http.client.HTTPConnection(HOST, port)
    conn.close()


# ---------------------------------------------------------------------------
# The HTTP server for (a), (b) and (c).


def http_server(run: Run, mode: str) -> socketserver.TCPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, chunked responses
        # http.server writes the headers and the body with two send() calls; with Nagle's
        # algorithm on, the body would wait for the delayed ACK of the headers (40 ms on
        # Linux), and the HTTP numbers would look worse than HTTP is.
        disable_nagle_algorithm = True

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            run.server_received(self.rfile.read(length))
            self.send_response(204)
            self.end_headers()

        def do_GET(self) -> None:
            if self.path.startswith("/poll"):
                after = int(self.path.partition("after=")[2] or 0)
                with run.outbox_ready:
                    if mode == "long-poll":
                        # Hold the request until there is something new (or the end).
                        run.outbox_ready.wait_for(lambda: len(run.outbox) > after or run.producer_done)
                    batch = run.outbox[after:]
                    done = run.producer_done and not batch
                body = b"[" + b",".join(batch) + b"]"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if done:
                    self.send_header("X-Done", "1")
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/stream":
                # One response that never ends until the last message: chunked encoding,
                # one chunk per message.
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                sent = 0
                while True:
                    with run.outbox_ready:
                        run.outbox_ready.wait_for(lambda: len(run.outbox) > sent or run.producer_done)
                        batch = run.outbox[sent:]
                        finished = run.producer_done and not batch
                    for message in batch:
                        line = message + b"\n"
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line))
                        self.wfile.flush()
                    sent += len(batch)
                    if finished:
                        break
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.send_error(404)

    server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run_polling(run: Run, port: int, keep_alive: bool) -> None:
    conn = http.client.HTTPConnection(HOST, port)
    seen = 0
    while True:
        time.sleep(POLL_INTERVAL)
        headers = {} if keep_alive else {"Connection": "close"}
        conn.request("GET", f"/poll?after={seen}", headers=headers)
        response = conn.getresponse()
        messages = json.loads(response.read())
        run.count_request(empty=not messages)
        for message in messages:
            run.client_received(json.dumps(message, separators=(",", ":")).encode())
        seen += len(messages)
        if response.getheader("X-Done"):
            break
        if not keep_alive:
            conn.close()
            conn = http.client.HTTPConnection(HOST, port)
    conn.close()


def run_long_polling(run: Run, port: int) -> None:
    conn = http.client.HTTPConnection(HOST, port)
    seen = 0
    while True:
        conn.request("GET", f"/poll?after={seen}")
        response = conn.getresponse()
        messages = json.loads(response.read())
        run.count_request(empty=not messages)
        for message in messages:
            run.client_received(json.dumps(message, separators=(",", ":")).encode())
        seen += len(messages)
        if response.getheader("X-Done"):
            break
    conn.close()


def run_streaming(run: Run, port: int) -> None:
    conn = http.client.HTTPConnection(HOST, port)
    conn.request("GET", "/stream")
    run.count_request()
    response = conn.getresponse()
    while line := response.readline():  # http.client undoes the chunking
        run.client_received(line.rstrip(b"\n"))
    conn.close()


def http_transport(mode: str, keep_alive: bool = True) -> Callable[[Run], Counters]:
    def go(run: Run) -> Counters:
        server = http_server(run, mode)
        proxy = CountingProxy(server.server_address[:2])
        receiver = {
            "poll": lambda: run_polling(run, proxy.port, keep_alive),
            "long-poll": lambda: run_long_polling(run, proxy.port),
            "stream": lambda: run_streaming(run, proxy.port),
        }[mode]
        threads = [
            threading.Thread(target=run.produce),
            threading.Thread(target=receiver),
            threading.Thread(target=run_http_sender, args=(run, proxy.port, keep_alive)),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        server.shutdown()
        server.server_close()
        proxy.close()
        return proxy.counters

    return go


# ---------------------------------------------------------------------------
# (d) WebSocket: one connection, both directions at once.


def websocket_transport(run: Run) -> Counters:
    def handler(connection: websockets.sync.server.ServerConnection) -> None:
        def pump() -> None:
            sent = 0
            while True:
                with run.outbox_ready:
                    run.outbox_ready.wait_for(lambda: len(run.outbox) > sent or run.producer_done)
                    batch = run.outbox[sent:]
                    finished = run.producer_done and not batch
                for message in batch:
                    connection.send(message.decode())  # a text frame
                sent += len(batch)
                if finished:
                    return

        sender = threading.Thread(target=pump)
        sender.start()
        for _ in range(MESSAGES):
            run.server_received(connection.recv().encode())
        sender.join()
        # Returning from the handler starts the closing handshake (close code 1000).

    # compression=None: no permessage-deflate, so the frames are the plain RFC 6455 ones.
    server = ws_serve(handler, HOST, 0, compression=None)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    proxy = CountingProxy(server.socket.getsockname()[:2])

    with ws_connect(f"ws://{HOST}:{proxy.port}/", compression=None) as client:
        run.count_request()  # the one HTTP request: the Upgrade

        def send_all() -> None:
            for seq in range(MESSAGES):
                time.sleep(INTERVAL)
                client.send(run.new_message("c2s", seq).decode())

        threads = [threading.Thread(target=run.produce), threading.Thread(target=send_all)]
        for t in threads:
            t.start()
        for _ in range(MESSAGES):
            run.client_received(client.recv().encode())
        for t in threads:
            t.join()
    server.shutdown()
    proxy.close()
    return proxy.counters


# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Listings: the first bytes of a connection, shown so that a reader sees every byte.


def show_text(data: bytes) -> str:
    """Bytes as text with the line ends spelled out, so CRLF and a lone LF are visible."""
    text = data.decode("latin-1").replace("\r\n", "\x00").replace("\n", "\\n\n").replace("\x00", "\\r\\n\n")
    return text.rstrip("\n")


def first_http_message(data: bytes, chunks: int = 0) -> tuple[bytes, bytes]:
    """Splits off the first HTTP message (head and body) from `data`. A chunked body is
    cut after `chunks` chunks."""
    head_end = data.find(b"\r\n\r\n")
    if head_end < 0:
        return data, b""
    head, rest = data[: head_end + 4], data[head_end + 4 :]
    lowered = head.lower()
    if b"transfer-encoding: chunked" in lowered:
        body = b""
        for _ in range(chunks):
            size_end = rest.find(b"\r\n")
            if size_end < 0:
                break
            size = int(rest[:size_end], 16)
            chunk_len = size_end + 2 + size + 2
            body, rest = body + rest[:chunk_len], rest[chunk_len:]
        return head + body, rest
    length = 0
    for line in lowered.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return head + rest[:length], rest[length:]


def hexdump(data: bytes) -> str:
    return " ".join(f"{b:02x}" for b in data)


def describe_frame(data: bytes) -> tuple[str, bytes]:
    """One RFC 6455 §5.2 frame from the start of `data`, explained field by field."""
    fin, opcode = data[0] >> 7, data[0] & 0x0F
    masked, length = data[1] >> 7, data[1] & 0x7F
    header_len = 2
    if length == 126:
        length, header_len = int.from_bytes(data[2:4], "big"), 4
    elif length == 127:
        length, header_len = int.from_bytes(data[2:10], "big"), 10
    key = data[header_len : header_len + 4] if masked else b""
    start = header_len + len(key)
    payload = data[start : start + length]
    names = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
    lines = [
        f"  header   {hexdump(data[:header_len]):<12} FIN={fin}, opcode={opcode} ({names.get(opcode, 'reserved')}), "
        f"MASK={masked}, payload length={length}",
    ]
    if masked:
        unmasked = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        lines.append(f"  mask key {hexdump(key)}")
        lines.append(f"  payload  {hexdump(payload)}")
        lines.append(f"  unmasked {unmasked.decode('utf-8', 'replace')}")
    else:
        lines.append(f"  payload  {payload.decode('utf-8', 'replace')}")
    total = start + length
    lines.insert(0, f"{total} bytes: {header_len + len(key)} of header, {length} of payload")
    return "\n".join(lines), data[total:]


def http_listing(samples: list[dict[str, bytearray]], chunks: int = 0) -> str:
    """The first exchange on the first connection that started with GET, then (if there
    is one) the first exchange on the first connection that started with POST."""
    parts = []
    for method in (b"GET", b"POST"):
        for sample in samples:
            if sample["c2s"].startswith(method):
                request, _ = first_http_message(bytes(sample["c2s"]))
                response, _ = first_http_message(bytes(sample["s2c"]), chunks)
                parts.append(f"--- client → server ({len(request)} bytes)\n{show_text(request)}")
                shown = f"first {chunks} chunks, " if b"chunked" in response.lower() else ""
                parts.append(f"--- server → client ({shown}{len(response)} bytes)\n{show_text(response)}")
                break
    return "\n\n".join(parts) + "\n"


def websocket_listing(samples: list[dict[str, bytearray]]) -> str:
    c2s, s2c = bytes(samples[0]["c2s"]), bytes(samples[0]["s2c"])
    request, c2s_frames = first_http_message(c2s)
    response, s2c_frames = first_http_message(s2c)
    client_frame, _ = describe_frame(c2s_frames)
    server_frame, _ = describe_frame(s2c_frames)
    return (
        f"--- client → server: the opening handshake ({len(request)} bytes)\n{show_text(request)}\n\n"
        f"--- server → client: the opening handshake ({len(response)} bytes)\n{show_text(response)}\n\n"
        f"--- client → server: the first message, one frame of {client_frame}\n\n"
        f"--- server → client: the first message, one frame of {server_frame}\n"
    )


# ---------------------------------------------------------------------------


TRANSPORTS: list[tuple[str, str, Callable[[Run], Counters]]] = [
    (
        "http-1.0-polling",
        "(a) polling every 50 ms, HTTP/1.0 style: a new connection per request",
        http_transport("poll", keep_alive=False),
    ),
    ("polling", "(a) polling every 50 ms, HTTP/1.1 keep-alive", http_transport("poll")),
    ("long-polling", "(b) long polling (Comet)", http_transport("long-poll")),
    ("streaming", "(c) HTTP streaming (chunked response) + POSTs", http_transport("stream")),
    ("websocket", "(d) WebSocket", websocket_transport),
]


def main() -> int:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        print("usage: polling-vs-websocket.py OUTPUT_DIR", file=sys.stderr)
        return 2
    out_dir = pathlib.Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = len(make_message("s2c", 50))
    rows = []
    samples = {}
    for key, name, transport in TRANSPORTS:
        run = Run(name)
        counters = transport(run)
        if len(run.received_by_client) != MESSAGES or len(run.received_by_server) != MESSAGES:
            print(
                f"{name}: expected {MESSAGES} messages each way, got "
                f"{len(run.received_by_server)} to the server and {len(run.received_by_client)} to the client",
                file=sys.stderr,
            )
            return 1
        samples[key] = counters.samples
        total = counters.client_to_server + counters.server_to_client
        rows.append(
            (
                name,
                counters.connections,
                run.requests,
                run.empty_responses,
                counters.client_to_server,
                counters.server_to_client,
                total,
                (total - run.payload_bytes) / (2 * MESSAGES),
                statistics.mean(run.received_by_client) * 1000,
                max(run.received_by_client) * 1000,
            )
        )
        print(f"measured {name}", file=sys.stderr)

    table = [
        f"{MESSAGES} messages each way, one every {INTERVAL * 1000:.0f} ms in each direction, "
        f"each about {payload} bytes of JSON ({2 * MESSAGES * payload:,} bytes of messages in all). "
        "Bytes are TCP payload, counted by a proxy on loopback; protocol bytes per message are "
        f"the bytes that were not the messages themselves, divided by the {2 * MESSAGES} messages "
        f"(Python {platform.python_version()}, websockets {websockets.__version__}).",
        "",
        "| transport | TCP connections | HTTP requests | of them empty | bytes client→server "
        "| bytes server→client | bytes total | protocol bytes per message | latency server→client, mean | max |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, conns, reqs, empty, c2s, s2c, total, per_message, mean_ms, max_ms in rows:
        table.append(
            f"| {name} | {conns} | {reqs} | {empty} | {c2s:,} | {s2c:,} | {total:,} "
            f"| {per_message:.0f} | {mean_ms:.1f} ms | {max_ms:.1f} ms |"
        )
    (out_dir / "comparison.md").write_text("\n".join(table) + "\n")
    (out_dir / "polling.txt").write_text(http_listing(samples["polling"]))
    (out_dir / "streaming.txt").write_text(http_listing(samples["streaming"], chunks=3))
    (out_dir / "websocket.txt").write_text(websocket_listing(samples["websocket"]))
    print(f"wrote {out_dir}/comparison.md, polling.txt, streaming.txt, websocket.txt", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
