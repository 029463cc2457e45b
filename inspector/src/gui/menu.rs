//! The menu bar (File, View) and the "open a file" dialog: a path field with the
//! captures of that folder listed below it. (No native file dialog: it needs a desktop
//! portal that minimal systems lack; a path field works everywhere.)

use std::path::{Path, PathBuf};

use egui::{Key, MenuBar, TextEdit};

use super::app::{Action, View};
use super::state::{Settings, TimeFormat, ViewMode};
use super::worker::{EXAMPLES, Source};

/// The menu bar.
pub fn show(ui: &mut egui::Ui, settings: &Settings, actions: &mut Vec<Action>) {
    MenuBar::new().ui(ui, |ui| {
        ui.menu_button("File", |ui| {
            if ui.button("Open…").clicked() {
                actions.push(Action::ShowOpenDialog);
                ui.close();
            }
            ui.menu_button("Built-in captures", |ui| {
                for example in EXAMPLES {
                    if ui
                        .button(example.name)
                        .on_hover_text(example.about)
                        .clicked()
                    {
                        actions.push(Action::Open(Source::Example(example)));
                        ui.close();
                    }
                }
            });
            ui.menu_button("Recent files", |ui| {
                if settings.recent.is_empty() {
                    ui.weak("none yet");
                }
                for path in &settings.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        actions.push(Action::Open(Source::File(path.clone())));
                        ui.close();
                    }
                }
                if !settings.recent.is_empty() {
                    ui.separator();
                    if ui.button("Clear the list").clicked() {
                        actions.push(Action::ClearRecent);
                        ui.close();
                    }
                }
            });
            ui.separator();
            if ui.button("Quit").clicked() {
                actions.push(Action::Quit);
            }
        });
        ui.menu_button("View", |ui| {
            for (format, label) in [
                (TimeFormat::Relative, "Times since the first frame"),
                (TimeFormat::Absolute, "Wall-clock times (UTC)"),
            ] {
                if ui.radio(settings.time_format == format, label).clicked() {
                    actions.push(Action::SetTimeFormat(format));
                    ui.close();
                }
            }
            ui.separator();
            for (mode, label) in [
                (ViewMode::Frames, "Frames (bit diagram)"),
                (ViewMode::Messages, "Messages (fragments grouped)"),
            ] {
                if ui.radio(settings.view_mode == mode, label).clicked() {
                    actions.push(Action::SetView(mode));
                    ui.close();
                }
            }
        });
        ui.menu_button("Help", |ui| {
            ui.label("j / k or ↓ / ↑: next / previous frame");
            ui.label("n / p: next / previous message");
            ui.label("/: search payloads · Esc: leave the search");
            ui.label("Home / End, Page Up / Page Down");
            ui.label("Click a field of the diagram for the RFC's words.");
            ui.label("Drop a .pcap or .pcapng file on the window to open it.");
        });
    });
}

/// The state of the "open a file" dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDialog {
    /// The path typed so far.
    pub path: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

impl OpenDialog {
    /// Starts in the folder of the most recent file, or the current directory.
    pub fn new(settings: &Settings) -> OpenDialog {
        let folder = settings
            .recent
            .first()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let mut path = folder.display().to_string();
        if !path.ends_with('/') {
            path.push('/');
        }
        OpenDialog { path, error: None }
    }
}

/// Capture files in `folder` (by extension), sorted.
fn captures_in(folder: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "pcap" | "pcapng" | "cap"))
        })
        .collect();
    found.sort();
    found
}

/// Shows the dialog when it is open.
pub fn open_dialog(ctx: &egui::Context, view: &mut View, actions: &mut Vec<Action>) {
    let Some(dialog) = &mut view.open_dialog else {
        return;
    };
    let mut keep_open = true;
    let mut chosen: Option<PathBuf> = None;
    egui::Window::new("Open a capture")
        .collapsible(false)
        .resizable(true)
        .default_width(560.0)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .open(&mut keep_open)
        .show(ctx, |ui| {
            ui.label("Path of a .pcap or .pcapng file:");
            let field = ui.add(
                TextEdit::singleline(&mut dialog.path)
                    .desired_width(f32::INFINITY)
                    .id_salt("open_path"),
            );
            if !field.has_focus() && dialog.error.is_none() && ui.memory(|m| m.focused().is_none())
            {
                field.request_focus();
            }
            let typed = PathBuf::from(dialog.path.trim());
            let folder = if typed.is_dir() {
                typed.clone()
            } else {
                typed.parent().map(Path::to_path_buf).unwrap_or_default()
            };
            let found = captures_in(&folder);
            if !found.is_empty() {
                ui.label(format!("Captures in {}:", folder.display()));
                egui::ScrollArea::vertical()
                    .max_height(220.0)
                    .show(ui, |ui| {
                        for path in found {
                            let name = path
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                                .unwrap_or_default();
                            if ui.selectable_label(false, name).clicked() {
                                chosen = Some(path);
                            }
                        }
                    });
            }
            if let Some(error) = &dialog.error {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            ui.horizontal(|ui| {
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                if ui.button("Open").clicked() || enter {
                    if typed.is_file() {
                        chosen = Some(typed.clone());
                    } else {
                        dialog.error = Some(format!("{} is not a file", typed.display()));
                    }
                }
            });
        });
    if let Some(path) = chosen {
        actions.push(Action::Open(Source::File(path)));
        view.open_dialog = None;
    } else if !keep_open || ctx.input(|i| i.key_pressed(Key::Escape)) {
        view.open_dialog = None;
    }
}
