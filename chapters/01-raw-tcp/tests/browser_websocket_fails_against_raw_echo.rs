//! Why raw TCP is not yet WebSocket, shown with a real browser: headless Chromium runs
//! `new WebSocket(url)` against the echo server. Its first bytes are an HTTP GET asking to
//! upgrade; it gets that request echoed back instead of `101 Switching Protocols` and fails
//! the connection (no `open`; `close` with code 1006, not clean). The server log shows
//! what the browser sent.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use wsbook_peers::{CHROMIUM_ARGS, Server, chromium, node, run_with_timeout};

/// Drives the system Chromium with playwright-core; prints the events the page saw as JSON.
const SCRIPT: &str = r"
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: JSON.parse(process.env.CHROMIUM_ARGS),
  });
  const page = await browser.newPage();
  const result = await page.evaluate((url) => new Promise((resolve) => {
    const events = [];
    const ws = new WebSocket(url);
    ws.onopen = () => events.push('open');
    ws.onerror = () => events.push('error');
    ws.onclose = (e) => { events.push('close'); resolve({ events, code: e.code, wasClean: e.wasClean }); };
    setTimeout(() => resolve({ events, timedOut: true }), 15000);
  }), process.env.WS_URL);
  console.log(JSON.stringify(result));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
";

#[test]
fn chromium_new_websocket_fails_and_the_log_shows_its_http_get() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch01-raw-tcp"), &["--read-timeout", "5"]);
    let chromium_args = format!(
        "[{}]",
        CHROMIUM_ARGS
            .iter()
            .map(|arg| format!("\"{arg}\""))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut command = node();
    command
        .args(["-e", SCRIPT])
        .env("CHROMIUM", chromium())
        .env("CHROMIUM_ARGS", chromium_args)
        .env("WS_URL", server.url("/chat"));
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(60));
    assert!(
        ok,
        "the Chromium script failed to run\nstdout: {stdout}\nstderr: {stderr}"
    );

    // What the browser saw: an error and an abnormal close, never an open.
    let result = stdout.trim();
    assert!(
        result.contains(r#""events":["error","close"]"#),
        "browser events: {result}"
    );
    assert!(result.contains(r#""code":1006"#), "close code: {result}");
    assert!(result.contains(r#""wasClean":false"#), "{result}");

    // What the server saw: the browser's HTTP upgrade request.
    assert!(
        server.wait_for_log("that is an HTTP request", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    assert!(
        log.contains(r#"first bytes: "GET /chat HTTP/1.1\r\n"#),
        "server log:\n{log}"
    );
    assert!(
        log.contains("asking to upgrade to WebSocket"),
        "server log:\n{log}"
    );
}
