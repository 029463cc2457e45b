//! Sending a message as one frame or as fragments.

use crate::message::Message;
use ch04_masking::{Frame, OpCode, Role, encode_frame};

// ANCHOR: fragment
/// Cuts a message into frames of at most `fragment_size` payload bytes (§5.4):
/// the first frame carries the message's opcode, the rest are continuations, and
/// only the last has FIN set. `fragment_size == 0` means "one frame".
pub fn fragment(message: &Message, fragment_size: usize) -> Vec<Frame> {
    if fragment_size == 0 || message.data.len() <= fragment_size {
        return vec![Frame::new(message.opcode(), message.data.clone())];
    }
    let pieces: Vec<&[u8]> = message.data.chunks(fragment_size).collect();
    let last = pieces.len() - 1;
    pieces
        .into_iter()
        .enumerate()
        .map(|(index, piece)| {
            let opcode = if index == 0 {
                message.opcode()
            } else {
                OpCode::Continuation
            };
            Frame::new(opcode, piece.to_vec()).with_fin(index == last)
        })
        .collect()
}
// ANCHOR_END: fragment

/// The bytes `sender` puts on the wire for `message`, fragmented as [`fragment`] does.
pub fn encode_message(sender: Role, message: &Message, fragment_size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.data.len() + 16);
    for frame in fragment(message, fragment_size) {
        out.extend_from_slice(&encode_frame(sender, &frame));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoder::{Decoder, Event};
    use crate::message::Limits;

    #[test]
    fn fragments_reassemble_into_the_same_message() {
        let message = Message::text("é".repeat(50_000));
        for size in [0, 1, 3, 125, 4096, 100_000] {
            let frames = fragment(&message, size);
            assert!(frames.last().is_some_and(|f| f.header.fin));
            assert!(frames.iter().rev().skip(1).all(|f| !f.header.fin));
            let mut decoder = Decoder::new(Role::Server, Limits::default());
            decoder.feed(&encode_message(Role::Client, &message, size));
            let Ok(Some(Event::Message(back))) = decoder.next_event() else {
                panic!("size {size}: no message")
            };
            assert_eq!(back.data, message.data);
            assert_eq!(back.frames, frames.len());
        }
    }
}
