//! Helpers shared by the integration tests: send raw bytes, read the raw answer.
//! The answer is cut apart here with plain string operations, independently of the
//! crate's own parser, so a parser bug cannot hide a server bug.
#![allow(dead_code, clippy::unwrap_used)] // not every test file uses every helper

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The RFC 6455 §1.3 example key and its accept value.
pub const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// An HTTP answer as raw text: status, header lines, body.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Splits raw bytes into status, headers and body.
pub fn split_response(bytes: &[u8]) -> RawResponse {
    let text = String::from_utf8_lossy(bytes).to_string();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .map(|line| {
            let (name, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("bad header line {line:?}"));
            (name.to_string(), value.trim().to_string())
        })
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_string(),
    }
}

/// Sends `request` and reads until the server closes (for refusals) or 5 s pass.
pub fn exchange(addr: SocketAddr, request: &[u8]) -> RawResponse {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request).unwrap();
    split_response(&read_until_close(&mut stream))
}

/// Reads until EOF (a reset after some bytes counts as EOF) or the read timeout.
pub fn read_until_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return received,
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) if !received.is_empty() => {
                eprintln!("(read ended with {error})");
                return received;
            }
            Err(error) => panic!("nothing received: {error}"),
        }
    }
}

/// Reads until the end of a response head (`\r\n\r\n`), returning everything read.
pub fn read_head_bytes(stream: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut byte = [0u8; 1];
    while !received.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) => panic!("closed after {:?}", String::from_utf8_lossy(&received)),
            Ok(_) => received.push(byte[0]),
            Err(error) => panic!(
                "read failed after {:?}: {error}",
                String::from_utf8_lossy(&received)
            ),
        }
    }
    received
}

/// A valid handshake for `path`, with `extra` header lines (each ending in CRLF) added
/// and any default header whose name appears in `remove` left out.
pub fn handshake_request(path: &str, remove: &[&str], extra: &str) -> Vec<u8> {
    let defaults = [
        ("Host", "127.0.0.1"),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", RFC_KEY),
        ("Sec-WebSocket-Version", "13"),
    ];
    let mut request = format!("GET {path} HTTP/1.1\r\n");
    for (name, value) in defaults {
        if !remove.contains(&name) {
            request = format!("{request}{name}: {value}\r\n");
        }
    }
    request.push_str(extra);
    request.push_str("\r\n");
    request.into_bytes()
}

/// Asserts the shape every refusal shares: a plain-text, one-line reason, and the
/// connection closed.
pub fn assert_refusal(response: &RawResponse, status: u16, reason_contains: &str) {
    assert_eq!(response.status, status, "{response:?}");
    assert_eq!(
        response.header("Content-Type"),
        Some("text/plain; charset=utf-8"),
        "{response:?}"
    );
    assert_eq!(
        response.header("Content-Length"),
        Some(response.body.len().to_string().as_str())
    );
    assert!(
        response
            .header("Connection")
            .is_some_and(|v| v.to_ascii_lowercase().contains("close")),
        "{response:?}"
    );
    assert!(
        response.body.ends_with('\n') && response.body.lines().count() == 1,
        "one line: {:?}",
        response.body
    );
    assert!(
        response.body.contains(reason_contains),
        "{:?} should mention {reason_contains:?}",
        response.body
    );
    assert!(response.header("Sec-WebSocket-Accept").is_none());
}
