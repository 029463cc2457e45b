//! Bad input never panics, never hangs, and never loses what came before the damage:
//! truncated and corrupted copies of real and synthesised captures.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod common;

use std::path::PathBuf;

use ch07_close::Frame;
use common::*;
use proptest::prelude::*;
use ws_inspector::model::Event;
use ws_inspector::{CaptureDecoder, Options, Side};

fn real_captures() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = wsbook_peers::workspace_root().join("captures");
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

fn small_capture() -> Vec<u8> {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:8080");
    b.open();
    b.upgrade("/", Some("permessage-deflate"));
    b.send(Side::Client, &client_frame(&Frame::text("hello")));
    b.send(Side::Server, &server_frame(&Frame::binary(vec![1, 2, 3])));
    b.send(
        Side::Client,
        &client_frame(&Frame::close(Some(1000), "bye")),
    );
    b.close();
    b.bytes()
}

/// Decodes whatever the bytes are; `None` if the header is not a capture.
fn decode_any(bytes: &[u8]) -> Option<(Vec<Event>, u64)> {
    let mut decoder =
        CaptureDecoder::new(bytes, Some(bytes.len() as u64), Options::default()).ok()?;
    let events: Vec<Event> = decoder.by_ref().collect();
    Some((events, decoder.progress().packets))
}

/// Frames whose last byte came in a packet before `packets_ok`, as JSON without the
/// frame index.
fn complete_frames(events: &[Event], packets_ok: u64) -> Vec<serde_json::Value> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) if f.packet_end <= packets_ok && f.missing == 0 => {
                let mut value = serde_json::to_value(f).unwrap();
                value.as_object_mut().unwrap().remove("index");
                Some(value)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn every_prefix_of_a_capture_decodes_up_to_the_cut() {
    let bytes = small_capture();
    let (full, _) = decode_any(&bytes).unwrap();
    for len in 0..bytes.len() {
        let Some((events, packets)) = decode_any(&bytes[..len]) else {
            assert!(
                len < 32,
                "only a cut inside the file header makes it unreadable ({len})"
            );
            continue;
        };
        // The packets read whole decode exactly as in the full file.
        assert_eq!(
            complete_frames(&events, packets),
            complete_frames(&full, packets),
            "cut at byte {len}"
        );
    }
}

#[test]
fn truncated_real_captures_keep_everything_before_the_damage() {
    for (path, bytes) in real_captures() {
        let (full, total_packets) = decode_any(&bytes).unwrap();
        for cut in [
            bytes.len() / 3,
            bytes.len() / 2,
            bytes.len() * 9 / 10,
            bytes.len() - 1,
        ] {
            let (events, packets) = decode_any(&bytes[..cut]).unwrap();
            assert!(packets <= total_packets, "{}", path.display());
            let Some(Event::Error(error)) = events
                .iter()
                .find(|e| matches!(e, Event::Error(e) if e.layer == "capture"))
            else {
                panic!("{} cut at {cut}: no capture error reported", path.display());
            };
            assert!(error.offset.is_some_and(|o| o <= cut as u64), "{error:?}");
            assert!(error.message.contains("truncated"), "{error:?}");
            assert_eq!(
                complete_frames(&events, packets),
                complete_frames(&full, packets),
                "{} cut at byte {cut}",
                path.display()
            );
        }
    }
}

fn corrupt(bytes: &[u8], edits: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for &(at, value) in edits {
        if !bytes.is_empty() {
            let at = at % bytes.len();
            bytes[at] = value;
        }
    }
    bytes.truncate(cut.min(bytes.len()));
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn corrupted_synthetic_captures_never_panic(
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..12),
        cut in any::<usize>(),
    ) {
        let bytes = corrupt(&small_capture(), &edits, cut);
        let _ = decode_any(&bytes);
    }

    #[test]
    fn corrupted_real_captures_never_panic(
        which in 0usize..16,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..24),
        cut in any::<usize>(),
    ) {
        let captures = real_captures();
        let (_, original) = &captures[which % captures.len()];
        let bytes = corrupt(original, &edits, cut);
        let _ = decode_any(&bytes);
    }

    #[test]
    fn random_bytes_after_a_valid_header_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..4096),
        pcapng in any::<bool>(),
    ) {
        let mut bytes = if pcapng {
            ws_inspector::pcapng::Writer::new(Vec::new()).unwrap().into_inner().unwrap()
        } else {
            ws_inspector::pcap::Writer::new(Vec::new(), 1, false, false).unwrap().into_inner().unwrap()
        };
        bytes.extend_from_slice(&tail);
        let _ = decode_any(&bytes);
    }

    #[test]
    fn random_tcp_payloads_on_an_upgraded_connection_never_panic(
        client in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
        server in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
        deflate in any::<bool>(),
    ) {
        let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:8080");
        b.open();
        b.upgrade("/", deflate.then_some("permessage-deflate"));
        for (c, s) in client.iter().zip(server.iter()) {
            b.send(Side::Client, c);
            b.send(Side::Server, s);
        }
        let bytes = b.bytes();
        let (events, _) = decode_any(&bytes).unwrap();
        prop_assert!(events.iter().any(|e| matches!(e, Event::Handshake(_))));
    }
}
