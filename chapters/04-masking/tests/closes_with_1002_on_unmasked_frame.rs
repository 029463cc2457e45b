//! A raw client (chapter 02's `connect` for the handshake, then bytes we choose) breaks
//! the rules a server must enforce and gets a correct close frame with the rule's code,
//! then the TCP close: an unmasked frame (§5.1) → 1002, a set RSV bit (§5.2) → 1002,
//! a frame over `--max-payload` → 1009, refused from its header alone.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use ch04_masking::{Frame, FrameHeader, OpCode, Role, connect, encode_frame, read_unmasked_frame};
use wsbook_peers::Server;

const BIN: &str = env!("CARGO_BIN_EXE_ch04-masking");

/// Opens `/echo`, sends `bytes`, and returns the close frame the server answers with,
/// after checking that the TCP connection then ends.
fn send_and_expect_close(server: &Server, bytes: &[u8]) -> Frame {
    let (mut stream, _, leftover) = connect(&server.url("/echo"), &[]).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut buf = leftover;
    let frame = read_unmasked_frame(&mut stream, &mut buf, Role::Client, 125)
        .expect("a valid, unmasked server frame")
        .expect("a frame before EOF");
    assert_eq!(frame.header.opcode, OpCode::Close, "{frame}");
    assert!(frame.header.fin);
    assert!(buf.is_empty(), "nothing after the close frame");
    expect_eof(&mut stream);
    frame
}

fn expect_eof(stream: &mut TcpStream) {
    let mut rest = [0u8; 64];
    match stream.read(&mut rest) {
        Ok(0) => {}
        Ok(n) => panic!("{n} more bytes after the close frame: {:?}", &rest[..n]),
        Err(error) => panic!("expected EOF (the server's TCP close), got {error}"),
    }
}

#[test]
fn an_unmasked_frame_gets_close_1002_then_the_tcp_close() {
    let server = Server::start(BIN, &[]);
    let close = send_and_expect_close(&server, &Frame::text("not masked").to_bytes_unmasked());
    assert_eq!(close.close_code(), Some(1002));
    assert_eq!(
        &close.payload[2..],
        b"a client must mask every frame it sends"
    );
    assert!(
        server.wait_for_log("→ CLOSE 1002: §5.1", Duration::from_secs(5)),
        "{}",
        server.log()
    );
}

#[test]
fn a_masked_frame_with_rsv1_set_gets_close_1002() {
    let server = Server::start(BIN, &[]);
    let mut frame = Frame::text("compressed?");
    frame.header.rsv1 = true;
    let close = send_and_expect_close(&server, &encode_frame(Role::Client, &frame));
    assert_eq!(close.close_code(), Some(1002));
    assert!(
        server.wait_for_log("→ CLOSE 1002: §5.2 RSV1", Duration::from_secs(5)),
        "{}",
        server.log()
    );
}

#[test]
fn a_frame_over_max_payload_gets_1009_from_its_header_alone() {
    let server = Server::start(BIN, &["--max-payload", "1000"]);
    // Only the header (announcing 2^40 bytes) is sent: the answer cannot wait for the payload.
    let mut header = FrameHeader::new(OpCode::Binary, 1 << 40);
    header.mask = Some([1, 2, 3, 4]);
    let close = send_and_expect_close(&server, &header.to_bytes());
    assert_eq!(close.close_code(), Some(1009));
    // The server is still there for the next client.
    let (mut stream, _, _) = connect(&server.url("/echo"), &[]).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(&encode_frame(Role::Client, &Frame::text("still here?")))
        .unwrap();
    let mut buf = Vec::new();
    let echo = read_unmasked_frame(&mut stream, &mut buf, Role::Client, 1000)
        .unwrap()
        .unwrap();
    assert_eq!(echo.payload, b"still here?");
}

#[test]
fn help_documents_the_options_and_exits_zero() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let usage = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--addr HOST:PORT",
        "--max-payload BYTES",
        "--read-timeout SECONDS",
    ] {
        assert!(usage.contains(option), "{usage}");
    }
}
