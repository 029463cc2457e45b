//! Capture files: legacy pcap and pcapng, read as a stream of packets.
//!
//! The format is found by content (the first four bytes), never by the file name:
//! - pcap: magic `a1b2c3d4` (microseconds) or `a1b23c4d` (nanoseconds), written in the
//!   byte order of the machine that made the file — so both orders occur — plus the rare
//!   "modified" variant `a1b2cd34` with a 24-byte record header;
//! - pcapng: a Section Header Block (`0a0d0d0a`) whose byte-order magic says how the
//!   section is written; a section declares interfaces (each with its own link type and
//!   timestamp resolution) and packets name the interface they came from.
//!
//! The reader keeps one buffer and never holds more than one block, so a 10 GB capture
//! needs as little memory as a 10 KB one. Block framing (lengths, truncation, absurd
//! sizes) is checked here, so a damaged file yields an error with its byte offset; the
//! blocks' contents are parsed with the `pcap-parser` crate.

use std::fmt;
use std::io::Read;

use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapNGPacketBlock;

use crate::time::Timestamp;

/// The largest packet record we believe. Wireshark's limit for most link types is
/// 262144; a bigger length field in a record header means the file is damaged.
pub const MAX_PACKET_LEN: u32 = 262_144;
/// The largest pcapng block we believe (a packet plus generous options).
pub const MAX_BLOCK_LEN: u32 = 16 * 1024 * 1024;

const PCAPNG_SHB: u32 = 0x0A0D_0D0A;
const PCAPNG_OBSOLETE_PACKET: u32 = 0x0000_0002;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

/// What went wrong while reading a capture, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureError {
    /// Byte offset in the file of the block (or header) that could not be read.
    pub offset: u64,
    /// What is wrong there.
    pub kind: CaptureErrorKind,
}

/// The kinds of damage a capture file can have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureErrorKind {
    /// The first bytes are neither a pcap nor a pcapng magic number.
    NotACapture {
        /// The first four bytes, as found.
        magic: [u8; 4],
    },
    /// The file ends inside a header or block.
    Truncated {
        /// Bytes the block needs.
        needed: u64,
        /// Bytes the file still has.
        available: u64,
    },
    /// A header or block is malformed (bad length, unknown interface, parse failure).
    Corrupt(String),
    /// Reading the file failed.
    Io(String),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte offset {}: ", self.offset)?;
        match &self.kind {
            CaptureErrorKind::NotACapture { magic } => write!(
                f,
                "not a pcap or pcapng file (starts with {})",
                hex::encode(magic)
            ),
            CaptureErrorKind::Truncated { needed, available } => write!(
                f,
                "file is truncated: the block needs {needed} bytes, only {available} remain"
            ),
            CaptureErrorKind::Corrupt(message) => write!(f, "corrupt capture: {message}"),
            CaptureErrorKind::Io(message) => write!(f, "read error: {message}"),
        }
    }
}

impl std::error::Error for CaptureError {}

/// Which container the file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Legacy libpcap format.
    Pcap {
        /// Written big-endian.
        big_endian: bool,
        /// Timestamps in nanoseconds (else microseconds).
        nanosecond: bool,
    },
    /// pcapng (byte order may change per section).
    PcapNg,
}

/// One captured packet, borrowed from the reader's buffer until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// 1-based packet number, counted like Wireshark's `frame.number`.
    pub number: u64,
    /// Capture time.
    pub time: Timestamp,
    /// The link-layer header type (LINKTYPE_* value, see tcpdump.org/linktypes.html).
    pub linktype: u32,
    /// pcapng interface id (0 for legacy pcap).
    pub interface: u32,
    /// The captured bytes, starting at the link-layer header.
    pub data: &'a [u8],
    /// The packet's length on the wire (may exceed `data.len()` with a snap length).
    pub original_len: u32,
    /// Byte offset of the packet's record or block in the file.
    pub file_offset: u64,
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    linktype: u32,
    /// Timestamp units per second.
    resolution: u64,
    offset_secs: i64,
    snaplen: u32,
}

#[derive(Debug)]
enum Layout {
    Pcap {
        big_endian: bool,
        nanosecond: bool,
        modified: bool,
        linktype: u32,
        max_len: u32,
    },
    PcapNg {
        big_endian: bool,
        interfaces: Vec<Interface>,
    },
}

