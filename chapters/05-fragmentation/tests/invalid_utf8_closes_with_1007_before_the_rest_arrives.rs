//! §8.1: text must be UTF-8, and the server checks it *as it arrives*. Invalid bytes in
//! the first fragment of a long message close the connection with 1007 before the client
//! has sent the later fragments — even before the first fragment itself is complete. A
//! 4-byte character split over three fragments, on the other hand, is valid.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use ch05_fragmentation::{Frame, FrameHeader, OpCode, apply_mask};
use common::RawClient;
use wsbook_peers::Server;

const BIN: &str = env!("CARGO_BIN_EXE_ch05-fragmentation");

#[test]
fn invalid_utf8_in_the_first_fragment_closes_with_1007_before_later_fragments_are_sent() {
    let server = Server::start(BIN, &[]);
    let mut client = RawClient::open(&server);
    // The first of what would be many 1000-byte fragments; byte 10 can never be UTF-8.
    let mut first = vec![b'a'; 1000];
    first[10] = 0xFF;
    let mut frame = Frame::text("").with_fin(false);
    frame.payload = first;
    client.send(&[frame]);
    // Nothing more is sent: the close must come on the strength of fragment one alone.
    let reason = client.expect_close_then_eof(1007);
    assert!(reason.contains("not UTF-8"), "{reason}");
    assert!(reason.contains("at byte 10"), "{reason}");
}

#[test]
fn invalid_utf8_closes_with_1007_before_its_frame_is_even_complete() {
    let server = Server::start(BIN, &[]);
    let mut client = RawClient::open(&server);
    // A frame announcing 100,000 bytes, of which we send only the first 100.
    let key = [0x11, 0x22, 0x33, 0x44];
    let mut header = FrameHeader::new(OpCode::Text, 100_000);
    header.fin = false;
    header.mask = Some(key);
    let mut payload = vec![b'b'; 100];
    payload[50] = 0xC0; // never valid in UTF-8
    apply_mask(&mut payload, key, 0);
    let mut bytes = header.to_bytes();
    bytes.extend_from_slice(&payload);
    client.send_raw(&bytes);
    client.expect_close_then_eof(1007);
    drop(client); // the server logs the close once it has lingered for our TCP close
    assert!(
        server.wait_for_log("→ CLOSE 1007: §8.1", std::time::Duration::from_secs(5)),
        "{}",
        server.log()
    );
}

#[test]
fn a_4_byte_code_point_split_over_three_fragments_is_valid_and_echoed() {
    let server = Server::start(BIN, &[]);
    let mut client = RawClient::open(&server);
    let emoji = "😀".as_bytes(); // f0 9f 98 80
    let mut first = Frame::text("").with_fin(false);
    first.payload = vec![b'<', emoji[0]];
    client.send(&[
        first,
        Frame::new(OpCode::Continuation, emoji[1..3].to_vec()).with_fin(false),
        Frame::new(OpCode::Continuation, vec![emoji[3], b'>']),
    ]);
    let echo = client.frame();
    assert_eq!(echo.header.opcode, OpCode::Text);
    assert_eq!(String::from_utf8(echo.payload).unwrap(), "<😀>");
}

#[test]
fn a_code_point_cut_off_at_the_end_of_the_message_is_1007() {
    let server = Server::start(BIN, &[]);
    let mut client = RawClient::open(&server);
    let mut frame = Frame::text("");
    frame.payload = "😀".as_bytes()[..3].to_vec();
    client.send(&[frame]);
    client.expect_close_then_eof(1007);
}
