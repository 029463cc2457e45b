"""Python `websockets` (15.x) client for python-basic: no compression, every basic frame type.

    python py_client.py ws://127.0.0.1:8766/basic

Against py_server.py it sends, in order, and waits for each answer:
1. text "hello from python"                 -> echoed
2. binary 00 01 02 ... 0f ff fe              -> echoed
3. a ping with payload "are you there?"      -> the server's pong
4. text "ping me"                            -> echoed, then a server ping "server ping",
                                                our automatic pong, and text "pong received"
5. a 300-byte text (16-bit length field)     -> echoed
6. close 1001 "python client done"           -> the server's close 1001 with the same reason
"""

import asyncio
import sys

from websockets.asyncio.client import connect


async def main(url: str) -> None:
    async with connect(url, compression=None, ping_interval=None) as ws:
        await ws.send("hello from python")
        assert await ws.recv() == "hello from python"

        blob = bytes(range(16)) + b"\xff\xfe"
        await ws.send(blob)
        assert await ws.recv() == blob

        pong_waiter = await ws.ping(b"are you there?")
        await pong_waiter

        await ws.send("ping me")
        assert await ws.recv() == "ping me"
        assert await ws.recv() == "pong received"

        medium = "0123456789" * 30  # 300 bytes: needs the 16-bit extended length
        await ws.send(medium)
        assert await ws.recv() == medium

        await ws.close(code=1001, reason="python client done")
    print("python client: done", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
