//! Colours shared by the panels: one per opcode (the table, the message list) and the
//! diagram's field colours (from [`crate::diagram::svg`], so the GUI and the book's
//! figures match).

use egui::Color32;

use crate::diagram::FieldKind;
use crate::diagram::svg;

/// The colour that marks an opcode in the table, readable on dark and light themes.
pub fn opcode_colour(opcode: u8, dark: bool) -> Color32 {
    let (light, on_dark) = match opcode {
        0x1 => ([0x1d, 0x5f, 0xb0], [0x7c, 0xb8, 0xff]), // text: blue
        0x2 => ([0x6a, 0x2c, 0xa8], [0xc4, 0x9b, 0xff]), // binary: purple
        0x0 => ([0x2c, 0x6e, 0x7a], [0x7f, 0xd4, 0xe0]), // continuation: teal
        0x8 => ([0xb0, 0x3a, 0x12], [0xff, 0x9a, 0x6b]), // close: orange-red
        0x9 | 0xA => ([0x2e, 0x7d, 0x32], [0x8c, 0xe0, 0x8f]), // ping/pong: green
        _ => ([0xc0, 0x10, 0x10], [0xff, 0x70, 0x70]),   // reserved: red
    };
    let [r, g, b] = if dark { on_dark } else { light };
    Color32::from_rgb(r, g, b)
}

/// A field's box fill in the diagram and its bytes' background in the hex view.
pub fn field_fill(kind: FieldKind) -> Color32 {
    let [r, g, b] = svg::fill(kind);
    Color32::from_rgb(r, g, b)
}

/// The same colour, stronger: a hovered field and its bytes.
pub fn field_highlight(kind: FieldKind) -> Color32 {
    let [r, g, b] = svg::fill(kind);
    let darken = |c: u8| (f32::from(c) * 0.78) as u8;
    Color32::from_rgb(darken(r), darken(g), darken(b))
}

/// Fill of a field a violation points at.
pub fn broken_fill() -> Color32 {
    let [r, g, b] = svg::BROKEN_FILL;
    Color32::from_rgb(r, g, b)
}

/// Outline of such a field, and the colour of violation markers.
pub fn broken_stroke() -> Color32 {
    let [r, g, b] = svg::BROKEN_STROKE;
    Color32::from_rgb(r, g, b)
}

/// Text on the diagram's pastel boxes (dark on any theme).
pub const BOX_TEXT: Color32 = Color32::from_rgb(0x1a, 0x1a, 0x1a);
/// Secondary text on the boxes.
pub const BOX_TEXT_WEAK: Color32 = Color32::from_rgb(0x4a, 0x4a, 0x4a);
/// Outline of the selected field.
pub const SELECTED_STROKE: Color32 = Color32::from_rgb(0x10, 0x60, 0xd0);
