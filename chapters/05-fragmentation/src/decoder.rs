//! The receiving half of a connection, sans-I/O: bytes in, messages and control frames out.

use crate::message::{Assembler, Limits, Message, MessageError, Pushed};
use ch04_masking::{
    Frame, FrameError, FrameHeader, MaskError, Parsed, Role, Violation, apply_mask, check_masking,
    parse,
};
use std::fmt;
use std::io::{self, Read};

/// What the decoder produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole data message.
    Message(Message),
    /// A whole control frame (ping, pong or close), possibly received between
    /// the fragments of a message. Its payload is unmasked.
    Control(Frame),
}

/// Any rule a received frame breaks, from chapters 03, 04 and 05.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A §5.2 header rule (chapter 03).
    Frame(FrameError),
    /// A §5.1 masking rule (chapter 04).
    Mask(MaskError),
    /// A message, control-frame, UTF-8 or size rule (this chapter).
    Message(MessageError),
}

impl DecodeError {
    /// The close code to fail the connection with.
    pub fn close_code(&self) -> u16 {
        match self {
            DecodeError::Frame(e) => e.close_code(),
            DecodeError::Mask(e) => e.close_code(),
            DecodeError::Message(e) => e.close_code(),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Violation::from(*self))
    }
}

impl std::error::Error for DecodeError {}

impl From<DecodeError> for Violation {
    fn from(error: DecodeError) -> Violation {
        match error {
            DecodeError::Frame(e) => e.into(),
            DecodeError::Mask(e) => e.into(),
            DecodeError::Message(e) => e.into(),
        }
    }
}

impl From<MessageError> for DecodeError {
    fn from(error: MessageError) -> DecodeError {
        DecodeError::Message(error)
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Waiting for (the rest of) a frame header.
    Header,
    /// Inside a frame's payload: `received` of `header.payload_len` bytes so far.
    Payload { header: FrameHeader, received: u64 },
    /// A rule was broken; the connection is being failed.
    Failed(DecodeError),
}

// ANCHOR: decoder
/// Turns the bytes a peer sends into [`Event`]s, checking every rule so far.
///
/// Feed it whatever the socket returned ([`Decoder::feed`]), then take events
/// until it needs more ([`Decoder::next_event`] returns `Ok(None)`). Payloads are
/// unmasked and checked *as they arrive*, so invalid UTF-8 in the first bytes of a
/// large frame is reported before the rest of the frame has been read, and a
/// header announcing 2^63 bytes is refused before anything is buffered.
#[derive(Debug)]
pub struct Decoder {
    receiver: Role,
    rsv_allowed: [bool; 3],
    assembler: Assembler,
    buf: Vec<u8>,
    start: usize,
    state: State,
}

impl Decoder {
    /// A decoder for the `receiver` end of a connection without extensions.
    pub fn new(receiver: Role, limits: Limits) -> Decoder {
        Decoder {
            receiver,
            rsv_allowed: [false; 3],
            assembler: Assembler::new(limits, false),
            buf: Vec::new(),
            start: 0,
            state: State::Header,
        }
    }

    /// Bytes that arrived from the peer (after the handshake).
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 64 * 1024 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// `true` while a fragmented message is open.
    pub fn in_message(&self) -> bool {
        self.assembler.in_message()
    }

    /// The next event, `Ok(None)` when more bytes are needed. After an error the
    /// decoder keeps returning it: the caller must fail the connection.
    pub fn next_event(&mut self) -> Result<Option<Event>, DecodeError> {
        loop {
            match self.state {
                State::Failed(error) => return Err(error),
                State::Header => {
                    let (header, header_len) = match parse(&self.buf[self.start..]) {
                        Parsed::Incomplete { .. } => return Ok(None),
                        Parsed::Complete { header, header_len } => (header, header_len),
                    };
                    if let Err(error) = self.check(&header) {
                        self.state = State::Failed(error);
                        return Err(error);
                    }
                    self.start += header_len;
                    self.state = State::Payload {
                        header,
                        received: 0,
                    };
                }
                State::Payload { header, received } => {
                    let remaining = header.payload_len - received;
                    let available = (self.buf.len() - self.start) as u64;
                    let take = remaining.min(available) as usize;
                    if take > 0 {
                        let piece = &mut self.buf[self.start..self.start + take];
                        if let Some(key) = header.mask {
                            // The key continues from where the last piece stopped.
                            apply_mask(piece, key, received as usize);
                        }
                        if let Err(error) = self.assembler.payload(piece) {
                            return Err(self.fail(error.into()));
                        }
                        self.start += take;
                    }
                    let received = received + take as u64;
                    if received < header.payload_len {
                        self.state = State::Payload { header, received };
                        return Ok(None);
                    }
                    self.state = State::Header;
                    match self.assembler.end_frame() {
                        Err(error) => return Err(self.fail(error.into())),
                        Ok(Pushed::Partial) => {}
                        Ok(Pushed::Message(message)) => return Ok(Some(Event::Message(message))),
                        Ok(Pushed::Control { payload, .. }) => {
                            let mut header = header;
                            header.mask = None;
                            return Ok(Some(Event::Control(Frame { header, payload })));
                        }
                    }
                }
            }
        }
    }

