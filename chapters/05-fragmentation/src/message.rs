//! Messages from fragments (§5.4), control-frame rules (§5.5), size limits (§10.4).

use crate::utf8::{Utf8Error, Utf8Validator};
use ch04_masking::{FrameHeader, OpCode, Violation};
use std::fmt;

// ANCHOR: limits
/// How much a receiver is willing to buffer. §10.4: "Implementations that have
/// implementation- and/or platform-specific limitations regarding the frame size
/// or total message size after reassembly from multiple frames MUST protect
/// themselves against exceeding those limits."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest payload one frame may announce.
    pub max_frame_payload: u64,
    /// The largest message, all fragments together.
    pub max_message: u64,
}

impl Default for Limits {
    /// 16 MiB per frame, 64 MiB per message.
    fn default() -> Limits {
        Limits {
            max_frame_payload: 16 << 20,
            max_message: 64 << 20,
        }
    }
}
// ANCHOR_END: limits

/// Text or binary: set by the first fragment's opcode for the whole message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    /// Opcode 0x1: the data is UTF-8.
    Text,
    /// Opcode 0x2.
    Binary,
}

/// A whole message, reassembled from one or more frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Text or binary.
    pub kind: MessageKind,
    /// The application data, all fragments together (still compressed if `compressed`).
    pub data: Vec<u8>,
    /// RSV1 was set on the first frame and permessage-deflate was negotiated.
    pub compressed: bool,
    /// How many frames carried it.
    pub frames: usize,
}

impl Message {
    /// A text message.
    pub fn text(text: impl Into<String>) -> Message {
        Message {
            kind: MessageKind::Text,
            data: text.into().into_bytes(),
            compressed: false,
            frames: 1,
        }
    }

    /// A binary message.
    pub fn binary(data: impl Into<Vec<u8>>) -> Message {
        Message {
            kind: MessageKind::Binary,
            data: data.into(),
            compressed: false,
            frames: 1,
        }
    }

    /// The text of a text message (validated as UTF-8 on the way in).
    pub fn as_text(&self) -> Option<&str> {
        match self.kind {
            MessageKind::Text if !self.compressed => std::str::from_utf8(&self.data).ok(),
            _ => None,
        }
    }

    /// The opcode its first frame carries.
    pub fn opcode(&self) -> OpCode {
        match self.kind {
            MessageKind::Text => OpCode::Text,
            MessageKind::Binary => OpCode::Binary,
        }
    }
}

impl fmt::Display for Message {
    /// `TEXT message "hello" [5 bytes, 2 frames]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} message ", self.opcode())?;
        if self.compressed {
            f.write_str("(compressed) ")?;
        }
        ch04_masking::write_preview(f, &self.data)?;
        let frames = if self.frames == 1 { "frame" } else { "frames" };
        write!(f, " [{} bytes, {} {frames}]", self.data.len(), self.frames)
    }
}

// ANCHOR: errors
/// A rule about messages, control frames or sizes that a frame breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageError {
    /// A continuation frame arrived but no fragmented message was open (§5.4).
    ContinuationWithoutStart,
    /// A new text or binary frame arrived while a fragmented message was open (§5.4).
    NewMessageInsideFragmented,
    /// A control frame had FIN = 0 (§5.5).
    FragmentedControlFrame,
    /// A control frame's payload was over 125 bytes (§5.5).
    ControlFrameTooLong {
        /// The announced payload length.
        payload_len: u64,
    },
    /// RSV1 was set on a frame where permessage-deflate does not allow it (RFC 7692 §6).
    CompressedBitMisplaced,
    /// A text message is not valid UTF-8 (§8.1).
    InvalidUtf8(Utf8Error),
    /// One frame announced more than `Limits::max_frame_payload` (§10.4).
    FrameTooLarge {
        /// The announced payload length.
        payload_len: u64,
        /// The limit.
        limit: u64,
    },
    /// The message grew past `Limits::max_message` (§10.4).
    MessageTooLarge {
        /// Its size with this frame.
        size: u64,
        /// The limit.
        limit: u64,
    },
}
// ANCHOR_END: errors