/// Streams packets out of a pcap or pcapng source.
#[derive(Debug)]
pub struct CaptureReader<R> {
    source: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    source_done: bool,
    /// File offset of `buf[start]`.
    position: u64,
    total_len: Option<u64>,
    layout: Layout,
    packets: u64,
    failed: bool,
}

const READ_CHUNK: usize = 1 << 20;

impl<R: Read> CaptureReader<R> {
    /// Reads the file header and detects the format. `total_len` (the file size, if known)
    /// is only used for progress.
    pub fn new(source: R, total_len: Option<u64>) -> Result<Self, CaptureError> {
        let mut reader = CaptureReader {
            source,
            buf: vec![0; READ_CHUNK],
            start: 0,
            end: 0,
            source_done: false,
            position: 0,
            total_len,
            layout: Layout::PcapNg {
                big_endian: false,
                interfaces: Vec::new(),
            },
            packets: 0,
            failed: false,
        };
        reader.read_file_header()?;
        Ok(reader)
    }

    /// The container format.
    pub fn format(&self) -> Format {
        match self.layout {
            Layout::Pcap {
                big_endian,
                nanosecond,
                ..
            } => Format::Pcap {
                big_endian,
                nanosecond,
            },
            Layout::PcapNg { .. } => Format::PcapNg,
        }
    }

