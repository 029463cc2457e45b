//! The RFC 6455 §5.2 bit diagram of one frame, as data.
//!
//! RFC 6455 draws the frame header as rows of 32 bits:
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
//! ```
//!
//! [`layout`] turns one real frame into that picture: every field the frame has
//! (the extended length and the masking key only when present) at its real bit
//! position, cut into [`Segment`]s where it crosses a row, with its value, what the
//! value means, and the RFC's own sentence about the field. It draws nothing: the GUI
//! paints it with egui ([`crate::gui`]), `ws-inspector diagram` writes it as SVG
//! ([`svg`]), and both show the same fields because both read this.
//!
//! Bits are numbered as in the RFC: bit 0 is the most significant bit of the frame's
//! first byte.

use std::fmt::Write as _;
use std::ops::Range;

use ch07_close::{FrameHeader, LengthForm, OpCode, Parsed};

pub mod command;
pub mod svg;

/// Bits per row, as in the RFC's figure.
pub const ROW_BITS: u64 = 32;

/// How many payload bits the diagram draws before it says "… N more bytes": the rest
/// of the row the payload starts in (16 or 32 bits: every header ends on a half row).
fn payload_bits_shown(start_bit: u64, payload_len: u64) -> u64 {
    let rest_of_row = ROW_BITS - start_bit % ROW_BITS;
    rest_of_row.min(payload_len.saturating_mul(8))
}

/// The fields of §5.2, in wire order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// FIN, 1 bit.
    Fin,
    /// RSV1, 1 bit.
    Rsv1,
    /// RSV2, 1 bit.
    Rsv2,
    /// RSV3, 1 bit.
    Rsv3,
    /// opcode, 4 bits.
    Opcode,
    /// MASK, 1 bit.
    Mask,
    /// Payload len, 7 bits.
    PayloadLen,
    /// Extended payload length, 16 or 64 bits.
    ExtendedLen,
    /// Masking-key, 32 bits.
    MaskingKey,
    /// Payload data.
    Payload,
}

impl FieldKind {
    /// The RFC's sentence(s) about this field (§5.2, and §5.3 for masking).
    pub fn rfc_text(self) -> &'static str {
        match self {
            FieldKind::Fin => {
                "FIN: 1 bit. Indicates that this is the final fragment in a message. \
                 The first fragment MAY also be the final fragment."
            }
            FieldKind::Rsv1 | FieldKind::Rsv2 | FieldKind::Rsv3 => {
                "RSV1, RSV2, RSV3: 1 bit each. MUST be 0 unless an extension is negotiated \
                 that defines meanings for non-zero values. If a nonzero value is received \
                 and none of the negotiated extensions defines the meaning of such a nonzero \
                 value, the receiving endpoint MUST _Fail the WebSocket Connection_."
            }
            FieldKind::Opcode => {
                "Opcode: 4 bits. Defines the interpretation of the \"Payload data\". If an \
                 unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket \
                 Connection_. %x0 denotes a continuation frame, %x1 a text frame, %x2 a binary \
                 frame, %x3-7 are reserved for further non-control frames, %x8 denotes a \
                 connection close, %x9 a ping, %xA a pong, %xB-F are reserved for further \
                 control frames."
            }
            FieldKind::Mask => {
                "Mask: 1 bit. Defines whether the \"Payload data\" is masked. If set to 1, a \
                 masking key is present in masking-key, and this is used to unmask the \
                 \"Payload data\" as per Section 5.3. All frames sent from client to server \
                 have this bit set to 1."
            }
            FieldKind::PayloadLen | FieldKind::ExtendedLen => {
                "Payload length: 7 bits, 7+16 bits, or 7+64 bits. The length of the \"Payload \
                 data\", in bytes: if 0-125, that is the payload length. If 126, the following \
                 2 bytes interpreted as a 16-bit unsigned integer are the payload length. If \
                 127, the following 8 bytes interpreted as a 64-bit unsigned integer (the most \
                 significant bit MUST be 0) are the payload length. Multibyte length quantities \
                 are expressed in network byte order. Note that in all cases, the minimal \
                 number of bytes MUST be used to encode the length."
            }
            FieldKind::MaskingKey => {
                "Masking-key: 0 or 4 bytes. All frames sent from the client to the server are \
                 masked by a 32-bit value that is contained within the frame. This field is \
                 present if the mask bit is set to 1 and is absent if the mask bit is set to 0. \
                 (§5.3) Octet i of the transformed data is the XOR of octet i of the original \
                 data with octet at index i modulo 4 of the masking key."
            }
            FieldKind::Payload => {
                "Payload data: (x+y) bytes. The \"Payload data\" is defined as \"Extension \
                 data\" concatenated with \"Application data\". Extension data is 0 bytes \
                 unless an extension has been negotiated; application data takes up the \
                 remainder of the frame after any extension data."
            }
        }
    }

    /// The rule names (from the decoder's violations) that point at this field.
    fn breaks(self, rule: &str) -> bool {
        match self {
            FieldKind::Fin => rule == "FragmentedControlFrame",
            FieldKind::Rsv1 => matches!(rule, "CompressedBitMisplaced" | "ReservedBitSet"),
            FieldKind::Rsv2 | FieldKind::Rsv3 => rule == "ReservedBitSet",
            FieldKind::Opcode => matches!(
                rule,
                "ReservedOpcode"
                    | "ContinuationWithoutStart"
                    | "NewMessageInsideFragmented"
                    | "FragmentedControlFrame"
            ),
            FieldKind::Mask => matches!(rule, "UnmaskedClientFrame" | "MaskedServerFrame"),
            FieldKind::PayloadLen => matches!(
                rule,
                "NonMinimalLength" | "ControlFrameTooLong" | "FrameTooLarge" | "MessageTooLarge"
            ),
            FieldKind::ExtendedLen => matches!(
                rule,
                "NonMinimalLength" | "LengthMsbSet" | "FrameTooLarge" | "MessageTooLarge"
            ),
            FieldKind::MaskingKey => false,
            FieldKind::Payload => {
                rule.contains("Utf8") || rule.contains("Close") || rule.contains("Inflate")
            }
        }
    }
}

