//! The echo handler: every byte that arrives goes straight back.
//!
//! It also looks at the first bytes a client sends and says what they are. Point a
//! browser's `new WebSocket("ws://127.0.0.1:8080/")` at this server and the log shows an
//! HTTP `GET` request with `Upgrade: websocket`: a WebSocket connection starts as HTTP.
//! Echoing that request back is not the `HTTP/1.1 101 Switching Protocols` answer the
//! browser waits for, so it fails the connection (`onerror`, then `onclose` with code
//! 1006). Chapter 02 gives the right answer.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use crate::{ConnInfo, log};

/// The most of a client's first bytes that go into the log.
const FIRST_BYTES_SHOWN: usize = 200;

// ANCHOR: echo
/// Echoes every byte back until the peer closes, goes silent past the read timeout, or
/// fails. Logs what the first bytes were and one line saying how it ended.
pub fn echo(mut stream: TcpStream, info: ConnInfo) {
    let mut buffer = [0u8; 4096];
    let mut echoed: u64 = 0;
    loop {
        let received = match stream.read(&mut buffer) {
            // read() returning 0 means the peer closed its side: it will send no more.
            Ok(0) => {
                log(
                    info.id,
                    format_args!("peer finished sending; echoed {echoed} bytes"),
                );
                return;
            }
            Ok(n) => &buffer[..n],
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if is_timeout(&error) => {
                log(
                    info.id,
                    format_args!("silent past the read timeout: dropping (echoed {echoed} bytes)"),
                );
                return;
            }
            Err(error) => {
                log(
                    info.id,
                    format_args!("read failed: {error} (echoed {echoed} bytes)"),
                );
                return;
            }
        };
        if echoed == 0 {
            describe_first_bytes(info.id, received);
        }
        // write_all loops until every byte is handed to the kernel: one read may be
        // any size, and one write may take only part of what we give it.
        if let Err(error) = stream.write_all(received) {
            log(
                info.id,
                format_args!("write failed: {error} (echoed {echoed} bytes)"),
            );
            return;
        }
        echoed += received.len() as u64;
    }
}
// ANCHOR_END: echo

/// A read timeout shows up as `WouldBlock` on Unix and `TimedOut` on Windows.
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Logs the first bytes of a connection, escaped, and says so if they are an HTTP request.
fn describe_first_bytes(id: u64, bytes: &[u8]) {
    let shown = &bytes[..bytes.len().min(FIRST_BYTES_SHOWN)];
    let more = if bytes.len() > shown.len() { "..." } else { "" };
    log(id, format_args!("first bytes: \"{}\"{more}", escape(shown)));
    if let Some(request_line) = http_request_line(bytes) {
        let upgrade = String::from_utf8_lossy(bytes)
            .to_ascii_lowercase()
            .contains("upgrade: websocket");
        if upgrade {
            log(
                id,
                format_args!(
                    "that is an HTTP request ({request_line}) asking to upgrade to WebSocket: \
                     a browser's new WebSocket() starts this way and waits for \
                     \"HTTP/1.1 101 Switching Protocols\"; echoing its request back fails the \
                     handshake (chapter 02 answers it)"
                ),
            );
        } else {
            log(
                id,
                format_args!("that is an HTTP request ({request_line}), not a WebSocket upgrade"),
            );
        }
    }
}

/// `Some("GET / HTTP/1.1")` if the bytes start with what looks like an HTTP request line.
fn http_request_line(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|&b| b == b'\r' || b == b'\n')?;
    let line = std::str::from_utf8(&bytes[..end]).ok()?;
    let mut parts = line.split(' ');
    let method = parts.next()?;
    let _target = parts.next()?;
    let version = parts.next()?;
    let is_method = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    (is_method && version.starts_with("HTTP/") && parts.next().is_none()).then(|| line.to_string())
}

/// Printable ASCII as is, everything else as `\r`, `\n`, `\t` or `\xNN`.
pub fn escape(bytes: &[u8]) -> String {
    bytes
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_a_request_line() {
        assert_eq!(
            http_request_line(b"GET /chat HTTP/1.1\r\nHost: x\r\n\r\n").as_deref(),
            Some("GET /chat HTTP/1.1")
        );
        assert_eq!(http_request_line(b"hello world\n"), None);
        assert_eq!(
            http_request_line(b"GET / HTTP/1.1"),
            None,
            "no line end yet"
        );
        assert_eq!(
            http_request_line(b"\x16\x03\x01\x02\x00\r\n"),
            None,
            "a TLS hello"
        );
    }

    #[test]
    fn escapes_control_bytes() {
        assert_eq!(escape(b"GET /\r\n\x00\xff"), "GET /\\r\\n\\x00\\xff");
        assert_eq!(escape(b"a\"b"), "a\\\"b");
    }
}
