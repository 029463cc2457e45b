//! The filter bar: frames or messages, connection, direction, opcodes, payload search,
//! "violations only", and relative or absolute times.

use egui::{ComboBox, TextEdit};

use super::app::{Action, View};
use super::state::{Settings, ViewMode};
use super::store::{Capture, Direction};

/// The accessible label of the search field (tests find it by this).
pub const SEARCH_LABEL: &str = "Search payloads";

/// Shows the filter bar; edits `settings.filters` in place (the table re-filters).
pub fn show(
    ui: &mut egui::Ui,
    settings: &mut Settings,
    capture: &Capture,
    view: &mut View,
    actions: &mut Vec<Action>,
) {
    ui.horizontal_wrapped(|ui| {
        for (mode, label) in [
            (ViewMode::Frames, "Frames"),
            (ViewMode::Messages, "Messages"),
        ] {
            if ui
                .selectable_label(settings.view_mode == mode, label)
                .clicked()
                && settings.view_mode != mode
            {
                actions.push(Action::SetView(mode));
            }
        }
        ui.separator();

        let filters = &mut settings.filters;
        let conn_label = |conn: Option<u32>| match conn {
            None => "all connections".to_string(),
            Some(conn) => format!("connection {conn}"),
        };
        ComboBox::from_id_salt("conn_filter")
            .selected_text(conn_label(filters.conn))
            .width(128.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut filters.conn, None, conn_label(None));
                for connection in capture
                    .connections
                    .iter()
                    .filter(|c| c.handshake.is_some() || c.frames != [0, 0])
                {
                    let path = connection
                        .handshake
                        .as_ref()
                        .map(|h| h.target.clone())
                        .unwrap_or_default();
                    ui.selectable_value(
                        &mut filters.conn,
                        Some(connection.conn),
                        format!("{} {path}", conn_label(Some(connection.conn))),
                    );
                }
            })
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Connection"));
        ComboBox::from_id_salt("direction_filter")
            .selected_text(match filters.direction {
                Direction::Both => "both directions",
                Direction::FromClient => "client to server",
                Direction::FromServer => "server to client",
            })
            .width(118.0)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut filters.direction, Direction::Both, "both directions");
                ui.selectable_value(
                    &mut filters.direction,
                    Direction::FromClient,
                    "client to server",
                );
                ui.selectable_value(
                    &mut filters.direction,
                    Direction::FromServer,
                    "server to client",
                );
            })
            .response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "Direction"));
        ui.separator();
        let opcodes = &mut filters.opcodes;
        ui.toggle_value(&mut opcodes.text, "text");
        ui.toggle_value(&mut opcodes.binary, "binary");
        ui.toggle_value(&mut opcodes.continuation, "cont");
        ui.toggle_value(&mut opcodes.close, "close");
        ui.toggle_value(&mut opcodes.ping_pong, "ping/pong");
        ui.toggle_value(&mut opcodes.reserved, "reserved");
        ui.separator();
        let label = ui.label(SEARCH_LABEL);
        let search = ui
            .add(
                TextEdit::singleline(&mut filters.search)
                    .hint_text("press /")
                    .desired_width(120.0)
                    .id_salt("search"),
            )
            .labelled_by(label.id);
        if view.focus_search {
            search.request_focus();
            view.focus_search = false;
        }
        if search.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Escape)) {
            search.surrender_focus();
        }
        ui.checkbox(&mut filters.violations_only, "violations only");
    });
}
