//! TCP reassembly for one direction of one connection: segments in (in any order, some
//! repeated, some overlapping, some missing), an ordered byte stream out.
//!
//! Every byte has a *stream offset* (0 = the first byte after the SYN, or the first byte
//! seen when the capture started mid-connection). Sequence numbers are 32 bits and wrap,
//! so they are turned into 64-bit offsets relative to the next expected byte.
//!
//! - in order: delivered at once, without copying;
//! - already delivered (a retransmission, a keep-alive): dropped;
//! - partly delivered (an overlap): the new tail is delivered;
//! - ahead of the next expected byte (out of order): held until the hole fills.
//!
//! A hole that never fills is a *gap*: the capture missed those bytes. It is declared
//! when the other side acknowledges data beyond the hole (so it was sent and received,
//! only not captured), when too much data waits behind it, or at the end of the capture.
//! The gap's exact size is known from the sequence numbers, so the layer above knows
//! precisely which bytes are missing and can often stay in step.

// Sequence numbers are compared as signed 32-bit distances (RFC 1982 serial number
// arithmetic): the wrapping casts below are the point, not an accident. Stream offsets
// are u64 and never come near 2^63.
#![allow(clippy::cast_possible_wrap)]

use std::collections::BTreeMap;

use crate::time::PacketRef;

/// Receives the reassembled stream.
pub trait StreamSink {
    /// The next bytes of the stream, from the packet `at`.
    fn data(&mut self, bytes: &[u8], at: PacketRef);
    /// `missing` bytes of the stream, starting at stream offset `offset`, were not
    /// captured; the next `data` follows them.
    fn gap(&mut self, offset: u64, missing: u64, at: PacketRef);
}

/// Counters for `stats` and the GUI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReassemblyStats {
    /// Segments that carried data.
    pub segments: u64,
    /// Segments whose data had all been delivered already.
    pub retransmissions: u64,
    /// Segments that partly overlapped delivered or waiting data.
    pub overlaps: u64,
    /// Segments that arrived ahead of a hole.
    pub out_of_order: u64,
    /// Gaps declared.
    pub gaps: u64,
    /// Bytes lost in gaps.
    pub gap_bytes: u64,
    /// Segments too far from the expected sequence number to be believed.
    pub ignored: u64,
}

/// How far ahead of the next expected byte a segment may start and still be believed
/// (beyond that it belongs to something else, e.g. a reused port).
const MAX_AHEAD: u64 = 1 << 30;

#[derive(Debug)]
struct Waiting {
    data: Vec<u8>,
    at: PacketRef,
}

/// Reassembles one direction of a TCP connection.
#[derive(Debug)]
pub struct Reassembler {
    /// Sequence number of stream offset 0; `None` until the first segment.
    base_seq: Option<u32>,
    /// Stream offset of the next byte to deliver.
    offset: u64,
    waiting: BTreeMap<u64, Waiting>,
    waiting_bytes: usize,
    max_waiting_bytes: usize,
    /// The capture did not show this direction's SYN.
    pub mid_stream: bool,
    /// Stream offset of the FIN, once seen.
    pub fin_offset: Option<u64>,
    /// Counters.
    pub stats: ReassemblyStats,
}

impl Default for Reassembler {
    fn default() -> Self {
        Self::new(8 * 1024 * 1024)
    }
}

impl Reassembler {
    /// A reassembler that holds at most `max_waiting_bytes` out-of-order bytes before it
    /// declares the hole in front of them a gap.
    pub fn new(max_waiting_bytes: usize) -> Self {
        Reassembler {
            base_seq: None,
            offset: 0,
            waiting: BTreeMap::new(),
            waiting_bytes: 0,
            max_waiting_bytes,
            mid_stream: false,
            fin_offset: None,
            stats: ReassemblyStats::default(),
        }
    }

    /// Stream offset of the next byte to be delivered (= bytes delivered + gap bytes).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The sequence number the next in-order byte will carry, once known.
    pub fn next_seq(&self) -> Option<u32> {
        self.base_seq
            .map(|base| base.wrapping_add(self.offset as u32))
    }

