//! The app: its state, the layout of its panels, and the actions panels ask for.

use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use egui::{CentralPanel, Panel, UiBuilder};

use crate::diagram::{self, Diagram, FieldKind};
use crate::model::{Event, Side};

use super::state::{STORAGE_KEY, Settings, TimeFormat, ViewMode};
use super::store::{Capture, FrameRow};
use super::worker::{Loader, Source};
use super::{
    bit_diagram, connections, frame_table, handshake_view, hex_view, keyboard, menu, messages,
    payload_view, status_bar, toolbar, violations,
};

/// What a panel asks the app to do; applied once, at the end of the frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Open a capture (file or built-in).
    Open(Source),
    /// Select the frame at this position in [`Capture::frames`].
    SelectFrame(usize),
    /// Select the message at this position in [`Capture::messages`].
    SelectMessage(usize),
    /// Move the selection this many visible rows (j/k, arrows, Page Up/Down).
    Step(i64),
    /// Move to the next (+1) or previous (-1) message's first frame (n/p).
    StepMessage(i64),
    /// First visible row (Home).
    First,
    /// Last visible row (End).
    Last,
    /// Put the cursor in the search field (`/`).
    FocusSearch,
    /// Show only this connection's frames (or all).
    ShowConnection(Option<u32>),
    /// Explain this diagram field (or none).
    ExplainField(Option<FieldKind>),
    /// Switch between the frame and the message views.
    SetView(ViewMode),
    /// Relative or wall-clock times in the tables.
    SetTimeFormat(TimeFormat),
    /// Forget the recent files.
    ClearRecent,
    /// Open the "open a file" dialog.
    ShowOpenDialog,
    /// Close the window.
    Quit,
}

/// What the pointer is over in the diagram or the hex view; the other one lights up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hover {
    /// Nothing.
    #[default]
    None,
    /// A diagram field (by index in [`Diagram::fields`]).
    Field(usize),
    /// A byte of the frame (offset from the frame's first byte).
    Byte(usize),
}

impl Hover {
    /// Does this hover light up field `index` of `diagram`?
    pub fn lights_field(self, diagram: &Diagram, index: usize) -> bool {
        match self {
            Hover::None => false,
            Hover::Field(field) => field == index,
            Hover::Byte(byte) => diagram
                .fields
                .get(index)
                .is_some_and(|field| field.bytes.contains(&byte)),
        }
    }

    /// Does this hover light up byte `offset` of the frame?
    pub fn lights_byte(self, diagram: &Diagram, offset: usize) -> bool {
        match self {
            Hover::None => false,
            Hover::Field(field) => diagram
                .fields
                .get(field)
                .is_some_and(|field| field.bytes.contains(&offset)),
            Hover::Byte(byte) => diagram
                .fields
                .iter()
                .any(|field| field.bytes.contains(&byte) && field.bytes.contains(&offset)),
        }
    }
}

/// What matters only while the window is open.
#[derive(Debug, Default)]
pub struct View {
    /// The selected frame (position in [`Capture::frames`]).
    pub selected: Option<usize>,
    /// The selected message (position in [`Capture::messages`]).
    pub selected_message: Option<usize>,
    /// The diagram field being explained.
    pub explained: Option<FieldKind>,
    /// Hover from the previous frame (what the panels paint with).
    pub hover: Hover,
    /// Hover found during this frame (becomes `hover` at the end of the frame).
    pub next_hover: Hover,
    /// The table should scroll the selected row into view.
    pub scroll_to_selected: bool,
    /// The search field should take the keyboard focus.
    pub focus_search: bool,
    /// The "open a file" dialog, when shown.
    pub open_dialog: Option<menu::OpenDialog>,
    /// The payload panel's rendered text, cached per frame and mode.
    pub payload_cache: payload_view::Cache,
    /// Which tab the lower right panel shows.
    pub detail_tab: DetailTab,
    /// Last error to show in the status bar.
    pub notice: Option<String>,
    /// Duration of the last few UI frames (for the status bar and the benchmark).
    pub frame_times: FrameTimes,
}

