//! Chapter 03's server against real clients: after the handshake it sends one text frame,
//! then logs one decoded header line per client frame, payload still masked, and it does
//! not close properly yet (the client sees 1006). Peers: Python `websockets`, headless
//! Chromium on the chapter's own page, and a raw client whose masking key we choose.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{Read, Write};
use std::time::Duration;

use ch03_frames::{Frame, FrameHeader, OpCode, connect};
use wsbook_peers::{Server, python, run_in_chromium, run_with_timeout};

const BIN: &str = env!("CARGO_BIN_EXE_ch03-frames");
const GREETING: &str = "hello from chapter 03: this text frame was written by FrameHeader::write";

const PYTHON: &str = r#"
import json, sys
from websockets.sync.client import connect
ws = connect(sys.argv[1], open_timeout=10, close_timeout=5)
greeting = ws.recv(timeout=10)
ws.send("Hello")
ws.send(b"\x00\x01\x02\xff")
ws.close(1000, "bye")
print(json.dumps({"greeting": greeting, "close_code": ws.close_code}))
"#;

#[test]
fn python_websockets_gets_the_greeting_and_each_frame_is_logged() {
    let server = Server::start(BIN, &[]);
    let mut command = python();
    command.args(["-c", PYTHON, &server.url("/frames")]);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(30));
    assert!(
        ok,
        "python client failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains(&format!(r#""greeting": "{GREETING}""#)),
        "{stdout}"
    );
    // No close frame came back: websockets reports an abnormal closure.
    assert!(stdout.contains(r#""close_code": 1006"#), "{stdout}");

    assert!(
        server.wait_for_log("client asked to close", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    for expected in [
        "← TEXT fin masked ",
        " [5 bytes] (masking key ",
        "← BINARY fin masked ",
        " [4 bytes] (masking key ",
        "← CLOSE fin masked ",
        "payload shown still masked",
    ] {
        assert!(log.contains(expected), "missing {expected:?} in\n{log}");
    }
    assert!(
        !log.contains("\"Hello\""),
        "the payload must be logged masked:\n{log}"
    );
}

#[test]
fn a_raw_client_with_a_chosen_key_sees_exactly_the_masked_bytes_logged() {
    let server = Server::start(BIN, &[]);
    let (mut stream, _handshake, mut leftover) = connect(&server.url("/frames"), &[]).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    // The greeting, byte for byte: 0x81, a 7-bit length, the text.
    let expected = Frame::text(GREETING).to_bytes_unmasked();
    assert_eq!(&expected[..2], &[0x81, GREETING.len() as u8]);
    while leftover.len() < expected.len() {
        let mut chunk = [0u8; 256];
        let n = stream.read(&mut chunk).unwrap();
        assert_ne!(n, 0, "connection closed before the greeting");
        leftover.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(leftover, expected);

    // "Hello" masked with 01 02 03 04 is 49 67 6f 68 6e = "Igohn".
    let mut header = FrameHeader::new(OpCode::Text, 5);
    header.mask = Some([1, 2, 3, 4]);
    let mut bytes = header.to_bytes();
    bytes.extend(
        b"Hello"
            .iter()
            .zip([1u8, 2, 3, 4].iter().cycle())
            .map(|(b, k)| b ^ k),
    );
    // And a frame that breaks a §5.2 rule: RSV1 set, no extension negotiated.
    let mut rsv = FrameHeader::new(OpCode::Binary, 0);
    rsv.rsv1 = true;
    rsv.mask = Some([9, 9, 9, 9]);
    bytes.extend(rsv.to_bytes());
    stream.write_all(&bytes).unwrap();

    assert!(
        server.wait_for_log("breaks §5.2", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    assert!(
        log.contains(r#"← TEXT fin masked "Igohn" [5 bytes] (masking key 01 02 03 04;"#),
        "{log}"
    );
    assert!(log.contains("← BINARY fin rsv1 masked [0 bytes]"), "{log}");
    assert!(log.contains("breaks §5.2 RSV1 is set"), "{log}");
}

/// The chapter's page: connect, send text and binary, close; returns the page's log.
const CHROMIUM_SCRIPT: &str = r"
  const page = await browser.newPage();
  await page.goto(process.env.PAGE_URL);
  const logHas = (text) => page.waitForFunction(
    (t) => document.getElementById('log').textContent.includes(t), text, { timeout: 15000 });
  await page.click('#connect');
  await logHas('onmessage');
  await page.fill('#text', 'Hello from Chromium');
  await page.click('#send-text');
  await page.click('#send-binary');
  await page.click('#close');
  await logHas('onclose');
  return await page.textContent('#log');
";

#[test]
fn chromium_on_the_page_gets_the_greeting_and_an_honest_1006_on_close() {
    let server = Server::start(BIN, &[]);
    let result = run_in_chromium(
        CHROMIUM_SCRIPT,
        &[("PAGE_URL", format!("http://{}/", server.addr))],
    );
    let page_log = result.as_str().unwrap_or_default();

    assert!(page_log.contains("onopen"), "{page_log}");
    assert!(
        page_log.contains(&format!("onmessage: \"{GREETING}\"")),
        "{page_log}"
    );
    // The server drops TCP instead of answering the close frame (chapter 07 does that).
    assert!(page_log.contains("onclose: code 1006"), "{page_log}");
    assert!(page_log.contains("wasClean false"), "{page_log}");

    assert!(
        server.wait_for_log("client asked to close", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    assert!(log.contains("GET / HTTP/1.1 → 200"), "{log}");
    assert!(log.contains("← TEXT fin masked "), "{log}");
    assert!(log.contains(" [19 bytes] (masking key "), "{log}");
    assert!(log.contains("← BINARY fin masked "), "{log}");
    assert!(log.contains("← CLOSE fin masked "), "{log}");
}