/// One field of the frame, with its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Which field.
    pub kind: FieldKind,
    /// The RFC's name: `FIN`, `RSV1`, `opcode`, `MASK`, `Payload len`, …
    pub name: &'static str,
    /// Bits of the frame this field occupies (bit 0 = first byte's top bit). The
    /// diagram draws the payload's first bits only (see [`Segment`]).
    pub bits: Range<u64>,
    /// Bytes of the frame that hold the field (for the hex view). For the payload, the
    /// whole payload as captured.
    pub bytes: Range<usize>,
    /// The value as read off the wire: `1`, `0x1`, `126`, `37 fa 21 3d`, `"hello"`.
    pub value: String,
    /// What the value means, a few words: `text frame`, `final fragment`.
    pub meaning: String,
    /// The field's bits as `0`/`1` characters, for fields of at most 32 bits.
    pub bit_string: Option<String>,
    /// A violation the decoder reported points at this field.
    pub broken: bool,
}

impl Field {
    /// `bit 8`, `bits 9–15`, or for a payload too long to count in bits, `bits 112–…`.
    pub fn bits_text(&self) -> String {
        match self.bits.end - self.bits.start {
            1 => format!("bit {}", self.bits.start),
            _ if self.bits.end == u64::MAX => format!("bits {}–…", self.bits.start),
            _ => format!("bits {}–{}", self.bits.start, self.bits.end - 1),
        }
    }

    /// The RFC sentence that explains this field.
    pub fn rfc_text(&self) -> &'static str {
        self.kind.rfc_text()
    }
}

/// A field's part that lies in one row of the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Index into [`Diagram::fields`].
    pub field: usize,
    /// Row, from 0.
    pub row: u64,
    /// First bit column in the row, `0..32`.
    pub start: u64,
    /// One past the last column, `1..=32`.
    pub end: u64,
    /// The field started in an earlier row.
    pub continued: bool,
    /// The field goes on in a later row.
    pub continues: bool,
    /// The segment of the field that should carry its value (the widest one).
    pub primary: bool,
}

impl Segment {
    /// Width in bits.
    pub fn width(&self) -> u64 {
        self.end - self.start
    }
}

