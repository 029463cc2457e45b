//! The limits of the earlier chapters, set from the command line, against the binary:
//! `--max-message` (1009), `--max-connections` (chapter 01's cap), `--handshake-timeout`
//! (408), `--idle-timeout` (heartbeat: a silent peer is dropped with 1011, a live one
//! stays), `--allow-origin` (repeatable, `*`), and `--help` / bad values.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use ch08_chat::{Event, Frame, Message, OpCode, Role, encode_frame};
use common::{BIN, client, close_code, read_to_end_within, server_events, start, upgrade};

/// Sends one masked text frame of `size` bytes on a raw upgraded connection; returns
/// what came back (until EOF or 10 s).
fn send_text_of(addr: std::net::SocketAddr, path: &str, size: usize) -> Vec<u8> {
    let (status, head, mut stream, _) = upgrade(addr, path, &[]);
    assert_eq!(status, 101, "{head}");
    let frame = Frame::new(OpCode::Text, vec![b'a'; size]);
    stream
        .write_all(&encode_frame(Role::Client, &frame))
        .unwrap();
    if path.starts_with("/chat") {
        // The chat answers with a welcome first, then (within the limit) the message.
        thread::sleep(Duration::from_millis(200));
    }
    stream.shutdown(std::net::Shutdown::Write).unwrap();
    read_to_end_within(&mut stream, Duration::from_secs(10))
}

#[test]
fn max_message_refuses_one_byte_more_with_1009() {
    let server = start(&["--max-message", "1000"]);
    for path in ["/echo", "/chat"] {
        let ok = server_events(&send_text_of(server.addr, path, 1000));
        let too_big = server_events(&send_text_of(server.addr, path, 1001));
        assert!(
            ok.iter().any(
                |e| matches!(e, ch08_chat::decoder::Event::Message(m) if m.data.len() >= 1000)
            ),
            "{path}: the 1000-byte message is accepted: {ok:?}"
        );
        assert_eq!(close_code(&too_big), Some(1009), "{path}: {too_big:?}");
    }
    assert!(
        server.wait_for_log("over the 1000-byte limit (1009)", Duration::from_secs(10)),
        "{}",
        server.log()
    );

    // The room hears why a member went.
    let mut observer = client(server.addr, "/chat?room=limits", None);
    let (status, _, mut big, _) = upgrade(server.addr, "/chat?room=limits&nick=big", &[]);
    assert_eq!(status, 101);
    let mut heard = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !heard.iter().any(|t: &String| t.starts_with("* big joined")) {
        assert!(Instant::now() < deadline, "{heard:?}");
        if let Some(Event::Message(m)) = observer.read() {
            heard.push(m.as_text().unwrap().to_string());
        }
    }
    let too_big = Frame::new(OpCode::Text, vec![b'a'; 1001]);
    big.write_all(&encode_frame(Role::Client, &too_big))
        .unwrap();
    loop {
        assert!(Instant::now() < deadline, "{heard:?}");
        if let Some(Event::Message(m)) = observer.read() {
            let text = m.as_text().unwrap().to_string();
            if text.starts_with("* big left") {
                assert_eq!(text, "* big left (dropped, 1009)");
                break;
            }
            heard.push(text);
        }
    }
}

