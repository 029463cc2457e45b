"""A small Python `websockets` (15.x) server that the captures talk to.

    python py_server.py --host 127.0.0.1 --port 8765 [--compression deflate|none]

What it does on every connection (the same for every capture, so the README can say
what each one shows):

- echoes every message back with the same type (text stays text, binary stays binary);
- on the text message "big" it also sends one large JSON text message (114 205 bytes);
- on the text message "ping me" it sends a ping with the payload "server ping" and waits
  for the pong, then answers the text "pong received";
- the peer closes; websockets answers the close frame with the same code and reason.

A plain HTTP `GET /` (no Upgrade header) gets a tiny HTML page, so a browser can load a
page from the same origin before it opens its WebSocket (Chromium blocks a WebSocket to
127.0.0.1 from a page that did not come from the local network); other paths get a 404.

It prints exactly `listening on ws://HOST:PORT` on stdout once bound (record.sh waits for
that line) and one line per connection event on stderr. Keepalive pings are off
(`ping_interval=None`) so the only pings in a capture are the ones the peers ask for.
`compression="deflate"` (the default of websockets) accepts permessage-deflate when the
client offers it; `--compression none` never negotiates it.
"""

import argparse
import asyncio
import json
import signal
import sys

from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response
from websockets.exceptions import ConnectionClosed


def big_message() -> str:
    # Repetitive JSON: compresses well, so with permessage-deflate the frame on the
    # wire is a few KiB while the message is 114 205 bytes.
    rows = [{"id": i, "name": f"row {i}", "even": i % 2 == 0} for i in range(2400)]
    return json.dumps({"kind": "big", "rows": rows})


PAGE = b"<!doctype html><link rel=icon href=\"data:,\"><title>wsbook capture</title><p>wsbook capture page</p>\n"


def process_request(connection, request):
    """Serve the page for plain HTTP requests; let WebSocket upgrades through (None)."""
    if "websocket" in request.headers.get("Upgrade", "").lower():
        return None
    status, reason, body = (200, "OK", PAGE) if request.path == "/" else (404, "Not Found", b"not found\n")
    headers = Headers([("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
    print(f"http {request.path} -> {status}", file=sys.stderr, flush=True)
    return Response(status, reason, headers, body)


async def handler(ws):
    peer = ws.remote_address
    print(f"open {peer} path={ws.request.path} "
          f"extensions={ws.response.headers.get('Sec-WebSocket-Extensions')}",
          file=sys.stderr, flush=True)
    try:
        async for message in ws:
            await ws.send(message)  # echo, same type
            if message == "big":
                await ws.send(big_message())
            elif message == "ping me":
                pong_waiter = await ws.ping(b"server ping")
                await pong_waiter
                await ws.send("pong received")
    except ConnectionClosed:
        pass  # violations end here: websockets already sent its close frame
    print(f"closed {peer} code={ws.close_code} reason={ws.close_reason!r}",
          file=sys.stderr, flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--compression", choices=["deflate", "none"], default="deflate")
    args = parser.parse_args()

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)

    async with serve(
        handler,
        args.host,
        args.port,
        compression=None if args.compression == "none" else "deflate",
        ping_interval=None,
        max_size=1 << 20,
        process_request=process_request,
    ) as server:
        host = f"[{args.host}]" if ":" in args.host else args.host
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://{host}:{port}", flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main())
