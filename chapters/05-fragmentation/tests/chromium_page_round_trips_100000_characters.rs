//! Headless Chromium on chapter 05's page presses "send 100,000 characters": a text
//! message of 100,000 characters (139,998 bytes of 1-, 2- and 3-byte UTF-8), which
//! Chromium itself sends in several frames. The server reassembles it, checks it as UTF-8
//! and echoes it in 4096-byte fragments, many of which cut a character in two; the page
//! compares the echo with what it sent. The shared controls still echo text and binary.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use wsbook_peers::{Server, of_kind, run_page};

const STEPS: &str = r"
async function run(page, { waitFor, events }) {
  await page.click('#connect');
  await waitFor('open', 1);
  await page.click('#send-text');
  await waitFor('message', 1);
  await page.click('#send-big');
  await page.waitForFunction(() => wsbook.events.some((e) => 'bigRoundTrip' in e), null, { timeout: 20000 });
  await page.selectOption('#binary-type', 'arraybuffer');
  await page.click('#send-binary');
  await waitFor('message', 3);
  await page.click('#close');
  await waitFor('close', 1);
  return { events: await events(), verdict: await page.textContent('#big-result') };
}
";

#[test]
fn the_100000_character_button_round_trips_through_fragmented_echoes() {
    let server = Server::start(
        env!("CARGO_BIN_EXE_ch05-fragmentation"),
        &["--fragment-size", "4096"],
    );
    let result = run_page(&format!("http://{}/", server.addr), STEPS);
    let events = &result["events"];

    assert_eq!(result["verdict"], "identical", "{events:#}");
    let verdicts: Vec<_> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e.get("bigRoundTrip"))
        .collect();
    assert_eq!(verdicts, [true], "{events:#}");
    let messages = of_kind(events, "message");
    assert_eq!(messages.len(), 3, "{events:#}");
    assert_eq!(messages[0]["data"], "Hello, WebSocket!");
    assert_eq!(messages[1]["type"], "text");
    assert_eq!(messages[1]["length"], 100_000);
    assert_eq!(messages[2]["data"], "00 01 02 fe ff");
    let closes = of_kind(events, "close");
    assert_eq!(closes[0]["code"], 1000);
    assert_eq!(closes[0]["wasClean"], true);

    assert!(
        server.wait_for_log("TCP closed", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    // 139,998 bytes in fragments of 4096: 35 frames on the way back.
    assert!(log.contains(" [139998 bytes, "), "{log}");
    assert!(log.contains("in 35 frames of at most 4096 bytes"), "{log}");
}