    /// Bytes of the file consumed so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.position
    }

    /// The file size given at construction, if any.
    pub fn total_len(&self) -> Option<u64> {
        self.total_len
    }

    /// Packets returned so far.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    fn available(&self) -> usize {
        self.end - self.start
    }

    /// Makes sure `n` bytes are buffered from `start`. `Ok(false)` if the file ends first.
    fn fill(&mut self, n: usize) -> Result<bool, CaptureError> {
        while self.available() < n {
            if self.source_done {
                return Ok(false);
            }
            if self.start > 0
                && (self.buf.len() - self.end < READ_CHUNK / 4 || n > self.buf.len() - self.start)
            {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if self.buf.len() < n {
                self.buf.resize(n.max(READ_CHUNK), 0);
            }
            if self.end == self.buf.len() {
                let grown = self.buf.len() + READ_CHUNK;
                self.buf.resize(grown, 0);
            }
            match self.source.read(&mut self.buf[self.end..]) {
                Ok(0) => self.source_done = true,
                Ok(read) => self.end += read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(CaptureError {
                        offset: self.position + self.available() as u64,
                        kind: CaptureErrorKind::Io(e.to_string()),
                    });
                }
            }
        }
        Ok(true)
    }

    fn error(&mut self, kind: CaptureErrorKind) -> CaptureError {
        self.failed = true;
        CaptureError {
            offset: self.position,
            kind,
        }
    }

    fn truncated(&mut self, needed: usize) -> CaptureError {
        let available = self.available() as u64;
        self.error(CaptureErrorKind::Truncated {
            needed: needed as u64,
            available,
        })
    }

    fn advance(&mut self, n: usize) {
        self.start += n;
        self.position += n as u64;
    }

    fn read_file_header(&mut self) -> Result<(), CaptureError> {
        self.fill(4)?;
        let mut magic = [0u8; 4];
        let have = self.available().min(4);
        magic[..have].copy_from_slice(&self.buf[self.start..self.start + have]);
        let magic_le = u32::from_le_bytes(magic);
        match magic_le {
            PCAPNG_SHB => {
                // The section header is read as the first block of the stream.
                self.layout = Layout::PcapNg {
                    big_endian: false,
                    interfaces: Vec::new(),
                };
                Ok(())
            }
            0xa1b2_c3d4 | 0xa1b2_3c4d | 0xa1b2_cd34 | 0xd4c3_b2a1 | 0x4d3c_b2a1 => {
                if !self.fill(24)? {
                    return Err(self.truncated(24));
                }
                let header_bytes = &self.buf[self.start..self.start + 24];
                let header = match pcap_parser::parse_pcap_header(header_bytes) {
                    Ok((_, header)) => header,
                    Err(e) => {
                        return Err(
                            self.error(CaptureErrorKind::Corrupt(format!("pcap file header: {e}")))
                        );
                    }
                };
                let snaplen = header.snaplen;
                self.layout = Layout::Pcap {
                    big_endian: header.is_bigendian(),
                    nanosecond: header.is_nanosecond_precision(),
                    modified: header.is_modified_format(),
                    // The upper bits of the field carry FCS information (pcap-linktype(7)).
                    linktype: (header.network.0 as u32) & 0xFFFF,
                    max_len: if snaplen > MAX_PACKET_LEN {
                        snaplen.min(MAX_BLOCK_LEN)
                    } else {
                        MAX_PACKET_LEN
                    },
                };
                self.advance(24);
                Ok(())
            }
            _ => Err(self.error(CaptureErrorKind::NotACapture { magic })),
        }
    }

    /// The next packet, `Ok(None)` at the end of the file. After an error the reader is
    /// done: later calls return `Ok(None)` (the caller reports the error once).
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        if self.failed {
            return Ok(None);
        }
        let found = match self.layout {
            Layout::Pcap { .. } => self.next_pcap_record()?,
            Layout::PcapNg { .. } => self.next_pcapng_packet()?,
        };
        let Some(found) = found else {
            return Ok(None);
        };
        self.packets += 1;
        Ok(Some(Packet {
            number: self.packets,
            time: found.time,
            linktype: found.linktype,
            interface: found.interface,
            data: &self.buf[found.data_start..found.data_start + found.data_len],
            original_len: found.original_len,
            file_offset: found.file_offset,
        }))
    }

    fn next_pcap_record(&mut self) -> Result<Option<Found>, CaptureError> {
        let Layout::Pcap {
            big_endian,
            nanosecond,
            modified,
            linktype,
            max_len,
        } = self.layout
        else {
            return Ok(None);
        };
        let header_len = if modified { 24 } else { 16 };
        if !self.fill(header_len)? {
            if self.available() == 0 {
                return Ok(None);
            }
            return Err(self.truncated(header_len));
        }
        let field = |buf: &[u8], at: usize| {
            let bytes = [buf[at], buf[at + 1], buf[at + 2], buf[at + 3]];
            if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        let caplen = field(&self.buf, self.start + 8);
        if caplen > max_len {
            return Err(self.error(CaptureErrorKind::Corrupt(format!(
                "packet record claims {caplen} captured bytes, more than the maximum {max_len}"
            ))));
        }
        let record_len = header_len + caplen as usize;
        if !self.fill(record_len)? {
            return Err(self.truncated(record_len));
        }
        let record = &self.buf[self.start..self.start + record_len];
        let parsed = if modified {
            pcap_parser::parse_pcap_frame_modified(record)
        } else if big_endian {
            pcap_parser::parse_pcap_frame_be(record)
        } else {
            pcap_parser::parse_pcap_frame(record)
        };
        let block = match parsed {
            Ok((_, block)) => block,
            Err(e) => {
                return Err(self.error(CaptureErrorKind::Corrupt(format!("packet record: {e}"))));
            }
        };
        let fraction = u64::from(block.ts_usec);
        let nanos = if nanosecond {
            fraction
        } else {
            fraction * 1000
        };
        let found = Found {
            time: Timestamp::new(i64::from(block.ts_sec), nanos),
            linktype,
            interface: 0,
            data_start: self.start + header_len,
            data_len: caplen as usize,
            original_len: block.origlen,
            file_offset: self.position,
        };
        self.advance(record_len);
        Ok(Some(found))
    }

    fn next_pcapng_packet(&mut self) -> Result<Option<Found>, CaptureError> {
        loop {
            if !self.fill(12)? {
                if self.available() == 0 {
                    return Ok(None);
                }
                return Err(self.truncated(12));
            }
            let at = self.start;
            let raw_type = u32::from_le_bytes([
                self.buf[at],
                self.buf[at + 1],
                self.buf[at + 2],
                self.buf[at + 3],
            ]);
            let big_endian = if raw_type == PCAPNG_SHB {
                // A new section says its own byte order.
                let bom = [
                    self.buf[at + 8],
                    self.buf[at + 9],
                    self.buf[at + 10],
                    self.buf[at + 11],
                ];
                if u32::from_le_bytes(bom) == BYTE_ORDER_MAGIC {
                    false
                } else if u32::from_be_bytes(bom) == BYTE_ORDER_MAGIC {
                    true
                } else {
                    return Err(self.error(CaptureErrorKind::Corrupt(format!(
                        "section header has no byte-order magic (found {})",
                        hex::encode(bom)
                    ))));
                }
            } else {
                match &self.layout {
                    Layout::PcapNg { big_endian, .. } => *big_endian,
                    Layout::Pcap { .. } => false,
                }
            };
            let word = |buf: &[u8], offset: usize| {
                let bytes = [
                    buf[offset],
                    buf[offset + 1],
                    buf[offset + 2],
                    buf[offset + 3],
                ];
                if big_endian {
                    u32::from_be_bytes(bytes)
                } else {
                    u32::from_le_bytes(bytes)
                }
            };
            let block_type = word(&self.buf, at);
            let block_len = word(&self.buf, at + 4);
            if block_len < 12 || block_len % 4 != 0 || block_len > MAX_BLOCK_LEN {
                return Err(self.error(CaptureErrorKind::Corrupt(format!(
                    "block of type 0x{block_type:08x} has an impossible length {block_len}"
                ))));
            }
            let block_len = block_len as usize;
            if !self.fill(block_len)? {
                return Err(self.truncated(block_len));
            }
            if word(&self.buf, self.start + block_len - 4) as usize != block_len {
                return Err(self.error(CaptureErrorKind::Corrupt(format!(
                    "block of type 0x{block_type:08x}: its trailing length does not match {block_len}"
                ))));
            }
            let found = self.pcapng_block(block_type, block_len, big_endian)?;
            self.advance(block_len);
            if let Some(found) = found {
                return Ok(Some(found));
            }
        }
    }

    fn pcapng_block(
        &mut self,
        block_type: u32,
        block_len: usize,
        big_endian: bool,
    ) -> Result<Option<Found>, CaptureError> {
        let block_start = self.start;
        let bytes = &self.buf[block_start..block_start + block_len];
        if block_type == PCAPNG_OBSOLETE_PACKET {
            // pcap-parser has no parser for this long-deprecated block; its layout is
            // EPB's with a 16-bit interface id and a 16-bit drop counter.
            return self.obsolete_packet_block(block_len, big_endian).map(Some);
        }
        let parsed = if big_endian {
            pcap_parser::pcapng::parse_block_be(bytes)
        } else {
            pcap_parser::pcapng::parse_block_le(bytes)
        };
        let block = match parsed {
            Ok((_, block)) => block,
            Err(e) => {
                return Err(self.error(CaptureErrorKind::Corrupt(format!(
                    "block of type 0x{block_type:08x}: {e}"
                ))));
            }
        };
        let position = self.position;
        match block {
            Block::SectionHeader(_) => {
                self.layout = Layout::PcapNg {
                    big_endian,
                    interfaces: Vec::new(),
                };
                Ok(None)
            }
            Block::InterfaceDescription(idb) => {
                let resolution = idb.ts_resolution().unwrap_or(1_000_000).max(1);
                let interface = Interface {
                    linktype: (idb.linktype.0 as u32) & 0xFFFF,
                    resolution,
                    offset_secs: idb.ts_offset(),
                    snaplen: idb.snaplen,
                };
                if let Layout::PcapNg { interfaces, .. } = &mut self.layout {
                    interfaces.push(interface);
                }
                Ok(None)
            }
            Block::EnhancedPacket(epb) => {
                let interface_id = epb.if_id;
                let caplen = epb.caplen as usize;
                let original_len = epb.origlen;
                let timestamp = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                let data_len = epb.packet_data().len();
                if caplen > data_len {
                    return Err(self.error(CaptureErrorKind::Corrupt(format!(
                        "enhanced packet block claims {caplen} captured bytes but holds {data_len}"
                    ))));
                }
                let Some(interface) = self.interface(interface_id) else {
                    return Err(self.error(CaptureErrorKind::Corrupt(format!(
                        "packet names interface {interface_id}, which the section did not declare"
                    ))));
                };
                let res = u128::from(interface.resolution);
                let units = u128::from(timestamp);
                let secs = (units / res) as i64;
                let nanos = ((units % res) * 1_000_000_000 / res) as u64;
                Ok(Some(Found {
                    time: Timestamp::new(secs.saturating_add(interface.offset_secs), nanos),
                    linktype: interface.linktype,
                    interface: interface_id,
                    data_start: block_start + 28,
                    data_len: caplen,
                    original_len,
                    file_offset: position,
                }))
            }
            Block::SimplePacket(spb) => {
                let original_len = spb.origlen;
                let held = spb.data.len();
                let Some(interface) = self.interface(0) else {
                    return Err(self.error(CaptureErrorKind::Corrupt(
                        "simple packet block before any interface description".to_string(),
                    )));
                };
                let mut data_len = (original_len as usize).min(held);
                if interface.snaplen > 0 {
                    data_len = data_len.min(interface.snaplen as usize);
                }
                // A simple packet block carries no timestamp.
                Ok(Some(Found {
                    time: Timestamp::default(),
                    linktype: interface.linktype,
                    interface: 0,
                    data_start: block_start + 12,
                    data_len,
                    original_len,
                    file_offset: position,
                }))
            }
            _ => Ok(None),
        }
    }

    fn obsolete_packet_block(
        &mut self,
        block_len: usize,
        big_endian: bool,
    ) -> Result<Found, CaptureError> {
        let at = self.start;
        if block_len < 32 {
            return Err(self.error(CaptureErrorKind::Corrupt(
                "packet block shorter than its fixed fields".to_string(),
            )));
        }
        let b = &self.buf[at..at + block_len];
        let u16_at = |o: usize| {
            if big_endian {
                u16::from_be_bytes([b[o], b[o + 1]])
            } else {
                u16::from_le_bytes([b[o], b[o + 1]])
            }
        };
        let u32_at = |o: usize| {
            let bytes = [b[o], b[o + 1], b[o + 2], b[o + 3]];
            if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            }
        };
        let interface_id = u32::from(u16_at(8));
        let timestamp = (u64::from(u32_at(12)) << 32) | u64::from(u32_at(16));
        let caplen = u32_at(20) as usize;
        let original_len = u32_at(24);
        if caplen > block_len - 32 {
            return Err(self.error(CaptureErrorKind::Corrupt(format!(
                "packet block claims {caplen} captured bytes but holds {}",
                block_len - 32
            ))));
        }
        let position = self.position;
        let Some(interface) = self.interface(interface_id) else {
            return Err(self.error(CaptureErrorKind::Corrupt(format!(
                "packet names interface {interface_id}, which the section did not declare"
            ))));
        };
        let res = u128::from(interface.resolution);
        let secs = (u128::from(timestamp) / res) as i64;
        let nanos = ((u128::from(timestamp) % res) * 1_000_000_000 / res) as u64;
        Ok(Found {
            time: Timestamp::new(secs.saturating_add(interface.offset_secs), nanos),
            linktype: interface.linktype,
            interface: interface_id,
            data_start: at + 28,
            data_len: caplen,
            original_len,
            file_offset: position,
        })
    }

    fn interface(&self, id: u32) -> Option<Interface> {
        match &self.layout {
            Layout::PcapNg { interfaces, .. } => interfaces.get(id as usize).copied(),
            Layout::Pcap { .. } => None,
        }
    }
}

