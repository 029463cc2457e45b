//! Shared by this crate's integration tests: a playwright-core script in headless Chromium
//! (the system `/usr/bin/chromium`) against the page the server serves, and a raw client.
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

/// A raw client: chapter 02's handshake, then exactly the frames a test chooses.
pub struct RawClient {
    /// The connection, with a 10 s read timeout.
    pub stream: std::net::TcpStream,
    /// Bytes read but not yet decoded.
    pub buf: Vec<u8>,
}

impl RawClient {
    /// Connects to `/echo` on `server`.
    pub fn open(server: &wsbook_peers::Server) -> RawClient {
        let (stream, _handshake, leftover) =
            ch05_fragmentation::connect(&server.url("/echo"), &[]).expect("handshake");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set a read timeout");
        RawClient {
            stream,
            buf: leftover,
        }
    }

    /// Sends frames as a client does: each one masked with a fresh key.
    pub fn send(&mut self, frames: &[ch05_fragmentation::Frame]) {
        use std::io::Write;
        for frame in frames {
            let bytes = ch05_fragmentation::encode_frame(ch05_fragmentation::Role::Client, frame);
            self.stream.write_all(&bytes).expect("send a frame");
        }
    }

    /// Sends bytes as they are (for headers a test builds by hand).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        use std::io::Write;
        self.stream.write_all(bytes).expect("send bytes");
    }

    /// The next frame from the server; it must be unmasked (§5.1).
    pub fn frame(&mut self) -> ch05_fragmentation::Frame {
        ch05_fragmentation::read_unmasked_frame(
            &mut self.stream,
            &mut self.buf,
            ch05_fragmentation::Role::Client,
            1 << 26,
        )
        .expect("a valid server frame")
        .expect("a frame, not EOF")
    }

    /// Expects a close frame with `code`, then the TCP close; returns the close reason.
    pub fn expect_close_then_eof(&mut self, code: u16) -> String {
        use std::io::Read;
        let frame = self.frame();
        assert_eq!(
            frame.header.opcode,
            ch05_fragmentation::OpCode::Close,
            "{frame}"
        );
        assert_eq!(frame.close_code(), Some(code), "{frame}");
        assert!(self.buf.is_empty(), "bytes after the close frame");
        let mut rest = [0u8; 64];
        match self.stream.read(&mut rest) {
            Ok(0) => {}
            Ok(n) => panic!("{n} bytes after the close frame"),
            Err(error) => panic!("expected EOF after the close frame, got {error}"),
        }
        String::from_utf8_lossy(&frame.payload[2..]).into_owned()
    }
}