/// The whole picture of one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    /// The fields, in wire order.
    pub fields: Vec<Field>,
    /// Where each field is drawn, row by row, in wire order.
    pub segments: Vec<Segment>,
    /// Number of 32-bit rows drawn.
    pub rows: u64,
    /// Header length in bytes (2 to 14).
    pub header_len: usize,
    /// The payload length the header announces.
    pub payload_len: u64,
    /// Payload bytes not drawn (after the last row).
    pub payload_not_drawn: u64,
    /// The frame's bytes as on the wire, as far as the capture has them: header, then
    /// the payload masked again when the frame is masked (for the hex view). Only the
    /// header when the payload was compressed (its wire bytes are not kept).
    pub wire: Vec<u8>,
    /// The header and the payload unmasked (inflated when compressed).
    pub unmasked: Vec<u8>,
}

/// What [`layout`] needs to know about a frame besides its bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Context<'a> {
    /// The payload was compressed with permessage-deflate (RSV1 means "compressed").
    pub compressed: bool,
    /// The payload bytes given are the *inflated* message data, not the wire bytes.
    pub payload_inflated: bool,
    /// The payload exactly as on the wire (masked, compressed), when known: the hex
    /// view then shows the real bytes of a compressed frame.
    pub wire_payload: Option<&'a [u8]>,
    /// Sent by the client (`Some(true)`), the server (`Some(false)`), or unknown.
    pub from_client: Option<bool>,
    /// Rule names of the violations the decoder found in this frame.
    pub rules: &'a [&'a str],
}

