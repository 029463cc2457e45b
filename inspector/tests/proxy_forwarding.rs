//! The proxy as a TCP forwarder: bytes unchanged, half-close passed on, back-pressure,
//! concurrent clients, broken upstreams and clients. Loopback only, every wait bounded.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use ws_inspector::proxy::{Proxy, Recording};

const LIMIT: Duration = Duration::from_secs(20);

/// A recognisable byte pattern (a position-dependent sequence, so reordering or loss shows).
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ seed)
        .collect()
}

fn start_proxy(
    upstream: SocketAddr,
) -> ws_inspector::proxy::Running<Vec<ws_inspector::model::Event>> {
    let proxy = Proxy::bind("127.0.0.1:0", &upstream.to_string()).unwrap();
    proxy
        .start(Recording {
            sink: Vec::new(),
            pcapng: None,
            options: ws_inspector::websocket::Options::default(),
        })
        .unwrap()
}

fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&address, LIMIT).unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    stream.set_write_timeout(Some(LIMIT)).unwrap();
    stream
}

fn accept(listener: &TcpListener) -> TcpStream {
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    stream.set_write_timeout(Some(LIMIT)).unwrap();
    stream
}

#[test]
fn forwards_bytes_unchanged_and_passes_half_close_on() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let request = pattern(3 * 1024 * 1024 + 17, 0x5a);
    let reply = pattern(2 * 1024 * 1024 + 5, 0xa5);
    let server_reply = reply.clone();
    let server = thread::spawn(move || {
        let mut stream = accept(&upstream);
        // Read until the client's FIN arrives through the proxy...
        let mut received = Vec::new();
        stream.read_to_end(&mut received).unwrap();
        // ...and only then answer: the other direction must still be open.
        stream.write_all(&server_reply).unwrap();
        received
    });
    let running = start_proxy(upstream_addr);
    let mut client = connect(running.local_addr());
    let writer_copy = request.clone();
    let mut write_half = client.try_clone().unwrap();
    let writer = thread::spawn(move || {
        write_half.write_all(&writer_copy).unwrap();
        write_half.shutdown(Shutdown::Write).unwrap();
    });
    let mut answer = Vec::new();
    client.read_to_end(&mut answer).unwrap();
    writer.join().unwrap();
    let received = server.join().unwrap();
    assert!(
        received == request,
        "the server received different bytes than the client sent"
    );
    assert!(
        answer == reply,
        "the client received different bytes than the server sent"
    );
    running.stop().unwrap();
}

#[test]
fn a_slow_reader_slows_the_writer_and_the_proxy_buffers_little() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let running = start_proxy(upstream_addr);
    let mut client = connect(running.local_addr());
    let server = accept(&upstream);
    // The server reads nothing for now. Offer far more than any sane buffering.
    let offered = 256 * 1024 * 1024;
    let chunk = pattern(1024 * 1024, 7);
    client
        .set_write_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut accepted = 0usize;
    let started = Instant::now();
    while accepted < offered && started.elapsed() < Duration::from_secs(10) {
        match client.write(&chunk[accepted % chunk.len()..]) {
            Ok(n) => accepted += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(e) => panic!("write failed: {e}"),
        }
    }
    // Kernel socket buffers on four sockets plus the proxy's bounded queue: tens of MB
    // at most. Unbounded buffering would have swallowed all 256 MB.
    assert!(
        accepted < 96 * 1024 * 1024,
        "the proxy accepted {accepted} bytes while nobody read them"
    );
    assert!(accepted > 0);
    // Now the server reads: everything accepted arrives, in order.
    let reader = thread::spawn(move || {
        let mut server = server;
        let mut total = 0usize;
        let mut buffer = vec![0u8; 1 << 16];
        let mut offset = 0usize;
        let mut ok = true;
        loop {
            match server.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => {
                    for &byte in &buffer[..n] {
                        ok &= byte == chunk_byte(offset);
                        offset += 1;
                    }
                    total += n;
                }
                Err(e) => panic!("server read failed: {e}"),
            }
        }
        (total, ok)
    });
    client.shutdown(Shutdown::Write).unwrap();
    let (total, ok) = reader.join().unwrap();
    assert_eq!(total, accepted);
    assert!(ok, "bytes changed on the way");
    running.stop().unwrap();
}

