//! The handshake over real TCP: the RFC's example key answered on the wire, a request
//! dribbled in one byte per write, bytes after the head handed to the handler, the
//! registry listing a client only while it is connected, and the `/` page.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use ch02_handshake::{ClientInfo, Router, ServeOptions, Upgrade, bind};
use common::{RFC_ACCEPT, exchange, handshake_request, read_head_bytes, split_response};
use wsbook_peers::Server;

fn binary() -> Server {
    Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &["--hold", "0.3"])
}

#[test]
fn rfc_example_key_is_answered_with_the_rfc_accept_on_the_wire() {
    let server = binary();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The client handshake of RFC 6455 §1.2, offering subprotocols this server lacks.
    stream
        .write_all(&handshake_request(
            "/echo",
            &[],
            "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n",
        ))
        .unwrap();
    let response = split_response(&read_head_bytes(&mut stream));
    assert_eq!(response.status, 101);
    assert_eq!(response.header("Upgrade"), Some("websocket"));
    assert_eq!(response.header("Connection"), Some("Upgrade"));
    assert_eq!(response.header("Sec-WebSocket-Accept"), Some(RFC_ACCEPT));
    assert_eq!(
        response.header("Sec-WebSocket-Protocol"),
        None,
        "no offered subprotocol is supported"
    );
    assert!(
        server.wait_for_log(
            &format!("accept {RFC_ACCEPT}, protocol none"),
            Duration::from_secs(2)
        ),
        "{}",
        server.log()
    );
    assert!(
        server.wait_for_log("origin http://example.com", Duration::from_secs(2)),
        "{}",
        server.log()
    );
}

#[test]
fn subprotocol_is_the_clients_first_choice_the_server_supports() {
    let server = binary(); // supports chat.v1 and chat.v2
    for (offered, chosen) in [
        ("chat.v2, chat.v1", "chat.v2"),
        ("x, chat.v1, chat.v2", "chat.v1"),
    ] {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(&handshake_request(
                "/echo",
                &[],
                &format!("Sec-WebSocket-Protocol: {offered}\r\n"),
            ))
            .unwrap();
        let response = split_response(&read_head_bytes(&mut stream));
        assert_eq!(response.status, 101);
        assert_eq!(
            response.header("Sec-WebSocket-Protocol"),
            Some(chosen),
            "offered {offered}"
        );
    }
}

#[test]
fn request_split_across_many_tiny_writes_completes() {
    let server = binary();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_nodelay(true).unwrap(); // each write leaves as its own TCP segment
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let request = handshake_request("/echo", &[], "Sec-WebSocket-Protocol: chat.v1\r\n");
    for byte in &request {
        stream.write_all(std::slice::from_ref(byte)).unwrap();
        thread::sleep(Duration::from_millis(2));
    }
    let response = split_response(&read_head_bytes(&mut stream));
    assert_eq!(response.status, 101, "{response:?}");
    assert_eq!(response.header("Sec-WebSocket-Accept"), Some(RFC_ACCEPT));
    assert_eq!(response.header("Sec-WebSocket-Protocol"), Some("chat.v1"));
}

#[test]
fn page_is_served_on_get_and_head() {
    let server = binary();
    let page = exchange(server.addr, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("new WebSocket"), "{}", page.body);
    assert_eq!(
        page.header("Content-Length"),
        Some(page.body.len().to_string().as_str())
    );
    let head = exchange(server.addr, b"HEAD /?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

/// What the test handler reports from inside the server.
type Seen = (Upgrade, Vec<u8>, Vec<ClientInfo>);

/// A router in this process whose `/ws` handler reports what it was given.
fn in_process_server() -> (
    std::net::SocketAddr,
    mpsc::Receiver<Seen>,
    ch02_handshake::Registry,
) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let router = Router::new().websocket("/ws", &["chat.v1"], move |upgraded| {
        let seen = (
            upgraded.upgrade.clone(),
            upgraded.leftover.clone(),
            upgraded.registry.list(),
        );
        tx.lock().unwrap().send(seen).unwrap();
        // Stay connected until the client closes, so the registry lists us meanwhile.
        let mut stream = upgraded.stream;
        let mut sink = [0u8; 64];
        while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
    });
    let registry = router.registry();
    let listener = bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || router.serve(listener, ServeOptions::default()));
    (addr, rx, registry)
}

#[test]
fn bytes_after_the_head_reach_the_handler() {
    let (addr, seen, _) = in_process_server();
    // A client that does not wait for our 101 before sending its first frame: the head
    // and the frame arrive in one segment, and the frame must not be lost.
    let frame = b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"; // RFC 6455 §5.7: masked "Hello"
    let mut bytes = handshake_request("/ws?room=1", &[], "Sec-WebSocket-Protocol: chat.v1\r\n");
    bytes.extend_from_slice(frame);
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(&bytes).unwrap();
    let (upgrade, leftover, _) = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(leftover, frame);
    assert_eq!(
        upgrade.path, "/ws?room=1",
        "the query does not change the route and is kept"
    );
    assert_eq!(upgrade.protocol.as_deref(), Some("chat.v1"));
}

#[test]
fn registry_lists_a_client_exactly_while_it_is_connected() {
    let (addr, seen, registry) = in_process_server();
    let mut first = TcpStream::connect(addr).unwrap();
    first
        .write_all(&handshake_request(
            "/ws",
            &[],
            "Sec-WebSocket-Protocol: chat.v1\r\n",
        ))
        .unwrap();
    let (_, _, listed) = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].path, "/ws");
    assert_eq!(listed[0].protocol.as_deref(), Some("chat.v1"));
    assert_eq!(listed[0].peer, first.local_addr().unwrap());

    let mut second = TcpStream::connect(addr).unwrap();
    second
        .write_all(&handshake_request("/ws", &[], ""))
        .unwrap();
    let (_, _, listed) = seen.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].protocol, None);
    assert!(listed[0].id < listed[1].id);

    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    while registry.len() != 1 {
        assert!(
            Instant::now() < deadline,
            "the closed client was never removed: {:?}",
            registry.list()
        );
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(registry.list()[0].peer, second.local_addr().unwrap());
    drop(second);
    while !registry.is_empty() {
        assert!(Instant::now() < deadline, "{:?}", registry.list());
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_help_exits_zero() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ch02-handshake"))
        .arg("--help")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let usage = String::from_utf8_lossy(&out.stdout);
    assert!(
        usage.contains("--addr HOST:PORT") && usage.contains("--handshake-timeout SECONDS"),
        "{usage}"
    );
}
