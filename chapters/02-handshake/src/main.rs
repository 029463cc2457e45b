//! `ch02-handshake`: completes the WebSocket opening handshake on `/echo`, serves a page
//! on `/` that explains it, and refuses everything else with the right HTTP status.
#![forbid(unsafe_code)]

use std::io::Read;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ch02_handshake::cli::Cli;
use ch02_handshake::echo::is_timeout;
use ch02_handshake::{Router, ServeOptions, Upgraded, log};

/// The subprotocols `/echo` speaks; the client's first choice among them wins.
const PROTOCOLS: &[&str] = &["chat.v1", "chat.v2"];

const PAGE: &str = include_str!("page.html");

fn main() -> ExitCode {
    let args = Cli::new(
        "ch02-handshake",
        "Chapter 02: the WebSocket opening handshake. /echo answers 101 Switching Protocols\n\
         (subprotocols chat.v1, chat.v2), holds the connection briefly and closes it (frames come\n\
         in chapter 03); / serves a page that tries it from a browser.",
    )
    .addr_option()
    .option(
        "--hold",
        "SECONDS",
        "2",
        "how long /echo keeps an upgraded connection open",
    )
    .option(
        "--handshake-timeout",
        "SECONDS",
        "10",
        "deadline for a client's whole request head",
    )
    .option(
        "--read-timeout",
        "SECONDS",
        "30",
        "drop a client silent for this long (0: never)",
    )
    .parse_env();
    let hold = seconds(args.get_parsed_or_exit("--hold")).unwrap_or(Duration::ZERO);
    let handshake_timeout =
        seconds(args.get_parsed_or_exit("--handshake-timeout")).unwrap_or(Duration::from_secs(10));
    let read_timeout = seconds(args.get_parsed_or_exit("--read-timeout"));

    let router = Router::new()
        .websocket("/echo", PROTOCOLS, move |upgraded| {
            hold_then_close(upgraded, hold);
        })
        .page("/", "text/html; charset=utf-8", PAGE)
        .handshake_timeout(handshake_timeout);
    let options = ServeOptions {
        read_timeout,
        ..ServeOptions::default()
    };

    // Bind (printing `listening on ws://HOST:PORT`), serve, and exit 1 with a message on error.
    router.run(args.get("--addr"), options)
}

// ANCHOR: hold_then_close
/// The `/echo` handler of this chapter: the handshake is done, but we cannot read frames
/// yet. Log what was agreed, count the bytes the client sends for `hold`, and close.
fn hold_then_close(upgraded: Upgraded, hold: Duration) {
    let Upgraded {
        mut stream,
        info,
        upgrade,
        leftover,
        registry,
    } = upgraded;
    log(
        info.id,
        format_args!(
            "upgraded: path {}, offered protocols [{}], extensions offered [{}] (none accepted), origin {}, {} client(s) connected",
            upgrade.path,
            upgrade.offered_protocols.join(", "),
            upgrade.extensions.join(", "),
            upgrade.origin.as_deref().unwrap_or("none"),
            registry.len(),
        ),
    );
    let mut received = leftover.len();
    let deadline = Instant::now() + hold;
    let mut buffer = [0u8; 4096];
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            break;
        }
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received += n,
            Err(error) if is_timeout(&error) || error.kind() == std::io::ErrorKind::Interrupted => {
            }
            Err(_) => break,
        }
    }
    log(
        info.id,
        format_args!(
            "{received} bytes of WebSocket frames arrived (decoded from chapter 03 on); closing without a close frame"
        ),
    );
}
// ANCHOR_END: hold_then_close

/// `0` (or a negative number) means none; so does one too large for a `Duration`.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}