#[derive(Debug)]
struct Found {
    time: Timestamp,
    linktype: u32,
    interface: u32,
    data_start: usize,
    data_len: usize,
    original_len: u32,
    file_offset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::linktype;

    const PCAPNG_IDB: u32 = 0x0000_0001;
    const PCAPNG_SPB: u32 = 0x0000_0003;
    const PCAPNG_EPB: u32 = 0x0000_0006;

    /// (number, time, linktype, interface, data, file offset)
    type Seen = (u64, Timestamp, u32, u32, Vec<u8>, u64);

    fn read_all(bytes: &[u8]) -> (Vec<Seen>, Option<CaptureError>) {
        let mut reader = match CaptureReader::new(bytes, Some(bytes.len() as u64)) {
            Ok(reader) => reader,
            Err(e) => return (Vec::new(), Some(e)),
        };
        let mut packets = Vec::new();
        loop {
            match reader.next_packet() {
                Ok(Some(p)) => packets.push((
                    p.number,
                    p.time,
                    p.linktype,
                    p.interface,
                    p.data.to_vec(),
                    p.file_offset,
                )),
                Ok(None) => return (packets, None),
                Err(e) => return (packets, Some(e)),
            }
        }
    }

    fn legacy(big_endian: bool, nanosecond: bool) -> Vec<u8> {
        let mut w =
            crate::pcap::Writer::new(Vec::new(), linktype::ETHERNET, big_endian, nanosecond)
                .unwrap();
        w.write_packet(Timestamp::new(1_700_000_000, 123_456_789), b"first packet")
            .unwrap();
        w.write_packet(Timestamp::new(1_700_000_001, 5_000), &[9; 70])
            .unwrap();
        w.into_inner().unwrap()
    }