    /// Out-of-order bytes held.
    pub fn waiting_bytes(&self) -> usize {
        self.waiting_bytes
    }

    /// Position of sequence number `seq` relative to the next expected byte (negative:
    /// already delivered). Uses 32-bit serial-number arithmetic (RFC 1982).
    fn relative(&self, seq: u32) -> i64 {
        let next = self.next_seq().unwrap_or(seq);
        i64::from(seq.wrapping_sub(next) as i32)
    }

    /// Feeds one segment of this direction.
    pub fn segment(
        &mut self,
        seq: u32,
        syn: bool,
        fin: bool,
        payload: &[u8],
        at: PacketRef,
        sink: &mut impl StreamSink,
    ) {
        if self.base_seq.is_none() {
            if syn {
                // The SYN consumes one sequence number; data starts after it.
                self.base_seq = Some(seq.wrapping_add(1));
            } else {
                self.base_seq = Some(seq);
                self.mid_stream = true;
            }
        }
        let data_seq = if syn { seq.wrapping_add(1) } else { seq };
        let relative = self.relative(data_seq);
        let start = self.offset as i64 + relative;
        if fin {
            let end = start + payload.len() as i64;
            if end >= 0 && self.fin_offset.is_none() {
                self.fin_offset = Some(end as u64);
            }
        }
        if payload.is_empty() {
            return;
        }
        self.stats.segments += 1;
        if relative > MAX_AHEAD as i64 || relative < -(MAX_AHEAD as i64) {
            self.stats.ignored += 1;
            return;
        }
        let end = start + payload.len() as i64;
        if end <= self.offset as i64 {
            self.stats.retransmissions += 1;
            return;
        }
        let start = start.max(0) as u64;
        let payload = &payload[payload.len() - (end as u64 - start) as usize..];
        match start.cmp(&self.offset) {
            std::cmp::Ordering::Less => {
                self.stats.overlaps += 1;
                let skip = (self.offset - start) as usize;
                self.deliver(&payload[skip..], at, sink);
                self.drain(sink);
            }
            std::cmp::Ordering::Equal => {
                self.deliver(payload, at, sink);
                self.drain(sink);
            }
            std::cmp::Ordering::Greater => {
                self.stats.out_of_order += 1;
                self.hold(start, payload, at);
                if self.waiting_bytes > self.max_waiting_bytes {
                    self.skip_to_waiting(at, sink);
                }
            }
        }
    }

    fn hold(&mut self, start: u64, payload: &[u8], at: PacketRef) {
        if let Some(existing) = self.waiting.get(&start) {
            if existing.data.len() >= payload.len() {
                self.stats.retransmissions += 1;
                return;
            }
            self.waiting_bytes -= existing.data.len();
        }
        self.waiting_bytes += payload.len();
        self.waiting.insert(
            start,
            Waiting {
                data: payload.to_vec(),
                at,
            },
        );
    }

    fn deliver(&mut self, bytes: &[u8], at: PacketRef, sink: &mut impl StreamSink) {
        self.offset += bytes.len() as u64;
        sink.data(bytes, at);
    }

    /// Delivers waiting segments that the stream has reached.
    fn drain(&mut self, sink: &mut impl StreamSink) {
        while let Some(entry) = self.waiting.first_entry() {
            let start = *entry.key();
            if start > self.offset {
                break;
            }
            let waiting = entry.remove();
            self.waiting_bytes -= waiting.data.len();
            let end = start + waiting.data.len() as u64;
            if end <= self.offset {
                self.stats.retransmissions += 1;
                continue;
            }
            if start < self.offset {
                self.stats.overlaps += 1;
            }
            let skip = (self.offset - start) as usize;
            self.deliver(&waiting.data[skip..], waiting.at, sink);
        }
    }

    /// Declares the hole before the first waiting segment a gap and moves on.
    fn skip_to_waiting(&mut self, at: PacketRef, sink: &mut impl StreamSink) {
        if let Some((&start, _)) = self.waiting.first_key_value() {
            if start > self.offset {
                self.declare_gap(start - self.offset, at, sink);
            }
            self.drain(sink);
        }
    }

