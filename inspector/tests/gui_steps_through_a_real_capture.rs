//! The window, driven like a user drives it (egui_kittest: no display needed): open a
//! built-in real capture, click a frame row, read the bit diagram, filter, step with
//! the keyboard.

use std::time::Duration;

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use ws_inspector::diagram::FieldKind;
use ws_inspector::gui::state::{Settings, ViewMode};
use ws_inspector::gui::{EXAMPLES, InspectorApp, Source};

/// A 1280×800 window with `capture` (one of the built-in ones) fully decoded.
fn window_on(capture: &str) -> Harness<'static, InspectorApp> {
    let app = InspectorApp::with_settings(Settings::default(), None);
    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut InspectorApp| app.ui(ui), app);
    let example = EXAMPLES
        .iter()
        .find(|e| e.name == capture)
        .unwrap_or_else(|| panic!("{capture} is not built in"));
    let ctx = harness.ctx.clone();
    harness.state_mut().open(&ctx, Source::Example(example));
    assert!(
        harness.state_mut().wait_loaded(Duration::from_secs(30)),
        "decoding {capture} took more than 30 s"
    );
    harness.run_steps(3);
    harness
}

/// The accessible label of the diagram's field `name`, e.g. `opcode = 0x1: text frame`.
fn field_label(harness: &Harness<'_, InspectorApp>, name: &str) -> String {
    let prefix = format!("{name} = ");
    harness
        .query_all_by(|node| node.label().is_some_and(|l| l.starts_with(&prefix)))
        .next()
        .and_then(|node| node.accesskit_node().label())
        .unwrap_or_else(|| panic!("the diagram shows no {name} field"))
}

#[test]
fn clicking_a_row_shows_that_frames_opcode_and_length_in_the_diagram() {
    // python-basic.pcap, frame 12: the server's 300-byte text, 16-bit extended length.
    let mut harness = window_on("python-basic.pcap");
    assert_eq!(harness.state().capture.frames.len(), 15);
    // The first frame is selected as soon as rows arrive.
    assert_eq!(field_label(&harness, "opcode"), "opcode = 0x1: text frame");

    // Frame 12 is below the fold: scroll the table first (only visible rows exist).
    harness.get_by_label("frame 5 PONG 14 bytes").scroll_down();
    harness.run_steps(3);
    harness.get_by_label("frame 12 TEXT 300 bytes").click();
    harness.run_steps(3);
    let app = harness.state();
    assert_eq!(app.selected_frame().map(|f| f.index), Some(12));
    assert_eq!(field_label(&harness, "opcode"), "opcode = 0x1: text frame");
    assert_eq!(
        field_label(&harness, "Payload len"),
        "Payload len = 126: 16-bit length follows"
    );
    assert_eq!(
        field_label(&harness, "Extended payload length"),
        "Extended payload length = 300: 300 bytes"
    );
    assert_eq!(field_label(&harness, "MASK"), "MASK = 0: not masked");

    // The client's close (frame 13): opcode 0x8, masked, 20 bytes, 1001 in the payload.
    harness.get_by_label("frame 13 CLOSE 20 bytes").click();
    harness.run_steps(3);
    assert_eq!(
        field_label(&harness, "opcode"),
        "opcode = 0x8: connection close"
    );
    assert_eq!(
        field_label(&harness, "Payload len"),
        "Payload len = 20: 20 bytes"
    );
    assert_eq!(
        field_label(&harness, "MASK"),
        "MASK = 1: masked, key follows"
    );
    let payload = field_label(&harness, "Payload data");
    assert!(
        payload.contains("1001") && payload.contains("going away"),
        "{payload}"
    );
}

#[test]
fn clicking_a_field_explains_it_with_the_rfc_sentence() {
    let mut harness = window_on("python-basic.pcap");
    harness.get_by_label("opcode = 0x1: text frame").click();
    harness.run_steps(3);
    assert_eq!(harness.state().view.explained, Some(FieldKind::Opcode));
    harness.get_by_label_contains("Defines the interpretation of the \"Payload data\"");
}

#[test]
fn typing_a_filter_narrows_the_rows() {
    let mut harness = window_on("python-basic.pcap");
    assert_eq!(harness.state().capture.visible.len(), 15);
    harness.get_by_label("Search payloads").click();
    harness.run_steps(2);
    harness.get_by_label("Search payloads").type_text("PING");
    harness.run_steps(3);
    // "ping me" (text, both ways) and "server ping" (the server's ping and the client's
    // pong): four frames; the search ignores case.
    let app = harness.state();
    let indexes: Vec<u64> = app
        .capture
        .visible
        .iter()
        .map(|&p| app.capture.frames[p as usize].index)
        .collect();
    assert_eq!(indexes, [6, 7, 8, 9]);
    // Only the visible rows are in the table.
    let rows = harness
        .query_all_by(|node| {
            node.label()
                .is_some_and(|l| l.starts_with("frame ") && l.ends_with(" bytes"))
        })
        .count();
    assert_eq!(rows, 4);
    harness.get_by_label_contains("4 of 15 frames");
}

