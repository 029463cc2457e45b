//! The whole pipeline on captures we synthesise packet by packet: every TCP trouble a
//! real capture has (reordering, retransmission, overlap, loss, a late start, reused
//! ports), every link type, and the WebSocket features on top.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod common;

use ch07_close::{Frame, OpCode};
use common::*;
use ws_inspector::model::Event;
use ws_inspector::synth::{self, flags, linktype};
use ws_inspector::time::Timestamp;
use ws_inspector::{Options, Side};

fn conversation(builder: &mut Builder) {
    builder.open();
    builder.upgrade("/chat", None);
    builder.send(Side::Client, &client_frame(&Frame::text("hello")));
    builder.send(Side::Server, &server_frame(&Frame::text("hello")));
    builder.send(
        Side::Client,
        &client_frame(&Frame::close(Some(1000), "bye")),
    );
    builder.send(
        Side::Server,
        &server_frame(&Frame::close(Some(1000), "bye")),
    );
    builder.close();
}

#[test]
fn a_plain_conversation_on_an_unusual_port() {
    let mut b = Builder::new("10.1.1.1:40000", "10.1.1.2:31337");
    conversation(&mut b);
    let events = decode(&b.bytes());
    let h = handshakes(&events);
    assert_eq!(h.len(), 1);
    assert!(h[0].upgraded && h[0].accept_ok, "{:?}", h[0]);
    assert_eq!(h[0].target, "/chat");
    assert_eq!(h[0].packet, 4, "SYN, SYN-ACK, ACK, then the request");
    assert_eq!(h[0].response_packet, Some(5));
    let f = frames(&events);
    assert_eq!(f.len(), 4);
    assert_eq!((f[0].from, f[1].from), (Side::Client, Side::Server));
    assert_eq!((f[0].packet, f[3].packet), (6, 9));
    assert_eq!(f[2].close_code, Some(1000));
    assert_eq!(f.iter().map(|f| f.index).collect::<Vec<_>>(), [0, 1, 2, 3]);
    assert_eq!(texts(&events), ["hello", "hello"]);
    assert!(errors(&events).is_empty(), "{:?}", errors(&events));
}

#[test]
fn out_of_order_retransmitted_and_overlapping_segments() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.upgrade("/", None);
    // Three client frames in one stream, cut into 5-byte segments sent out of order,
    // with a retransmission and an overlapping segment.
    let mut stream = client_frame(&Frame::text("first message"));
    stream.extend(client_frame(&Frame::text("second")));
    stream.extend(client_frame(&Frame::binary(vec![9; 40])));
    let base = b.conv.reserve(Side::Client, stream.len());
    let chunks: Vec<(u32, &[u8])> = stream
        .chunks(5)
        .enumerate()
        .map(|(i, c)| (base.wrapping_add(i as u32 * 5), c))
        .collect();
    let mut order: Vec<usize> = (0..chunks.len()).collect();
    order.swap(0, 3);
    order.swap(5, 6);
    order.reverse();
    for &i in &order {
        let packet = b
            .conv
            .packet_at(Side::Client, chunks[i].0, flags::ACK, chunks[i].1);
        b.write(&packet);
    }
    // A retransmission of the first chunk, and a segment overlapping two others.
    let packet = b
        .conv
        .packet_at(Side::Client, chunks[0].0, flags::ACK, chunks[0].1);
    b.write(&packet);
    let packet = b.conv.packet_at(
        Side::Client,
        base.wrapping_add(3),
        flags::ACK,
        &stream[3..12],
    );
    b.write(&packet);
    b.send(Side::Server, &server_frame(&Frame::text("ok")));
    b.close();
    let events = decode(&b.bytes());
    let f = frames(&events);
    assert_eq!(f.len(), 4, "{events:#?}");
    assert_eq!(texts(&events), ["first message", "second", "ok"]);
    assert_eq!(f[2].payload, vec![9; 40]);
    assert!(gaps(&events).is_empty());
    assert!(errors(&events).is_empty(), "{:?}", errors(&events));
}

