//! Synthesised packets: Ethernet, IPv4/IPv6 and TCP with correct sequence numbers and
//! checksums.
//!
//! The inspector's tests build captures from these (so every layer is tested on bytes we
//! control), the benchmark builds its 100 MB capture with them, and the proxy uses them
//! (through [`crate::pcapng::Writer`]) to record live traffic that Wireshark opens like a
//! real capture.

use std::net::{IpAddr, SocketAddr};

use crate::model::Side;

/// TCP flag bits (RFC 9293 §3.1).
pub mod flags {
    /// No more data from sender.
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push function.
    pub const PSH: u8 = 0x08;
    /// Acknowledgment field is significant.
    pub const ACK: u8 = 0x10;
}

/// Link-layer header types this module can wrap an IP packet in (the LINKTYPE_* values).
pub mod linktype {
    /// BSD loopback: a 4-byte address family in host byte order.
    pub const NULL: u32 = 0;
    /// Ethernet II.
    pub const ETHERNET: u32 = 1;
    /// Raw IP, no link header.
    pub const RAW: u32 = 101;
    /// OpenBSD loopback: a 4-byte address family in network byte order.
    pub const LOOP: u32 = 108;
    /// Linux cooked capture v1 (SLL).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2 (SLL2).
    pub const LINUX_SLL2: u32 = 276;
}

/// One TCP segment to synthesise.
#[derive(Debug, Clone, Copy)]
pub struct Segment<'a> {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver (same address family as `src`).
    pub dst: SocketAddr,
    /// Sequence number of the first payload byte (or of the SYN/FIN).
    pub seq: u32,
    /// Acknowledgment number (meaningful with the ACK flag).
    pub ack: u32,
    /// Flag bits from [`flags`].
    pub flags: u8,
    /// The payload.
    pub payload: &'a [u8],
}

/// The Internet checksum (RFC 1071) of `data`, continuing from `sum`.
fn checksum_add(mut sum: u32, data: &[u8]) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(u16::from_be_bytes([*last, 0]));
    }
    sum
}

