// What each call of the browser's WebSocket API puts on the wire, recorded from a real
// headless Chromium. The book's page "The browser API" includes the output.
//
//   NODE_PATH=target/peers/node/node_modules node book/tools/browser-api-on-the-wire.js > OUT
//
// Three servers on loopback: an HTTP server for the page (so the page has a real origin), a
// Node `ws` echo server (compression off, so frames are plain RFC 6455), and between the
// browser and the echo server a recording proxy that decodes every byte in both directions:
// the handshake as text, then each frame field by field, unmasking the client's payloads.
// Playwright drives Chromium through a list of steps; after each step the transcript shows
// what the page saw and what crossed the wire.
'use strict';

const http = require('node:http');
const net = require('node:net');
const { chromium } = require('playwright-core');
const { WebSocketServer } = require('ws');

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const OPCODES = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

const wire = []; // lines recorded since the last step

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

function preview(opcode, payload) {
  if (opcode === 8 && payload.length >= 2) {
    const code = payload.readUInt16BE(0);
    return `code ${code}, reason ${JSON.stringify(payload.subarray(2).toString('utf8'))}`;
  }
  if (opcode === 8) return 'no body';
  if (payload.length > 48) return `${payload.length} bytes, starting ${JSON.stringify(payload.subarray(0, 16).toString('latin1'))}`;
  if (opcode === 2) return `bytes ${hex(payload)}`;
  return JSON.stringify(payload.toString('utf8'));
}

// Decodes one direction of one connection: the handshake (up to the empty line), then frames.
class Decoder {
  constructor(label, brief) {
    this.label = label;
    this.brief = brief;
    this.buffer = Buffer.alloc(0);
    this.handshakeDone = false;
  }

  push(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.handshakeDone) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
      if (this.brief) {
        // After the first connection, only what differs: the first line and the subprotocol.
        const shown = [lines[0], ...lines.filter((line) => /^sec-websocket-protocol:/i.test(line))];
        wire.push(`${this.label} handshake (the other headers as in connection 1):`);
        for (const line of shown) wire.push(`    ${line}`);
      } else {
        wire.push(`${this.label} handshake:`);
        for (const line of lines) wire.push(`    ${line}`);
      }
      this.buffer = this.buffer.subarray(end + 4);
      this.handshakeDone = true;
    }
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const fin = b[0] >> 7;
      const rsv = (b[0] >> 4) & 7;
      const opcode = b[0] & 15;
      const masked = b[1] >> 7;
      let length = b[1] & 127;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const keyLength = masked ? 4 : 0;
      if (b.length < offset + keyLength + length) return;
      const key = b.subarray(offset, offset + keyLength);
      const payload = Buffer.from(b.subarray(offset + keyLength, offset + keyLength + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i % 4];
      const header = hex(b.subarray(0, offset));
      const shownKey = masked ? `, key ${hex(key)}` : '';
      wire.push(
        `${this.label} frame: ${header.padEnd(11)} FIN=${fin} RSV=${rsv} ${OPCODES[opcode] ?? 'reserved'} (0x${opcode.toString(16)}), ` +
        `MASK=${masked}${shownKey}, length ${length}: ${preview(opcode, payload)}`,
      );
      this.buffer = b.subarray(offset + keyLength + length);
    }
  }
}

function startProxy(upstreamPort) {
  let connections = 0;
  const server = net.createServer((client) => {
    connections += 1;
    const id = connections;
    wire.push(`[connection ${id}] TCP connection opened`);
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    const up = new Decoder(`[connection ${id}] browser → server`, id > 1);
    const down = new Decoder(`[connection ${id}] server → browser`, id > 1);
    let closed = false;
    const closedBy = (who) => {
      if (!closed) wire.push(`[connection ${id}] TCP connection closed (first by the ${who})`);
      closed = true;
    };
    client.on('data', (chunk) => { up.push(chunk); upstream.write(chunk); });
    upstream.on('data', (chunk) => { down.push(chunk); client.write(chunk); });
    client.on('end', () => { closedBy('browser'); upstream.end(); });
    upstream.on('end', () => { closedBy('server'); client.end(); });
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startEchoServer() {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    perMessageDeflate: false,
    // Pick "chat.v2" if offered; otherwise no subprotocol at all.
    handleProtocols: (protocols) => (protocols.has('chat.v2') ? 'chat.v2' : false),
  });
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'please ping me') {
        socket.ping('are you there?');
        return;
      }
      socket.send(data, { binary: isBinary });
    });
  });
  return new Promise((resolve) => wss.on('listening', () => resolve(wss)));
}