#[test]
fn a_lost_segment_is_a_gap_and_decoding_resumes_at_a_frame_boundary() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.upgrade("/", None);
    b.send(Side::Server, &server_frame(&Frame::text("before")));
    // This segment is "not captured": its sequence space is used, the packet never written.
    let lost = server_frame(&Frame::text("this frame is lost"));
    b.conv.reserve(Side::Server, lost.len());
    b.send(Side::Server, &server_frame(&Frame::text("after")));
    // The client acknowledges everything: the hole was sent and received.
    let ack = b.conv.ack(Side::Client);
    b.write(&ack);
    b.send(Side::Server, &server_frame(&Frame::text("and more")));
    b.close();
    let events = decode(&b.bytes());
    let g = gaps(&events);
    assert_eq!(g.len(), 1, "{events:#?}");
    assert_eq!(g[0].missing, lost.len() as u64);
    assert_eq!(g[0].from, Some(Side::Server));
    assert_eq!(texts(&events), ["before", "after", "and more"]);
    let errors = errors(&events);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("resumed"), "{errors:?}");
}

#[test]
fn a_loss_inside_a_long_payload_keeps_the_boundaries() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.upgrade("/", None);
    let big = server_frame(&Frame::binary(vec![0x55; 3000]));
    let packets = b.conv.send_segmented(Side::Server, &big, 1000);
    b.write(&packets[0]);
    b.write(&packets[2]); // packets[1] lost
    b.write(&packets[3]);
    b.send(Side::Server, &server_frame(&Frame::text("next")));
    let ack = b.conv.ack(Side::Client);
    b.write(&ack);
    b.close();
    let events = decode(&b.bytes());
    let f = frames(&events);
    assert_eq!(f.len(), 2, "{events:#?}");
    assert_eq!(f[0].missing, 1000);
    assert_eq!(f[1].text.as_deref(), Some("next"));
    assert!(f[1].violations.is_empty());
    assert_eq!(gaps(&events).len(), 1);
}

#[test]
fn a_capture_that_starts_after_the_syn_still_finds_the_handshake() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    // Open without writing the SYNs, as if the capture started a moment later.
    let _ = b.conv.open();
    // The server's response is captured before any client byte: who is the client is
    // only known from the request.
    let (request, response) = handshake("/late", None);
    let request_packet = b.conv.send(Side::Client, &request);
    let response_packet = b.conv.send(Side::Server, &response);
    b.write(&request_packet);
    b.write(&response_packet);
    b.send(Side::Client, &client_frame(&Frame::text("hi")));
    let events = decode(&b.bytes());
    assert_eq!(handshakes(&events).len(), 1);
    assert_eq!(texts(&events), ["hi"]);
}

#[test]
fn a_capture_that_starts_with_the_server_speaking_still_sorts_out_roles() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    let _ = b.conv.open();
    // A bare ACK from the server comes first: the tracker guesses wrong, the request
    // puts it right.
    let ack = b.conv.ack(Side::Server);
    b.write(&ack);
    b.upgrade("/roles", None);
    b.send(Side::Server, &server_frame(&Frame::text("from server")));
    let events = decode(&b.bytes());
    let h = handshakes(&events);
    assert_eq!(h[0].src, "10.0.0.1:40000".parse().unwrap());
    let f = frames(&events);
    assert_eq!(f[0].from, Side::Server);
    assert_eq!(f[0].src, "10.0.0.2:80".parse().unwrap());
    assert!(
        f[0].violations.is_empty(),
        "unmasked from the server is right"
    );
}

#[test]
fn plain_http_and_other_protocols_are_skipped() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.send(Side::Client, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    b.send(
        Side::Server,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    );
    b.close();
    let mut other = Builder::new("10.0.0.1:40001", "10.0.0.2:22");
    other.open();
    other.send(Side::Server, b"SSH-2.0-OpenSSH_9.2\r\n");
    other.send(Side::Client, &[0x81, 0x05, 1, 2, 3, 4, 5]);
    let mut events = decode(&b.bytes());
    events.extend(decode(&other.bytes()));
    assert!(events.is_empty(), "{events:#?}");
}

#[test]
fn a_refused_upgrade_is_reported_and_not_decoded() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    let (request, _) = handshake("/nope", None);
    b.send(Side::Client, &request);
    b.send(
        Side::Server,
        b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n",
    );
    b.send(Side::Server, &[0x81, 0x01, b'x']);
    b.close();
    let events = decode(&b.bytes());
    let h = handshakes(&events);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].status, Some(426));
    assert!(!h[0].upgraded);
    assert!(frames(&events).is_empty());
}

