//! The examples of RFC 6455 §5.7, byte for byte, parsed and written back.

use ch03_frames::{Frame, FrameHeader, LengthForm, OpCode, Parsed, parse};

fn parse_whole(bytes: &[u8]) -> (FrameHeader, &[u8]) {
    match parse(bytes) {
        Parsed::Complete { header, header_len } => {
            let payload = &bytes[header_len..];
            assert_eq!(payload.len() as u64, header.payload_len, "payload length");
            (header, payload)
        }
        Parsed::Incomplete { needed } => panic!("needs {needed} more bytes"),
    }
}

#[test]
fn single_frame_unmasked_text() {
    let wire = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let (header, payload) = parse_whole(&wire);
    assert!(header.fin);
    assert_eq!(header.opcode, OpCode::Text);
    assert_eq!(header.mask, None);
    assert_eq!(payload, b"Hello");
    assert!(header.check([false; 3]).is_empty());
    assert_eq!(Frame::text("Hello").to_bytes_unmasked(), wire);
}

#[test]
fn single_frame_masked_text() {
    let wire = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let (header, payload) = parse_whole(&wire);
    assert!(header.fin);
    assert_eq!(header.opcode, OpCode::Text);
    assert_eq!(header.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
    assert_eq!(header.payload_len, 5);
    // The payload is still masked here; chapter 04 unmasks it to "Hello".
    assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    // Writing the header back gives the same 6 header bytes.
    assert_eq!(header.to_bytes(), wire[..6]);
}

#[test]
fn fragmented_unmasked_text() {
    let first = [0x01, 0x03, 0x48, 0x65, 0x6c];
    let second = [0x80, 0x02, 0x6c, 0x6f];
    let (header, payload) = parse_whole(&first);
    assert!(!header.fin);
    assert_eq!(header.opcode, OpCode::Text);
    assert_eq!(payload, b"Hel");
    let (header, payload) = parse_whole(&second);
    assert!(header.fin);
    assert_eq!(header.opcode, OpCode::Continuation);
    assert_eq!(payload, b"lo");
    assert_eq!(
        Frame::text("Hel").with_fin(false).to_bytes_unmasked(),
        first
    );
    assert_eq!(
        Frame::new(OpCode::Continuation, b"lo".to_vec()).to_bytes_unmasked(),
        second
    );
}

#[test]
fn unmasked_ping_and_masked_pong() {
    let ping = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f];
    let (header, payload) = parse_whole(&ping);
    assert_eq!(header.opcode, OpCode::Ping);
    assert_eq!(payload, b"Hello");
    assert_eq!(Frame::ping(b"Hello".to_vec()).to_bytes_unmasked(), ping);

    let pong = [
        0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let (header, _) = parse_whole(&pong);
    assert_eq!(header.opcode, OpCode::Pong);
    assert_eq!(header.mask, Some([0x37, 0xfa, 0x21, 0x3d]));
}

#[test]
fn binary_256_bytes_uses_the_16_bit_length() {
    let mut wire = vec![0x82, 0x7E, 0x01, 0x00];
    wire.extend(std::iter::repeat_n(0xAB, 256));
    let (header, payload) = parse_whole(&wire);
    assert_eq!(header.opcode, OpCode::Binary);
    assert_eq!(header.length_form, LengthForm::Extended16);
    assert_eq!(payload.len(), 256);
    assert!(header.check([false; 3]).is_empty());
    assert_eq!(Frame::binary(vec![0xAB; 256]).to_bytes_unmasked(), wire);
}

#[test]
fn binary_64_kib_uses_the_64_bit_length() {
    let mut wire = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
    wire.extend(std::iter::repeat_n(0x5A, 65536));
    let (header, payload) = parse_whole(&wire);
    assert_eq!(header.length_form, LengthForm::Extended64);
    assert_eq!(header.payload_len, 65536);
    assert_eq!(payload.len(), 65536);
    assert!(header.check([false; 3]).is_empty());
    assert_eq!(Frame::binary(vec![0x5A; 65536]).to_bytes_unmasked(), wire);
}