impl MessageError {
    /// The variant's name, as the inspector shows it.
    pub fn rule(&self) -> &'static str {
        match self {
            MessageError::ContinuationWithoutStart => "ContinuationWithoutStart",
            MessageError::NewMessageInsideFragmented => "NewMessageInsideFragmented",
            MessageError::FragmentedControlFrame => "FragmentedControlFrame",
            MessageError::ControlFrameTooLong { .. } => "ControlFrameTooLong",
            MessageError::CompressedBitMisplaced => "CompressedBitMisplaced",
            MessageError::InvalidUtf8(_) => "InvalidUtf8",
            MessageError::FrameTooLarge { .. } => "FrameTooLarge",
            MessageError::MessageTooLarge { .. } => "MessageTooLarge",
        }
    }

    /// The section that states the rule.
    pub fn section(&self) -> &'static str {
        match self {
            MessageError::ContinuationWithoutStart | MessageError::NewMessageInsideFragmented => {
                "5.4"
            }
            MessageError::FragmentedControlFrame | MessageError::ControlFrameTooLong { .. } => {
                "5.5"
            }
            MessageError::CompressedBitMisplaced => "RFC 7692 6",
            MessageError::InvalidUtf8(_) => "8.1",
            MessageError::FrameTooLarge { .. } | MessageError::MessageTooLarge { .. } => "10.4",
        }
    }

    /// 1002 protocol error, 1007 invalid data, 1009 message too big (§7.4.1).
    pub fn close_code(&self) -> u16 {
        match self {
            MessageError::InvalidUtf8(_) => 1007,
            MessageError::FrameTooLarge { .. } | MessageError::MessageTooLarge { .. } => 1009,
            _ => 1002,
        }
    }
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::ContinuationWithoutStart => {
                f.write_str("continuation frame without a fragmented message to continue")
            }
            MessageError::NewMessageInsideFragmented => {
                f.write_str("new data frame while a fragmented message is still open")
            }
            MessageError::FragmentedControlFrame => {
                f.write_str("control frames must not be fragmented")
            }
            MessageError::ControlFrameTooLong { payload_len } => {
                write!(
                    f,
                    "control frame payload of {payload_len} bytes; the limit is 125"
                )
            }
            MessageError::CompressedBitMisplaced => f.write_str(
                "RSV1 (compressed) is only allowed on the first frame of a data message",
            ),
            MessageError::InvalidUtf8(error) => write!(f, "text message is not UTF-8: {error}"),
            MessageError::FrameTooLarge { payload_len, limit } => {
                write!(
                    f,
                    "frame of {payload_len} bytes is over the {limit}-byte limit"
                )
            }
            MessageError::MessageTooLarge { size, limit } => {
                write!(f, "message of {size} bytes is over the {limit}-byte limit")
            }
        }
    }
}

impl std::error::Error for MessageError {}

impl From<MessageError> for Violation {
    fn from(error: MessageError) -> Violation {
        Violation {
            rule: error.rule(),
            section: error.section(),
            close_code: error.close_code(),
            message: error.to_string(),
        }
    }
}

/// What [`Assembler::push`] or [`Assembler::end_frame`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    /// A fragment of a message that is not finished yet.
    Partial,
    /// The last fragment: the whole message.
    Message(Message),
    /// A control frame (close, ping, pong or a reserved control opcode), whole:
    /// handled by the caller, even in the middle of a fragmented message.
    Control {
        /// Which control frame.
        opcode: OpCode,
        /// Its payload (≤ 125 bytes).
        payload: Vec<u8>,
    },
}

/// The message currently being assembled.
#[derive(Debug)]
struct Open {
    kind: MessageKind,
    data: Vec<u8>,
    compressed: bool,
    frames: usize,
    utf8: Utf8Validator,
}

