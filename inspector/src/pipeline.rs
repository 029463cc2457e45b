//! The whole pipeline: a capture file in, [`Event`]s out, one packet at a time.
//!
//! ```text
//! capture file ─► CaptureReader ─► link layer ─► IPv4/IPv6 ─► TCP header
//!   ─► Tracker (one Connection per TCP 4-tuple: a Reassembler per direction)
//!   ─► ConnectionDecoder (handshake, then a DirectionDecoder per side) ─► events
//! ```
//!
//! [`CaptureDecoder`] is an iterator of events that reads the file lazily, so memory
//! stays flat whatever the file size, and it reports [`Progress`] for a progress bar or
//! a GUI worker thread.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::capture::{CaptureError, CaptureReader, Packet};
use crate::decoder::{ConnectionDecoder, Phase};
use crate::ip::{self, IpPacket};
use crate::link::{self, Network};
use crate::model::{ErrorEvent, Event, GapEvent, Side};
use crate::reassembly::{Reassembler, ReassemblyStats, StreamSink};
use crate::tcp::{self, TcpHeader};
use crate::time::PacketRef;
use crate::websocket::Options;

/// A small, fast hasher for the connection table (the "FxHash" multiply-rotate of
/// rustc). SipHash's resistance to chosen keys buys nothing here: a capture's addresses
/// are not an attack on the inspector's hash table, and a slow lookup per packet is
/// measurable.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u16(&mut self, value: u16) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// One TCP connection seen in the capture.
#[derive(Debug)]
struct Connection {
    id: u32,
    /// `[client, server]` as far as the tracker knows (the SYN's sender is the client).
    addrs: [SocketAddr; 2],
    reassembly: [Reassembler; 2],
    decoder: ConnectionDecoder,
    client_syn: Option<u32>,
    fin_done: [bool; 2],
    closed: bool,
    truncated_reported: bool,
}

/// A summary of one TCP connection, for `stats` and the GUI's connection list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConnectionSummary {
    /// Connection number.
    pub conn: u32,
    /// The side that opened the connection (or spoke first).
    pub client: SocketAddr,
    /// The other side.
    pub server: SocketAddr,
    /// It upgraded to WebSocket.
    pub websocket: bool,
    /// Reassembly counters, client → server.
    pub client_stream: ReassemblyStats,
    /// Reassembly counters, server → client.
    pub server_stream: ReassemblyStats,
}

/// Delivers one direction's reassembled bytes to its connection decoder.
struct Feed<'a> {
    conn: u32,
    decoder: &'a mut ConnectionDecoder,
    side: Side,
    src: SocketAddr,
    dst: SocketAddr,
    out: &'a mut Vec<Event>,
}

impl StreamSink for Feed<'_> {
    fn data(&mut self, bytes: &[u8], at: PacketRef) {
        self.decoder.feed(self.side, bytes, at, self.out);
    }

    fn gap(&mut self, offset: u64, missing: u64, at: PacketRef) {
        if self.decoder.phase() != Phase::Ignored {
            self.out.push(Event::Gap(GapEvent {
                conn: self.conn,
                packet: at.number,
                time: at.time,
                src: self.src,
                dst: self.dst,
                from: self.decoder.role_of(self.side),
                missing,
                stream_offset: offset,
            }));
        }
        self.decoder.gap(self.side, missing, at, self.out);
    }
}

fn packet_error(at: PacketRef, layer: &str, message: String) -> Event {
    Event::Error(ErrorEvent {
        conn: None,
        packet: Some(at.number),
        time: Some(at.time),
        src: None,
        dst: None,
        from: None,
        offset: None,
        layer: layer.to_string(),
        message,
    })
}

/// Follows every TCP connection of a capture, packet by packet.
#[derive(Debug)]
pub struct Tracker {
    options: Options,
    connections: Vec<Connection>,
    by_endpoints: HashMap<(SocketAddr, SocketAddr), usize, BuildHasherDefault<FastHasher>>,
    /// The connection of the previous packet: most packets follow one of their own.
    last_hit: Option<((SocketAddr, SocketAddr), usize)>,
    unsupported_linktypes: Vec<u32>,
    last: PacketRef,
}