/// Builds the diagram of the frame whose header bytes are `header` and whose payload,
/// **unmasked**, is `payload` (possibly cut short: the capture may not have it all).
/// Returns `None` if `header` is not a whole frame header.
pub fn layout(header: &[u8], payload: &[u8], context: Context<'_>) -> Option<Diagram> {
    let Parsed::Complete {
        header: parsed,
        header_len,
    } = ch07_close::parse(header)
    else {
        return None;
    };
    let header = &header[..header_len];
    let mut fields = Vec::new();
    let one_bit = |kind, name, bit: u64, set: bool, meaning: String| Field {
        kind,
        name,
        bits: bit..bit + 1,
        bytes: (bit / 8) as usize..(bit / 8) as usize + 1,
        value: u8::from(set).to_string(),
        meaning,
        bit_string: Some(u8::from(set).to_string()),
        broken: false,
    };

    fields.push(one_bit(
        FieldKind::Fin,
        "FIN",
        0,
        parsed.fin,
        if parsed.fin {
            "final fragment".to_string()
        } else {
            "more fragments follow".to_string()
        },
    ));
    for (index, (kind, name, set)) in [
        (FieldKind::Rsv1, "RSV1", parsed.rsv1),
        (FieldKind::Rsv2, "RSV2", parsed.rsv2),
        (FieldKind::Rsv3, "RSV3", parsed.rsv3),
    ]
    .into_iter()
    .enumerate()
    {
        let meaning = match (index, set) {
            (_, false) => "not set".to_string(),
            (0, true) if context.compressed => "compressed (permessage-deflate)".to_string(),
            (_, true) => "set, needs an extension".to_string(),
        };
        fields.push(one_bit(kind, name, 1 + index as u64, set, meaning));
    }
    let opcode_value = u8::from(parsed.opcode);
    fields.push(Field {
        kind: FieldKind::Opcode,
        name: "opcode",
        bits: 4..8,
        bytes: 0..1,
        value: format!("0x{opcode_value:X}"),
        meaning: parsed.opcode.meaning().to_string(),
        bit_string: Some(bits_of(u64::from(opcode_value), 4)),
        broken: false,
    });
    fields.push(one_bit(
        FieldKind::Mask,
        "MASK",
        8,
        parsed.mask.is_some(),
        match (parsed.mask.is_some(), context.from_client) {
            (true, Some(false)) => "masked (a server must not mask)".to_string(),
            (false, Some(true)) => "not masked (a client must mask)".to_string(),
            (true, _) => "masked, key follows".to_string(),
            (false, _) => "not masked".to_string(),
        },
    ));
    let seven_bit = u64::from(header[1] & 0x7F);
    fields.push(Field {
        kind: FieldKind::PayloadLen,
        name: "Payload len",
        bits: 9..16,
        bytes: 1..2,
        value: seven_bit.to_string(),
        meaning: match parsed.length_form {
            LengthForm::Short => format!("{seven_bit} bytes"),
            LengthForm::Extended16 => "16-bit length follows".to_string(),
            LengthForm::Extended64 => "64-bit length follows".to_string(),
        },
        bit_string: Some(bits_of(seven_bit, 7)),
        broken: false,
    });
    let mut at_bit = 16;
    let extra = parsed.length_form.extra_bytes() as u64;
    if extra > 0 {
        let bits = extra * 8;
        fields.push(Field {
            kind: FieldKind::ExtendedLen,
            name: "Extended payload length",
            bits: at_bit..at_bit + bits,
            bytes: 2..2 + extra as usize,
            value: parsed.payload_len.to_string(),
            meaning: length_meaning(&parsed),
            bit_string: (bits <= 32).then(|| bits_of(parsed.payload_len, bits as u32)),
            broken: false,
        });
        at_bit += bits;
    }
    if let Some(key) = parsed.mask {
        let start = (at_bit / 8) as usize;
        fields.push(Field {
            kind: FieldKind::MaskingKey,
            name: "Masking-key",
            bits: at_bit..at_bit + 32,
            bytes: start..start + 4,
            value: hex_spaced(&key),
            meaning: "payload byte i XOR key[i mod 4]".to_string(),
            bit_string: Some(bits_of(u64::from(u32::from_be_bytes(key)), 32)),
            broken: false,
        });
        at_bit += 32;
    }
    debug_assert_eq!(at_bit, header_len as u64 * 8);

    let shown_bits = payload_bits_shown(at_bit, parsed.payload_len);
    let shown_bytes = shown_bits / 8;
    let payload_not_drawn = parsed.payload_len - shown_bytes;
    if parsed.payload_len > 0 {
        // The bytes the hex view has for the payload: as on the wire, or inflated.
        let captured = match (context.wire_payload, context.payload_inflated) {
            (Some(wire), _) => (wire.len() as u64).min(parsed.payload_len),
            (None, true) => payload.len() as u64,
            (None, false) => (payload.len() as u64).min(parsed.payload_len),
        };
        fields.push(Field {
            kind: FieldKind::Payload,
            name: "Payload data",
            bits: at_bit..at_bit.saturating_add(parsed.payload_len.saturating_mul(8)),
            bytes: header_len..header_len + captured as usize,
            value: payload_value(parsed.opcode, payload),
            meaning: payload_meaning(&parsed, payload, context),
            bit_string: None,
            broken: false,
        });
    }
    for field in &mut fields {
        field.broken = context.rules.iter().any(|rule| field.kind.breaks(rule))
            && match field.kind {
                // Only the RSV bits that are set break a reserved-bit rule.
                FieldKind::Rsv1 => parsed.rsv1,
                FieldKind::Rsv2 => parsed.rsv2,
                FieldKind::Rsv3 => parsed.rsv3,
                _ => true,
            };
    }

    let segments = cut_into_rows(&fields, at_bit + shown_bits);
    let rows = segments.iter().map(|s| s.row + 1).max().unwrap_or(1);
    let (wire, unmasked) = match context.wire_payload {
        Some(wire_payload) => wire_and_unmasked(header, wire_payload, &parsed),
        None => frame_bytes(header, payload, &parsed, context.payload_inflated),
    };
    Some(Diagram {
        fields,
        segments,
        rows,
        header_len,
        payload_len: parsed.payload_len,
        payload_not_drawn,
        wire,
        unmasked,
    })
}

