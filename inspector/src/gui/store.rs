//! What the window knows about the open capture: frames, messages, connections.
//!
//! The decoder's [`Event`]s are convenient but large (each frame carries its addresses,
//! names and text twice); a capture can have a million frames. The worker thread turns
//! them into the compact rows here before they reach the UI thread, and the filters keep
//! a list of visible row numbers that grows as rows arrive.

use std::fmt::Write as _;
use std::net::SocketAddr;

use crate::model::{
    ErrorEvent, Event, FrameEvent, GapEvent, HandshakeEvent, MessageEvent, Side, ViolationRecord,
};
use crate::time::Timestamp;

/// "No message": a frame that is not (yet) part of a message.
pub const NO_MESSAGE: u32 = u32::MAX;

/// One frame, as the table and the detail panels need it.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameRow {
    /// Frame number in the whole decode (the decoder's `index`, `--frame N`).
    pub index: u64,
    /// Connection number.
    pub conn: u32,
    /// Packet carrying the first byte.
    pub packet: u64,
    /// Packet carrying the last byte.
    pub packet_end: u64,
    /// Time of the first packet.
    pub time: Timestamp,
    /// Sender.
    pub from: Side,
    /// FIN bit.
    pub fin: bool,
    /// RSV1–3.
    pub rsv: [bool; 3],
    /// Opcode (4 bits).
    pub opcode: u8,
    /// Belongs to a permessage-deflate compressed message (the payload kept is inflated).
    pub compressed: bool,
    /// The masking key.
    pub mask_key: Option<[u8; 4]>,
    /// Payload length announced by the header.
    pub payload_len: u64,
    /// Payload bytes the capture lacks.
    pub missing: u64,
    /// Header bytes as on the wire.
    header: [u8; 14],
    header_len: u8,
    /// Payload, unmasked (inflated when compressed), cut at the decoder's `max_payload`.
    pub payload: Box<[u8]>,
    /// Compressed frames only: the payload as on the wire (masked, compressed), cut
    /// likewise. Uncompressed frames' wire bytes are `payload` masked again.
    pub wire_payload: Box<[u8]>,
    /// Close code (close frames).
    pub close_code: Option<u16>,
    /// Rules this frame breaks.
    pub violations: Box<[ViolationRecord]>,
    /// Position of the message this frame belongs to in [`Capture::messages`].
    pub message: u32,
}

impl FrameRow {
    /// Compacts a decoder event.
    pub fn from_event(event: FrameEvent) -> FrameRow {
        let mut header = [0u8; 14];
        let header_len = event.header.len().min(14);
        header[..header_len].copy_from_slice(&event.header[..header_len]);
        FrameRow {
            index: event.index,
            conn: event.conn,
            packet: event.packet,
            packet_end: event.packet_end,
            time: event.time,
            from: event.from,
            fin: event.fin,
            rsv: event.rsv,
            opcode: event.opcode,
            compressed: event.compressed,
            mask_key: event.mask_key,
            payload_len: event.payload_len,
            missing: event.missing,
            header,
            header_len: header_len as u8,
            payload: event.payload.into_boxed_slice(),
            wire_payload: if event.compressed {
                event.wire_payload.into_boxed_slice()
            } else {
                Box::default()
            },
            close_code: event.close_code,
            violations: event.violations.into_boxed_slice(),
            message: NO_MESSAGE,
        }
    }

    /// The header's bytes as on the wire (2 to 14).
    pub fn header(&self) -> &[u8] {
        &self.header[..self.header_len as usize]
    }

    /// `TEXT`, `BINARY`, `CONT`, `CLOSE`, `PING`, `PONG`, `RSV 0x3`.
    pub fn opcode_name(&self) -> String {
        opcode_name(self.opcode)
    }

    /// Is this a data frame's first fragment (text or binary)?
    pub fn starts_message(&self) -> bool {
        matches!(self.opcode, 1 | 2)
    }

    /// The close reason (close frames), lossy UTF-8.
    pub fn close_reason(&self) -> Option<String> {
        (self.opcode == 8 && self.payload.len() > 2).then(|| lossy_text(&self.payload[2..]))
    }
}