/// Which frame's payload is arriving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Current {
    None,
    Data { fin: bool },
    Control { opcode: OpCode },
}

// ANCHOR: assembler
/// Assembles frames into messages, sans-I/O.
///
/// Frames go in either whole ([`Assembler::push`]) or as a header followed by
/// pieces of payload ([`Assembler::begin_frame`], [`Assembler::payload`],
/// [`Assembler::end_frame`]) — the second form lets a reader check UTF-8 while a
/// large frame is still arriving. Payloads must already be unmasked.
///
/// After an error the partial message is dropped, so a decoder that wants to
/// keep going (the inspector) can go on pushing frames.
#[derive(Debug)]
pub struct Assembler {
    limits: Limits,
    compression: bool,
    open: Option<Open>,
    current: Current,
    control: Vec<u8>,
}

impl Assembler {
    /// A new assembler. `compression_negotiated`: permessage-deflate is on, so RSV1
    /// on a message's first frame means "compressed".
    pub fn new(limits: Limits, compression_negotiated: bool) -> Assembler {
        Assembler {
            limits,
            compression: compression_negotiated,
            open: None,
            current: Current::None,
            control: Vec::new(),
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// `true` while a fragmented message is open (its first frame had FIN = 0).
    pub fn in_message(&self) -> bool {
        self.open.is_some()
    }

    /// Checks a header against the rules of this chapter *before* its payload is
    /// read: a frame that breaks them is refused without buffering anything.
    pub fn check_header(&self, header: &FrameHeader) -> Result<(), MessageError> {
        let opcode = header.opcode;
        if opcode.is_control() {
            // §5.5: "All control frames MUST have a payload length of 125 bytes or
            // less and MUST NOT be fragmented."
            if header.payload_len > 125 {
                return Err(MessageError::ControlFrameTooLong {
                    payload_len: header.payload_len,
                });
            }
            if !header.fin {
                return Err(MessageError::FragmentedControlFrame);
            }
            // RFC 7692 §6: RSV1 is for data messages only.
            if header.rsv1 && self.compression {
                return Err(MessageError::CompressedBitMisplaced);
            }
            return Ok(());
        }
        match (opcode, &self.open) {
            // §5.4: "a single message ... consisting of ... zero or more frames with
            // the FIN bit clear and the opcode set to 0" after a first frame: a
            // continuation needs an open message ...
            (OpCode::Continuation, None) => return Err(MessageError::ContinuationWithoutStart),
            // ... and a new message cannot start inside one (no interleaving
            // without an extension that defines it).
            (OpCode::Text | OpCode::Binary, Some(_)) => {
                return Err(MessageError::NewMessageInsideFragmented);
            }
            _ => {}
        }
        if header.rsv1 && self.compression && opcode == OpCode::Continuation {
            return Err(MessageError::CompressedBitMisplaced);
        }
        if header.payload_len > self.limits.max_frame_payload {
            return Err(MessageError::FrameTooLarge {
                payload_len: header.payload_len,
                limit: self.limits.max_frame_payload,
            });
        }
        let so_far = self.open.as_ref().map_or(0, |open| open.data.len() as u64);
        let size = so_far.saturating_add(header.payload_len);
        if size > self.limits.max_message {
            return Err(MessageError::MessageTooLarge {
                size,
                limit: self.limits.max_message,
            });
        }
        Ok(())
    }

    /// Starts a frame whose header passed [`Assembler::check_header`] (it is
    /// checked again here). Reserved data opcodes are the caller's to reject
    /// (chapter 03's `check`); here they are treated as binary.
    pub fn begin_frame(&mut self, header: &FrameHeader) -> Result<(), MessageError> {
        if let Err(error) = self.check_header(header) {
            self.reset();
            return Err(error);
        }
        if header.opcode.is_control() {
            self.control.clear();
            self.current = Current::Control {
                opcode: header.opcode,
            };
            return Ok(());
        }
        if self.open.is_none() {
            let kind = if header.opcode == OpCode::Text {
                MessageKind::Text
            } else {
                MessageKind::Binary
            };
            self.open = Some(Open {
                kind,
                data: Vec::with_capacity(
                    usize::try_from(header.payload_len.min(1 << 20)).unwrap_or(0),
                ),
                compressed: self.compression && header.rsv1,
                frames: 0,
                utf8: Utf8Validator::new(),
            });
        }
        if let Some(open) = &mut self.open {
            open.frames += 1;
        }
        self.current = Current::Data { fin: header.fin };
        Ok(())
    }

    /// The next piece of the current frame's (unmasked) payload.
    pub fn payload(&mut self, piece: &[u8]) -> Result<(), MessageError> {
        match self.current {
            Current::Control { .. } => self.control.extend_from_slice(piece),
            Current::Data { .. } => {
                if let Some(open) = &mut self.open {
                    // §8.1: "When an endpoint is to interpret a byte stream as UTF-8
                    // but finds that the byte stream is not, in fact, a valid UTF-8
                    // stream, that endpoint MUST _Fail the WebSocket Connection_."
                    // Checked piece by piece: fail as soon as it is known.
                    if open.kind == MessageKind::Text
                        && !open.compressed
                        && let Err(error) = open.utf8.push(piece)
                    {
                        self.reset();
                        return Err(MessageError::InvalidUtf8(error));
                    }
                    open.data.extend_from_slice(piece);
                }
            }
            Current::None => {}
        }
        Ok(())
    }

    /// The current frame's payload is complete.
    pub fn end_frame(&mut self) -> Result<Pushed, MessageError> {
        match std::mem::replace(&mut self.current, Current::None) {
            Current::Control { opcode } => Ok(Pushed::Control {
                opcode,
                payload: std::mem::take(&mut self.control),
            }),
            Current::Data { fin: true } => {
                let Some(mut open) = self.open.take() else {
                    return Ok(Pushed::Partial);
                };
                if open.kind == MessageKind::Text && !open.compressed {
                    open.utf8.finish().map_err(MessageError::InvalidUtf8)?;
                }
                Ok(Pushed::Message(Message {
                    kind: open.kind,
                    data: open.data,
                    compressed: open.compressed,
                    frames: open.frames,
                }))
            }
            Current::Data { fin: false } | Current::None => Ok(Pushed::Partial),
        }
    }

    /// A whole frame at once: [`begin_frame`](Assembler::begin_frame), its payload, [`end_frame`](Assembler::end_frame).
    pub fn push(&mut self, header: &FrameHeader, payload: &[u8]) -> Result<Pushed, MessageError> {
        self.begin_frame(header)?;
        self.payload(payload)?;
        self.end_frame()
    }

    /// Drops any partial message.
    pub fn reset(&mut self) {
        self.open = None;
        self.current = Current::None;
        self.control.clear();
    }
}
// ANCHOR_END: assembler

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: OpCode, fin: bool, len: usize) -> FrameHeader {
        let mut header = FrameHeader::new(opcode, len as u64);
        header.fin = fin;
        header
    }

