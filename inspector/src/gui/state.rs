//! State that outlives the window: recent files, filters, view choices. Saved by eframe
//! (as RON, in the platform's data directory) and restored at the next start.
//!
//! Kept apart from the decoded data ([`super::store::Capture`]) and from what only
//! matters while the window is open ([`super::app::View`]).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::store::Filters;

/// How many recent files the File menu lists.
pub const MAX_RECENT: usize = 10;

/// The key under which eframe stores [`Settings`].
pub const STORAGE_KEY: &str = "ws-inspector";

/// How the table writes times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TimeFormat {
    /// Seconds since the first frame or handshake.
    #[default]
    Relative,
    /// Wall-clock time of day (UTC).
    Absolute,
}

/// Frames one by one, or messages with their fragments grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ViewMode {
    /// The frame table and the bit diagram.
    #[default]
    Frames,
    /// Whole messages, like a browser's WebSocket panel.
    Messages,
}

/// How the payload panel shows bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PayloadMode {
    /// UTF-8 text (lossy), or pretty JSON when it parses.
    #[default]
    Auto,
    /// Text as is.
    Text,
    /// Pretty-printed JSON.
    Json,
    /// A hex dump.
    Hex,
}

/// What is saved between runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recently opened files, newest first.
    pub recent: Vec<PathBuf>,
    /// The table's filters.
    pub filters: Filters,
    /// Relative or absolute times.
    pub time_format: TimeFormat,
    /// Frames or messages.
    pub view_mode: ViewMode,
    /// Payload display.
    pub payload_mode: PayloadMode,
}

impl Settings {
    /// Puts `path` first in the recent list (once), keeping at most [`MAX_RECENT`].
    pub fn remember(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.recent.retain(|p| *p != path);
        self.recent.insert(0, path);
        self.recent.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_files_are_unique_newest_first_and_bounded() {
        let mut settings = Settings::default();
        for i in 0..12 {
            settings.remember(Path::new(&format!("/nonexistent/{i}.pcap")));
        }
        settings.remember(Path::new("/nonexistent/5.pcap"));
        assert_eq!(settings.recent.len(), MAX_RECENT);
        assert_eq!(settings.recent[0], Path::new("/nonexistent/5.pcap"));
        assert_eq!(settings.recent[1], Path::new("/nonexistent/11.pcap"));
        assert_eq!(
            settings
                .recent
                .iter()
                .filter(|p| p.ends_with("5.pcap"))
                .count(),
            1
        );
    }

    #[test]
    fn settings_round_trip_through_json() {
        let mut settings = Settings::default();
        settings.remember(Path::new("/nonexistent/a.pcapng"));
        settings.filters.search = "hello".to_string();
        settings.filters.opcodes.ping_pong = false;
        settings.time_format = TimeFormat::Absolute;
        let text = serde_json::to_string(&settings).unwrap();
        let back: Settings = serde_json::from_str(&text).unwrap();
        assert_eq!(back, settings);
        // Older or partial settings still load.
        let partial: Settings = serde_json::from_str(r#"{"recent":["/x.pcap"]}"#).unwrap();
        assert_eq!(partial.recent, [PathBuf::from("/x.pcap")]);
        assert_eq!(partial.filters, Filters::default());
    }
}
