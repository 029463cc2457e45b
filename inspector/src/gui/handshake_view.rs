//! The opening handshake of the selected frame's connection (RFC 6455 §4): what was
//! negotiated, the Accept check, and the request and response as sent.

use egui::{RichText, ScrollArea};

use super::store::Connection;
use super::style;

/// Shows the handshake.
pub fn show(ui: &mut egui::Ui, connection: Option<&Connection>) {
    let Some(handshake) = connection.and_then(|c| c.handshake.as_deref()) else {
        ui.weak(
            "The capture has no handshake for this connection (it started before the capture).",
        );
        return;
    };
    ScrollArea::vertical()
        .id_salt("handshake")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("handshake_grid")
                .num_columns(2)
                .spacing([10.0, 3.0])
                .show(ui, |ui| {
                    let row = |ui: &mut egui::Ui, name: &str, value: String| {
                        ui.weak(name);
                        ui.label(value);
                        ui.end_row();
                    };
                    row(ui, "Request", format!("{} {} (packet {})", handshake.method, handshake.target, handshake.packet));
                    row(
                        ui,
                        "Response",
                        match (handshake.status, &handshake.reason) {
                            (Some(status), Some(reason)) => format!("{status} {reason}"),
                            (Some(status), None) => status.to_string(),
                            _ => "none captured".to_string(),
                        },
                    );
                    let or_none = |value: &Option<String>| value.clone().unwrap_or_else(|| "—".to_string());
                    row(ui, "Host", or_none(&handshake.host));
                    row(ui, "Origin", or_none(&handshake.origin));
                    row(ui, "Subprotocol", match (&handshake.requested_protocols, &handshake.protocol) {
                        (None, _) => "none offered".to_string(),
                        (Some(offered), chosen) => format!("offered {offered}; chosen {}", or_none(chosen)),
                    });
                    row(ui, "Extensions", match (&handshake.requested_extensions, &handshake.extensions) {
                        (None, _) => "none offered".to_string(),
                        (Some(offered), accepted) => format!("offered {offered}\naccepted {}", or_none(accepted)),
                    });
                    ui.weak("Accept");
                    ui.vertical(|ui| {
                        ui.monospace(format!("Sec-WebSocket-Key:    {}", or_none(&handshake.key)));
                        ui.monospace(format!("expected Accept:      {}", or_none(&handshake.accept_expected)));
                        ui.monospace(format!("Sec-WebSocket-Accept: {}", or_none(&handshake.accept)));
                        if handshake.accept_ok {
                            ui.colored_label(
                                egui::Color32::from_rgb(0x2e, 0x9d, 0x3a),
                                "Accept matches: base64(SHA-1(key + 258EAFA5-E914-47DA-95CA-C5AB0DC85B11)) (§4.2.2)",
                            );
                        } else {
                            ui.colored_label(style::broken_stroke(), "Accept does NOT match what the key calls for (§4.2.2)");
                        }
                    });
                    ui.end_row();
                });
            for violation in &handshake.violations {
                ui.colored_label(
                    style::broken_stroke(),
                    format!("! §{} {}: {}", violation.section, violation.rule, violation.message),
                );
            }
            ui.add_space(6.0);
            ui.label(RichText::new("Request").strong());
            ui.monospace(handshake.request_head.trim_end());
            if let Some(response) = &handshake.response_head {
                ui.add_space(4.0);
                ui.label(RichText::new("Response").strong());
                ui.monospace(response.trim_end());
            }
        });
}