    #[test]
    fn legacy_pcap_in_both_byte_orders_and_precisions() {
        for big_endian in [false, true] {
            for nanosecond in [false, true] {
                let bytes = legacy(big_endian, nanosecond);
                let reader = CaptureReader::new(&bytes[..], None).unwrap();
                assert_eq!(
                    reader.format(),
                    Format::Pcap {
                        big_endian,
                        nanosecond
                    }
                );
                let (packets, error) = read_all(&bytes);
                assert_eq!(error, None);
                assert_eq!(packets.len(), 2);
                let expected_nanos = if nanosecond { 123_456_789 } else { 123_456_000 };
                assert_eq!(packets[0].1, Timestamp::new(1_700_000_000, expected_nanos));
                assert_eq!(packets[0].2, linktype::ETHERNET);
                assert_eq!(packets[0].4, b"first packet");
                assert_eq!(packets[0].5, 24, "first record right after the file header");
                assert_eq!(packets[1].0, 2);
                assert_eq!(packets[1].4, vec![9; 70]);
                assert_eq!(packets[1].5, 24 + 16 + 12);
            }
        }
    }

    fn pcapng(big_endian: bool) -> Vec<u8> {
        let mut w = crate::pcapng::Writer::with_byte_order(Vec::new(), big_endian).unwrap();
        let eth = w.add_interface(linktype::ETHERNET).unwrap();
        let sll = w.add_interface(linktype::LINUX_SLL2).unwrap();
        w.write_packet(eth, Timestamp::new(10, 1), b"abc").unwrap();
        w.write_packet(sll, Timestamp::new(11, 999_999_999), b"defgh")
            .unwrap();
        w.write_packet(eth, Timestamp::new(12, 0), b"").unwrap();
        w.into_inner().unwrap()
    }

