//! Property tests: the sans-I/O parser is fed arbitrary and mangled bytes (as the
//! inspector will feed it from captures) and must never panic, must answer "need more"
//! for every prefix of a valid head, and must agree with itself however a valid request
//! is split.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use ch02_handshake::{HeadLimits, parse_request, parse_response, validate_upgrade};
use proptest::prelude::*;

const VALID: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let limits = HeadLimits { max_head_bytes: 512, max_headers: 8 };
        if let Ok(Some((request, consumed))) = parse_request(&bytes, &limits) {
            prop_assert!(consumed <= bytes.len() && consumed <= 512);
            let _ = validate_upgrade(&request, &["chat"]);
        }
        if let Ok(Some((_, consumed))) = parse_response(&bytes, &limits) {
            prop_assert!(consumed <= bytes.len());
        }
    }

    #[test]
    fn mangled_handshakes_never_panic(
        edits in proptest::collection::vec((0..VALID.len(), any::<u8>()), 1..6),
        cut in 0..=VALID.len(),
    ) {
        let mut bytes = VALID.to_vec();
        for (index, byte) in edits {
            bytes[index] = byte;
        }
        bytes.truncate(cut.max(1));
        if let Ok(Some((request, _))) = parse_request(&bytes, &HeadLimits::default()) {
            // Validation is total too: an Upgrade or a Rejection, whatever the headers say.
            match validate_upgrade(&request, &["chat"]) {
                Ok(upgrade) => prop_assert_eq!(upgrade.accept.len(), 28),
                Err(rejection) => prop_assert!([400, 405, 426].contains(&rejection.status)),
            }
        }
    }

    #[test]
    fn any_prefix_needs_more_and_extra_bytes_are_left_over(
        cut in 0..VALID.len(),
        extra in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assert_eq!(parse_request(&VALID[..cut], &HeadLimits::default()), Ok(None));
        let mut bytes = VALID.to_vec();
        bytes.extend_from_slice(&extra);
        let (request, consumed) = parse_request(&bytes, &HeadLimits::default()).unwrap().unwrap();
        prop_assert_eq!(consumed, VALID.len());
        prop_assert_eq!(&bytes[consumed..], &extra[..]);
        prop_assert_eq!(validate_upgrade(&request, &["superchat"]).unwrap().accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
