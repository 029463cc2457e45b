//! Buffer reuse for the decoding thread.
//!
//! Each frame event carries a few small buffers (header bytes, payload, text). A program
//! that decodes millions of frames and then drops the events pays for a `malloc` and a
//! `free` of each, and more when the events are dropped on another thread. This pool lets
//! a caller hand finished events back ([`recycle`], on the thread that decodes) so their
//! buffers are used again. It is optional: without it the decoder simply allocates.

use std::cell::RefCell;

use crate::model::Event;

/// Buffers kept at most (per thread).
const MAX_POOLED: usize = 8192;
/// Larger buffers are freed rather than kept.
const MAX_CAPACITY: usize = 64 * 1024;

thread_local! {
    static BYTES: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An empty buffer, reused when one is available.
pub fn take() -> Vec<u8> {
    BYTES.with_borrow_mut(Vec::pop).unwrap_or_default()
}

fn keep(pool: &mut Vec<Vec<u8>>, mut buffer: Vec<u8>) {
    if buffer.capacity() == 0 || buffer.capacity() > MAX_CAPACITY || pool.len() >= MAX_POOLED {
        return;
    }
    buffer.clear();
    pool.push(buffer);
}

/// Gives a buffer back for reuse.
pub fn give(buffer: Vec<u8>) {
    BYTES.with_borrow_mut(|pool| keep(pool, buffer));
}

/// Takes finished events apart and keeps their buffers for the next ones. Call it on
/// the thread that runs the decoder.
pub fn recycle(events: impl IntoIterator<Item = Event>) {
    for mut event in events {
        recycle_event(&mut event);
    }
}

/// Takes one finished event's buffers (it is left with empty ones).
pub fn recycle_event(event: &mut Event) {
    BYTES.with_borrow_mut(|pool| match event {
        Event::Frame(frame) => {
            keep(pool, std::mem::take(&mut frame.header));
            keep(pool, std::mem::take(&mut frame.payload));
            keep(pool, std::mem::take(&mut frame.wire_payload));
            if let Some(text) = frame.text.take() {
                keep(pool, text.into_bytes());
            }
        }
        Event::Message(message) => {
            if let Some(text) = message.text.take() {
                keep(pool, text.into_bytes());
            }
        }
        _ => {}
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_come_back_empty_and_big_ones_are_not_kept() {
        let mut buffer = take();
        buffer.extend_from_slice(b"hello");
        let pointer = buffer.as_ptr();
        give(buffer);
        let again = take();
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), pointer, "the same allocation");
        give(vec![0; MAX_CAPACITY + 1]);
        assert_eq!(take().capacity(), 0);
    }
}