    /// Every check a header must pass before its payload is read, in the order
    /// the chapters introduced them.
    fn check(&mut self, header: &FrameHeader) -> Result<(), DecodeError> {
        if let Some(error) = header.check(self.rsv_allowed).into_iter().next() {
            return Err(DecodeError::Frame(error));
        }
        check_masking(self.receiver, header).map_err(DecodeError::Mask)?;
        self.assembler.begin_frame(header)?;
        Ok(())
    }

    fn fail(&mut self, error: DecodeError) -> DecodeError {
        self.state = State::Failed(error);
        error
    }
}
// ANCHOR_END: decoder

/// Why [`read_event`] stopped.
#[derive(Debug)]
pub enum ReadError {
    /// The peer broke a rule: fail the connection with `error.close_code()`.
    Protocol(DecodeError),
    /// The socket failed or timed out.
    Io(io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Protocol(e) => write!(f, "protocol error: {e}"),
            ReadError::Io(e) => write!(f, "i/o error: {e}"),
        }
    }
}

impl std::error::Error for ReadError {}

// ANCHOR: read_event
/// Blocking: reads from `reader` until the decoder has an event. `Ok(None)` when
/// the peer closed TCP (the caller decides whether that was clean).
pub fn read_event<R: Read>(
    reader: &mut R,
    decoder: &mut Decoder,
) -> Result<Option<Event>, ReadError> {
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if let Some(event) = decoder.next_event().map_err(ReadError::Protocol)? {
            return Ok(Some(event));
        }
        match reader.read(&mut chunk) {
            Ok(0) => return Ok(None),
            Ok(n) => decoder.feed(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadError::Io(e)),
        }
    }
}
// ANCHOR_END: read_event

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageKind;
    use ch04_masking::{OpCode, encode_frame};

    fn client_bytes(frames: &[Frame]) -> Vec<u8> {
        frames
            .iter()
            .flat_map(|f| encode_frame(Role::Client, f))
            .collect()
    }

    fn events(decoder: &mut Decoder) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(event) = decoder.next_event().expect("valid") {
            out.push(event);
        }
        out
    }

    #[test]
    fn a_ping_between_fragments_comes_out_before_the_message() {
        let bytes = client_bytes(&[
            Frame::text("Hel").with_fin(false),
            Frame::ping(b"p".to_vec()),
            Frame::new(OpCode::Continuation, b"lo".to_vec()),
        ]);
        // Byte by byte, the hardest way to arrive.
        let mut decoder = Decoder::new(Role::Server, Limits::default());
        let mut seen = Vec::new();
        for byte in bytes {
            decoder.feed(&[byte]);
            seen.extend(events(&mut decoder));
        }
        assert_eq!(seen.len(), 2);
        assert!(
            matches!(&seen[0], Event::Control(f) if f.header.opcode == OpCode::Ping && f.payload == b"p")
        );
        assert!(
            matches!(&seen[1], Event::Message(m) if m.as_text() == Some("Hello") && m.frames == 2)
        );
    }

    #[test]
    fn invalid_utf8_is_reported_before_the_frame_is_complete() {
        let mut frame = Frame::text("");
        frame.payload = vec![b'a'; 10_000];
        frame.payload[10] = 0xFF;
        frame.header.payload_len = 10_000;
        let bytes = client_bytes(&[frame]);
        let mut decoder = Decoder::new(Role::Server, Limits::default());
        decoder.feed(&bytes[..100]); // header + the first ~90 payload bytes
        let error = decoder.next_event().unwrap_err();
        assert_eq!(error.close_code(), 1007);
    }

    #[test]
    fn unmasked_client_frame_fails_with_1002() {
        let mut decoder = Decoder::new(Role::Server, Limits::default());
        decoder.feed(&Frame::text("hi").to_bytes_unmasked());
        let error = decoder.next_event().unwrap_err();
        assert_eq!(error, DecodeError::Mask(MaskError::UnmaskedClientFrame));
        assert_eq!(error.close_code(), 1002);
    }

    #[test]
    fn a_2_pow_63_length_is_refused_without_allocating() {
        let mut bytes = vec![0x82, 0xFF];
        bytes.extend_from_slice(&(1u64 << 63).to_be_bytes());
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        let mut decoder = Decoder::new(Role::Server, Limits::default());
        decoder.feed(&bytes);
        let error = decoder.next_event().unwrap_err();
        // The 64-bit MSB rule of §5.2 catches it first; 2^62 hits the size limit.
        assert_eq!(error.close_code(), 1002);
        let mut bytes = vec![0x82, 0xFF];
        bytes.extend_from_slice(&(1u64 << 62).to_be_bytes());
        bytes.extend_from_slice(&[1, 2, 3, 4]);
        let mut decoder = Decoder::new(Role::Server, Limits::default());
        decoder.feed(&bytes);
        assert_eq!(decoder.next_event().unwrap_err().close_code(), 1009);
        assert!(decoder.buf.capacity() < 4096);
    }

    #[test]
    fn binary_message_across_many_reads() {
        let payload: Vec<u8> = (0..70_000u32).map(|i| (i % 256) as u8).collect();
        let bytes = client_bytes(&[Frame::binary(payload.clone())]);
        let mut decoder = Decoder::new(Role::Server, Limits::default());
        let mut seen = Vec::new();
        for chunk in bytes.chunks(1000) {
            decoder.feed(chunk);
            seen.extend(events(&mut decoder));
        }
        assert_eq!(
            seen,
            vec![Event::Message(Message {
                kind: MessageKind::Binary,
                data: payload,
                compressed: false,
                frames: 1
            })]
        );
    }
}
