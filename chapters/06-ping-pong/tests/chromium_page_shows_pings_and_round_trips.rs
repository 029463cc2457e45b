//! Headless Chromium on chapter 06's page: the server pings the quiet browser,
//! the browser answers by itself, and the page shows the count and the round
//! trip the server measured.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use wsbook_peers::{CHROMIUM_ARGS, Server, chromium, node, run_with_timeout};

const SCRIPT: &str = r"
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: JSON.parse(process.env.CHROMIUM_ARGS) });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(process.env.PAGE_URL);
  await page.click('#connect');
  // Three heartbeats at 0.3 s intervals: the counters and the RTT fill in.
  await page.waitForFunction(() => Number(document.getElementById('pongs-received').textContent) >= 3, null, { timeout: 20000 });
  await page.click('#send-text');
  await page.waitForFunction(() => wsbook.events.some((e) => e.kind === 'message' && e.data === 'Hello, WebSocket!'), null, { timeout: 20000 });
  const result = {
    pings: await page.textContent('#pings-sent'),
    rtt: await page.textContent('#rtt'),
    pageErrors,
  };
  console.log(JSON.stringify(result));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
";

#[test]
fn the_page_shows_the_pings_the_server_sent_and_their_round_trip() {
    let server = Server::start(
        env!("CARGO_BIN_EXE_ch06-ping-pong"),
        &["--ping-interval", "0.3", "--ping-timeout", "5"],
    );
    let quoted: Vec<String> = CHROMIUM_ARGS.iter().map(|a| format!("\"{a}\"")).collect();
    let mut command = node();
    command
        .args(["-e", SCRIPT])
        .env("CHROMIUM", chromium())
        .env("CHROMIUM_ARGS", format!("[{}]", quoted.join(",")))
        .env("PAGE_URL", format!("http://{}/", server.addr));
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(90));
    assert!(ok, "{stdout}\n{stderr}\n{}", server.log());
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["pageErrors"], serde_json::json!([]));
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
