//! Who masks: the rules of §5.1, and encoding a frame for a given sender.

use crate::mask::{apply_mask, random_mask_key};
use ch03_frames::{Frame, FrameHeader, OpCode, Violation, wire};
use std::fmt;
use std::io::{self, Read};

/// Which end of the connection we are. The rules of §5.1 depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Opened the connection; masks every frame it sends.
    Client,
    /// Accepted it; never masks.
    Server,
}

impl Role {
    /// The other end.
    pub fn peer(self) -> Role {
        match self {
            Role::Client => Role::Server,
            Role::Server => Role::Client,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Client => "client",
            Role::Server => "server",
        })
    }
}

/// A frame masked (or not) against the §5.1 rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskError {
    /// A server received a frame without a masking key.
    UnmaskedClientFrame,
    /// A client received a frame with a masking key.
    MaskedServerFrame,
}

impl MaskError {
    /// The variant's name.
    pub fn rule(self) -> &'static str {
        match self {
            MaskError::UnmaskedClientFrame => "UnmaskedClientFrame",
            MaskError::MaskedServerFrame => "MaskedServerFrame",
        }
    }

    /// Both rules are in §5.1; both fail the connection with 1002.
    pub fn close_code(self) -> u16 {
        1002
    }
}

impl fmt::Display for MaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MaskError::UnmaskedClientFrame => "a client must mask every frame it sends",
            MaskError::MaskedServerFrame => "a server must not mask any frame it sends",
        })
    }
}

impl std::error::Error for MaskError {}

impl From<MaskError> for Violation {
    fn from(error: MaskError) -> Violation {
        Violation {
            rule: error.rule(),
            section: "5.1",
            close_code: error.close_code(),
            message: error.to_string(),
        }
    }
}

// ANCHOR: check_masking
/// Checks a received header against the masking rules for the `receiver`'s role.
pub fn check_masking(receiver: Role, header: &FrameHeader) -> Result<(), MaskError> {
    match (receiver, header.mask.is_some()) {
        // §5.1: "The server MUST close the connection upon receiving a frame that
        // is not masked. In this case, a server MAY send a Close frame with a
        // status code of 1002 (protocol error)".
        (Role::Server, false) => Err(MaskError::UnmaskedClientFrame),
        // §5.1: "A client MUST close a connection if it detects a masked frame.
        // In this case, it MAY use the status code 1002 (protocol error)".
        (Role::Client, true) => Err(MaskError::MaskedServerFrame),
        _ => Ok(()),
    }
}
// ANCHOR_END: check_masking

// ANCHOR: encode_frame
/// Encodes `frame` as `sender` must send it: a client masks with a fresh key
/// (§5.3), a server sends the payload as it is (§5.1).
pub fn encode_frame(sender: Role, frame: &Frame) -> Vec<u8> {
    let mut header = frame.header;
    header.payload_len = frame.payload.len() as u64;
    header.mask = match sender {
        Role::Client => Some(random_mask_key()),
        Role::Server => None,
    };
    let mut out = Vec::with_capacity(header.encoded_len() + frame.payload.len());
    header.write(&mut out);
    let payload_start = out.len();
    out.extend_from_slice(&frame.payload);
    if let Some(key) = header.mask {
        apply_mask(&mut out[payload_start..], key, 0);
    }
    out
}
// ANCHOR_END: encode_frame

/// A minimal close frame with a status code and reason, as `sender` sends it.
/// Chapter 07 replaces this with the full closing handshake; until then a
/// protocol error is still reported with a correct close frame (§5.5.1).
pub fn close_frame_bytes(sender: Role, code: u16, reason: &str) -> Vec<u8> {
    // §5.5: control frame payloads are at most 125 bytes: 2 for the code, 123 for the reason.
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    encode_frame(sender, &Frame::close(Some(code), &reason[..end]))
}

