//! The RFC 6455 §5.2 diagram of the selected frame, painted from
//! [`crate::diagram::layout`]: the RFC's 32-bit rows with this frame's fields at their
//! bit positions, each with its name, value, meaning and bits. Hovering a field lights
//! its bytes in the hex view (and hovering bytes there lights the field here); clicking a
//! field shows the RFC's sentence about it.

use std::sync::Arc;

use egui::text::{LayoutJob, TextWrapping};
use egui::{
    Align2, Color32, FontId, Galley, Painter, Pos2, Rect, RichText, Sense, Shape, Stroke, pos2,
    vec2,
};

use super::app::{Action, Hover};
use super::store::FrameRow;
use super::style;
use crate::diagram::{Diagram, Field, FieldKind, ROW_BITS, Segment};
use crate::model::Side;

/// Height of one 32-bit row.
const ROW_HEIGHT: f32 = 66.0;
/// Height of the bit ruler above the rows.
const RULER_HEIGHT: f32 = 26.0;
/// Room on the left for the rows' byte offsets.
const LEFT: f32 = 30.0;

/// Shows the diagram, the explanation of the clicked field, and the legend.
pub fn show(
    ui: &mut egui::Ui,
    frame: &FrameRow,
    diagram: &Diagram,
    hover: Hover,
    next_hover: &mut Hover,
    explained: Option<FieldKind>,
    actions: &mut Vec<Action>,
) {
    egui::ScrollArea::vertical()
        .id_salt("diagram_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            ui.add_space(4.0);
            ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 5.0;
                ui.label(RichText::new(format!("Frame {}", frame.index)).strong());
                ui.label(
                    RichText::new(match frame.from {
                        Side::Client => "client → server",
                        Side::Server => "server → client",
                    })
                    .monospace(),
                );
                ui.label(format!(
                    "{} · {} byte{} · packet {}",
                    frame.opcode_name(),
                    frame.payload_len,
                    if frame.payload_len == 1 { "" } else { "s" },
                    if frame.packet == frame.packet_end {
                        frame.packet.to_string()
                    } else {
                        format!("{}–{}", frame.packet, frame.packet_end)
                    }
                ));
                if frame.compressed {
                    ui.label(RichText::new("compressed").color(ui.visuals().warn_fg_color));
                }
            });
            ui.add_space(2.0);
            paint(ui, diagram, hover, next_hover, explained, actions);
            ui.add_space(6.0);
            explanation(ui, diagram, explained, actions);
            ui.add_space(6.0);
            legend(ui, diagram, hover, next_hover);
        });
}

fn paint(
    ui: &mut egui::Ui,
    diagram: &Diagram,
    hover: Hover,
    next_hover: &mut Hover,
    explained: Option<FieldKind>,
    actions: &mut Vec<Action>,
) {
    let available = ui.available_width();
    let bit = ((available - LEFT - 6.0) / ROW_BITS as f32).clamp(12.0, 34.0);
    let more_line = if diagram.payload_not_drawn > 0 {
        18.0
    } else {
        0.0
    };
    let height = RULER_HEIGHT + diagram.rows as f32 * ROW_HEIGHT + more_line;
    let (area, _) = ui.allocate_exact_size(
        vec2(LEFT + bit * ROW_BITS as f32 + 2.0, height),
        Sense::hover(),
    );
    let painter = ui.painter_at(area.expand(2.0));
    let origin = pos2(area.left() + LEFT, area.top() + RULER_HEIGHT);
    let weak = ui.visuals().weak_text_color();

    // Ruler: tens over units, as in the RFC's figure.
    for column in 0..ROW_BITS {
        let x = origin.x + (column as f32 + 0.5) * bit;
        if column % 10 == 0 {
            painter.text(
                pos2(x, area.top() + 6.0),
                Align2::CENTER_CENTER,
                (column / 10).to_string(),
                FontId::monospace(10.0),
                weak,
            );
        }
        painter.text(
            pos2(x, area.top() + 18.0),
            Align2::CENTER_CENTER,
            (column % 10).to_string(),
            FontId::monospace(10.0),
            weak,
        );
    }
    for row in 0..diagram.rows {
        painter.text(
            pos2(origin.x - 6.0, origin.y + (row as f32 + 0.5) * ROW_HEIGHT),
            Align2::RIGHT_CENTER,
            format!("+{}", row * ROW_BITS / 8),
            FontId::monospace(10.0),
            weak,
        );
    }

    for (index, segment) in diagram.segments.iter().enumerate() {
        let field = &diagram.fields[segment.field];
        let rect = Rect::from_min_size(
            pos2(
                origin.x + segment.start as f32 * bit,
                origin.y + segment.row as f32 * ROW_HEIGHT,
            ),
            vec2(segment.width() as f32 * bit, ROW_HEIGHT),
        );
        let response = ui.interact(rect, ui.scope_id().with(("field", index)), Sense::click());
        let lit = hover.lights_field(diagram, segment.field);
        let selected = explained == Some(field.kind);
        draw_segment(&painter, rect, bit, segment, field, lit, selected);
        response.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Button,
                true,
                format!("{} = {}: {}", field.name, field.value, field.meaning),
            )
        });
        if response.hovered() {
            *next_hover = Hover::Field(segment.field);
        }
        let clicked = response.clicked();
        response.on_hover_text(format!(
            "{} = {}\n{}\n(click for the RFC's words)",
            field.name, field.value, field.meaning
        ));
        if clicked {
            actions.push(Action::ExplainField(if selected {
                None
            } else {
                Some(field.kind)
            }));
        }
    }

    if diagram.payload_not_drawn > 0 {
        painter.text(
            pos2(
                origin.x + bit * ROW_BITS as f32 / 2.0,
                origin.y + diagram.rows as f32 * ROW_HEIGHT + 10.0,
            ),
            Align2::CENTER_CENTER,
            format!(
                "… {} more payload byte{}",
                diagram.payload_not_drawn,
                if diagram.payload_not_drawn == 1 {
                    ""
                } else {
                    "s"
                }
            ),
            FontId::proportional(12.0),
            weak,
        );
    }
}

