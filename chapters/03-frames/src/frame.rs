//! The frame header of RFC 6455 §5.2, parsed and written bit by bit.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-------+-+-------------+-------------------------------+
//! |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//! |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//! |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//! | |1|2|3|       |K|             |                               |
//! +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//! |     Extended payload length continued, if payload len == 127  |
//! + - - - - - - - - - - - - - - - +-------------------------------+
//! |                               |Masking-key, if MASK set to 1  |
//! +-------------------------------+-------------------------------+
//! | Masking-key (continued)       |          Payload Data         |
//! +-------------------------------- - - - - - - - - - - - - - - - +
//! ```
//!
//! Parsing here reports *what the bytes say*, even when they break a rule: a
//! reserved opcode, a length written in more bytes than needed, a set RSV bit.
//! [`FrameHeader::validate`] then names each broken rule. Keeping the two apart
//! is what lets the inspector show a bad frame instead of refusing to look at it.

use crate::violation::Violation;
use std::fmt;

// ANCHOR: opcode
/// The 4-bit opcode: what the payload means (§5.2, registry in §11.8).
///
/// Opcodes with the high bit set (0x8–0xF) are *control* frames; the others are
/// *data* frames. Values the RFC does not define are kept as [`OpCode::Reserved`]
/// so that a decoder can still show them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpCode {
    /// 0x0: continues a fragmented message (§5.4).
    Continuation,
    /// 0x1: a text frame; the message is UTF-8 (§5.6).
    Text,
    /// 0x2: a binary frame; the application decides what the bytes mean.
    Binary,
    /// 0x8: close (§5.5.1).
    Close,
    /// 0x9: ping (§5.5.2).
    Ping,
    /// 0xA: pong (§5.5.3).
    Pong,
    /// 0x3–0x7 (reserved data) and 0xB–0xF (reserved control).
    Reserved(u8),
}
// ANCHOR_END: opcode

impl From<u8> for OpCode {
    fn from(value: u8) -> Self {
        match value & 0x0F {
            0x0 => OpCode::Continuation,
            0x1 => OpCode::Text,
            0x2 => OpCode::Binary,
            0x8 => OpCode::Close,
            0x9 => OpCode::Ping,
            0xA => OpCode::Pong,
            other => OpCode::Reserved(other),
        }
    }
}

impl From<OpCode> for u8 {
    fn from(opcode: OpCode) -> u8 {
        match opcode {
            OpCode::Continuation => 0x0,
            OpCode::Text => 0x1,
            OpCode::Binary => 0x2,
            OpCode::Close => 0x8,
            OpCode::Ping => 0x9,
            OpCode::Pong => 0xA,
            OpCode::Reserved(value) => value & 0x0F,
        }
    }
}

impl OpCode {
    /// Control frames have the opcode's most significant bit set (§5.5).
    pub fn is_control(self) -> bool {
        u8::from(self) & 0x8 != 0
    }

    /// Data frames: continuation, text, binary and the reserved 0x3–0x7 (§5.6).
    pub fn is_data(self) -> bool {
        !self.is_control()
    }

    /// `true` for 0x3–0x7 and 0xB–0xF.
    pub fn is_reserved(self) -> bool {
        matches!(self, OpCode::Reserved(_))
    }

    /// Upper-case name used in logs and the inspector: `TEXT`, `CLOSE`, `RESERVED`.
    pub fn name(self) -> &'static str {
        match self {
            OpCode::Continuation => "CONT",
            OpCode::Text => "TEXT",
            OpCode::Binary => "BINARY",
            OpCode::Close => "CLOSE",
            OpCode::Ping => "PING",
            OpCode::Pong => "PONG",
            OpCode::Reserved(_) => "RESERVED",
        }
    }

    /// What the opcode means, in a few words (`0x1 = text frame`).
    pub fn meaning(self) -> &'static str {
        match self {
            OpCode::Continuation => "continuation frame",
            OpCode::Text => "text frame",
            OpCode::Binary => "binary frame",
            OpCode::Close => "connection close",
            OpCode::Ping => "ping",
            OpCode::Pong => "pong",
            OpCode::Reserved(v) if v < 0x8 => "reserved for further non-control frames",
            OpCode::Reserved(_) => "reserved for further control frames",
        }
    }
}

