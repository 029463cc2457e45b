// Headless Chromium as a WebSocket client, driven by playwright-core.
//
//   NODE_PATH=target/peers/node/node_modules node chromium_client.js WS_URL [PAGE_URL] [greeting]
//
// Opens PAGE_URL (default: WS_URL's host and port with http:// and path /, the page that
// py_server.py or a chapter server serves) and runs the browser's own `WebSocket` in it,
// so the handshake carries that page's Origin. The page must come from the server itself:
// Chromium's Local Network Access checks block a WebSocket to 127.0.0.1 from a page that
// did not come from the local network (a data: URL or a page Playwright fakes), with
// net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS.
//
// The exchange, each step waiting for the server's answer (at most 3 s, so an echo-only
// server that does not know "big" is fine):
//   1. text  "hello from chromium"
//   2. text  JSON {"type":"greeting",...}
//   3. binary 16 bytes 00..0f
//   4. text  "big"  (py_server.py echoes it and also sends a 114 205-byte JSON text)
//   5. binary 70000 random bytes (incompressible: stays > 64 KiB even deflated,
//      so the frame needs the 64-bit length)
//   6. close 1000 "chromium done", then wait for the close event
// Chromium offers permessage-deflate on every connection; whether it is used is the
// server's choice.
//
// With `greeting` (for chapter 03's server, which greets and then only logs frames): wait
// for the server's first message, send the text "hello from chromium", then close 1000
// "chromium done"; that server drops TCP instead of answering the close (1006 is expected).
'use strict';

const { chromium } = require('playwright-core');

const wsUrl = process.argv[2];
const mode = process.argv[4] || 'exchange';
const pageUrl = process.argv[3] || (wsUrl && new URL('/', wsUrl.replace(/^ws/, 'http')).href);
if (!wsUrl) {
  console.error('usage: chromium_client.js WS_URL [PAGE_URL]');
  process.exit(2);
}

// Runs inside the page: plain browser WebSocket API, nothing from Node.
async function exchange([url, mode]) {
  const log = [];
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const inbox = [];
  let wake = null;
  ws.onmessage = (e) => {
    inbox.push(e.data);
    if (wake) wake();
  };
  const closed = new Promise((resolve) => {
    ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean });
  });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('websocket error before open'));
  });
  log.push(`open protocol=${JSON.stringify(ws.protocol)} extensions=${JSON.stringify(ws.extensions)}`);

  // The next message from the server, or null after `ms` milliseconds.
  const next = async (ms = 3000) => {
    const deadline = Date.now() + ms;
    while (inbox.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, left);
      });
      wake = null;
    }
    return inbox.shift();
  };
  const describe = (m) =>
    m === null ? 'nothing (timeout)' : typeof m === 'string' ? `text ${m.length} chars` : `binary ${m.byteLength} bytes`;

  if (mode === 'greeting') {
    const greeting = await next();
    if (greeting === null) throw new Error('no greeting from the server within 3 s');
    log.push(`greeting: ${describe(greeting)}`);
    ws.send('hello from chromium');
    await new Promise((resolve) => setTimeout(resolve, 300));
    ws.close(1000, 'chromium done');
    const c = await closed;
    log.push(`closed code=${c.code} reason=${JSON.stringify(c.reason)} clean=${c.wasClean}`);
    return log;
  }
  ws.send('hello from chromium');
  log.push(`1 got ${describe(await next())}`);
  ws.send(JSON.stringify({ type: 'greeting', from: 'chromium', n: [1, 2, 3] }));
  log.push(`2 got ${describe(await next())}`);
  ws.send(new Uint8Array([...Array(16).keys()]));
  log.push(`3 got ${describe(await next())}`);
  ws.send('big');
  log.push(`4 got ${describe(await next())}`);
  log.push(`4 got ${describe(await next())}`);
  const random = new Uint8Array(70000);
  for (let i = 0; i < random.length; i += 65536) {
    crypto.getRandomValues(random.subarray(i, Math.min(i + 65536, random.length)));
  }
  ws.send(random);
  log.push(`5 got ${describe(await next())}`);
  ws.close(1000, 'chromium done');
  const c = await closed;
  log.push(`6 closed code=${c.code} reason=${JSON.stringify(c.reason)} clean=${c.wasClean}`);
  return log;
}

// Never hang: a recording must end (the exchange takes about a second, or ~20 s against
// a server that answers nothing).
setTimeout(() => {
  console.error('chromium_client: timeout after 60 s');
  process.exit(1);
}, 60000).unref();

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // The flags from shared/TOOLING.md that Playwright does not set itself
    // (it adds --headless, --no-sandbox and its own --user-data-dir).
    args: [
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.error(`chromium console: ${m.text()}`));
    await page.goto(pageUrl);
    const log = await page.evaluate(exchange, [wsUrl, mode]);
    for (const line of log) console.error(`chromium: ${line}`);
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(`chromium_client: ${err.stack || err}`);
  process.exit(1);
});
