//! A payload as text, pretty JSON (when it parses) or a hex dump; for close frames, the
//! status code with its meaning and the reason.

use std::fmt::Write as _;

use egui::{RichText, ScrollArea};

use super::state::PayloadMode;
use super::store::FrameRow;
use crate::diagram::close_code_meaning;

/// Text shown at most (a 64 KiB payload is plenty to read; the hex view has the rest).
const MAX_SHOWN: usize = 64 * 1024;
/// Bytes a hex dump shows at most.
const MAX_HEX: usize = 4 * 1024;

/// Characters per display line: longer lines are cut into several, so that no single
/// line is costly to lay out.
const LINE_CHARS: usize = 160;

/// The rendered text of the last payload shown, cut into display lines, so that a
/// 64 KiB JSON is not pretty-printed (nor laid out whole) at every frame.
#[derive(Debug, Default, Clone)]
pub struct Cache {
    key: Option<(usize, bool, PayloadMode)>,
    text: String,
    lines: Vec<std::ops::Range<usize>>,
    shown_as: PayloadMode,
}

/// Byte ranges of `text`'s display lines: one per line, long lines cut every
/// [`LINE_CHARS`] characters.
fn display_lines(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    for line in text.split('\n') {
        let mut from = start;
        let mut count = 0;
        for (at, _) in line.char_indices() {
            if count == LINE_CHARS {
                lines.push(from..start + at);
                from = start + at;
                count = 0;
            }
            count += 1;
        }
        lines.push(from..start + line.len());
        start += line.len() + 1;
    }
    lines
}

/// How a payload will be shown in `mode`, and as what (Auto becomes Json or Text).
pub fn render(payload: &[u8], mode: PayloadMode) -> (String, PayloadMode) {
    let json = || -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
        serde_json::to_string_pretty(&value).ok()
    };
    match mode {
        PayloadMode::Hex => (
            hex_dump(&payload[..payload.len().min(MAX_HEX)]),
            PayloadMode::Hex,
        ),
        PayloadMode::Json => match json() {
            Some(text) => (text, PayloadMode::Json),
            None => ("(not JSON)".to_string(), PayloadMode::Json),
        },
        PayloadMode::Text => (text(payload), PayloadMode::Text),
        PayloadMode::Auto => {
            let looks_like_json = payload
                .iter()
                .find(|b| !b.is_ascii_whitespace())
                .is_some_and(|b| matches!(b, b'{' | b'['));
            if looks_like_json && let Some(text) = json() {
                return (text, PayloadMode::Json);
            }
            if looks_like_text(payload) {
                (text(payload), PayloadMode::Text)
            } else {
                (
                    hex_dump(&payload[..payload.len().min(MAX_HEX)]),
                    PayloadMode::Hex,
                )
            }
        }
    }
}