function startPageServer() {
  const server = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end('<!doctype html><title>browser API on the wire</title><p>see the transcript');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const echo = await startEchoServer();
  const proxy = await startProxy(echo.address().port);
  const pageServer = await startPageServer();
  const wsUrl = `ws://127.0.0.1:${proxy.address().port}`;
  const pageUrl = `http://127.0.0.1:${pageServer.address().port}/`;

  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  await page.goto(pageUrl);
  // In the page: a log of events, and a helper that waits for the next event of a kind.
  await page.evaluate(() => {
    window.events = [];
    window.watch = (ws, name) => {
      ws.onopen = () => window.events.push(`${name} open: readyState ${ws.readyState}, protocol ${JSON.stringify(ws.protocol)}, extensions ${JSON.stringify(ws.extensions)}`);
      ws.onmessage = (e) => {
        const data = e.data;
        let shown;
        if (typeof data === 'string') shown = data.length > 48 ? `a string of ${data.length} characters` : `the string ${JSON.stringify(data)}`;
        else if (data instanceof Blob) shown = `a Blob of ${data.size} bytes`;
        else shown = `an ArrayBuffer of ${data.byteLength} bytes: [${Array.from(new Uint8Array(data)).join(', ')}]`;
        window.events.push(`${name} message: ${shown}`);
      };
      ws.onerror = () => window.events.push(`${name} error: readyState ${ws.readyState}`);
      ws.onclose = (e) => window.events.push(`${name} close: code ${e.code}, reason ${JSON.stringify(e.reason)}, wasClean ${e.wasClean}, readyState ${ws.readyState}`);
    };
    window.attempt = (f) => { try { return String(f()); } catch (e) { return `throws ${e.name}: ${e.message}`; } };
  });

  const out = [];
  out.push(`The page is ${pageUrl}; the WebSocket URL points at the recording proxy, ${wsUrl}.`);
  out.push(`(Chromium ${browser.version()}; the server is Node's ws, compression off.)`);

  // Each step: JavaScript run in the page (its value is shown), then a pause, then what the
  // page's event handlers saw and what crossed the wire meanwhile.
  async function step(title, code, waitMs = 400) {
    wire.length = 0;
    const value = await page.evaluate((source) => window.attempt(() => (0, eval)(source)), code);
    await sleep(waitMs);
    const events = await page.evaluate(() => window.events.splice(0));
    out.push('');
    out.push(`=== ${title}`);
    for (const line of code.split('\n')) out.push(`> ${line}`);
    if (value !== 'undefined') out.push(`  = ${value}`);
    for (const event of events) out.push(`  event: ${event}`);
    if (wire.length === 0) out.push('  wire: nothing');
    for (const line of wire.splice(0)) out.push(`  wire: ${line}`);
  }

  await step('the constructor: connecting', `ws = new WebSocket("${wsUrl}/chat", ["chat.v2", "chat.v1"]); watch(ws, "ws"); ws.readyState`);
  await step('send a string: a text frame', 'ws.send("hello")');
  await step('send bytes: a binary frame (binaryType is "blob" by default)', 'ws.send(new Uint8Array([1, 2, 3])); ws.binaryType');
  await step('binaryType "arraybuffer" changes only what the page receives', 'ws.binaryType = "arraybuffer"; ws.send(new Uint8Array([1, 2, 3]).buffer)');
  await step('a large message, and bufferedAmount right after send', 'ws.send("x".repeat(200000)); ws.bufferedAmount', 1000);
  await step('bufferedAmount once the data is on its way', 'ws.bufferedAmount');
  await step('the server pings; the browser answers by itself, the page sees nothing', 'ws.send("please ping me")');
  await step('close() with a code a page may not use', 'ws.close(1001)');
  await step('close() with a reason over 123 bytes', 'ws.close(4000, "x".repeat(124))');
  await step('close(4000, "bye"): the closing handshake', 'ws.close(4000, "bye"); ws.readyState', 800);
  await step('send after close: no exception, nothing sent, bufferedAmount grows', 'ws.send("too late"); ws.bufferedAmount');
  await step('close() with no arguments sends a Close frame with no body', `ws2 = new WebSocket("${wsUrl}/chat"); watch(ws2, "ws2"); ws2.onopen = () => ws2.close(); "connecting"`, 800);
  await step('send while CONNECTING throws', `ws3 = new WebSocket("${wsUrl}/chat"); watch(ws3, "ws3"); ws3.send("too early")`, 600);
  await step('close() while CONNECTING fails the connection', `ws4 = new WebSocket("${wsUrl}/chat"); watch(ws4, "ws4"); ws4.close(); ws4.readyState`, 800);
  await step('a subprotocol offered and not chosen: the browser fails the connection', `ws5 = new WebSocket("${wsUrl}/chat", "nope"); watch(ws5, "ws5"); "connecting"`, 800);
  await step('nothing listening: error, then close with 1006', 'ws6 = new WebSocket("ws://127.0.0.1:9/"); watch(ws6, "ws6"); "connecting"', 1500);
  await step('a fragment in the URL', `new WebSocket("${wsUrl}/chat#part")`);
  await step('a scheme that is not ws, wss, http or https', 'new WebSocket("ftp://127.0.0.1/")');
  await step('the same subprotocol twice', `new WebSocket("${wsUrl}/chat", ["a", "a"])`);
  await step('a relative URL, resolved against the page and turned into ws:', 'ws7 = new WebSocket("/chat"); ws7.close(); ws7.url');

  await browser.close();
  proxy.close();
  echo.close();
  pageServer.close();
  console.log(out.join('\n'));
}

main().catch((error) => { console.error(error); process.exit(1); });