    fn declare_gap(&mut self, missing: u64, at: PacketRef, sink: &mut impl StreamSink) {
        self.stats.gaps += 1;
        self.stats.gap_bytes += missing;
        sink.gap(self.offset, missing, at);
        self.offset += missing;
    }

    /// The other direction acknowledged everything before `ack`. If data waits behind a
    /// hole that the acknowledgment covers, the hole's bytes were sent and received but
    /// not captured: declare the gap now instead of waiting for bytes that will not come.
    pub fn acknowledged(&mut self, ack: u32, at: PacketRef, sink: &mut impl StreamSink) {
        if self.base_seq.is_none() || self.waiting.is_empty() {
            return;
        }
        let relative = self.relative(ack);
        if relative <= 0 || relative as u64 > MAX_AHEAD {
            return;
        }
        let acked_to = self.offset + relative as u64;
        if let Some((&first_waiting, _)) = self.waiting.first_key_value() {
            let hole_end = first_waiting.min(acked_to);
            if hole_end > self.offset {
                self.declare_gap(hole_end - self.offset, at, sink);
                self.drain(sink);
            }
        }
    }

    /// End of the capture (or of the connection): whatever still waits is delivered after
    /// gaps for the holes in front of it.
    pub fn finish(&mut self, at: PacketRef, sink: &mut impl StreamSink) {
        while !self.waiting.is_empty() {
            self.skip_to_waiting(at, sink);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Collect {
        bytes: Vec<u8>,
        events: Vec<String>,
    }

    impl StreamSink for Collect {
        fn data(&mut self, bytes: &[u8], at: PacketRef) {
            self.bytes.extend_from_slice(bytes);
            self.events.push(format!(
                "data {} @{}",
                String::from_utf8_lossy(bytes),
                at.number
            ));
        }
        fn gap(&mut self, _offset: u64, missing: u64, at: PacketRef) {
            self.bytes
                .extend(std::iter::repeat_n(b'?', missing as usize));
            self.events.push(format!("gap {missing} @{}", at.number));
        }
    }

    fn at(number: u64) -> PacketRef {
        PacketRef {
            number,
            ..PacketRef::default()
        }
    }

    const ISN: u32 = 1000;

    fn syn(r: &mut Reassembler, sink: &mut Collect) {
        r.segment(ISN, true, false, &[], at(1), sink);
    }

    #[test]
    fn in_order_segments_pass_straight_through() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1, false, false, b"hello ", at(2), &mut sink);
        r.segment(ISN + 7, false, false, b"world", at(3), &mut sink);
        assert_eq!(sink.bytes, b"hello world");
        assert_eq!(sink.events, ["data hello  @2", "data world @3"]);
        assert_eq!(r.offset(), 11);
        assert!(!r.mid_stream);
    }