#[test]
fn max_connections_closes_the_one_too_many() {
    let server = start(&["--max-connections", "3"]);
    let held: Vec<_> = (0..3).map(|_| client(server.addr, "/echo", None)).collect();
    let mut extra = TcpStream::connect(server.addr).unwrap();
    extra
        .write_all(common::handshake_request(server.addr, "/echo", &[]).as_bytes())
        .unwrap();
    let answer = read_to_end_within(&mut extra, Duration::from_secs(10));
    assert!(answer.is_empty(), "closed without an answer: {answer:?}");
    assert!(
        server.wait_for_log(
            "refused: already at the cap of 3 open connections",
            Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
    drop(held);
    // The slots come back once the connections end.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        // Until the server notices, a new connection is refused (closed or reset).
        let mut stream = TcpStream::connect(server.addr).unwrap();
        let request = common::handshake_request(server.addr, "/echo", &[]);
        let _ = stream.write_all(request.as_bytes());
        let answer = read_to_end_within(&mut stream, Duration::from_secs(2));
        if answer.starts_with(b"HTTP/1.1 101 ") {
            break;
        }
        assert!(Instant::now() < deadline, "no slot came back");
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn handshake_timeout_answers_a_silent_client_with_408() {
    let server = start(&["--handshake-timeout", "1"]);
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).unwrap();
    silent.write_all(b"GET /echo HTTP/1.1\r\n").unwrap();
    let answer = String::from_utf8_lossy(&read_to_end_within(&mut silent, Duration::from_secs(10)))
        .to_string();
    let took = started.elapsed();
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout"),
        "{answer}"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(10),
        "{took:?}"
    );
}

#[test]
fn idle_timeout_drops_a_silent_peer_with_1011_and_keeps_a_live_one() {
    let server = start(&["--idle-timeout", "2"]);
    // A live client: its driver answers the server's pings while it waits.
    let mut live = client(server.addr, "/echo", None);
    let live_thread = thread::spawn(move || {
        let started = Instant::now();
        let mut pings = 0;
        while started.elapsed() < Duration::from_secs(4) {
            // read() returns at each event; the heartbeat's pings arrive as Ping.
            match live.read() {
                Some(Event::Ping(_)) => pings += 1,
                Some(Event::Closed(info)) => panic!("the live client was closed: {info}"),
                Some(_) => {}
                None => panic!("the live client ended"),
            }
        }
        live.with(|c| c.send(&Message::text("still here"))).unwrap();
        loop {
            if let Some(Event::Message(m)) = live.read() {
                assert_eq!(m.as_text(), Some("still here"));
                return pings;
            }
        }
    });
    // A silent one: upgraded, then never a byte (so never a pong).
    let (status, _, mut silent, _) = upgrade(server.addr, "/echo", &[]);
    assert_eq!(status, 101);
    let started = Instant::now();
    let mut answer = Vec::new();
    silent
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let mut chunk = [0u8; 256];
    loop {
        match silent.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
        }
    }
    let took = started.elapsed();
    let events = server_events(&answer);
    assert!(
        events.iter().any(|e| matches!(e, ch08_chat::decoder::Event::Control(f) if f.header.opcode == OpCode::Ping)),
        "pinged first: {events:?}"
    );
    assert_eq!(close_code(&events), Some(1011), "{events:?}");
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(12),
        "{took:?}"
    );
    let pings = live_thread.join().unwrap();
    assert!(pings >= 1, "the live client was pinged and answered");
}

#[test]
fn allow_origin_is_repeatable_and_star_allows_any() {
    let server = start(&[
        "--allow-origin",
        "http://a.example",
        "--allow-origin=http://b.example:8000",
    ]);
    for (origin, expected) in [
        ("http://a.example", 101),
        ("http://b.example:8000", 101),
        (&format!("http://{}", server.addr) as &str, 101),
        ("http://c.example", 403),
    ] {
        let (status, head, _, _) = upgrade(server.addr, "/chat", &[("Origin", origin)]);
        assert_eq!(status, expected, "{origin}: {head}");
    }
    let any = start(&["--allow-origin", "*"]);
    let (status, _, _, _) = upgrade(any.addr, "/chat", &[("Origin", "http://c.example")]);
    assert_eq!(status, 101);
    assert!(
        any.wait_for_log(
            "/chat accepts pages from any origin",
            Duration::from_secs(10)
        ),
        "{}",
        any.log()
    );
}

#[test]
fn help_and_bad_values() {
    let help = Command::new(BIN).arg("--help").output().unwrap();
    assert!(help.status.success());
    let usage = String::from_utf8(help.stdout).unwrap();
    for option in [
        "--addr HOST:PORT",
        "--max-message BYTES",
        "--max-connections N",
        "--idle-timeout SECONDS",
        "--handshake-timeout SECONDS",
        "--allow-origin ORIGIN",
        "--max-queue MESSAGES",
    ] {
        assert!(usage.contains(option), "{option} missing from:\n{usage}");
    }
    for bad in [
        ["--max-connections", "0"],
        ["--idle-timeout", "soon"],
        ["--max-message", "-5"],
        ["--handshake-timeout", "0"],
    ] {
        let output = Command::new(BIN)
            .args(["--addr", "127.0.0.1:0"])
            .args(bad)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(bad[0]),
            "{bad:?}"
        );
    }
}
