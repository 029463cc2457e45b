//! Writing pcapng files: raw packets on any link type, or whole TCP conversations
//! synthesised as Ethernet/IPv4(or IPv6)/TCP with correct sequence numbers and checksums.
//!
//! The proxy records live traffic with it (it only sees the bytes each side sends, so the
//! TCP/IP around them is synthesised); tests and the benchmark make their captures with it.
//! Wireshark and tshark open the files like any other capture.

use std::io::{self, Write};
use std::net::SocketAddr;

use crate::model::Side;
use crate::synth::{self, TcpConversation};
use crate::time::Timestamp;

/// Segment size used when a conversation's data is cut into TCP segments (fits in one
/// IPv4 packet with room for headers).
pub const DEFAULT_MSS: usize = 32_768;

/// Identifies a conversation opened with [`Writer::open_connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionId(usize);

/// A pcapng writer (one section, any number of interfaces).
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    big_endian: bool,
    interfaces: Vec<u32>,
    ethernet_interface: Option<u32>,
    conversations: Vec<TcpConversation>,
    /// Segment size for [`Writer::write_data`].
    pub mss: usize,
}

impl<W: Write> Writer<W> {
    /// Starts a little-endian pcapng file (writes the Section Header Block).
    pub fn new(out: W) -> io::Result<Self> {
        Self::with_byte_order(out, false)
    }

    /// Starts a pcapng file in the given byte order.
    pub fn with_byte_order(out: W, big_endian: bool) -> io::Result<Self> {
        let mut writer = Writer {
            out,
            big_endian,
            interfaces: Vec::new(),
            ethernet_interface: None,
            conversations: Vec::new(),
            mss: DEFAULT_MSS,
        };
        let mut body = Vec::with_capacity(16);
        body.extend_from_slice(&writer.u32_bytes(0x1A2B_3C4D));
        body.extend_from_slice(&writer.u16_bytes(1)); // major version
        body.extend_from_slice(&writer.u16_bytes(0)); // minor version
        body.extend_from_slice(&writer.u64_bytes(u64::MAX)); // section length: unknown
        writer.block(0x0A0D_0D0A, &body)?;
        Ok(writer)
    }

    fn u16_bytes(&self, value: u16) -> [u8; 2] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    fn u32_bytes(&self, value: u32) -> [u8; 4] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    fn u64_bytes(&self, value: u64) -> [u8; 8] {
        if self.big_endian {
            value.to_be_bytes()
        } else {
            value.to_le_bytes()
        }
    }

    fn block(&mut self, block_type: u32, body: &[u8]) -> io::Result<()> {
        let padding = (4 - body.len() % 4) % 4;
        let total = (12 + body.len() + padding) as u32;
        let head = [self.u32_bytes(block_type), self.u32_bytes(total)];
        self.out.write_all(&head[0])?;
        self.out.write_all(&head[1])?;
        self.out.write_all(body)?;
        self.out.write_all(&[0u8; 3][..padding])?;
        let tail = self.u32_bytes(total);
        self.out.write_all(&tail)
    }

    /// Declares an interface of `linktype` with nanosecond timestamps; returns its id.
    pub fn add_interface(&mut self, linktype: u32) -> io::Result<u32> {
        let mut body = Vec::with_capacity(20);
        body.extend_from_slice(&self.u16_bytes(linktype as u16));
        body.extend_from_slice(&self.u16_bytes(0)); // reserved
        body.extend_from_slice(&self.u32_bytes(0)); // snaplen: no limit
        // if_tsresol (option 9): 10^-9 seconds.
        body.extend_from_slice(&self.u16_bytes(9));
        body.extend_from_slice(&self.u16_bytes(1));
        body.extend_from_slice(&[9, 0, 0, 0]);
        // opt_endofopt
        body.extend_from_slice(&[0, 0, 0, 0]);
        self.block(1, &body)?;
        self.interfaces.push(linktype);
        Ok(self.interfaces.len() as u32 - 1)
    }

    /// Writes one packet (Enhanced Packet Block) captured on `interface`.
    pub fn write_packet(&mut self, interface: u32, time: Timestamp, data: &[u8]) -> io::Result<()> {
        self.write_packet_truncated(interface, time, data, data.len() as u32)
    }

