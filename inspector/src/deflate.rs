//! permessage-deflate (RFC 7692): the extension every browser offers.
//!
//! A compressed message has RSV1 set on its first frame. Its payload, all frames
//! together, is a raw DEFLATE stream with the final `00 00 ff ff` (an empty stored block,
//! the end of a sync flush) removed (§7.2.1). To inflate, append those four bytes and
//! inflate (§7.2.2).
//!
//! By default each side keeps its LZ77 window from one message to the next ("context
//! takeover"), so a message may refer to bytes of earlier ones and the inflater must
//! persist across messages of that direction. The handshake can turn that off per side:
//! `client_no_context_takeover` (the client resets after each message it sends) and
//! `server_no_context_takeover` (§7.1.1). The window size parameters only ever make the
//! sender's window smaller, so a 32 KiB inflater handles every value.
//!
//! The inspector inflates frame by frame as they arrive (a frame's share of the message
//! is shown with that frame) and caps the inflated size so a "zip bomb" cannot exhaust
//! memory.

use flate2::{Decompress, FlushDecompress, Status};

use crate::model::DeflateParams;

/// The four bytes a sender strips from the end of each compressed message (§7.2.1).
pub const MESSAGE_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Reads the permessage-deflate parameters from a `Sec-WebSocket-Extensions` response
/// value (`permessage-deflate; client_no_context_takeover; server_max_window_bits=10`).
/// `None` if the server did not accept permessage-deflate.
pub fn negotiated(extensions: &str) -> Option<DeflateParams> {
    // Extensions are a comma-separated list; each is a name and `;`-separated params.
    for extension in extensions.split(',') {
        let mut parts = extension.split(';').map(str::trim);
        if !parts
            .next()
            .is_some_and(|name| name.eq_ignore_ascii_case("permessage-deflate"))
        {
            continue;
        }
        let mut params = DeflateParams::default();
        for part in parts {
            let (name, value) = match part.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim().trim_matches('"'))),
                None => (part, None),
            };
            let bits = value.and_then(|v| v.parse::<u8>().ok());
            match name.to_ascii_lowercase().as_str() {
                "client_no_context_takeover" => params.client_no_context_takeover = true,
                "server_no_context_takeover" => params.server_no_context_takeover = true,
                "client_max_window_bits" => params.client_max_window_bits = bits.or(Some(15)),
                "server_max_window_bits" => params.server_max_window_bits = bits.or(Some(15)),
                _ => {}
            }
        }
        return Some(params);
    }
    None
}

/// Why a message could not be inflated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InflateError {
    /// The bytes are not a valid DEFLATE stream (or refer to a window the capture lost).
    Corrupt(String),
    /// The inflated message grew past the limit.
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
}

impl std::fmt::Display for InflateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InflateError::Corrupt(message) => write!(f, "cannot inflate: {message}"),
            InflateError::TooLarge { limit } => {
                write!(f, "inflated message is larger than the {limit}-byte limit")
            }
        }
    }
}

/// Inflates the compressed messages of one direction.
#[derive(Debug)]
pub struct Inflater {
    decompress: Decompress,
    no_context_takeover: bool,
    /// Inflated bytes of the current message so far.
    message_len: u64,
    max_message: u64,
    /// The current message already failed: ignore its remaining frames.
    failed: bool,
    /// The window may be wrong (a message failed or bytes were lost): the next message
    /// with context takeover may fail too, and says why.
    tainted: bool,
}

impl Inflater {
    /// An inflater for one direction. `no_context_takeover`: that direction's sender
    /// resets its window after each message. `max_message` caps each inflated message.
    pub fn new(no_context_takeover: bool, max_message: u64) -> Self {
        Inflater {
            decompress: Decompress::new(false),
            no_context_takeover,
            message_len: 0,
            max_message,
            failed: false,
            tainted: false,
        }
    }

