//! Headless Chromium on chapter 06's page: the server pings the quiet browser,
//! the browser answers by itself, and the page shows the count and the round
//! trip the server measured.
#![allow(clippy::unwrap_used)]

use wsbook_peers::{Server, run_page};

const STEPS: &str = r"
async function run(page) {
  await page.click('#connect');
  // Three heartbeats at 0.3 s intervals: the counters and the RTT fill in.
  await page.waitForFunction(() => Number(document.getElementById('pongs-received').textContent) >= 3, null, { timeout: 20000 });
  await page.click('#send-text');
  await page.waitForFunction(() => wsbook.events.some((e) => e.kind === 'message' && e.data === 'Hello, WebSocket!'), null, { timeout: 20000 });
  return {
    pings: await page.textContent('#pings-sent'),
    rtt: await page.textContent('#rtt'),
  };
}
";

#[test]
fn the_page_shows_the_pings_the_server_sent_and_their_round_trip() {
    let server = Server::start(
        env!("CARGO_BIN_EXE_ch06-ping-pong"),
        &["--ping-interval", "0.3", "--ping-timeout", "5"],
    );
    // run_page also fails the test if the page threw.
    let result = run_page(&format!("http://{}/", server.addr), STEPS);
    assert!(
        result["pings"].as_str().unwrap().parse::<u32>().unwrap() >= 3,
        "{result}"
    );
    let rtt = result["rtt"].as_str().unwrap();
    assert!(rtt.ends_with(" ms"), "{rtt}");
    // Chromium answered with the same payloads: the server's log has the pongs.
    let log = server.log();
    assert!(log.contains("PONG fin \"heartbeat 3\""), "{log}");
}