impl Tracker {
    /// A tracker with these decoding options.
    pub fn new(options: Options) -> Self {
        Tracker {
            options,
            connections: Vec::new(),
            by_endpoints: HashMap::default(),
            last_hit: None,
            unsupported_linktypes: Vec::new(),
            last: PacketRef::default(),
        }
    }

    /// Decodes one captured packet.
    pub fn packet(&mut self, packet: &Packet<'_>, out: &mut Vec<Event>) {
        let at = PacketRef {
            number: packet.number,
            time: packet.time,
        };
        self.last = at;
        let network = match link::network_layer(packet.linktype, packet.data) {
            Ok(network) => network,
            Err(link::LinkError::UnsupportedLinkType(linktype)) => {
                if !self.unsupported_linktypes.contains(&linktype) {
                    self.unsupported_linktypes.push(linktype);
                    out.push(packet_error(
                        at,
                        "link",
                        format!("link type {linktype} is not supported: its packets are skipped"),
                    ));
                }
                return;
            }
            Err(error) => {
                out.push(packet_error(at, "link", error.to_string()));
                return;
            }
        };
        let parsed = match network {
            Network::Ipv4(bytes) => ip::parse_ipv4(bytes),
            Network::Ipv6(bytes) => ip::parse_ipv6(bytes),
            Network::Other(_) => return,
        };
        let ip = match parsed {
            Ok(ip) => ip,
            Err(error) => {
                out.push(packet_error(at, "ip", error.to_string()));
                return;
            }
        };
        if ip.protocol != 6 {
            return;
        }
        if let Some(fragment) = ip.fragment {
            // Reported, not reassembled: see the ip module.
            out.push(packet_error(
                at,
                "ip",
                format!(
                    "IP fragment (id {}, offset {}, {}) of a TCP segment {} -> {}: fragments are not reassembled",
                    fragment.id,
                    fragment.offset,
                    if fragment.more { "more follow" } else { "last" },
                    ip.src,
                    ip.dst
                ),
            ));
            return;
        }
        let (header, payload) = match tcp::parse_tcp(ip.payload) {
            Ok(parsed) => parsed,
            Err(error) => {
                out.push(packet_error(at, "tcp", error.to_string()));
                return;
            }
        };
        self.segment(&ip, &header, payload, at, out);
    }

    fn open(&mut self, client: SocketAddr, server: SocketAddr, syn: Option<u32>) -> usize {
        let id = self.connections.len() as u32;
        self.connections.push(Connection {
            id,
            addrs: [client, server],
            reassembly: [Reassembler::default(), Reassembler::default()],
            decoder: ConnectionDecoder::new(id, client, server, self.options),
            client_syn: syn,
            fin_done: [false, false],
            closed: false,
            truncated_reported: false,
        });
        let key = if client <= server {
            (client, server)
        } else {
            (server, client)
        };
        self.by_endpoints.insert(key, id as usize);
        id as usize
    }

