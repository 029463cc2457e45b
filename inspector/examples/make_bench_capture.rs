//! Writes the benchmark capture: a pcapng of several WebSocket connections carrying over a
//! million frames of mixed sizes in both directions, cut into 1448-byte TCP segments,
//! some delivered out of order and some retransmitted, as a busy real service would show.
//!
//! `cargo run --release -p ws-inspector --example make_bench_capture -- OUT.pcapng [FRAMES]`
//!
//! Deterministic: the same FRAMES gives the same file, byte for byte.
#![allow(clippy::unwrap_used)]

use std::fs::File;
use std::io::BufWriter;
use std::net::SocketAddr;

use ch07_close::{FrameHeader, OpCode, accept_key, apply_mask};
use ws_inspector::Side;
use ws_inspector::pcapng::{ConnectionId, Writer};
use ws_inspector::synth::flags;
use ws_inspector::time::Timestamp;

/// xorshift64*: a tiny deterministic generator (no dependency needed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }
}

/// Frame payload sizes: mostly small chat-like messages, some medium, a few large.
fn payload_size(rng: &mut Rng) -> usize {
    let roll = rng.below(1000);
    (match roll {
        0..=749 => rng.range(1, 60),
        750..=969 => rng.range(61, 300),
        970..=996 => rng.range(301, 2000),
        _ => rng.range(2001, 16_000),
    }) as usize
}

const WORDS: &[&str] = &[
    "hello", "world", "price", "update", "ok", "chat", "message", "the", "quick", "brown", "fox",
    "{\"id\":", "42,", "\"v\":", "[1,2,3]}", "ping", "tick", "é", "€", "日本",
];

fn text(rng: &mut Rng, len: usize, out: &mut Vec<u8>) {
    let start = out.len();
    while out.len() - start < len {
        let word = WORDS[rng.below(WORDS.len() as u64) as usize];
        out.extend_from_slice(word.as_bytes());
        out.push(b' ');
    }
    // Cut back to a character boundary at or below len.
    let mut end = start + len;
    while end > start && (out[end - 1] & 0xC0 == 0x80 || out[end - 1] >= 0xC0) {
        end -= 1;
    }
    out.truncate(end.max(start));
}

/// Appends one frame (masked when the client sends it).
fn frame(rng: &mut Rng, from: Side, opcode: OpCode, fin: bool, payload: &[u8], out: &mut Vec<u8>) {
    let mut header = FrameHeader::new(opcode, payload.len() as u64);
    header.fin = fin;
    if from == Side::Client {
        let key = rng.next().to_le_bytes();
        header.mask = Some([key[0], key[1], key[2], key[3]]);
    }
    header.write(out);
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = header.mask {
        apply_mask(&mut out[start..], key, 0);
    }
}

/// A burst: a few messages from one side, as one write.
fn burst(rng: &mut Rng, from: Side, frames: &mut u64, out: &mut Vec<u8>) {
    let mut payload = Vec::with_capacity(16_384);
    for _ in 0..rng.range(1, 12) {
        payload.clear();
        let size = payload_size(rng);
        let roll = rng.below(100);
        if roll < 3 {
            let opcode = if roll == 0 {
                OpCode::Ping
            } else {
                OpCode::Pong
            };
            payload.resize(size.min(125), 0x70);
            frame(rng, from, opcode, true, &payload, out);
            *frames += 1;
            continue;
        }
        let is_text = roll < 70;
        if is_text {
            text(rng, size, &mut payload);
        } else {
            payload.extend((0..size).map(|i| (i as u8).wrapping_mul(31)));
        }
        let opcode = if is_text {
            OpCode::Text
        } else {
            OpCode::Binary
        };
        if roll.is_multiple_of(25) && payload.len() >= 3 && !is_text {
            // A fragmented message: three pieces.
            let third = payload.len() / 3;
            frame(rng, from, opcode, false, &payload[..third], out);
            frame(
                rng,
                from,
                OpCode::Continuation,
                false,
                &payload[third..2 * third],
                out,
            );
            frame(
                rng,
                from,
                OpCode::Continuation,
                true,
                &payload[2 * third..],
                out,
            );
            *frames += 3;
        } else {
            frame(rng, from, opcode, true, &payload, out);
            *frames += 1;
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: make_bench_capture OUT.pcapng [FRAMES]");
        std::process::exit(2);
    };
    let target_frames: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_100_000);
    let file = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
    let mut writer = Writer::new(file).unwrap();
    writer.mss = 1448;
    let mut rng = Rng(0x5EED_CAFE_F00D_BEEF);
    let mut tick: u64 = 0;
    let mut time = move || {
        tick += 7;
        Timestamp::new(1_700_000_000, tick * 1000)
    };

    // Eight connections to a server on port 8080 (a port tshark's HTTP dissector knows).
    let server: SocketAddr = "10.0.0.1:8080".parse().unwrap();
    let mut connections: Vec<ConnectionId> = Vec::new();
    for i in 0..8u16 {
        let client: SocketAddr = format!("10.0.1.{}:{}", i + 1, 40_000 + i).parse().unwrap();
        let id = writer.open_connection(client, server, time()).unwrap();
        // "the sample nonce" (RFC 6455 §1.3) with its first character varied: still 16 bytes.
        let key = format!("{}GhlIHNhbXBsZSBub25jZQ==", char::from(b'a' + i as u8));
        let request = format!(
            "GET /feed/{i} HTTP/1.1\r\nHost: 10.0.0.1:8080\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        let response = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {}\r\n\r\n",
            accept_key(&key)
        );
        writer
            .write_data(id, Side::Client, request.as_bytes(), time())
            .unwrap();
        writer
            .write_data(id, Side::Server, response.as_bytes(), time())
            .unwrap();
        connections.push(id);
    }

    let mut frames = 0u64;
    let mut bytes = Vec::with_capacity(1 << 20);
    let (mut reordered, mut retransmitted, mut segments) = (0u64, 0u64, 0u64);
    while frames < target_frames {
        let id = connections[rng.below(connections.len() as u64) as usize];
        let from = if rng.below(2) == 0 {
            Side::Client
        } else {
            Side::Server
        };
        bytes.clear();
        burst(&mut rng, from, &mut frames, &mut bytes);
        let conversation = writer.conversation(id).unwrap();
        let mut packets = conversation.send_segmented(from, &bytes, 1448);
        // Now and then two segments swap places, or one is sent twice.
        if packets.len() >= 2 && rng.below(40) == 0 {
            let at = rng.below(packets.len() as u64 - 1) as usize;
            packets.swap(at, at + 1);
            reordered += 1;
        }
        if rng.below(150) == 0 {
            let again = packets[rng.below(packets.len() as u64) as usize].clone();
            packets.push(again);
            retransmitted += 1;
        }
        segments += packets.len() as u64;
        for packet in &packets {
            writer.write_ip_packet(time(), packet).unwrap();
        }
        // The receiver acknowledges.
        let conversation = writer.conversation(id).unwrap();
        let seq = match from.peer() {
            Side::Client => conversation.client_next,
            Side::Server => conversation.server_next,
        };
        let ack = conversation.packet_at(from.peer(), seq, flags::ACK, &[]);
        writer.write_ip_packet(time(), &ack).unwrap();
    }
    for id in connections {
        writer.close_connection(id, time()).unwrap();
    }
    writer.flush().unwrap();
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    eprintln!(
        "{path}: {frames} frames, {segments} data segments ({reordered} bursts with two segments swapped, \
         {retransmitted} retransmissions), {:.1} MB",
        size as f64 / 1e6
    );
}