impl fmt::Display for OpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpCode::Reserved(v) => write!(f, "RESERVED(0x{v:X})"),
            other => f.write_str(other.name()),
        }
    }
}

// ANCHOR: length_form
/// How the payload length was written on the wire (§5.2 "Payload length").
///
/// The 7-bit field holds the length itself (0–125), or 126 meaning "the next
/// 2 bytes are the length", or 127 meaning "the next 8 bytes are the length".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LengthForm {
    /// 7 bits: 0–125.
    Short,
    /// 126, then a 16-bit big-endian length.
    Extended16,
    /// 127, then a 64-bit big-endian length (most significant bit must be 0).
    Extended64,
}

impl LengthForm {
    /// The shortest form that can hold `len`: §5.2 "the minimal number of bytes
    /// MUST be used to encode the length".
    pub fn for_len(len: u64) -> LengthForm {
        match len {
            0..=125 => LengthForm::Short,
            126..=0xFFFF => LengthForm::Extended16,
            _ => LengthForm::Extended64,
        }
    }

    /// Bytes that follow the 7-bit field: 0, 2 or 8.
    pub fn extra_bytes(self) -> usize {
        match self {
            LengthForm::Short => 0,
            LengthForm::Extended16 => 2,
            LengthForm::Extended64 => 8,
        }
    }
}
// ANCHOR_END: length_form

// ANCHOR: header
/// One frame header, field by field, named after the bits of §5.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameHeader {
    /// FIN: this is the final fragment of a message.
    pub fin: bool,
    /// RSV1: reserved for extensions (permessage-deflate uses it for "compressed").
    pub rsv1: bool,
    /// RSV2: reserved for extensions.
    pub rsv2: bool,
    /// RSV3: reserved for extensions.
    pub rsv3: bool,
    /// What the payload means.
    pub opcode: OpCode,
    /// MASK bit and masking key: `Some(key)` when the payload is masked.
    pub mask: Option<[u8; 4]>,
    /// Payload length in bytes, as the header announces it.
    pub payload_len: u64,
    /// How that length was encoded on the wire.
    pub length_form: LengthForm,
}
// ANCHOR_END: header

/// The result of [`parse`]: a whole header, or how many more bytes are needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// The header is complete and occupies the first `header_len` bytes.
    Complete {
        /// The decoded header.
        header: FrameHeader,
        /// Bytes the header took (2 to 14).
        header_len: usize,
    },
    /// Not enough bytes yet; at least `needed` more are required to know the header.
    Incomplete {
        /// How many more bytes to read before trying again.
        needed: usize,
    },
}

// ANCHOR: parse
/// Parses a frame header from the start of `buf`.
///
/// Never fails: a short buffer is [`Parsed::Incomplete`], and bytes that break a
/// rule are still reported as they are (see [`FrameHeader::validate`]).
pub fn parse(buf: &[u8]) -> Parsed {
    let [first, second, rest @ ..] = buf else {
        return Parsed::Incomplete {
            needed: 2 - buf.len(),
        };
    };
    // Byte 0: FIN, RSV1, RSV2, RSV3, then the 4-bit opcode.
    let fin = first & 0b1000_0000 != 0;
    let rsv1 = first & 0b0100_0000 != 0;
    let rsv2 = first & 0b0010_0000 != 0;
    let rsv3 = first & 0b0001_0000 != 0;
    let opcode = OpCode::from(first & 0b0000_1111);
    // Byte 1: MASK, then the 7-bit payload length.
    let masked = second & 0b1000_0000 != 0;
    let length_form = match second & 0b0111_1111 {
        126 => LengthForm::Extended16,
        127 => LengthForm::Extended64,
        _ => LengthForm::Short,
    };
    let mask_len = if masked { 4 } else { 0 };
    let header_len = 2 + length_form.extra_bytes() + mask_len;
    if buf.len() < header_len {
        return Parsed::Incomplete {
            needed: header_len - buf.len(),
        };
    }
    let payload_len = match length_form {
        LengthForm::Short => u64::from(second & 0b0111_1111),
        LengthForm::Extended16 => u64::from(u16::from_be_bytes([rest[0], rest[1]])),
        LengthForm::Extended64 => {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&rest[..8]);
            u64::from_be_bytes(bytes)
        }
    };
    let mask = masked.then(|| {
        let at = length_form.extra_bytes();
        [rest[at], rest[at + 1], rest[at + 2], rest[at + 3]]
    });
    Parsed::Complete {
        header: FrameHeader {
            fin,
            rsv1,
            rsv2,
            rsv3,
            opcode,
            mask,
            payload_len,
            length_form,
        },
        header_len,
    }
}
// ANCHOR_END: parse

