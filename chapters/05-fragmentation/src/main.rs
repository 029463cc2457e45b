//! `ch05-fragmentation`: an echo server for whole *messages*. On `/echo` chapter 05's
//! [`Decoder`] turns whatever frames arrive — one per message or many fragments, with
//! control frames in between — into messages, which the server echoes, in fragments of
//! `--fragment-size` bytes if asked. A broken rule fails the connection with its close
//! code: 1002 protocol error, 1007 invalid UTF-8, 1009 too big. `GET /` serves the page.
#![forbid(unsafe_code)]

use std::io::Write;
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use ch05_fragmentation::cli::Cli;
use ch05_fragmentation::echo::is_timeout;
use ch05_fragmentation::{
    Decoder, Event, Frame, Limits, Message, OpCode, Page, ReadError, Role, Router, ServeOptions,
    Upgraded, Violation, answer_close, encode_frame, fail_connection, fragment, log, read_event,
};

/// What this chapter says on its page, above the shared controls.
const INTRO: &str = include_str!("intro.html");
/// This chapter's extra control: the "send 100,000 characters" button.
const CONTROLS: &str = include_str!("controls.html");
/// And the script behind it.
const SCRIPT: &str = include_str!("controls.js");

/// The server's settings, shared by every connection.
#[derive(Debug, Clone, Copy)]
struct Config {
    /// The size limits the decoder enforces (§10.4).
    limits: Limits,
    /// Send echoes in fragments of at most this many bytes; 0 = one frame per message.
    fragment_size: usize,
}

fn main() -> ExitCode {
    let defaults = Limits::default();
    let args = Cli::new(
        "ch05-fragmentation",
        "Chapter 05: fragmentation. On /echo the server reassembles messages from any number of\n\
         fragments (control frames may arrive in between), checks text as UTF-8 while it arrives,\n\
         and echoes each whole message, in fragments of --fragment-size bytes if given. Pings\n\
         get pongs and a close gets a close (minimal until chapters 06 and 07). A broken rule\n\
         closes with its code: 1002 protocol error, 1007 invalid UTF-8, 1009 too big.\n\
         GET / serves a page to try it from a browser.",
    )
    .addr_option()
    .option(
        "--fragment-size",
        "BYTES",
        "0",
        "send echoes in fragments of at most BYTES (0: one frame)",
    )
    .option(
        "--max-frame",
        "BYTES",
        &defaults.max_frame_payload.to_string(),
        "close with 1009 on a frame announcing more",
    )
    .option(
        "--max-message",
        "BYTES",
        &defaults.max_message.to_string(),
        "close with 1009 on a message growing past this",
    )
    .option(
        "--read-timeout",
        "SECONDS",
        "120",
        "drop a client silent for this long (0: never)",
    )
    .parse_env();
    let config = Config {
        limits: Limits {
            max_frame_payload: args.get_parsed_or_exit("--max-frame"),
            max_message: args.get_parsed_or_exit("--max-message"),
        },
        fragment_size: args.get_parsed_or_exit("--fragment-size"),
    };
    let read_timeout = seconds(args.get_parsed_or_exit("--read-timeout"));

    let page = Page {
        title: "Chapter 05: fragmentation",
        intro_html: INTRO,
        ws_path: "/echo",
        controls_html: CONTROLS,
        script: SCRIPT,
    };
    let router = Router::new()
        .websocket("/echo", &[], move |upgraded| {
            echo_messages(upgraded, config);
        })
        .page("/", "text/html; charset=utf-8", page.render());
    let options = ServeOptions {
        read_timeout,
        ..ServeOptions::default()
    };

    // Bind (printing `listening on ws://HOST:PORT`), serve, and exit 1 with a message on error.
    router.run(args.get("--addr"), options)
}

