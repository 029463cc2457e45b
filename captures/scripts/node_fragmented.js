// Node `ws` (8.x) server and client in one process: fragmentation, interleaved pings,
// a subprotocol and a server-initiated close with an application code.
//
//   NODE_PATH=target/peers/node/node_modules node node_fragmented.js [HOST] [PORT]
//
// Both ends are the `ws` library talking over a real TCP connection on HOST:PORT
// (default 127.0.0.1:8767); perMessageDeflate is off on both, so every frame is plain.
// The exchange:
//   handshake  client offers Sec-WebSocket-Protocol: wsbook.v2, wsbook.v1
//              server picks wsbook.v1
//   client  -> text "hello, unfragmented"                        (1 frame)
//   server  -> the echo                                          (1 frame)
//   client  -> text fragment "Hello, "       FIN=0 opcode=1
//   client  -> ping "between fragments"      (a control frame in the middle of a message)
//   server  -> pong "between fragments"      (also sent while the client's message is open)
//   client  -> continuation "fragmented "    FIN=0 opcode=0
//   client  -> continuation "world!"         FIN=1 opcode=0  => message "Hello, fragmented world!"
//   server  -> binary fragment 00 01 02 03   FIN=0 opcode=2
//   server  -> ping "server ping between fragments"
//   client  -> pong (automatic, masked)
//   server  -> continuation 04 05 06 07      FIN=0 opcode=0
//   server  -> continuation 08 09 0a 0b      FIN=1 opcode=0
//   server  -> close 4000 "demo over"        (after the client's pong arrived)
//   client  -> close 4000 "demo over"        (ws echoes the code and reason)
// A short pause between fragments keeps each frame in its own TCP segment, which makes
// the capture easier to read; decoding does not depend on it.
'use strict';

const { WebSocket, WebSocketServer } = require('ws');

const host = process.argv[2] || '127.0.0.1';
const port = Number(process.argv[3] || 8767);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line) => console.error(`node_fragmented: ${line}`);

const server = new WebSocketServer({
  host,
  port,
  perMessageDeflate: false,
  // Offered protocols arrive as a Set in the client's order; this server only speaks v1.
  handleProtocols: (protocols) => (protocols.has('wsbook.v1') ? 'wsbook.v1' : false),
});

server.on('connection', (ws) => {
  log(`server: open protocol=${ws.protocol}`);
  ws.on('message', async (data, isBinary) => {
    const text = data.toString();
    log(`server: got ${isBinary ? 'binary' : 'text'} ${JSON.stringify(text)}`);
    if (text === 'hello, unfragmented') {
      ws.send(text);
      return;
    }
    // The reassembled fragmented message: answer with a fragmented binary message
    // and a ping between its fragments, then close once the pong is back.
    ws.once('pong', async () => {
      await sleep(50);
      ws.send(Buffer.from([4, 5, 6, 7]), { binary: true, fin: false });
      await sleep(50);
      ws.send(Buffer.from([8, 9, 10, 11]), { binary: true, fin: true });
      await sleep(50);
      ws.close(4000, 'demo over');
    });
    ws.send(Buffer.from([0, 1, 2, 3]), { binary: true, fin: false });
    await sleep(50);
    ws.ping('server ping between fragments');
  });
  ws.on('close', (code, reason) => log(`server: closed ${code} ${reason}`));
});

server.on('listening', async () => {
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}/fragments`;
  const ws = new WebSocket(url, ['wsbook.v2', 'wsbook.v1'], { perMessageDeflate: false });
  const replies = [];
  ws.on('message', (data, isBinary) => replies.push(isBinary ? [...data] : data.toString()));
  ws.on('close', (code, reason) => {
    log(`client: closed ${code} ${reason}; got ${JSON.stringify(replies)}`);
    server.close();
    const ok = code === 4000 && replies.length === 2 && replies[1].length === 12;
    process.exitCode = ok ? 0 : 1;
  });
  await new Promise((resolve) => ws.once('open', resolve));
  log(`client: open protocol=${ws.protocol}`);

  ws.send('hello, unfragmented');
  await sleep(50);
  ws.send('Hello, ', { fin: false });
  await sleep(50);
  ws.ping('between fragments');
  await sleep(50);
  ws.send('fragmented ', { fin: false });
  await sleep(50);
  ws.send('world!', { fin: true });
});

// Never hang: a recording must end.
setTimeout(() => {
  log('timeout');
  process.exit(1);
}, 10000).unref();