    /// Inflates one frame's (unmasked) payload of a compressed message, appending the
    /// output to `out`. `last` is the message's final frame: the stripped tail is added
    /// and the message's context ends. (A convenience over [`Inflater::inflate_piece`]
    /// and [`Inflater::finish_message`].)
    pub fn inflate_frame(
        &mut self,
        payload: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), InflateError> {
        let result = self.inflate_piece(payload, out);
        if last {
            let end = self.finish_message(out);
            return result.and(end);
        }
        result
    }

    /// Inflates the next piece of a compressed message's payload (any split: pieces
    /// of a frame, or whole frames).
    pub fn inflate_piece(&mut self, piece: &[u8], out: &mut Vec<u8>) -> Result<(), InflateError> {
        if self.failed {
            return Ok(());
        }
        let result = self.inflate(piece, out);
        if result.is_err() {
            self.failed = true;
            self.tainted = true;
        }
        result
    }

    /// The message's last frame is complete: inflates the stripped tail (§7.2.2) and ends
    /// the message's context.
    pub fn finish_message(&mut self, out: &mut Vec<u8>) -> Result<(), InflateError> {
        let result = if self.failed {
            Ok(())
        } else {
            self.inflate(&MESSAGE_TAIL, out)
        };
        if result.is_err() {
            self.failed = true;
            self.tainted = true;
        }
        self.end_message();
        result
    }

    /// The message ends (normally, or because frames were lost).
    pub fn end_message(&mut self) {
        if self.no_context_takeover || self.failed {
            // §7.2.2: without context takeover each message starts a new stream. After
            // a failure the window is unknown: start over (later messages that refer
            // back will fail and say so).
            self.decompress.reset(false);
        }
        if self.no_context_takeover {
            self.tainted = false;
        }
        self.failed = false;
        self.message_len = 0;
    }

    /// Bytes of this direction were lost: the shared window is no longer known.
    pub fn lose_context(&mut self) {
        self.failed = true;
        self.tainted = true;
    }

    /// Whether the window may be wrong because of an earlier failure or loss.
    pub fn is_tainted(&self) -> bool {
        self.tainted
    }

