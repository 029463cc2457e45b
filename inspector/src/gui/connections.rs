//! The left panel: one card per WebSocket connection — addresses, path, subprotocol,
//! extensions, frames and bytes each way, how it closed. Clicking a card shows only that
//! connection's frames.

use egui::{RichText, ScrollArea};

use super::app::Action;
use super::state::Settings;
use super::store::{Capture, Connection};

/// Human byte counts: `512 B`, `70.1 KB`, `3.2 MB`.
pub fn bytes(count: u64) -> String {
    match count {
        0..1000 => format!("{count} B"),
        1000..1_000_000 => format!("{:.1} KB", count as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", count as f64 / 1e6),
        _ => format!("{:.2} GB", count as f64 / 1e9),
    }
}

/// Shows the connection list.
pub fn show(ui: &mut egui::Ui, capture: &Capture, settings: &Settings, actions: &mut Vec<Action>) {
    ui.add_space(4.0);
    ui.heading("Connections");
    ui.add_space(2.0);
    let selected = settings.filters.conn;
    if ui
        .selectable_label(
            selected.is_none(),
            format!("All ({} frames)", capture.frames.len()),
        )
        .clicked()
    {
        actions.push(Action::ShowConnection(None));
    }
    ui.separator();
    ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut shown = 0;
            for connection in capture
                .connections
                .iter()
                .filter(|c| c.handshake.is_some() || c.frames != [0, 0])
            {
                shown += 1;
                let is_selected = selected == Some(connection.conn);
                let response = card(ui, connection, is_selected);
                if response.clicked() {
                    actions.push(Action::ShowConnection(if is_selected {
                        None
                    } else {
                        Some(connection.conn)
                    }));
                }
            }
            if shown == 0 {
                ui.weak("No WebSocket connection yet.");
            }
        });
}

fn card(ui: &mut egui::Ui, connection: &Connection, selected: bool) -> egui::Response {
    let visuals = ui.visuals().clone();
    let fill = if selected {
        visuals.selection.bg_fill
    } else {
        visuals.faint_bg_color
    };
    let frame = egui::Frame::group(ui.style())
        .fill(fill)
        .inner_margin(6.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let handshake = connection.handshake.as_deref();
            let target = handshake.map_or("(no handshake seen)", |h| h.target.as_str());
            ui.label(RichText::new(format!("#{}  {target}", connection.conn)).strong());
            ui.label(RichText::new(connection.endpoints()).size(12.0).monospace());
            if let Some(h) = handshake {
                if let Some(protocol) = &h.protocol {
                    ui.label(RichText::new(format!("subprotocol {protocol}")).size(12.0));
                }
                if let Some(extensions) = &h.extensions {
                    ui.label(RichText::new(extensions.as_str()).size(12.0))
                        .on_hover_text("Sec-WebSocket-Extensions accepted by the server");
                }
                if h.status != Some(101) {
                    let status = h
                        .status
                        .map_or("no response".to_string(), |s| format!("status {s}"));
                    ui.colored_label(visuals.warn_fg_color, RichText::new(status).size(12.0));
                }
            }
            for (arrow, side) in [("C → S", 0), ("C ← S", 1)] {
                ui.label(
                    RichText::new(format!(
                        "{arrow} {} frame{}, {}",
                        connection.frames[side],
                        if connection.frames[side] == 1 {
                            ""
                        } else {
                            "s"
                        },
                        bytes(connection.bytes[side]),
                    ))
                    .size(12.0)
                    .monospace(),
                );
            }
            ui.label(RichText::new(connection.how_closed()).size(12.0).italics());
            if connection.violations > 0 {
                ui.colored_label(
                    super::style::broken_stroke(),
                    RichText::new(format!("! {} violation(s)", connection.violations)).size(12.0),
                );
            }
            if connection.missing > 0 {
                ui.colored_label(
                    visuals.warn_fg_color,
                    RichText::new(format!(
                        "{} missing from the capture",
                        bytes(connection.missing)
                    ))
                    .size(12.0),
                );
            }
        });
    let response = ui.interact(
        frame.response.rect,
        ui.scope_id().with(("connection", connection.conn)),
        egui::Sense::click(),
    );
    response.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::Button,
            true,
            selected,
            format!("connection {} {}", connection.conn, connection.endpoints()),
        )
    });
    response.on_hover_cursor(egui::CursorIcon::PointingHand)
}
