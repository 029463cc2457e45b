//! The browser that failed against chapter 01 now succeeds: headless Chromium loads the
//! chapter's `/` page and runs `new WebSocket("/echo", ["chat.v1"])`. `onopen` fires with
//! the chosen subprotocol; as frames only come in chapter 03, the server then closes the
//! TCP connection without a closing handshake, and the browser reports code 1006.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use wsbook_peers::{CHROMIUM_ARGS, Server, chromium, node, run_with_timeout};

const SCRIPT: &str = r"
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: JSON.parse(process.env.CHROMIUM_ARGS),
  });
  const page = await browser.newPage();
  await page.goto(process.env.PAGE_URL);
  const title = await page.title();
  const result = await page.evaluate(() => new Promise((resolve) => {
    const events = [];
    const ws = new WebSocket(`ws://${location.host}/echo`, ['chat.v1']);
    ws.onopen = () => events.push('open:' + ws.protocol);
    ws.onerror = () => events.push('error');
    ws.onclose = (e) => { events.push('close'); resolve({ events, code: e.code }); };
    setTimeout(() => resolve({ events, timedOut: true }), 15000);
  }));
  console.log(JSON.stringify({ title, ...result }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
";

#[test]
fn chromium_opens_the_websocket_and_sees_the_chosen_subprotocol() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &["--hold", "0.5"]);
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
        .env("PAGE_URL", format!("http://{}/", server.addr));
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(60));
    assert!(
        ok,
        "the Chromium script failed to run\nstdout: {stdout}\nstderr: {stderr}"
    );
    let result = stdout.trim();
    assert!(result.contains("chapter 02"), "the page loaded: {result}");
    assert!(
        result.contains(r#""events":["open:chat.v1","#),
        "browser events: {result}\nserver log:\n{}",
        server.log()
    );
    assert!(result.contains(r#""code":1006"#), "{result}");
    let log = server.log();
    assert!(log.contains("GET / HTTP/1.1 → 200"), "{log}");
    assert!(
        log.contains("GET /echo HTTP/1.1 → 101 Switching Protocols"),
        "{log}"
    );
    assert!(log.contains("protocol chat.v1"), "{log}");
}
