// Runs a chapter server and a scenario in headless Chromium against it, and prints what both
// sides saw: the server's stdout and stderr (its log), then the lines the scenario reports from
// the page. The book includes this output as a listing, so what a page says a browser does is
// what a browser did.
//
//   node book/tools/chromium-session.js SCENARIO.js SERVER_BINARY [SERVER_ARGS...]
//
// SCENARIO.js exports `path` (the resource name to connect to), `run(url)`, a function that
// runs *in the page* and resolves to an array of lines, and optionally `page`, a path the
// server serves as HTML, to load first (so the page has the server's origin). The server is started with
// `--addr 127.0.0.1:0` and must print `listening on ws://HOST:PORT` first.
//
// Needs playwright-core (NODE_PATH=target/peers/node/node_modules) and /usr/bin/chromium;
// scripts/install-tools.sh installs both. book/tools/regenerate.sh runs this for every listing.
'use strict';

const { spawn } = require('node:child_process');
const path = require('node:path');
const { chromium } = require('playwright-core');

const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

function startServer(binary, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--addr', '127.0.0.1:0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    let stdoutBuffer = '';
    let stderrBuffer = '';
    let resolved = false;
    const timer = setTimeout(() => { child.kill(); reject(new Error(`${binary}: no listening line in 10 s`)); }, 10000);
    child.stdout.on('data', (chunk) => {
      stdoutBuffer += chunk;
      let newline;
      while ((newline = stdoutBuffer.indexOf('\n')) >= 0) {
        const line = stdoutBuffer.slice(0, newline);
        stdoutBuffer = stdoutBuffer.slice(newline + 1);
        output.push(line);
        const match = /^listening on (ws:\/\/\S+)$/.exec(line);
        if (match && !resolved) {
          resolved = true;
          clearTimeout(timer);
          resolve({ child, output, base: match[1] });
        }
      }
    });
    // stderr lines are kept in arrival order with stdout's.
    child.stderr.on('data', (chunk) => {
      stderrBuffer += chunk;
      let newline;
      while ((newline = stderrBuffer.indexOf('\n')) >= 0) {
        output.push(stderrBuffer.slice(0, newline));
        stderrBuffer = stderrBuffer.slice(newline + 1);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => { if (!resolved) reject(new Error(`${binary} exited with ${code}`)); });
  });
}

async function main() {
  const [scenarioFile, binary, ...serverArgs] = process.argv.slice(2);
  if (!scenarioFile || !binary) {
    console.error('usage: node chromium-session.js SCENARIO.js SERVER_BINARY [SERVER_ARGS...]');
    process.exit(2);
  }
  const scenario = require(path.resolve(scenarioFile));
  const server = await startServer(binary, serverArgs);
  const url = server.base + scenario.path;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  let pageLines;
  try {
    const page = await browser.newPage();
    // With `page`, load that page from the server first, so the page (and its WebSocket's
    // Origin header) belongs to the server's origin; otherwise the page is about:blank.
    if (scenario.page) await page.goto(server.base.replace(/^ws:/, 'http:') + scenario.page);
    pageLines = await page.evaluate(scenario.run, url);
  } finally {
    await browser.close();
  }
  // Give the server a moment to log the end of the connection, then stop it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  server.child.kill();
  console.log('--- the server (stdout and stderr)');
  for (const line of server.output) console.log(line);
  console.log('--- the browser');
  for (const line of pageLines) console.log(line);
}

main().catch((error) => { console.error(error); process.exit(1); });
