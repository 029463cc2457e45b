//! Shared by this crate's integration tests: run a playwright-core script in headless
//! Chromium (the system `/usr/bin/chromium`) against a page the server serves.
#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

use wsbook_peers::{CHROMIUM_ARGS, chromium, node, run_with_timeout};

/// The start of every page script: launch Chromium, open `PAGE_URL`, fail on page errors,
/// and two helpers: `waitFor(kind, n)` waits until the page logged `n` events of `kind`,
/// `events()` returns `wsbook.events`. The test's own steps follow, inside `run(page)`.
pub const PRELUDE: &str = r"
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: JSON.parse(process.env.CHROMIUM_ARGS),
  });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(process.env.PAGE_URL);
  const waitFor = (kind, n) => page.waitForFunction(
    ([k, n]) => wsbook.events.filter((e) => e.kind === k).length >= n, [kind, n], { timeout: 20000 });
  const events = () => page.evaluate(() => wsbook.events);
  const state = () => page.textContent('#state');
  const result = await run(page, { waitFor, events, state });
  console.log(JSON.stringify({ result, pageErrors }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
";

/// Runs `steps` (JavaScript defining `async function run(page, { waitFor, events, state })`)
/// in Chromium against `page_url`; returns what `run` returned, and fails the test if the
/// script failed or the page threw.
pub fn run_page(page_url: &str, steps: &str) -> serde_json::Value {
    let quoted: Vec<String> = CHROMIUM_ARGS.iter().map(|a| format!("\"{a}\"")).collect();
    let mut command = node();
    command
        .args(["-e", &format!("{steps}\n{PRELUDE}")])
        .env("CHROMIUM", chromium())
        .env("CHROMIUM_ARGS", format!("[{}]", quoted.join(",")))
        .env("PAGE_URL", page_url);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(90));
    assert!(
        ok,
        "the Chromium script failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    let output: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("script output is not JSON ({e}): {stdout}"));
    assert_eq!(
        output["pageErrors"],
        serde_json::json!([]),
        "the page threw"
    );
    output["result"].clone()
}

/// The events of one kind (`"message"`, `"close"`, ...) from `wsbook.events`.
pub fn of_kind<'a>(events: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    events
        .as_array()
        .map(|all| all.iter().filter(|e| e["kind"] == kind).collect())
        .unwrap_or_default()
}
