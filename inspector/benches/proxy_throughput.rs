//! Throughput of `ws-inspector proxy`: 1 GiB of WebSocket frames from a client to a
//! server, directly and through the proxy (decoding every frame and printing JSON Lines
//! into a sink), in the same run, on loopback.
//!
//!     cargo bench -p ws-inspector --bench proxy_throughput
//!     PROXY_BENCH_MIB=256 cargo bench -p ws-inspector --bench proxy_throughput   # shorter
//!
//! The goal: the proxy, decoding, moves at least half as many MB/s as the direct
//! connection. Each configuration runs five times, interleaved; the best run counts (the
//! machine is shared, the best run is the least disturbed one).
//!
//! Beside MB/s it prints the CPU time all threads spent per GB. That number does not
//! depend on how busy the machine is, and it explains the ratio: a proxy copies every
//! byte through the kernel twice more (its read and its write), so forwarding alone costs
//! about as much CPU as the direct connection's two ends together. When the cores are
//! free, the proxy's threads run beside the client's and the server's and the ratio can
//! approach 1; when every core is busy (a loaded machine), it cannot pass about 0.5 even
//! before decoding.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use ws_inspector::model::Event;
use ws_inspector::proxy::cli::Printer;
use ws_inspector::proxy::{EventSink, Proxy, Recording};
use ws_inspector::websocket::Options;

/// RFC 6455 §1.3's sample key and the Accept it calls for.
const REQUEST: &[u8] = b"GET /bench HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

const TIMEOUT: Duration = Duration::from_secs(120);

/// Runs of each configuration, interleaved; the best counts.
const ROUNDS: usize = 5;

fn read_head(stream: &mut TcpStream) -> io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        stream.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    Ok(())
}

/// A server that answers the upgrade and then reads (and drops) everything; each
/// connection's byte count comes back on the returned channel.
fn sink_server() -> (SocketAddr, std::sync::mpsc::Receiver<u64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the sink server");
    let address = listener.local_addr().expect("its address");
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let tx = tx.clone();
            thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(TIMEOUT));
                if read_head(&mut stream).is_err() || stream.write_all(RESPONSE).is_err() {
                    return;
                }
                let mut buffer = vec![0u8; 256 * 1024];
                let mut total = 0u64;
                loop {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => total += n as u64,
                    }
                }
                let _ = tx.send(total);
            });
        }
    });
    (address, rx)
}

