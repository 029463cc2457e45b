//! The frame table: one row per visible frame, virtualised — only the rows in view are
//! laid out, so a million frames scroll as smoothly as ten.

use std::fmt::Write as _;

use egui::{Align2, FontId, Rect, ScrollArea, Sense, Stroke, vec2};

use super::app::{Action, View};
use super::state::{Settings, TimeFormat};
use super::store::{Capture, FrameRow};
use super::style;
use crate::model::Side;
use crate::time::Timestamp;

/// Height of a row, in points.
pub const ROW_HEIGHT: f32 = 20.0;

/// Column titles and widths (the last column takes the rest).
const COLUMNS: [(&str, f32); 10] = [
    ("No.", 64.0),
    ("Time", 108.0),
    ("Conn", 44.0),
    ("Dir", 70.0),
    ("Opcode", 74.0),
    ("FIN", 34.0),
    ("RSV", 44.0),
    ("Mask", 40.0),
    ("Length", 78.0),
    ("Payload", 0.0),
];

/// How a table writes a time.
pub fn format_time(capture: &Capture, time: Timestamp, format: TimeFormat) -> String {
    match format {
        TimeFormat::Relative => format!("{:.6}", capture.relative(time)),
        TimeFormat::Absolute => {
            let of_day = time.secs.rem_euclid(86_400);
            format!(
                "{:02}:{:02}:{:02}.{:06}",
                of_day / 3600,
                of_day / 60 % 60,
                of_day % 60,
                time.nanos / 1000
            )
        }
    }
}

/// A one-line preview of a payload: text, close code, or hex.
pub fn preview(frame: &FrameRow) -> String {
    let payload = &frame.payload;
    if frame.opcode == 8 {
        return match frame.close_code {
            Some(code) => {
                let mut text = format!("{code} {}", crate::diagram::close_code_name(code));
                if let Some(reason) = frame.close_reason() {
                    let _ = write!(text, " “{reason}”");
                }
                text
            }
            None if payload.is_empty() => "(no status code)".to_string(),
            None => hex_preview(payload),
        };
    }
    if payload.is_empty() {
        return String::new();
    }
    let head = &payload[..payload.len().min(200)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => Some(text),
        // A cut in the middle of a character is still text.
        Err(error) if error.valid_up_to() > 0 && error.error_len().is_none() => {
            std::str::from_utf8(&head[..error.valid_up_to()]).ok()
        }
        Err(_) => None,
    };
    match text {
        Some(text) if !text.chars().any(|c| c.is_control() && !c.is_whitespace()) => text
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .collect(),
        _ => hex_preview(payload),
    }
}

fn hex_preview(payload: &[u8]) -> String {
    let mut text = crate::diagram::hex_spaced(&payload[..payload.len().min(24)]);
    if payload.len() > 24 {
        text.push_str(" …");
    }
    text
}

