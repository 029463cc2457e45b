//! `ws-inspector diagram FILE --frame N --svg OUT`: one frame's bit diagram as SVG.
//!
//! The book's figures are made with this, from the captures in `captures/`; the GUI
//! paints the same [`super::Diagram`].

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use crate::model::{Event, FrameEvent, Side};
use crate::pipeline::CaptureDecoder;
use crate::websocket::Options;

use super::{Context, Diagram, layout, svg};

/// Payload bytes kept: the diagram draws at most two rows of payload and a short
/// preview, so a few hundred bytes are plenty.
const MAX_PAYLOAD: usize = 512;

/// The diagram of a decoded frame.
pub fn of_frame(frame: &FrameEvent) -> Option<Diagram> {
    let rules: Vec<&str> = frame.violations.iter().map(|v| v.rule.as_str()).collect();
    layout(
        &frame.header,
        &frame.payload,
        Context {
            compressed: frame.compressed,
            payload_inflated: frame.compressed,
            wire_payload: (frame.compressed && !frame.wire_payload.is_empty())
                .then_some(&frame.wire_payload[..]),
            from_client: Some(frame.from == Side::Client),
            rules: &rules,
        },
    )
}

/// The title above a frame's diagram.
pub fn title(frame: &FrameEvent, file: &Path) -> String {
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let direction = match frame.from {
        Side::Client => "client → server",
        Side::Server => "server → client",
    };
    format!(
        "{name} · frame {} · packet {} · {direction} · {} · {} byte{}",
        frame.index,
        frame.packet,
        crate::gui::store::opcode_name(frame.opcode),
        frame.payload_len,
        if frame.payload_len == 1 { "" } else { "s" }
    )
}

/// Finds frame `index` of `file` and renders its diagram.
pub fn render_frame(file: &Path, index: u64) -> Result<String, String> {
    let options = Options {
        max_payload: MAX_PAYLOAD,
        keep_wire_payload: true,
        ..Options::default()
    };
    let decoder = CaptureDecoder::open(file, options).map_err(|error| error.to_string())?;
    let mut frames = 0u64;
    for event in decoder {
        if let Event::Frame(frame) = event {
            frames += 1;
            if frame.index == index {
                let diagram = of_frame(&frame)
                    .ok_or_else(|| format!("frame {index} has no complete header"))?;
                return Ok(svg::render(&diagram, &title(&frame, file)));
            }
        }
    }
    Err(format!(
        "{}: no frame {index} (the capture has {frames} frame{}, numbered from 0)",
        file.display(),
        if frames == 1 { "" } else { "s" }
    ))
}

/// Runs the subcommand: writes the SVG to `out` (`-` for stdout).
pub fn run(file: &Path, index: u64, out: &Path) -> ExitCode {
    let svg = match render_frame(file, index) {
        Ok(svg) => svg,
        Err(error) => {
            eprintln!("ws-inspector: {error}");
            return ExitCode::FAILURE;
        }
    };
    let written = if out == Path::new("-") {
        std::io::stdout().lock().write_all(svg.as_bytes())
    } else {
        std::fs::write(out, svg)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ws-inspector: cannot write {}: {error}", out.display());
            ExitCode::FAILURE
        }
    }
}