/// Bytes as text for the screen: invalid UTF-8 becomes `?` (the replacement character
/// U+FFFD is not in egui's built-in fonts).
pub fn lossy_text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace('\u{FFFD}', "?")
}

/// Short opcode names, the chapters' names for the defined ones.
pub fn opcode_name(opcode: u8) -> String {
    match ch07_close::OpCode::from(opcode) {
        ch07_close::OpCode::Reserved(value) => format!("RSV 0x{value:X}"),
        other => other.name().to_string(),
    }
}

/// A data message, its frames grouped.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    /// Connection.
    pub conn: u32,
    /// Sender.
    pub from: Side,
    /// Packet of the first frame.
    pub packet: u64,
    /// Time of the first frame.
    pub time: Timestamp,
    /// 1 text, 2 binary.
    pub opcode: u8,
    /// Number of frames.
    pub frame_count: usize,
    /// Length after inflation.
    pub payload_len: u64,
    /// The message (cut at `max_payload`).
    pub payload: Box<[u8]>,
    /// Was compressed.
    pub compressed: bool,
    /// Rules the message breaks.
    pub violations: Box<[ViolationRecord]>,
    /// Positions of its frames in [`Capture::frames`].
    pub frames: Box<[u32]>,
}

/// What we know about one TCP connection.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Connection {
    /// Connection number.
    pub conn: u32,
    /// The client's address.
    pub client: Option<SocketAddr>,
    /// The server's address.
    pub server: Option<SocketAddr>,
    /// The opening handshake.
    pub handshake: Option<Box<HandshakeEvent>>,
    /// Frames per side (client, server).
    pub frames: [u64; 2],
    /// Payload bytes per side (announced lengths).
    pub bytes: [u64; 2],
    /// Messages per side.
    pub messages: [u64; 2],
    /// The first close frame of each side: code (if any) and reason.
    pub close: [Option<(Option<u16>, String)>; 2],
    /// Which side sent the first close frame.
    pub closed_first: Option<Side>,
    /// Violations in its frames, messages and handshake.
    pub violations: u64,
    /// Bytes missing from the capture.
    pub missing: u64,
}

impl Connection {
    /// `client → server` addresses.
    pub fn endpoints(&self) -> String {
        match (self.client, self.server) {
            (Some(c), Some(s)) => format!("{c} → {s}"),
            (Some(c), None) => format!("{c} → ?"),
            (None, Some(s)) => format!("? → {s}"),
            (None, None) => "? → ?".to_string(),
        }
    }

    /// How the connection ended, in words.
    pub fn how_closed(&self) -> String {
        let describe = |side: Side| -> Option<String> {
            let (code, reason) = self.close[side.index()].as_ref()?;
            let mut text = match code {
                Some(code) => format!("{code} {}", crate::diagram::close_code_name(*code)),
                None => "no code".to_string(),
            };
            if !reason.is_empty() {
                let _ = write!(text, " “{reason}”");
            }
            Some(text)
        };
        match self.closed_first {
            None => "no close frame".to_string(),
            Some(first) => {
                let mut text = format!(
                    "{} closed: {}",
                    first.name(),
                    describe(first).unwrap_or_default()
                );
                match describe(first.peer()) {
                    Some(_) => {
                        let _ = write!(text, "; {} answered", first.peer().name());
                    }
                    None => {
                        let _ = write!(text, "; no close from the {}", first.peer().name());
                    }
                }
                text
            }
        }
    }
}

/// Which way a frame went, for the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Direction {
    /// Both directions.
    #[default]
    Both,
    /// Client → server.
    FromClient,
    /// Server → client.
    FromServer,
}

/// Opcode groups the filter can hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[allow(clippy::struct_excessive_bools)]
pub struct Opcodes {
    /// 0x1.
    pub text: bool,
    /// 0x2.
    pub binary: bool,
    /// 0x0.
    pub continuation: bool,
    /// 0x8.
    pub close: bool,
    /// 0x9 and 0xA.
    pub ping_pong: bool,
    /// 0x3–7, 0xB–F.
    pub reserved: bool,
}

impl Default for Opcodes {
    fn default() -> Self {
        Opcodes {
            text: true,
            binary: true,
            continuation: true,
            close: true,
            ping_pong: true,
            reserved: true,
        }
    }
}

