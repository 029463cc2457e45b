//! IPv4 and IPv6: addresses, the transport protocol, and the payload.
//!
//! Fragmented IPv4/IPv6 packets are *reported*, not reassembled: on a loopback or LAN
//! capture of TCP they do not occur (TCP segments fit the path MTU), so when they do the
//! honest answer is to say so rather than guess.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A parsed IP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPacket<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// The transport protocol number (6 = TCP).
    pub protocol: u8,
    /// The transport-layer bytes (trimmed to the length the IP header gives, so Ethernet
    /// padding is not mistaken for data).
    pub payload: &'a [u8],
    /// The capture cut the packet short (snap length): `payload` is incomplete.
    pub truncated: bool,
    /// Set when this packet is a fragment.
    pub fragment: Option<Fragment>,
}

/// Where a fragment sits in its datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// IPv4 identification or IPv6 fragment identification.
    pub id: u32,
    /// Offset of this fragment's data in the datagram, in bytes.
    pub offset: u32,
    /// More fragments follow.
    pub more: bool,
}

/// Why an IP header could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpError {
    /// Shorter than the fixed header.
    Truncated,
    /// The version nibble is not the one the link layer announced.
    WrongVersion(u8),
    /// IPv4 header length below 20 bytes or beyond the packet.
    BadHeaderLength(usize),
}

impl std::fmt::Display for IpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IpError::Truncated => write!(f, "IP header truncated"),
            IpError::WrongVersion(v) => write!(f, "IP version {v} where another was expected"),
            IpError::BadHeaderLength(n) => write!(f, "IPv4 header length {n} is invalid"),
        }
    }
}

/// Parses an IPv4 packet (RFC 791).
pub fn parse_ipv4(data: &[u8]) -> Result<IpPacket<'_>, IpError> {
    if data.len() < 20 {
        return Err(IpError::Truncated);
    }
    let version = data[0] >> 4;
    if version != 4 {
        return Err(IpError::WrongVersion(version));
    }
    let header_len = usize::from(data[0] & 0x0F) * 4;
    if header_len < 20 || header_len > data.len() {
        return Err(IpError::BadHeaderLength(header_len));
    }
    let total_len = usize::from(u16::from_be_bytes([data[2], data[3]]));
    // A total length of 0 is what a sender with TCP segmentation offload records; take
    // what was captured.
    let (end, truncated) = if total_len == 0 {
        (data.len(), false)
    } else if total_len < header_len {
        return Err(IpError::BadHeaderLength(total_len));
    } else if total_len > data.len() {
        (data.len(), true)
    } else {
        (total_len, false)
    };
    let flags_fragment = u16::from_be_bytes([data[6], data[7]]);
    let more = flags_fragment & 0x2000 != 0;
    let offset = u32::from(flags_fragment & 0x1FFF) * 8;
    let fragment = (more || offset != 0).then(|| Fragment {
        id: u32::from(u16::from_be_bytes([data[4], data[5]])),
        offset,
        more,
    });
    Ok(IpPacket {
        src: IpAddr::V4(Ipv4Addr::new(data[12], data[13], data[14], data[15])),
        dst: IpAddr::V4(Ipv4Addr::new(data[16], data[17], data[18], data[19])),
        protocol: data[9],
        payload: &data[header_len..end],
        truncated,
        fragment,
    })
}

fn ipv6_address(bytes: &[u8]) -> Ipv6Addr {
    let mut octets = [0u8; 16];
    octets.copy_from_slice(&bytes[..16]);
    Ipv6Addr::from(octets)
}