fn checksum_finish(mut sum: u32) -> u16 {
    while sum > 0xFFFF {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    !(sum as u16)
}

/// The Internet checksum of `data` (RFC 1071). Verifying a packet that carries a correct
/// checksum yields 0.
pub fn internet_checksum(data: &[u8]) -> u16 {
    checksum_finish(checksum_add(0, data))
}

/// Builds the IP packet (IPv4 or IPv6, following the addresses) carrying `segment`.
/// `ip_id` is the IPv4 identification field (ignored for IPv6).
pub fn tcp_ip_packet(segment: &Segment<'_>, ip_id: u16) -> Vec<u8> {
    let mut tcp = Vec::with_capacity(20 + segment.payload.len());
    tcp.extend_from_slice(&segment.src.port().to_be_bytes());
    tcp.extend_from_slice(&segment.dst.port().to_be_bytes());
    tcp.extend_from_slice(&segment.seq.to_be_bytes());
    let ack = if segment.flags & flags::ACK != 0 {
        segment.ack
    } else {
        0
    };
    tcp.extend_from_slice(&ack.to_be_bytes());
    tcp.push(5 << 4); // data offset: 5 words, no options
    tcp.push(segment.flags);
    tcp.extend_from_slice(&65535u16.to_be_bytes()); // window
    tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
    tcp.extend_from_slice(segment.payload);
    let tcp_len = tcp.len();

    match (segment.src.ip(), segment.dst.ip()) {
        (IpAddr::V4(src), IpAddr::V4(dst)) => {
            let mut pseudo = checksum_add(0, &src.octets());
            pseudo = checksum_add(pseudo, &dst.octets());
            pseudo = checksum_add(pseudo, &[0, 6]);
            pseudo = checksum_add(pseudo, &(tcp_len as u16).to_be_bytes());
            let sum = checksum_finish(checksum_add(pseudo, &tcp));
            tcp[16..18].copy_from_slice(&sum.to_be_bytes());

            let total_len = (20 + tcp_len) as u16;
            let mut ip = Vec::with_capacity(20 + tcp_len);
            ip.push(0x45);
            ip.push(0);
            ip.extend_from_slice(&total_len.to_be_bytes());
            ip.extend_from_slice(&ip_id.to_be_bytes());
            ip.extend_from_slice(&0x4000u16.to_be_bytes()); // don't fragment
            ip.push(64); // TTL
            ip.push(6); // TCP
            ip.extend_from_slice(&[0, 0]);
            ip.extend_from_slice(&src.octets());
            ip.extend_from_slice(&dst.octets());
            let header_sum = internet_checksum(&ip);
            ip[10..12].copy_from_slice(&header_sum.to_be_bytes());
            ip.extend_from_slice(&tcp);
            ip
        }
        (src, dst) => {
            let src = ipv6_octets(src);
            let dst = ipv6_octets(dst);
            let mut pseudo = checksum_add(0, &src);
            pseudo = checksum_add(pseudo, &dst);
            pseudo = checksum_add(pseudo, &(tcp_len as u32).to_be_bytes());
            pseudo = checksum_add(pseudo, &[0, 0, 0, 6]);
            let sum = checksum_finish(checksum_add(pseudo, &tcp));
            tcp[16..18].copy_from_slice(&sum.to_be_bytes());

            let mut ip = Vec::with_capacity(40 + tcp_len);
            ip.extend_from_slice(&[0x60, 0, 0, 0]);
            ip.extend_from_slice(&(tcp_len as u16).to_be_bytes());
            ip.push(6); // next header: TCP
            ip.push(64); // hop limit
            ip.extend_from_slice(&src);
            ip.extend_from_slice(&dst);
            ip.extend_from_slice(&tcp);
            ip
        }
    }
}

fn ipv6_octets(address: IpAddr) -> [u8; 16] {
    match address {
        IpAddr::V6(v6) => v6.octets(),
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
    }
}

/// The EtherType for an IP packet (looks at its version nibble).
fn ethertype_of(ip_packet: &[u8]) -> u16 {
    match ip_packet.first().map(|b| b >> 4) {
        Some(6) => 0x86DD,
        _ => 0x0800,
    }
}

/// Wraps an IP packet in an Ethernet II header, with 802.1Q VLAN tags if `vlans` is not
/// empty (outermost first).
pub fn ethernet(ip_packet: &[u8], vlans: &[u16]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(14 + 4 * vlans.len() + ip_packet.len());
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x02]); // destination MAC (locally administered)
    frame.extend_from_slice(&[0x02, 0, 0, 0, 0, 0x01]); // source MAC
    for (i, vlan) in vlans.iter().enumerate() {
        // The outer tag of a double-tagged (QinQ) frame is 802.1ad.
        let tpid: u16 = if i == 0 && vlans.len() > 1 {
            0x88A8
        } else {
            0x8100
        };
        frame.extend_from_slice(&tpid.to_be_bytes());
        frame.extend_from_slice(&(vlan & 0x0FFF).to_be_bytes());
    }
    frame.extend_from_slice(&ethertype_of(ip_packet).to_be_bytes());
    frame.extend_from_slice(ip_packet);
    frame
}