/// The frame as on the wire and unmasked. When the payload given is inflated, its wire
/// bytes are unknown: `wire` is the header only, and `unmasked` the header followed by
/// the inflated payload.
fn frame_bytes(
    header: &[u8],
    payload: &[u8],
    parsed: &FrameHeader,
    inflated: bool,
) -> (Vec<u8>, Vec<u8>) {
    let mut unmasked = header.to_vec();
    if inflated {
        let wire = unmasked.clone();
        unmasked.extend_from_slice(payload);
        return (wire, unmasked);
    }
    let payload = &payload[..payload.len().min(parsed.payload_len as usize)];
    unmasked.extend_from_slice(payload);
    let mut wire = unmasked.clone();
    if let Some(key) = parsed.mask {
        // Masking is its own inverse (§5.3): masking the unmasked payload again gives
        // the bytes that were on the wire.
        for (i, byte) in wire[header.len()..].iter_mut().enumerate() {
            *byte ^= key[i % 4];
        }
    }
    (wire, unmasked)
}

/// The frame from its wire bytes: as they are, and with the payload unmasked (still
/// compressed, if it was).
fn wire_and_unmasked(
    header: &[u8],
    wire_payload: &[u8],
    parsed: &FrameHeader,
) -> (Vec<u8>, Vec<u8>) {
    let wire_payload = &wire_payload[..wire_payload.len().min(parsed.payload_len as usize)];
    let mut wire = header.to_vec();
    wire.extend_from_slice(wire_payload);
    let mut unmasked = wire.clone();
    if let Some(key) = parsed.mask {
        for (i, byte) in unmasked[header.len()..].iter_mut().enumerate() {
            *byte ^= key[i % 4];
        }
    }
    (wire, unmasked)
}

/// Cuts every field into per-row segments, drawing nothing past bit `draw_end`.
fn cut_into_rows(fields: &[Field], draw_end: u64) -> Vec<Segment> {
    let mut segments = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let first = segments.len();
        let mut bit = field.bits.start;
        let end_bit = field.bits.end.min(draw_end);
        while bit < end_bit {
            let row = bit / ROW_BITS;
            let start = bit % ROW_BITS;
            let end = (end_bit - row * ROW_BITS).min(ROW_BITS);
            segments.push(Segment {
                field: index,
                row,
                start,
                end,
                continued: bit > field.bits.start,
                continues: row * ROW_BITS + end < field.bits.end,
                primary: false,
            });
            bit = row * ROW_BITS + end;
        }
        // The value goes in the widest segment (the first of equals).
        let widest = segments[first..]
            .iter()
            .enumerate()
            .max_by_key(|(i, s)| (s.width(), std::cmp::Reverse(*i)))
            .map(|(i, _)| first + i);
        if let Some(widest) = widest {
            segments[widest].primary = true;
        }
    }
    segments
}

/// `value` as `width` binary digits, most significant first.
fn bits_of(value: u64, width: u32) -> String {
    (0..width)
        .rev()
        .map(|bit| if value >> bit & 1 == 1 { '1' } else { '0' })
        .collect()
}

/// `37 fa 21 3d`.
pub fn hex_spaced(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, byte) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn length_meaning(header: &FrameHeader) -> String {
    let len = header.payload_len;
    if len >> 63 != 0 {
        return format!("{len} bytes: top bit set (must be 0)");
    }
    let minimal = LengthForm::for_len(len) == header.length_form;
    if minimal {
        format!("{len} bytes")
    } else {
        format!("{len} bytes, not minimal")
    }
}

/// How the diagram writes the payload's value: quoted text, close code, or hex.
fn payload_value(opcode: OpCode, payload: &[u8]) -> String {
    let mut out = String::new();
    if opcode == OpCode::Close
        && let [high, low, reason @ ..] = payload
    {
        let _ = write!(out, "{}", u16::from_be_bytes([*high, *low]));
        if !reason.is_empty() {
            out.push(' ');
            let _ = ch07_close::write_preview(&mut out, reason);
        }
        return out;
    }
    let _ = ch07_close::write_preview(&mut out, payload);
    out
}

fn payload_meaning(header: &FrameHeader, payload: &[u8], context: Context<'_>) -> String {
    let len = header.payload_len;
    let mut out = format!("{len} byte{}", if len == 1 { "" } else { "s" });
    if header.opcode == OpCode::Close
        && let [high, low, ..] = payload
    {
        let code = u16::from_be_bytes([*high, *low]);
        let _ = write!(out, ", close {code} = {}", close_code_name(code));
    }
    if context.payload_inflated {
        // The length is the compressed one; what is shown is the inflated data.
        out.push_str(", shown inflated");
    } else {
        if (payload.len() as u64) < len {
            let _ = write!(out, ", {} captured", payload.len());
        }
        if header.mask.is_some() {
            out.push_str(", shown unmasked");
        }
    }
    out
}