    fn push(
        assembler: &mut Assembler,
        opcode: OpCode,
        fin: bool,
        payload: &[u8],
    ) -> Result<Pushed, MessageError> {
        assembler.push(&header(opcode, fin, payload.len()), payload)
    }

    #[test]
    fn rfc_hel_lo_is_one_message_of_two_frames() {
        let mut assembler = Assembler::new(Limits::default(), false);
        assert_eq!(
            push(&mut assembler, OpCode::Text, false, b"Hel"),
            Ok(Pushed::Partial)
        );
        let Ok(Pushed::Message(message)) = push(&mut assembler, OpCode::Continuation, true, b"lo")
        else {
            panic!("expected a message")
        };
        assert_eq!(message.as_text(), Some("Hello"));
        assert_eq!(message.frames, 2);
        assert_eq!(
            message.to_string(),
            r#"TEXT message "Hello" [5 bytes, 2 frames]"#
        );
    }

    #[test]
    fn control_frames_pass_through_the_middle_of_a_message() {
        let mut assembler = Assembler::new(Limits::default(), false);
        push(&mut assembler, OpCode::Binary, false, &[1, 2]).unwrap();
        assert_eq!(
            push(&mut assembler, OpCode::Ping, true, b"are you there"),
            Ok(Pushed::Control {
                opcode: OpCode::Ping,
                payload: b"are you there".to_vec()
            })
        );
        assert!(assembler.in_message());
        let Ok(Pushed::Message(message)) = push(&mut assembler, OpCode::Continuation, true, &[3])
        else {
            panic!("expected a message")
        };
        assert_eq!(
            (message.kind, message.data),
            (MessageKind::Binary, vec![1, 2, 3])
        );
    }