/// Wraps an IP packet in the link-layer header of `linktype` (see [`linktype`]).
/// Unknown link types get Ethernet.
pub fn wrap_link(linktype: u32, ip_packet: &[u8]) -> Vec<u8> {
    let is_v6 = ethertype_of(ip_packet) == 0x86DD;
    let mut frame = Vec::with_capacity(20 + ip_packet.len());
    match linktype {
        linktype::NULL => {
            // Host byte order; we write little-endian as x86 macOS/BSD do.
            let family: u32 = if is_v6 { 30 } else { 2 };
            frame.extend_from_slice(&family.to_le_bytes());
        }
        linktype::LOOP => {
            let family: u32 = if is_v6 { 24 } else { 2 };
            frame.extend_from_slice(&family.to_be_bytes());
        }
        linktype::RAW | linktype::IPV4 | linktype::IPV6 => {}
        linktype::LINUX_SLL => {
            frame.extend_from_slice(&0u16.to_be_bytes()); // packet type: to us
            frame.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            frame.extend_from_slice(&6u16.to_be_bytes()); // address length
            frame.extend_from_slice(&[0; 8]);
            frame.extend_from_slice(&ethertype_of(ip_packet).to_be_bytes());
        }
        linktype::LINUX_SLL2 => {
            frame.extend_from_slice(&ethertype_of(ip_packet).to_be_bytes());
            frame.extend_from_slice(&[0, 0]); // reserved
            frame.extend_from_slice(&1u32.to_be_bytes()); // interface index
            frame.extend_from_slice(&772u16.to_be_bytes()); // ARPHRD_LOOPBACK
            frame.push(0); // packet type
            frame.push(6); // address length
            frame.extend_from_slice(&[0; 8]);
        }
        _ => return ethernet(ip_packet, &[]),
    }
    frame.extend_from_slice(ip_packet);
    frame
}

/// A TCP connection being synthesised: it knows both sides' next sequence numbers, so
/// the segments it returns carry correct `seq`/`ack` values.
#[derive(Debug, Clone)]
pub struct TcpConversation {
    /// The client's address (sends the SYN).
    pub client: SocketAddr,
    /// The server's address.
    pub server: SocketAddr,
    /// Next sequence number the client will use.
    pub client_next: u32,
    /// Next sequence number the server will use.
    pub server_next: u32,
    ip_id: u16,
}

impl TcpConversation {
    /// A conversation whose initial sequence numbers are `client_isn` and `server_isn`.
    pub fn new(client: SocketAddr, server: SocketAddr, client_isn: u32, server_isn: u32) -> Self {
        TcpConversation {
            client,
            server,
            client_next: client_isn,
            server_next: server_isn,
            ip_id: 1,
        }
    }

    fn endpoints(&self, from: Side) -> (SocketAddr, SocketAddr) {
        match from {
            Side::Client => (self.client, self.server),
            Side::Server => (self.server, self.client),
        }
    }

    fn next_mut(&mut self, from: Side) -> &mut u32 {
        match from {
            Side::Client => &mut self.client_next,
            Side::Server => &mut self.server_next,
        }
    }

    fn peer_next(&self, from: Side) -> u32 {
        match from {
            Side::Client => self.server_next,
            Side::Server => self.client_next,
        }
    }

    /// An IP packet from `from` with explicit sequence number and flags; advances nothing.
    pub fn packet_at(
        &mut self,
        from: Side,
        seq: u32,
        segment_flags: u8,
        payload: &[u8],
    ) -> Vec<u8> {
        let (src, dst) = self.endpoints(from);
        let ack = self.peer_next(from);
        self.ip_id = self.ip_id.wrapping_add(1);
        tcp_ip_packet(
            &Segment {
                src,
                dst,
                seq,
                ack,
                flags: segment_flags,
                payload,
            },
            self.ip_id,
        )
    }

    /// The three packets of the opening handshake: SYN, SYN-ACK, ACK.
    pub fn open(&mut self) -> [Vec<u8>; 3] {
        let client_isn = self.client_next;
        let server_isn = self.server_next;
        let syn = self.packet_at(Side::Client, client_isn, flags::SYN, &[]);
        self.client_next = client_isn.wrapping_add(1);
        let syn_ack = self.packet_at(Side::Server, server_isn, flags::SYN | flags::ACK, &[]);
        self.server_next = server_isn.wrapping_add(1);
        let ack = self.packet_at(Side::Client, self.client_next, flags::ACK, &[]);
        [syn, syn_ack, ack]
    }