#[test]
fn a_wrong_accept_key_is_a_violation() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    let (request, _) = handshake("/", None);
    b.send(Side::Client, &request);
    b.send(
        Side::Server,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
    );
    let events = decode(&b.bytes());
    let h = handshakes(&events);
    assert!(!h[0].accept_ok);
    assert_eq!(
        h[0].accept_expected.as_deref(),
        Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    );
    assert_eq!(h[0].violations[0].rule, "AcceptKeyMismatch");
    assert_eq!(h[0].violations[0].section, "4.1");
}

#[test]
fn reused_ports_are_a_new_connection() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    conversation(&mut b);
    // Same 4-tuple, new SYN with another sequence number.
    b.conv = synth::TcpConversation::new(b.conv.client, b.conv.server, 777_777, 999);
    conversation(&mut b);
    let events = decode(&b.bytes());
    let h = handshakes(&events);
    assert_eq!(h.iter().map(|h| h.conn).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(frames(&events).len(), 8);
}

#[test]
fn permessage_deflate_with_and_without_context_takeover() {
    use flate2::{Compress, Compression, FlushCompress};
    fn deflate(compress: &mut Compress, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 64);
        compress
            .compress_vec(data, &mut out, FlushCompress::Sync)
            .unwrap();
        assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
        out.truncate(out.len() - 4);
        out
    }
    fn compressed(payload: Vec<u8>) -> Frame {
        let mut frame = Frame::new(OpCode::Text, payload);
        frame.header.rsv1 = true;
        frame
    }
    let mut b = Builder::new("[2001:db8::1]:40000", "[2001:db8::2]:8080");
    b.open();
    b.upgrade("/", Some("permessage-deflate; client_no_context_takeover"));
    let text = "the quick brown fox jumps over the lazy dog; ".repeat(20);
    // The client resets its context every message; the server keeps it.
    let mut client = Compress::new(Compression::default(), false);
    let mut server = Compress::new(Compression::default(), false);
    for _ in 0..3 {
        client.reset();
        let payload = deflate(&mut client, text.as_bytes());
        b.send(Side::Client, &client_frame(&compressed(payload)));
        let payload = deflate(&mut server, text.as_bytes());
        b.send(Side::Server, &server_frame(&compressed(payload)));
    }
    b.close();
    let events = decode(&b.bytes());
    let h = handshakes(&events);
    let params = h[0].deflate.expect("negotiated");
    assert!(params.client_no_context_takeover && !params.server_no_context_takeover);
    let f = frames(&events);
    assert_eq!(f.len(), 6);
    for f in &f {
        assert!(f.compressed && f.violations.is_empty(), "{f:#?}");
    }
    // With context takeover the later server messages are tiny back-references.
    // With context takeover the server's later messages are back-references; without
    // it every client message is compressed from scratch, to the same size.
    assert!(
        f[5].payload_len < f[1].payload_len / 2,
        "{} vs {}",
        f[5].payload_len,
        f[1].payload_len
    );
    assert_eq!(f[0].payload_len, f[4].payload_len);
    assert_eq!(texts(&events), vec![text.clone(); 6]);
}