    /// Writes a packet whose wire length `original_len` exceeds the bytes captured.
    pub fn write_packet_truncated(
        &mut self,
        interface: u32,
        time: Timestamp,
        data: &[u8],
        original_len: u32,
    ) -> io::Result<()> {
        let units = (time.secs.max(0) as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(u64::from(time.nanos));
        let mut head = Vec::with_capacity(20);
        head.extend_from_slice(&self.u32_bytes(interface));
        head.extend_from_slice(&self.u32_bytes((units >> 32) as u32));
        head.extend_from_slice(&self.u32_bytes(units as u32));
        head.extend_from_slice(&self.u32_bytes(data.len() as u32));
        head.extend_from_slice(&self.u32_bytes(original_len));
        let padding = (4 - data.len() % 4) % 4;
        let total = (12 + head.len() + data.len() + padding) as u32;
        let type_bytes = self.u32_bytes(6);
        let total_bytes = self.u32_bytes(total);
        self.out.write_all(&type_bytes)?;
        self.out.write_all(&total_bytes)?;
        self.out.write_all(&head)?;
        self.out.write_all(data)?;
        self.out.write_all(&[0u8; 3][..padding])?;
        self.out.write_all(&total_bytes)
    }

    fn ethernet(&mut self) -> io::Result<u32> {
        if let Some(id) = self.ethernet_interface {
            return Ok(id);
        }
        let id = self.add_interface(synth::linktype::ETHERNET)?;
        self.ethernet_interface = Some(id);
        Ok(id)
    }

    /// Writes an IP packet wrapped in Ethernet on the writer's Ethernet interface.
    pub fn write_ip_packet(&mut self, time: Timestamp, ip_packet: &[u8]) -> io::Result<()> {
        let interface = self.ethernet()?;
        let frame = synth::ethernet(ip_packet, &[]);
        self.write_packet(interface, time, &frame)
    }

    /// Starts a synthesised TCP conversation: writes SYN, SYN-ACK and ACK.
    pub fn open_connection(
        &mut self,
        client: SocketAddr,
        server: SocketAddr,
        time: Timestamp,
    ) -> io::Result<ConnectionId> {
        // Fixed initial sequence numbers keep the output reproducible.
        let index = self.conversations.len() as u32;
        let mut conversation = TcpConversation::new(
            client,
            server,
            0x1000_0000u32.wrapping_mul(index + 1),
            0x8000_0000u32.wrapping_add(index),
        );
        for packet in conversation.open() {
            self.write_ip_packet(time, &packet)?;
        }
        self.conversations.push(conversation);
        Ok(ConnectionId(self.conversations.len() - 1))
    }

    /// Writes bytes sent by `from`, cut into segments of at most [`Writer::mss`] bytes.
    pub fn write_data(
        &mut self,
        connection: ConnectionId,
        from: Side,
        data: &[u8],
        time: Timestamp,
    ) -> io::Result<()> {
        let mss = self.mss.max(1);
        for chunk in data.chunks(mss) {
            let Some(conversation) = self.conversations.get_mut(connection.0) else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "unknown connection",
                ));
            };
            let packet = conversation.send(from, chunk);
            self.write_ip_packet(time, &packet)?;
        }
        Ok(())
    }

    /// Ends a conversation: FIN from the client, FIN from the server, last ACK.
    pub fn close_connection(
        &mut self,
        connection: ConnectionId,
        time: Timestamp,
    ) -> io::Result<()> {
        let Some(conversation) = self.conversations.get_mut(connection.0) else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "unknown connection",
            ));
        };
        let packets = [
            conversation.fin(Side::Client),
            conversation.fin(Side::Server),
            conversation.ack(Side::Client),
        ];
        for packet in packets {
            self.write_ip_packet(time, &packet)?;
        }
        Ok(())
    }

    /// The synthesised conversation behind `connection` (to build unusual segments).
    pub fn conversation(&mut self, connection: ConnectionId) -> Option<&mut TcpConversation> {
        self.conversations.get_mut(connection.0)
    }

    /// Flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
