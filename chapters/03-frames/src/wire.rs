//! Reading whole frames from a blocking stream, with the two-phase parse.

use crate::frame::{FrameHeader, Parsed, parse};
use std::io::{self, Read};

// ANCHOR: read_frame
/// Reads one whole frame from `reader`. `buf` holds bytes already read (for
/// example what followed the handshake) and keeps any bytes past this frame for
/// the next call.
///
/// Returns the header and the payload *as it was on the wire* (still masked if
/// the header has a key), or `Ok(None)` if the peer closed the connection cleanly
/// between frames. A header announcing more than `max_payload` bytes is refused
/// from the header alone, before anything is buffered.
pub fn read_frame<R: Read>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    max_payload: u64,
) -> io::Result<Option<(FrameHeader, Vec<u8>)>> {
    // Phase 1: enough bytes for the header?
    let (header, header_len) = loop {
        match parse(buf) {
            Parsed::Complete { header, header_len } => break (header, header_len),
            Parsed::Incomplete { needed } => {
                if !fill(reader, buf, needed)? {
                    return if buf.is_empty() {
                        Ok(None)
                    } else {
                        Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "connection closed in the middle of a frame header",
                        ))
                    };
                }
            }
        }
    };
    if header.payload_len > max_payload {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "frame announces {} payload bytes, more than the limit of {max_payload}",
                header.payload_len
            ),
        ));
    }
    // Phase 2: the payload. The limit above makes this conversion safe.
    let total = header_len + usize::try_from(header.payload_len).unwrap_or(usize::MAX);
    while buf.len() < total {
        let missing = total - buf.len();
        if !fill(reader, buf, missing)? {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the middle of a frame payload",
            ));
        }
    }
    let payload = buf[header_len..total].to_vec();
    buf.drain(..total);
    Ok(Some((header, payload)))
}
// ANCHOR_END: read_frame

/// Reads at least one byte (up to `wanted`, at most 64 KiB at a time) into `buf`.
/// Returns `false` on end of stream.
fn fill<R: Read>(reader: &mut R, buf: &mut Vec<u8>, wanted: usize) -> io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let want = wanted.clamp(1, chunk.len());
    loop {
        match reader.read(&mut chunk[..want]) {
            Ok(0) => return Ok(false),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::OpCode;

    /// A reader that hands out one byte per call, like a slow network.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), out.first_mut()) {
                (Some((first, rest)), Some(slot)) => {
                    *slot = *first;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    #[test]
    fn reads_frames_one_byte_at_a_time_and_keeps_the_rest() {
        let bytes = [0x81, 0x05, b'H', b'e', b'l', b'l', b'o', 0x89, 0x00];
        let mut reader = Trickle(&bytes);
        let mut buf = Vec::new();
        let (header, payload) = read_frame(&mut reader, &mut buf, 1 << 20).unwrap().unwrap();
        assert_eq!(
            (header.opcode, payload.as_slice()),
            (OpCode::Text, &b"Hello"[..])
        );
        let (header, payload) = read_frame(&mut reader, &mut buf, 1 << 20).unwrap().unwrap();
        assert_eq!((header.opcode, payload.len()), (OpCode::Ping, 0));
        assert!(
            read_frame(&mut reader, &mut buf, 1 << 20)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn huge_length_is_refused_from_the_header_alone() {
        let mut bytes = vec![0x82, 0x7F];
        bytes.extend_from_slice(&(1u64 << 62).to_be_bytes());
        let mut buf = Vec::new();
        let err = read_frame(&mut bytes.as_slice(), &mut buf, 1 << 24).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(
            buf.capacity() < 1024,
            "nothing was allocated for the payload"
        );
    }

    #[test]
    fn eof_inside_a_frame_is_an_error() {
        let mut buf = Vec::new();
        let err = read_frame(&mut &[0x81u8, 0x05, b'H'][..], &mut buf, 100).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
