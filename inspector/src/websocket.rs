//! One direction of a WebSocket connection: reassembled bytes in, frames and messages
//! out — decoded by the chapters' own code.
//!
//! - chapter 03's [`parse`] reads each header, [`FrameHeader::validate`] names the §5.2
//!   rules it breaks;
//! - chapter 04's [`apply_mask`] unmasks, [`check_masking`] applies the §5.1 role rules;
//! - chapter 05's [`Assembler`] puts fragments together and checks §5.4, §5.5, §8.1 and
//!   the size limits;
//! - chapter 07's [`parse_close_payload`] checks a close frame's code and reason (§5.5.1,
//!   §7.4).
//!
//! What this module adds is what a *passive* observer needs and an endpoint does not:
//! it never stops at a violation (it records it and goes on), it inflates
//! permessage-deflate messages, and it survives bytes missing from the capture. When a
//! gap falls inside a payload whose length is known, the next header's position is
//! still known and decoding stays in step. When the gap swallows a header, the frame
//! boundary is lost: the decoder then looks for a *trustworthy* boundary — the start of
//! a TCP segment where a header that obeys every rule begins, followed by another such
//! header (or the end of the data) exactly where its payload ends.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::OnceLock;

use ch07_close::{
    Assembler, FrameHeader, Limits, MessageError, MessageKind, OpCode, Parsed, Pushed, Role,
    Utf8Validator, Violation, apply_mask, check_masking, parse, parse_close_payload,
};

use crate::deflate::Inflater;
use crate::model::{ErrorEvent, Event, FrameEvent, MessageEvent, Side, ViolationRecord};
use crate::pool;
use crate::time::PacketRef;

/// How far (in bytes) the decoder looks ahead for a trustworthy frame boundary before it
/// gives up on a candidate.
const RESYNC_WINDOW: usize = 256 * 1024;

/// Decoding options shared by every connection.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Payload bytes kept per frame and message in the events (the rest is counted,
    /// not kept). `usize::MAX` keeps everything.
    pub max_payload: usize,
    /// Frame and message size limits (chapter 05's; larger frames are reported and
    /// skipped, larger inflated messages are cut).
    pub limits: Limits,
    /// Emit [`Event::Message`] events (messages are assembled and checked either way).
    pub messages: bool,
    /// Also keep each frame's payload as it was on the wire (masked, compressed), cut at
    /// `max_payload`, in [`FrameEvent::wire_payload`] — for a hex dump of the real bytes.
    pub keep_wire_payload: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_payload: 1024,
            limits: Limits::default(),
            messages: true,
            keep_wire_payload: false,
        }
    }
}

/// Who is talking to whom, for the events.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// Connection number.
    pub conn: u32,
    /// The sender's role.
    pub from: Side,
    /// Sender address.
    pub src: SocketAddr,
    /// Receiver address.
    pub dst: SocketAddr,
}

impl Endpoint {
    fn error(&self, at: PacketRef, message: String) -> Event {
        Event::Error(ErrorEvent {
            conn: Some(self.conn),
            packet: Some(at.number),
            time: Some(at.time),
            src: Some(self.src),
            dst: Some(self.dst),
            from: Some(self.from),
            offset: None,
            layer: "websocket".to_string(),
            message,
        })
    }
}

/// Chapter 03's name for each of the 16 opcodes (`TEXT`, `RESERVED(0x3)`), made once.
fn opcode_name(opcode: OpCode) -> &'static str {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        (0u8..16)
            .map(|value| &*Box::leak(OpCode::from(value).to_string().into_boxed_str()))
            .collect()
    });
    names[usize::from(u8::from(opcode) & 0x0f)]
}

fn record(violation: Violation) -> ViolationRecord {
    ViolationRecord {
        rule: violation.rule.to_string(),
        section: violation.section.to_string(),
        message: violation.message,
    }
}

fn inflate_violation(error: &crate::deflate::InflateError, tainted: bool) -> ViolationRecord {
    let mut message = error.to_string();
    if tainted {
        message.push_str(" (an earlier message of this direction was lost or failed, so the shared window may be wrong)");
    }
    ViolationRecord {
        rule: "InflateFailed".to_string(),
        section: "RFC 7692 7.2.2".to_string(),
        message,
    }
}

/// Appends at most `limit - kept.len()` bytes of `piece` to `kept`.
fn keep(kept: &mut Vec<u8>, piece: &[u8], limit: usize) {
    let room = limit.saturating_sub(kept.len());
    kept.extend_from_slice(&piece[..piece.len().min(room)]);
}

/// How many bytes at the end of `bytes` are the start of a UTF-8 sequence that the next
/// bytes may complete.
fn incomplete_utf8_tail(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let byte = bytes[bytes.len() - back];
        if byte & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back for the lead byte
        }
        let needed = match byte {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return 0,
        };
        return if needed > back { back } else { 0 };
    }
    0
}

