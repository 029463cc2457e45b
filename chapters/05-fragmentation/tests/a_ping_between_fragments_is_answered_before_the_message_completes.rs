//! §5.4: control frames "MAY be injected in the middle of a fragmented message", and
//! §5.5.2: a ping gets a pong "as soon as is practical". A raw client sends the first
//! fragment of a message, then a ping, and reads the pong *before* it sends the rest;
//! then the message completes and comes back whole.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use ch05_fragmentation::{Frame, OpCode};
use common::RawClient;
use wsbook_peers::Server;

#[test]
fn a_ping_between_fragments_gets_its_pong_before_the_message_is_finished() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch05-fragmentation"), &[]);
    let mut client = RawClient::open(&server);

    client.send(&[
        Frame::text("Hel").with_fin(false),
        Frame::ping(b"are you there?".to_vec()),
    ]);
    // The message is still open on the server; the pong must come anyway.
    let pong = client.frame();
    assert_eq!(pong.header.opcode, OpCode::Pong, "{pong}");
    assert_eq!(
        pong.payload, b"are you there?",
        "a pong echoes the ping's payload"
    );

    client.send(&[
        Frame::new(OpCode::Continuation, b"lo, ".to_vec()).with_fin(false),
        Frame::ping(Vec::new()),
        Frame::new(OpCode::Continuation, b"world".to_vec()),
    ]);
    let pong = client.frame();
    assert_eq!((pong.header.opcode, pong.payload.len()), (OpCode::Pong, 0));
    let echo = client.frame();
    assert_eq!(echo.header.opcode, OpCode::Text, "{echo}");
    assert!(echo.header.fin);
    assert_eq!(echo.payload, b"Hello, world");

    client.send(&[Frame::close(Some(1000), "")]);
    assert_eq!(client.expect_close_then_eof(1000), "");
    assert!(
        server.wait_for_log(
            r#"← TEXT message "Hello, world" [12 bytes, 3 frames]"#,
            std::time::Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
}

#[test]
fn a_125_byte_ping_is_answered_and_a_fragmented_ping_is_a_protocol_error() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch05-fragmentation"), &[]);
    let mut client = RawClient::open(&server);
    client.send(&[Frame::ping(vec![7; 125])]);
    assert_eq!(client.frame().payload, vec![7; 125]);
    // §5.5: "All control frames ... MUST NOT be fragmented."
    client.send(&[Frame::ping(b"half".to_vec()).with_fin(false)]);
    let reason = client.expect_close_then_eof(1002);
    assert!(
        reason.contains("control frames must not be fragmented"),
        "{reason}"
    );
}
