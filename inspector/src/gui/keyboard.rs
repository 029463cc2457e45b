//! Keyboard stepping: j/k or ↓/↑ step rows, n/p step messages, `/` focuses the search,
//! Home/End jump to the ends, Page Up/Down move a page. Only when no text field has the
//! keyboard (typing `j` in the search box types a `j`).

use egui::{Key, Modifiers};

use super::app::Action;
use super::state::Settings;

/// Rows Page Up / Page Down move.
const PAGE: i64 = 20;

/// Turns this frame's key presses into actions.
pub fn read(ctx: &egui::Context, _settings: &Settings, actions: &mut Vec<Action>) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    ctx.input_mut(|input| {
        let bindings: [(Key, Action); 11] = [
            (Key::J, Action::Step(1)),
            (Key::ArrowDown, Action::Step(1)),
            (Key::K, Action::Step(-1)),
            (Key::ArrowUp, Action::Step(-1)),
            (Key::N, Action::StepMessage(1)),
            (Key::P, Action::StepMessage(-1)),
            (Key::Home, Action::First),
            (Key::End, Action::Last),
            (Key::PageDown, Action::Step(PAGE)),
            (Key::PageUp, Action::Step(-PAGE)),
            (Key::Slash, Action::FocusSearch),
        ];
        for (key, action) in bindings {
            // consume_key so that arrows do not also move egui's focus between widgets.
            while input.consume_key(Modifiers::NONE, key) {
                actions.push(action.clone());
            }
        }
    });
}