/// `count` masked binary frames of `payload_len` bytes each, back to back.
fn frames(payload_len: usize, count: usize) -> Vec<u8> {
    let key = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = Vec::with_capacity(count * (payload_len + 14));
    for frame in 0..count {
        out.push(0x82); // FIN, binary
        match payload_len {
            0..=125 => out.push(0x80 | payload_len as u8),
            126..=65535 => {
                out.push(0x80 | 126);
                out.extend_from_slice(&(payload_len as u16).to_be_bytes());
            }
            _ => {
                out.push(0x80 | 127);
                out.extend_from_slice(&(payload_len as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(&key);
        out.extend((0..payload_len).map(|i| ((i * 31 + frame) as u8) ^ key[i % 4]));
    }
    out
}

/// Sends `rounds` copies of `block` to `address` after the handshake; returns the time
/// from the first frame byte to the server having read the last one.
fn push(
    address: SocketAddr,
    block: &[u8],
    rounds: usize,
    received: &std::sync::mpsc::Receiver<u64>,
) -> Duration {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).expect("timeout");
    stream.write_all(REQUEST).expect("send the request");
    read_head(&mut stream).expect("read the 101");
    let started = Instant::now();
    for _ in 0..rounds {
        stream.write_all(block).expect("send frames");
    }
    stream.shutdown(Shutdown::Write).expect("FIN");
    let total = received.recv_timeout(TIMEOUT).expect("the server's count");
    let elapsed = started.elapsed();
    assert_eq!(
        total,
        (block.len() * rounds) as u64,
        "the server got every byte"
    );
    elapsed
}

/// Counts frame events on their way to a JSON Lines printer.
#[derive(Debug)]
struct Counting<S> {
    inner: S,
    frames: u64,
}

impl<S: EventSink> EventSink for Counting<S> {
    fn events(&mut self, events: &[Event]) {
        self.frames += events
            .iter()
            .filter(|e| matches!(e, Event::Frame(_)))
            .count() as u64;
        self.inner.events(events);
    }

    fn idle(&mut self) {
        self.inner.idle();
    }
}

fn through_proxy(
    upstream: SocketAddr,
    block: &[u8],
    rounds: usize,
    frames_expected: u64,
    received: &std::sync::mpsc::Receiver<u64>,
    write_pcapng: bool,
) -> Duration {
    let proxy = Proxy::bind("127.0.0.1:0", &upstream.to_string()).expect("bind the proxy");
    let recording = Recording {
        sink: Counting {
            inner: Printer::new(io::sink(), true, false),
            frames: 0,
        },
        pcapng: write_pcapng.then(|| {
            Box::new(io::BufWriter::with_capacity(1 << 20, io::sink())) as Box<dyn Write + Send>
        }),
        // What `proxy --json` uses.
        options: Options {
            max_payload: 256,
            ..Options::default()
        },
    };
    let running = proxy.start(recording).expect("start the proxy");
    let elapsed = push(running.local_addr(), block, rounds, received);
    let sink = running.stop().expect("stop the proxy");
    assert_eq!(
        sink.frames, frames_expected,
        "the proxy decoded every frame"
    );
    elapsed
}

/// CPU time this process (every thread: client, server, proxy) has used, from
/// /proc/self/stat (utime + stime, in clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Wall time (first frame byte to the server's last read) and CPU time of one run.
#[derive(Debug, Clone, Copy)]
struct Run {
    wall: Duration,
    cpu: Duration,
}

impl Run {
    const NONE: Run = Run {
        wall: Duration::MAX,
        cpu: Duration::MAX,
    };

    fn best(self, other: Run) -> Run {
        Run {
            wall: self.wall.min(other.wall),
            cpu: self.cpu.min(other.cpu),
        }
    }
}

fn mb_per_s(bytes: usize, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64()
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let mib: usize = std::env::var("PROXY_BENCH_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let (server, received) = sink_server();
    // Two shapes: bulk frames (64 KiB), and small ones (1 KiB) where per-frame work
    // dominates (a quarter of the bytes, to keep the run short).
    for (payload_len, share) in [(64 * 1024, 1), (1024, 4)] {
        let per_block = (1024 * 1024 / payload_len).max(1);
        let block = frames(payload_len, per_block);
        let rounds = (mib / share).max(1);
        let total = block.len() * rounds;
        let frames_expected = (per_block * rounds) as u64;
        let mut best = [Run::NONE; 3];
        let measure = |run: &dyn Fn() -> Duration| {
            let cpu = cpu_time();
            let wall = run();
            Run {
                wall,
                cpu: cpu_time().saturating_sub(cpu),
            }
        };
        for _ in 0..ROUNDS {
            best[0] = best[0].best(measure(&|| push(server, &block, rounds, &received)));
            best[1] = best[1].best(measure(&|| {
                through_proxy(server, &block, rounds, frames_expected, &received, false)
            }));
            best[2] = best[2].best(measure(&|| {
                through_proxy(server, &block, rounds, frames_expected, &received, true)
            }));
        }
        let direct = mb_per_s(total, best[0].wall);
        let cpu_per_gb = |run: Run| run.cpu.as_secs_f64() / (total as f64 / 1e9);
        println!(
            "{:.0} MB in {} frames of {} bytes (best of {ROUNDS} runs; CPU: all threads, per GB):",
            total as f64 / 1e6,
            frames_expected,
            payload_len
        );
        println!(
            "  direct                           {direct:6.0} MB/s            CPU {:5.2} s/GB",
            cpu_per_gb(best[0])
        );
        for (label, run) in [
            ("proxy, decoding + JSON          ", best[1]),
            ("proxy, + pcapng (to a null sink)", best[2]),
        ] {
            let speed = mb_per_s(total, run.wall);
            println!(
                "  {label} {speed:6.0} MB/s  {:.2}x direct  CPU {:5.2} s/GB",
                speed / direct,
                cpu_per_gb(run)
            );
        }
    }
}
