//! Shared by this crate's integration tests: a raw client that sends exactly the frames a
//! test chooses. (The browser runner is `wsbook_peers::run_page`.)
#![allow(dead_code)] // each test binary uses its own subset

use std::time::Duration;

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