impl FrameHeader {
    /// A final, unmasked header with no RSV bits, the shortest length form.
    pub fn new(opcode: OpCode, payload_len: u64) -> FrameHeader {
        FrameHeader {
            fin: true,
            rsv1: false,
            rsv2: false,
            rsv3: false,
            opcode,
            mask: None,
            payload_len,
            length_form: LengthForm::for_len(payload_len),
        }
    }

    /// Bytes this header takes when written by [`FrameHeader::write`].
    pub fn encoded_len(&self) -> usize {
        2 + LengthForm::for_len(self.payload_len).extra_bytes()
            + if self.mask.is_some() { 4 } else { 0 }
    }

    // ANCHOR: write
    /// Appends the header to `out`, always in the shortest length form (§5.2).
    /// The `length_form` field is ignored: it records what a *parsed* header used.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut first = u8::from(self.opcode);
        for (bit, set) in [
            (7, self.fin),
            (6, self.rsv1),
            (5, self.rsv2),
            (4, self.rsv3),
        ] {
            if set {
                first |= 1 << bit;
            }
        }
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        out.push(first);
        match LengthForm::for_len(self.payload_len) {
            LengthForm::Short => out.push(mask_bit | self.payload_len as u8),
            LengthForm::Extended16 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(self.payload_len as u16).to_be_bytes());
            }
            LengthForm::Extended64 => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&self.payload_len.to_be_bytes());
            }
        }
        if let Some(key) = self.mask {
            out.extend_from_slice(&key);
        }
    }
    // ANCHOR_END: write

    /// The header as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(14);
        self.write(&mut out);
        out
    }

    // ANCHOR: validate
    /// The §5.2 rules this header breaks, in header order. `rsv_allowed[i]` says
    /// whether a negotiated extension gives RSV(i+1) a meaning (permessage-deflate
    /// allows RSV1).
    ///
    /// Rules about *sequences* of frames (fragmentation, control frames) and about
    /// roles (masking) belong to later chapters.
    pub fn check(&self, rsv_allowed: [bool; 3]) -> Vec<FrameError> {
        let mut broken = Vec::new();
        // §5.2: "RSV1, RSV2, RSV3: 1 bit each. MUST be 0 unless an extension is
        // negotiated that defines meanings for non-zero values."
        for (index, set) in [self.rsv1, self.rsv2, self.rsv3].into_iter().enumerate() {
            if set && !rsv_allowed[index] {
                broken.push(FrameError::ReservedBitSet {
                    bit: index as u8 + 1,
                });
            }
        }
        // §5.2: "If an unknown opcode is received, the receiving endpoint MUST
        // _Fail the WebSocket Connection_."
        if let OpCode::Reserved(value) = self.opcode {
            broken.push(FrameError::ReservedOpcode { opcode: value });
        }
        // §5.2: "the most significant bit MUST be 0" (64-bit length).
        if self.payload_len >> 63 != 0 {
            broken.push(FrameError::LengthMsbSet);
        }
        // §5.2: "the minimal number of bytes MUST be used to encode the length".
        let shortest = LengthForm::for_len(self.payload_len);
        if self.length_form != shortest {
            broken.push(FrameError::NonMinimalLength {
                payload_len: self.payload_len,
                used: self.length_form,
            });
        }
        broken
    }
    // ANCHOR_END: validate

    /// [`FrameHeader::check`] as uniform [`Violation`]s (for the inspector).
    pub fn validate(&self, rsv_allowed: [bool; 3]) -> Vec<Violation> {
        self.check(rsv_allowed)
            .into_iter()
            .map(Violation::from)
            .collect()
    }
}

