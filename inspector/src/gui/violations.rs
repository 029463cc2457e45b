//! The rules the selected frame breaks, with their RFC sections; those of its message and
//! its connection's handshake; and a way to list only the frames that break something.

use egui::{RichText, ScrollArea};

use super::store::{Capture, FrameRow, NO_MESSAGE};
use super::style;
use crate::model::ViolationRecord;

/// `§5.1` for RFC 6455 sections, the section as given otherwise (`RFC 7692 7.2.2`).
pub fn section(violation: &ViolationRecord) -> String {
    if violation.section.starts_with("RFC") {
        violation.section.clone()
    } else {
        format!("RFC 6455 §{}", violation.section)
    }
}

fn list(ui: &mut egui::Ui, title: &str, violations: &[ViolationRecord]) {
    if violations.is_empty() {
        return;
    }
    ui.label(RichText::new(title).strong());
    for violation in violations {
        ui.horizontal_wrapped(|ui| {
            ui.colored_label(style::broken_stroke(), format!("! {}", violation.rule));
            ui.weak(section(violation));
            ui.label(&violation.message);
        });
    }
    ui.add_space(4.0);
}

/// Shows the violations tab.
pub fn show(ui: &mut egui::Ui, capture: &Capture, frame: &FrameRow) {
    ScrollArea::vertical()
        .id_salt("violations")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let message = (frame.message != NO_MESSAGE)
                .then(|| capture.messages.get(frame.message as usize))
                .flatten();
            let handshake = capture
                .connections
                .get(frame.conn as usize)
                .and_then(|c| c.handshake.as_deref());
            let nothing = frame.violations.is_empty()
                && message.is_none_or(|m| m.violations.is_empty())
                && handshake.is_none_or(|h| h.violations.is_empty());
            if nothing {
                ui.label("This frame, its message and its handshake break no rule the decoder checks.");
            }
            list(ui, "This frame", &frame.violations);
            if let Some(message) = message {
                list(ui, "Its message", &message.violations);
            }
            if let Some(handshake) = handshake {
                list(ui, "Its connection's handshake", &handshake.violations);
            }
            let total = capture.frames_with_violations;
            ui.separator();
            ui.weak(format!(
                "{total} frame(s) in this capture break a rule; tick “violations only” to list just them."
            ));
            if !capture.errors.is_empty() {
                ui.add_space(4.0);
                ui.label(RichText::new(format!("Decoding problems ({})", capture.errors.len())).strong());
                for error in capture.errors.iter().take(50) {
                    ui.weak(format!(
                        "{} {}: {}",
                        error.layer,
                        error.packet.map_or(String::new(), |p| format!("packet {p}")),
                        error.message
                    ));
                }
            }
        });
}
