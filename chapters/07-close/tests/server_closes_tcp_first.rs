//! §7.1.1: "The underlying TCP connection, in most normal cases, SHOULD be closed
//! first by the server". A raw client sends a close frame and then does nothing:
//! the server's close frame arrives, then the server's FIN, promptly.
mod common;

use std::time::Duration;

use ch07_close::{Frame, OpCode};
use common::RawClient;
use wsbook_peers::Server;

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_ch07-close"), &[])
}

#[test]
fn after_the_close_frames_cross_the_server_closes_tcp() {
    let server = server();
    let mut client = RawClient::open(&server);
    client.send(&[Frame::text("hello"), Frame::close(Some(1000), "bye")]);
    assert_eq!(client.frame(), Frame::text("hello"));
    let fin_after = client.expect_close_then_eof(1000);
    assert!(
        fin_after < Duration::from_millis(500),
        "FIN after {fin_after:?}"
    );
    assert!(
        server.wait_for_log(
            "CLOSED: clean close, code 1000 (normal closure) \"bye\"",
            Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
}

#[test]
fn the_code_is_echoed_and_an_empty_close_is_answered_empty() {
    let server = server();
    let mut client = RawClient::open(&server);
    client.send(&[Frame::close(Some(4321), "app reason")]);
    client.expect_close_then_eof(4321);

    let mut client = RawClient::open(&server);
    client.send(&[Frame::close(None, "")]);
    let frame = client.frame();
    assert_eq!(frame.header.opcode, OpCode::Close);
    assert!(frame.payload.is_empty(), "{frame}");
    assert!(
        server.wait_for_log("code 1005 (no status received)", Duration::from_secs(5)),
        "{}",
        server.log()
    );
}

#[test]
fn nothing_after_the_close_is_read_or_echoed() {
    let server = server();
    let mut client = RawClient::open(&server);
    // The text after the close frame breaks §5.5.1; the server must not echo it.
    client.send(&[Frame::close(Some(1000), ""), Frame::text("too late")]);
    client.expect_close_then_eof(1000);
    assert!(!server.log().contains("too late"), "{}", server.log());
}

#[test]
fn invalid_close_frames_fail_the_connection() {
    let server = server();
    // (what the client sends, the code the server must close with)
    let cases: Vec<(Frame, u16)> = vec![
        (Frame::close(Some(1005), ""), 1002),
        (Frame::close(Some(999), ""), 1002),
        (Frame::close(Some(1012), ""), 1002),
        (Frame::close(Some(5000), ""), 1002),
        (Frame::new(OpCode::Close, vec![0x03]), 1002),
        (
            Frame::new(OpCode::Close, vec![0x03, 0xE8, 0xFF, 0xFE]),
            1007,
        ),
        (
            Frame::new(OpCode::Close, [&[0x03, 0xE8][..], &[b'a'; 124]].concat()),
            1002,
        ),
    ];
    for (frame, code) in cases {
        let mut client = RawClient::open(&server);
        client.send(std::slice::from_ref(&frame));
        client.expect_close_then_eof(code);
    }
    assert!(server.log().contains("we failed it"), "{}", server.log());
}

#[test]
fn rules_from_earlier_chapters_take_the_same_path() {
    let server = server();
    // An unmasked frame from a client (§5.1): 1002.
    let mut client = RawClient::open(&server);
    std::io::Write::write_all(&mut client.stream, &Frame::text("bare").to_bytes_unmasked())
        .unwrap();
    client.expect_close_then_eof(1002);
    // Invalid UTF-8 (§8.1): 1007.
    let mut client = RawClient::open(&server);
    client.send(&[Frame::new(OpCode::Text, vec![b'o', b'k', 0xF5])]);
    client.expect_close_then_eof(1007);
}