/// UTF-8 (possibly cut inside its last character) without control characters other
/// than line breaks and tabs.
fn looks_like_text(payload: &[u8]) -> bool {
    let valid = match std::str::from_utf8(payload) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&payload[..e.valid_up_to()])
        {
            Ok(text) => text,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    !valid
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

fn text(payload: &[u8]) -> String {
    super::store::lossy_text(&payload[..payload.len().min(MAX_SHOWN)])
}

/// A classic hex dump: offset, 16 bytes, text.
pub fn hex_dump(bytes: &[u8]) -> String {
    let mut out = String::new();
    for (row, chunk) in bytes.chunks(16).enumerate() {
        let _ = write!(out, "{:06x}  ", row * 16);
        for i in 0..16 {
            match chunk.get(i) {
                Some(b) => {
                    let _ = write!(out, "{b:02x} ");
                }
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push(' ');
            }
        }
        out.push(' ');
        out.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        out.push('\n');
    }
    out
}

/// The payload of a frame.
pub fn show_frame(
    ui: &mut egui::Ui,
    position: usize,
    frame: &FrameRow,
    mode: &mut PayloadMode,
    cache: &mut Cache,
) {
    if frame.opcode == 8 {
        match frame.close_code {
            Some(code) => {
                ui.label(
                    RichText::new(format!("Close code {code} — {}", close_code_meaning(code)))
                        .strong(),
                );
                ui.label(format!(
                    "Reason: {}",
                    frame
                        .close_reason()
                        .map_or("(none)".to_string(), |r| format!("“{r}”"))
                ));
            }
            None => {
                ui.label("Close frame without a status code (the peer will see 1005).");
            }
        }
        ui.separator();
    }
    let mut note = String::new();
    if frame.opcode == 0 {
        note.push_str("one fragment (Messages shows the whole message) · ");
    }
    if frame.compressed {
        note.push_str("inflated · ");
    }
    show_bytes(
        ui,
        ("frame", position),
        &frame.payload,
        frame.payload_len,
        &note,
        mode,
        cache,
    );
}

/// Mode buttons and the payload text. `key` identifies what is shown (for the cache).
pub fn show_bytes(
    ui: &mut egui::Ui,
    key: (&str, usize),
    payload: &[u8],
    total_len: u64,
    note: &str,
    mode: &mut PayloadMode,
    cache: &mut Cache,
) {
    let cache_key = (key.1, key.0 == "message", *mode);
    if cache.key != Some(cache_key) {
        let (text, shown_as) = render(payload, *mode);
        *cache = Cache {
            key: Some(cache_key),
            lines: display_lines(&text),
            text,
            shown_as,
        };
    }
    ui.horizontal(|ui| {
        for (value, label) in [
            (PayloadMode::Auto, "Auto"),
            (PayloadMode::Text, "Text"),
            (PayloadMode::Json, "JSON"),
            (PayloadMode::Hex, "Hex"),
        ] {
            ui.selectable_value(mode, value, label);
        }
        let shown = match cache.shown_as {
            PayloadMode::Json => "JSON",
            PayloadMode::Hex => "hex",
            _ => "text",
        };
        let mut summary = format!("{note}{} bytes as {shown}", payload.len());
        if !note.contains("inflated") && (payload.len() as u64) < total_len {
            let _ = write!(summary, " (of {total_len})");
        }
        if ui
            .small_button("Copy")
            .on_hover_text("copy the payload as shown")
            .clicked()
        {
            ui.ctx().copy_text(cache.text.clone());
        }
        ui.add(egui::Label::new(RichText::new(summary).weak()).truncate());
    });
    if payload.is_empty() {
        ui.weak("(empty payload)");
        return;
    }
    // Only the lines in view are laid out (a 64 KiB payload is thousands of lines).
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
    ScrollArea::both()
        .id_salt(("payload", key.0))
        .auto_shrink([false, false])
        .show_rows(ui, row_height, cache.lines.len(), |ui, range| {
            ui.spacing_mut().item_spacing.y = 0.0;
            for line in &cache.lines[range] {
                ui.add(
                    egui::Label::new(RichText::new(&cache.text[line.clone()]).monospace())
                        .wrap_mode(egui::TextWrapMode::Extend),
                );
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_for_display() {
        let text = format!(
            "{}\nshort\n{}é",
            "a".repeat(LINE_CHARS + 3),
            "b".repeat(LINE_CHARS - 1)
        );
        let lines: Vec<&str> = display_lines(&text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            lines,
            [
                "a".repeat(LINE_CHARS),
                "aaa".to_string(),
                "short".to_string(),
                format!("{}é", "b".repeat(LINE_CHARS - 1))
            ]
        );
        assert_eq!(
            display_lines("").len(),
            1,
            "an empty text is one empty line"
        );
    }

    #[test]
    fn auto_picks_json_text_or_hex() {
        let (text, as_) = render(br#"{"a":[1,2]}"#, PayloadMode::Auto);
        assert_eq!(as_, PayloadMode::Json);
        assert_eq!(text, "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
        assert_eq!(
            render(b"hello", PayloadMode::Auto),
            ("hello".to_string(), PayloadMode::Text)
        );
        let (text, as_) = render(&[0, 1, 0xff], PayloadMode::Auto);
        assert_eq!(as_, PayloadMode::Hex);
        assert!(text.starts_with("000000  00 01 ff "), "{text}");
        // Valid UTF-8 but control bytes: binary, shown as hex.
        assert_eq!(render(&[0, 1, 2, 3], PayloadMode::Auto).1, PayloadMode::Hex);
        assert_eq!(render(b"{oops", PayloadMode::Json).0, "(not JSON)");
        // A payload cut inside a character is still text.
        assert_eq!(
            render("né".as_bytes()[..2].as_ref(), PayloadMode::Auto).1,
            PayloadMode::Text
        );
    }
}
