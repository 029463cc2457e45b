//! `connect` over TCP against canned answers: a wrong `Sec-WebSocket-Accept` fails with
//! `AcceptKeyMismatch`, an unoffered subprotocol or extension fails, frames sent in the
//! same segment as the 101 are returned as leftover, and URLs it cannot serve fail clearly.
//! (Interop with a real server is in our_client_against_python_websockets_server.rs.)
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use ch02_handshake::{HandshakeError, accept_key, connect};

/// A one-shot server: reads the request head, answers with `answer(key)`, returns the URL.
fn canned(answer: fn(&str) -> Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap() == 1 {
            request.push(byte[0]);
        }
        let request = String::from_utf8(request).unwrap();
        let key = request
            .lines()
            .find_map(|line| line.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap()
            .to_string();
        stream.write_all(&answer(&key)).unwrap();
        thread::sleep(std::time::Duration::from_millis(200));
    });
    format!("ws://{addr}/")
}

fn switching(accept: &str, extra: &str) -> Vec<u8> {
    format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extra}\r\n").into_bytes()
}

#[test]
fn wrong_accept_fails_with_accept_key_mismatch() {
    let url = canned(|_key| switching("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", ""));
    match connect(&url, &[]) {
        Err(HandshakeError::AcceptKeyMismatch { expected, received }) => {
            assert_eq!(received, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
            assert_ne!(expected, received, "a fresh random key, not the RFC's");
        }
        other => panic!("expected AcceptKeyMismatch, got {other:?}"),
    }
}

#[test]
fn unoffered_subprotocol_fails() {
    let url = canned(|key| switching(&accept_key(key), "Sec-WebSocket-Protocol: chat.v9\r\n"));
    assert_eq!(
        connect(&url, &["chat.v1"]).unwrap_err(),
        HandshakeError::UnexpectedProtocol("chat.v9".into())
    );
}

#[test]
fn unoffered_extension_fails() {
    let url = canned(|key| {
        switching(
            &accept_key(key),
            "Sec-WebSocket-Extensions: permessage-deflate\r\n",
        )
    });
    assert_eq!(
        connect(&url, &[]).unwrap_err(),
        HandshakeError::UnexpectedExtension("permessage-deflate".into())
    );
}

#[test]
fn non_101_answer_fails_with_its_status() {
    let url = canned(|_key| {
        b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"
            .to_vec()
    });
    assert_eq!(
        connect(&url, &[]).unwrap_err(),
        HandshakeError::NotSwitchingProtocols {
            status: 426,
            reason: "Upgrade Required".into()
        }
    );
}

#[test]
fn a_frame_in_the_same_segment_as_the_101_is_returned_as_leftover() {
    let url = canned(|key| {
        let mut bytes = switching(&accept_key(key), "");
        bytes.extend_from_slice(b"\x81\x02hi");
        bytes
    });
    let (_stream, handshake, leftover) = connect(&url, &[]).unwrap();
    assert_eq!(handshake.protocol, None);
    assert_eq!(leftover, b"\x81\x02hi");
}

#[test]
fn wss_and_unreachable_servers_fail_clearly() {
    let error = connect("wss://127.0.0.1:1/", &[]).unwrap_err();
    assert!(matches!(error, HandshakeError::TlsNotSupported(_)));
    assert!(error.to_string().contains("TLS"), "{error}");

    // A port nobody listens on: bind one, learn it, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = connect(&format!("ws://127.0.0.1:{port}/"), &[]).unwrap_err();
    assert!(matches!(error, HandshakeError::Connect { .. }), "{error:?}");

    assert!(matches!(
        connect("http://127.0.0.1/", &[]).unwrap_err(),
        HandshakeError::InvalidUrl(_)
    ));
}