fn chunk_byte(offset: usize) -> u8 {
    let i = offset % (1024 * 1024);
    (i as u32).wrapping_mul(2_654_435_761).to_be_bytes()[0] ^ 7
}

#[test]
fn serves_concurrent_clients_each_with_its_own_upstream() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let upstream_addr = upstream.local_addr().unwrap();
    let clients = 8;
    let server = thread::spawn(move || {
        let mut handlers = Vec::new();
        for _ in 0..clients {
            let mut stream = accept(&upstream);
            handlers.push(thread::spawn(move || {
                // Echo until EOF.
                let mut buffer = vec![0u8; 8192];
                loop {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            if stream.write_all(&buffer[..n]).is_err() {
                                break;
                            }
                        }
                    }
                }
            }));
        }
        for handler in handlers {
            handler.join().unwrap();
        }
    });
    let running = start_proxy(upstream_addr);
    let proxy_addr = running.local_addr();
    let workers: Vec<_> = (0..clients)
        .map(|i| {
            thread::spawn(move || {
                let data = pattern(200_000 + i * 1000, i as u8);
                let mut client = connect(proxy_addr);
                let mut write_half = client.try_clone().unwrap();
                let sent = data.clone();
                let writer = thread::spawn(move || {
                    write_half.write_all(&sent).unwrap();
                    write_half.shutdown(Shutdown::Write).unwrap();
                });
                let mut echoed = Vec::new();
                client.read_to_end(&mut echoed).unwrap();
                writer.join().unwrap();
                assert!(echoed == data, "client {i} got someone else's bytes");
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    server.join().unwrap();
    running.stop().unwrap();
}

/// The proxy binary, its stderr collected.
struct ProxyProcess {
    child: Child,
    address: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl ProxyProcess {
    fn start(upstream: SocketAddr, extra: &[&str]) -> ProxyProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ws-inspector"))
            .args(["proxy", "--listen", "127.0.0.1:0", "--upstream"])
            .arg(upstream.to_string())
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let (tx, rx) = std::sync::mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("listening on ws://") {
                    let _ = tx.send(rest.split(' ').next().unwrap_or_default().to_string());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the proxy printed no `listening on` line")
            .parse()
            .unwrap();
        ProxyProcess {
            child,
            address,
            log,
        }
    }

    fn wait_for_log(&self, needle: &str) -> bool {
        let deadline = Instant::now() + LIMIT;
        while Instant::now() < deadline {
            if self.log.lock().unwrap().contains(needle) {
                return true;
            }
            thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until end of stream or error; true if the stream ended within the limit.
fn ends(stream: &mut TcpStream) -> bool {
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn a_refused_upstream_is_logged_the_client_closed_and_the_proxy_serves_on() {
    // A port nobody listens on (bound, then released).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let upstream_addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let proxy = ProxyProcess::start(upstream_addr, &[]);
    let mut client = connect(proxy.address);
    client.write_all(b"GET / HTTP/1.1\r\n\r\n").ok();
    assert!(ends(&mut client), "the client was not closed");
    assert!(
        proxy.wait_for_log("refused the connection"),
        "no log line for the refused upstream:\n{}",
        proxy.log()
    );
    // The server comes up: the next client gets through.
    let upstream = TcpListener::bind(upstream_addr).unwrap();
    let mut client = connect(proxy.address);
    client.write_all(b"ping").unwrap();
    let mut server = accept(&upstream);
    let mut got = [0u8; 4];
    server.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
    server.write_all(b"pong").unwrap();
    client.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"pong");
}

#[test]
fn an_upstream_that_vanishes_is_logged_the_client_closed_and_the_proxy_serves_on() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = ProxyProcess::start(upstream.local_addr().unwrap(), &[]);
    let mut client = connect(proxy.address);
    client
        .write_all(b"some bytes the server will never read")
        .unwrap();
    {
        let server = accept(&upstream);
        // Wait until the bytes are in the server's receive buffer, then close without
        // reading them: the kernel answers with a reset.
        let mut peek = [0u8; 1];
        server.peek(&mut peek).unwrap();
        drop(server);
    }
    assert!(ends(&mut client), "the client was not closed");
    assert!(
        proxy.wait_for_log("upstream gone"),
        "no log line for the vanished upstream:\n{}",
        proxy.log()
    );
    // A second client is served normally.
    let mut client = connect(proxy.address);
    client.write_all(b"again").unwrap();
    let mut server = accept(&upstream);
    let mut got = [0u8; 5];
    server.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"again");
}

#[test]
fn a_client_that_vanishes_is_logged_and_the_upstream_closed() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = ProxyProcess::start(upstream.local_addr().unwrap(), &[]);
    let client = connect(proxy.address);
    let mut server = accept(&upstream);
    // The server sends; the client never reads and closes: a reset.
    server.write_all(&[0x42; 1000]).unwrap();
    {
        let mut peek = [0u8; 1];
        client.peek(&mut peek).unwrap();
        drop(client);
    }
    assert!(ends(&mut server), "the upstream connection was not closed");
    assert!(
        proxy.wait_for_log("client gone"),
        "no log line for the vanished client:\n{}",
        proxy.log()
    );
}

/// The opening handshake with RFC 6455 §1.3's sample key, and the Accept it calls for.
const UPGRADE_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const UPGRADE_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// Reads an HTTP head (up to the blank line).
fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    head
}

#[test]
fn a_client_that_leaves_in_the_middle_of_a_frame_is_logged_and_the_server_told() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = ProxyProcess::start(upstream.local_addr().unwrap(), &[]);
    let mut client = connect(proxy.address);
    client.write_all(UPGRADE_REQUEST).unwrap();
    let mut server = accept(&upstream);
    assert_eq!(read_head(&mut server), UPGRADE_REQUEST);
    server.write_all(UPGRADE_RESPONSE).unwrap();
    assert_eq!(read_head(&mut client), UPGRADE_RESPONSE);
    // A masked binary frame announcing 1000 bytes, of which 10 are sent; then FIN.
    let mut frame = vec![0x82, 0x80 | 126, 0x03, 0xE8, 1, 2, 3, 4];
    frame.extend_from_slice(&[0; 10]);
    client.write_all(&frame).unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut forwarded = Vec::new();
    server.read_to_end(&mut forwarded).unwrap();
    assert_eq!(
        forwarded, frame,
        "the server got the partial frame, then the FIN"
    );
    assert!(
        proxy.wait_for_log("the client stopped in the middle of a frame"),
        "no log line about the cut frame:\n{}",
        proxy.log()
    );
    drop(server);
    assert!(ends(&mut client));
}

#[test]
fn a_server_that_breaks_off_in_the_middle_of_a_frame_is_logged_and_the_client_closed() {
    let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = ProxyProcess::start(upstream.local_addr().unwrap(), &[]);
    let mut client = connect(proxy.address);
    client.write_all(UPGRADE_REQUEST).unwrap();
    {
        let mut server = accept(&upstream);
        assert_eq!(read_head(&mut server), UPGRADE_REQUEST);
        server.write_all(UPGRADE_RESPONSE).unwrap();
        // A text frame announcing 100 bytes; 5 are sent.
        server.write_all(b"\x81\x64hello").unwrap();
        assert_eq!(read_head(&mut client), UPGRADE_RESPONSE);
        let mut start = [0u8; 7];
        client.read_exact(&mut start).unwrap();
        assert_eq!(&start, b"\x81\x64hello");
        // The client says something the server never reads; the server vanishes (reset).
        client.write_all(b"\x81\x82abcd\x00\x00").unwrap();
        let mut peek = [0u8; 1];
        server.peek(&mut peek).unwrap();
    }
    assert!(ends(&mut client), "the client was not closed");
    assert!(
        proxy.wait_for_log("upstream gone"),
        "no log line about the server:\n{}",
        proxy.log()
    );
    assert!(
        proxy.wait_for_log("the server stopped in the middle of a frame"),
        "no log line about the cut frame:\n{}",
        proxy.log()
    );
}
