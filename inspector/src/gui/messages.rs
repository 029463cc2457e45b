//! The message view: whole data messages, like a browser's WebSocket panel — fragments
//! grouped, compressed messages inflated — with the frames each was made of, one click
//! away from their bit diagrams.

use egui::{Align2, FontId, Rect, RichText, ScrollArea, Sense, Stroke, vec2};

use super::app::{Action, View};
use super::frame_table::{format_time, remember_table_viewport, table_scroll_area};
use super::payload_view;
use super::state::{Settings, ViewMode};
use super::store::{Capture, MessageRow};
use super::style;
use crate::model::Side;

const ROW_HEIGHT: f32 = 20.0;
const COLUMNS: [(&str, f32); 8] = [
    ("No.", 56.0),
    ("Time", 108.0),
    ("Conn", 44.0),
    ("Dir", 70.0),
    ("Type", 70.0),
    ("Frames", 56.0),
    ("Length", 86.0),
    ("Message", 0.0),
];

fn preview(message: &MessageRow) -> String {
    let head = &message.payload[..message.payload.len().min(200)];
    match std::str::from_utf8(head) {
        Ok(text) if message.opcode == 1 => text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
        _ if message.opcode == 1 => super::store::lossy_text(head)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect(),
        _ => {
            let mut text =
                crate::diagram::hex_spaced(&message.payload[..message.payload.len().min(24)]);
            if message.payload.len() > 24 {
                text.push_str(" …");
            }
            text
        }
    }
}

/// The message table.
pub fn table(
    ui: &mut egui::Ui,
    capture: &Capture,
    settings: &Settings,
    view: &mut View,
    actions: &mut Vec<Action>,
) {
    let dark = ui.visuals().dark_mode;
    let text_colour = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();
    let font = FontId::monospace(12.5);
    let (header, _) =
        ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT + 2.0), Sense::hover());
    ui.painter()
        .rect_filled(header, 0.0, ui.visuals().faint_bg_color);
    let mut x = header.left() + 6.0;
    for (title, width) in COLUMNS {
        ui.painter().text(
            egui::pos2(x, header.center().y),
            Align2::LEFT_CENTER,
            title,
            FontId::proportional(13.0),
            text_colour,
        );
        x += width;
    }
    let rows = capture.visible_messages.len();
    let selected_row = view
        .selected_message
        .and_then(|m| capture.visible_message_row(m));
    let area = table_scroll_area(ui, "message_table", selected_row, view.scroll_to_selected);
    view.scroll_to_selected = false;
    let output = area.show_rows(ui, ROW_HEIGHT, rows, |ui, range| {
        ui.spacing_mut().item_spacing.y = 0.0;
        for row in range {
            let position = capture.visible_messages[row] as usize;
            let message = &capture.messages[position];
            let (rect, response) =
                ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::click());
            let selected = view.selected_message == Some(position);
            let painter = ui.painter_at(rect);
            if selected {
                painter.rect_filled(rect, 0.0, ui.visuals().selection.bg_fill);
                painter.rect_stroke(
                    rect.shrink(0.5),
                    0.0,
                    Stroke::new(1.0, ui.visuals().selection.stroke.color),
                    egui::StrokeKind::Inside,
                );
            } else if response.hovered() {
                painter.rect_filled(rect, 0.0, ui.visuals().widgets.hovered.weak_bg_fill);
            } else if row % 2 == 1 {
                painter.rect_filled(rect, 0.0, ui.visuals().faint_bg_color);
            }
            if !message.violations.is_empty() {
                painter.rect_filled(
                    Rect::from_min_size(rect.min, vec2(4.0, rect.height())),
                    0.0,
                    style::broken_stroke(),
                );
            }
            let mut length = message.payload_len.to_string();
            if message.compressed {
                length.push_str(" (z)");
            }
            let cells = [
                (position.to_string(), weak),
                (
                    format_time(capture, message.time, settings.time_format),
                    text_colour,
                ),
                (message.conn.to_string(), weak),
                (
                    match message.from {
                        Side::Client => "C → S".to_string(),
                        Side::Server => "C ← S".to_string(),
                    },
                    text_colour,
                ),
                (
                    if message.opcode == 1 {
                        "TEXT"
                    } else {
                        "BINARY"
                    }
                    .to_string(),
                    style::opcode_colour(message.opcode, dark),
                ),
                (message.frame_count.to_string(), text_colour),
                (length, text_colour),
                (preview(message), text_colour),
            ];
            let mut x = rect.left() + 6.0;
            for (column, (text, colour)) in cells.into_iter().enumerate() {
                let width = COLUMNS[column].1;
                let right = if width > 0.0 {
                    x + width - 4.0
                } else {
                    rect.right()
                };
                let cell =
                    Rect::from_min_max(egui::pos2(x, rect.top()), egui::pos2(right, rect.bottom()));
                painter.with_clip_rect(cell).text(
                    egui::pos2(x, rect.center().y),
                    Align2::LEFT_CENTER,
                    text,
                    font.clone(),
                    colour,
                );
                x += width;
            }
            response.widget_info(|| {
                egui::WidgetInfo::selected(
                    egui::Role::Row,
                    true,
                    selected,
                    format!(
                        "message {position} {} frames {} bytes",
                        message.frame_count, message.payload_len
                    ),
                )
            });
            if response.clicked() {
                actions.push(Action::SelectMessage(position));
            }
        }
    });
    remember_table_viewport(
        ui,
        "message_table",
        output.state.clamped_offset().y,
        output.inner_rect.height(),
    );
    if rows == 0 {
        ui.centered_and_justified(|ui| {
            ui.weak(if capture.messages.is_empty() {
                "No messages (yet)."
            } else {
                "No message passes the filters."
            });
        });
    }
}

