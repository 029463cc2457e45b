//! A fragment bomb: a text message started with an empty frame, then a million empty
//! continuation frames (6 bytes each on the wire: 2 of header, 4 of masking key), then
//! the final one. Every frame is legal (§5.4 puts no limit on their number), so the
//! server must process them all; what it must not do is keep anything per frame or do
//! more than a constant amount of work per frame. The million frames must cost the
//! server no memory (peak RSS) and bounded CPU, must not stop another client's echoes,
//! and the empty message must come back at the end. The test prints its figures.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::Write;
use std::net::Shutdown;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch08_chat::{Event, Frame, Message, OpCode, Role, decoder, encode_frame};
use common::{
    Vitals, client, median_and_max, read_to_end_within, server_events, start, upgrade,
    wait_for_vitals,
};

const FRAGMENTS: usize = 1_000_000;

#[test]
fn a_million_empty_continuation_frames_cost_bounded_cpu_and_no_memory() {
    let server = start(&["--quiet"]);
    let pid = server.pid();
    let addr = server.addr;

    // The bytes: TEXT (FIN 0), a million CONTINUATION (FIN 0), CONTINUATION (FIN 1).
    let first = encode_frame(
        Role::Client,
        &Frame::new(OpCode::Text, Vec::new()).with_fin(false),
    );
    let middle = encode_frame(
        Role::Client,
        &Frame::new(OpCode::Continuation, Vec::new()).with_fin(false),
    );
    let last = encode_frame(Role::Client, &Frame::new(OpCode::Continuation, Vec::new()));
    assert_eq!(middle.len(), 6);
    let mut bomb = Vec::with_capacity(FRAGMENTS * 6 + 12);
    bomb.extend_from_slice(&first);
    for _ in 0..FRAGMENTS {
        bomb.extend_from_slice(&middle);
    }
    bomb.extend_from_slice(&last);

    // An honest client echoing all along, on its own connection.
    let mut honest = client(addr, "/echo", None);
    let (status, head, mut bomber, _) = upgrade(addr, "/echo", &[]);
    assert_eq!(status, 101, "{head}");
    let before = Vitals::of(pid);

    let stop = Arc::new(AtomicBool::new(false));
    let echoes = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let mut samples = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let text = format!("still there? {n}");
                let sent = Instant::now();
                honest
                    .with(|c| c.send(&Message::text(text.clone())))
                    .unwrap();
                loop {
                    match honest.read() {
                        Some(Event::Message(m)) => {
                            assert_eq!(m.as_text(), Some(text.as_str()));
                            break;
                        }
                        Some(_) => {}
                        None => panic!("the honest connection ended"),
                    }
                }
                samples.push(sent.elapsed());
                n += 1;
                thread::sleep(Duration::from_millis(20));
            }
            samples
        })
    };

    let started = Instant::now();
    let mut writer = bomber.try_clone().unwrap();
    let sending = thread::spawn(move || writer.write_all(&bomb).map(|()| bomb.len()));
    // The echo of the empty message is the proof that all of it was processed.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 64];
    bomber
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    while answer.len() < 2 {
        let n = std::io::Read::read(&mut bomber, &mut chunk).unwrap();
        assert!(n > 0, "the server closed the bomber: {}", server.log());
        answer.extend_from_slice(&chunk[..n]);
    }
    let took = started.elapsed();
    let sent_bytes = sending.join().unwrap().unwrap();
    let during = Vitals::of(pid);
    stop.store(true, Ordering::SeqCst);
    let samples = echoes.join().unwrap();
    let (echo_median, echo_max) = median_and_max(&samples);

    bomber.shutdown(Shutdown::Write).unwrap();
    let rest = read_to_end_within(&mut bomber, Duration::from_secs(10));
    answer.extend_from_slice(&rest);
    let events = server_events(&answer);
    let cpu_ms = during.cpu_ms - before.cpu_ms;
    let growth_kib = during.peak_kib.saturating_sub(before.peak_kib);
    println!(
        "FIGURE fragment bomb: {FRAGMENTS} empty continuation frames ({sent_bytes} bytes) processed \
         in {:.2} s ({:.0} frames/s); server CPU {:.2} s ({:.2} µs per frame); peak RSS {:.1} → \
         {:.1} MiB (+{growth_kib} KiB); honest echo meanwhile: median {echo_median:.2} ms, max \
         {echo_max:.2} ms over {} echoes; {during}",
        took.as_secs_f64(),
        FRAGMENTS as f64 / took.as_secs_f64(),
        cpu_ms as f64 / 1000.0,
        cpu_ms as f64 * 1000.0 / FRAGMENTS as f64,
        before.peak_kib as f64 / 1024.0,
        during.peak_kib as f64 / 1024.0,
        samples.len(),
    );

    // The message came back: empty, text, once.
    match events.first() {
        Some(decoder::Event::Message(message)) => {
            assert_eq!(message, &Message::text(""));
        }
        other => panic!("expected the empty text message back, got {other:?}"),
    }
    // Memory: nothing per frame. 6 MB arrived; the peak must not move by even one.
    assert!(growth_kib < 1024, "peak memory grew by {growth_kib} KiB");
    // CPU: a constant per frame. A debug build measures about half a microsecond; 5 µs
    // leaves room for a busy machine (CPU time, unlike wall time, barely moves with
    // load), and a decoder doing work per frame that grows with the frames before
    // (copying, or a list of fragments) would blow through it.
    assert!(
        cpu_ms < 5_000,
        "the server spent {cpu_ms} ms of CPU on {FRAGMENTS} empty frames"
    );
    assert!(
        echo_median < 100.0,
        "the honest echo took {echo_median:.1} ms meanwhile"
    );
    drop(bomber);
    let (after, settled) = wait_for_vitals(pid, Duration::from_secs(10), |v| v.threads == 1);
    assert!(settled, "connection threads did not end: {after}");
}