/// Shows the table.
pub fn show(
    ui: &mut egui::Ui,
    capture: &Capture,
    settings: &Settings,
    view: &mut View,
    actions: &mut Vec<Action>,
) {
    let dark = ui.visuals().dark_mode;
    let font = FontId::monospace(12.5);
    let text_colour = ui.visuals().text_color();
    let weak = ui.visuals().weak_text_color();

    // Header.
    let (header, _) =
        ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT + 2.0), Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(header, 0.0, ui.visuals().faint_bg_color);
    let mut x = header.left() + 6.0;
    for (title, width) in COLUMNS {
        painter.text(
            egui::pos2(x, header.center().y),
            Align2::LEFT_CENTER,
            title,
            FontId::proportional(13.0),
            text_colour,
        );
        x += width;
    }

    let rows = capture.visible.len();
    let selected_row = view.selected.and_then(|p| capture.visible_row(p));
    let area = table_scroll_area(ui, "frame_table", selected_row, view.scroll_to_selected);
    view.scroll_to_selected = false;
    let output = area.show_rows(ui, ROW_HEIGHT, rows, |ui, range| {
        ui.spacing_mut().item_spacing.y = 0.0;
        for row in range {
            let position = capture.visible[row] as usize;
            let frame = &capture.frames[position];
            let (rect, response) =
                ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::click());
            let selected = view.selected == Some(position);
            let painter = ui.painter_at(rect);
            if selected {
                painter.rect_filled(rect, 0.0, ui.visuals().selection.bg_fill);
            } else if response.hovered() {
                painter.rect_filled(rect, 0.0, ui.visuals().widgets.hovered.weak_bg_fill);
            } else if row % 2 == 1 {
                painter.rect_filled(rect, 0.0, ui.visuals().faint_bg_color);
            }
            if !frame.violations.is_empty() {
                painter.rect_filled(
                    Rect::from_min_size(rect.min, vec2(4.0, rect.height())),
                    0.0,
                    style::broken_stroke(),
                );
            }
            let cells = cells(capture, frame, settings.time_format);
            let mut x = rect.left() + 6.0;
            for (column, (text, colour)) in cells.iter().enumerate() {
                let width = COLUMNS[column].1;
                let cell = Rect::from_min_max(
                    egui::pos2(x, rect.top()),
                    egui::pos2(
                        if width > 0.0 {
                            x + width - 4.0
                        } else {
                            rect.right()
                        },
                        rect.bottom(),
                    ),
                );
                let colour = match colour {
                    Cell::Normal => text_colour,
                    Cell::Weak => weak,
                    Cell::Opcode => style::opcode_colour(frame.opcode, dark),
                };
                painter.with_clip_rect(cell).text(
                    egui::pos2(x, rect.center().y),
                    Align2::LEFT_CENTER,
                    text,
                    font.clone(),
                    colour,
                );
                x += width;
            }
            if selected {
                painter.rect_stroke(
                    rect.shrink(0.5),
                    0.0,
                    Stroke::new(1.0, ui.visuals().selection.stroke.color),
                    egui::StrokeKind::Inside,
                );
            }
            response.widget_info(|| {
                egui::WidgetInfo::selected(
                    egui::Role::Row,
                    true,
                    selected,
                    format!(
                        "frame {} {} {} bytes",
                        frame.index,
                        frame.opcode_name(),
                        frame.payload_len
                    ),
                )
            });
            if response.clicked() {
                actions.push(Action::SelectFrame(position));
            }
        }
    });
    remember_table_viewport(
        ui,
        "frame_table",
        output.state.clamped_offset().y,
        output.inner_rect.height(),
    );
    if rows == 0 {
        ui.centered_and_justified(|ui| {
            ui.weak(if capture.frames.is_empty() {
                "No frames (yet)."
            } else {
                "No frame passes the filters."
            });
        });
    }
}

/// Where a virtualised table was scrolled to in the last frame, and how tall it was.
pub fn view_table_viewport(ui: &egui::Ui, id: &str) -> (f32, f32) {
    ui.ctx()
        .data(|d| d.get_temp::<(f32, f32)>(egui::Id::unique(("viewport", id))))
        .unwrap_or((0.0, 400.0))
}

/// A table's vertical scroll area; when `scroll_to_selected` asks for it, scrolled just
/// enough to bring `selected_row` into view (using the viewport remembered last frame).
pub fn table_scroll_area(
    ui: &egui::Ui,
    id: &str,
    selected_row: Option<usize>,
    scroll_to_selected: bool,
) -> ScrollArea {
    let mut area = ScrollArea::vertical()
        .id_salt(id)
        .auto_shrink([false, false]);
    if scroll_to_selected && let Some(row) = selected_row {
        let (offset, height) = view_table_viewport(ui, id);
        let top = row as f32 * ROW_HEIGHT;
        if top < offset {
            area = area.vertical_scroll_offset(top);
        } else if top + ROW_HEIGHT > offset + height {
            area = area.vertical_scroll_offset(top + ROW_HEIGHT - height);
        }
    }
    area
}

/// Records the viewport for [`view_table_viewport`].
pub fn remember_table_viewport(ui: &egui::Ui, id: &str, offset: f32, height: f32) {
    ui.ctx()
        .data_mut(|d| d.insert_temp(egui::Id::unique(("viewport", id)), (offset, height)));
}

enum Cell {
    Normal,
    Weak,
    Opcode,
}

fn cells(capture: &Capture, frame: &FrameRow, time_format: TimeFormat) -> [(String, Cell); 10] {
    let flag = |set: bool| if set { "1" } else { "0" };
    let rsv: String = frame.rsv.iter().map(|&b| flag(b)).collect();
    let length = frame.payload_len.to_string();
    [
        (frame.index.to_string(), Cell::Weak),
        (format_time(capture, frame.time, time_format), Cell::Normal),
        (frame.conn.to_string(), Cell::Weak),
        (
            match frame.from {
                Side::Client => "C → S".to_string(),
                Side::Server => "C ← S".to_string(),
            },
            Cell::Normal,
        ),
        (frame.opcode_name(), Cell::Opcode),
        (flag(frame.fin).to_string(), Cell::Normal),
        (rsv, Cell::Normal),
        (flag(frame.mask_key.is_some()).to_string(), Cell::Normal),
        (length, Cell::Normal),
        (preview(frame), Cell::Normal),
    ]
}