/// Text of one frame of a text message: `carry` holds the bytes of a character split by
/// the previous frame boundary. `all` says whether `piece` is the whole payload (else it
/// was cut, and nothing is carried over).
fn frame_text(carry: &mut Vec<u8>, piece: &[u8], last: bool, all: bool) -> String {
    let mut bytes = pool::take();
    bytes.reserve(carry.len() + piece.len());
    bytes.extend_from_slice(carry);
    carry.clear();
    bytes.extend_from_slice(piece);
    if !last && all {
        let tail = incomplete_utf8_tail(&bytes);
        carry.extend_from_slice(&bytes[bytes.len() - tail..]);
        bytes.truncate(bytes.len() - tail);
    } else if !all {
        // Cut at max_payload: drop a character the cut split in two.
        let tail = incomplete_utf8_tail(&bytes);
        bytes.truncate(bytes.len() - tail);
    }
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

/// Cuts `text` to at most `limit` bytes at a character boundary.
fn cut_text(bytes: &[u8], limit: usize) -> String {
    let mut end = bytes.len().min(limit);
    if end < bytes.len() {
        end -= incomplete_utf8_tail(&bytes[..end]);
    }
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The data message being received.
#[derive(Debug)]
struct OpenMessage {
    kind: MessageKind,
    start: PacketRef,
    frames: usize,
    compressed: bool,
    /// Inflated bytes so far (compressed messages; the assembler holds the others).
    inflated: Vec<u8>,
    inflated_len: u64,
    utf8: Utf8Validator,
    violations: Vec<ViolationRecord>,
    /// Bytes of a character split across a frame boundary (for per-frame text).
    text_carry: Vec<u8>,
}

/// The frame whose payload is arriving.
#[derive(Debug)]
struct InFrame {
    header: FrameHeader,
    header_bytes: Vec<u8>,
    start: PacketRef,
    /// Packet of the latest payload byte.
    last: PacketRef,
    /// Payload bytes still to come.
    remaining: u64,
    /// Payload bytes seen or skipped so far (for the mask position).
    position: u64,
    /// Unmasked (and inflated) payload kept for the event.
    kept: Vec<u8>,
    /// The payload as on the wire, when the options ask for it.
    wire: Vec<u8>,
    /// The whole payload, for control frames (≤ 125 bytes when valid).
    control: Vec<u8>,
    /// Length after inflation (compressed frames).
    inflated_len: u64,
    violations: Vec<ViolationRecord>,
    missing: u64,
    /// The assembler accepted the frame.
    assemble: bool,
    /// Part of a compressed message.
    compressed: bool,
    /// Part of a text message.
    text: bool,
    /// A continuation whose message started before a gap.
    orphan: bool,
}

/// Bytes after a lost frame boundary, waiting for a trustworthy one.
#[derive(Debug, Default)]
struct Resync {
    buf: Vec<u8>,
    /// Where each delivered chunk (TCP segment) starts in `buf`, and its packet.
    chunks: Vec<(usize, PacketRef)>,
    next_candidate: usize,
    /// Bytes dropped since the boundary was lost.
    skipped: u64,
    /// Packet where the boundary was lost.
    lost_at: PacketRef,
}

impl Resync {
    /// Forgets the bytes before the next candidate: they can no longer start a frame, so
    /// the buffer stays bounded however long the search takes.
    fn drop_before_candidate(&mut self) {
        let Some(&(cut, _)) = self.chunks.get(self.next_candidate) else {
            return;
        };
        if cut == 0 {
            return;
        }
        self.buf.drain(..cut);
        self.chunks.drain(..self.next_candidate);
        for chunk in &mut self.chunks {
            chunk.0 -= cut;
        }
        self.next_candidate = 0;
        self.skipped += cut as u64;
    }
}

#[derive(Debug)]
enum State {
    Header {
        buf: [u8; 14],
        len: usize,
        start: PacketRef,
    },
    Payload(InFrame),
    Lost(Box<Resync>),
}

impl State {
    fn boundary() -> Self {
        State::Header {
            buf: [0; 14],
            len: 0,
            start: PacketRef::default(),
        }
    }
}

enum Verdict {
    Accept,
    Reject,
    NeedMore,
}

/// Decodes the frames one side of a WebSocket connection sends.
#[derive(Debug)]
pub struct DirectionDecoder {
    endpoint: Endpoint,
    options: Options,
    compression: bool,
    assembler: Assembler,
    /// Never fed: judges candidate headers when looking for a frame boundary.
    probe: Assembler,
    inflater: Option<Inflater>,
    state: State,
    message: Option<OpenMessage>,
    /// After a resync: continuation frames until the next FIN belong to a message whose
    /// start was lost.
    orphan: bool,
    scratch: Vec<u8>,
    inflated: Vec<u8>,
    frames: u64,
}

impl DirectionDecoder {
    /// A decoder for the frames `endpoint.from` sends. `deflate`: permessage-deflate was
    /// negotiated, and whether this sender resets its context after each message.
    pub fn new(endpoint: Endpoint, options: Options, deflate: Option<bool>) -> Self {
        DirectionDecoder {
            endpoint,
            options,
            compression: deflate.is_some(),
            assembler: Assembler::new(options.limits, deflate.is_some()),
            probe: Assembler::new(options.limits, deflate.is_some()),
            inflater: deflate.map(|no_context_takeover| {
                Inflater::new(no_context_takeover, options.limits.max_message)
            }),
            state: State::boundary(),
            message: None,
            orphan: false,
            scratch: Vec::new(),
            inflated: Vec::new(),
            frames: 0,
        }
    }

    /// Frames decoded so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    fn receiver(&self) -> Role {
        match self.endpoint.from {
            Side::Client => Role::Server,
            Side::Server => Role::Client,
        }
    }

    fn rsv_allowed(&self) -> [bool; 3] {
        [self.compression, false, false]
    }

    /// The next bytes of this direction's stream.
    pub fn feed(&mut self, mut input: &[u8], at: PacketRef, out: &mut Vec<Event>) {
        while !input.is_empty() {
            match &mut self.state {
                State::Header { buf, len, start } => {
                    if *len == 0 {
                        *start = at;
                    }
                    let take = (14 - *len).min(input.len());
                    buf[*len..*len + take].copy_from_slice(&input[..take]);
                    match parse(&buf[..*len + take]) {
                        Parsed::Incomplete { .. } => {
                            *len += take;
                            input = &input[take..];
                        }
                        Parsed::Complete { header, header_len } => {
                            let used = header_len - *len;
                            input = &input[used..];
                            let mut header_bytes = pool::take();
                            header_bytes.extend_from_slice(&buf[..header_len]);
                            let start = *start;
                            self.begin_frame(header, header_bytes, start);
                            if header.payload_len == 0 {
                                self.end_frame(at, out);
                            }
                        }
                    }
                }
                State::Payload(frame) => {
                    let n = (frame.remaining.min(input.len() as u64)) as usize;
                    let (piece, rest) = input.split_at(n);
                    input = rest;
                    self.payload_piece(piece, at);
                    if let State::Payload(frame) = &self.state
                        && frame.remaining == 0
                    {
                        self.end_frame(at, out);
                    }
                }
                State::Lost(resync) => {
                    resync.chunks.push((resync.buf.len(), at));
                    resync.buf.extend_from_slice(input);
                    input = &[];
                    self.try_resync(out);
                }
            }
        }
    }

    fn begin_frame(&mut self, header: FrameHeader, header_bytes: Vec<u8>, start: PacketRef) {
        // §5.2 rules of the header alone (chapter 03).
        let mut violations: Vec<ViolationRecord> = header
            .validate(self.rsv_allowed())
            .into_iter()
            .map(record)
            .collect();
        // §5.1: "a client MUST mask all frames that it sends to the server" and "A server
        // MUST NOT mask any frames that it sends to the client" (chapter 04).
        if let Err(error) = check_masking(self.receiver(), &header) {
            violations.push(record(error.into()));
        }
        let is_data = header.opcode.is_data();
        let orphan = self.orphan && header.opcode == OpCode::Continuation;
        if is_data && header.opcode != OpCode::Continuation {
            self.orphan = false;
        }
        // §5.4, §5.5 and the size limits (chapter 05). The assembler refuses a frame
        // that breaks them; the inspector shows it anyway and carries on.
        // A reserved opcode has no meaning to assemble (chapter 03 already flags it).
        let assemble = if orphan || header.opcode.is_reserved() {
            false
        } else {
            match self.assembler.begin_frame(&header) {
                Ok(()) => true,
                Err(error) => {
                    violations.push(record(error.into()));
                    // The assembler dropped any open message (an endpoint would fail
                    // the connection here): so do we.
                    self.message = None;
                    false
                }
            }
        };
        if assemble && is_data {
            if header.opcode == OpCode::Continuation {
                if let Some(message) = &mut self.message {
                    message.frames += 1;
                }
            } else {
                self.message = Some(OpenMessage {
                    kind: if header.opcode == OpCode::Text {
                        MessageKind::Text
                    } else {
                        MessageKind::Binary
                    },
                    start,
                    frames: 1,
                    compressed: self.compression && header.rsv1,
                    inflated: Vec::new(),
                    inflated_len: 0,
                    utf8: Utf8Validator::new(),
                    violations: Vec::new(),
                    text_carry: Vec::new(),
                });
            }
        }
        let (compressed, text) = match (&self.message, assemble && is_data) {
            (Some(message), true) => (message.compressed, message.kind == MessageKind::Text),
            _ => (false, header.opcode == OpCode::Text),
        };
        self.state = State::Payload(InFrame {
            header,
            header_bytes,
            start,
            last: start,
            remaining: header.payload_len,
            position: 0,
            kept: {
                let mut kept = pool::take();
                kept.reserve(header.payload_len.min(self.options.max_payload as u64) as usize);
                kept
            },
            wire: Vec::new(),
            control: Vec::new(),
            inflated_len: 0,
            violations,
            missing: 0,
            assemble,
            compressed,
            text,
            orphan,
        });
    }

    fn payload_piece(&mut self, piece: &[u8], at: PacketRef) {
        let State::Payload(frame) = &mut self.state else {
            return;
        };
        frame.last = at;
        let max_payload = self.options.max_payload;
        let max_message = self.options.limits.max_message as usize;
        frame.remaining -= piece.len() as u64;
        if self.options.keep_wire_payload {
            keep(&mut frame.wire, piece, max_payload);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(piece);
        if let Some(key) = frame.header.mask {
            apply_mask(&mut self.scratch, key, (frame.position % 4) as usize);
        }
        frame.position += piece.len() as u64;
        let unmasked = self.scratch.as_slice();
        if frame.header.opcode.is_control() {
            keep(&mut frame.control, unmasked, max_payload.max(125));
        }
        if frame.assemble
            && let Err(error) = self.assembler.payload(unmasked)
        {
            frame.violations.push(record(error.into()));
            frame.assemble = false;
            self.message = None;
        }
        if frame.compressed {
            let Some(inflater) = &mut self.inflater else {
                return;
            };
            self.inflated.clear();
            if let Err(error) = inflater.inflate_piece(unmasked, &mut self.inflated) {
                frame
                    .violations
                    .push(inflate_violation(&error, inflater.is_tainted()));
            }
            frame.inflated_len += self.inflated.len() as u64;
            keep(&mut frame.kept, &self.inflated, max_payload);
            if let Some(message) = &mut self.message {
                message.inflated_len += self.inflated.len() as u64;
                keep(&mut message.inflated, &self.inflated, max_message);
                if message.kind == MessageKind::Text
                    && message.violations.is_empty()
                    && let Err(error) = message.utf8.push(&self.inflated)
                {
                    let violation = record(MessageError::InvalidUtf8(error).into());
                    frame.violations.push(violation.clone());
                    message.violations.push(violation);
                }
            }
        } else {
            keep(&mut frame.kept, unmasked, max_payload);
        }
    }

    fn end_frame(&mut self, at: PacketRef, out: &mut Vec<Event>) {
        let State::Payload(mut frame) = std::mem::replace(&mut self.state, State::boundary())
        else {
            return;
        };
        let header = frame.header;
        let max_payload = self.options.max_payload;
        let ends_message =
            header.fin && header.opcode.is_data() && !header.opcode.is_reserved() && !frame.orphan;
        // The message's last frame: inflate the stripped 00 00 ff ff (RFC 7692 §7.2.2).
        if frame.compressed
            && ends_message
            && let Some(inflater) = &mut self.inflater
        {
            self.inflated.clear();
            if let Err(error) = inflater.finish_message(&mut self.inflated) {
                frame
                    .violations
                    .push(inflate_violation(&error, inflater.is_tainted()));
            }
            frame.inflated_len += self.inflated.len() as u64;
            keep(&mut frame.kept, &self.inflated, max_payload);
            if let Some(message) = &mut self.message {
                message.inflated_len += self.inflated.len() as u64;
                let max_message = self.options.limits.max_message as usize;
                keep(&mut message.inflated, &self.inflated, max_message);
                if message.kind == MessageKind::Text && message.violations.is_empty() {
                    let checked = message
                        .utf8
                        .push(&self.inflated)
                        .and_then(|()| message.utf8.finish());
                    if let Err(error) = checked {
                        let violation = record(MessageError::InvalidUtf8(error).into());
                        frame.violations.push(violation.clone());
                        message.violations.push(violation);
                    }
                }
            }
        }
        let mut finished = None;
        if frame.assemble {
            match self.assembler.end_frame() {
                Ok(Pushed::Message(message)) => finished = Some(message),
                Ok(Pushed::Partial | Pushed::Control { .. }) => {}
                Err(error) => {
                    let violation = record(error.into());
                    if let Some(message) = &mut self.message {
                        message.violations.push(violation.clone());
                    }
                    frame.violations.push(violation);
                }
            }
        }

        // Text, with a character split across frames carried to the next one.
        let all_kept = frame.kept.len() as u64
            == if frame.compressed {
                frame.inflated_len
            } else {
                header.payload_len
            };
        let text = if frame.text && header.opcode.is_data() && !frame.orphan {
            let carry = match &mut self.message {
                Some(message) if frame.assemble => &mut message.text_carry,
                _ => &mut Vec::new(),
            };
            Some(frame_text(carry, &frame.kept, header.fin, all_kept))
        } else {
            None
        };
        // §5.5.1 and §7.4: the close frame's body (chapter 07's rules).
        if header.opcode == OpCode::Close
            && frame.missing == 0
            && let Err(error) = parse_close_payload(&frame.control)
        {
            frame.violations.push(record(error.into()));
        }
        let (close_code, close_reason) = if header.opcode == OpCode::Close {
            match frame.control.as_slice() {
                [high, low, reason @ ..] => (
                    Some(u16::from_be_bytes([*high, *low])),
                    Some(cut_text(reason, max_payload)),
                ),
                _ => (None, None),
            }
        } else {
            (None, None)
        };
        let payload = if header.opcode.is_control() {
            pool::give(std::mem::take(&mut frame.kept));
            let mut control = std::mem::take(&mut frame.control);
            control.truncate(max_payload);
            control
        } else {
            std::mem::take(&mut frame.kept)
        };
        self.frames += 1;
        let single_frame_text = match (&finished, &self.message) {
            (Some(_), Some(open)) if open.frames == 1 && self.options.messages => text.clone(),
            _ => None,
        };
        out.push(Event::Frame(FrameEvent {
            conn: self.endpoint.conn,
            index: 0,
            packet: frame.start.number,
            time: frame.start.time,
            packet_end: at.number,
            time_end: at.time,
            src: self.endpoint.src,
            dst: self.endpoint.dst,
            from: self.endpoint.from,
            fin: header.fin,
            rsv: [header.rsv1, header.rsv2, header.rsv3],
            opcode: u8::from(header.opcode),
            opcode_name: Cow::Borrowed(opcode_name(header.opcode)),
            masked: header.mask.is_some(),
            mask_key: header.mask,
            payload_len: header.payload_len,
            header: frame.header_bytes,
            payload,
            wire_payload: std::mem::take(&mut frame.wire),
            compressed: frame.compressed,
            text,
            close_code,
            close_reason,
            missing: frame.missing,
            violations: frame.violations,
        }));

        if let Some(assembled) = finished {
            if let Some(open) = self.message.take()
                && self.options.messages
            {
                out.push(self.message_event(open, assembled.data, single_frame_text, at));
            }
        } else if ends_message {
            self.message = None;
        }
        if header.opcode.is_data() && header.fin {
            self.orphan = false;
        }
    }

    /// `frame_text`: the text of the message's only frame, which is the message's text.
    fn message_event(
        &self,
        open: OpenMessage,
        data: Vec<u8>,
        frame_text: Option<String>,
        at: PacketRef,
    ) -> Event {
        let (mut payload, payload_len) = if open.compressed {
            (open.inflated, open.inflated_len)
        } else {
            let len = data.len() as u64;
            (data, len)
        };
        let text = (open.kind == MessageKind::Text).then(|| match frame_text {
            Some(text) if open.frames == 1 => text,
            _ => cut_text(&payload, self.options.max_payload),
        });
        payload.truncate(self.options.max_payload);
        let opcode = if open.kind == MessageKind::Text {
            OpCode::Text
        } else {
            OpCode::Binary
        };
        Event::Message(MessageEvent {
            conn: self.endpoint.conn,
            packet: open.start.number,
            time: open.start.time,
            packet_end: at.number,
            time_end: at.time,
            src: self.endpoint.src,
            dst: self.endpoint.dst,
            from: self.endpoint.from,
            opcode: u8::from(opcode),
            opcode_name: Cow::Borrowed(opcode_name(opcode)),
            frames: open.frames,
            payload_len,
            payload,
            compressed: open.compressed,
            text,
            violations: open.violations,
        })
    }

    /// `missing` bytes of this direction were not captured.
    pub fn gap(&mut self, missing: u64, at: PacketRef, out: &mut Vec<Event>) {
        match &mut self.state {
            State::Payload(frame) if missing <= frame.remaining => {
                // The gap is inside this payload: the next header's position is known.
                frame.missing += missing;
                frame.remaining -= missing;
                frame.position += missing;
                frame.assemble = false;
                self.message_lost(at, out);
                if let State::Payload(frame) = &self.state
                    && frame.remaining == 0
                {
                    self.end_frame(at, out);
                }
            }
            State::Payload(frame) => {
                let beyond = missing - frame.remaining;
                frame.missing += frame.remaining;
                frame.position += frame.remaining;
                frame.remaining = 0;
                frame.assemble = false;
                self.message_lost(at, out);
                self.end_frame(at, out);
                self.lose_boundary(beyond, at);
            }
            State::Header { .. } => {
                self.message_lost(at, out);
                self.lose_boundary(missing, at);
            }
            State::Lost(resync) => {
                // Whatever waited for a boundary is given up.
                resync.skipped += resync.buf.len() as u64 + missing;
                resync.buf.clear();
                resync.chunks.clear();
                resync.next_candidate = 0;
            }
        }
    }

    /// The open message can no longer be assembled.
    fn message_lost(&mut self, at: PacketRef, out: &mut Vec<Event>) {
        if let Some(inflater) = &mut self.inflater {
            inflater.lose_context();
        }
        let open = self.message.is_some() || self.assembler.in_message();
        self.assembler.reset();
        if let Some(message) = self.message.take() {
            out.push(self.endpoint.error(
                at,
                format!(
                    "bytes missing from the capture: the message that started in packet {} cannot be reassembled",
                    message.start.number
                ),
            ));
        } else if open {
            out.push(self.endpoint.error(
                at,
                "bytes missing from the capture: a message is lost".to_string(),
            ));
        }
    }

    fn lose_boundary(&mut self, skipped: u64, at: PacketRef) {
        if let Some(inflater) = &mut self.inflater {
            inflater.lose_context();
            inflater.end_message();
        }
        self.assembler.reset();
        self.message = None;
        self.state = State::Lost(Box::new(Resync {
            skipped,
            lost_at: at,
            ..Resync::default()
        }));
    }

    /// Would a frame header here be believable? Every rule of chapters 03–05 that a
    /// header alone can break must hold.
    fn plausible(&self, header: &FrameHeader) -> bool {
        // A fresh assembler checks the §5.5 control-frame rules, RSV1 placement and the
        // size limits; a continuation is fine here (its message began before the gap).
        let sequence_ok = matches!(
            self.probe.check_header(header),
            Ok(()) | Err(MessageError::ContinuationWithoutStart)
        );
        sequence_ok
            && header.validate(self.rsv_allowed()).is_empty()
            && check_masking(self.receiver(), header).is_ok()
    }

    fn evaluate(&self, data: &[u8]) -> Verdict {
        let Parsed::Complete { header, header_len } = parse(data) else {
            return Verdict::NeedMore;
        };
        if !self.plausible(&header) {
            return Verdict::Reject;
        }
        let end = header_len as u64 + header.payload_len;
        if end > data.len() as u64 {
            return if header.payload_len > RESYNC_WINDOW as u64 {
                Verdict::Accept
            } else {
                Verdict::NeedMore
            };
        }
        let end = end as usize;
        if end == data.len() {
            return Verdict::Accept;
        }
        match parse(&data[end..]) {
            Parsed::Incomplete { .. } => Verdict::NeedMore,
            Parsed::Complete { header: next, .. } if self.plausible(&next) => Verdict::Accept,
            Parsed::Complete { .. } => Verdict::Reject,
        }
    }

    fn try_resync(&mut self, out: &mut Vec<Event>) {
        loop {
            let State::Lost(resync) = &self.state else {
                return;
            };
            let Some(&(position, _)) = resync.chunks.get(resync.next_candidate) else {
                // No candidate left: drop what we have.
                if let State::Lost(resync) = &mut self.state {
                    resync.skipped += resync.buf.len() as u64;
                    resync.buf.clear();
                    resync.chunks.clear();
                    resync.next_candidate = 0;
                }
                return;
            };
            let verdict = self.evaluate(&resync.buf[position..]);
            let waited_too_long = resync.buf.len() - position > RESYNC_WINDOW;
            match verdict {
                Verdict::Accept => {
                    self.resume_at(out);
                    return;
                }
                Verdict::NeedMore if !waited_too_long => return,
                Verdict::NeedMore | Verdict::Reject => {
                    if let State::Lost(resync) = &mut self.state {
                        resync.next_candidate += 1;
                        resync.drop_before_candidate();
                    }
                }
            }
        }
    }

    /// Resumes decoding at the accepted candidate and feeds the bytes from there on.
    fn resume_at(&mut self, out: &mut Vec<Event>) {
        let State::Lost(resync) = std::mem::replace(&mut self.state, State::boundary()) else {
            return;
        };
        let Resync {
            buf,
            chunks,
            next_candidate,
            skipped,
            lost_at,
        } = *resync;
        let (position, at) = chunks[next_candidate];
        out.push(self.endpoint.error(
            at,
            format!(
                "frame boundary lost in packet {}; resumed at the next trustworthy frame header after skipping {} bytes",
                lost_at.number,
                skipped + position as u64
            ),
        ));
        self.orphan = true;
        let ends = chunks[next_candidate + 1..]
            .iter()
            .map(|&(start, _)| start)
            .chain(std::iter::once(buf.len()));
        for (&(start, at), end) in chunks[next_candidate..].iter().zip(ends) {
            self.feed(&buf[start..end], at, out);
        }
    }

    /// The stream ended (FIN, or the end of the capture).
    pub fn finish(&mut self, at: PacketRef, out: &mut Vec<Event>) {
        match std::mem::replace(&mut self.state, State::boundary()) {
            State::Header { len: 0, .. } => {}
            State::Header { len, start, .. } => out.push(self.endpoint.error(
                start,
                format!("the stream ends inside a frame header ({len} bytes)"),
            )),
            State::Payload(frame) => {
                let remaining = frame.remaining;
                let start = frame.start;
                let last = frame.last;
                self.state = State::Payload(frame);
                if let State::Payload(frame) = &mut self.state {
                    frame.missing += remaining;
                    frame.remaining = 0;
                    frame.assemble = false;
                }
                self.assembler.reset();
                self.message = None;
                if let Some(inflater) = &mut self.inflater {
                    inflater.lose_context();
                }
                // The frame ends where its last byte came, not where the stream ended.
                self.end_frame(last, out);
                out.push(self.endpoint.error(
                    start,
                    format!(
                        "the stream ends inside the frame's payload: {remaining} bytes never came"
                    ),
                ));
            }
            State::Lost(resync) => {
                let skipped = resync.skipped + resync.buf.len() as u64;
                if skipped > 0 {
                    out.push(self.endpoint.error(
                        at,
                        format!(
                            "frame boundary lost in packet {}: {skipped} bytes could not be decoded",
                            resync.lost_at.number
                        ),
                    ));
                }
            }
        }
        if let Some(message) = self.message.take() {
            out.push(self.endpoint.error(
                at,
                format!(
                    "the stream ends inside the message that started in packet {}",
                    message.start.number
                ),
            ));
        }
        self.assembler.reset();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ch07_close::{Frame, encode_frame};

    fn endpoint(from: Side) -> Endpoint {
        Endpoint {
            conn: 3,
            from,
            src: "127.0.0.1:50000".parse().unwrap(),
            dst: "127.0.0.1:8080".parse().unwrap(),
        }
    }

    fn at(number: u64) -> PacketRef {
        PacketRef {
            number,
            ..PacketRef::default()
        }
    }

    fn client(frame: &Frame) -> Vec<u8> {
        encode_frame(Role::Client, frame)
    }

    fn server(frame: &Frame) -> Vec<u8> {
        encode_frame(Role::Server, frame)
    }

    fn frames(events: &[Event]) -> Vec<&FrameEvent> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Frame(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    fn messages(events: &[Event]) -> Vec<&MessageEvent> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Message(m) => Some(m),
                _ => None,
            })
            .collect()
    }

    fn errors(events: &[Event]) -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Error(e) => Some(e.message.clone()),
                _ => None,
            })
            .collect()
    }

    fn rules(frame: &FrameEvent) -> Vec<&str> {
        frame.violations.iter().map(|v| v.rule.as_str()).collect()
    }

    fn decoder(from: Side) -> DirectionDecoder {
        DirectionDecoder::new(endpoint(from), Options::default(), None)
    }

    #[test]
    fn decodes_a_masked_client_text_frame() {
        let mut d = decoder(Side::Client);
        let bytes = client(&Frame::text("hello"));
        let mut out = Vec::new();
        d.feed(&bytes, at(7), &mut out);
        let f = frames(&out);
        assert_eq!(f.len(), 1);
        let f = f[0];
        assert_eq!((f.opcode, &*f.opcode_name, f.fin), (1, "TEXT", true));
        assert!(f.masked);
        assert_eq!(f.mask_key.map(|k| k.to_vec()), Some(bytes[2..6].to_vec()));
        assert_eq!(f.payload, b"hello");
        assert_eq!(f.text.as_deref(), Some("hello"));
        assert_eq!(f.header, &bytes[..6]);
        assert_eq!((f.packet, f.packet_end), (7, 7));
        assert!(f.violations.is_empty());
        let m = messages(&out);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].text.as_deref(), Some("hello"));
        assert_eq!(m[0].frames, 1);
    }

    #[test]
    fn byte_by_byte_delivery_gives_the_same_events_with_packet_spans() {
        let mut stream = client(&Frame::binary(vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
        stream.extend(client(&Frame::ping(b"p".to_vec())));
        stream.extend(client(&Frame::close(Some(1000), "bye")));
        let mut whole = decoder(Side::Client);
        let mut expected = Vec::new();
        whole.feed(&stream, at(1), &mut expected);
        let mut split = decoder(Side::Client);
        let mut got = Vec::new();
        for (i, byte) in stream.iter().enumerate() {
            split.feed(&[*byte], at(i as u64 + 1), &mut got);
        }
        let (a, b) = (frames(&expected), frames(&got));
        assert_eq!(a.len(), 3);
        assert_eq!(b.len(), 3);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (x.opcode, &x.payload, &x.header),
                (y.opcode, &y.payload, &y.header)
            );
        }
        // The binary frame spans bytes 1..=16 (6 header + 10 payload).
        assert_eq!((b[0].packet, b[0].packet_end), (1, 16));
        assert_eq!(b[2].close_code, Some(1000));
        assert_eq!(b[2].close_reason.as_deref(), Some("bye"));
    }

    #[test]
    fn fragmented_message_with_an_interleaved_ping() {
        let mut d = decoder(Side::Client);
        let mut out = Vec::new();
        d.feed(
            &client(&Frame::text("Hello, ").with_fin(false)),
            at(1),
            &mut out,
        );
        d.feed(&client(&Frame::ping(b"between".to_vec())), at(2), &mut out);
        d.feed(
            &client(&Frame::new(OpCode::Continuation, b"fragmented ".to_vec()).with_fin(false)),
            at(3),
            &mut out,
        );
        d.feed(
            &client(&Frame::new(OpCode::Continuation, b"world!".to_vec())),
            at(4),
            &mut out,
        );
        let f = frames(&out);
        assert_eq!(f.len(), 4);
        assert!(f.iter().all(|f| f.violations.is_empty()));
        assert_eq!(f[2].opcode_name, "CONT");
        assert_eq!(
            f[2].text.as_deref(),
            Some("fragmented "),
            "continuations of text are text"
        );
        assert_eq!(f[1].text, None, "a ping is not text");
        let m = messages(&out);
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].text.as_deref(), Some("Hello, fragmented world!"));
        assert_eq!((m[0].frames, m[0].packet, m[0].packet_end), (3, 1, 4));
    }

    #[test]
    fn a_character_split_between_fragments_is_shown_whole() {
        let mut d = decoder(Side::Server);
        let mut out = Vec::new();
        let euro = "€".as_bytes(); // e2 82 ac
        d.feed(
            &server(&Frame::new(OpCode::Text, [b"a", &euro[..1]].concat()).with_fin(false)),
            at(1),
            &mut out,
        );
        d.feed(
            &server(&Frame::new(
                OpCode::Continuation,
                [&euro[1..], b"b"].concat(),
            )),
            at(2),
            &mut out,
        );
        let f = frames(&out);
        assert_eq!(f[0].text.as_deref(), Some("a"));
        assert_eq!(f[1].text.as_deref(), Some("€b"));
        assert_eq!(messages(&out)[0].text.as_deref(), Some("a€b"));
    }

    #[test]
    fn violations_are_annotated_and_decoding_goes_on() {
        let mut d = decoder(Side::Client);
        let mut out = Vec::new();
        // §5.1: a client frame without a mask.
        d.feed(&server(&Frame::text("unmasked")), at(1), &mut out);
        // §5.2: reserved opcode 0x3, and RSV2.
        d.feed(
            &client(&Frame::new(OpCode::Reserved(3), b"??".to_vec())),
            at(2),
            &mut out,
        );
        let mut rsv2 = Frame::text("x");
        rsv2.header.rsv2 = true;
        d.feed(&client(&rsv2), at(3), &mut out);
        // §5.4: continuation without a start; §5.5: fragmented ping.
        d.feed(
            &client(&Frame::new(OpCode::Continuation, b"c".to_vec())),
            at(4),
            &mut out,
        );
        d.feed(
            &client(&Frame::ping(b"p".to_vec()).with_fin(false)),
            at(5),
            &mut out,
        );
        // §8.1: invalid UTF-8.
        d.feed(
            &client(&Frame::new(OpCode::Text, b"caf\xc3\x28".to_vec())),
            at(6),
            &mut out,
        );
        // And a good frame after all that.
        d.feed(&client(&Frame::text("still here")), at(7), &mut out);
        let f = frames(&out);
        assert_eq!(f.len(), 7);
        assert_eq!(rules(f[0]), ["UnmaskedClientFrame"]);
        assert_eq!(f[0].violations[0].section, "5.1");
        assert_eq!(rules(f[1]), ["ReservedOpcode"]);
        assert_eq!(f[1].opcode_name, "RESERVED(0x3)");
        assert_eq!(rules(f[2]), ["ReservedBitSet"]);
        assert_eq!(rules(f[3]), ["ContinuationWithoutStart"]);
        assert_eq!(rules(f[4]), ["FragmentedControlFrame"]);
        assert_eq!(rules(f[5]), ["InvalidUtf8"]);
        assert_eq!(f[5].violations[0].section, "8.1");
        assert!(f[6].violations.is_empty());
        let texts: Vec<_> = messages(&out)
            .iter()
            .map(|m| m.text.clone().unwrap())
            .collect();
        assert_eq!(texts, ["unmasked", "x", "still here"]);
    }

    #[test]
    fn non_minimal_lengths_are_flagged() {
        // "hello" with a 16-bit length (§5.2: the minimal number of bytes MUST be used).
        let mut bytes = vec![0x81, 126, 0, 5];
        bytes.extend_from_slice(b"hello");
        let mut d = decoder(Side::Server);
        let mut out = Vec::new();
        d.feed(&bytes, at(1), &mut out);
        assert_eq!(rules(frames(&out)[0]), ["NonMinimalLength"]);
        assert_eq!(frames(&out)[0].text.as_deref(), Some("hello"));
    }

    fn compressed_frame(payload: &[u8], first: bool, fin: bool) -> Frame {
        let opcode = if first {
            OpCode::Text
        } else {
            OpCode::Continuation
        };
        let mut frame = Frame::new(opcode, payload.to_vec()).with_fin(fin);
        frame.header.rsv1 = first;
        frame
    }

    #[test]
    fn permessage_deflate_rfc7692_examples() {
        let mut d = DirectionDecoder::new(endpoint(Side::Server), Options::default(), Some(false));
        let mut out = Vec::new();
        // §7.2.3.1 and §7.2.3.2: "Hello" twice, the second using the shared window.
        d.feed(
            &server(&compressed_frame(
                &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
                true,
                true,
            )),
            at(1),
            &mut out,
        );
        d.feed(
            &server(&compressed_frame(
                &[0xf2, 0x00, 0x11, 0x00, 0x00],
                true,
                true,
            )),
            at(2),
            &mut out,
        );
        // §7.2.3.1 fragmented.
        d.feed(
            &server(&compressed_frame(&[0xf2, 0x48, 0xcd], true, false)),
            at(3),
            &mut out,
        );
        d.feed(
            &server(&compressed_frame(&[0xc9, 0xc9, 0x07, 0x00], false, true)),
            at(4),
            &mut out,
        );
        let f = frames(&out);
        assert_eq!(f.len(), 4);
        assert!(
            f.iter().all(|f| f.compressed && f.violations.is_empty()),
            "{f:#?}"
        );
        assert_eq!(f[0].payload, b"Hello");
        assert_eq!(f[0].payload_len, 7, "payload_len is the wire length");
        assert_eq!(f[1].text.as_deref(), Some("Hello"));
        let m = messages(&out);
        assert_eq!(m.len(), 3);
        assert!(
            m.iter()
                .all(|m| m.text.as_deref() == Some("Hello") && m.compressed)
        );
        assert_eq!(m[2].frames, 2);
    }

    #[test]
    fn wire_payload_keeps_the_masked_compressed_bytes_when_asked() {
        let options = Options {
            keep_wire_payload: true,
            ..Options::default()
        };
        let mut d = DirectionDecoder::new(endpoint(Side::Client), options, Some(false));
        let mut out = Vec::new();
        let bytes = client(&compressed_frame(
            &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
            true,
            true,
        ));
        d.feed(&bytes, at(1), &mut out);
        let f = frames(&out);
        assert_eq!(f[0].payload, b"Hello");
        assert_eq!(
            f[0].wire_payload,
            &bytes[6..],
            "masked, compressed, as on the wire"
        );
        // Off by default.
        let mut d = DirectionDecoder::new(endpoint(Side::Client), Options::default(), Some(false));
        let mut out = Vec::new();
        d.feed(&bytes, at(1), &mut out);
        assert!(frames(&out)[0].wire_payload.is_empty());
    }

    #[test]
    fn corrupt_compressed_data_is_a_violation() {
        let mut d = DirectionDecoder::new(endpoint(Side::Client), Options::default(), Some(true));
        let mut out = Vec::new();
        d.feed(
            &client(&compressed_frame(&[0xff, 0xff, 0xff], true, true)),
            at(1),
            &mut out,
        );
        // RSV1 without the extension would be ReservedBitSet; with it, it is fine here.
        assert_eq!(rules(frames(&out)[0]), ["InflateFailed"]);
        // no_context_takeover: the next message is fine.
        d.feed(
            &client(&compressed_frame(
                &[0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00],
                true,
                true,
            )),
            at(2),
            &mut out,
        );
        assert_eq!(frames(&out)[1].text.as_deref(), Some("Hello"));
        assert!(frames(&out)[1].violations.is_empty());
    }

    #[test]
    fn a_gap_inside_a_payload_keeps_the_frame_boundaries() {
        let mut d = decoder(Side::Server);
        let mut out = Vec::new();
        let big = server(&Frame::binary(vec![7; 1000]));
        d.feed(&big[..100], at(1), &mut out);
        d.gap(500, at(2), &mut out);
        d.feed(&big[600..], at(3), &mut out);
        d.feed(&server(&Frame::text("next")), at(4), &mut out);
        let f = frames(&out);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].missing, 500);
        assert_eq!(f[0].payload_len, 1000);
        assert_eq!(f[1].text.as_deref(), Some("next"));
        assert!(f[1].violations.is_empty());
        assert_eq!(
            errors(&out).len(),
            1,
            "the lost message is reported: {:?}",
            errors(&out)
        );
        let texts: Vec<_> = messages(&out).iter().map(|m| m.text.clone()).collect();
        assert_eq!(texts, [Some("next".to_string())]);
    }

    #[test]
    fn a_gap_over_a_header_resyncs_at_a_trustworthy_segment_start() {
        let mut d = decoder(Side::Client);
        let mut out = Vec::new();
        let first = client(&Frame::text("one"));
        let lost = client(&Frame::text("two (lost)"));
        let third = client(&Frame::text("three"));
        let fourth = client(&Frame::text("four"));
        d.feed(&first, at(1), &mut out);
        d.gap(lost.len() as u64 - 4, at(3), &mut out);
        // The segment starting mid-frame (the lost frame's last 4 bytes): not a boundary.
        d.feed(&lost[lost.len() - 4..], at(3), &mut out);
        d.feed(&third, at(4), &mut out);
        d.feed(&fourth, at(5), &mut out);
        let texts: Vec<_> = frames(&out)
            .iter()
            .map(|f| f.text.clone().unwrap())
            .collect();
        assert_eq!(texts, ["one", "three", "four"]);
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("resumed"), "{errors:?}");
        assert!(
            errors[0].contains(&format!("skipping {} bytes", lost.len())),
            "{errors:?}"
        );
    }

    #[test]
    fn the_search_for_a_boundary_holds_a_bounded_amount_of_data() {
        let mut d = decoder(Side::Server);
        let mut out = Vec::new();
        d.gap(10, at(1), &mut out);
        // Every chunk starts like a plausible 65 535-byte binary frame, and none is
        // followed by a second header where it ends: candidates wait, then give up.
        let mut chunk = vec![0x82, 126, 0xff, 0xff];
        chunk.resize(1000, 0x55);
        for n in 0..5000 {
            d.feed(&chunk, at(n + 2), &mut out);
            if let State::Lost(resync) = &d.state {
                assert!(
                    resync.buf.len() <= 2 * RESYNC_WINDOW,
                    "{} bytes held",
                    resync.buf.len()
                );
            }
        }
        assert!(frames(&out).is_empty());
        d.finish(at(9999), &mut out);
        let errors = errors(&out);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("could not be decoded"), "{errors:?}");
    }

    #[test]
    fn after_a_resync_a_continuation_is_the_tail_of_a_lost_message() {
        let mut d = decoder(Side::Server);
        let mut out = Vec::new();
        d.feed(
            &server(&Frame::text("start").with_fin(false)),
            at(1),
            &mut out,
        );
        d.gap(9, at(2), &mut out); // a whole continuation frame (2 + 7 bytes) lost
        d.feed(
            &server(&Frame::new(OpCode::Continuation, b"tail".to_vec())),
            at(3),
            &mut out,
        );
        d.feed(&server(&Frame::text("new")), at(4), &mut out);
        let f = frames(&out);
        assert_eq!(f.len(), 3);
        assert!(
            f[1].violations.is_empty(),
            "an orphan continuation is not a violation"
        );
        assert_eq!(messages(&out).len(), 1);
        assert_eq!(messages(&out)[0].text.as_deref(), Some("new"));
    }

    #[test]
    fn the_stream_ending_inside_a_payload_still_shows_the_frame() {
        // websockets' length-msb-set case: a header announcing 2^63+5 bytes, nothing more.
        let mut header = vec![0x82, 0xFF];
        header.extend_from_slice(&((1u64 << 63) + 5).to_be_bytes());
        header.extend_from_slice(&[1, 2, 3, 4]);
        let mut d = decoder(Side::Client);
        let mut out = Vec::new();
        d.feed(&header, at(172), &mut out);
        assert!(frames(&out).is_empty());
        d.finish(at(180), &mut out);
        let f = frames(&out);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].payload_len, (1 << 63) + 5);
        assert_eq!(f[0].missing, (1 << 63) + 5);
        assert_eq!(f[0].packet, 172);
        assert!(rules(f[0]).contains(&"LengthMsbSet"), "{:?}", rules(f[0]));
        assert!(rules(f[0]).contains(&"FrameTooLarge"), "{:?}", rules(f[0]));
        assert!(errors(&out)[0].contains("never came"));
    }

    #[test]
    fn payload_is_cut_at_max_payload_but_lengths_stay_true() {
        let options = Options {
            max_payload: 4,
            ..Options::default()
        };
        let mut d = DirectionDecoder::new(endpoint(Side::Server), options, None);
        let mut out = Vec::new();
        d.feed(&server(&Frame::text("abcdefgh")), at(1), &mut out);
        let f = frames(&out);
        assert_eq!(f[0].payload, b"abcd");
        assert_eq!(f[0].payload_len, 8);
        assert_eq!(f[0].text.as_deref(), Some("abcd"));
        assert_eq!(messages(&out)[0].payload_len, 8);
        assert_eq!(messages(&out)[0].payload, b"abcd");
    }
}