/// A single-line galley cut with `…` to fit `width`.
fn fitted(painter: &Painter, text: &str, font: FontId, colour: Color32, width: f32) -> Arc<Galley> {
    let mut job = LayoutJob::simple_singleline(text.to_owned(), font, colour);
    job.wrap = TextWrapping::truncate_at_width(width.max(1.0));
    painter.layout_job(job)
}

fn centred(painter: &Painter, centre: Pos2, galley: Arc<Galley>) {
    let at = centre - galley.size() / 2.0;
    painter.galley(at, galley, style::BOX_TEXT);
}

fn draw_segment(
    painter: &Painter,
    rect: Rect,
    bit: f32,
    segment: &Segment,
    field: &Field,
    lit: bool,
    selected: bool,
) {
    let fill = if field.broken {
        style::broken_fill()
    } else if lit {
        style::field_highlight(field.kind)
    } else {
        style::field_fill(field.kind)
    };
    painter.rect_filled(rect, 0.0, fill);
    let edge = Stroke::new(1.0, Color32::from_gray(0x40));
    painter.line_segment([rect.left_top(), rect.right_top()], edge);
    painter.line_segment([rect.left_bottom(), rect.right_bottom()], edge);
    for (x, dashed) in [
        (rect.left(), segment.continued),
        (rect.right(), segment.continues),
    ] {
        let points = [pos2(x, rect.top()), pos2(x, rect.bottom())];
        if dashed {
            painter.extend(Shape::dashed_line(&points, edge, 4.0, 3.0));
        } else {
            painter.line_segment(points, edge);
        }
    }
    if field.broken {
        painter.rect_stroke(
            rect.shrink(1.0),
            0.0,
            Stroke::new(2.0, style::broken_stroke()),
            egui::StrokeKind::Inside,
        );
    }
    if selected {
        painter.rect_stroke(
            rect.shrink(1.5),
            0.0,
            Stroke::new(2.5, style::SELECTED_STROKE),
            egui::StrokeKind::Inside,
        );
    }

    let centre_x = rect.center().x;
    let inner = rect.width() - 6.0;
    if segment.width() == 1 {
        // One-bit fields: the name's letters stacked, as the RFC writes F/I/N.
        for (i, letter) in field.name.chars().enumerate() {
            painter.text(
                pos2(centre_x, rect.top() + 7.0 + i as f32 * 9.5),
                Align2::CENTER_CENTER,
                letter.to_string(),
                FontId::monospace(10.0),
                style::BOX_TEXT_WEAK,
            );
        }
        // A rule between the name and the bit, so `RSV1` over `1` does not read `RSV11`.
        let rule_y = rect.top() + 44.0;
        painter.line_segment(
            [
                pos2(rect.left() + 3.0, rule_y),
                pos2(rect.right() - 3.0, rule_y),
            ],
            Stroke::new(1.0, Color32::from_gray(0x80)),
        );
        painter.text(
            pos2(centre_x, rect.bottom() - 10.0),
            Align2::CENTER_CENTER,
            &field.value,
            FontId::monospace(15.0),
            style::BOX_TEXT,
        );
        return;
    }
    let name = if segment.continued {
        format!("{} (cont.)", field.name)
    } else {
        field.name.to_string()
    };
    centred(
        painter,
        pos2(centre_x, rect.top() + 10.0),
        fitted(
            painter,
            &name,
            FontId::proportional(12.0),
            style::BOX_TEXT,
            inner,
        ),
    );
    if segment.primary {
        centred(
            painter,
            pos2(centre_x, rect.top() + 28.0),
            fitted(
                painter,
                &field.value,
                FontId::monospace(14.0),
                style::BOX_TEXT,
                inner,
            ),
        );
        centred(
            painter,
            pos2(centre_x, rect.top() + 45.0),
            fitted(
                painter,
                &field.meaning,
                FontId::proportional(11.0),
                style::BOX_TEXT_WEAK,
                inner,
            ),
        );
    }
    if let Some(bits) = &field.bit_string {
        let offset = segment.row * ROW_BITS + segment.start - field.bits.start;
        for (i, digit) in bits
            .chars()
            .skip(offset as usize)
            .take(segment.width() as usize)
            .enumerate()
        {
            painter.text(
                pos2(rect.left() + (i as f32 + 0.5) * bit, rect.bottom() - 8.0),
                Align2::CENTER_CENTER,
                digit.to_string(),
                FontId::monospace(10.5),
                style::BOX_TEXT_WEAK,
            );
        }
    }
}

