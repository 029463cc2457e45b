//! Per-connection counts (`ws-inspector stats`), gathered from the event stream.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::model::{Event, Side};
use crate::pipeline::ConnectionSummary;
use crate::reassembly::ReassemblyStats;

/// What one side of a connection sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideStats {
    /// Frames.
    pub frames: u64,
    /// Frames per opcode name (`TEXT`, `PING`, …).
    pub opcodes: BTreeMap<String, u64>,
    /// Data messages.
    pub messages: u64,
    /// Payload bytes as on the wire (before inflation).
    pub payload_bytes: u64,
    /// Frames with RSV1 in a compressed message.
    pub compressed_frames: u64,
    /// Violations on frames and messages.
    pub violations: u64,
    /// Gaps in this direction.
    pub gaps: u64,
    /// Bytes lost in them.
    pub gap_bytes: u64,
    /// TCP reassembly counters.
    pub tcp: ReassemblyStats,
}

/// One WebSocket connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionStats {
    /// Connection number.
    pub conn: u32,
    /// The client.
    pub client: SocketAddr,
    /// The server.
    pub server: SocketAddr,
    /// Request target.
    pub target: String,
    /// Response status, if captured.
    pub status: Option<u16>,
    /// Switched to WebSocket.
    pub upgraded: bool,
    /// Chosen subprotocol.
    pub protocol: Option<String>,
    /// permessage-deflate negotiated.
    pub deflate: bool,
    /// Handshake violations.
    pub handshake_violations: u64,
    /// Client → server.
    pub from_client: SideStats,
    /// Server → client.
    pub from_server: SideStats,
    /// Error events for this connection.
    pub errors: u64,
}

/// Collects [`ConnectionStats`] from events.
#[derive(Debug, Default)]
pub struct StatsCollector {
    connections: BTreeMap<u32, ConnectionStats>,
    /// Error events not tied to a connection.
    pub other_errors: u64,
}

impl StatsCollector {
    /// Counts one event.
    pub fn observe(&mut self, event: &Event) {
        match event {
            Event::Handshake(h) => {
                self.connections.insert(
                    h.conn,
                    ConnectionStats {
                        conn: h.conn,
                        client: h.src,
                        server: h.dst,
                        target: h.target.clone(),
                        status: h.status,
                        upgraded: h.upgraded,
                        protocol: h.protocol.clone(),
                        deflate: h.deflate.is_some(),
                        handshake_violations: h.violations.len() as u64,
                        from_client: SideStats::default(),
                        from_server: SideStats::default(),
                        errors: 0,
                    },
                );
            }
            Event::Frame(f) => {
                if let Some(side) = self.side(f.conn, f.from) {
                    side.frames += 1;
                    match side.opcodes.get_mut(&*f.opcode_name) {
                        Some(count) => *count += 1,
                        None => {
                            side.opcodes.insert(f.opcode_name.to_string(), 1);
                        }
                    }
                    side.payload_bytes += f.payload_len;
                    side.compressed_frames += u64::from(f.compressed);
                    side.violations += f.violations.len() as u64;
                }
            }
            Event::Message(m) => {
                if let Some(side) = self.side(m.conn, m.from) {
                    side.messages += 1;
                    side.violations += m.violations.len() as u64;
                }
            }
            Event::Gap(g) => {
                let from = g.from.unwrap_or(Side::Client);
                if let Some(side) = self.side(g.conn, from) {
                    side.gaps += 1;
                    side.gap_bytes += g.missing;
                }
            }
            Event::Error(e) => match e.conn.and_then(|conn| self.connections.get_mut(&conn)) {
                Some(connection) => connection.errors += 1,
                None => self.other_errors += 1,
            },
        }
    }

    fn side(&mut self, conn: u32, from: Side) -> Option<&mut SideStats> {
        self.connections.get_mut(&conn).map(|c| match from {
            Side::Client => &mut c.from_client,
            Side::Server => &mut c.from_server,
        })
    }

    /// Adds the TCP counters once the capture is decoded, and returns the connections.
    pub fn finish(mut self, summaries: &[ConnectionSummary]) -> (Vec<ConnectionStats>, usize) {
        for summary in summaries {
            if let Some(c) = self.connections.get_mut(&summary.conn) {
                let (client_stream, server_stream) = if c.client == summary.client {
                    (summary.client_stream, summary.server_stream)
                } else {
                    (summary.server_stream, summary.client_stream)
                };
                c.from_client.tcp = client_stream;
                c.from_server.tcp = server_stream;
            }
        }
        let others = summaries
            .iter()
            .filter(|s| !self.connections.contains_key(&s.conn))
            .count();
        (self.connections.into_values().collect(), others)
    }
}

fn side_line(name: &str, side: &SideStats) -> String {
    let mut line = format!(
        "    {name}: {} frames, {} messages, {} payload bytes",
        side.frames, side.messages, side.payload_bytes
    );
    if !side.opcodes.is_empty() {
        let list: Vec<String> = side
            .opcodes
            .iter()
            .map(|(op, n)| format!("{op} {n}"))
            .collect();
        let _ = write!(line, " ({})", list.join(", "));
    }
    if side.compressed_frames > 0 {
        let _ = write!(line, ", {} compressed", side.compressed_frames);
    }
    if side.violations > 0 {
        let _ = write!(line, ", {} violations", side.violations);
    }
    if side.gaps > 0 {
        let _ = write!(line, ", {} gaps ({} bytes)", side.gaps, side.gap_bytes);
    }
    let tcp = side.tcp;
    if tcp.retransmissions + tcp.out_of_order + tcp.overlaps > 0 {
        let _ = write!(
            line,
            "; TCP: {} retransmitted, {} out of order, {} overlapping segments",
            tcp.retransmissions, tcp.out_of_order, tcp.overlaps
        );
    }
    line
}

/// The human form of one connection's stats.
pub fn human(stats: &ConnectionStats) -> String {
    let mut text = format!(
        "conn {}  {} → {}  GET {}  {}",
        stats.conn,
        stats.client,
        stats.server,
        stats.target,
        match stats.status {
            Some(status) => status.to_string(),
            None => "no response".to_string(),
        }
    );
    if let Some(protocol) = &stats.protocol {
        let _ = write!(text, "  protocol {protocol}");
    }
    if stats.deflate {
        text.push_str("  permessage-deflate");
    }
    if stats.handshake_violations > 0 {
        let _ = write!(
            text,
            "  {} handshake violations",
            stats.handshake_violations
        );
    }
    if stats.errors > 0 {
        let _ = write!(text, "  {} errors", stats.errors);
    }
    text.push('\n');
    text.push_str(&side_line("client", &stats.from_client));
    text.push('\n');
    text.push_str(&side_line("server", &stats.from_server));
    text
}