/// Parses an IPv6 packet (RFC 8200), walking the extension headers to the transport.
pub fn parse_ipv6(data: &[u8]) -> Result<IpPacket<'_>, IpError> {
    if data.len() < 40 {
        return Err(IpError::Truncated);
    }
    let version = data[0] >> 4;
    if version != 6 {
        return Err(IpError::WrongVersion(version));
    }
    let payload_len = usize::from(u16::from_be_bytes([data[4], data[5]]));
    // Payload length 0 means a jumbogram (or offload): take what was captured.
    let (end, truncated) = if payload_len == 0 {
        (data.len(), false)
    } else if 40 + payload_len > data.len() {
        (data.len(), true)
    } else {
        (40 + payload_len, false)
    };
    let mut next = data[6];
    let mut at = 40;
    let mut fragment = None;
    loop {
        match next {
            // Hop-by-hop, routing, destination options: length in 8-byte units, excluding
            // the first 8.
            0 | 43 | 60 => {
                if at + 2 > end {
                    return Err(IpError::Truncated);
                }
                let len = (usize::from(data[at + 1]) + 1) * 8;
                next = data[at];
                at += len;
            }
            // Fragment header: fixed 8 bytes.
            44 => {
                if at + 8 > end {
                    return Err(IpError::Truncated);
                }
                let offset_flags = u16::from_be_bytes([data[at + 2], data[at + 3]]);
                fragment = Some(Fragment {
                    id: u32::from_be_bytes([
                        data[at + 4],
                        data[at + 5],
                        data[at + 6],
                        data[at + 7],
                    ]),
                    offset: u32::from(offset_flags >> 3) * 8,
                    more: offset_flags & 1 != 0,
                });
                next = data[at];
                at += 8;
            }
            // Authentication header: length in 4-byte units, excluding the first 2.
            51 => {
                if at + 2 > end {
                    return Err(IpError::Truncated);
                }
                let len = (usize::from(data[at + 1]) + 2) * 4;
                next = data[at];
                at += len;
            }
            _ => break,
        }
        if at > end {
            return Err(IpError::Truncated);
        }
    }
    // An atomic fragment (offset 0, no more fragments) is a whole packet (RFC 6946).
    let fragment = fragment.filter(|f| f.offset != 0 || f.more);
    Ok(IpPacket {
        src: IpAddr::V6(ipv6_address(&data[8..24])),
        dst: IpAddr::V6(ipv6_address(&data[24..40])),
        protocol: next,
        payload: &data[at..end],
        truncated,
        fragment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    fn segment<'a>(src: &str, dst: &str, payload: &'a [u8]) -> synth::Segment<'a> {
        synth::Segment {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            seq: 1,
            ack: 0,
            flags: 0,
            payload,
        }
    }

    #[test]
    fn ipv4_trims_ethernet_padding() {
        let mut packet = synth::tcp_ip_packet(&segment("1.2.3.4:5", "6.7.8.9:10", b"ab"), 1);
        packet.extend_from_slice(&[0; 6]); // padding to the Ethernet minimum
        let ip = parse_ipv4(&packet).unwrap();
        assert_eq!(ip.src, "1.2.3.4".parse::<IpAddr>().unwrap());
        assert_eq!(ip.dst, "6.7.8.9".parse::<IpAddr>().unwrap());
        assert_eq!(ip.protocol, 6);
        assert_eq!(ip.payload.len(), 22);
        assert!(!ip.truncated);
        assert_eq!(ip.fragment, None);
    }

    #[test]
    fn ipv4_snapped_packet_is_marked_truncated() {
        let packet = synth::tcp_ip_packet(&segment("1.2.3.4:5", "6.7.8.9:10", &[7; 100]), 1);
        let ip = parse_ipv4(&packet[..60]).unwrap();
        assert!(ip.truncated);
        assert_eq!(ip.payload.len(), 40);
    }

    #[test]
    fn ipv4_fragments_are_reported() {
        let mut packet = synth::tcp_ip_packet(&segment("1.2.3.4:5", "6.7.8.9:10", b"ab"), 77);
        packet[6] = 0x20; // more fragments, offset 0
        packet[7] = 0;
        let ip = parse_ipv4(&packet).unwrap();
        assert_eq!(
            ip.fragment,
            Some(Fragment {
                id: 77,
                offset: 0,
                more: true
            })
        );
        packet[6] = 0x00;
        packet[7] = 0x03; // last fragment at offset 24
        assert_eq!(
            parse_ipv4(&packet).unwrap().fragment.map(|f| f.offset),
            Some(24)
        );
    }

    #[test]
    fn ipv6_walks_extension_headers() {
        let packet = synth::tcp_ip_packet(&segment("[::1]:5", "[2001:db8::2]:10", b"abc"), 0);
        // Insert a hop-by-hop header (8 bytes) and a destination-options header.
        let mut with_ext = packet[..40].to_vec();
        with_ext[6] = 0; // next: hop-by-hop
        let tcp = &packet[40..];
        let ext_len = 8 + 16;
        with_ext[4..6].copy_from_slice(&((tcp.len() + ext_len) as u16).to_be_bytes());
        with_ext.extend_from_slice(&[60, 0, 1, 4, 0, 0, 0, 0]); // -> dest options
        with_ext.extend_from_slice(&[6, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // -> TCP
        with_ext.extend_from_slice(tcp);
        let ip = parse_ipv6(&with_ext).unwrap();
        assert_eq!(ip.protocol, 6);
        assert_eq!(ip.payload, tcp);
        assert_eq!(ip.dst, "2001:db8::2".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn ipv6_fragment_header_is_reported_unless_atomic() {
        let packet = synth::tcp_ip_packet(&segment("[::1]:5", "[::1]:10", b"abc"), 0);
        let mut frag = packet[..40].to_vec();
        frag[6] = 44;
        let tcp = &packet[40..];
        frag[4..6].copy_from_slice(&((tcp.len() + 8) as u16).to_be_bytes());
        frag.extend_from_slice(&[6, 0, 0, 1, 0, 0, 0, 9]); // offset 0, more = 1, id 9
        frag.extend_from_slice(tcp);
        let ip = parse_ipv6(&frag).unwrap();
        assert_eq!(
            ip.fragment,
            Some(Fragment {
                id: 9,
                offset: 0,
                more: true
            })
        );
        frag[43] = 0; // atomic fragment
        assert_eq!(parse_ipv6(&frag).unwrap().fragment, None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(parse_ipv4(&[0x45; 10]), Err(IpError::Truncated));
        assert_eq!(parse_ipv4(&[0x65; 20]), Err(IpError::WrongVersion(6)));
        assert!(matches!(
            parse_ipv4(&[0x4F; 20]),
            Err(IpError::BadHeaderLength(60))
        ));
        assert_eq!(parse_ipv6(&[0x60; 39]), Err(IpError::Truncated));
        // An extension header chain that runs past the end.
        let mut bad = vec![0x60, 0, 0, 0, 0, 8, 0, 64];
        bad.extend_from_slice(&[0; 32]);
        bad.extend_from_slice(&[0, 200, 0, 0, 0, 0, 0, 0]);
        assert_eq!(parse_ipv6(&bad), Err(IpError::Truncated));
    }
}
