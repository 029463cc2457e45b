//! The browser that failed against chapter 01 now succeeds: headless Chromium loads the
//! chapter's `/` page and runs `new WebSocket("/echo", ["chat.v1"])`. `onopen` fires with
//! the chosen subprotocol; as frames only come in chapter 03, the server then closes the
//! TCP connection without a closing handshake, and the browser reports code 1006.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use wsbook_peers::{Server, run_in_chromium};

/// The chapter's page, its title, and what `new WebSocket` on it sees.
const SCRIPT: &str = r"
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
  return { title, ...result };
";

#[test]
fn chromium_opens_the_websocket_and_sees_the_chosen_subprotocol() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &["--hold", "0.5"]);
    let result = run_in_chromium(SCRIPT, &[("PAGE_URL", format!("http://{}/", server.addr))]);
    assert!(
        result["title"]
            .as_str()
            .is_some_and(|title| title.contains("chapter 02")),
        "the page loaded: {result}"
    );
    assert_eq!(
        result["events"][0],
        "open:chat.v1",
        "browser events: {result}\nserver log:\n{}",
        server.log()
    );
    assert_eq!(result["code"], 1006, "{result}");
    let log = server.log();
    assert!(log.contains("GET / HTTP/1.1 → 200"), "{log}");
    assert!(
        log.contains("GET /echo HTTP/1.1 → 101 Switching Protocols"),
        "{log}"
    );
    assert!(log.contains("protocol chat.v1"), "{log}");
}
