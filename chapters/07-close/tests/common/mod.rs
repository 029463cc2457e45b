//! Shared by this crate's integration tests: a raw client that sends exactly the
//! frames a test chooses, and headless Chromium on the server's page.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses its own subset

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch07_close::{Frame, OpCode, Role, connect, encode_frame, read_unmasked_frame};
use wsbook_peers::{CHROMIUM_ARGS, Server, chromium, node, run_with_timeout};

/// A client with no connection logic: chapter 02's handshake, then raw frames.
pub struct RawClient {
    pub stream: TcpStream,
    pub buf: Vec<u8>,
}

impl RawClient {
    pub fn open(server: &Server) -> RawClient {
        let (stream, _handshake, leftover) = connect(&server.url("/echo"), &[]).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        RawClient {
            stream,
            buf: leftover,
        }
    }

    /// Sends frames masked, as a client must.
    pub fn send(&mut self, frames: &[Frame]) {
        for frame in frames {
            self.stream
                .write_all(&encode_frame(Role::Client, frame))
                .unwrap();
        }
    }

    /// The next frame from the server (unmasked, §5.1).
    pub fn frame(&mut self) -> Frame {
        read_unmasked_frame(&mut self.stream, &mut self.buf, Role::Client, 1 << 26)
            .expect("a valid server frame")
            .expect("a frame, not EOF")
    }

    /// Expects a close frame with `code`, then — without us closing anything —
    /// the server's FIN. Returns how long the FIN took after the close frame.
    pub fn expect_close_then_eof(&mut self, code: u16) -> Duration {
        let frame = self.frame();
        assert_eq!(frame.header.opcode, OpCode::Close, "{frame}");
        assert_eq!(frame.close_code(), Some(code), "{frame}");
        let closed_at = Instant::now();
        assert!(self.buf.is_empty(), "bytes after the close frame");
        let mut rest = [0u8; 64];
        match self.stream.read(&mut rest) {
            Ok(0) => closed_at.elapsed(),
            Ok(n) => panic!("{n} bytes after the close frame"),
            Err(error) => panic!("expected EOF after the close frame, got {error}"),
        }
    }
}

/// Launches Chromium on `PAGE_URL`, runs `steps` (which define
/// `async function run(page, { waitFor, events })`) and returns what `run` returned.
pub fn run_page(page_url: &str, steps: &str) -> serde_json::Value {
    const PRELUDE: &str = r"
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: JSON.parse(process.env.CHROMIUM_ARGS) });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(process.env.PAGE_URL);
  const waitFor = (kind, n) => page.waitForFunction(
    ([k, n]) => wsbook.events.filter((e) => e.kind === k).length >= n, [kind, n], { timeout: 20000 });
  const events = () => page.evaluate(() => wsbook.events);
  const result = await run(page, { waitFor, events });
  console.log(JSON.stringify({ result, pageErrors }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
";
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
    let output: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        output["pageErrors"],
        serde_json::json!([]),
        "the page threw"
    );
    output["result"].clone()
}