/// A §5.2 rule a single frame header breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// An RSV bit is set but no extension gives it a meaning.
    ReservedBitSet {
        /// 1, 2 or 3.
        bit: u8,
    },
    /// The opcode is one of the reserved values 0x3–0x7 or 0xB–0xF.
    ReservedOpcode {
        /// The 4-bit value.
        opcode: u8,
    },
    /// The 64-bit length has its most significant bit set.
    LengthMsbSet,
    /// The length was written in more bytes than needed.
    NonMinimalLength {
        /// The announced length.
        payload_len: u64,
        /// The form that was used.
        used: LengthForm,
    },
}

impl FrameError {
    /// The variant's name, as the inspector shows it.
    pub fn rule(&self) -> &'static str {
        match self {
            FrameError::ReservedBitSet { .. } => "ReservedBitSet",
            FrameError::ReservedOpcode { .. } => "ReservedOpcode",
            FrameError::LengthMsbSet => "LengthMsbSet",
            FrameError::NonMinimalLength { .. } => "NonMinimalLength",
        }
    }

    /// Every rule here is in §5.2.
    pub fn section(&self) -> &'static str {
        "5.2"
    }

    /// All of them are protocol errors: 1002.
    pub fn close_code(&self) -> u16 {
        1002
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::ReservedBitSet { bit } => {
                write!(
                    f,
                    "RSV{bit} is set but no extension was negotiated that uses it"
                )
            }
            FrameError::ReservedOpcode { opcode } => {
                write!(f, "opcode 0x{opcode:X} is reserved")
            }
            FrameError::LengthMsbSet => {
                f.write_str("the most significant bit of the 64-bit payload length must be 0")
            }
            FrameError::NonMinimalLength { payload_len, used } => write!(
                f,
                "length {payload_len} written in the {} form; the minimal number of bytes must be used",
                match used {
                    LengthForm::Short => "7-bit",
                    LengthForm::Extended16 => "16-bit",
                    LengthForm::Extended64 => "64-bit",
                }
            ),
        }
    }
}

impl std::error::Error for FrameError {}

impl From<FrameError> for Violation {
    fn from(error: FrameError) -> Violation {
        Violation {
            rule: error.rule(),
            section: error.section(),
            close_code: error.close_code(),
            message: error.to_string(),
        }
    }
}

/// A frame: its header and its payload, **unmasked**.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The header; `header.payload_len == payload.len()`.
    pub header: FrameHeader,
    /// The application data, already unmasked.
    pub payload: Vec<u8>,
}

impl Frame {
    /// A final frame with this opcode and payload, unmasked.
    pub fn new(opcode: OpCode, payload: Vec<u8>) -> Frame {
        Frame {
            header: FrameHeader::new(opcode, payload.len() as u64),
            payload,
        }
    }

    /// A single-frame text message.
    pub fn text(text: &str) -> Frame {
        Frame::new(OpCode::Text, text.as_bytes().to_vec())
    }

    /// A single-frame binary message.
    pub fn binary(data: Vec<u8>) -> Frame {
        Frame::new(OpCode::Binary, data)
    }

    /// A ping with application data.
    pub fn ping(data: Vec<u8>) -> Frame {
        Frame::new(OpCode::Ping, data)
    }

    /// A pong carrying the ping's application data.
    pub fn pong(data: Vec<u8>) -> Frame {
        Frame::new(OpCode::Pong, data)
    }

