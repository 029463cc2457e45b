//! A frame header announcing 2^63 bytes, and one announcing 2^62: fourteen bytes on the
//! wire that ask the server to receive exabytes. The server decides from the header
//! alone, before buffering anything (chapter 05's decoder checks the header first):
//! - 2^63 has the most significant bit set, which §5.2 forbids ("the most significant
//!   bit MUST be 0") → close 1002;
//! - 2^62 is a legal length but over `--max-message` → close 1009 (§7.4.1 "message
//!   that is too big for it to process").
//!
//! Peak memory must not move. The test prints its figures.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{
    Vitals, close_code, read_to_end_within, server_events, start, upgrade, wait_for_vitals,
};

/// A masked binary frame header (FIN set) with a 64-bit length, and no payload.
fn header_announcing(length: u64) -> Vec<u8> {
    let mut bytes = vec![0x82, 0x80 | 127];
    bytes.extend_from_slice(&length.to_be_bytes());
    bytes.extend_from_slice(&[0x11, 0x22, 0x33, 0x44]); // masking key
    bytes
}

#[test]
fn lengths_of_2_to_the_63_and_62_close_with_1002_and_1009_without_allocating() {
    let server = start(&["--quiet"]);
    let pid = server.pid();
    // A first connection, so that its one-time costs (a thread's stack, the allocator's
    // arena for it) are not counted against the attack.
    let (_, _, warm, _) = upgrade(server.addr, "/echo", &[]);
    drop(warm);
    wait_for_vitals(pid, Duration::from_secs(5), |v| v.threads == 1);
    for (exponent, expected) in [(63u32, 1002u16), (62, 1009)] {
        let (status, head, mut stream, _) = upgrade(server.addr, "/echo", &[]);
        assert_eq!(status, 101, "{head}");
        let before = Vitals::of(pid);
        let sent = Instant::now();
        stream
            .write_all(&header_announcing(1u64 << exponent))
            .unwrap();
        let answer = read_to_end_within(&mut stream, Duration::from_secs(10));
        let took = sent.elapsed();
        drop(stream);
        let (after, _) = wait_for_vitals(pid, Duration::from_secs(5), |v| v.threads == 1);
        let events = server_events(&answer);
        let growth_kib = after.peak_kib.saturating_sub(before.peak_kib);
        println!(
            "FIGURE length 2^{exponent}: 14 bytes sent; close {:?} ({} bytes back) in {:.2} ms; \
             peak RSS {:.1} → {:.1} MiB (+{growth_kib} KiB)",
            close_code(&events),
            answer.len(),
            took.as_secs_f64() * 1000.0,
            before.peak_kib as f64 / 1024.0,
            after.peak_kib as f64 / 1024.0,
        );
        assert_eq!(
            close_code(&events),
            Some(expected),
            "2^{exponent}: {events:?}"
        );
        assert!(
            growth_kib < 256,
            "2^{exponent}: peak memory grew by {growth_kib} KiB"
        );
    }
    let log = server.log();
    assert!(
        log.contains("§5.2 the most significant bit of the 64-bit payload length must be 0"),
        "the log names the rule: {log}"
    );
    assert!(
        log.contains("frame of 4611686018427387904 bytes is over the 1048576-byte limit (1009)"),
        "{log}"
    );
}
