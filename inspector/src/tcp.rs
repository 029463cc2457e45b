//! The TCP header (RFC 9293 §3.1): ports, sequence and acknowledgment numbers, flags.
//! Checksums are not verified: captures taken on the sending host carry unfinished
//! checksums (offloaded to the network card), so a bad checksum proves nothing.

/// The fields of a TCP header the inspector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpHeader {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Flag bits (see [`crate::synth::flags`]).
    pub flags: u8,
    /// Header length in bytes (with options).
    pub header_len: usize,
}

impl TcpHeader {
    /// SYN set.
    pub fn syn(&self) -> bool {
        self.flags & 0x02 != 0
    }
    /// FIN set.
    pub fn fin(&self) -> bool {
        self.flags & 0x01 != 0
    }
    /// RST set.
    pub fn rst(&self) -> bool {
        self.flags & 0x04 != 0
    }
    /// ACK set.
    pub fn has_ack(&self) -> bool {
        self.flags & 0x10 != 0
    }
}

/// Why a TCP header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcpError {
    /// Shorter than 20 bytes.
    Truncated,
    /// Data offset below 5 words or beyond the segment.
    BadDataOffset(usize),
}

impl std::fmt::Display for TcpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TcpError::Truncated => write!(f, "TCP header truncated"),
            TcpError::BadDataOffset(n) => write!(f, "TCP header length {n} is invalid"),
        }
    }
}

/// Parses a TCP segment into its header and payload.
pub fn parse_tcp(data: &[u8]) -> Result<(TcpHeader, &[u8]), TcpError> {
    if data.len() < 20 {
        return Err(TcpError::Truncated);
    }
    let header_len = usize::from(data[12] >> 4) * 4;
    if header_len < 20 || header_len > data.len() {
        return Err(TcpError::BadDataOffset(header_len));
    }
    let word = |at: usize| u32::from_be_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
    Ok((
        TcpHeader {
            src_port: u16::from_be_bytes([data[0], data[1]]),
            dst_port: u16::from_be_bytes([data[2], data[3]]),
            seq: word(4),
            ack: word(8),
            flags: data[13],
            header_len,
        },
        &data[header_len..],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    #[test]
    fn reads_what_synth_wrote() {
        let packet = synth::tcp_ip_packet(
            &synth::Segment {
                src: "1.1.1.1:4000".parse().unwrap(),
                dst: "2.2.2.2:80".parse().unwrap(),
                seq: 0xdead_beef,
                ack: 42,
                flags: synth::flags::ACK | synth::flags::FIN,
                payload: b"bye",
            },
            0,
        );
        let (header, payload) = parse_tcp(&packet[20..]).unwrap();
        assert_eq!(header.src_port, 4000);
        assert_eq!(header.dst_port, 80);
        assert_eq!(header.seq, 0xdead_beef);
        assert_eq!(header.ack, 42);
        assert!(header.fin() && header.has_ack() && !header.syn() && !header.rst());
        assert_eq!(payload, b"bye");
    }

    #[test]
    fn bad_offsets_are_errors() {
        assert_eq!(parse_tcp(&[0; 19]), Err(TcpError::Truncated));
        let mut header = [0u8; 20];
        header[12] = 0x40;
        assert_eq!(parse_tcp(&header), Err(TcpError::BadDataOffset(16)));
        header[12] = 0x60;
        assert_eq!(parse_tcp(&header), Err(TcpError::BadDataOffset(24)));
    }
}