// ANCHOR: read_unmasked_frame
/// Reads one frame as `receiver`, checks the masking rule and unmasks the payload.
///
/// The result is the frame as the application sees it. A masking violation is
/// returned as `Err(Ok(MaskError))` so the caller can answer with 1002; I/O
/// problems are `Err(Err(io::Error))`. `Ok(None)` is a clean end of stream.
pub fn read_unmasked_frame<R: Read>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    receiver: Role,
    max_payload: u64,
) -> Result<Option<Frame>, Result<MaskError, io::Error>> {
    let Some((header, mut payload)) = wire::read_frame(reader, buf, max_payload).map_err(Err)?
    else {
        return Ok(None);
    };
    check_masking(receiver, &header).map_err(Ok)?;
    if let Some(key) = header.mask {
        apply_mask(&mut payload, key, 0);
    }
    Ok(Some(Frame { header, payload }))
}
// ANCHOR_END: read_unmasked_frame

/// `true` for the opcodes chapter 04's echo server handles (single-frame text and binary).
pub fn is_single_frame_message(frame: &Frame) -> bool {
    frame.header.fin && matches!(frame.header.opcode, OpCode::Text | OpCode::Binary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ch03_frames::{Parsed, parse};

    #[test]
    fn server_refuses_unmasked_and_client_refuses_masked() {
        let unmasked = FrameHeader::new(OpCode::Text, 5);
        let mut masked = unmasked;
        masked.mask = Some([1, 2, 3, 4]);
        assert_eq!(
            check_masking(Role::Server, &unmasked),
            Err(MaskError::UnmaskedClientFrame)
        );
        assert_eq!(check_masking(Role::Server, &masked), Ok(()));
        assert_eq!(
            check_masking(Role::Client, &masked),
            Err(MaskError::MaskedServerFrame)
        );
        assert_eq!(check_masking(Role::Client, &unmasked), Ok(()));
        let violation = Violation::from(MaskError::UnmaskedClientFrame);
        assert_eq!((violation.section, violation.close_code), ("5.1", 1002));
    }

    #[test]
    fn client_frames_are_masked_with_fresh_keys_and_decode_back() {
        let frame = Frame::text("Hello");
        let first = encode_frame(Role::Client, &frame);
        let second = encode_frame(Role::Client, &frame);
        let Parsed::Complete { header, header_len } = parse(&first) else {
            panic!("incomplete")
        };
        let key = header.mask.expect("client frames are masked");
        let mut payload = first[header_len..].to_vec();
        assert_ne!(payload, b"Hello");
        apply_mask(&mut payload, key, 0);
        assert_eq!(payload, b"Hello");
        assert_ne!(first[2..6], second[2..6], "a fresh key per frame");
        assert_eq!(
            encode_frame(Role::Server, &frame),
            frame.to_bytes_unmasked()
        );
    }

    #[test]
    fn close_helper_writes_code_and_cuts_reason_at_123_bytes() {
        let bytes = close_frame_bytes(Role::Server, 1002, &"é".repeat(100));
        let Parsed::Complete { header, header_len } = parse(&bytes) else {
            panic!("incomplete")
        };
        assert_eq!(header.opcode, OpCode::Close);
        assert!(header.payload_len <= 125);
        assert_eq!(&bytes[header_len..header_len + 2], &1002u16.to_be_bytes());
        assert!(std::str::from_utf8(&bytes[header_len + 2..]).is_ok());
    }

    #[test]
    fn read_unmasked_frame_unmasks_and_enforces_the_role() {
        let wire = encode_frame(Role::Client, &Frame::binary(vec![7; 70_000]));
        let mut buf = Vec::new();
        let frame = read_unmasked_frame(&mut wire.as_slice(), &mut buf, Role::Server, 1 << 20)
            .expect("valid")
            .expect("a frame");
        assert_eq!(frame.payload, vec![7; 70_000]);
        let unmasked = Frame::text("hi").to_bytes_unmasked();
        let mut buf = Vec::new();
        let err = read_unmasked_frame(&mut unmasked.as_slice(), &mut buf, Role::Server, 1 << 20)
            .unwrap_err();
        assert!(matches!(err, Ok(MaskError::UnmaskedClientFrame)));
    }
}