impl Opcodes {
    fn allows(self, opcode: u8) -> bool {
        match opcode {
            0x0 => self.continuation,
            0x1 => self.text,
            0x2 => self.binary,
            0x8 => self.close,
            0x9 | 0xA => self.ping_pong,
            _ => self.reserved,
        }
    }
}

/// The frame table's filters (persisted between runs).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Filters {
    /// Only this connection.
    pub conn: Option<u32>,
    /// Only this direction.
    pub direction: Direction,
    /// Opcodes shown.
    pub opcodes: Opcodes,
    /// Text that must occur in the payload (ASCII case-insensitive).
    pub search: String,
    /// Only frames with violations.
    pub violations_only: bool,
}

impl Filters {
    /// Does `frame` pass? `needle` is the search text in lower case.
    pub fn matches(&self, frame: &FrameRow, needle: &[u8]) -> bool {
        if self.conn.is_some_and(|conn| conn != frame.conn) {
            return false;
        }
        match (self.direction, frame.from) {
            (Direction::FromClient, Side::Server) | (Direction::FromServer, Side::Client) => {
                return false;
            }
            _ => {}
        }
        if !self.opcodes.allows(frame.opcode) {
            return false;
        }
        if self.violations_only && frame.violations.is_empty() {
            return false;
        }
        needle.is_empty() || contains_ignore_ascii_case(&frame.payload, needle)
    }

    /// Does `message` pass? Same rules as frames (its opcode is text or binary).
    pub fn matches_message(&self, message: &MessageRow, needle: &[u8]) -> bool {
        if self.conn.is_some_and(|conn| conn != message.conn) {
            return false;
        }
        match (self.direction, message.from) {
            (Direction::FromClient, Side::Server) | (Direction::FromServer, Side::Client) => {
                return false;
            }
            _ => {}
        }
        if !self.opcodes.allows(message.opcode) {
            return false;
        }
        if self.violations_only && message.violations.is_empty() {
            return false;
        }
        needle.is_empty() || contains_ignore_ascii_case(&message.payload, needle)
    }

    /// The search text as the matcher wants it.
    pub fn needle(&self) -> Vec<u8> {
        self.search.trim().to_ascii_lowercase().into_bytes()
    }
}

/// `haystack` contains `needle` (already lower case), ignoring ASCII case.
fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    if needle.len() > haystack.len() {
        return false;
    }
    let first = needle[0];
    haystack.windows(needle.len()).any(|window| {
        window[0].to_ascii_lowercase() == first && window.eq_ignore_ascii_case(needle)
    })
}

/// A decoded item, compacted on the worker thread.
#[derive(Debug, Clone)]
pub enum Item {
    /// An opening handshake.
    Handshake(Box<HandshakeEvent>),
    /// A frame.
    Frame(FrameRow),
    /// A message.
    Message(MessageEvent),
    /// Missing bytes.
    Gap(GapEvent),
    /// A decoding error.
    Error(ErrorEvent),
}

impl Item {
    /// Compacts an event.
    pub fn from_event(event: Event) -> Item {
        match event {
            Event::Handshake(h) => Item::Handshake(h),
            Event::Frame(f) => Item::Frame(FrameRow::from_event(f)),
            Event::Message(m) => Item::Message(m),
            Event::Gap(g) => Item::Gap(g),
            Event::Error(e) => Item::Error(e),
        }
    }
}

/// Rows per chunk of a [`Chunked`] list.
const CHUNK: usize = 1 << 16;

/// A list that grows a chunk at a time: a push never moves the rows already there, so
/// a million rows arrive without the pauses of a `Vec` doubling (and copying) itself.
#[derive(Debug)]
pub struct Chunked<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunked<T> {
    /// Appends a row.
    pub fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => chunk.push(value),
            _ => {
                let mut chunk = Vec::with_capacity(CHUNK);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Row `index`, if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// Row `index`, mutably.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        self.chunks.get_mut(index / CHUNK)?.get_mut(index % CHUNK)
    }

    /// The rows in order.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

impl<T> std::ops::Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        &self.chunks[index / CHUNK][index % CHUNK]
    }
}

