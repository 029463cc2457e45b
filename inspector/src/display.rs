//! One line per event for humans. A frame prints itself with chapter 03's `Display`
//! (`TEXT fin masked "hello" [5 bytes]`), so the CLI, the GUI and the chapters' logs
//! speak the same way.

use std::fmt::Write as _;

use ch07_close::{Frame, Message, MessageKind, Parsed, close_code_meaning, parse};

use crate::model::{Event, FrameEvent, HandshakeEvent, Side, ViolationRecord};

fn arrow(from: Side) -> &'static str {
    match from {
        Side::Client => "client→server",
        Side::Server => "server→client",
    }
}

fn violations(out: &mut String, list: &[ViolationRecord]) {
    for violation in list {
        let _ = write!(
            out,
            "\n      ! §{} {}: {}",
            violation.section, violation.rule, violation.message
        );
    }
}

/// The frame as chapter 03's [`Frame`] (header from its wire bytes, the kept payload).
pub fn as_codec_frame(event: &FrameEvent) -> Option<Frame> {
    match parse(&event.header) {
        Parsed::Complete { header, .. } => Some(Frame {
            header,
            payload: event.payload.clone(),
        }),
        Parsed::Incomplete { .. } => None,
    }
}

fn frame_line(event: &FrameEvent) -> String {
    let mut line = format!(
        "{:>6}  conn {}  {}  ",
        packet_span(event.packet, event.packet_end),
        event.conn,
        arrow(event.from)
    );
    match as_codec_frame(event) {
        Some(frame) => {
            let _ = write!(line, "{frame}");
        }
        None => {
            let _ = write!(line, "{} [{} bytes]", event.opcode_name, event.payload_len);
        }
    }
    if let Some(code) = event.close_code {
        // Chapter 07's one-line table of close codes.
        let _ = write!(line, " — {code}: {}", close_code_meaning(code));
    }
    let shown = event.payload.len() as u64;
    if event.compressed {
        let _ = write!(
            line,
            " (compressed: {} bytes on the wire)",
            event.payload_len
        );
    } else if shown < event.payload_len && event.missing == 0 {
        let _ = write!(line, " (first {shown} of {} bytes)", event.payload_len);
    }
    if event.missing > 0 {
        let _ = write!(line, " ({} bytes missing from the capture)", event.missing);
    }
    violations(&mut line, &event.violations);
    line
}

fn packet_span(first: u64, last: u64) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

fn handshake_line(event: &HandshakeEvent) -> String {
    let mut line = format!(
        "{:>6}  conn {}  handshake  {} → {}  {} {}",
        event.packet, event.conn, event.src, event.dst, event.method, event.target
    );
    match (event.status, &event.reason) {
        (Some(status), reason) => {
            let _ = write!(line, " → {status} {}", reason.as_deref().unwrap_or(""));
        }
        (None, _) => line.push_str(" → (no response in the capture)"),
    }
    if event.upgraded {
        line.push_str(if event.accept_ok {
            ", accept ok"
        } else {
            ", ACCEPT WRONG"
        });
    }
    if let Some(protocol) = &event.protocol {
        let _ = write!(line, ", protocol {protocol}");
    }
    if let Some(extensions) = &event.extensions {
        let _ = write!(line, ", extensions {extensions}");
    }
    if let Some(origin) = &event.origin {
        let _ = write!(line, ", origin {origin}");
    }
    violations(&mut line, &event.violations);
    line
}

/// The human line for any event.
pub fn human_line(event: &Event) -> String {
    match event {
        Event::Handshake(handshake) => handshake_line(handshake),
        Event::Frame(frame) => frame_line(frame),
        Event::Message(message) => {
            // Chapter 05's Display, on the (inflated, possibly cut) payload.
            let codec_message = Message {
                kind: if message.opcode == 1 {
                    MessageKind::Text
                } else {
                    MessageKind::Binary
                },
                data: message.payload.clone(),
                compressed: message.compressed,
                frames: message.frames,
            };
            let mut line = format!(
                "{:>6}  conn {}  {}  {codec_message}",
                packet_span(message.packet, message.packet_end),
                message.conn,
                arrow(message.from),
            );
            if (message.payload.len() as u64) < message.payload_len {
                let _ = write!(
                    line,
                    " (first {} of {} bytes)",
                    message.payload.len(),
                    message.payload_len
                );
            }
            violations(&mut line, &message.violations);
            line
        }
        Event::Gap(gap) => format!(
            "{:>6}  conn {}  gap: {} bytes {} were not captured (stream offset {})",
            gap.packet,
            gap.conn,
            gap.missing,
            match gap.from {
                Some(from) => format!("from the {}", from.name()),
                None => format!("{} → {}", gap.src, gap.dst),
            },
            gap.stream_offset
        ),
        Event::Error(error) => {
            let mut line = String::new();
            match error.packet {
                Some(packet) => {
                    let _ = write!(line, "{packet:>6}  ");
                }
                None => line.push_str("     -  "),
            }
            if let Some(conn) = error.conn {
                let _ = write!(line, "conn {conn}  ");
            }
            let _ = write!(line, "error ({}): {}", error.layer, error.message);
            line
        }
    }
}
