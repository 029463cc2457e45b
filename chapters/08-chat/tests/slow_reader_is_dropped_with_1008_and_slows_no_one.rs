//! §10.4 in a room: three clients in one room; one of them ("slow") stops reading. Ada
//! sends 600 messages of 32 KiB; everything she says goes to all three. The kernel's
//! buffers towards "slow" fill, then its outbox (`--max-queue 32`) fills, and the server
//! drops it: a close frame 1008 queued behind what is already on its way, and a leave
//! notice to the others. Bob, reading normally, must get every message, each within a
//! second of being sent — the slow reader never holds up the broadcast. When "slow"
//! finally reads, it finds the messages it was sent and then the close frame with 1008.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use std::io::Write;

use ch08_chat::{Config, Connection, Event, Frame, Role, TOO_SLOW_CODE, WebSocket, encode_frame};
use std::io::Read;
use std::net::TcpStream;

use ch08_chat::{Decoder, Limits, decoder};
use common::{client, close_code, median_and_max, start, upgrade};

/// Reads what the server sent until its close frame (or `limit`), decoding as it goes.
fn read_until_close(stream: &mut TcpStream, limit: Duration) -> (Vec<u8>, Vec<decoder::Event>) {
    let deadline = Instant::now() + limit;
    let mut decoder = Decoder::new(Role::Client, Limits::default());
    let (mut bytes, mut events) = (Vec::new(), Vec::new());
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return (bytes, events);
        }
        stream.set_read_timeout(Some(remaining)).unwrap();
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return (bytes, events),
            Ok(n) => n,
        };
        bytes.extend_from_slice(&chunk[..n]);
        decoder.feed(&chunk[..n]);
        while let Ok(Some(event)) = decoder.next_event() {
            let is_close =
                matches!(&event, decoder::Event::Control(frame) if frame.close_code().is_some());
            events.push(event);
            if is_close {
                return (bytes, events);
            }
        }
    }
}

const MESSAGES: usize = 300;
const SIZE: usize = 32 * 1024;
const WINDOW: usize = 4;

/// Reads a chat client's messages until `done` says stop; returns them with arrival
/// times. Counts Ada's messages in `count` as they arrive.
fn collect(
    mut ws: WebSocket<Connection>,
    count: Arc<AtomicUsize>,
    done: impl Fn(&str) -> bool,
) -> Vec<(String, Instant)> {
    let mut got = Vec::new();
    while let Some(event) = ws.read() {
        if let Event::Message(message) = event {
            let text = message.as_text().unwrap().to_string();
            if text.starts_with("ada: ") {
                count.fetch_add(1, Ordering::SeqCst);
            }
            let stop = done(&text);
            got.push((text, Instant::now()));
            if stop {
                break;
            }
        }
    }
    got
}

/// Reads messages until one satisfies `wanted`; returns it.
fn read_until(ws: &mut WebSocket<Connection>, wanted: impl Fn(&str) -> bool) -> String {
    while let Some(event) = ws.read() {
        if let Event::Message(message) = event {
            let text = message.as_text().unwrap().to_string();
            if wanted(&text) {
                return text;
            }
        }
    }
    panic!("the connection ended first");
}

