//! Why raw TCP is not yet WebSocket, shown with a real browser: headless Chromium runs
//! `new WebSocket(url)` against the echo server. Its first bytes are an HTTP GET asking to
//! upgrade; it gets that request echoed back instead of `101 Switching Protocols` and fails
//! the connection (no `open`; `close` with code 1006, not clean). The server log shows
//! what the browser sent.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use wsbook_peers::{Server, run_in_chromium};

/// In a blank page (no server page yet), `new WebSocket(url)`; returns the events it saw.
const SCRIPT: &str = r"
  const page = await browser.newPage();
  return await page.evaluate((url) => new Promise((resolve) => {
    const events = [];
    const ws = new WebSocket(url);
    ws.onopen = () => events.push('open');
    ws.onerror = () => events.push('error');
    ws.onclose = (e) => { events.push('close'); resolve({ events, code: e.code, wasClean: e.wasClean }); };
    setTimeout(() => resolve({ events, timedOut: true }), 15000);
  }), process.env.WS_URL);
";

#[test]
fn chromium_new_websocket_fails_and_the_log_shows_its_http_get() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch01-raw-tcp"), &["--read-timeout", "5"]);
    let result = run_in_chromium(SCRIPT, &[("WS_URL", server.url("/chat"))]);

    // What the browser saw: an error and an abnormal close, never an open.
    assert_eq!(
        result["events"],
        serde_json::json!(["error", "close"]),
        "browser events: {result}"
    );
    assert_eq!(result["code"], 1006, "close code: {result}");
    assert_eq!(result["wasClean"], false, "{result}");

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