/// The lower right panel's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetailTab {
    /// The payload.
    #[default]
    Payload,
    /// The opening handshake.
    Handshake,
    /// Broken rules.
    Violations,
}

/// A rolling record of how long `ui` took.
#[derive(Debug, Default, Clone)]
pub struct FrameTimes {
    /// Recent durations, oldest first (at most 240).
    pub recent: std::collections::VecDeque<Duration>,
}

impl FrameTimes {
    fn record(&mut self, took: Duration) {
        if self.recent.len() == 240 {
            self.recent.pop_front();
        }
        self.recent.push_back(took);
    }

    /// The longest recent frame.
    pub fn max(&self) -> Duration {
        self.recent.iter().max().copied().unwrap_or_default()
    }
}

/// The inspector window.
#[derive(Debug)]
pub struct InspectorApp {
    /// Saved between runs.
    pub settings: Settings,
    /// The decoded capture.
    pub capture: Capture,
    /// Selection, hover, dialogs.
    pub view: View,
    /// The decode in progress (or finished).
    pub loader: Option<Loader>,
    /// The diagram of the selected frame, with its position (rebuilt when the
    /// selection changes).
    pub diagram: Option<(usize, Diagram)>,
    /// Asks eframe for a repaint from the worker thread (none in tests).
    repaint: Option<egui::Context>,
    /// Title to set on the window when it changes.
    title: Option<String>,
}

/// Time the UI thread spends per frame moving decoded items into the store.
const RECEIVE_BUDGET: Duration = Duration::from_millis(5);
/// Time the UI thread spends per frame filtering frames (after a filter changed).
const FILTER_BUDGET: Duration = Duration::from_millis(4);

