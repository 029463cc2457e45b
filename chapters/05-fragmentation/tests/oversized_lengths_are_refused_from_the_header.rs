//! §10.4: a receiver "MUST protect" itself against sizes beyond its limits. A raw client
//! sends only frame *headers* announcing huge payloads; the server answers from the header
//! alone, before any payload exists, and stays healthy for the next client:
//! 2^63 breaks §5.2's "most significant bit MUST be 0" (1002); 2^62 is over the frame
//! limit (1009); fragments that add up past `--max-message` are 1009 at the first header
//! that would cross it.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use ch05_fragmentation::{Frame, FrameHeader, OpCode};
use common::RawClient;
use wsbook_peers::Server;

const BIN: &str = env!("CARGO_BIN_EXE_ch05-fragmentation");

/// A masked binary frame header announcing `len` bytes in the 64-bit form, no payload.
fn header_announcing(len: u64) -> Vec<u8> {
    let mut bytes = vec![0x82, 0x80 | 127];
    bytes.extend_from_slice(&len.to_be_bytes());
    bytes.extend_from_slice(&[1, 2, 3, 4]);
    bytes
}

fn still_echoes(server: &Server) {
    let mut client = RawClient::open(server);
    client.send(&[Frame::text("still here")]);
    assert_eq!(client.frame().payload, b"still here");
}

#[test]
fn a_2_pow_63_length_is_a_protocol_error_1002() {
    let server = Server::start(BIN, &[]);
    let mut client = RawClient::open(&server);
    client.send_raw(&header_announcing(1 << 63));
    let reason = client.expect_close_then_eof(1002);
    assert!(reason.contains("most significant bit"), "{reason}");
    still_echoes(&server);
}

#[test]
fn a_2_pow_62_length_is_too_big_1009_without_allocating() {
    let server = Server::start(BIN, &[]);
    let mut client = RawClient::open(&server);
    client.send_raw(&header_announcing(1 << 62));
    // Had the server tried to reserve 2^62 bytes it would have aborted, not answered.
    let reason = client.expect_close_then_eof(1009);
    assert!(reason.contains("4611686018427387904 bytes"), "{reason}");
    still_echoes(&server);
}

#[test]
fn max_frame_and_max_message_are_enforced_with_1009() {
    let server = Server::start(BIN, &["--max-frame", "1000", "--max-message", "1500"]);
    let mut client = RawClient::open(&server);
    client.send(&[Frame::binary(vec![1; 1000])]);
    assert_eq!(
        client.frame().payload.len(),
        1000,
        "exactly the limit is fine"
    );
    // 1001 in the 16-bit form (the 64-bit form would itself be a §5.2 error, 1002).
    let mut header = FrameHeader::new(OpCode::Binary, 1001);
    header.mask = Some([1, 2, 3, 4]);
    client.send_raw(&header.to_bytes());
    let reason = client.expect_close_then_eof(1009);
    assert!(reason.contains("frame of 1001 bytes"), "{reason}");

    let mut client = RawClient::open(&server);
    client.send(&[
        Frame::binary(vec![2; 800]).with_fin(false),
        Frame::new(OpCode::Continuation, vec![3; 800]),
    ]);
    let reason = client.expect_close_then_eof(1009);
    assert!(reason.contains("message of 1600 bytes"), "{reason}");
}

#[test]
fn help_lists_the_fragment_and_limit_options() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let usage = String::from_utf8_lossy(&out.stdout);
    for option in [
        "--addr HOST:PORT",
        "--fragment-size BYTES",
        "--max-frame BYTES",
        "--max-message BYTES",
        "[default: 16777216]",
        "[default: 67108864]",
    ] {
        assert!(usage.contains(option), "{option} missing:\n{usage}");
    }
}
