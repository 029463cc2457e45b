//! The link layer: from a captured frame to the IP packet inside it.
//!
//! Supported link types (tcpdump.org/linktypes.html): Ethernet II with any number of
//! 802.1Q/802.1ad VLAN tags, Linux cooked capture v1 (SLL, what `tcpdump -i any` wrote
//! before libpcap 1.10) and v2 (SLL2), BSD loopback (NULL, a 4-byte address family in the
//! *capturing host's* byte order) and OpenBSD LOOP (network byte order), and raw IP.

/// The network-layer packet found in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network<'a> {
    /// An IPv4 packet (starting at its header).
    Ipv4(&'a [u8]),
    /// An IPv6 packet.
    Ipv6(&'a [u8]),
    /// Something else (ARP, LLDP, …), with its EtherType or address family.
    Other(u32),
}

/// Why a frame could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// The frame is shorter than its link-layer header.
    Truncated {
        /// Bytes the header needs.
        needed: usize,
        /// Bytes the frame has.
        available: usize,
    },
    /// A link type this inspector does not decode.
    UnsupportedLinkType(u32),
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::Truncated { needed, available } => write!(
                f,
                "link-layer header truncated ({available} of {needed} bytes)"
            ),
            LinkError::UnsupportedLinkType(linktype) => {
                write!(f, "unsupported link type {linktype}")
            }
        }
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86DD;
const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88A8;
const ETHERTYPE_QINQ_OLD: u16 = 0x9100;

fn need(data: &[u8], needed: usize) -> Result<(), LinkError> {
    if data.len() < needed {
        Err(LinkError::Truncated {
            needed,
            available: data.len(),
        })
    } else {
        Ok(())
    }
}

fn be16(data: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([data[at], data[at + 1]])
}

/// Follows an EtherType (skipping VLAN tags) to the network layer.
fn by_ethertype(mut ethertype: u16, mut rest: &[u8]) -> Result<Network<'_>, LinkError> {
    loop {
        match ethertype {
            ETHERTYPE_IPV4 => return Ok(Network::Ipv4(rest)),
            ETHERTYPE_IPV6 => return Ok(Network::Ipv6(rest)),
            ETHERTYPE_VLAN | ETHERTYPE_QINQ | ETHERTYPE_QINQ_OLD => {
                // A tag: 2 bytes of priority/VLAN id, then the next EtherType.
                need(rest, 4)?;
                ethertype = be16(rest, 2);
                rest = &rest[4..];
            }
            other => return Ok(Network::Other(u32::from(other))),
        }
    }
}

/// Raw IP: the version nibble says which.
fn by_version(data: &[u8]) -> Result<Network<'_>, LinkError> {
    need(data, 1)?;
    Ok(match data[0] >> 4 {
        4 => Network::Ipv4(data),
        6 => Network::Ipv6(data),
        version => Network::Other(u32::from(version)),
    })
}

/// BSD address families for IPv4 and the several values different BSDs use for IPv6.
fn by_family(family: u32, rest: &[u8]) -> Network<'_> {
    match family {
        2 => Network::Ipv4(rest),
        10 | 24 | 28 | 30 => Network::Ipv6(rest),
        other => Network::Other(other),
    }
}

