//! The inspector's window (egui + eframe): step through a capture frame by frame and see
//! each frame as RFC 6455 draws it.
//!
//! Structure, after the egui demo app: [`app::InspectorApp`] holds the state and its
//! `ui` only lays out panels, one function per panel, each in its own file. A panel never
//! changes the capture or the selection itself: it pushes an [`app::Action`], and the app
//! applies all of them once at the end of the frame. Decoding runs on a worker thread
//! ([`worker`]) so the table fills while a big file is read.
//!
//! # Layout
//! - [`app`]: the app state, the layout of the panels, the actions and how they apply.
//! - [`state`]: what is saved between runs (recent files, filters, view choices).
//! - [`store`]: the decoded capture in compact rows, and the filtered list of frames.
//! - [`worker`]: the decoding thread and the captures built into the binary.
//! - [`menu`]: File and View menus, the open-a-path dialog.
//! - [`toolbar`]: filters and the frames/messages switch.
//! - [`connections`]: the left panel, one card per WebSocket connection.
//! - [`frame_table`]: the virtualised frame table.
//! - [`bit_diagram`]: the §5.2 diagram of the selected frame, painted from [`crate::diagram`].
//! - [`hex_view`]: the frame's bytes, wire and unmasked side by side, linked to the diagram.
//! - [`payload_view`]: the payload as text, pretty JSON or hex; close code and reason.
//! - [`handshake_view`]: the opening handshake with the Accept check.
//! - [`violations`]: the broken rules with their RFC sections.
//! - [`messages`]: messages with their fragments grouped (inflated when compressed).
//! - [`status_bar`]: progress while decoding, counts and timings after.
//! - [`keyboard`]: j/k, arrows, n/p, `/`, Home/End.
//! - [`style`]: colours shared by the panels.

pub mod app;
pub mod bit_diagram;
pub mod connections;
pub mod frame_table;
pub mod handshake_view;
pub mod hex_view;
pub mod keyboard;
pub mod menu;
pub mod messages;
pub mod payload_view;
pub mod state;
pub mod status_bar;
pub mod store;
pub mod style;
pub mod toolbar;
pub mod violations;
pub mod worker;

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use crate::model::Event;
use state::STORAGE_KEY;

pub use app::InspectorApp;
pub use worker::{EXAMPLES, Source};

/// Opens the window on `file`, or on the first built-in capture when there is none.
pub fn run(file: Option<PathBuf>) -> Result<(), String> {
    // A file that cannot be read or is not a capture is reported here, on the terminal,
    // before any window opens.
    if let Some(path) = &file {
        crate::pipeline::CaptureDecoder::open(path, crate::websocket::Options::default())
            .map_err(|error| error.to_string())?;
    }
    let source = file.map_or(Source::Example(&EXAMPLES[0]), Source::File);
    open_window(Box::new(move |cc| InspectorApp::new(cc, source)))
}

/// Opens the window on live traffic: every batch of events sent on `feed` (by
/// `ws-inspector proxy --gui`) adds rows; `name` is the title. Returns when the window
/// is closed.
pub fn run_live(name: String, feed: Receiver<Vec<Event>>) -> Result<(), String> {
    open_window(Box::new(move |cc| {
        let settings = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, STORAGE_KEY))
            .unwrap_or_default();
        let mut app = InspectorApp::with_settings(settings, Some(cc.egui_ctx.clone()));
        app.watch(&cc.egui_ctx, name, feed);
        app
    }))
}

type MakeApp = Box<dyn FnOnce(&eframe::CreationContext<'_>) -> InspectorApp>;

fn open_window(make_app: MakeApp) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("ws-inspector")
            .with_inner_size([1280.0, 800.0])
            .with_min_inner_size([900.0, 560.0])
            .with_drag_and_drop(true),
        ..eframe::NativeOptions::default()
    };
    eframe::run_native(
        "ws-inspector",
        options,
        Box::new(move |cc| Ok(Box::new(make_app(cc)))),
    )
    .map_err(|error| format!("cannot open the window: {error}"))
}
