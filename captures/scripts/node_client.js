// Node `ws` (8.x) client with its default permessage-deflate offer, for py_server.py.
//
//   NODE_PATH=target/peers/node/node_modules node node_client.js ws://[::1]:8768/ipv6
//
// ws offers "permessage-deflate; client_max_window_bits"; py_server.py (websockets)
// accepts with server_max_window_bits=12; client_max_window_bits=12 and compresses every
// message it sends. ws compresses every message too (its 1 KiB threshold only applies with
// no_context_takeover), except the first one, sent with { compress: false }: RSV1 is a
// per-message flag, and an uncompressed message on a deflate connection is legal (RFC 7692
// §6). The exchange, each step waiting for its answers:
//   1. text "hello from node"          uncompressed (RSV1=0)      -> echo (compressed)
//   2. text 4000 bytes of "abcd..."    compressed to a few bytes   -> echo
//   3. binary 32 bytes 00..1f          compressed                  -> echo
//   4. ping "node ping"                (control frames are never compressed) -> pong
//   5. text "ping me"   -> echo, server ping "server ping", automatic pong, "pong received"
//   6. text "big"       -> echo and a 114 205-byte JSON text (compressed by the server)
//   7. close 1000 "node done"                                       -> close 1000
'use strict';

const { WebSocket } = require('ws');

const url = process.argv[2];
if (!url) {
  console.error('usage: node_client.js WS_URL');
  process.exit(2);
}
const log = (line) => console.error(`node_client: ${line}`);

(async () => {
  const ws = new WebSocket(url); // perMessageDeflate: default (offered)
  const inbox = [];
  let wake = null;
  ws.on('message', (data, isBinary) => {
    inbox.push(isBinary ? data : data.toString());
    if (wake) wake();
  });
  const next = async () => {
    while (inbox.length === 0) await new Promise((resolve) => (wake = resolve));
    return inbox.shift();
  };
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve([code, `${reason}`])));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  log(`open extensions=${JSON.stringify(ws.extensions)}`);

  ws.send('hello from node', { compress: false });
  log(`1 ${await next()}`);
  ws.send('abcd'.repeat(1000));
  log(`2 ${(await next()).length} chars`);
  ws.send(Buffer.from([...Array(32).keys()]));
  log(`3 ${(await next()).length} bytes`);
  const pong = new Promise((resolve) => ws.once('pong', resolve));
  ws.ping('node ping');
  log(`4 pong ${await pong}`);
  ws.send('ping me');
  log(`5 ${await next()} / ${await next()}`);
  ws.send('big');
  log(`6 ${await next()} / ${(await next()).length} chars`);
  ws.close(1000, 'node done');
  const [code, reason] = await closed;
  log(`7 closed ${code} ${reason}`);
  if (code !== 1000) process.exitCode = 1;
})().catch((err) => {
  log(`${err.stack || err}`);
  process.exit(1);
});

// Never hang: a recording must end.
setTimeout(() => {
  log('timeout');
  process.exit(1);
}, 10000).unref();
