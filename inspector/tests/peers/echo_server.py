"""A Python websockets echo server (permessage-deflate on, as websockets defaults to).

Prints `listening on ws://HOST:PORT` once bound, like the chapter servers, and echoes
every message with its type until killed.

usage: echo_server.py HOST:PORT
"""

import asyncio
import sys

from websockets.asyncio.server import serve


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def main():
    host, port = sys.argv[1].rsplit(":", 1)
    async with serve(echo, host, int(port), ping_interval=None, max_size=None) as server:
        address = server.sockets[0].getsockname()
        print(f"listening on ws://{address[0]}:{address[1]}", flush=True)
        await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    asyncio.run(main())
