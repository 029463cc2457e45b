//! The selected frame's bytes, 8 per row: as on the wire and, for masked frames,
//! unmasked beside them. Header bytes are tinted with the colours of the diagram fields
//! whose bits they hold (a byte shared by FIN, RSV1–3 and the opcode is split in
//! proportion); hovering a byte lights the fields that own it in the diagram, and
//! hovering a field there lights its bytes here.

use egui::{Align2, Color32, FontId, Rect, RichText, ScrollArea, Sense, Stroke, pos2, vec2};

use super::app::Hover;
use super::store::FrameRow;
use super::style;
use crate::diagram::{Diagram, FieldKind};

/// Bytes per row.
const PER_ROW: usize = 8;
const ROW_HEIGHT: f32 = 18.0;

/// Shows the hex view.
pub fn show(
    ui: &mut egui::Ui,
    frame: &FrameRow,
    diagram: &Diagram,
    hover: Hover,
    next_hover: &mut Hover,
) {
    let inflated_only = frame.compressed && frame.wire_payload.is_empty();
    let masked = frame.mask_key.is_some() && !inflated_only;
    ui.horizontal(|ui| {
        ui.label(RichText::new("Bytes").strong());
        let kept = diagram.unmasked.len().saturating_sub(diagram.header_len);
        let note = if frame.compressed && frame.wire_payload.is_empty() {
            format!("header {} + payload inflated to {kept}", diagram.header_len)
        } else if frame.compressed {
            format!(
                "header {} + payload {} compressed (Payload tab: inflated)",
                diagram.header_len, diagram.payload_len
            )
        } else if (kept as u64) < diagram.payload_len {
            format!(
                "header {} + payload {} ({kept} kept)",
                diagram.header_len, diagram.payload_len
            )
        } else {
            format!(
                "header {} + payload {}",
                diagram.header_len, diagram.payload_len
            )
        };
        ui.weak(note);
    });
    let font = FontId::monospace(12.0);
    let char_width = ui.fonts_mut(|f| f.glyph_width(&font, '0'));
    let cell = char_width * 3.0;
    let offset_width = char_width * 6.0;
    let block = cell * PER_ROW as f32 + char_width * 1.5;

    // Columns: offset | wire | unmasked (masked frames only) | text.
    let columns: Vec<(&str, &[u8])> = if inflated_only {
        // The compressed bytes are not kept: show the header and the inflated payload.
        vec![("header + payload inflated", &diagram.unmasked[..])]
    } else if masked {
        let unmasked = if frame.compressed {
            "unmasked (still compressed)"
        } else {
            "unmasked"
        };
        vec![
            ("on the wire (masked)", &diagram.wire[..]),
            (unmasked, &diagram.unmasked[..]),
        ]
    } else {
        vec![("on the wire (not masked)", &diagram.wire[..])]
    };
    let text_colour = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();
    let (head, _) = ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::hover());
    let mut x = head.left() + offset_width;
    for (title, _) in &columns {
        ui.painter().text(
            pos2(x, head.center().y),
            Align2::LEFT_CENTER,
            *title,
            FontId::proportional(12.0),
            weak,
        );
        x += block;
    }
    ui.painter().text(
        pos2(x, head.center().y),
        Align2::LEFT_CENTER,
        "text",
        FontId::proportional(12.0),
        weak,
    );

    let longest = columns
        .iter()
        .map(|(_, bytes)| bytes.len())
        .max()
        .unwrap_or(0);
    let rows = longest.div_ceil(PER_ROW);
    ScrollArea::vertical()
        .id_salt("hex_view")
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows, |ui, range| {
            ui.spacing_mut().item_spacing.y = 0.0;
            let pointer = ui.ctx().pointer_hover_pos();
            for row in range {
                let (rect, response) =
                    ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::hover());
                let painter = ui.painter_at(rect);
                let start = row * PER_ROW;
                painter.text(
                    pos2(rect.left(), rect.center().y),
                    Align2::LEFT_CENTER,
                    format!("{start:04x}"),
                    font.clone(),
                    weak,
                );
                let mut x = rect.left() + offset_width;
                for (_, bytes) in &columns {
                    for i in 0..PER_ROW {
                        let at = start + i;
                        let Some(byte) = bytes.get(at) else { break };
                        let cell_rect = Rect::from_min_size(
                            pos2(x + i as f32 * cell - 1.0, rect.top() + 1.0),
                            vec2(cell - 2.0, ROW_HEIGHT - 2.0),
                        );
                        tint(&painter, cell_rect, diagram, at, hover);
                        if response.hovered()
                            && pointer
                                .is_some_and(|p| cell_rect.expand2(vec2(1.0, 1.0)).contains(p))
                        {
                            *next_hover = Hover::Byte(at);
                        }
                        let lit = hover.lights_byte(diagram, at);
                        painter.text(
                            pos2(cell_rect.left() + 1.5, cell_rect.center().y),
                            Align2::LEFT_CENTER,
                            format!("{byte:02x}"),
                            font.clone(),
                            if lit || at < diagram.header_len {
                                style::BOX_TEXT
                            } else {
                                text_colour
                            },
                        );
                    }
                    x += block;
                }
                // The bytes as text (unmasked, or inflated).
                let (_, bytes) = columns[columns.len() - 1];
                let end = (start + PER_ROW).min(bytes.len());
                if start < end {
                    let text: String = bytes[start..end]
                        .iter()
                        .map(|&b| {
                            if b.is_ascii_graphic() || b == b' ' {
                                b as char
                            } else {
                                '·'
                            }
                        })
                        .collect();
                    painter.text(
                        pos2(x, rect.center().y),
                        Align2::LEFT_CENTER,
                        text,
                        font.clone(),
                        weak,
                    );
                }
            }
        });
}

/// Paints the background of the byte at frame offset `at`: the colours of the fields
/// whose bits it holds, stronger when lit.
fn tint(painter: &egui::Painter, cell: Rect, diagram: &Diagram, at: usize, hover: Hover) {
    let byte_bits = (at as u64 * 8)..(at as u64 * 8 + 8);
    let lit = hover.lights_byte(diagram, at);
    for field in &diagram.fields {
        let (from, to) = if field.kind == FieldKind::Payload {
            // The payload field's bits cover only what the diagram draws; its bytes are all
            // of the payload.
            if !field.bytes.contains(&at) {
                continue;
            }
            (0, 8)
        } else {
            let from = field.bits.start.max(byte_bits.start);
            let to = field.bits.end.min(byte_bits.end);
            if from >= to {
                continue;
            }
            (from - byte_bits.start, to - byte_bits.start)
        };
        if field.kind == FieldKind::Payload && !lit {
            continue; // payload bytes stay plain unless lit
        }
        let colour = if field.broken {
            style::broken_fill()
        } else if lit {
            style::field_highlight(field.kind)
        } else {
            style::field_fill(field.kind)
        };
        let part = Rect::from_min_max(
            pos2(cell.left() + cell.width() * from as f32 / 8.0, cell.top()),
            pos2(cell.left() + cell.width() * to as f32 / 8.0, cell.bottom()),
        );
        painter.rect_filled(part, 0.0, colour);
    }
    if lit {
        painter.rect_stroke(
            cell,
            1.0,
            Stroke::new(1.0, Color32::from_gray(0x30)),
            egui::StrokeKind::Inside,
        );
    }
}