/// Everything decoded from the open capture, plus the filtered view of its frames.
#[derive(Debug, Default)]
pub struct Capture {
    /// Frames in decode order.
    pub frames: Chunked<FrameRow>,
    /// Messages in decode order.
    pub messages: Chunked<MessageRow>,
    /// Connections by number (the decoder counts them from 0).
    pub connections: Vec<Connection>,
    /// Decoding errors.
    pub errors: Vec<ErrorEvent>,
    /// Gaps.
    pub gaps: Vec<GapEvent>,
    /// Time of the first event (for relative times).
    pub first_time: Option<Timestamp>,
    /// Positions in `frames` that pass the filters, in order.
    pub visible: Vec<u32>,
    /// Positions in `messages` that pass the filters, in order.
    pub visible_messages: Vec<u32>,
    /// Frames that break at least one rule.
    pub frames_with_violations: usize,
    /// How far the filters have looked into `frames`.
    filtered_upto: usize,
    /// How far the filters have looked into `messages`.
    messages_filtered_upto: usize,
    /// The filters `visible` was computed with.
    applied: Filters,
    needle: Vec<u8>,
    /// Data frames per (conn, side) waiting for their message.
    pending: std::collections::HashMap<(u32, Side), Vec<u32>>,
}

/// Frames filtered between two looks at the clock in [`Capture::refilter_for`].
const FILTER_CHUNK: usize = 4096;

impl Capture {
    /// Adds decoded items.
    pub fn extend(&mut self, items: impl IntoIterator<Item = Item>) {
        for item in items {
            self.push(item);
        }
    }

    fn connection(&mut self, conn: u32) -> &mut Connection {
        let index = conn as usize;
        if self.connections.len() <= index {
            let start = self.connections.len() as u32;
            self.connections
                .extend((start..=conn).map(|conn| Connection {
                    conn,
                    ..Connection::default()
                }));
        }
        &mut self.connections[index]
    }

    /// Adds one decoded item.
    pub fn push(&mut self, item: Item) {
        match item {
            Item::Handshake(handshake) => {
                self.first_time.get_or_insert(handshake.time);
                let violations = handshake.violations.len() as u64;
                let connection = self.connection(handshake.conn);
                connection.client = Some(handshake.src);
                connection.server = Some(handshake.dst);
                connection.violations += violations;
                connection.handshake = Some(handshake);
            }
            Item::Frame(frame) => {
                self.first_time.get_or_insert(frame.time);
                let position = self.frames.len() as u32;
                let side = frame.from;
                if !frame.violations.is_empty() {
                    self.frames_with_violations += 1;
                }
                let close = (frame.opcode == 8)
                    .then(|| (frame.close_code, frame.close_reason().unwrap_or_default()));
                let connection = self.connection(frame.conn);
                connection.frames[side.index()] += 1;
                connection.bytes[side.index()] += frame.payload_len;
                connection.violations += frame.violations.len() as u64;
                connection.missing += frame.missing;
                if let Some(close) = close
                    && connection.close[side.index()].is_none()
                {
                    connection.close[side.index()] = Some(close);
                    connection.closed_first.get_or_insert(side);
                }
                match frame.opcode {
                    1 | 2 => {
                        self.pending.insert((frame.conn, side), vec![position]);
                    }
                    0 => self
                        .pending
                        .entry((frame.conn, side))
                        .or_default()
                        .push(position),
                    _ => {}
                }
                self.frames.push(frame);
            }
            Item::Message(message) => {
                let position = self.messages.len() as u32;
                let mut frames = self
                    .pending
                    .remove(&(message.conn, message.from))
                    .unwrap_or_default();
                // The message's frames are the last `frames` data frames of its side.
                if frames.len() > message.frames {
                    frames.drain(..frames.len() - message.frames);
                }
                for &frame in &frames {
                    if let Some(row) = self.frames.get_mut(frame as usize) {
                        row.message = position;
                    }
                }
                let connection = self.connection(message.conn);
                connection.messages[message.from.index()] += 1;
                connection.violations += message.violations.len() as u64;
                self.messages.push(MessageRow {
                    conn: message.conn,
                    from: message.from,
                    packet: message.packet,
                    time: message.time,
                    opcode: message.opcode,
                    frame_count: message.frames,
                    payload_len: message.payload_len,
                    payload: message.payload.into_boxed_slice(),
                    compressed: message.compressed,
                    violations: message.violations.into_boxed_slice(),
                    frames: frames.into_boxed_slice(),
                });
            }
            Item::Gap(gap) => {
                self.connection(gap.conn).missing += gap.missing;
                self.gaps.push(gap);
            }
            Item::Error(error) => self.errors.push(error),
        }
    }

