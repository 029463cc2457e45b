//! Headless Chromium driven by playwright-core (in Node), for tests where a real browser
//! must agree with a chapter's server.
//!
//! Two levels: [`run_in_chromium`] runs any script body against a launched browser and
//! returns what it returned; [`run_page`] is the common case of one page at `PAGE_URL`
//! whose script records `wsbook.events`, with `waitFor`/`events`/`state` helpers.

use std::time::Duration;

use crate::{CHROMIUM_ARGS, chromium, node, run_with_timeout};

/// How long one browser script may run before the test fails instead of hanging.
pub const BROWSER_TIME_LIMIT: Duration = Duration::from_secs(120);

/// Launches Chromium, runs `body` (the inside of `async (browser) => { ... }`, which
/// returns a JSON-serialisable value) and returns that value. `env` adds environment
/// variables the script reads (`process.env.PAGE_URL`, ...).
///
/// The body may call `watch(page)`: an exception thrown in a watched page fails the test.
/// The test also fails if the script fails, or runs longer than [`BROWSER_TIME_LIMIT`].
pub fn run_in_chromium(body: &str, env: &[(&str, String)]) -> serde_json::Value {
    let script = format!(
        r"
const {{ chromium }} = require('playwright-core');
(async () => {{
  const browser = await chromium.launch({{
    executablePath: process.env.CHROMIUM,
    args: JSON.parse(process.env.CHROMIUM_ARGS),
  }});
  const pageErrors = [];
  const watch = (page) => page.on('pageerror', (error) => pageErrors.push(String(error)));
  const result = await (async (browser) => {{ {body} }})(browser);
  console.log(JSON.stringify({{ result, pageErrors }}));
  await browser.close();
}})().catch((e) => {{ console.error(e); process.exit(1); }});
"
    );
    let mut command = node();
    command
        .args(["-e", &script])
        .env("CHROMIUM", chromium())
        .env(
            "CHROMIUM_ARGS",
            serde_json::json!(CHROMIUM_ARGS).to_string(),
        );
    for (name, value) in env {
        command.env(name, value);
    }
    let (ok, stdout, stderr) = run_with_timeout(command, BROWSER_TIME_LIMIT);
    assert!(
        ok,
        "the Chromium script failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    let output: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("script output is not JSON ({e}): {stdout}"));
    assert_eq!(output["pageErrors"], serde_json::json!([]), "a page threw");
    output["result"].clone()
}

/// What [`run_page`] does before the test's steps: open a watched page at `PAGE_URL`
/// and define the helpers `waitFor(kind, n)` (wait until the page logged `n` events of
/// `kind`), `events()` (`wsbook.events`) and `state()` (the text of `#state`).
const PAGE_PRELUDE: &str = r"
  const page = await browser.newPage();
  watch(page);
  await page.goto(process.env.PAGE_URL);
  const waitFor = (kind, n) => page.waitForFunction(
    ([k, n]) => wsbook.events.filter((e) => e.kind === k).length >= n, [kind, n], { timeout: 20000 });
  const events = () => page.evaluate(() => wsbook.events);
  const state = () => page.textContent('#state');
  return await run(page, { waitFor, events, state });
";

/// Runs `steps` (JavaScript defining `async function run(page, { waitFor, events, state })`)
/// in Chromium on the page at `page_url`; returns what `run` returned, and fails the test
/// if the script failed or the page threw.
pub fn run_page(page_url: &str, steps: &str) -> serde_json::Value {
    run_in_chromium(
        &format!("{steps}\n{PAGE_PRELUDE}"),
        &[("PAGE_URL", page_url.to_string())],
    )
}

/// The events of one kind (`"message"`, `"close"`, ...) from `wsbook.events`.
pub fn of_kind<'a>(events: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    events
        .as_array()
        .map(|all| all.iter().filter(|e| e["kind"] == kind).collect())
        .unwrap_or_default()
}
