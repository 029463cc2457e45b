//! A client that connects and says nothing is dropped once the read timeout passes,
//! while other clients are served normally in the meantime.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use wsbook_peers::Server;

fn echo_once(addr: std::net::SocketAddr, message: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(message).unwrap();
    let mut back = vec![0; message.len()];
    stream.read_exact(&mut back).unwrap();
    back
}

#[test]
fn silent_client_is_dropped_while_others_are_served() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch01-raw-tcp"), &["--read-timeout", "1"]);
    let connected = Instant::now();
    let mut silent = TcpStream::connect(server.addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();

    // A client that keeps talking, slower than once per timeout in total but never
    // silent for a whole second, must not be dropped: the timeout is per read.
    let addr = server.addr;
    let chatty = thread::spawn(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        for i in 0..6u8 {
            stream.write_all(&[b'a' + i]).unwrap();
            let mut back = [0];
            stream.read_exact(&mut back).unwrap();
            assert_eq!(back[0], b'a' + i);
            thread::sleep(Duration::from_millis(400));
        }
    });

    // Others are served while the silent client is still holding its connection.
    for i in 0..8 {
        let message = format!("client {i} says hello");
        assert_eq!(
            echo_once(server.addr, message.as_bytes()),
            message.as_bytes()
        );
    }
    assert!(
        connected.elapsed() < Duration::from_millis(900),
        "the echoes came back before the timeout"
    );

    // The silent client now sees the server close: read() returns 0 (or a reset).
    let mut buffer = [0u8; 16];
    let outcome = silent.read(&mut buffer);
    let waited = connected.elapsed();
    match outcome {
        Ok(0) => {}
        Err(error) if error.kind() == ErrorKind::ConnectionReset => {}
        other => panic!("expected the server to close the silent connection, got {other:?}"),
    }
    assert!(
        waited >= Duration::from_millis(900),
        "dropped too early: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(5),
        "dropped too late: {waited:?}"
    );

    chatty.join().unwrap();
    assert!(server.wait_for_log("silent past the read timeout", Duration::from_secs(2)));
    let log = server.log();
    assert_eq!(
        log.matches("silent past the read timeout").count(),
        1,
        "only the silent client:\n{log}"
    );
}
