//! A "slowloris" client sends its request one byte at a time, slowly enough never to
//! finish but fast enough that a per-read timeout never fires. The server must cut it off
//! at the overall handshake deadline, answering 408.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use common::{assert_refusal, read_until_close, split_response};
use wsbook_peers::Server;

#[test]
fn slowloris_gets_408_at_the_deadline_not_later() {
    // Per-read timeout 30 s (the default), handshake deadline 1.5 s.
    let server = Server::start(
        env!("CARGO_BIN_EXE_ch02-handshake"),
        &["--handshake-timeout", "1.5"],
    );
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();

    let mut writer = stream.try_clone().unwrap();
    let dribble = thread::spawn(move || {
        // An endless header, 5 bytes a second: never complete, never silent for long.
        let mut sent = 0;
        for byte in b"GET /echo HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .iter()
            .chain(std::iter::repeat(&b'z'))
            .take(60)
        {
            if writer.write_all(std::slice::from_ref(byte)).is_err() {
                break; // the server closed on us: that is the point
            }
            sent += 1;
            thread::sleep(Duration::from_millis(200));
        }
        sent
    });

    let response = split_response(&read_until_close(&mut stream));
    let elapsed = started.elapsed();
    assert_refusal(&response, 408, "not complete within 1.5 s");
    assert!(
        elapsed >= Duration::from_millis(1400),
        "cut off too early: {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(4),
        "cut off too late: {elapsed:?}"
    );
    let sent = dribble.join().unwrap();
    assert!(
        sent < 40,
        "the client was still writing long after the deadline ({sent} bytes)"
    );
    assert!(
        server.wait_for_log("head not complete within 1.5 s", Duration::from_secs(2)),
        "{}",
        server.log()
    );
}
