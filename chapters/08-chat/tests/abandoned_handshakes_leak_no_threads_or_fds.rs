//! 1,000 connections opened and dropped in the middle: 500 send half a handshake and
//! close; 500 send a whole `/chat` handshake and close without reading the 101, so the
//! server upgrades them, starts their writer threads, joins them to the room, writes to
//! a closed socket, and must then undo all of it. Afterwards the server must have
//! exactly the threads and file descriptors it had before, an empty room, and still
//! answer. The test prints its figures.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch08_chat::Event;
use common::{Vitals, client, handshake_request, start, wait_for_vitals};

const HALF: usize = 500;

#[test]
fn a_thousand_connections_dropped_mid_handshake_leave_no_threads_or_fds_behind() {
    let server = start(&["--quiet"]);
    let pid = server.pid();
    let addr = server.addr;
    let before = Vitals::of(pid);

    let started = Instant::now();
    let full = handshake_request(addr, "/chat?room=leaks", &[]);
    let half = &full[..full.len() / 2];
    let mut connections = Vec::with_capacity(2 * HALF);
    for n in 0..2 * HALF {
        let mut stream = TcpStream::connect(addr).unwrap();
        let bytes = if n % 2 == 0 { half } else { full.as_str() };
        stream.write_all(bytes.as_bytes()).unwrap();
        connections.push(stream);
    }
    // All held at once, then all dropped.
    let (held, _) = wait_for_vitals(pid, Duration::from_secs(20), |v| {
        v.fds >= before.fds + 2 * HALF
    });
    let opened_in = started.elapsed();
    drop(connections);
    let (after, recovered) = wait_for_vitals(pid, Duration::from_secs(30), |v| {
        v.threads == before.threads && v.fds == before.fds
    });
    let recovered_in = started.elapsed().saturating_sub(opened_in);

    // The room forgot them all: a new member finds itself alone.
    let mut ws = client(addr, "/chat?room=leaks", Some("chat.v1"));
    let welcome = match ws.read() {
        Some(Event::Message(m)) => m.as_text().unwrap().to_string(),
        other => panic!("expected the welcome, got {other:?}"),
    };
    let log = server.log();
    let upgraded = log.matches("→ 101 Switching Protocols").count();
    let left = log.matches("left room leaks").count();
    // While 500 join at once, each join is announced to all the others; a member whose
    // socket is already dead stops draining its outbox and may be dropped as too slow
    // before its own connection notices the close.
    let dropped = log.matches("dropped from room leaks").count();
    println!(
        "FIGURE abandoned handshakes: {} connections ({HALF} half a head, {HALF} whole /chat \
         handshakes never read) opened in {:.2} s, dropped; {upgraded} were upgraded, {left} left \
         the room, {dropped} were dropped from it as too slow; back to {} threads and {} fds {:.2} s after the drop.\n\
         FIGURE abandoned handshakes: server before: {before}\n\
         FIGURE abandoned handshakes: server at peak: {held}\n\
         FIGURE abandoned handshakes: server after:   {after}",
        2 * HALF,
        opened_in.as_secs_f64(),
        after.threads,
        after.fds,
        recovered_in.as_secs_f64(),
    );
    assert!(
        held.fds >= before.fds + 2 * HALF,
        "the server never held them all: {held}"
    );
    assert!(
        recovered,
        "threads or fds leaked: before {before}, after {after}"
    );
    assert!(
        welcome.contains(r#""online":[{"id":"#) && welcome.matches(r#""id":"#).count() == 2,
        "only the newcomer is online: {welcome}"
    );
    assert_eq!(
        upgraded,
        HALF + 1,
        "every whole handshake was upgraded, and the newcomer"
    );
    assert_eq!(left + dropped, HALF, "every abandoned one left the room");
}
