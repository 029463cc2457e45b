//! Many clients at once, each sending its own bytes in several writes: each must get back
//! exactly its own bytes, in order — the thread-per-connection model keeps them apart.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use wsbook_peers::Server;

const CLIENTS: usize = 32;
const CHUNKS: usize = 4;
const CHUNK_LEN: usize = 16 * 1024;

/// A payload no other client sends: a simple generator seeded by the client number.
fn payload(client: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_u32.wrapping_mul(client as u32 + 1);
    (0..CHUNKS * CHUNK_LEN)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

#[test]
fn every_concurrent_client_gets_its_own_bytes_back() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch01-raw-tcp"), &[]);
    let addr = server.addr;
    let start = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let start = Arc::clone(&start);
            thread::spawn(move || {
                let sent = payload(client);
                let mut stream = TcpStream::connect(addr).unwrap();
                stream
                    .set_read_timeout(Some(Duration::from_secs(20)))
                    .unwrap();
                // Read on another thread while writing, so neither side's buffers fill up.
                let mut reader = stream.try_clone().unwrap();
                let expected_len = sent.len();
                let read_back = thread::spawn(move || {
                    let mut received = Vec::with_capacity(expected_len);
                    reader.read_to_end(&mut received).map(|_| received)
                });
                start.wait(); // all clients write at the same time
                for chunk in sent.chunks(CHUNK_LEN) {
                    stream.write_all(chunk).unwrap();
                    thread::sleep(Duration::from_millis(5));
                }
                // Half-close: "I am done sending"; the server echoes the rest and closes.
                stream.shutdown(Shutdown::Write).unwrap();
                let received = read_back.join().unwrap().unwrap();
                (client, sent, received)
            })
        })
        .collect();

    for handle in clients {
        let (client, sent, received) = handle.join().unwrap();
        assert_eq!(
            received.len(),
            sent.len(),
            "client {client}: length of the echo"
        );
        assert!(
            received == sent,
            "client {client} got bytes that are not its own"
        );
    }
    assert!(
        server.wait_for_log(
            &format!("echoed {} bytes", CHUNKS * CHUNK_LEN),
            Duration::from_secs(5)
        ),
        "server log:\n{}",
        server.log()
    );
    let log = server.log();
    assert_eq!(
        log.matches(" connected\n").count(),
        CLIENTS,
        "one open line per client:\n{log}"
    );
}
