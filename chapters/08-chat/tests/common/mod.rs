//! Shared by chapter 08's integration tests: the server process's vital signs from
//! `/proc`, raw handshakes, and blocking WebSocket clients.
#![allow(dead_code)] // each test binary uses its own subset
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::fmt::{self, Write as _};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use ch08_chat::{Config, Connection, Decoder, Limits, Role, WebSocket, decoder, generate_key};
use wsbook_peers::Server;

/// The chat server binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_ch08-chat");

/// Starts `ch08-chat` on a free loopback port with `args`.
pub fn start(args: &[&str]) -> Server {
    Server::start(BIN, args)
}

// ANCHOR: vitals
/// What a process costs right now, from `/proc/PID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vitals {
    /// `VmHWM`: the peak resident set size so far ("high water mark"), KiB.
    pub peak_kib: u64,
    /// `VmRSS`: the resident set size now, KiB.
    pub rss_kib: u64,
    /// Entries in `/proc/PID/task`: threads.
    pub threads: usize,
    /// Entries in `/proc/PID/fd`: open file descriptors (sockets included).
    pub fds: usize,
    /// User + system CPU time so far (`/proc/PID/stat` fields 14 and 15), ms.
    pub cpu_ms: u64,
}

impl Vitals {
    /// Reads them for `pid`.
    pub fn of(pid: u32) -> Vitals {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let kib = |field: &str| -> u64 {
            status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
        };
        let count = |dir: &str| {
            std::fs::read_dir(format!("/proc/{pid}/{dir}"))
                .unwrap()
                .count()
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after_name.split(' ').collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        Vitals {
            peak_kib: kib("VmHWM:"),
            rss_kib: kib("VmRSS:"),
            threads: count("task"),
            fds: count("fd"),
            // USER_HZ is 100 on every Linux this runs on.
            cpu_ms: ticks * 10,
        }
    }
}

impl fmt::Display for Vitals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "peak RSS {:.1} MiB, RSS {:.1} MiB, {} threads, {} fds, {:.2} s CPU",
            self.peak_kib as f64 / 1024.0,
            self.rss_kib as f64 / 1024.0,
            self.threads,
            self.fds,
            self.cpu_ms as f64 / 1000.0
        )
    }
}
// ANCHOR_END: vitals

/// Polls `pid`'s vitals every 50 ms until `done` holds or `limit` passes; returns the
/// last reading and whether `done` held.
pub fn wait_for_vitals(
    pid: u32,
    limit: Duration,
    done: impl Fn(&Vitals) -> bool,
) -> (Vitals, bool) {
    let deadline = Instant::now() + limit;
    loop {
        let vitals = Vitals::of(pid);
        if done(&vitals) {
            return (vitals, true);
        }
        if Instant::now() >= deadline {
            return (vitals, false);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A client's opening handshake for `path`, with extra header lines.
pub fn handshake_request(addr: SocketAddr, path: &str, extra: &[(&str, &str)]) -> String {
    let mut request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n",
        generate_key()
    );
    for (name, value) in extra {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    request
}

/// Sends a handshake and reads the response head. Returns the status, the head, the
/// stream (read timeout 10 s) and the bytes after the head.
pub fn upgrade(
    addr: SocketAddr,
    path: &str,
    extra: &[(&str, &str)],
) -> (u16, String, TcpStream, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.set_nodelay(true).unwrap();
    stream
        .write_all(handshake_request(addr, path, extra).as_bytes())
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(
            n > 0,
            "the server closed before answering: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {head:?}"));
    (status, head, stream, buf[end..].to_vec())
}

/// A blocking WebSocket client on chapter 07's connection, after a handshake to `path`
/// offering `protocol`.
pub fn client(addr: SocketAddr, path: &str, protocol: Option<&str>) -> WebSocket<Connection> {
    let extra: Vec<(&str, &str)> = protocol
        .map(|p| vec![("Sec-WebSocket-Protocol", p)])
        .unwrap_or_default();
    let (status, head, stream, leftover) = upgrade(addr, path, &extra);
    assert_eq!(status, 101, "{head}");
    let mut connection = Connection::new(Role::Client, Config::default(), Instant::now());
    connection.open();
    WebSocket::new(stream, &leftover, connection).unwrap()
}

/// Reads from `stream` until EOF, an error or `limit`; returns what arrived.
pub fn read_to_end_within(stream: &mut TcpStream, limit: Duration) -> Vec<u8> {
    let deadline = Instant::now() + limit;
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return out;
        }
        stream.set_read_timeout(Some(remaining)).unwrap();
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return out,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
        }
    }
}

/// The frames a server sent (as a client decodes them): data messages and control frames.
pub fn server_events(bytes: &[u8]) -> Vec<decoder::Event> {
    let mut decoder = Decoder::new(
        Role::Client,
        Limits {
            max_frame_payload: 64 << 20,
            max_message: 64 << 20,
        },
    );
    decoder.feed(bytes);
    let mut events = Vec::new();
    while let Ok(Some(event)) = decoder.next_event() {
        events.push(event);
    }
    events
}

/// The close code of the last close frame among `events`.
pub fn close_code(events: &[decoder::Event]) -> Option<u16> {
    events.iter().rev().find_map(|event| match event {
        decoder::Event::Control(frame) => frame.close_code(),
        decoder::Event::Message(_) => None,
    })
}

/// Median and maximum of some durations, in milliseconds.
pub fn median_and_max(samples: &[Duration]) -> (f64, f64) {
    let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1])
}