// ANCHOR: echo_messages
/// The `/echo` handler: events in (messages and control frames), echoes out.
fn echo_messages(upgraded: Upgraded, config: Config) {
    let Upgraded {
        mut stream,
        info,
        leftover,
        ..
    } = upgraded;
    // Chapters 03–05 in one sans-I/O object: header parsing and §5.2 checks, the §5.1
    // masking rule, unmasking, reassembly, UTF-8 and size limits. We only move bytes.
    let mut decoder = Decoder::new(Role::Server, config.limits);
    decoder.feed(&leftover);
    loop {
        let event = match read_event(&mut stream, &mut decoder) {
            Ok(Some(event)) => event,
            Ok(None) => {
                log(info.id, "the client closed TCP without a close frame");
                return;
            }
            // ANCHOR: fail
            Err(ReadError::Protocol(error)) => {
                // Every rule the decoder checks knows its close code: 1002 for the
                // framing rules, 1007 for invalid UTF-8 (§8.1), 1009 for the limits
                // (§10.4). §7.1.7: fail the connection, sending that code first.
                let violation = Violation::from(error);
                let code = violation.close_code;
                match fail_connection(&mut stream, Role::Server, code, &violation.message) {
                    Ok(()) => log(
                        info.id,
                        format_args!("→ CLOSE {code}: {violation}; TCP closed"),
                    ),
                    Err(error) => log(
                        info.id,
                        format_args!("sending close {code} failed: {error}"),
                    ),
                }
                return;
            }
            // ANCHOR_END: fail
            Err(ReadError::Io(error)) if is_timeout(&error) => {
                log(
                    info.id,
                    "nothing received within the read timeout; dropping the connection",
                );
                return;
            }
            Err(ReadError::Io(error)) => {
                log(info.id, format_args!("cannot read: {error}"));
                return;
            }
        };
        match event {
            Event::Message(message) => {
                log(info.id, format_args!("← {message}"));
                if let Err(error) =
                    send_message(&mut stream, &message, config.fragment_size, info.id)
                {
                    log(info.id, format_args!("sending the echo failed: {error}"));
                    return;
                }
            }
            // ANCHOR: control
            // Control frames arrive whole, even in the middle of a fragmented message:
            // that is why a ping is never stuck behind a large message (§5.4).
            Event::Control(frame) => {
                log(info.id, format_args!("← {frame}"));
                match frame.header.opcode {
                    OpCode::Ping => {
                        // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a
                        // Pong frame in response ... as soon as is practical." Chapter 06
                        // formalises this; the pong carries the ping's payload (§5.5.3).
                        let pong = Frame::pong(frame.payload);
                        if let Err(error) = stream.write_all(&encode_frame(Role::Server, &pong)) {
                            log(info.id, format_args!("sending the pong failed: {error}"));
                            return;
                        }
                        log(info.id, format_args!("→ {pong}"));
                    }
                    OpCode::Close => {
                        // Minimal, as in chapter 04: repeat the code, close TCP.
                        // Chapter 07 runs the closing handshake properly.
                        match answer_close(&mut stream, Role::Server, &frame) {
                            Ok(reply) => log(info.id, format_args!("→ {reply}; TCP closed")),
                            Err(error) => {
                                log(info.id, format_args!("answering the close failed: {error}"));
                            }
                        }
                        return;
                    }
                    // A pong nobody asked for is allowed and needs no answer (§5.5.3).
                    _ => {}
                }
            } // ANCHOR_END: control
        }
    }
}
// ANCHOR_END: echo_messages

// ANCHOR: send_message
/// Sends `message` back, cut into frames of at most `fragment_size` bytes (§5.4).
fn send_message(
    stream: &mut TcpStream,
    message: &Message,
    fragment_size: usize,
    id: u64,
) -> std::io::Result<()> {
    let frames = fragment(message, fragment_size);
    for frame in &frames {
        stream.write_all(&encode_frame(Role::Server, frame))?;
    }
    let how = match frames.len() {
        1 => "in 1 frame".to_string(),
        n => format!("in {n} frames of at most {fragment_size} bytes"),
    };
    log(
        id,
        format_args!("→ the same {} message, {how}", message.opcode()),
    );
    Ok(())
}
// ANCHOR_END: send_message

/// `0` (or a negative number) means none; so does one too large for a `Duration`.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}
