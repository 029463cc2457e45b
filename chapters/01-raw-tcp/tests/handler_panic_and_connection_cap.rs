//! The library's accept loop: a panicking handler costs only its own connection, and
//! `max_connections` refuses connections beyond the cap until one closes.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use ch01_raw_tcp::{ServeOptions, bind, echo::echo, serve};

fn start(
    options: ServeOptions,
    handler: impl Fn(TcpStream, ch01_raw_tcp::ConnInfo) + Send + Sync + 'static,
) -> SocketAddr {
    let listener = bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || serve(listener, options, handler));
    addr
}

/// Sends `byte`; returns what came back, or None if the server closed the connection.
fn send_byte(addr: SocketAddr, byte: u8) -> Option<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    // The write may fail if the server already closed; then the read says so too.
    let _ = stream.write_all(&[byte]);
    let mut back = [0];
    match stream.read(&mut back) {
        Ok(1) => Some(back[0]),
        Ok(_) => None,
        Err(error) if error.kind() == ErrorKind::ConnectionReset => None,
        Err(error) => panic!("unexpected error: {error}"),
    }
}

#[test]
fn a_panicking_handler_loses_only_its_connection() {
    let addr = start(ServeOptions::default(), |mut stream, _info| {
        let mut first = [0];
        if stream.read_exact(&mut first).is_ok() {
            assert_ne!(first[0], b'!', "this handler panics on '!'");
            let _ = stream.write_all(&first);
        }
    });
    assert_eq!(
        send_byte(addr, b'!'),
        None,
        "the panicking connection is closed"
    );
    assert_eq!(
        send_byte(addr, b'a'),
        Some(b'a'),
        "the server still serves others"
    );
    assert_eq!(send_byte(addr, b'!'), None);
    assert_eq!(send_byte(addr, b'b'), Some(b'b'));
}

#[test]
fn connections_beyond_the_cap_are_refused_until_one_closes() {
    let options = ServeOptions {
        max_connections: Some(1),
        ..ServeOptions::default()
    };
    let addr = start(options, echo);

    let mut first = TcpStream::connect(addr).unwrap();
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    first.write_all(b"x").unwrap();
    let mut back = [0];
    first.read_exact(&mut back).unwrap(); // now it is surely accepted and counted

    assert_eq!(
        send_byte(addr, b'y'),
        None,
        "a second connection is over the cap"
    );

    drop(first);
    // Once the first connection's thread has ended, there is room again.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if send_byte(addr, b'z') == Some(b'z') {
            break;
        }
        assert!(Instant::now() < deadline, "the cap was never released");
        thread::sleep(Duration::from_millis(50));
    }
}
