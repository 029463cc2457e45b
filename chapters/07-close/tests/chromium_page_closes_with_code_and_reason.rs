//! Headless Chromium on chapter 07's page: echo, then close with a code and a
//! 123-byte reason; the server's answer makes `onclose` clean with the same code.
//! The page explains the code with the server's own table.
use std::time::Duration;

use wsbook_peers::{Server, run_page};

const STEPS: &str = r"
async function run(page, { waitFor, events }) {
  await page.click('#connect');
  await waitFor('open', 1);
  await page.click('#send-text');
  await waitFor('message', 1);
  await page.click('#close-1005');
  await page.click('#close-4000');
  await waitFor('close', 1);
  await page.click('#connect');
  await waitFor('open', 2);
  await page.click('#close');
  await waitFor('close', 2);
  return { events: await events(), summary: await page.textContent('#close-summary') };
}
";

#[test]
fn closing_from_the_page_is_clean_and_explained() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch07-close"), &[]);
    let result = run_page(&format!("http://{}/", server.addr), STEPS);
    let events = result["events"].as_array().unwrap();
    let closes: Vec<_> = events.iter().filter(|e| e["kind"] == "close").collect();
    assert_eq!(closes[0]["code"], 4000, "{events:#?}");
    assert_eq!(closes[0]["wasClean"], true);
    assert_eq!(closes[1]["code"], 1000);
    assert_eq!(closes[1]["wasClean"], true);
    let refused = events
        .iter()
        .any(|e| e["kind"] == "error" && e["text"].as_str().unwrap_or("").contains("close(1005)"));
    assert!(
        refused,
        "the browser refuses 1005 before sending: {events:#?}"
    );
    let summary = result["summary"].as_str().unwrap();
    assert!(summary.starts_with("1000 (normal closure: "), "{summary}");
    assert!(summary.ends_with("wasClean true"), "{summary}");
    let reason = "r".repeat(123);
    assert!(
        server.wait_for_log(
            &format!("clean close, code 4000 (private use) \"{reason}\""),
            Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
}