#[test]
fn keyboard_steps_frames_and_messages() {
    let mut harness = window_on("node-fragmented.pcapng");
    let selected = |h: &Harness<'_, InspectorApp>| h.state().selected_frame().map(|f| f.index);
    assert_eq!(selected(&harness), Some(0));
    harness.key_press(Key::J);
    harness.run_steps(2);
    assert_eq!(selected(&harness), Some(1));
    harness.key_press(Key::ArrowDown);
    harness.run_steps(2);
    assert_eq!(selected(&harness), Some(2));
    harness.key_press(Key::K);
    harness.run_steps(2);
    assert_eq!(selected(&harness), Some(1));
    harness.key_press(Key::End);
    harness.run_steps(2);
    let last = harness.state().capture.frames.len() as u64 - 1;
    assert_eq!(selected(&harness), Some(last));
    harness.key_press(Key::Home);
    harness.run_steps(2);
    assert_eq!(selected(&harness), Some(0));
    // n: the next frame that starts a message. Frame 2 starts the fragmented text
    // "Hello, " (FIN=0); the ping, pong and continuations after it are skipped.
    harness.key_press(Key::N);
    harness.run_steps(2);
    assert_eq!(selected(&harness), Some(1));
    harness.key_press(Key::N);
    harness.run_steps(2);
    let frame = harness.state().selected_frame().cloned();
    assert_eq!(
        frame.as_ref().map(|f| (f.opcode, f.fin)),
        Some((1, false)),
        "{frame:?}"
    );
    harness.key_press(Key::N);
    harness.run_steps(2);
    let frame = harness.state().selected_frame().cloned();
    assert_eq!(
        frame.as_ref().map(|f| (f.opcode, f.fin)),
        Some((2, false)),
        "the fragmented binary message: {frame:?}"
    );
    harness.key_press(Key::P);
    harness.run_steps(2);
    assert_eq!(
        harness.state().selected_frame().map(|f| (f.opcode, f.fin)),
        Some((1, false))
    );
    // '/' puts the cursor in the search field; j then types a j instead of stepping.
    harness.key_press(Key::Slash);
    harness.run_steps(2);
    assert!(harness.get_by_label("Search payloads").is_focused());
    let before = selected(&harness);
    harness.key_press(Key::J);
    harness.run_steps(2);
    assert_eq!(selected(&harness), before);
}

#[test]
fn message_view_groups_fragments() {
    let mut harness = window_on("node-fragmented.pcapng");
    harness.get_by_label("Messages").click();
    harness.run_steps(3);
    assert_eq!(harness.state().settings.view_mode, ViewMode::Messages);
    // The fragmented text: 3 frames, "Hello, fragmented world!".
    harness.get_by_label("message 2 3 frames 24 bytes").click();
    harness.run_steps(3);
    let app = harness.state();
    let message = &app.capture.messages[2];
    assert_eq!(&*message.payload, b"Hello, fragmented world!");
    let fragments: Vec<(u8, bool)> = message
        .frames
        .iter()
        .map(|&p| {
            (
                app.capture.frames[p as usize].opcode,
                app.capture.frames[p as usize].fin,
            )
        })
        .collect();
    assert_eq!(fragments, [(1, false), (0, false), (0, true)]);
}

#[test]
fn every_built_in_capture_opens_and_every_panel_draws() {
    // Drawing checks every glyph against the fonts (a missing one fails the test) and
    // every widget for an accessible name.
    for example in EXAMPLES {
        let mut harness = window_on(example.name);
        let frames = harness.state().capture.frames.len();
        assert!(frames > 0, "{}: no frames", example.name);
        for tab in ["Handshake", "Violations", "Payload"] {
            let prefix = format!("{tab} (");
            harness
                .get_by(|node| {
                    node.label()
                        .is_some_and(|l| l == tab || l.starts_with(&prefix))
                })
                .click();
            harness.run_steps(2);
            for _ in 0..frames.min(8) {
                harness.key_press(Key::J);
                harness.run_steps(1);
            }
            harness.key_press(Key::Home);
            harness.run_steps(1);
        }
        harness.get_by_label("Messages").click();
        harness.run_steps(2);
        for _ in 0..harness.state().capture.messages.len().min(8) {
            harness.key_press(Key::J);
            harness.run_steps(1);
        }
        assert!(
            harness.state().view.selected_message.is_some(),
            "{}",
            example.name
        );
    }
}
