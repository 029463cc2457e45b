//! Masking and unmasking payloads (§5.3).

// ANCHOR: bytewise
/// XORs `buf` with `key`, where `buf[0]` is byte number `offset` of the payload.
///
/// §5.3: "Octet i of the transformed data ("transformed-octet-i") is the XOR of
/// octet i of the original data ("original-octet-i") with octet at index i modulo
/// 4 of the masking key ("masking-key-octet-j")". Masking and unmasking are the
/// same operation.
pub fn apply_mask_bytewise(buf: &mut [u8], key: [u8; 4], offset: usize) {
    for (i, byte) in buf.iter_mut().enumerate() {
        *byte ^= key[(offset + i) % 4];
    }
}
// ANCHOR_END: bytewise

/// Bytes handled per step of the fast path. 32 lets the compiler use two SSE
/// registers (or one AVX register) per step.
const BLOCK: usize = 32;

// ANCHOR: fast
/// The same transformation as [`apply_mask_bytewise`], a block at a time.
///
/// The key is rotated so that it lines up with `offset`, repeated into a 32-byte
/// block, and XORed into the payload a block at a time. The inner loop over a
/// fixed-size array is what lets the compiler turn it into vector instructions —
/// no `unsafe`, no alignment tricks. The tail is done byte by byte.
pub fn apply_mask(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let mut rotated = key;
    rotated.rotate_left(offset % 4);
    let mut block = [0u8; BLOCK];
    for (i, byte) in block.iter_mut().enumerate() {
        *byte = rotated[i % 4];
    }
    let mut chunks = buf.chunks_exact_mut(BLOCK);
    for chunk in &mut chunks {
        for (byte, mask) in chunk.iter_mut().zip(block.iter()) {
            *byte ^= mask;
        }
    }
    // BLOCK is a multiple of 4, so the tail starts key-aligned like the rest.
    for (byte, mask) in chunks.into_remainder().iter_mut().zip(block.iter()) {
        *byte ^= mask;
    }
}
// ANCHOR_END: fast

// ANCHOR: random_key
/// A fresh masking key from the operating system's random source.
///
/// §5.3: "The masking key MUST be derived from a strong source of entropy, and the
/// masking key for a given frame MUST NOT make it simple for a server or a proxy to
/// predict the masking key for a subsequent frame." Never a counter or the time.
pub fn random_mask_key() -> [u8; 4] {
    let mut key = [0u8; 4];
    // The OS random source failing is not something a program can recover from.
    getrandom::fill(&mut key).expect("the operating system's random source failed");
    key
}
// ANCHOR_END: random_key

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_matches_the_byte_loop_for_every_length_and_offset() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        let original: Vec<u8> = (0..=300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..=300 {
            for offset in 0..8 {
                let mut fast = original[..len].to_vec();
                let mut slow = original[..len].to_vec();
                apply_mask(&mut fast, key, offset);
                apply_mask_bytewise(&mut slow, key, offset);
                assert_eq!(fast, slow, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn every_start_offset_into_a_buffer_matches() {
        // Slices starting at every address alignment, not just every key offset.
        let key = [1, 2, 3, 4];
        let storage: Vec<u8> = (0..400u32).map(|i| i as u8).collect();
        for start in 0..40 {
            let mut fast = storage.clone();
            let mut slow = storage.clone();
            apply_mask(&mut fast[start..], key, 0);
            apply_mask_bytewise(&mut slow[start..], key, 0);
            assert_eq!(fast, slow, "start {start}");
        }
    }

    #[test]
    fn a_key_continues_across_pieces() {
        let key = random_mask_key();
        let payload: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
        let mut whole = payload.clone();
        apply_mask(&mut whole, key, 0);
        // The same payload in uneven pieces, each told where it starts.
        let mut pieces = payload.clone();
        let mut at = 0;
        for size in [1, 2, 3, 5, 64, 100, 7, 818] {
            apply_mask(&mut pieces[at..at + size], key, at);
            at += size;
        }
        assert_eq!(at, payload.len());
        assert_eq!(pieces, whole);
        // Masking twice gives the original back.
        apply_mask(&mut whole, key, 0);
        assert_eq!(whole, payload);
    }

    #[test]
    fn rfc_5_7_masked_hello() {
        let mut payload = [0x7f, 0x9f, 0x4d, 0x51, 0x58];
        apply_mask(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(&payload, b"Hello");
    }

    #[test]
    fn keys_are_fresh() {
        let keys: std::collections::HashSet<[u8; 4]> = (0..64).map(|_| random_mask_key()).collect();
        // 64 draws from 2^32 values: a repeat would mean a broken source.
        assert_eq!(keys.len(), 64);
    }
}
