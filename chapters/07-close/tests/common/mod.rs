//! Shared by this crate's integration tests: a raw client that sends exactly the
//! frames a test chooses. (The browser runner is `wsbook_peers::run_page`.)
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses its own subset

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch07_close::{Frame, OpCode, Role, connect, encode_frame, read_unmasked_frame};
use wsbook_peers::Server;

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