    fn segment(
        &mut self,
        ip: &IpPacket<'_>,
        header: &TcpHeader,
        payload: &[u8],
        at: PacketRef,
        out: &mut Vec<Event>,
    ) {
        let src = SocketAddr::new(ip.src, header.src_port);
        let dst = SocketAddr::new(ip.dst, header.dst_port);
        let key = if src <= dst { (src, dst) } else { (dst, src) };
        let opening_syn = header.syn() && !header.has_ack();
        let known = match self.last_hit {
            Some((last_key, index)) if last_key == key => Some(index),
            _ => self.by_endpoints.get(&key).copied(),
        };
        let index = match known {
            None => {
                let (client, server) = if header.syn() && header.has_ack() {
                    (dst, src)
                } else {
                    (src, dst)
                };
                self.open(client, server, opening_syn.then_some(header.seq))
            }
            Some(index) => {
                let connection = &self.connections[index];
                let reused = opening_syn
                    && (connection.closed
                        || connection.client_syn.is_some_and(|seq| seq != header.seq));
                if reused {
                    // The same ports again: a new connection. Flush the old one.
                    self.close(index, at, out);
                    self.open(src, dst, Some(header.seq))
                } else {
                    index
                }
            }
        };
        self.last_hit = Some((key, index));
        let connection = &mut self.connections[index];
        if opening_syn && connection.client_syn.is_none() {
            connection.client_syn = Some(header.seq);
        }
        if connection.decoder.phase() == Phase::Ignored {
            if header.rst() {
                connection.closed = true;
            }
            return;
        }
        let side = if src == connection.addrs[0] {
            Side::Client
        } else {
            Side::Server
        };
        let other = side.peer();
        if ip.truncated && !connection.truncated_reported {
            connection.truncated_reported = true;
            out.push(packet_error(
                at,
                "tcp",
                format!(
                    "packet cut short by the capture's snap length: connection {} will have gaps",
                    connection.id
                ),
            ));
        }
        let conn = connection.id;
        let Connection {
            reassembly,
            decoder,
            ..
        } = connection;
        let (mine, theirs) = match side {
            Side::Client => {
                let (a, b) = reassembly.split_at_mut(1);
                (&mut a[0], &mut b[0])
            }
            Side::Server => {
                let (a, b) = reassembly.split_at_mut(1);
                (&mut b[0], &mut a[0])
            }
        };
        if header.has_ack() {
            // The other side's bytes that this segment acknowledges were received: a
            // hole before them is a gap in the capture.
            let mut feed = Feed {
                conn,
                decoder,
                side: other,
                src: dst,
                dst: src,
                out,
            };
            theirs.acknowledged(header.ack, at, &mut feed);
        }
        let mut feed = Feed {
            conn,
            decoder,
            side,
            src,
            dst,
            out,
        };
        mine.segment(
            header.seq,
            header.syn(),
            header.fin(),
            payload,
            at,
            &mut feed,
        );
        let side_done =
            mine.fin_offset.is_some_and(|fin| fin == mine.offset()) && mine.waiting_bytes() == 0;
        if side_done && !connection.fin_done[side.index()] {
            connection.fin_done[side.index()] = true;
            connection.decoder.finish_side(side, at, out);
        }
        if header.rst() || connection.fin_done == [true, true] {
            self.close(index, at, out);
        }
    }

    /// Flushes a connection: waiting segments behind gaps, unfinished frames.
    fn close(&mut self, index: usize, at: PacketRef, out: &mut Vec<Event>) {
        let connection = &mut self.connections[index];
        if connection.closed {
            return;
        }
        connection.closed = true;
        if connection.decoder.phase() != Phase::Ignored {
            for side in [Side::Client, Side::Server] {
                let (src, dst) = match side {
                    Side::Client => (connection.addrs[0], connection.addrs[1]),
                    Side::Server => (connection.addrs[1], connection.addrs[0]),
                };
                let mut feed = Feed {
                    conn: connection.id,
                    decoder: &mut connection.decoder,
                    side,
                    src,
                    dst,
                    out,
                };
                connection.reassembly[side.index()].finish(at, &mut feed);
            }
            connection.decoder.finish(at, out);
        }
        // Free the buffers; keep the counters.
        for reassembler in &mut connection.reassembly {
            let stats = reassembler.stats;
            *reassembler = Reassembler::new(0);
            reassembler.stats = stats;
        }
    }

    /// The capture ended: flushes every connection.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        let at = self.last;
        for index in 0..self.connections.len() {
            self.close(index, at, out);
        }
    }

    /// One summary per TCP connection seen.
    pub fn summaries(&self) -> Vec<ConnectionSummary> {
        self.connections
            .iter()
            .map(|c| ConnectionSummary {
                conn: c.id,
                client: c.addrs[0],
                server: c.addrs[1],
                websocket: c.decoder.was_websocket(),
                client_stream: c.reassembly[0].stats,
                server_stream: c.reassembly[1].stats,
            })
            .collect()
    }
}

/// How far the decoder has read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Bytes of the file consumed.
    pub bytes_read: u64,
    /// The file size, when known.
    pub total_bytes: Option<u64>,
    /// Packets decoded.
    pub packets: u64,
}

impl Progress {
    /// Fraction done, `0.0..=1.0`, when the size is known.
    pub fn fraction(&self) -> Option<f64> {
        self.total_bytes
            .filter(|&total| total > 0)
            .map(|total| (self.bytes_read as f64 / total as f64).min(1.0))
    }
}

