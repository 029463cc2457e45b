//! The bit diagram as a standalone SVG (for the book's figures): `ws-inspector diagram`.
//!
//! Same picture as the GUI's: a bit ruler, one 32-bit row per line, each field a box at
//! its bit position with its name, value, meaning and its bits, then a legend table with
//! every field. Text is monospace so widths can be computed without a font engine: a
//! character is about 0.6 × the font size wide in every common monospace font; [`CHAR_WIDTH`]
//! rounds that up a little so that text never spills out of its box.

use std::fmt::Write as _;

use super::{Diagram, Field, FieldKind, ROW_BITS, Segment};

/// Width of one monospace character, as a fraction of the font size.
const CHAR_WIDTH: f64 = 0.62;
const BIT: f64 = 28.0;
const LEFT: f64 = 56.0;
const TOP: f64 = 64.0;
const ROW: f64 = 92.0;
const WIDTH: f64 = LEFT + BIT * ROW_BITS as f64 + 24.0;
const LEGEND_LINE: f64 = 22.0;
const FONT: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";

/// The fill colour of a field's box, shared with the GUI.
pub fn fill(kind: FieldKind) -> [u8; 3] {
    match kind {
        FieldKind::Fin => [0xd6, 0xe6, 0xf5],
        FieldKind::Rsv1 | FieldKind::Rsv2 | FieldKind::Rsv3 => [0xe4, 0xe4, 0xef],
        FieldKind::Opcode => [0xfc, 0xe0, 0xc0],
        FieldKind::Mask => [0xe8, 0xd8, 0xf4],
        FieldKind::PayloadLen | FieldKind::ExtendedLen => [0xd4, 0xee, 0xd4],
        FieldKind::MaskingKey => [0xf8, 0xef, 0xb8],
        FieldKind::Payload => [0xee, 0xee, 0xee],
    }
}

/// Fill of a field a violation points at.
pub const BROKEN_FILL: [u8; 3] = [0xff, 0xc8, 0xc8];
/// Outline of such a field.
pub const BROKEN_STROKE: [u8; 3] = [0xc0, 0x10, 0x10];

fn rgb([r, g, b]: [u8; 3]) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Escapes text for SVG.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `text` so it fits `width` pixels at `size`, ending with `…` if cut.
fn fit(text: &str, width: f64, size: f64) -> Option<String> {
    let max_chars = (width / (size * CHAR_WIDTH)).floor() as usize;
    let count = text.chars().count();
    if count <= max_chars {
        return Some(text.to_string());
    }
    if max_chars < 4 {
        return None;
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    Some(cut)
}

struct Svg {
    out: String,
}

impl Svg {
    fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, style: &str, text: &str) {
        let _ = writeln!(
            self.out,
            r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" text-anchor="{anchor}" {style}>{}</text>"#,
            escape(text)
        );
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, dashed: bool, colour: &str) {
        let dash = if dashed {
            r#" stroke-dasharray="4 3""#
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{colour}" stroke-width="1.2"{dash}/>"#
        );
    }
}