    #[test]
    fn out_of_order_segments_wait_for_the_hole() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1 + 6, false, false, b"world", at(2), &mut sink);
        r.segment(ISN + 1 + 11, false, false, b"!", at(3), &mut sink);
        assert!(sink.bytes.is_empty());
        assert_eq!(r.waiting_bytes(), 6);
        r.segment(ISN + 1, false, false, b"hello ", at(4), &mut sink);
        assert_eq!(sink.bytes, b"hello world!");
        assert_eq!(
            sink.events,
            ["data hello  @4", "data world @2", "data ! @3"]
        );
        assert_eq!(r.stats.out_of_order, 2);
        assert_eq!(r.waiting_bytes(), 0);
    }

    #[test]
    fn retransmissions_and_keepalives_are_dropped() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1, false, false, b"abc", at(2), &mut sink);
        r.segment(ISN + 1, false, false, b"abc", at(3), &mut sink);
        // A keep-alive: one old byte at next-1.
        r.segment(ISN + 3, false, false, b"c", at(4), &mut sink);
        assert_eq!(sink.bytes, b"abc");
        assert_eq!(r.stats.retransmissions, 2);
    }

    #[test]
    fn overlapping_segments_deliver_only_the_new_tail() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1, false, false, b"abcd", at(2), &mut sink);
        r.segment(ISN + 3, false, false, b"cdef", at(3), &mut sink);
        assert_eq!(sink.bytes, b"abcdef");
        // Overlaps among waiting segments too.
        r.segment(ISN + 1 + 9, false, false, b"jkl", at(4), &mut sink);
        r.segment(ISN + 1 + 8, false, false, b"ijklm", at(5), &mut sink);
        r.segment(ISN + 1 + 6, false, false, b"ghi", at(6), &mut sink);
        assert_eq!(sink.bytes, b"abcdefghijklm");
        assert_eq!(r.stats.overlaps, 2);
        assert_eq!(
            r.stats.retransmissions, 1,
            "jkl was wholly covered by ijklm"
        );
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        let isn = u32::MAX - 2;
        r.segment(isn, true, false, &[], at(1), &mut sink);
        r.segment(isn.wrapping_add(1), false, false, b"ab", at(2), &mut sink);
        r.segment(isn.wrapping_add(5), false, false, b"ef", at(3), &mut sink); // past 2^32
        r.segment(isn.wrapping_add(3), false, false, b"cd", at(4), &mut sink);
        assert_eq!(sink.bytes, b"abcdef");
        assert_eq!(r.next_seq(), Some(isn.wrapping_add(7)));
    }

    #[test]
    fn acknowledged_hole_becomes_a_gap_of_the_exact_size() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1, false, false, b"abc", at(2), &mut sink);
        // "defg" was never captured.
        r.segment(ISN + 8, false, false, b"hij", at(4), &mut sink);
        // An ack that covers only delivered data changes nothing.
        r.acknowledged(ISN + 4, at(5), &mut sink);
        assert_eq!(sink.bytes, b"abc");
        r.acknowledged(ISN + 11, at(6), &mut sink);
        assert_eq!(sink.bytes, b"abc????hij");
        assert_eq!(sink.events[1], "gap 4 @6");
        assert_eq!(r.stats.gaps, 1);
        assert_eq!(r.stats.gap_bytes, 4);
    }

    #[test]
    fn ack_without_waiting_data_is_not_a_gap() {
        // E.g. the ack of a FIN the capture missed: nothing proves data was lost.
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1, false, false, b"abc", at(2), &mut sink);
        r.acknowledged(ISN + 5, at(3), &mut sink);
        assert_eq!(r.stats.gaps, 0);
    }

    #[test]
    fn too_much_waiting_data_forces_the_gap() {
        let (mut r, mut sink) = (Reassembler::new(10), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1 + 5, false, false, b"123456", at(2), &mut sink);
        assert!(sink.bytes.is_empty());
        r.segment(ISN + 1 + 11, false, false, b"789ab", at(3), &mut sink);
        assert_eq!(sink.bytes, b"?????123456789ab");
    }

    #[test]
    fn finish_flushes_waiting_segments_behind_gaps() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(ISN + 1 + 2, false, false, b"cd", at(2), &mut sink);
        r.segment(ISN + 1 + 6, false, false, b"gh", at(3), &mut sink);
        r.finish(at(9), &mut sink);
        assert_eq!(sink.bytes, b"??cd??gh");
        assert_eq!(r.stats.gaps, 2);
    }

    #[test]
    fn capture_starting_mid_connection_starts_at_the_first_segment() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        r.segment(55_555, false, false, b"xyz", at(1), &mut sink);
        r.segment(55_558, false, true, b"!", at(2), &mut sink);
        assert!(r.mid_stream);
        assert_eq!(sink.bytes, b"xyz!");
        assert_eq!(r.fin_offset, Some(4));
    }

    #[test]
    fn syn_with_data_delivers_it() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        r.segment(ISN, true, false, b"fast open", at(1), &mut sink);
        assert_eq!(sink.bytes, b"fast open");
    }

    #[test]
    fn wild_segments_are_ignored() {
        let (mut r, mut sink) = (Reassembler::default(), Collect::default());
        syn(&mut r, &mut sink);
        r.segment(
            ISN.wrapping_add(1 << 31),
            false,
            false,
            b"far",
            at(2),
            &mut sink,
        );
        assert_eq!(r.stats.ignored, 1);
        assert_eq!(r.waiting_bytes(), 0);
    }
}