    fn inflate(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> Result<(), InflateError> {
        let mut scratch = [0u8; 16 * 1024];
        loop {
            let before_in = self.decompress.total_in();
            let before_out = self.decompress.total_out();
            let status = self
                .decompress
                .decompress(input, &mut scratch, FlushDecompress::Sync)
                .map_err(|e| InflateError::Corrupt(e.to_string()))?;
            let consumed = (self.decompress.total_in() - before_in) as usize;
            let produced = (self.decompress.total_out() - before_out) as usize;
            input = &input[consumed..];
            self.message_len += produced as u64;
            if self.message_len > self.max_message {
                return Err(InflateError::TooLarge {
                    limit: self.max_message,
                });
            }
            out.extend_from_slice(&scratch[..produced]);
            match status {
                Status::StreamEnd => {
                    // A block with BFINAL set ended the stream (RFC 7692 §7.2.3.4 allows
                    // it); whatever follows starts a new stream.
                    self.decompress.reset(false);
                    if input.is_empty() {
                        return Ok(());
                    }
                }
                Status::Ok | Status::BufError => {
                    if input.is_empty() && produced < scratch.len() {
                        return Ok(());
                    }
                    if consumed == 0 && produced == 0 {
                        return Err(InflateError::Corrupt("inflater made no progress".into()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    /// Compresses `messages` the way a permessage-deflate sender does: sync flush at the
    /// end of each, strip the `00 00 ff ff`, optionally reset between messages.
    pub(crate) fn compress_messages(messages: &[&[u8]], context_takeover: bool) -> Vec<Vec<u8>> {
        let mut compress = Compress::new(Compression::default(), false);
        messages
            .iter()
            .map(|message| {
                if !context_takeover {
                    compress.reset();
                }
                let mut out = Vec::with_capacity(message.len() + 64);
                let mut input: &[u8] = message;
                loop {
                    out.reserve(1024);
                    let before = compress.total_in();
                    compress
                        .compress_vec(input, &mut out, FlushCompress::Sync)
                        .unwrap();
                    input = &input[(compress.total_in() - before) as usize..];
                    if input.is_empty() && out.ends_with(&MESSAGE_TAIL) {
                        break;
                    }
                }
                out.truncate(out.len() - 4);
                out
            })
            .collect()
    }

    #[test]
    fn rfc7692_section_7_2_3_1_example() {
        // "Hello" compressed, without the tail: c2 48 cd c9 c9 07 00 — RFC 7692 §7.2.3.1.
        let payload = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00];
        let mut inflater = Inflater::new(false, 1 << 20);
        let mut out = Vec::new();
        inflater.inflate_frame(&payload, true, &mut out).unwrap();
        assert_eq!(out, b"Hello");
        // §7.2.3.2: with context takeover the second "Hello" is a back-reference.
        let second = [0xf2, 0x00, 0x11, 0x00, 0x00];
        out.clear();
        inflater.inflate_frame(&second, true, &mut out).unwrap();
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn rfc7692_fragmented_example() {
        // §7.2.3.1: "Hello" compressed and split into two frames.
        let mut inflater = Inflater::new(true, 1 << 20);
        let mut out = Vec::new();
        inflater
            .inflate_frame(&[0xf2, 0x48, 0xcd], false, &mut out)
            .unwrap();
        inflater
            .inflate_frame(&[0xc9, 0xc9, 0x07, 0x00], true, &mut out)
            .unwrap();
        assert_eq!(out, b"Hello");
    }

    #[test]
    fn context_takeover_needs_the_previous_messages() {
        let messages: [&[u8]; 3] = [
            b"the same words again",
            b"the same words again",
            b"and the same words",
        ];
        for takeover in [true, false] {
            let compressed = compress_messages(&messages, takeover);
            let mut inflater = Inflater::new(!takeover, 1 << 20);
            for (plain, packed) in messages.iter().zip(&compressed) {
                let mut out = Vec::new();
                inflater.inflate_frame(packed, true, &mut out).unwrap();
                assert_eq!(&out, plain);
            }
            if takeover {
                // A fresh inflater cannot read the second message: it refers back.
                let mut fresh = Inflater::new(false, 1 << 20);
                let mut out = Vec::new();
                let result = fresh.inflate_frame(&compressed[1], true, &mut out);
                assert!(result.is_err() || out != messages[1]);
            }
        }
    }

    #[test]
    fn garbage_and_bombs_are_errors() {
        let mut inflater = Inflater::new(false, 1 << 20);
        let mut out = Vec::new();
        assert!(matches!(
            inflater.inflate_frame(&[0xff, 0xff, 0xff, 0xff], true, &mut out),
            Err(InflateError::Corrupt(_))
        ));
        assert!(inflater.is_tainted());
        let zeros = vec![0u8; 1 << 20];
        let packed = compress_messages(&[&zeros], false);
        let mut small = Inflater::new(true, 1000);
        let mut out = Vec::new();
        assert_eq!(
            small.inflate_frame(&packed[0], true, &mut out),
            Err(InflateError::TooLarge { limit: 1000 })
        );
        assert!(out.len() <= 1000 + 16 * 1024);
    }

    #[test]
    fn reads_negotiated_parameters() {
        assert_eq!(negotiated("x-webkit-deflate-frame"), None);
        assert_eq!(
            negotiated("permessage-deflate"),
            Some(DeflateParams::default())
        );
        let params = negotiated(
            "foo, permessage-deflate; client_no_context_takeover; server_max_window_bits=\"10\"",
        )
        .unwrap();
        assert!(params.client_no_context_takeover);
        assert!(!params.server_no_context_takeover);
        assert_eq!(params.server_max_window_bits, Some(10));
        assert_eq!(params.client_max_window_bits, None);
    }
}