    #[test]
    fn pcapng_with_several_interfaces_in_both_byte_orders() {
        for big_endian in [false, true] {
            let bytes = pcapng(big_endian);
            let (packets, error) = read_all(&bytes);
            assert_eq!(error, None);
            assert_eq!(packets.len(), 3);
            assert_eq!((packets[0].2, packets[0].3), (linktype::ETHERNET, 0));
            assert_eq!((packets[1].2, packets[1].3), (linktype::LINUX_SLL2, 1));
            assert_eq!(packets[0].1, Timestamp::new(10, 1));
            assert_eq!(packets[1].1, Timestamp::new(11, 999_999_999));
            assert_eq!(packets[1].4, b"defgh");
            assert_eq!(packets[2].4, b"");
        }
    }

    #[test]
    fn pcapng_microsecond_default_resolution_and_new_sections() {
        // Hand-built: an IDB without if_tsresol means microseconds. Then a second section
        // (big-endian) that redeclares interface 0 as raw IP.
        let mut bytes = Vec::new();
        let le_block = |out: &mut Vec<u8>, kind: u32, body: &[u8]| {
            let len = (12 + body.len()) as u32;
            out.extend_from_slice(&kind.to_le_bytes());
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(&len.to_le_bytes());
        };
        let be_block = |out: &mut Vec<u8>, kind: u32, body: &[u8]| {
            let len = (12 + body.len()) as u32;
            out.extend_from_slice(&kind.to_be_bytes());
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(body);
            out.extend_from_slice(&len.to_be_bytes());
        };
        let mut shb = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
        shb.extend_from_slice(&[1, 0, 0, 0]);
        shb.extend_from_slice(&[0xff; 8]);
        le_block(&mut bytes, PCAPNG_SHB, &shb);
        let mut idb = 1u16.to_le_bytes().to_vec();
        idb.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        le_block(&mut bytes, PCAPNG_IDB, &idb);
        let ts: u64 = 1_500_000_250_000; // µs
        let mut epb = 0u32.to_le_bytes().to_vec();
        epb.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(ts as u32).to_le_bytes());
        epb.extend_from_slice(&4u32.to_le_bytes());
        epb.extend_from_slice(&4u32.to_le_bytes());
        epb.extend_from_slice(b"wxyz");
        le_block(&mut bytes, PCAPNG_EPB, &epb);
        // Section 2, big-endian.
        let mut shb = 0x1A2B_3C4Du32.to_be_bytes().to_vec();
        shb.extend_from_slice(&[0, 1, 0, 0]);
        shb.extend_from_slice(&[0xff; 8]);
        be_block(&mut bytes, PCAPNG_SHB, &shb);
        let mut idb = 101u16.to_be_bytes().to_vec();
        idb.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        be_block(&mut bytes, PCAPNG_IDB, &idb);
        let mut spb = 3u32.to_be_bytes().to_vec();
        spb.extend_from_slice(b"ip!\0");
        be_block(&mut bytes, PCAPNG_SPB, &spb);