    /// A data segment from `from` carrying `payload`, advancing that side's sequence.
    pub fn send(&mut self, from: Side, payload: &[u8]) -> Vec<u8> {
        let seq = *self.next_mut(from);
        let packet = self.packet_at(from, seq, flags::ACK | flags::PSH, payload);
        *self.next_mut(from) = seq.wrapping_add(payload.len() as u32);
        packet
    }

    /// Data from `from`, cut into segments of at most `mss` bytes.
    pub fn send_segmented(&mut self, from: Side, data: &[u8], mss: usize) -> Vec<Vec<u8>> {
        data.chunks(mss.max(1))
            .map(|chunk| self.send(from, chunk))
            .collect()
    }

    /// Reserves `len` bytes of sequence space for `from` without building a packet, and
    /// returns the sequence number they start at (to build out-of-order or missing
    /// segments with [`TcpConversation::packet_at`]).
    pub fn reserve(&mut self, from: Side, len: usize) -> u32 {
        let seq = *self.next_mut(from);
        *self.next_mut(from) = seq.wrapping_add(len as u32);
        seq
    }

    /// A FIN from `from` (consumes one sequence number).
    pub fn fin(&mut self, from: Side) -> Vec<u8> {
        let seq = *self.next_mut(from);
        let packet = self.packet_at(from, seq, flags::FIN | flags::ACK, &[]);
        *self.next_mut(from) = seq.wrapping_add(1);
        packet
    }

    /// A bare ACK from `from`.
    pub fn ack(&mut self, from: Side) -> Vec<u8> {
        let seq = *self.next_mut(from);
        self.packet_at(from, seq, flags::ACK, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1071_example_checksum() {
        // RFC 1071 §3: the sum of 0001 f203 f4f5 f6f7 is ddf2 (before complement).
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(internet_checksum(&data), !0xddf2);
    }

    #[test]
    fn ipv4_header_and_tcp_checksums_verify() {
        let segment = Segment {
            src: "10.0.0.1:40000".parse().unwrap(),
            dst: "10.0.0.2:80".parse().unwrap(),
            seq: 7,
            ack: 9,
            flags: flags::ACK | flags::PSH,
            payload: b"hello",
        };
        let packet = tcp_ip_packet(&segment, 3);
        assert_eq!(packet.len(), 20 + 20 + 5);
        assert_eq!(internet_checksum(&packet[..20]), 0, "IPv4 header checksum");
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&packet[12..20]);
        pseudo.extend_from_slice(&[0, 6, 0, 25]);
        pseudo.extend_from_slice(&packet[20..]);
        assert_eq!(internet_checksum(&pseudo), 0, "TCP checksum");
    }

    #[test]
    fn ipv6_tcp_checksum_verifies() {
        let segment = Segment {
            src: "[::1]:40000".parse().unwrap(),
            dst: "[::1]:80".parse().unwrap(),
            seq: 1,
            ack: 2,
            flags: flags::ACK,
            payload: b"odd",
        };
        let packet = tcp_ip_packet(&segment, 0);
        assert_eq!(packet[0] >> 4, 6);
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&packet[8..40]);
        pseudo.extend_from_slice(&23u32.to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, 6]);
        pseudo.extend_from_slice(&packet[40..]);
        assert_eq!(internet_checksum(&pseudo), 0);
    }

    #[test]
    fn conversation_tracks_sequence_numbers() {
        let mut conv = TcpConversation::new(
            "127.0.0.1:5000".parse().unwrap(),
            "127.0.0.1:80".parse().unwrap(),
            u32::MAX - 1,
            100,
        );
        let [syn, syn_ack, _] = conv.open();
        assert_eq!(syn[33], flags::SYN);
        assert_eq!(syn_ack[33], flags::SYN | flags::ACK);
        let data = conv.send(Side::Client, b"abc");
        // Sequence wraps: ISN u32::MAX-1, SYN consumed one, data starts at u32::MAX.
        assert_eq!(&data[24..28], &u32::MAX.to_be_bytes());
        assert_eq!(&data[28..32], &101u32.to_be_bytes());
        assert_eq!(conv.client_next, 2);
    }
}