/// What a close status code means, in a sentence (chapter 07's table, §7.4).
pub fn close_code_meaning(code: u16) -> &'static str {
    ch07_close::close_code_meaning(code)
}

/// The code's name: the words before the colon of [`close_code_meaning`]
/// (`normal closure`, `going away`, `private use`).
pub fn close_code_name(code: u16) -> &'static str {
    let meaning = close_code_meaning(code);
    meaning.split(':').next().unwrap_or(meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(diagram: &Diagram, kind: FieldKind) -> &Field {
        diagram
            .fields
            .iter()
            .find(|f| f.kind == kind)
            .unwrap_or_else(|| panic!("no {kind:?} field"))
    }

    /// RFC 6455 §5.7: "A single-frame masked text message":
    /// 0x81 0x85 0x37 0xfa 0x21 0x3d 0x7f 0x9f 0x4d 0x51 0x58 (contains "Hello").
    #[test]
    fn rfc_masked_hello() {
        let wire = [
            0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
        ];
        let diagram = layout(&wire[..6], b"Hello", Context::default()).unwrap();
        assert_eq!(diagram.header_len, 6);
        assert_eq!(diagram.wire, wire, "re-masking gives the wire bytes");
        assert_eq!(&diagram.unmasked[6..], b"Hello");
        let opcode = field(&diagram, FieldKind::Opcode);
        assert_eq!(opcode.value, "0x1");
        assert_eq!(opcode.meaning, "text frame");
        assert_eq!(opcode.bit_string.as_deref(), Some("0001"));
        assert_eq!(opcode.bits, 4..8);
        let len = field(&diagram, FieldKind::PayloadLen);
        assert_eq!((len.value.as_str(), len.bits.clone()), ("5", 9..16));
        assert_eq!(len.bit_string.as_deref(), Some("0000101"));
        let key = field(&diagram, FieldKind::MaskingKey);
        assert_eq!(key.value, "37 fa 21 3d");
        assert_eq!((key.bits.clone(), key.bytes.clone()), (16..48, 2..6));
        let payload = field(&diagram, FieldKind::Payload);
        assert_eq!(payload.value, "\"Hello\"");
        assert_eq!(payload.bytes, 6..11);
        assert_eq!(payload.bits, 48..88);
        assert_eq!(payload.bits_text(), "bits 48–87");
        assert!(
            diagram
                .fields
                .iter()
                .all(|f| f.kind != FieldKind::ExtendedLen)
        );
        // The key crosses from row 0 into row 1; the payload's first 2 bytes fill row 1.
        let key_index = diagram
            .fields
            .iter()
            .position(|f| f.kind == FieldKind::MaskingKey);
        let key_rows: Vec<_> = diagram
            .segments
            .iter()
            .filter(|s| Some(s.field) == key_index)
            .map(|s| (s.row, s.start, s.end, s.continued, s.continues))
            .collect();
        assert_eq!(
            key_rows,
            [(0, 16, 32, false, true), (1, 0, 16, true, false)]
        );
        assert_eq!(diagram.rows, 2);
        assert_eq!(diagram.payload_not_drawn, 3);
    }

    #[test]
    fn unmasked_ping_and_64_bit_length() {
        // §5.7: 256 bytes binary in a single unmasked frame: 0x82 0x7E 0x0100.
        let mut header = vec![0x82, 0x7E, 0x01, 0x00];
        let payload = vec![0xAB; 256];
        let diagram = layout(&header, &payload, Context::default()).unwrap();
        let ext = field(&diagram, FieldKind::ExtendedLen);
        assert_eq!((ext.value.as_str(), ext.bits.clone()), ("256", 16..32));
        assert_eq!(ext.meaning, "256 bytes");
        assert_eq!(
            field(&diagram, FieldKind::PayloadLen).meaning,
            "16-bit length follows"
        );
        // Payload starts at the top of row 1 and the diagram draws that row of it.
        assert_eq!(field(&diagram, FieldKind::Payload).bits, 32..32 + 256 * 8);
        assert_eq!(diagram.payload_not_drawn, 256 - 4);
        assert_eq!(diagram.rows, 2);

        // 64 KiB in a single unmasked frame: 0x82 0x7F 0x0000000000010000.
        header = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
        let diagram = layout(&header, &[], Context::default()).unwrap();
        let ext = field(&diagram, FieldKind::ExtendedLen);
        assert_eq!(ext.value, "65536");
        assert_eq!(ext.bit_string, None);
        let index = diagram
            .fields
            .iter()
            .position(|f| f.kind == FieldKind::ExtendedLen);
        let rows: Vec<_> = diagram
            .segments
            .iter()
            .filter(|s| Some(s.field) == index)
            .map(|s| (s.row, s.start, s.end, s.primary))
            .collect();
        assert_eq!(
            rows,
            [(0, 16, 32, false), (1, 0, 32, true), (2, 0, 16, false)]
        );
        assert!(
            field(&diagram, FieldKind::Payload)
                .meaning
                .contains("0 captured")
        );
    }

    #[test]
    fn compressed_frames_show_wire_bytes_and_inflated_text() {
        // RFC 7692 §7.2.3.1: "Hello" compressed is c1 07 f2 48 cd c9 c9 07 00; masked
        // here with the RFC 6455 §5.7 key.
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let compressed = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        let masked: Vec<u8> = compressed
            .iter()
            .enumerate()
            .map(|(i, b)| b ^ key[i % 4])
            .collect();
        let header = [0xc1, 0x87, 0x37, 0xfa, 0x21, 0x3d];
        let context = Context {
            compressed: true,
            payload_inflated: true,
            wire_payload: Some(&masked),
            ..Context::default()
        };
        let diagram = layout(&header, b"Hello", context).unwrap();
        assert_eq!(&diagram.wire[6..], masked.as_slice());
        assert_eq!(&diagram.unmasked[6..], compressed.as_slice());
        let payload = field(&diagram, FieldKind::Payload);
        assert_eq!(payload.value, "\"Hello\"");
        assert_eq!(payload.bytes, 6..13);
        assert_eq!(
            field(&diagram, FieldKind::Rsv1).meaning,
            "compressed (permessage-deflate)"
        );
        assert_eq!(payload.meaning, "7 bytes, shown inflated");
        // Without the wire bytes: the header, then the inflated payload.
        let context = Context {
            wire_payload: None,
            ..context
        };
        let diagram = layout(&header, b"Hello", context).unwrap();
        assert_eq!(diagram.wire, header);
        assert_eq!(&diagram.unmasked[6..], b"Hello");
    }

    #[test]
    fn close_frames_show_code_and_meaning() {
        let diagram = layout(&[0x88, 0x05], b"\x03\xe8bye", Context::default()).unwrap();
        let payload = field(&diagram, FieldKind::Payload);
        assert_eq!(payload.value, "1000 \"bye\"");
        assert!(payload.meaning.contains("close 1000 = normal closure"));
        assert_eq!(
            field(&diagram, FieldKind::Opcode).meaning,
            "connection close"
        );
    }

    #[test]
    fn violations_mark_their_fields() {
        // Unmasked text from a client with RSV2 set.
        let context = Context {
            from_client: Some(true),
            rules: &["UnmaskedClientFrame", "ReservedBitSet"],
            ..Context::default()
        };
        let diagram = layout(&[0xA1, 0x02], b"hi", context).unwrap();
        let broken: Vec<_> = diagram
            .fields
            .iter()
            .filter(|f| f.broken)
            .map(|f| f.name)
            .collect();
        assert_eq!(broken, ["RSV2", "MASK"]);
        assert_eq!(
            field(&diagram, FieldKind::Mask).meaning,
            "not masked (a client must mask)"
        );
    }

    #[test]
    fn half_a_header_is_no_diagram() {
        assert_eq!(layout(&[0x81], b"", Context::default()), None);
        assert_eq!(layout(&[0x81, 0xFE, 0x00], b"", Context::default()), None);
    }
}