/// Renders `diagram` as an SVG document. `title` goes above the ruler.
pub fn render(diagram: &Diagram, title: &str) -> String {
    let rows_height = diagram.rows as f64 * ROW;
    let more_line = if diagram.payload_not_drawn > 0 {
        24.0
    } else {
        0.0
    };
    let legend_top = TOP + rows_height + more_line + 28.0;
    let height = legend_top + (diagram.fields.len() as f64 + 1.0) * LEGEND_LINE + 16.0;
    let mut svg = Svg { out: String::new() };
    let _ = writeln!(
        svg.out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:.0}" height="{height:.0}" viewBox="0 0 {WIDTH:.0} {height:.0}" font-family="{FONT}">"#
    );
    let _ = writeln!(
        svg.out,
        r##"<rect x="0" y="0" width="{WIDTH:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );
    svg.text(LEFT, 22.0, 15.0, "start", r#"font-weight="bold""#, title);

    // The ruler: tens digits over unit digits, like the RFC's figure.
    for bit in 0..ROW_BITS {
        let x = LEFT + (bit as f64 + 0.5) * BIT;
        if bit % 10 == 0 {
            svg.text(
                x,
                TOP - 22.0,
                11.0,
                "middle",
                r##"fill="#555""##,
                &(bit / 10).to_string(),
            );
        }
        svg.text(
            x,
            TOP - 8.0,
            11.0,
            "middle",
            r##"fill="#555""##,
            &(bit % 10).to_string(),
        );
    }
    // Byte offsets of each row on the left.
    for row in 0..diagram.rows {
        let y = TOP + row as f64 * ROW + ROW / 2.0 + 4.0;
        svg.text(
            LEFT - 10.0,
            y,
            11.0,
            "end",
            r##"fill="#555""##,
            &format!("+{}", row * ROW_BITS / 8),
        );
    }

    for segment in &diagram.segments {
        let field = &diagram.fields[segment.field];
        draw_segment(&mut svg, segment, field);
    }

    if diagram.payload_not_drawn > 0 {
        let y = TOP + rows_height + 18.0;
        svg.text(
            LEFT + BIT * ROW_BITS as f64 / 2.0,
            y,
            12.0,
            "middle",
            r##"fill="#555" font-style="italic""##,
            &format!(
                "… {} more payload byte{}",
                diagram.payload_not_drawn,
                if diagram.payload_not_drawn == 1 {
                    ""
                } else {
                    "s"
                }
            ),
        );
    }

    // Legend: every field with its bits, value and meaning.
    let columns = [LEFT, LEFT + 200.0, LEFT + 330.0, LEFT + 550.0];
    for (x, head) in columns.iter().zip(["field", "bits", "value", "meaning"]) {
        svg.text(*x, legend_top, 12.0, "start", r#"font-weight="bold""#, head);
    }
    for (i, field) in diagram.fields.iter().enumerate() {
        let y = legend_top + (i as f64 + 1.0) * LEGEND_LINE;
        let style = if field.broken {
            format!(r#"fill="{}""#, rgb(BROKEN_STROKE))
        } else {
            r##"fill="#222""##.to_string()
        };
        let bits = field.bits_text();
        let meaning = if field.broken {
            format!("{} ⚠", field.meaning)
        } else {
            field.meaning.clone()
        };
        let cells = [
            field.name,
            bits.as_str(),
            field.value.as_str(),
            meaning.as_str(),
        ];
        for (column, text) in cells.iter().enumerate() {
            let width = columns
                .get(column + 1)
                .map_or(WIDTH - columns[column] - 12.0, |next| {
                    next - columns[column] - 12.0
                });
            if let Some(text) = fit(text, width, 12.0) {
                svg.text(columns[column], y, 12.0, "start", &style, &text);
            }
        }
    }
    svg.out.push_str("</svg>\n");
    svg.out
}

fn draw_segment(svg: &mut Svg, segment: &Segment, field: &Field) {
    let x = LEFT + segment.start as f64 * BIT;
    let y = TOP + segment.row as f64 * ROW;
    let width = segment.width() as f64 * BIT;
    let (fill_colour, stroke) = if field.broken {
        (BROKEN_FILL, rgb(BROKEN_STROKE))
    } else {
        (fill(field.kind), "#333333".to_string())
    };
    let _ = writeln!(
        svg.out,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{width:.1}" height="{ROW:.1}" fill="{}"><title>{}</title></rect>"#,
        rgb(fill_colour),
        escape(&format!(
            "{} = {}: {}",
            field.name, field.value, field.meaning
        ))
    );
    svg.line(x, y, x + width, y, false, &stroke);
    svg.line(x, y + ROW, x + width, y + ROW, false, &stroke);
    svg.line(x, y, x, y + ROW, segment.continued, &stroke);
    svg.line(x + width, y, x + width, y + ROW, segment.continues, &stroke);

    let centre = x + width / 2.0;
    let inner = width - 6.0;
    if segment.width() == 1 {
        // One-bit fields: the name's letters stacked, like the RFC's F/I/N.
        for (i, letter) in field.name.chars().enumerate() {
            svg.text(
                centre,
                y + 17.0 + i as f64 * 14.0,
                12.0,
                "middle",
                "",
                &letter.to_string(),
            );
        }
        svg.text(
            centre,
            y + ROW - 12.0,
            16.0,
            "middle",
            r#"font-weight="bold""#,
            &field.value,
        );
        return;
    }
    let name = if segment.continued {
        format!("{} (cont.)", field.name)
    } else {
        field.name.to_string()
    };
    if let Some(name) = fit(&name, inner, 12.0) {
        svg.text(centre, y + 17.0, 12.0, "middle", "", &name);
    }
    if segment.primary {
        if let Some(value) = fit(&field.value, inner, 15.0) {
            svg.text(
                centre,
                y + 40.0,
                15.0,
                "middle",
                r#"font-weight="bold""#,
                &value,
            );
        }
        if let Some(meaning) = fit(&field.meaning, inner, 11.0) {
            svg.text(
                centre,
                y + 58.0,
                11.0,
                "middle",
                r##"fill="#444""##,
                &meaning,
            );
        }
    }
    if let Some(bits) = &field.bit_string {
        // Each bit of the field under its own column.
        let offset = segment.row * ROW_BITS + segment.start - field.bits.start;
        for (i, digit) in bits
            .chars()
            .skip(offset as usize)
            .take(segment.width() as usize)
            .enumerate()
        {
            let bit_x = x + (i as f64 + 0.5) * BIT;
            svg.text(
                bit_x,
                y + ROW - 10.0,
                12.0,
                "middle",
                r##"fill="#333""##,
                &digit.to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagram::{Context, layout};

    #[test]
    fn svg_has_every_field_and_value() {
        let diagram = layout(
            &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d],
            b"Hello",
            Context::default(),
        )
        .unwrap();
        let svg = render(&diagram, "frame 0 <client → server>");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("frame 0 &lt;client → server&gt;"));
        for needle in [
            ">opcode<",
            ">0x1<",
            ">text frame<",
            ">Payload len<",
            ">5<",
            ">Masking-key<",
            ">37 fa 21 3d<",
            ">&quot;Hello&quot;<",
        ] {
            assert!(svg.contains(needle), "{needle} missing");
        }
        // One box per segment.
        assert_eq!(svg.matches("<rect ").count(), 1 + diagram.segments.len());
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("hello", 100.0, 10.0).as_deref(), Some("hello"));
        assert_eq!(fit("hello world", 38.0, 10.0).as_deref(), Some("hello…"));
        assert_eq!(fit("hello world", 10.0, 10.0), None);
    }
}