/// The selected message: its frames on the left, its payload on the right.
pub fn detail(
    ui: &mut egui::Ui,
    capture: &Capture,
    settings: &mut Settings,
    view: &mut View,
    actions: &mut Vec<Action>,
) {
    let Some((position, message)) = view
        .selected_message
        .and_then(|m| capture.messages.get(m).map(|message| (m, message)))
    else {
        ui.centered_and_justified(|ui| {
            ui.weak("Select a message to see it whole, with the frames it was sent in.");
        });
        return;
    };
    let area = ui.available_rect_before_wrap();
    let left_width = (area.width() * 0.36).clamp(260.0, 460.0);
    let left = Rect::from_min_size(area.min, vec2(left_width - 6.0, area.height()));
    let right = Rect::from_min_max(
        egui::pos2(area.min.x + left_width + 6.0, area.min.y),
        area.max,
    );
    ui.scope_builder(egui::UiBuilder::new().max_rect(left), |ui| {
        ui.label(RichText::new(format!("Message {position}")).strong());
        ui.label(format!(
            "{} · {} · {} bytes{} · {} frame(s)",
            match message.from {
                Side::Client => "client to server",
                Side::Server => "server to client",
            },
            if message.opcode == 1 {
                "text"
            } else {
                "binary"
            },
            message.payload_len,
            if message.compressed { ", inflated" } else { "" },
            message.frame_count,
        ));
        for violation in &message.violations {
            ui.colored_label(
                style::broken_stroke(),
                format!(
                    "! {} ({}): {}",
                    violation.rule,
                    super::violations::section(violation),
                    violation.message
                ),
            );
        }
        ui.separator();
        ui.weak("Its frames (click one for its bit diagram):");
        ScrollArea::vertical()
            .id_salt("message_frames")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for &frame_position in &*message.frames {
                    let Some(frame) = capture.frames.get(frame_position as usize) else {
                        continue;
                    };
                    let label = format!(
                        "frame {}  {}  FIN={}  {} bytes{}",
                        frame.index,
                        frame.opcode_name(),
                        u8::from(frame.fin),
                        frame.payload_len,
                        if frame.compressed {
                            " (compressed)"
                        } else {
                            ""
                        }
                    );
                    if ui
                        .selectable_label(false, RichText::new(label).monospace())
                        .clicked()
                    {
                        actions.push(Action::SelectFrame(frame_position as usize));
                        actions.push(Action::SetView(ViewMode::Frames));
                    }
                }
                if message.frames.is_empty() {
                    ui.weak("(its frames were not matched)");
                }
            });
    });
    ui.scope_builder(egui::UiBuilder::new().max_rect(right), |ui| {
        payload_view::show_bytes(
            ui,
            ("message", position),
            &message.payload,
            message.payload_len,
            "",
            &mut settings.payload_mode,
            &mut view.payload_cache,
        );
    });
}
