"""A client built on the `websocket-client` library (the synchronous one, not `websockets`).

    python wsclient.py ws://127.0.0.1:5555/cooked [NAME]

websocket-client offers no extensions, so frames are plain. Against py_server.py:
1. text "hello from websocket-client (NAME)"  -> echoed
2. binary de ad be ef                         -> echoed
3. ping "wsclient ping"                       -> the server's pong
4. close 1000 "bye"                           -> the server's close 1000 "bye"
"""

import sys

import websocket  # websocket-client


def main(url: str, name: str) -> None:
    ws = websocket.create_connection(url, timeout=5)
    text = f"hello from websocket-client ({name})"
    ws.send(text)
    assert ws.recv() == text
    ws.send_binary(b"\xde\xad\xbe\xef")
    assert ws.recv() == b"\xde\xad\xbe\xef"
    ws.ping("wsclient ping")
    opcode, frame = ws.recv_data_frame(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_PONG and frame.data == b"wsclient ping", (opcode, frame)
    ws.close(status=1000, reason=b"bye")  # sends close, waits for the server's close
    print(f"wsclient {name}: done", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "client")
