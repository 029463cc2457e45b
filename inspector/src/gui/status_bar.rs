//! The status line: a progress bar while the worker decodes, then counts and timings.

use egui::ProgressBar;

use super::app::View;
use super::store::Capture;
use super::worker::Loader;

/// Shows the status line.
pub fn show(ui: &mut egui::Ui, loader: Option<&Loader>, capture: &Capture, view: &View) {
    ui.horizontal(|ui| {
        let counts = format!(
            "{} of {} frames · {} messages · {} connection(s)",
            capture.visible.len(),
            capture.frames.len(),
            capture.messages.len(),
            capture
                .connections
                .iter()
                .filter(|c| c.handshake.is_some() || c.frames != [0, 0])
                .count(),
        );
        match loader {
            Some(loader) if loader.is_live() && !loader.is_done() => {
                ui.colored_label(ui.visuals().warn_fg_color, "LIVE");
                ui.label(format!("{} · {counts}", loader.source.name()));
            }
            Some(loader) if !loader.is_done() => {
                ui.add(
                    ProgressBar::new(loader.fraction())
                        .desired_width(220.0)
                        .show_percentage(),
                );
                ui.label(format!("decoding {} · {counts}", loader.source.name()));
            }
            Some(loader) => {
                ui.label(counts);
                if let Some(finished) = loader.finished {
                    ui.weak(format!(
                        "· {} decoded in {:.0} ms",
                        loader.source.name(),
                        finished.as_secs_f64() * 1e3
                    ));
                }
                if let Some(error) = &loader.error {
                    ui.colored_label(ui.visuals().error_fg_color, error);
                }
            }
            None => {
                ui.label(counts);
            }
        }
        if !capture.errors.is_empty() {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("· {} decoding problem(s)", capture.errors.len()),
            );
        }
        if let Some(notice) = &view.notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.weak("j/k frame · n/p message · / search");
        });
    });
}