/// Why a capture could not be opened at all.
#[derive(Debug)]
pub enum OpenError {
    /// The file could not be opened.
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The file is not a capture (or its header is damaged).
    Capture {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        error: CaptureError,
    },
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            OpenError::Capture { path, error } => write!(f, "{}: {error}", path.display()),
        }
    }
}

impl std::error::Error for OpenError {}

/// Decodes a capture into events, lazily: an iterator that reads the file as it goes.
#[derive(Debug)]
pub struct CaptureDecoder<R> {
    reader: CaptureReader<R>,
    tracker: Tracker,
    /// Events ready to hand out.
    ready: VecDeque<Event>,
    /// Where the tracker puts a packet's events (kept, so its capacity is reused).
    scratch: Vec<Event>,
    finished: bool,
    error: Option<CaptureError>,
    frames: u64,
}

impl CaptureDecoder<File> {
    /// Opens a capture file (pcap or pcapng, found by content).
    pub fn open(path: &Path, options: Options) -> Result<Self, OpenError> {
        let file = File::open(path).map_err(|error| OpenError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        let total = file.metadata().ok().map(|m| m.len());
        CaptureDecoder::new(file, total, options).map_err(|error| OpenError::Capture {
            path: path.to_path_buf(),
            error,
        })
    }
}

impl<R: Read> CaptureDecoder<R> {
    /// Decodes a capture from any reader. `total_len` is only used for progress.
    pub fn new(source: R, total_len: Option<u64>, options: Options) -> Result<Self, CaptureError> {
        Ok(CaptureDecoder {
            reader: CaptureReader::new(source, total_len)?,
            tracker: Tracker::new(options),
            ready: VecDeque::new(),
            scratch: Vec::new(),
            finished: false,
            error: None,
            frames: 0,
        })
    }

    /// How far the decode has got.
    pub fn progress(&self) -> Progress {
        Progress {
            bytes_read: self.reader.bytes_read(),
            total_bytes: self.reader.total_len(),
            packets: self.reader.packets_read(),
        }
    }

    /// The damage that stopped the reading, if any (also emitted as an error event).
    pub fn capture_error(&self) -> Option<&CaptureError> {
        self.error.as_ref()
    }

    /// The capture's format.
    pub fn format(&self) -> crate::capture::Format {
        self.reader.format()
    }

    /// One summary per TCP connection (complete once the iterator is exhausted).
    pub fn connections(&self) -> Vec<ConnectionSummary> {
        self.tracker.summaries()
    }

    /// The events of the next packet (often none), in place: a faster way through a big
    /// capture than the iterator, which moves every event out. The caller may take the
    /// events' buffers (e.g. [`crate::pool::recycle_event`]); they are dropped on the
    /// next call. `None` once the capture is done.
    pub fn next_events(&mut self) -> Option<&mut Vec<Event>> {
        self.scratch.clear();
        if !self.ready.is_empty() {
            // Left over from the iterator: hand them out first.
            self.scratch.extend(self.ready.drain(..));
            return Some(&mut self.scratch);
        }
        if self.finished {
            return None;
        }
        self.read_packet();
        Some(&mut self.scratch)
    }

    /// Reads one packet (or the end) and queues its events.
    fn step(&mut self) {
        self.read_packet();
        self.ready.extend(self.scratch.drain(..));
    }

    /// Reads one packet (or the end); its events land in `scratch`.
    fn read_packet(&mut self) {
        match self.reader.next_packet() {
            Ok(Some(packet)) => self.tracker.packet(&packet, &mut self.scratch),
            Ok(None) => {
                self.tracker.finish(&mut self.scratch);
                self.finished = true;
            }
            Err(error) => {
                self.scratch.push(Event::Error(ErrorEvent {
                    conn: None,
                    packet: None,
                    time: None,
                    src: None,
                    dst: None,
                    from: None,
                    offset: Some(error.offset),
                    layer: "capture".to_string(),
                    message: error.to_string(),
                }));
                self.error = Some(error);
                self.tracker.finish(&mut self.scratch);
                self.finished = true;
            }
        }
        for event in &mut self.scratch {
            if let Event::Frame(frame) = event {
                frame.index = self.frames;
                self.frames += 1;
            }
        }
    }
}

impl<R: Read> Iterator for CaptureDecoder<R> {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            if self.finished {
                return None;
            }
            self.step();
        }
    }
}
