//! Slowloris: 500 connections each send their handshake one byte per second, so that
//! every one of them holds a connection (and, here, a thread) for as long as the server
//! lets it. Chapter 02 gives the whole head one deadline (`--handshake-timeout`), so a
//! drip-feeding peer cannot reset a per-read timer forever, and chapter 01 gives every
//! connection its own thread, so none of them delays anyone else.
//!
//! While the 500 drip, an honest client keeps connecting, handshaking and getting an
//! echo: each echo must come back in under 100 ms. When the deadline passes, every
//! attacker gets a 408 and the server's threads and file descriptors go back to what they
//! were. The test prints its figures.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use ch08_chat::{Event, Message};
use common::{
    Vitals, client, handshake_request, median_and_max, read_to_end_within, start, wait_for_vitals,
};

const ATTACKERS: usize = 500;
const HANDSHAKE_TIMEOUT_S: u64 = 15;

/// Connects, handshakes and round-trips one echo on a fresh connection. Returns the
/// echo's round trip alone and the whole thing (connect + handshake + echo).
fn honest_echo(addr: SocketAddr, n: usize) -> (Duration, Duration) {
    let started = Instant::now();
    let mut ws = client(addr, "/echo", None);
    let text = format!("honest {n}");
    let sent = Instant::now();
    ws.with(|c| c.send(&Message::text(text.clone()))).unwrap();
    loop {
        match ws.read() {
            Some(Event::Message(message)) => {
                assert_eq!(message.as_text(), Some(text.as_str()));
                return (sent.elapsed(), started.elapsed());
            }
            Some(_) => {}
            None => panic!("the echo connection ended before the echo"),
        }
    }
}

#[test]
fn five_hundred_drip_fed_handshakes_do_not_delay_an_honest_echo() {
    let server = start(&[
        "--quiet",
        "--handshake-timeout",
        &HANDSHAKE_TIMEOUT_S.to_string(),
    ]);
    let pid = server.pid();
    let addr = server.addr;

    // Baseline: the server idle, then a few honest echoes with nobody attacking.
    let idle = Vitals::of(pid);
    let baseline: Vec<Duration> = (0..10).map(|n| honest_echo(addr, n).0).collect();
    let (baseline_median, _) = median_and_max(&baseline);
    let (before, settled) =
        wait_for_vitals(pid, Duration::from_secs(10), |v| v.threads == idle.threads);
    assert!(settled, "the baseline echo threads did not end: {before}");

    // The attack: 500 connections, each sends its handshake one byte per second.
    let attack_started = Instant::now();
    let request = handshake_request(addr, "/echo", &[]).into_bytes();
    let mut attackers: Vec<TcpStream> = (0..ATTACKERS)
        .map(|_| TcpStream::connect(addr).unwrap())
        .collect();
    let connect_time = attack_started.elapsed();
    let writers: Vec<TcpStream> = attackers.iter().map(|s| s.try_clone().unwrap()).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let drip = {
        let stop = Arc::clone(&stop);
        let request = request.clone();
        thread::spawn(move || {
            let mut writers = writers;
            let mut sent = 0;
            // Never the whole request: the last byte would complete the handshake.
            while !stop.load(Ordering::SeqCst) && sent < request.len() - 1 {
                for writer in &mut writers {
                    let _ = writer.write_all(&request[sent..=sent]);
                }
                sent += 1;
                for _ in 0..10 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                }
            }
            sent
        })
    };

    // Wait until the server holds all 500 (a thread each), then measure.
    let (during, all_held) = wait_for_vitals(pid, Duration::from_secs(20), |v| {
        v.threads > before.threads + ATTACKERS - 1
    });
    assert!(
        all_held,
        "the server never held all {ATTACKERS} attackers: {during}"
    );
    let mut echoes = Vec::new();
    let mut whole = Vec::new();
    let mut n = 0;
    // Echo while every attacker is still dripping: well inside the deadline, which runs
    // from each one's accept (after `attack_started`).
    while attack_started.elapsed() < Duration::from_secs(HANDSHAKE_TIMEOUT_S - 3) && n < 40 {
        let (echo, total) = honest_echo(addr, n);
        echoes.push(echo);
        whole.push(total);
        n += 1;
        thread::sleep(Duration::from_millis(100));
    }
    // Still all held after the last echo: every echo was measured under the full attack.
    let peak = Vitals::of(pid);
    let (echo_median, echo_max) = median_and_max(&echoes);
    let (whole_median, whole_max) = median_and_max(&whole);

    // Past the deadline every attacker gets its 408 and is closed.
    let mut answered_408 = 0;
    let mut closed = 0;
    for attacker in &mut attackers {
        let limit = (attack_started + Duration::from_secs(HANDSHAKE_TIMEOUT_S + 20))
            .saturating_duration_since(Instant::now());
        let answer = read_to_end_within(attacker, limit.max(Duration::from_millis(1)));
        if answer.starts_with(b"HTTP/1.1 408 ") {
            answered_408 += 1;
        }
        closed += 1;
    }
    let cut_off_after = attack_started.elapsed();
    stop.store(true, Ordering::SeqCst);
    let bytes_dripped = drip.join().unwrap();
    drop(attackers);
    let (after, recovered) = wait_for_vitals(pid, Duration::from_secs(10), |v| {
        v.threads == before.threads && v.fds == before.fds
    });

    println!(
        "FIGURE slowloris: {ATTACKERS} connections (opened in {:.0} ms) each sent {bytes_dripped} of \
         {} handshake bytes at 1 byte/s; {answered_408}/{ATTACKERS} got 408 after {:.1} s \
         (--handshake-timeout {HANDSHAKE_TIMEOUT_S}).\n\
         FIGURE slowloris: honest echo during the attack: median {echo_median:.2} ms, max \
         {echo_max:.2} ms over {} echoes (baseline median {baseline_median:.2} ms); connect + \
         handshake + echo: median {whole_median:.2} ms, max {whole_max:.2} ms.\n\
         FIGURE slowloris: server before: {before}\n\
         FIGURE slowloris: server during: {peak}\n\
         FIGURE slowloris: server after:  {after}",
        connect_time.as_secs_f64() * 1000.0,
        request.len(),
        cut_off_after.as_secs_f64(),
        echoes.len(),
    );

    assert!(
        echoes.len() >= 10,
        "too few echoes measured: {}",
        echoes.len()
    );
    assert!(
        echo_median < 100.0,
        "the honest echo took {echo_median:.1} ms (median) during the attack"
    );
    // Every single echo under 100 ms would be the claim; a shared 2-core machine may
    // preempt one sample, so 90% of them must be.
    let slow = echoes.iter().filter(|d| d.as_millis() >= 100).count();
    assert!(
        slow * 10 <= echoes.len(),
        "{slow} of {} echoes took 100 ms or more",
        echoes.len()
    );
    assert_eq!(closed, ATTACKERS);
    assert_eq!(
        answered_408, ATTACKERS,
        "every attacker is told 408 Request Timeout"
    );
    assert!(
        peak.threads > ATTACKERS,
        "the attackers did hold threads: {peak}"
    );
    assert!(
        recovered,
        "threads or fds did not return to {before}: {after}"
    );
    assert!(
        server.wait_for_log("408", Duration::from_secs(10)),
        "{}",
        server.log()
    );
}
