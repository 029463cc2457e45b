//! A handshake with 10,000 header lines, and one with a single 8 MiB header line: both
//! are answered 431 Request Header Fields Too Large as soon as chapter 02's limits
//! (64 header lines, 8 KiB of head) are crossed, without the server buffering what
//! follows. The server's peak memory (VmHWM) must not grow by more than a small
//! fraction of what was sent. The test prints its figures.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{Vitals, client, start, wait_for_vitals};

/// Sends `head` from one thread while reading the answer on another; returns the answer,
/// how many bytes were written before the server stopped taking them, and how long the
/// answer took.
fn send_and_read(addr: SocketAddr, head: Vec<u8>) -> (String, usize, Duration) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let sending = thread::spawn(move || {
        let mut written = 0;
        for chunk in head.chunks(64 * 1024) {
            if writer.write_all(chunk).is_err() {
                break; // the server closed: that is the point
            }
            written += chunk.len();
        }
        written
    });
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut took = None;
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                took.get_or_insert_with(|| started.elapsed());
                answer.extend_from_slice(&chunk[..n]);
            }
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    let written = sending.join().unwrap();
    (
        String::from_utf8_lossy(&answer).to_string(),
        written,
        took.unwrap_or_else(|| started.elapsed()),
    )
}

fn many_headers(addr: SocketAddr, count: usize) -> Vec<u8> {
    let mut head = format!(
        "GET /echo HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    );
    for n in 0..count {
        let _ = write!(head, "X-Filler-{n}: {n}\r\n");
    }
    head.push_str("\r\n");
    head.into_bytes()
}

fn one_long_line(addr: SocketAddr, bytes: usize) -> Vec<u8> {
    let mut head = format!("GET /echo HTTP/1.1\r\nHost: {addr}\r\nX-Long: ").into_bytes();
    head.resize(head.len() + bytes, b'a');
    head.extend_from_slice(b"\r\n\r\n");
    head
}

/// One warm-up echo, so that the first connection's one-time costs (a thread, the
/// allocator's arena) are not counted against the attack.
fn warm_up(addr: SocketAddr) {
    let mut ws = client(addr, "/echo", None);
    ws.with(|c| c.send(&ch08_chat::Message::text("warm")))
        .unwrap();
    while let Some(event) = ws.read() {
        if matches!(event, ch08_chat::Event::Message(_)) {
            break;
        }
    }
}

#[test]
fn ten_thousand_headers_and_an_8_mib_line_get_431_without_growing_memory() {
    let server = start(&["--quiet"]);
    let pid = server.pid();
    let addr = server.addr;
    warm_up(addr);
    let idle = wait_for_vitals(pid, Duration::from_secs(5), |v| v.threads == 1).0;

    let cases = [
        ("10,000 headers", many_headers(addr, 10_000)),
        ("an 8 MiB header line", one_long_line(addr, 8 << 20)),
    ];
    for (name, head) in cases {
        let before = Vitals::of(pid);
        let size = head.len();
        let (answer, written, took) = send_and_read(addr, head);
        let (after, _) =
            wait_for_vitals(pid, Duration::from_secs(5), |v| v.threads == idle.threads);
        let growth_kib = after.peak_kib.saturating_sub(before.peak_kib);
        println!(
            "FIGURE huge head, {name}: {size} bytes offered, {written} written before the server \
             stopped reading; answer in {:.1} ms: {:?}; peak RSS {:.1} → {:.1} MiB (+{growth_kib} KiB); \
             {after}",
            took.as_secs_f64() * 1000.0,
            answer.lines().next().unwrap_or(""),
            before.peak_kib as f64 / 1024.0,
            after.peak_kib as f64 / 1024.0,
        );
        assert!(
            answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{name}: {answer:?}"
        );
        assert!(
            answer.contains("more than 64 header fields") || answer.contains("8192 bytes"),
            "the body says which limit: {answer:?}"
        );
        // Not buffered: far less than what was offered (1 MiB allows for a thread's stack
        // and the kernel's socket buffers being counted differently over time).
        assert!(
            growth_kib < 1024,
            "{name}: peak memory grew by {growth_kib} KiB for a {size}-byte head"
        );
    }
    // The server is fine.
    warm_up(addr);
    assert!(
        server.wait_for_log(
            "no valid request head: more than 64 header fields",
            std::time::Duration::from_secs(10)
        ),
        "{}",
        server.log()
    );
}
