//! `ch03-frames`: chapter 02's handshake, then the first frames. On `/frames` the server
//! greets the client with one text frame it wrote itself, then logs the decoded header
//! of every frame the client sends. It does not answer them: the payloads are still
//! masked (chapter 04 unmasks), and it cannot close properly yet (chapter 07).
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::Shutdown;
use std::process::ExitCode;
use std::time::Duration;

use ch03_frames::cli::Cli;
use ch03_frames::echo::is_timeout;
use ch03_frames::{Frame, OpCode, Router, ServeOptions, Upgraded, log, wire::read_frame};

/// The page at `GET /`: connect, see the greeting, send frames, read the server's log.
const PAGE: &str = include_str!("page.html");

/// The first thing the server says once the handshake is done.
const GREETING: &str = "hello from chapter 03: this text frame was written by FrameHeader::write";

fn main() -> ExitCode {
    let args = Cli::new(
        "ch03-frames",
        "Chapter 03: frame bits. After the handshake on /frames the server sends one text frame,\n\
         then logs the decoded header of every frame the client sends (payloads still masked:\n\
         unmasking is chapter 04). It answers nothing and cannot close properly yet (chapter 07):\n\
         a close frame from the client is logged and the TCP connection dropped.\n\
         GET / serves a page that tries it from a browser.",
    )
    .addr_option()
    .option(
        "--max-payload",
        "BYTES",
        "16777216",
        "refuse a frame announcing more than this",
    )
    .option(
        "--read-timeout",
        "SECONDS",
        "120",
        "drop a client silent for this long (0: never)",
    )
    .parse_env();
    let max_payload: u64 = args.get_parsed_or_exit("--max-payload");
    let read_timeout = seconds(args.get_parsed_or_exit("--read-timeout"));

    let router = Router::new()
        .websocket("/frames", &[], move |upgraded| {
            greet_then_log_frames(upgraded, max_payload);
        })
        .page("/", "text/html; charset=utf-8", PAGE);
    let options = ServeOptions {
        read_timeout,
        ..ServeOptions::default()
    };

    // Bind (printing `listening on ws://HOST:PORT`), serve, and exit 1 with a message on error.
    router.run(args.get("--addr"), options)
}

// ANCHOR: greet_then_log_frames
/// The `/frames` handler: one frame out, then a log line for every frame in.
fn greet_then_log_frames(upgraded: Upgraded, max_payload: u64) {
    let Upgraded {
        mut stream,
        info,
        leftover,
        ..
    } = upgraded;

    // Our first frame: FIN=1, opcode 0x1 (text), MASK=0 (a server never masks, §5.1),
    // a 7-bit length, then the UTF-8 bytes. `to_bytes_unmasked` writes exactly that.
    let greeting = Frame::text(GREETING);
    if let Err(error) = stream.write_all(&greeting.to_bytes_unmasked()) {
        log(
            info.id,
            format_args!("sending the greeting failed: {error}"),
        );
        return;
    }
    log(info.id, format_args!("→ {greeting}"));

    // The bytes that followed the handshake are the start of the first frame.
    let mut buf = leftover;
    loop {
        let (header, payload) = match read_frame(&mut stream, &mut buf, max_payload) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                log(info.id, "the client closed the TCP connection");
                return;
            }
            Err(error) if is_timeout(&error) => {
                log(
                    info.id,
                    "no frame within the read timeout; dropping the connection",
                );
                return;
            }
            Err(error) => {
                log(info.id, format_args!("cannot read a frame: {error}"));
                return;
            }
        };
        // The header, decoded; the payload exactly as it arrived. A browser masks every
        // frame (§5.1), so what `Display` previews here is the XORed bytes, not the text
        // that was sent: chapter 04 applies the key.
        let key = header
            .mask
            .map_or_else(|| "none".to_string(), |key| hex(&key));
        let frame = Frame { header, payload };
        log(
            info.id,
            format_args!("← {frame} (masking key {key}; payload shown still masked)"),
        );
        // Parse and validate are separate: the line above is what the bytes say; this
        // one names the §5.2 rules they break. This chapter only reports them.
        for violation in header.validate([false; 3]) {
            log(info.id, format_args!("   breaks {violation}"));
        }
        if header.opcode == OpCode::Close {
            // §5.5.1 asks us to answer with a close frame of our own; that closing
            // handshake is chapter 07. Until then we just drop TCP, and the browser
            // reports code 1006 ("closed abnormally") and wasClean = false.
            log(
                info.id,
                "the client asked to close; answering a close is chapter 07, so this server just \
                 drops the TCP connection (the client sees 1006, not clean)",
            );
            let _ = stream.shutdown(Shutdown::Both);
            return;
        }
    }
}
// ANCHOR_END: greet_then_log_frames

/// `4a 6f 77 4e`.
fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `0` (or a negative number) means none; so does one too large for a `Duration`.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_print_as_spaced_hex_and_zero_seconds_mean_none() {
        assert_eq!(hex(&[0x4a, 0x6f, 0x00, 0xff]), "4a 6f 00 ff");
        assert_eq!(seconds(0.0), None);
        assert_eq!(seconds(1.5), Some(Duration::from_millis(1500)));
        assert_eq!(seconds(f64::MAX), None);
    }
}