impl InspectorApp {
    /// The app as eframe creates it: settings restored, `source` opening.
    pub fn new(cc: &eframe::CreationContext<'_>, source: Source) -> Self {
        let settings = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, STORAGE_KEY))
            .unwrap_or_default();
        let mut app = InspectorApp::with_settings(settings, Some(cc.egui_ctx.clone()));
        app.apply(&cc.egui_ctx, vec![Action::Open(source)]);
        app
    }

    /// An app with these settings and nothing open (tests build it this way).
    pub fn with_settings(settings: Settings, repaint: Option<egui::Context>) -> Self {
        InspectorApp {
            settings,
            capture: Capture::default(),
            view: View::default(),
            loader: None,
            diagram: None,
            repaint,
            title: None,
        }
    }

    /// Opens `source` now (tests call this, then wait with [`InspectorApp::wait_loaded`]).
    pub fn open(&mut self, ctx: &egui::Context, source: Source) {
        self.apply(ctx, vec![Action::Open(source)]);
    }

    /// Blocks until the worker has decoded everything and the store holds it (tests
    /// and benchmarks; the window never blocks).
    pub fn wait_loaded(&mut self, timeout: Duration) -> bool {
        let start = Instant::now();
        while start.elapsed() < timeout {
            self.receive(Duration::from_millis(50));
            if self.loader.as_ref().is_none_or(Loader::is_done) {
                self.capture.set_filters(&self.settings.filters);
                while !self.capture.refilter(usize::MAX) {}
                return true;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        false
    }

    fn receive(&mut self, budget: Duration) {
        if let Some(loader) = &mut self.loader {
            let capture = &mut self.capture;
            loader.receive(budget, |items| capture.extend(items));
        }
    }

    /// The selected frame.
    pub fn selected_frame(&self) -> Option<&FrameRow> {
        self.view.selected.and_then(|i| self.capture.frames.get(i))
    }

    /// Lays out the whole window: one call per panel.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        let started = Instant::now();
        let ctx = ui.ctx().clone();
        let mut actions = Vec::new();

        self.receive(RECEIVE_BUDGET);
        self.capture.set_filters(&self.settings.filters);
        if !self.capture.refilter_for(FILTER_BUDGET)
            || self.loader.as_ref().is_some_and(|l| !l.is_done())
        {
            ctx.request_repaint_after(Duration::from_millis(30));
        }
        self.select_first_frame_when_rows_arrive();
        self.refresh_diagram();
        keyboard::read(&ctx, &self.settings, &mut actions);
        dropped_files(&ctx, &mut actions);

        Panel::top("menu").show(ui, |ui| {
            menu::show(ui, &self.settings, &mut actions);
        });
        Panel::top("toolbar").show(ui, |ui| {
            toolbar::show(
                ui,
                &mut self.settings,
                &self.capture,
                &mut self.view,
                &mut actions,
            );
        });
        Panel::bottom("status").show(ui, |ui| {
            status_bar::show(ui, self.loader.as_ref(), &self.capture, &self.view);
        });
        Panel::left("connections")
            .default_size(214.0)
            .size_range(170.0..=420.0)
            .show(ui, |ui| {
                connections::show(ui, &self.capture, &self.settings, &mut actions);
            });
        match self.settings.view_mode {
            ViewMode::Frames => {
                Panel::bottom("detail")
                    .resizable(true)
                    .default_size(440.0)
                    .size_range(200.0..=900.0)
                    .show(ui, |ui| self.frame_detail(ui, &mut actions));
                CentralPanel::default().show(ui, |ui| {
                    frame_table::show(
                        ui,
                        &self.capture,
                        &self.settings,
                        &mut self.view,
                        &mut actions,
                    );
                });
            }
            ViewMode::Messages => {
                Panel::bottom("message_detail")
                    .resizable(true)
                    .default_size(360.0)
                    .size_range(160.0..=900.0)
                    .show(ui, |ui| {
                        messages::detail(
                            ui,
                            &self.capture,
                            &mut self.settings,
                            &mut self.view,
                            &mut actions,
                        );
                    });
                CentralPanel::default().show(ui, |ui| {
                    messages::table(
                        ui,
                        &self.capture,
                        &self.settings,
                        &mut self.view,
                        &mut actions,
                    );
                });
            }
        }
        menu::open_dialog(&ctx, &mut self.view, &mut actions);
        if !ctx.input(|i| i.raw.hovered_files.is_empty()) {
            drop_overlay(&ctx);
        }

        self.apply(&ctx, actions);
        if self.view.next_hover != self.view.hover {
            ctx.request_repaint();
        }
        self.view.hover = std::mem::take(&mut self.view.next_hover);
        if let Some(title) = self.title.take() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title));
        }
        self.view.frame_times.record(started.elapsed());
    }

    /// The lower half in frame view: diagram on the left; hex and tabs on the right.
    fn frame_detail(&mut self, ui: &mut egui::Ui, actions: &mut Vec<Action>) {
        let InspectorApp {
            settings,
            capture,
            view,
            diagram,
            ..
        } = self;
        let (Some((_, diagram)), Some(frame)) = (
            diagram.as_ref(),
            view.selected.and_then(|i| capture.frames.get(i)),
        ) else {
            ui.centered_and_justified(|ui| {
                ui.weak("Select a frame to see its bits, bytes and payload.");
            });
            return;
        };
        let area = ui.available_rect_before_wrap();
        let left_width = (area.width() * 0.5).clamp(400.0, 720.0);
        let left = egui::Rect::from_min_size(area.min, egui::vec2(left_width - 6.0, area.height()));
        let right = egui::Rect::from_min_max(
            egui::pos2(area.min.x + left_width + 6.0, area.min.y),
            area.max,
        );
        ui.painter().vline(
            area.min.x + left_width,
            area.y_range(),
            ui.visuals().widgets.noninteractive.bg_stroke,
        );
        ui.scope_builder(UiBuilder::new().max_rect(left), |ui| {
            ui.set_clip_rect(left.intersect(ui.clip_rect()));
            bit_diagram::show(
                ui,
                frame,
                diagram,
                view.hover,
                &mut view.next_hover,
                view.explained,
                actions,
            );
        });
        ui.scope_builder(UiBuilder::new().max_rect(right), |ui| {
            ui.set_clip_rect(right.intersect(ui.clip_rect()));
            let hex_height = (right.height() * 0.48).max(120.0);
            ui.allocate_ui(egui::vec2(right.width(), hex_height), |ui| {
                hex_view::show(ui, frame, diagram, view.hover, &mut view.next_hover);
            });
            ui.separator();
            ui.horizontal(|ui| {
                ui.selectable_value(&mut view.detail_tab, DetailTab::Payload, "Payload");
                ui.selectable_value(&mut view.detail_tab, DetailTab::Handshake, "Handshake");
                let count = frame.violations.len();
                let label = if count == 0 {
                    "Violations".to_string()
                } else {
                    format!("Violations ({count})")
                };
                ui.selectable_value(&mut view.detail_tab, DetailTab::Violations, label);
            });
            let position = view.selected.unwrap_or(0);
            match view.detail_tab {
                DetailTab::Payload => payload_view::show_frame(
                    ui,
                    position,
                    frame,
                    &mut settings.payload_mode,
                    &mut view.payload_cache,
                ),
                DetailTab::Handshake => {
                    let connection = capture.connections.get(frame.conn as usize);
                    handshake_view::show(ui, connection);
                }
                DetailTab::Violations => violations::show(ui, capture, frame),
            }
        });
    }

    /// While a capture is arriving and nothing is selected, select its first row so
    /// the diagram shows something at once.
    fn select_first_frame_when_rows_arrive(&mut self) {
        if self.view.selected.is_none()
            && let Some(&first) = self.capture.visible.first()
        {
            self.view.selected = Some(first as usize);
        }
    }

    fn refresh_diagram(&mut self) {
        let Some(position) = self.view.selected else {
            self.diagram = None;
            return;
        };
        if self.diagram.as_ref().is_some_and(|(at, _)| *at == position) {
            return;
        }
        self.diagram = self
            .capture
            .frames
            .get(position)
            .and_then(|frame| frame_diagram(frame).map(|d| (position, d)));
    }

    /// Applies the actions the panels asked for.
    pub fn apply(&mut self, ctx: &egui::Context, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Open(source) => self.start(ctx, source),
                Action::SelectFrame(position) => {
                    if position < self.capture.frames.len() {
                        self.view.selected = Some(position);
                        self.view.scroll_to_selected = true;
                    }
                }
                Action::SelectMessage(position) => {
                    if position < self.capture.messages.len() {
                        self.view.selected_message = Some(position);
                        self.view.scroll_to_selected = true;
                    }
                }
                Action::Step(delta) => self.step(delta),
                Action::StepMessage(delta) => self.step_message(delta),
                Action::First => self.step(i64::MIN / 2),
                Action::Last => self.step(i64::MAX / 2),
                Action::FocusSearch => self.view.focus_search = true,
                Action::ShowConnection(conn) => self.settings.filters.conn = conn,
                Action::ExplainField(field) => self.view.explained = field,
                Action::SetView(mode) => {
                    self.settings.view_mode = mode;
                    self.view.scroll_to_selected = true;
                }
                Action::SetTimeFormat(format) => self.settings.time_format = format,
                Action::ClearRecent => self.settings.recent.clear(),
                Action::ShowOpenDialog => {
                    self.view.open_dialog = Some(menu::OpenDialog::new(&self.settings));
                }
                Action::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            }
        }
        self.refresh_diagram();
    }

    fn start(&mut self, ctx: &egui::Context, source: Source) {
        let wake_ctx = self.reset_for(ctx, &source);
        self.loader = Some(Loader::start(source, move || wake_ctx.request_repaint()));
    }

    /// Shows live traffic decoded elsewhere (`ws-inspector proxy --gui`): each batch of
    /// events on `feed` adds rows as it arrives; `name` says what is watched.
    pub fn watch(&mut self, ctx: &egui::Context, name: String, feed: Receiver<Vec<Event>>) {
        let source = Source::Live(name);
        let wake_ctx = self.reset_for(ctx, &source);
        self.loader = Some(Loader::live(source, feed, move || {
            wake_ctx.request_repaint();
        }));
    }

    /// Forgets the current capture before `source` loads; returns the context to wake.
    fn reset_for(&mut self, ctx: &egui::Context, source: &Source) -> egui::Context {
        if let Source::File(path) = source {
            self.settings.remember(path);
        }
        self.title = Some(format!("ws-inspector — {}", source.name()));
        self.capture = Capture::default();
        self.view.selected = None;
        self.view.selected_message = None;
        self.diagram = None;
        self.view.notice = None;
        self.view.payload_cache = payload_view::Cache::default();
        self.settings.filters.conn = None;
        self.repaint.clone().unwrap_or_else(|| ctx.clone())
    }

    /// Moves the selection `delta` rows in the current view (frames or messages).
    fn step(&mut self, delta: i64) {
        match self.settings.view_mode {
            ViewMode::Frames => {
                let visible = &self.capture.visible;
                let current = self.view.selected.and_then(|p| self.capture.visible_row(p));
                if let Some(row) = stepped(current, visible.len(), delta) {
                    self.view.selected = Some(visible[row] as usize);
                }
            }
            ViewMode::Messages => {
                let rows = &self.capture.visible_messages;
                let current = self
                    .view
                    .selected_message
                    .and_then(|m| self.capture.visible_message_row(m));
                if let Some(row) = stepped(current, rows.len(), delta) {
                    self.view.selected_message = Some(rows[row] as usize);
                }
            }
        }
        self.view.scroll_to_selected = true;
    }

    /// n/p: the next or previous visible frame that starts a message (text or binary).
    fn step_message(&mut self, delta: i64) {
        if self.settings.view_mode == ViewMode::Messages {
            self.step(delta.signum());
            return;
        }
        let visible = &self.capture.visible;
        let current = self.view.selected.and_then(|p| self.capture.visible_row(p));
        let starts = |row: &usize| self.capture.frames[visible[*row] as usize].starts_message();
        let found = if delta > 0 {
            let from = current.map_or(0, |row| row + 1);
            (from..visible.len()).find(starts)
        } else {
            let to = current.unwrap_or(visible.len());
            (0..to).rev().find(starts)
        };
        if let Some(row) = found {
            self.view.selected = Some(visible[row] as usize);
            self.view.scroll_to_selected = true;
        }
    }
}

