//! JSON Lines output, fast.
//!
//! The schema is the serde derive in [`crate::model`]; frames and messages (almost every
//! line of a big capture) are written by hand here, because serde_json's general path
//! (escaping every hex digit, a `String` per hex field, formatting addresses again for
//! every frame) was most of the decoder's time. The test below holds the two writers to
//! the same output.

use std::io::{self, Write};
use std::net::SocketAddr;

use crate::model::{Event, FrameEvent, MessageEvent, Side, ViolationRecord};
use crate::time::Timestamp;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Every byte's two hex digits, and every number below 100's two decimal digits.
const HEX_PAIRS: [[u8; 2]; 256] = {
    let mut table = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = [HEX[i >> 4], HEX[i & 0x0f]];
        i += 1;
    }
    table
};
const DECIMAL_PAIRS: [[u8; 2]; 100] = {
    let mut table = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        table[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    table
};

/// The digits serde_json writes for a timestamp: the shortest decimal that reads back
/// as the same `f64`. For whole microseconds and seconds below 2^32 that is simply
/// `secs.micros` without trailing zeros (an `f64` there is finer than 1 µs, so no other
/// decimal with 6 or fewer fractional digits is as close); anything else goes through
/// the float formatter.
fn format_time(time: Timestamp, out: &mut String) {
    use std::fmt::Write as _;
    if (0..1 << 32).contains(&time.secs) && time.nanos.is_multiple_of(1000) {
        let mut micros = time.nanos / 1000;
        let _ = write!(out, "{}.", time.secs);
        if micros == 0 {
            out.push('0');
            return;
        }
        let mut digits = 6;
        while micros.is_multiple_of(10) {
            micros /= 10;
            digits -= 1;
        }
        let _ = write!(out, "{micros:0digits$}");
        return;
    }
    let _ = write!(out, "{}", time.as_secs_f64());
    if !out.contains(['.', 'e', 'E']) {
        out.push_str(".0");
    }
}

/// Whether any of the 8 bytes in `word` is a control character, `"` or `\`
/// (the bit tricks of "Bit Twiddling Hacks": determine if a word has a byte less than n,
/// or equal to n).
fn needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS != 0;
    below_space
        || has_zero(word ^ (ONES * u64::from(b'"')))
        || has_zero(word ^ (ONES * u64::from(b'\\')))
}

/// Output is handed to the underlying writer in chunks of about this size.
const CHUNK: usize = 1 << 16;

/// Writes events as JSON Lines, buffered (no need for a `BufWriter` around `out`).
#[derive(Debug)]
pub struct JsonLinesWriter<W: Write> {
    out: W,
    /// Lines not yet written to `out`.
    line: Vec<u8>,
    /// Addresses as JSON strings, formatted once (a capture has few endpoints).
    addresses: Vec<(SocketAddr, String)>,
    /// The last timestamp written, and its text (consecutive frames share packets).
    last_time: Option<Timestamp>,
    time_text: String,
}

impl<W: Write> JsonLinesWriter<W> {
    /// A writer to `out`.
    pub fn new(out: W) -> Self {
        JsonLinesWriter {
            out,
            line: Vec::with_capacity(CHUNK + 4096),
            addresses: Vec::new(),
            last_time: None,
            time_text: String::with_capacity(32),
        }
    }