        let (packets, error) = read_all(&bytes);
        assert_eq!(error, None);
        assert_eq!(packets.len(), 2);
        assert_eq!(packets[0].1, Timestamp::new(1_500_000, 250_000_000));
        assert_eq!(packets[0].4, b"wxyz");
        assert_eq!(packets[1].2, 101);
        assert_eq!(packets[1].4, b"ip!");
    }

    #[test]
    fn not_a_capture_is_reported_at_offset_zero() {
        let (packets, error) = read_all(b"GET / HTTP/1.1\r\n");
        assert!(packets.is_empty());
        let error = error.unwrap();
        assert_eq!(error.offset, 0);
        assert!(matches!(error.kind, CaptureErrorKind::NotACapture { .. }));
        assert!(error.to_string().contains("not a pcap or pcapng file"));
        let (_, error) = read_all(b"");
        assert!(matches!(
            error.unwrap().kind,
            CaptureErrorKind::NotACapture { .. }
        ));
    }

    #[test]
    fn truncated_files_keep_the_packets_before_the_damage() {
        let bytes = legacy(false, false);
        let cut = &bytes[..bytes.len() - 10];
        let (packets, error) = read_all(cut);
        assert_eq!(packets.len(), 1);
        let error = error.unwrap();
        assert_eq!(error.offset, 24 + 16 + 12);
        assert!(matches!(
            error.kind,
            CaptureErrorKind::Truncated {
                needed: 86,
                available: 76
            }
        ));

        let bytes = pcapng(false);
        let cut = &bytes[..bytes.len() - 1];
        let (packets, error) = read_all(cut);
        assert_eq!(packets.len(), 2);
        assert!(matches!(
            error.unwrap().kind,
            CaptureErrorKind::Truncated { .. }
        ));
        // A file header cut short.
        let (_, error) = read_all(&legacy(false, false)[..10]);
        assert!(matches!(
            error.unwrap().kind,
            CaptureErrorKind::Truncated { .. }
        ));
    }

    #[test]
    fn absurd_lengths_are_corruption_not_allocation() {
        let mut bytes = legacy(true, false);
        bytes[24 + 8..24 + 12].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        let (packets, error) = read_all(&bytes);
        assert!(packets.is_empty());
        let error = error.unwrap();
        assert_eq!(error.offset, 24);
        assert!(matches!(error.kind, CaptureErrorKind::Corrupt(_)));

        let mut bytes = pcapng(false);
        let second_block = 28; // SHB is 28 bytes
        bytes[second_block + 4..second_block + 8].copy_from_slice(&13u32.to_le_bytes());
        let (_, error) = read_all(&bytes);
        let error = error.unwrap();
        assert_eq!(error.offset, 28);
        assert!(
            error.to_string().contains("impossible length 13"),
            "{error}"
        );
    }

    #[test]
    fn packets_for_undeclared_interfaces_are_corruption() {
        let mut w = crate::pcapng::Writer::new(Vec::new()).unwrap();
        let eth = w.add_interface(linktype::ETHERNET).unwrap();
        w.write_packet(eth + 3, Timestamp::default(), b"x").unwrap();
        let bytes = w.into_inner().unwrap();
        let (packets, error) = read_all(&bytes);
        assert!(packets.is_empty());
        assert!(error.unwrap().to_string().contains("interface 3"));
    }

    /// A reader that hands out one byte at a time: block framing must not depend on how
    /// the source chunks its reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn byte_at_a_time_source_reads_the_same() {
        let bytes = pcapng(true);
        let mut reader = CaptureReader::new(Trickle(&bytes), None).unwrap();
        let mut count = 0;
        while let Some(packet) = reader.next_packet().unwrap() {
            count += 1;
            assert!(packet.data.len() <= 5);
        }
        assert_eq!(count, 3);
        assert_eq!(reader.bytes_read(), bytes.len() as u64);
    }
}