#[test]
fn a_client_that_stops_reading_is_dropped_with_1008_and_never_slows_the_room() {
    let server = start(&["--quiet", "--max-queue", "32"]);
    let addr = server.addr;
    let origin = Instant::now();

    // "slow": joins, then never reads (a raw socket after the handshake).
    let (status, head, mut slow, _) = upgrade(addr, "/chat?room=r&nick=slow", &[]);
    assert_eq!(status, 101, "{head}");
    // The 101 comes before the server joins a client to its room: wait until each one
    // is in (its welcome, and the others' join notices), or it would miss messages.
    let (status, head, ada_stream, leftover) = upgrade(addr, "/chat?room=r&nick=ada", &[]);
    assert_eq!(status, 101, "{head}");
    let mut ada_socket = ada_stream.try_clone().unwrap();
    let mut ada = {
        let mut connection = Connection::new(Role::Client, Config::default(), Instant::now());
        connection.open();
        WebSocket::new(ada_stream, &leftover, connection).unwrap()
    };
    let welcome = read_until(&mut ada, |t| t.starts_with("* welcome"));
    if !welcome.contains("online: slow, ada") {
        read_until(&mut ada, |t| t == "* slow joined");
    }
    let mut bob = client(addr, "/chat?room=r&nick=bob", None);
    read_until(&mut bob, |t| t.starts_with("* welcome"));
    read_until(&mut ada, |t| t == "* bob joined");
    let last = format!("{:05}", MESSAGES - 1);
    let is_last = move |text: &str| text.starts_with("ada: ") && text[5..].starts_with(&last);
    // Ada sends from this thread and reads on another. She writes her frames straight
    // to the socket: chapter 06's driver writes under the connection's lock, and its
    // reader needs that lock to hand over what it read, so a client flooding and
    // reading through one driver stalls its own reading while a write blocks.
    let (ada_count, bob_count) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let ada_reader = thread::spawn({
        let (is_last, count) = (is_last.clone(), Arc::clone(&ada_count));
        move || collect(ada, count, is_last)
    });
    let bob_reader = thread::spawn({
        let count = Arc::clone(&bob_count);
        move || collect(bob, count, is_last)
    });

    // Ada talks: message n is "NNNNN MICROS xxxx..." (32 KiB).
    let mut sent_at = Vec::with_capacity(MESSAGES);
    for n in 0..MESSAGES {
        // Ada and Bob read at the pace of a debug build; Ada sends at most WINDOW
        // messages ahead of what both have read, so that *they* are never slow readers.
        // "slow" reads nothing at all, so the window does nothing for it.
        let window_deadline = Instant::now() + Duration::from_secs(30);
        while n
            >= WINDOW
                + ada_count
                    .load(Ordering::SeqCst)
                    .min(bob_count.load(Ordering::SeqCst))
        {
            assert!(
                Instant::now() < window_deadline,
                "ada and bob stopped reading at {n}"
            );
            thread::sleep(Duration::from_micros(200));
        }
        let now = Instant::now();
        let prefix = format!("{n:05} {:010} ", now.duration_since(origin).as_micros());
        let mut text = prefix.clone();
        text.push_str(&"x".repeat(SIZE - prefix.len()));
        ada_socket
            .write_all(&encode_frame(Role::Client, &Frame::text(&text)))
            .unwrap_or_else(|e| panic!("ada cannot send message {n}: {e}\n{}", server.log()));
        sent_at.push(now);
    }
    let sent_all = origin.elapsed();
    let server_vitals = common::Vitals::of(server.pid());
    let bob_got = bob_reader.join().unwrap();
    let ada_got = ada_reader.join().unwrap();

    // Bob got every message, in order, and none late.
    let bob_messages: Vec<&(String, Instant)> = bob_got
        .iter()
        .filter(|(text, _)| text.starts_with("ada: "))
        .collect();
    assert_eq!(bob_messages.len(), MESSAGES);
    let mut latencies = Vec::new();
    for (n, (text, arrived)) in bob_messages.iter().enumerate() {
        assert!(
            text[5..].starts_with(&format!("{n:05} ")),
            "out of order at {n}"
        );
        latencies.push(arrived.duration_since(sent_at[n]));
    }
    let (median, worst) = median_and_max(&latencies);
    let notice = bob_got
        .iter()
        .position(|(text, _)| text == "* slow left (dropped: too slow)")
        .unwrap_or_else(|| panic!("no leave notice for slow: {:?}", &bob_got[..3]));
    // Messages before the notice, for the figure: about how much "slow" was sent.
    let dropped_after = bob_got[..notice]
        .iter()
        .filter(|(t, _)| t.starts_with("ada: "))
        .count();
    assert!(
        ada_got
            .iter()
            .any(|(text, _)| text == "* slow left (dropped: too slow)")
    );

    // "slow" reads at last: what was already on its way, then the close frame.
    let read_started = Instant::now();
    let (bytes, events) = read_until_close(&mut slow, Duration::from_secs(30));
    let slow_messages = events
        .iter()
        .filter(|e| matches!(e, decoder::Event::Message(_)))
        .count();
    println!(
        "FIGURE slow reader: {MESSAGES} messages of {SIZE} bytes sent in {:.2} s to a room of \
         3; \"slow\" was dropped after message ~{dropped_after} (--max-queue 32), having been sent \
         {slow_messages} messages ({:.1} MiB) before its close frame {:?}; bob's latency median \
         {median:.1} ms, worst {worst:.1} ms; slow's {} bytes read in {:.0} ms; server: {server_vitals}",
        sent_all.as_secs_f64(),
        bytes.len() as f64 / (1 << 20) as f64,
        close_code(&events),
        bytes.len(),
        read_started.elapsed().as_secs_f64() * 1000.0,
    );
    // Had the broadcast written to "slow" itself, it would have stopped when slow's
    // buffers filled, for the whole write timeout (--idle-timeout, 60 s).
    assert!(
        worst < 2000.0,
        "bob waited {worst:.0} ms for a message: the slow reader held up the room"
    );
    assert_eq!(
        close_code(&events),
        Some(TOO_SLOW_CODE),
        "slow is told 1008"
    );
    assert!(dropped_after < MESSAGES, "slow was dropped before the end");
    assert!(
        server.wait_for_log(
            "\"slow\" dropped from room r: outgoing queue full",
            Duration::from_secs(5)
        ),
        "{}",
        server.log()
    );
}