/// The clicked field: value, meaning and the RFC's sentence.
fn explanation(
    ui: &mut egui::Ui,
    diagram: &Diagram,
    explained: Option<FieldKind>,
    actions: &mut Vec<Action>,
) {
    let Some(field) = explained.and_then(|kind| diagram.fields.iter().find(|f| f.kind == kind))
    else {
        ui.weak("Click a field for what RFC 6455 says about it; hover it to light its bytes.");
        return;
    };
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.label(RichText::new(format!("{} = {}", field.name, field.value)).strong());
            ui.label(format!("— {}", field.meaning));
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.small_button("close").on_hover_text("close").clicked() {
                    actions.push(Action::ExplainField(None));
                }
            });
        });
        let section = if field.kind == FieldKind::MaskingKey {
            "RFC 6455 §5.2, §5.3"
        } else {
            "RFC 6455 §5.2"
        };
        ui.label(RichText::new(format!("“{}”", field.rfc_text())).italics());
        ui.weak(section);
        if field.broken {
            ui.colored_label(
                style::broken_stroke(),
                "A rule about this field is broken: see the Violations tab.",
            );
        }
    });
}

/// Every field in a compact table: name, value, meaning (cut to the column's width).
fn legend(ui: &mut egui::Ui, diagram: &Diagram, hover: Hover, next_hover: &mut Hover) {
    let width = ui.available_width();
    egui::Grid::new("diagram_legend")
        .num_columns(3)
        .spacing([10.0, 2.0])
        .striped(true)
        .max_col_width(width * 0.5)
        .show(ui, |ui| {
            for (index, field) in diagram.fields.iter().enumerate() {
                let lit = hover.lights_field(diagram, index);
                let name = RichText::new(field.name)
                    .color(style::BOX_TEXT)
                    .background_color(if lit {
                        style::field_highlight(field.kind)
                    } else {
                        style::field_fill(field.kind)
                    });
                let response = ui.label(name).on_hover_text(field.bits_text());
                if response.hovered() {
                    *next_hover = Hover::Field(index);
                }
                ui.add(egui::Label::new(RichText::new(&field.value).monospace()).truncate());
                let meaning = if field.broken {
                    RichText::new(format!("! {}", field.meaning)).color(style::broken_stroke())
                } else {
                    RichText::new(&field.meaning)
                };
                ui.add(egui::Label::new(meaning).truncate());
                ui.end_row();
            }
        });
}