#[test]
fn every_link_type_and_capture_format_decodes_the_same() {
    let mut reference = Builder::new("192.168.0.1:5000", "192.168.0.2:9000");
    conversation(&mut reference);
    let reference_events = decode(&reference.bytes());
    // Re-encapsulate the same IP packets in each link type, as pcap and pcapng.
    let mut b = Builder::new("192.168.0.1:5000", "192.168.0.2:9000");
    let mut packets = Vec::new();
    packets.extend(b.conv.open());
    let (request, response) = handshake("/chat", None);
    packets.push(b.conv.send(Side::Client, &request));
    packets.push(b.conv.send(Side::Server, &response));
    packets.push(
        b.conv
            .send(Side::Client, &client_frame(&Frame::text("hello"))),
    );
    packets.push(
        b.conv
            .send(Side::Server, &server_frame(&Frame::text("hello"))),
    );
    for lt in [
        linktype::ETHERNET,
        linktype::NULL,
        linktype::LOOP,
        linktype::RAW,
        linktype::IPV4,
        linktype::LINUX_SLL,
        linktype::LINUX_SLL2,
    ] {
        for (big_endian, nanosecond) in [(false, false), (true, true)] {
            let mut w =
                ws_inspector::pcap::Writer::new(Vec::new(), lt, big_endian, nanosecond).unwrap();
            for (i, packet) in packets.iter().enumerate() {
                w.write_packet(Timestamp::new(1, i as u64), &synth::wrap_link(lt, packet))
                    .unwrap();
            }
            let events = decode(&w.into_inner().unwrap());
            assert_eq!(texts(&events), ["hello", "hello"], "linktype {lt}");
            assert_eq!(handshakes(&events).len(), 1);
        }
    }
    // VLAN-tagged Ethernet in a pcapng with two interfaces.
    let mut w = ws_inspector::pcapng::Writer::new(Vec::new()).unwrap();
    let plain = w.add_interface(linktype::ETHERNET).unwrap();
    let cooked = w.add_interface(linktype::LINUX_SLL2).unwrap();
    for (i, packet) in packets.iter().enumerate() {
        let time = Timestamp::new(1, i as u64);
        if i % 2 == 0 {
            w.write_packet(plain, time, &synth::ethernet(packet, &[10, 20]))
                .unwrap();
        } else {
            w.write_packet(
                cooked,
                time,
                &synth::wrap_link(linktype::LINUX_SLL2, packet),
            )
            .unwrap();
        }
    }
    let events = decode(&w.into_inner().unwrap());
    assert_eq!(texts(&events), ["hello", "hello"]);
    assert_eq!(texts(&reference_events), ["hello", "hello"]);
}

#[test]
fn ip_fragments_are_reported_not_guessed() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.upgrade("/", None);
    let mut packet = b
        .conv
        .send(Side::Client, &client_frame(&Frame::text("fragmented")));
    packet[6] = 0x20; // more fragments
    packet[10] = 0;
    packet[11] = 0;
    b.write(&packet);
    let events = decode(&b.bytes());
    let errors = errors(&events);
    assert!(errors.iter().any(|e| e.contains("fragment")), "{errors:?}");
    assert!(frames(&events).is_empty());
}

#[test]
fn frames_end_where_their_last_byte_arrives() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.upgrade("/", None);
    let big = client_frame(&Frame::binary(vec![1; 2500]));
    let mut stream = big.clone();
    stream.extend(client_frame(&Frame::text("tail")));
    for packet in b.conv.send_segmented(Side::Client, &stream, 1000) {
        b.write(&packet);
    }
    let events = decode(&b.bytes());
    let f = frames(&events);
    assert_eq!((f[0].packet, f[0].packet_end), (6, 8));
    assert_eq!((f[1].packet, f[1].packet_end), (8, 8));
    assert_eq!(f[0].time_end, Timestamp::new(1_700_000_000, 8_000));
}

#[test]
fn max_payload_cuts_payloads_in_events() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    b.open();
    b.upgrade("/", None);
    b.send(Side::Client, &client_frame(&Frame::text(&"x".repeat(1000))));
    let options = Options {
        max_payload: 10,
        ..Options::default()
    };
    let events = decode_with(&b.bytes(), options);
    let f = frames(&events);
    assert_eq!(f[0].payload.len(), 10);
    assert_eq!(f[0].payload_len, 1000);
    let Event::Message(m) = events.last().unwrap() else {
        panic!("a message last");
    };
    assert_eq!(m.payload_len, 1000);
}

#[test]
fn next_events_gives_what_the_iterator_gives() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:80");
    conversation(&mut b);
    let bytes = b.bytes();
    let iterated = decode(&bytes);
    let mut decoder =
        ws_inspector::CaptureDecoder::new(&bytes[..], None, Options::default()).unwrap();
    // Mix both ways: one event through the iterator, then the rest in place.
    let mut in_place = vec![decoder.next().unwrap()];
    while let Some(events) = decoder.next_events() {
        in_place.append(events);
    }
    assert_eq!(in_place, iterated);
    assert!(decoder.next_events().is_none());
}
