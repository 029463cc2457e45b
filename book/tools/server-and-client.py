#!/usr/bin/env python3
"""Starts a chapter server, runs a client command against it with some standard input, and
prints the command line, the client's output, and the server's log.

    python3 book/tools/server-and-client.py --input TEXT SERVER_BINARY [ARGS...] -- CLIENT [ARGS...]

The server is started with `--addr 127.0.0.1:0`; `{url}` in the client's arguments becomes
its ws://HOST:PORT. The client gets TEXT on stdin and at most 20 s to finish.
"""

import shlex
import subprocess
import sys
import threading
import time


def main() -> int:
    args = sys.argv[1:]
    if len(args) < 4 or args[0] != "--input" or "--" not in args:
        print(__doc__, file=sys.stderr)
        return 2
    text, args = args[1], args[2:]
    split = args.index("--")
    server_cmd, client_cmd = args[:split], args[split + 1 :]
    server = subprocess.Popen(
        [server_cmd[0], "--addr", "127.0.0.1:0", *server_cmd[1:]],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    log: list[str] = []
    threading.Thread(target=lambda: log.extend(server.stderr), daemon=True).start()
    url = server.stdout.readline().strip().removeprefix("listening on ")
    client_cmd = [part.replace("{url}", url) for part in client_cmd]
    shown = " ".join(shlex.quote(part) for part in client_cmd[1:])
    typed = "'" + text.replace("\\", "\\\\").replace("\n", "\\n") + "'"
    print(f"$ printf {typed} | {client_cmd[0].rsplit('/', 1)[-1]} {shown}")
    client = subprocess.run(client_cmd, input=text, capture_output=True, text=True, timeout=20)
    print(client.stdout.rstrip("\n"))
    if client.stderr.strip():
        print("--- the client's stderr")
        print(client.stderr.rstrip("\n"))
    print(f"--- the client's exit status: {client.returncode}")
    time.sleep(0.3)
    server.terminate()
    server.wait(timeout=5)
    print("--- the server's log (stderr)")
    print("".join(log).rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