    #[test]
    fn each_sequence_rule_has_its_own_error_and_code() {
        let mut assembler = Assembler::new(Limits::default(), false);
        let error = push(&mut assembler, OpCode::Continuation, true, b"x").unwrap_err();
        assert_eq!(
            (error, error.close_code()),
            (MessageError::ContinuationWithoutStart, 1002)
        );

        push(&mut assembler, OpCode::Text, false, b"a").unwrap();
        let error = push(&mut assembler, OpCode::Binary, true, b"b").unwrap_err();
        assert_eq!(
            (error, error.close_code()),
            (MessageError::NewMessageInsideFragmented, 1002)
        );
        assert!(
            !assembler.in_message(),
            "an error drops the partial message"
        );

        let error = push(&mut assembler, OpCode::Ping, false, b"").unwrap_err();
        assert_eq!(
            (error, error.section()),
            (MessageError::FragmentedControlFrame, "5.5")
        );

        let error = push(&mut assembler, OpCode::Pong, true, &[0; 126]).unwrap_err();
        assert_eq!(
            error,
            MessageError::ControlFrameTooLong { payload_len: 126 }
        );
        assert!(push(&mut assembler, OpCode::Pong, true, &[0; 125]).is_ok());
    }

    #[test]
    fn invalid_utf8_fails_in_the_first_fragment() {
        let mut assembler = Assembler::new(Limits::default(), false);
        let error = push(&mut assembler, OpCode::Text, false, &[b'o', b'k', 0xFF]).unwrap_err();
        assert_eq!(error.close_code(), 1007);
        assert_eq!(error.rule(), "InvalidUtf8");
    }

    #[test]
    fn limits_are_checked_from_the_header() {
        let limits = Limits {
            max_frame_payload: 100,
            max_message: 150,
        };
        let mut assembler = Assembler::new(limits, false);
        let huge = header(OpCode::Binary, true, 0);
        let huge = FrameHeader {
            payload_len: 1 << 63,
            ..huge
        };
        let error = assembler.check_header(&huge).unwrap_err();
        assert_eq!(error.close_code(), 1009);
        push(&mut assembler, OpCode::Binary, false, &[0; 100]).unwrap();
        let next = header(OpCode::Continuation, true, 60);
        assert_eq!(
            assembler.check_header(&next),
            Err(MessageError::MessageTooLarge {
                size: 160,
                limit: 150
            })
        );
    }

    #[test]
    fn compressed_messages_skip_utf8_until_inflated() {
        let mut assembler = Assembler::new(Limits::default(), true);
        let mut first = header(OpCode::Text, true, 3);
        first.rsv1 = true;
        let Ok(Pushed::Message(message)) = assembler.push(&first, &[0xF2, 0x48, 0x05]) else {
            panic!("expected a message")
        };
        assert!(message.compressed);
        let mut continuation = header(OpCode::Continuation, true, 0);
        continuation.rsv1 = true;
        push(&mut assembler, OpCode::Text, false, b"").unwrap();
        assert_eq!(
            assembler.push(&continuation, &[]),
            Err(MessageError::CompressedBitMisplaced)
        );
    }
}