    /// Sets the filters; the visible list is rebuilt by [`Capture::refilter`].
    pub fn set_filters(&mut self, filters: &Filters) {
        if *filters != self.applied {
            self.applied = filters.clone();
            self.needle = filters.needle();
            self.visible.clear();
            self.filtered_upto = 0;
            self.visible_messages.clear();
            self.messages_filtered_upto = 0;
        }
    }

    /// Runs the filters over frames not looked at yet, at most `budget` of them.
    /// Returns `true` when every frame has been looked at.
    pub fn refilter(&mut self, budget: usize) -> bool {
        let end = self
            .frames
            .len()
            .min(self.filtered_upto.saturating_add(budget));
        for position in self.filtered_upto..end {
            if self.applied.matches(&self.frames[position], &self.needle) {
                self.visible.push(position as u32);
            }
        }
        self.filtered_upto = end;
        let messages_end = self
            .messages
            .len()
            .min(self.messages_filtered_upto.saturating_add(budget));
        for position in self.messages_filtered_upto..messages_end {
            if self
                .applied
                .matches_message(&self.messages[position], &self.needle)
            {
                self.visible_messages.push(position as u32);
            }
        }
        self.messages_filtered_upto = messages_end;
        end == self.frames.len() && messages_end == self.messages.len()
    }

    /// Position in `visible_messages` of message `position`, if it is visible.
    pub fn visible_message_row(&self, position: usize) -> Option<usize> {
        self.visible_messages.binary_search(&(position as u32)).ok()
    }

    /// Runs the filters for at most about `budget`, so that re-filtering a million
    /// frames never freezes the window: the list grows over several UI frames. Returns
    /// `true` when every frame has been looked at.
    pub fn refilter_for(&mut self, budget: std::time::Duration) -> bool {
        let start = std::time::Instant::now();
        loop {
            if self.refilter(FILTER_CHUNK) {
                return true;
            }
            if start.elapsed() >= budget {
                return false;
            }
        }
    }

    /// The filters have looked at every frame and message.
    pub fn filtered_all(&self) -> bool {
        self.filtered_upto == self.frames.len()
            && self.messages_filtered_upto == self.messages.len()
    }

    /// Position in `visible` of frame `position`, if it is visible.
    pub fn visible_row(&self, position: usize) -> Option<usize> {
        self.visible.binary_search(&(position as u32)).ok()
    }