/// The row `delta` rows from `current` in a list of `len` rows, kept inside the list;
/// with nothing selected, forward starts at the first row and backward at the last.
fn stepped(current: Option<usize>, len: usize, delta: i64) -> Option<usize> {
    let last = len.checked_sub(1)?;
    let delta = isize::try_from(delta).unwrap_or(if delta < 0 { isize::MIN } else { isize::MAX });
    Some(match current {
        Some(row) => row.saturating_add_signed(delta).min(last),
        None if delta >= 0 => 0,
        None => last,
    })
}

/// Builds the diagram of a stored frame.
pub fn frame_diagram(frame: &FrameRow) -> Option<Diagram> {
    let rules: Vec<&str> = frame.violations.iter().map(|v| v.rule.as_str()).collect();
    diagram::layout(
        frame.header(),
        &frame.payload,
        diagram::Context {
            compressed: frame.compressed,
            payload_inflated: frame.compressed,
            wire_payload: frame.compressed.then_some(&frame.wire_payload[..]),
            from_client: Some(frame.from == Side::Client),
            rules: &rules,
        },
    )
}

fn dropped_files(ctx: &egui::Context, actions: &mut Vec<Action>) {
    let dropped = ctx.input(|i| i.raw.dropped_files.clone());
    if let Some(path) = dropped.first().map(|file| file.path().to_path_buf()) {
        actions.push(Action::Open(Source::File(path)));
    }
}

fn drop_overlay(ctx: &egui::Context) {
    let screen = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("drop"),
    ));
    painter.rect_filled(screen, 0.0, egui::Color32::from_black_alpha(170));
    painter.text(
        screen.center(),
        egui::Align2::CENTER_CENTER,
        "Drop a .pcap or .pcapng file to open it",
        egui::FontId::proportional(24.0),
        egui::Color32::WHITE,
    );
}

impl eframe::App for InspectorApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        InspectorApp::ui(self, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, STORAGE_KEY, &self.settings);
    }
}