    /// A close frame: a 2-byte big-endian status code then a UTF-8 reason
    /// (§5.5.1). `None` sends an empty body.
    pub fn close(code: Option<u16>, reason: &str) -> Frame {
        let mut payload = Vec::new();
        if let Some(code) = code {
            payload.extend_from_slice(&code.to_be_bytes());
            payload.extend_from_slice(reason.as_bytes());
        }
        Frame::new(OpCode::Close, payload)
    }

    /// Sets FIN (builder style), for fragments.
    pub fn with_fin(mut self, fin: bool) -> Frame {
        self.header.fin = fin;
        self
    }

    /// Header plus payload **as they are**: an unmasked frame, ready to send from a
    /// server. (Chapter 04's `encode_frame` masks frames a client sends.)
    pub fn to_bytes_unmasked(&self) -> Vec<u8> {
        let mut header = self.header;
        header.mask = None;
        header.payload_len = self.payload.len() as u64;
        let mut out = Vec::with_capacity(header.encoded_len() + self.payload.len());
        header.write(&mut out);
        out.extend_from_slice(&self.payload);
        out
    }

    /// For a close frame: the status code, if the body has one.
    pub fn close_code(&self) -> Option<u16> {
        match (self.header.opcode, self.payload.as_slice()) {
            (OpCode::Close, [high, low, ..]) => Some(u16::from_be_bytes([*high, *low])),
            _ => None,
        }
    }
}

/// How many payload bytes [`Frame`]'s `Display` shows before `..`.
const PREVIEW_CHARS: usize = 40;
const PREVIEW_BYTES: usize = 8;

// ANCHOR: display
/// Writes a short, human preview of a payload: quoted text when it is UTF-8 and
/// printable, otherwise the first bytes in hex. Shared by [`Frame`]'s `Display`
/// and by later chapters' message display.
pub fn write_preview(f: &mut impl fmt::Write, payload: &[u8]) -> fmt::Result {
    match std::str::from_utf8(payload) {
        Ok(text)
            if !text
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            let shown: String = text.chars().take(PREVIEW_CHARS).collect();
            write!(f, "{shown:?}")?;
            if shown.len() < text.len() {
                f.write_str("..")?;
            }
            Ok(())
        }
        _ => {
            for (index, byte) in payload.iter().take(PREVIEW_BYTES).enumerate() {
                if index > 0 {
                    f.write_char(' ')?;
                }
                write!(f, "{byte:02x}")?;
            }
            if payload.len() > PREVIEW_BYTES {
                f.write_str(" ..")?;
            }
            Ok(())
        }
    }
}

impl fmt::Display for Frame {
    /// `TEXT fin "hello" [5 bytes]`, `BINARY fin 00 01 .. [70000 bytes]`,
    /// `CLOSE fin 1000 "bye" [5 bytes]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = &self.header;
        write!(f, "{}", header.opcode)?;
        for (set, name) in [
            (header.fin, "fin"),
            (header.rsv1, "rsv1"),
            (header.rsv2, "rsv2"),
            (header.rsv3, "rsv3"),
            (header.mask.is_some(), "masked"),
        ] {
            if set {
                write!(f, " {name}")?;
            }
        }
        match (header.opcode, self.payload.as_slice()) {
            (_, []) => {}
            (OpCode::Close, [high, low, reason @ ..]) => {
                write!(f, " {}", u16::from_be_bytes([*high, *low]))?;
                if !reason.is_empty() {
                    f.write_char(' ')?;
                    write_preview(f, reason)?;
                }
            }
            (_, payload) => {
                f.write_char(' ')?;
                write_preview(f, payload)?;
            }
        }
        let unit = if self.payload.len() == 1 {
            "byte"
        } else {
            "bytes"
        };
        write!(f, " [{} {unit}]", self.payload.len())
    }
}
// ANCHOR_END: display

