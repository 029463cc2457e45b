"""A real WebSocket client (Python websockets) for the proxy's tests.

Runs one fixed conversation against URL and prints, as one JSON object on stdout,
everything it saw: the negotiated extensions, each echoed message (type, length,
SHA-256), whether its ping was answered, and the close code and reason it received.
The test runs it once directly against the server and once through the proxy, and
compares the two transcripts.

usage: proxy_client.py URL deflate|none
"""

import hashlib
import json
import sys

from websockets.sync.client import connect


def describe(message):
    kind = "text" if isinstance(message, str) else "binary"
    data = message.encode() if kind == "text" else message
    return {"type": kind, "len": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def main():
    url, compression = sys.argv[1], sys.argv[2]
    seen = {"messages": []}
    with connect(
        url,
        compression=None if compression == "none" else "deflate",
        max_size=None,
        open_timeout=10,
        close_timeout=10,
    ) as ws:
        seen["extensions"] = ws.response.headers.get("Sec-WebSocket-Extensions")
        outgoing = [
            "hello",  # 7-bit length
            "é" * 150,  # 300 bytes of UTF-8: 16-bit length
            bytes(range(256)) * 274,  # 70 144 bytes: 64-bit length
            ["frag", "mented ", "message"],  # one text message in three frames
            [b"\x00\x01", b"\x02"],  # one binary message in two frames
        ]
        for message in outgoing:
            ws.send(message)
            seen["messages"].append(describe(ws.recv(timeout=10)))
        pong = ws.ping(b"are you there?")
        seen["pong"] = pong.wait(timeout=10)
        ws.close(1000, "bye")
        seen["close_code"] = ws.close_code
        seen["close_reason"] = ws.close_reason
    print(json.dumps(seen, sort_keys=True))


if __name__ == "__main__":
    main()
