//! `ch04-masking`: the first server that understands what a browser sends. On `/echo`
//! it unmasks every client frame and echoes single-frame text and binary messages; a
//! client frame without a mask gets a close frame with 1002 and the TCP close (§5.1).
//! `GET /` serves the browser page.
#![forbid(unsafe_code)]

use std::io::{ErrorKind, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use ch04_masking::cli::Cli;
use ch04_masking::echo::is_timeout;
use ch04_masking::{
    Frame, OpCode, Page, Role, Router, ServeOptions, Upgraded, Violation, answer_close,
    encode_frame, fail_connection, log, read_unmasked_frame,
};

/// What this chapter says on its page, above the shared controls.
const INTRO: &str = include_str!("intro.html");

fn main() -> ExitCode {
    let args = Cli::new(
        "ch04-masking",
        "Chapter 04: masking. On /echo the server unmasks every client frame and echoes\n\
         single-frame text and binary messages; an unmasked client frame gets a close frame\n\
         with 1002 and the TCP close (RFC 6455 §5.1). Fragments are logged, not echoed\n\
         (chapter 05); pings are not answered (chapter 06); a close gets a minimal close back\n\
         (chapter 07 does it properly). GET / serves a page to try it from a browser.",
    )
    .addr_option()
    .option(
        "--max-payload",
        "BYTES",
        "16777216",
        "close with 1009 on a frame announcing more",
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

    let page = Page {
        title: "Chapter 04: masking",
        intro_html: INTRO,
        ws_path: "/echo",
        ..Page::default()
    };
    let router = Router::new()
        .websocket("/echo", &[], move |upgraded| {
            echo_frames(upgraded, max_payload);
        })
        .page("/", "text/html; charset=utf-8", page.render());
    let options = ServeOptions {
        read_timeout,
        ..ServeOptions::default()
    };

    // Bind (printing `listening on ws://HOST:PORT`), serve, and exit 1 with a message on error.
    router.run(args.get("--addr"), options)
}

// ANCHOR: echo_frames
/// The `/echo` handler: read a frame, unmask it, echo it if it is a whole message.
fn echo_frames(upgraded: Upgraded, max_payload: u64) {
    let Upgraded {
        mut stream,
        info,
        leftover,
        ..
    } = upgraded;
    // The bytes that followed the handshake are the start of the first frame.
    let mut buf = leftover;
    loop {
        // read_unmasked_frame reads one whole frame, checks the §5.1 rule for our role
        // and applies the masking key, so `frame.payload` is what the client's
        // application sent.
        let frame = match read_unmasked_frame(&mut stream, &mut buf, Role::Server, max_payload) {
            Ok(Some(frame)) => frame,
            Ok(None) => {
                log(info.id, "the client closed TCP without a close frame");
                return;
            }
            // ANCHOR: unmasked
            Err(Ok(mask_error)) => {
                // §5.1: "The server MUST close the connection upon receiving a frame
                // that is not masked. In this case, a server MAY send a Close frame
                // with a status code of 1002 (protocol error)".
                fail(&mut stream, info.id, &Violation::from(mask_error));
                return;
            }
            // ANCHOR_END: unmasked
            Err(Err(error)) if error.kind() == ErrorKind::InvalidData => {
                // The header announced more than --max-payload: refused before a
                // single payload byte was buffered. 1009 = "message too big" (§7.4.1).
                let violation = Violation {
                    rule: "FrameTooLarge",
                    section: "10.4",
                    close_code: 1009,
                    message: format!("frame over the {max_payload}-byte limit"),
                };
                fail(&mut stream, info.id, &violation);
                return;
            }
            Err(Err(error)) if is_timeout(&error) => {
                log(
                    info.id,
                    "no frame within the read timeout; dropping the connection",
                );
                return;
            }
            Err(Err(error)) => {
                log(info.id, format_args!("cannot read a frame: {error}"));
                return;
            }
        };
        // Chapter 03's header rules (RSV bits, reserved opcodes, length encoding):
        // §5.2 says a receiver MUST fail the connection on any of them.
        if let Some(violation) = frame.header.validate([false; 3]).into_iter().next() {
            log(info.id, format_args!("← {frame}"));
            fail(&mut stream, info.id, &violation);
            return;
        }
        log(info.id, format_args!("← {frame}"));

        match frame.header.opcode {
            OpCode::Text | OpCode::Binary if frame.header.fin => {
                // A whole message in one frame: send it back. A server's frames are
                // never masked, so encode_frame(Role::Server, ..) writes the payload as is.
                let echo = Frame::new(frame.header.opcode, frame.payload);
                if let Err(error) = send(&mut stream, &echo) {
                    log(info.id, format_args!("sending the echo failed: {error}"));
                    return;
                }
                log(info.id, format_args!("→ {echo}"));
            }
            OpCode::Close => {
                // Minimal: repeat the client's code and close TCP. Chapter 07 checks the
                // code and reason and runs the closing handshake as a state machine.
                match answer_close(&mut stream, Role::Server, &frame) {
                    Ok(reply) => log(info.id, format_args!("→ {reply}; TCP closed")),
                    Err(error) => log(info.id, format_args!("answering the close failed: {error}")),
                }
                return;
            }
            OpCode::Ping => log(info.id, "   not answered: pongs are chapter 06"),
            OpCode::Pong => log(info.id, "   a pong: nothing to do"),
            _ => log(
                info.id,
                "   one fragment of a message: assembling fragments is chapter 05, so it is not echoed",
            ),
        }
    }
}
// ANCHOR_END: echo_frames

/// Sends one frame as the server (unmasked).
fn send(stream: &mut TcpStream, frame: &Frame) -> std::io::Result<()> {
    stream.write_all(&encode_frame(Role::Server, frame))
}

/// Fails the connection for `violation`: a close frame with its code, then TCP closed.
fn fail(stream: &mut TcpStream, id: u64, violation: &Violation) {
    let code = violation.close_code;
    match fail_connection(stream, Role::Server, code, &violation.message) {
        Ok(()) => log(id, format_args!("→ CLOSE {code}: {violation}; TCP closed")),
        Err(error) => log(id, format_args!("sending close {code} failed: {error}")),
    }
}

/// `0` (or a negative number) means none; so does one too large for a `Duration`.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}