use std::fmt::Write as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(buf: &[u8]) -> (FrameHeader, usize) {
        match parse(buf) {
            Parsed::Complete { header, header_len } => (header, header_len),
            Parsed::Incomplete { needed } => panic!("incomplete, needs {needed}"),
        }
    }

    #[test]
    fn opcode_round_trips_every_nibble() {
        for value in 0u8..16 {
            assert_eq!(u8::from(OpCode::from(value)), value);
        }
        assert_eq!(OpCode::from(0x3), OpCode::Reserved(3));
        assert!(OpCode::Ping.is_control() && OpCode::Reserved(0xB).is_control());
        assert!(OpCode::Text.is_data() && OpCode::Reserved(0x7).is_data());
    }

    #[test]
    fn incomplete_says_how_many_bytes_are_missing() {
        assert_eq!(parse(&[]), Parsed::Incomplete { needed: 2 });
        assert_eq!(parse(&[0x81]), Parsed::Incomplete { needed: 1 });
        // 127 → 8 length bytes and a mask: 2 + 8 + 4 = 14.
        assert_eq!(parse(&[0x82, 0xFF]), Parsed::Incomplete { needed: 12 });
        assert_eq!(parse(&[0x82, 0x7E, 0x01]), Parsed::Incomplete { needed: 1 });
    }

    #[test]
    fn reports_what_the_bytes_say_even_when_they_break_rules() {
        // RSV2 set, opcode 0x3, 5 written in the 16-bit form.
        let (header, len) = complete(&[0xA3, 0x7E, 0x00, 0x05]);
        assert_eq!(len, 4);
        assert!(header.rsv2 && !header.rsv1 && !header.rsv3);
        assert_eq!(header.opcode, OpCode::Reserved(3));
        assert_eq!(header.payload_len, 5);
        assert_eq!(header.length_form, LengthForm::Extended16);
        let rules: Vec<_> = header
            .check([false; 3])
            .iter()
            .map(FrameError::rule)
            .collect();
        assert_eq!(
            rules,
            ["ReservedBitSet", "ReservedOpcode", "NonMinimalLength"]
        );
        // With an extension that defines RSV2, only two remain.
        assert_eq!(header.check([false, true, false]).len(), 2);
    }

    #[test]
    fn msb_of_64_bit_length_is_reported() {
        let mut bytes = vec![0x82, 0x7F];
        bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
        let (header, len) = complete(&bytes);
        assert_eq!(len, 10);
        assert_eq!(header.payload_len, 1 << 63);
        assert_eq!(header.check([false; 3]), vec![FrameError::LengthMsbSet]);
        assert_eq!(Violation::from(FrameError::LengthMsbSet).section, "5.2");
    }

    #[test]
    fn write_always_uses_the_shortest_form() {
        for (len, header_len) in [(0u64, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)] {
            let mut header = FrameHeader::new(OpCode::Binary, len);
            header.length_form = LengthForm::Extended64; // ignored by write
            assert_eq!(header.to_bytes().len(), header_len, "len {len}");
            assert_eq!(header.encoded_len(), header_len);
        }
    }

    #[test]
    fn display_is_short_and_readable() {
        assert_eq!(
            Frame::text("hello").to_string(),
            r#"TEXT fin "hello" [5 bytes]"#
        );
        let mut data = vec![0u8; 70000];
        data[1] = 1;
        assert_eq!(
            Frame::binary(data).to_string(),
            "BINARY fin 00 01 00 00 00 00 00 00 .. [70000 bytes]"
        );
        assert_eq!(
            Frame::close(Some(1000), "bye").to_string(),
            r#"CLOSE fin 1000 "bye" [5 bytes]"#
        );
        assert_eq!(
            Frame::text("Hel").with_fin(false).to_string(),
            r#"TEXT "Hel" [3 bytes]"#
        );
        assert_eq!(Frame::ping(vec![]).to_string(), "PING fin [0 bytes]");
        let long = "x".repeat(100);
        assert_eq!(
            Frame::text(&long).to_string(),
            format!("TEXT fin {:?}.. [100 bytes]", "x".repeat(40))
        );
    }
}
