//! Property tests: any header round-trips, and no prefix makes `parse` panic.

use ch03_frames::{FrameHeader, LengthForm, OpCode, Parsed, parse};
use proptest::prelude::*;

fn any_header() -> impl Strategy<Value = FrameHeader> {
    (
        any::<[bool; 4]>(),
        0u8..16,
        proptest::option::of(any::<[u8; 4]>()),
        prop_oneof![0u64..=125, 126u64..=0xFFFF, 0x1_0000u64..(1 << 63)],
    )
        .prop_map(
            |([fin, rsv1, rsv2, rsv3], opcode, mask, payload_len)| FrameHeader {
                fin,
                rsv1,
                rsv2,
                rsv3,
                opcode: OpCode::from(opcode),
                mask,
                payload_len,
                length_form: LengthForm::for_len(payload_len),
            },
        )
}

proptest! {
    #[test]
    fn write_then_parse_gives_the_same_header(header in any_header()) {
        let bytes = header.to_bytes();
        prop_assert_eq!(bytes.len(), header.encoded_len());
        prop_assert_eq!(parse(&bytes), Parsed::Complete { header, header_len: bytes.len() });
        // Every strict prefix asks for exactly the bytes that are missing, or fewer.
        for cut in 0..bytes.len() {
            match parse(&bytes[..cut]) {
                Parsed::Incomplete { needed } => prop_assert!(needed >= 1 && cut + needed <= bytes.len()),
                Parsed::Complete { .. } => prop_assert!(false, "prefix of {} bytes parsed as complete", cut),
            }
        }
    }

    #[test]
    fn parse_then_write_is_identity_for_minimal_headers(bytes in proptest::collection::vec(any::<u8>(), 2..20)) {
        if let Parsed::Complete { header, header_len } = parse(&bytes)
            && header.length_form == LengthForm::for_len(header.payload_len)
        {
            prop_assert_eq!(header.to_bytes(), bytes[..header_len].to_vec());
        }
    }
}

#[test]
fn every_one_and_two_byte_prefix_parses_without_panic() {
    for first in 0..=255u8 {
        assert!(matches!(parse(&[first]), Parsed::Incomplete { needed: 1 }));
        for second in 0..=255u8 {
            let result = parse(&[first, second]);
            let len7 = second & 0x7F;
            let masked = second & 0x80 != 0;
            match result {
                Parsed::Complete { header, header_len } => {
                    assert_eq!(header_len, 2);
                    assert!(len7 <= 125 && !masked);
                    assert_eq!(header.payload_len, u64::from(len7));
                    assert_eq!(u8::from(header.opcode), first & 0x0F);
                }
                Parsed::Incomplete { needed } => {
                    let extra = match len7 {
                        126 => 2,
                        127 => 8,
                        _ => 0,
                    };
                    assert_eq!(needed, extra + if masked { 4 } else { 0 });
                }
            }
        }
    }
}
