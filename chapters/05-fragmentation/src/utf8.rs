//! UTF-8 validated as it arrives, across fragment (and TCP segment) boundaries.

use std::fmt;

/// The bytes are not UTF-8 (§8.1: fail with 1007).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8Error {
    /// Offset, counted from the start of the message, of the byte at which the
    /// data stopped being a valid UTF-8 prefix (or the end, for a truncated sequence).
    pub offset: u64,
}

impl fmt::Display for Utf8Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid UTF-8 at byte {} of the message", self.offset)
    }
}

impl std::error::Error for Utf8Error {}

// ANCHOR: validator
/// An incremental UTF-8 validator.
///
/// A code point may be split over two fragments (or three, for a 4-byte one), so
/// the validator keeps the up-to-3 bytes of an unfinished sequence between calls.
/// It fails on the first byte that can never become valid — not at the end of the
/// message — which is what "fail fast" means (§8.1, Autobahn cases 6.4.x).
#[derive(Debug, Clone, Default)]
pub struct Utf8Validator {
    /// Bytes of a sequence that is valid so far but not finished.
    pending: [u8; 4],
    pending_len: usize,
    /// Bytes seen so far, for error offsets.
    seen: u64,
}

impl Utf8Validator {
    /// A validator at the start of a message.
    pub fn new() -> Utf8Validator {
        Utf8Validator::default()
    }

    /// Checks the next bytes of the message.
    pub fn push(&mut self, mut input: &[u8]) -> Result<(), Utf8Error> {
        // First finish a sequence left over from the previous piece.
        while self.pending_len > 0 {
            let Some((&byte, rest)) = input.split_first() else {
                return Ok(()); // still unfinished, wait for more
            };
            self.pending[self.pending_len] = byte;
            self.pending_len += 1;
            self.seen += 1;
            input = rest;
            match std::str::from_utf8(&self.pending[..self.pending_len]) {
                Ok(_) => self.pending_len = 0,
                Err(e) if e.error_len().is_some() => {
                    return Err(Utf8Error {
                        offset: self.seen - 1,
                    });
                }
                Err(_) => {} // a valid prefix: keep going
            }
        }
        // Then the rest in one call to the standard library's fast validator.
        match std::str::from_utf8(input) {
            Ok(_) => {
                self.seen += input.len() as u64;
                Ok(())
            }
            // `error_len() == None`: the input ends inside a sequence that is
            // valid so far. Keep those bytes for the next piece.
            Err(e) if e.error_len().is_none() => {
                let tail = &input[e.valid_up_to()..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len();
                self.seen += input.len() as u64;
                Ok(())
            }
            Err(e) => Err(Utf8Error {
                offset: self.seen + e.valid_up_to() as u64,
            }),
        }
    }

    /// The message is over: an unfinished sequence is an error.
    pub fn finish(&mut self) -> Result<(), Utf8Error> {
        let unfinished = self.pending_len > 0;
        let offset = self.seen;
        *self = Utf8Validator::new();
        if unfinished {
            Err(Utf8Error { offset })
        } else {
            Ok(())
        }
    }
}
// ANCHOR_END: validator

#[cfg(test)]
mod tests {
    use super::*;

    fn check_in_pieces(bytes: &[u8], sizes: &[usize]) -> Result<(), Utf8Error> {
        let mut validator = Utf8Validator::new();
        let mut rest = bytes;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (piece, tail) = rest.split_at(size.min(rest.len()));
            validator.push(piece)?;
            rest = tail;
        }
        validator.finish()
    }

    #[test]
    fn a_four_byte_code_point_split_three_ways_is_valid() {
        let bytes = "a😀b".as_bytes(); // 😀 is F0 9F 98 80
        assert_eq!(check_in_pieces(bytes, &[2, 1, 2]), Ok(()));
        assert_eq!(check_in_pieces(bytes, &[1]), Ok(()));
    }

    #[test]
    fn fails_on_the_first_impossible_byte_not_at_the_end() {
        let mut validator = Utf8Validator::new();
        assert!(validator.push(b"hello ").is_ok());
        // CE BA E1 BD B9 CF 83 CE BC CE B5 then ED A0 80 (a surrogate): invalid at ED A0.
        assert!(validator.push(&[0xCE, 0xBA, 0xE1, 0xBD]).is_ok());
        assert!(
            validator.push(&[0xB9, 0xED]).is_ok(),
            "ED alone could still be valid"
        );
        assert_eq!(validator.push(&[0xA0]), Err(Utf8Error { offset: 12 }));
    }

    #[test]
    fn truncated_sequence_fails_at_finish() {
        let mut validator = Utf8Validator::new();
        assert!(validator.push(&[0xF0, 0x9F]).is_ok());
        assert!(validator.finish().is_err());
    }

    #[test]
    fn agrees_with_std_on_every_split() {
        let samples: [&[u8]; 5] = [
            "κόσμε".as_bytes(),
            &[0xF4, 0x90, 0x80, 0x80],
            &[0xC0, 0xAF],
            &[0xE0, 0x9F, 0xBF],
            "\u{10FFFF}x\u{7FF}".as_bytes(),
        ];
        for sample in samples {
            let expected = std::str::from_utf8(sample).is_ok();
            for size in 1..=sample.len() {
                assert_eq!(
                    check_in_pieces(sample, &[size]).is_ok(),
                    expected,
                    "{sample:?} in {size}s"
                );
            }
        }
    }
}