    /// Time of `time` relative to the first event, in seconds.
    pub fn relative(&self, time: Timestamp) -> f64 {
        let first = self.first_time.unwrap_or(time);
        (time.secs - first.secs) as f64 + (f64::from(time.nanos) - f64::from(first.nanos)) / 1e9
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn frame(
        index: u64,
        conn: u32,
        from: Side,
        opcode: u8,
        fin: bool,
        payload: &[u8],
    ) -> FrameRow {
        let mut header = [0u8; 14];
        header[0] = opcode | if fin { 0x80 } else { 0 };
        header[1] = payload.len() as u8;
        FrameRow {
            index,
            conn,
            packet: index + 1,
            packet_end: index + 1,
            time: Timestamp::new(1_700_000_000, index * 1_000_000),
            from,
            fin,
            rsv: [false; 3],
            opcode,
            compressed: false,
            mask_key: None,
            payload_len: payload.len() as u64,
            missing: 0,
            header,
            header_len: 2,
            payload: payload.into(),
            wire_payload: Box::default(),
            close_code: None,
            violations: Box::new([]),
            message: NO_MESSAGE,
        }
    }

    #[test]
    fn chunked_lists_index_across_chunks() {
        let mut list = Chunked::default();
        for i in 0..(2 * CHUNK + 5) {
            list.push(i);
        }
        assert_eq!(list.len(), 2 * CHUNK + 5);
        assert_eq!(list[CHUNK - 1], CHUNK - 1);
        assert_eq!(list[CHUNK], CHUNK);
        assert_eq!(list.get(2 * CHUNK + 4), Some(&(2 * CHUNK + 4)));
        assert_eq!(list.get(2 * CHUNK + 5), None);
        assert!(list.iter().copied().eq(0..2 * CHUNK + 5));
        *list.get_mut(7).unwrap() = 70;
        assert_eq!(list[7], 70);
    }

    #[test]
    fn filters_by_connection_direction_opcode_and_text() {
        let mut capture = Capture::default();
        capture.extend([
            Item::Frame(frame(0, 0, Side::Client, 1, true, b"Hello World")),
            Item::Frame(frame(1, 0, Side::Server, 1, true, b"hello world")),
            Item::Frame(frame(2, 1, Side::Client, 9, true, b"ping")),
            Item::Frame(frame(3, 1, Side::Server, 2, true, b"\x00\x01")),
        ]);
        let mut filters = Filters::default();
        capture.set_filters(&filters);
        assert!(capture.refilter(usize::MAX));
        assert_eq!(capture.visible, [0, 1, 2, 3]);

        filters.search = "WORLD".to_string();
        capture.set_filters(&filters);
        capture.refilter(usize::MAX);
        assert_eq!(capture.visible, [0, 1]);

        filters.direction = Direction::FromServer;
        capture.set_filters(&filters);
        capture.refilter(usize::MAX);
        assert_eq!(capture.visible, [1]);

        filters = Filters {
            conn: Some(1),
            ..Filters::default()
        };
        filters.opcodes.ping_pong = false;
        capture.set_filters(&filters);
        // A budget smaller than the capture: the list grows over several calls.
        assert!(!capture.refilter(2));
        assert!(capture.refilter(2));
        assert_eq!(capture.visible, [3]);
        assert_eq!(capture.visible_row(3), Some(0));
        assert_eq!(capture.visible_row(2), None);
    }

    #[test]
    fn messages_collect_their_fragments_around_control_frames() {
        let mut capture = Capture::default();
        capture.extend([
            Item::Frame(frame(0, 0, Side::Client, 1, false, b"Hello, ")),
            Item::Frame(frame(1, 0, Side::Client, 9, true, b"ping")),
            Item::Frame(frame(2, 0, Side::Server, 10, true, b"ping")),
            Item::Frame(frame(3, 0, Side::Client, 0, true, b"world")),
        ]);
        let message = MessageEvent {
            conn: 0,
            packet: 1,
            time: Timestamp::default(),
            packet_end: 4,
            time_end: Timestamp::default(),
            src: "127.0.0.1:1".parse().unwrap(),
            dst: "127.0.0.1:2".parse().unwrap(),
            from: Side::Client,
            opcode: 1,
            opcode_name: "TEXT".into(),
            frames: 2,
            payload_len: 12,
            payload: b"Hello, world".to_vec(),
            compressed: false,
            text: Some("Hello, world".to_string()),
            violations: vec![],
        };
        capture.push(Item::Message(message));
        assert_eq!(&*capture.messages[0].frames, [0, 3]);
        assert_eq!(capture.frames[0].message, 0);
        assert_eq!(capture.frames[1].message, NO_MESSAGE);
        assert_eq!(capture.frames[3].message, 0);
        assert_eq!(capture.connections[0].frames, [3, 1]);
        assert_eq!(capture.connections[0].messages, [1, 0]);
    }

    #[test]
    fn how_a_connection_closed() {
        let mut capture = Capture::default();
        let mut close = frame(0, 0, Side::Server, 8, true, b"\x0f\xa0demo over");
        close.close_code = Some(4000);
        let mut echo = frame(1, 0, Side::Client, 8, true, b"\x0f\xa0demo over");
        echo.close_code = Some(4000);
        capture.extend([Item::Frame(close), Item::Frame(echo)]);
        assert_eq!(
            capture.connections[0].how_closed(),
            "server closed: 4000 private use “demo over”; client answered"
        );
        assert_eq!(Connection::default().how_closed(), "no close frame");
    }
}