/// Strips the link-layer header of `linktype` from `frame`.
pub fn network_layer(linktype: u32, frame: &[u8]) -> Result<Network<'_>, LinkError> {
    match linktype {
        // LINKTYPE_ETHERNET
        1 => {
            need(frame, 14)?;
            let ethertype = be16(frame, 12);
            if ethertype < 0x0600 {
                // An 802.3 length field: LLC/SNAP, not IP.
                return Ok(Network::Other(u32::from(ethertype)));
            }
            by_ethertype(ethertype, &frame[14..])
        }
        // LINKTYPE_NULL: the family is in the byte order of the machine that captured,
        // which the file does not say. Families are small numbers, so whichever reading
        // is small is the right one.
        0 => {
            need(frame, 4)?;
            let bytes = [frame[0], frame[1], frame[2], frame[3]];
            let little = u32::from_le_bytes(bytes);
            let family = if little <= 0xFFFF {
                little
            } else {
                u32::from_be_bytes(bytes)
            };
            Ok(by_family(family, &frame[4..]))
        }
        // LINKTYPE_LOOP (OpenBSD): network byte order.
        108 => {
            need(frame, 4)?;
            let family = u32::from_be_bytes([frame[0], frame[1], frame[2], frame[3]]);
            Ok(by_family(family, &frame[4..]))
        }
        // LINKTYPE_RAW, and the DLT values some systems wrote for it (12, 14).
        101 | 12 | 14 => by_version(frame),
        // LINKTYPE_IPV4 / LINKTYPE_IPV6.
        228 => Ok(Network::Ipv4(frame)),
        229 => Ok(Network::Ipv6(frame)),
        // LINKTYPE_LINUX_SLL: 16-byte header, protocol (an EtherType) last.
        113 => {
            need(frame, 16)?;
            by_ethertype(be16(frame, 14), &frame[16..])
        }
        // LINKTYPE_LINUX_SLL2: 20-byte header, protocol first.
        276 => {
            need(frame, 20)?;
            by_ethertype(be16(frame, 0), &frame[20..])
        }
        other => Err(LinkError::UnsupportedLinkType(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{self, linktype};

    fn ip4() -> Vec<u8> {
        synth::tcp_ip_packet(
            &synth::Segment {
                src: "10.0.0.1:1".parse().unwrap(),
                dst: "10.0.0.2:2".parse().unwrap(),
                seq: 0,
                ack: 0,
                flags: 0,
                payload: b"x",
            },
            0,
        )
    }

    fn ip6() -> Vec<u8> {
        synth::tcp_ip_packet(
            &synth::Segment {
                src: "[::1]:1".parse().unwrap(),
                dst: "[::1]:2".parse().unwrap(),
                seq: 0,
                ack: 0,
                flags: 0,
                payload: b"x",
            },
            0,
        )
    }

    #[test]
    fn every_supported_link_type_yields_the_ip_packet() {
        for lt in [
            linktype::ETHERNET,
            linktype::NULL,
            linktype::LOOP,
            linktype::RAW,
            linktype::LINUX_SLL,
            linktype::LINUX_SLL2,
        ] {
            let v4 = ip4();
            let frame = synth::wrap_link(lt, &v4);
            assert_eq!(
                network_layer(lt, &frame),
                Ok(Network::Ipv4(&v4[..])),
                "linktype {lt}"
            );
            let v6 = ip6();
            let frame = synth::wrap_link(lt, &v6);
            assert_eq!(
                network_layer(lt, &frame),
                Ok(Network::Ipv6(&v6[..])),
                "linktype {lt}"
            );
        }
        let v4 = ip4();
        assert_eq!(
            network_layer(linktype::IPV4, &v4),
            Ok(Network::Ipv4(&v4[..]))
        );
        let v6 = ip6();
        assert_eq!(
            network_layer(linktype::IPV6, &v6),
            Ok(Network::Ipv6(&v6[..]))
        );
    }

    #[test]
    fn vlan_tags_are_skipped() {
        let v4 = ip4();
        for tags in [&[5u16][..], &[100, 200][..]] {
            let frame = synth::ethernet(&v4, tags);
            assert_eq!(frame.len(), 14 + 4 * tags.len() + v4.len());
            assert_eq!(network_layer(1, &frame), Ok(Network::Ipv4(&v4[..])));
        }
    }

    #[test]
    fn null_loopback_in_either_byte_order() {
        let v6 = ip6();
        let mut frame = 30u32.to_be_bytes().to_vec(); // a big-endian macOS capture
        frame.extend_from_slice(&v6);
        assert_eq!(network_layer(0, &frame), Ok(Network::Ipv6(&v6[..])));
        let mut frame = 2u32.to_le_bytes().to_vec();
        frame.extend_from_slice(&v6);
        // Family says IPv4: we trust the header, the IP layer will then reject it.
        assert_eq!(network_layer(0, &frame), Ok(Network::Ipv4(&v6[..])));
    }

    #[test]
    fn short_frames_and_unknown_types_are_errors_not_panics() {
        assert!(matches!(
            network_layer(1, &[0; 13]),
            Err(LinkError::Truncated { .. })
        ));
        assert!(matches!(
            network_layer(276, &[0; 19]),
            Err(LinkError::Truncated { .. })
        ));
        assert!(matches!(
            network_layer(113, &[]),
            Err(LinkError::Truncated { .. })
        ));
        assert!(matches!(
            network_layer(101, &[]),
            Err(LinkError::Truncated { .. })
        ));
        assert_eq!(
            network_layer(147, &[1, 2, 3]),
            Err(LinkError::UnsupportedLinkType(147))
        );
        // A VLAN tag cut short.
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&0x8100u16.to_be_bytes());
        frame.extend_from_slice(&[0, 1]);
        assert!(matches!(
            network_layer(1, &frame),
            Err(LinkError::Truncated { .. })
        ));
        // ARP is not IP.
        let mut frame = vec![0u8; 12];
        frame.extend_from_slice(&0x0806u16.to_be_bytes());
        assert_eq!(network_layer(1, &frame), Ok(Network::Other(0x0806)));
    }
}