    /// Writes one event and a newline.
    pub fn write_event(&mut self, event: &Event) -> io::Result<()> {
        match event {
            Event::Frame(frame) => self.frame(frame),
            Event::Message(message) => self.message(message),
            other => serde_json::to_writer(&mut self.line, other).map_err(io::Error::from)?,
        }
        self.line.push(b'\n');
        if self.line.len() >= CHUNK {
            self.out.write_all(&self.line)?;
            self.line.clear();
        }
        Ok(())
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.out)
    }

    /// Writes what is buffered and flushes the underlying writer.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.line)?;
        self.line.clear();
        self.out.flush()
    }

    fn raw(&mut self, text: &str) {
        self.line.extend_from_slice(text.as_bytes());
    }

    fn number(&mut self, value: u64) {
        if value < 10 {
            self.line.push(b'0' + value as u8);
            return;
        }
        // Two digits at a time, from the right.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut value = value;
        while value >= 100 {
            at -= 2;
            digits[at..at + 2].copy_from_slice(&DECIMAL_PAIRS[(value % 100) as usize]);
            value /= 100;
        }
        if value >= 10 {
            at -= 2;
            digits[at..at + 2].copy_from_slice(&DECIMAL_PAIRS[value as usize]);
        } else {
            at -= 1;
            digits[at] = b'0' + value as u8;
        }
        self.line.extend_from_slice(&digits[at..]);
    }

    fn boolean(&mut self, value: bool) {
        self.raw(if value { "true" } else { "false" });
    }

    fn time(&mut self, time: Timestamp) {
        if self.last_time != Some(time) {
            self.time_text.clear();
            format_time(time, &mut self.time_text);
            self.last_time = Some(time);
        }
        self.line.extend_from_slice(self.time_text.as_bytes());
    }

    fn address(&mut self, address: SocketAddr) {
        if let Some(index) = self.addresses.iter().position(|(a, _)| *a == address) {
            // Most recently used first: a frame's two addresses are found at once.
            let at = if index > 1 {
                self.addresses[..=index].rotate_right(1);
                0
            } else {
                index
            };
            let text = &self.addresses[at].1;
            self.line.extend_from_slice(text.as_bytes());
            return;
        }
        let text = format!("\"{address}\"");
        self.line.extend_from_slice(text.as_bytes());
        if self.addresses.len() < 256 {
            self.addresses.push((address, text));
        }
    }

    fn hex(&mut self, bytes: &[u8]) {
        let start = self.line.len();
        self.line.resize(start + bytes.len() * 2 + 2, b'"');
        let digits = &mut self.line[start + 1..start + 1 + bytes.len() * 2];
        let mut out = digits.chunks_exact_mut(16);
        let mut input = bytes.chunks_exact(8);
        for (pairs, eight) in (&mut out).zip(&mut input) {
            for (pair, &byte) in pairs.chunks_exact_mut(2).zip(eight) {
                pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
            }
        }
        for (pair, &byte) in out
            .into_remainder()
            .chunks_exact_mut(2)
            .zip(input.remainder())
        {
            pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
        }
    }

    /// A JSON string, escaped as serde_json escapes.
    fn string(&mut self, text: &str) {
        self.line.push(b'"');
        let bytes = text.as_bytes();
        // Copy runs of bytes that need no escaping, skipping 8 at a time; escape the
        // byte that stops a run, then carry on.
        let mut start = 0;
        let mut at = 0;
        let mut window_end = 0;
        while at < bytes.len() {
            if at >= window_end {
                if at + 8 <= bytes.len() {
                    let mut word = [0u8; 8];
                    word.copy_from_slice(&bytes[at..at + 8]);
                    if !needs_escape(u64::from_le_bytes(word)) {
                        at += 8;
                        continue;
                    }
                }
                // Something in the next 8 bytes needs escaping: go byte by byte there.
                window_end = (at + 8).min(bytes.len());
            }
            let byte = bytes[at];
            let escape: &[u8] = match byte {
                b'"' => b"\\\"",
                b'\\' => b"\\\\",
                b'\n' => b"\\n",
                b'\r' => b"\\r",
                b'\t' => b"\\t",
                0x08 => b"\\b",
                0x0c => b"\\f",
                0x00..=0x1f => b"",
                _ => {
                    at += 1;
                    continue;
                }
            };
            self.line.extend_from_slice(&bytes[start..at]);
            if escape.is_empty() {
                self.line.extend_from_slice(b"\\u00");
                self.line.extend_from_slice(&HEX_PAIRS[usize::from(byte)]);
            } else {
                self.line.extend_from_slice(escape);
            }
            at += 1;
            start = at;
        }
        self.line.extend_from_slice(&bytes[start..]);
        self.line.push(b'"');
    }

    /// A string known to need no escaping (opcode names), else escaped.
    fn name(&mut self, text: &str) {
        if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.line.push(b'"');
            self.raw(text);
            self.line.push(b'"');
        } else {
            self.string(text);
        }
    }

    fn optional_string(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.string(text),
            None => self.raw("null"),
        }
    }

    fn side(&mut self, side: Side) {
        self.raw(match side {
            Side::Client => "\"client\"",
            Side::Server => "\"server\"",
        });
    }

    fn violations(&mut self, list: &[ViolationRecord]) {
        self.line.push(b'[');
        for (index, violation) in list.iter().enumerate() {
            if index > 0 {
                self.line.push(b',');
            }
            self.raw("{\"rule\":");
            self.string(&violation.rule);
            self.raw(",\"section\":");
            self.string(&violation.section);
            self.raw(",\"message\":");
            self.string(&violation.message);
            self.line.push(b'}');
        }
        self.line.push(b']');
    }

    fn frame(&mut self, f: &FrameEvent) {
        let text_len = f.text.as_ref().map_or(0, String::len);
        self.line
            .reserve(640 + 2 * (f.payload.len() + f.wire_payload.len()) + 2 * text_len);
        self.raw("{\"kind\":\"frame\"");
        self.raw(",\"conn\":");
        self.number(u64::from(f.conn));
        self.raw(",\"index\":");
        self.number(f.index);
        self.raw(",\"packet\":");
        self.number(f.packet);
        self.raw(",\"time\":");
        self.time(f.time);
        self.raw(",\"packet_end\":");
        self.number(f.packet_end);
        self.raw(",\"time_end\":");
        self.time(f.time_end);
        self.raw(",\"src\":");
        self.address(f.src);
        self.raw(",\"dst\":");
        self.address(f.dst);
        self.raw(",\"from\":");
        self.side(f.from);
        self.raw(",\"fin\":");
        self.boolean(f.fin);
        self.raw(",\"rsv\":");
        self.line.push(b'[');
        for (index, bit) in f.rsv.iter().enumerate() {
            if index > 0 {
                self.line.push(b',');
            }
            self.boolean(*bit);
        }
        self.line.push(b']');
        self.raw(",\"opcode\":");
        self.number(u64::from(f.opcode));
        self.raw(",\"opcode_name\":");
        self.name(&f.opcode_name);
        self.raw(",\"masked\":");
        self.boolean(f.masked);
        self.raw(",\"mask_key\":");
        match f.mask_key {
            Some(key) => self.hex(&key),
            None => self.raw("null"),
        }
        self.raw(",\"payload_len\":");
        self.number(f.payload_len);
        self.raw(",\"header_hex\":");
        self.hex(&f.header);
        self.raw(",\"payload_hex\":");
        self.hex(&f.payload);
        if !f.wire_payload.is_empty() {
            self.raw(",\"wire_payload_hex\":");
            self.hex(&f.wire_payload);
        }
        self.raw(",\"compressed\":");
        self.boolean(f.compressed);
        self.raw(",\"text\":");
        self.optional_string(f.text.as_deref());
        self.raw(",\"close_code\":");
        match f.close_code {
            Some(code) => self.number(u64::from(code)),
            None => self.raw("null"),
        }
        self.raw(",\"close_reason\":");
        self.optional_string(f.close_reason.as_deref());
        self.raw(",\"missing\":");
        self.number(f.missing);
        self.raw(",\"violations\":");
        self.violations(&f.violations);
        self.line.push(b'}');
    }

    fn message(&mut self, m: &MessageEvent) {
        self.raw("{\"kind\":\"message\"");
        self.raw(",\"conn\":");
        self.number(u64::from(m.conn));
        self.raw(",\"packet\":");
        self.number(m.packet);
        self.raw(",\"time\":");
        self.time(m.time);
        self.raw(",\"packet_end\":");
        self.number(m.packet_end);
        self.raw(",\"time_end\":");
        self.time(m.time_end);
        self.raw(",\"src\":");
        self.address(m.src);
        self.raw(",\"dst\":");
        self.address(m.dst);
        self.raw(",\"from\":");
        self.side(m.from);
        self.raw(",\"opcode\":");
        self.number(u64::from(m.opcode));
        self.raw(",\"opcode_name\":");
        self.name(&m.opcode_name);
        self.raw(",\"frames\":");
        self.number(m.frames as u64);
        self.raw(",\"payload_len\":");
        self.number(m.payload_len);
        self.raw(",\"payload_hex\":");
        self.hex(&m.payload);
        self.raw(",\"compressed\":");
        self.boolean(m.compressed);
        self.raw(",\"text\":");
        self.optional_string(m.text.as_deref());
        self.raw(",\"violations\":");
        self.violations(&m.violations);
        self.line.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame() -> FrameEvent {
        FrameEvent {
            conn: 7,
            index: 12,
            packet: 100,
            time: Timestamp::new(1_700_000_000, 123_456_000),
            packet_end: 103,
            time_end: Timestamp::new(1_700_000_001, 0),
            src: "[2001:db8::1]:443".parse().unwrap(),
            dst: "10.0.0.1:80".parse().unwrap(),
            from: Side::Server,
            fin: true,
            rsv: [true, false, true],
            opcode: 8,
            opcode_name: "CLOSE".into(),
            masked: true,
            mask_key: Some([0xde, 0xad, 0xbe, 0xef]),
            payload_len: 1 << 40,
            header: vec![0x88, 0x85, 0xde, 0xad, 0xbe, 0xef],
            payload: vec![0x03, 0xe8, b'"', b'\\', 0x01],
            wire_payload: vec![0xdd, 0x45],
            compressed: false,
            text: Some("quote \" backslash \\ newline \n tab \t bell \u{7} é €".to_string()),
            close_code: Some(1000),
            close_reason: None,
            missing: 3,
            violations: vec![ViolationRecord {
                rule: "Rule".to_string(),
                section: "5.2".to_string(),
                message: "a \"quoted\" thing".to_string(),
            }],
        }
    }

    fn both(event: &Event) -> (String, String) {
        let mut writer = JsonLinesWriter::new(Vec::new());
        writer.write_event(event).unwrap();
        let fast = String::from_utf8(writer.into_inner().unwrap()).unwrap();
        let reference = serde_json::to_string(event).unwrap() + "\n";
        (fast, reference)
    }

    #[test]
    fn frames_are_written_exactly_as_serde_writes_them() {
        let mut f = frame();
        let (fast, reference) = both(&Event::Frame(f.clone()));
        assert_eq!(fast, reference);
        f.mask_key = None;
        f.text = None;
        f.close_code = None;
        f.close_reason = Some(String::new());
        f.violations.clear();
        f.wire_payload.clear();
        f.time = Timestamp::new(1_700_000_000, 0);
        let (fast, reference) = both(&Event::Frame(f));
        assert_eq!(fast, reference);
    }

    #[test]
    fn the_word_at_a_time_escape_check_agrees_with_the_byte_loop() {
        for byte in 0..=255u8 {
            for position in 0..8 {
                let mut word = *b"abcdefgh";
                word[position] = byte;
                let slow = word.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\');
                assert_eq!(
                    needs_escape(u64::from_le_bytes(word)),
                    slow,
                    "{byte:#x} at {position}"
                );
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_escaped_as_serde_escapes_it(text in "\\PC*|[\\x00-\\x7f]{0,64}") {
            let mut writer = JsonLinesWriter::new(Vec::new());
            writer.string(&text);
            proptest::prop_assert_eq!(
                String::from_utf8(writer.line).unwrap(),
                serde_json::to_string(&text).unwrap()
            );
        }
    }

    #[test]
    fn microsecond_times_are_written_as_serde_writes_the_float() {
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases = vec![
            Timestamp::new(0, 0),
            Timestamp::new(1, 0),
            Timestamp::new(1_700_000_000, 100_000_000),
            Timestamp::new(1_700_000_000, 1_000),
            Timestamp::new(4_294_967_295, 999_999_000),
            Timestamp::new(1_795_448_300, 251_992_000),
            Timestamp::new(1_700_000_000, 123_456_789),
        ];
        for _ in 0..200_000 {
            let secs = i64::try_from(next() % (1 << 32)).unwrap();
            cases.push(Timestamp::new(secs, (next() % 1_000_000) * 1000));
        }
        for time in cases {
            let mut ours = String::new();
            format_time(time, &mut ours);
            assert_eq!(ours, serde_json::to_string(&time).unwrap(), "{time:?}");
        }
    }

    #[test]
    fn addresses_are_cached_correctly() {
        let mut writer = JsonLinesWriter::new(Vec::new());
        let addresses: Vec<SocketAddr> = (0..20)
            .map(|i| format!("10.0.0.{i}:{}", 1000 + i).parse().unwrap())
            .collect();
        for round in 0..3 {
            for (i, address) in addresses.iter().enumerate() {
                let other = addresses[(i * 7 + round) % addresses.len()];
                for a in [*address, other] {
                    writer.line.clear();
                    writer.address(a);
                    assert_eq!(writer.line, format!("\"{a}\"").as_bytes());
                }
            }
        }
    }

    #[test]
    fn numbers_match_display() {
        let mut writer = JsonLinesWriter::new(Vec::new());
        for value in [
            0,
            7,
            9,
            10,
            42,
            99,
            100,
            101,
            999,
            1000,
            65_535,
            1 << 40,
            u64::MAX,
        ] {
            writer.line.clear();
            writer.number(value);
            assert_eq!(writer.line, value.to_string().as_bytes());
        }
    }

    #[test]
    fn messages_are_written_exactly_as_serde_writes_them() {
        let f = frame();
        let message = MessageEvent {
            conn: f.conn,
            packet: 1,
            time: f.time,
            packet_end: 2,
            time_end: f.time_end,
            src: f.src,
            dst: f.dst,
            from: Side::Client,
            opcode: 1,
            opcode_name: "TEXT".into(),
            frames: 3,
            payload_len: 5,
            payload: b"hello".to_vec(),
            compressed: true,
            text: Some("hello\u{0}".to_string()),
            violations: f.violations.clone(),
        };
        let (fast, reference) = both(&Event::Message(message));
        assert_eq!(fast, reference);
    }
}
