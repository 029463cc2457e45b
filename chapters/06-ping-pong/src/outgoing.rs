//! The outgoing queue: bytes waiting to be written, in order.
//!
//! Small frames are appended to one buffer. A larger payload that the
//! application hands over ([`crate::Connection::send_owned`]) instead becomes a
//! chunk of its own, *moved* into the queue rather than copied: echoing a 16 MiB
//! message then costs no copy on the way out beyond the kernel's own. The driver
//! hands all chunks to the kernel in one `writev`, so a header and its payload
//! still leave together.

use std::collections::VecDeque;

/// Owned payloads sent whole and at least this large are queued without a copy.
pub const MOVE_THRESHOLD: usize = 4 * 1024;

/// Chunks of bytes to write, in order.
#[derive(Debug, Default)]
pub struct Outgoing {
    chunks: VecDeque<Vec<u8>>,
    /// Whether the last chunk is a buffer small frames may be appended to (and
    /// not a moved payload).
    last_is_buffer: bool,
}

impl Outgoing {
    /// The buffer at the end of the queue that small frames are written into.
    pub fn buffer(&mut self) -> &mut Vec<u8> {
        if !self.last_is_buffer || self.chunks.is_empty() {
            self.chunks.push_back(Vec::new());
            self.last_is_buffer = true;
        }
        match self.chunks.back_mut() {
            Some(last) => last,
            None => unreachable!("a chunk was just pushed"),
        }
    }

    /// Appends bytes.
    pub fn extend(&mut self, bytes: &[u8]) {
        self.buffer().extend_from_slice(bytes);
    }

    /// Queues `chunk` as it is, without copying it.
    pub fn push_chunk(&mut self, chunk: Vec<u8>) {
        self.chunks.push_back(chunk);
        self.last_is_buffer = false;
    }

    /// `true` when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.chunks.iter().all(Vec::is_empty)
    }

    /// Moves the chunks, in order, to the end of `out`; the queue is empty after.
    pub fn take_chunks(&mut self, out: &mut Vec<Vec<u8>>) {
        out.extend(self.chunks.drain(..).filter(|chunk| !chunk.is_empty()));
        self.last_is_buffer = false;
    }

    /// Appends all the bytes, in order, to `out` (one buffer: large chunks are
    /// copied). The queue is empty after.
    pub fn take_bytes(&mut self, out: &mut Vec<u8>) {
        if out.is_empty() && self.chunks.len() == 1 {
            // The common case: hand over the one buffer without copying it.
            if let Some(chunk) = self.chunks.pop_front() {
                *out = chunk;
            }
        } else {
            for chunk in self.chunks.drain(..) {
                out.extend_from_slice(&chunk);
            }
        }
        self.last_is_buffer = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_frames_share_a_buffer_and_large_payloads_keep_their_own() {
        let mut queue = Outgoing::default();
        assert!(queue.is_empty());
        queue.extend(b"ab");
        queue.extend(b"cd");
        let payload = vec![7u8; MOVE_THRESHOLD];
        let address = payload.as_ptr();
        queue.push_chunk(payload);
        queue.extend(b"ef");
        let mut chunks = Vec::new();
        queue.take_chunks(&mut chunks);
        assert!(queue.is_empty());
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0], b"abcd");
        assert_eq!(chunks[1].as_ptr(), address, "moved, not copied");
        assert_eq!(chunks[2], b"ef");
    }

    #[test]
    fn as_bytes_everything_comes_out_in_order() {
        let mut queue = Outgoing::default();
        queue.extend(b"ab");
        queue.push_chunk(b"cd".to_vec());
        queue.extend(b"ef");
        let mut bytes = b"..".to_vec();
        queue.take_bytes(&mut bytes);
        assert_eq!(bytes, b"..abcdef");
        assert!(queue.is_empty());
    }
}
