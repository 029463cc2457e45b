//! Headless Chromium loads the chapter's page from `GET /`, connects to `/echo` with the
//! page's own controls, sends text and binary (received first as a Blob, then as an
//! ArrayBuffer) and gets each echoed; closing with 4000 comes back as a clean close.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use wsbook_peers::{Server, of_kind, run_page};

const STEPS: &str = r"
async function run(page, { waitFor, events, state }) {
  await page.click('#connect');
  await waitFor('open', 1);
  await page.waitForFunction(() => document.getElementById('state').textContent === '1 OPEN');
  const whileOpen = await state();
  await page.fill('#text', 'Hello from Chromium, ünïcödé ✓');
  await page.click('#send-text');
  await waitFor('message', 1);
  await page.fill('#hex', '00 01 02 fe ff');
  await page.click('#send-binary');
  await waitFor('message', 2);
  await page.selectOption('#binary-type', 'arraybuffer');
  await page.fill('#hex', 'de ad be ef');
  await page.click('#send-binary');
  await waitFor('message', 3);
  await page.fill('#close-code', '4000');
  await page.fill('#close-reason', 'done');
  await page.click('#close');
  await waitFor('close', 1);
  await page.waitForFunction(() => document.getElementById('state').textContent === '3 CLOSED');
  return { events: await events(), whileOpen, afterClose: await state() };
}
";

#[test]
fn chromium_sends_text_and_binary_from_the_page_and_gets_them_echoed() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch04-masking"), &[]);
    let result = run_page(&format!("http://{}/", server.addr), STEPS);
    let events = &result["events"];

    assert_eq!(result["whileOpen"], "1 OPEN");
    assert_eq!(result["afterClose"], "3 CLOSED");
    let messages = of_kind(events, "message");
    assert_eq!(messages.len(), 3, "{events:#}");
    assert_eq!(messages[0]["type"], "text");
    assert_eq!(messages[0]["data"], "Hello from Chromium, ünïcödé ✓");
    assert_eq!(messages[1]["type"], "binary");
    assert_eq!(messages[1]["binaryType"], "blob");
    assert_eq!(messages[1]["data"], "00 01 02 fe ff");
    assert_eq!(messages[2]["binaryType"], "arraybuffer");
    assert_eq!(messages[2]["data"], "de ad be ef");

    let closes = of_kind(events, "close");
    assert_eq!(closes.len(), 1, "{events:#}");
    assert_eq!(closes[0]["code"], 4000);
    assert_eq!(closes[0]["wasClean"], true);

    // The server saw masked frames and echoed them unmasked.
    assert!(
        server.wait_for_log("TCP closed", std::time::Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    assert!(log.contains("GET / HTTP/1.1 → 200"), "{log}");
    assert!(
        log.contains(r#"← TEXT fin masked "Hello from Chromium, ünïcödé ✓""#),
        "{log}"
    );
    assert!(log.contains("→ BINARY fin de ad be ef [4 bytes]"), "{log}");
    assert!(log.contains("← CLOSE fin masked 4000 \"done\""), "{log}");
}
