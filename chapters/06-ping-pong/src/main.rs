//! `ch06-ping-pong`: an echo server that answers pings, pings quiet clients,
//! measures round trips and drops clients that stop answering.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ch06_ping_pong::cli::Cli;
use ch06_ping_pong::{
    Config, Event, Frame, Heartbeat, Message, Page, Router, ServeOptions, Upgraded, accept, log,
};

/// What this chapter says on its page, above the shared controls (chapter 04's template).
const INTRO: &str = include_str!("intro.html");
/// The heartbeat counters.
const CONTROLS: &str = include_str!("controls.html");
/// And the script that fills them from the server's reports.
const SCRIPT: &str = include_str!("controls.js");

fn main() -> ExitCode {
    let args = Cli::new(
        "ch06-ping-pong",
        "Chapter 06: ping and pong. /echo echoes messages, answers pings, pings a client that\n\
         has been quiet for --ping-interval seconds and drops it if the pong does not come within\n\
         --ping-timeout. /heartbeat does the same and also reports each round trip to the client\n\
         as a JSON text message. / serves a page that shows them.",
    )
    .addr_option()
    .option(
        "--ping-interval",
        "SECONDS",
        "5",
        "ping a client quiet for this long (0: never)",
    )
    .option(
        "--ping-timeout",
        "SECONDS",
        "10",
        "drop a client whose pong is this late",
    )
    .option(
        "--fragment-size",
        "BYTES",
        "0",
        "send messages in fragments of this size (0: whole)",
    )
    .flag("--quiet", "log connections only, not every message")
    .parse_env();
    let interval: f64 = args.get_parsed_or_exit("--ping-interval");
    let timeout: f64 = args.get_parsed_or_exit("--ping-timeout");
    let heartbeat = match (seconds(interval), seconds(timeout)) {
        (Some(interval), Some(timeout)) => Some(Heartbeat { interval, timeout }),
        _ => None,
    };
    let config = Config {
        heartbeat,
        fragment_size: args.get_parsed_or_exit("--fragment-size"),
        ..Config::default()
    };
    let quiet = args.is_set("--quiet");

    let page = Page {
        title: "Chapter 06: ping and pong",
        intro_html: INTRO,
        ws_path: "/heartbeat",
        controls_html: CONTROLS,
        script: SCRIPT,
    };
    let router = Router::new()
        .websocket("/echo", &[], move |upgraded| {
            echo(upgraded, config, false, quiet);
        })
        .websocket("/heartbeat", &[], move |upgraded| {
            echo(upgraded, config, true, quiet);
        })
        .page("/", "text/html; charset=utf-8", page.render());
    // Bind (printing `listening on ws://HOST:PORT`), serve, and exit 1 with a message on error.
    router.run(args.get("--addr"), ServeOptions::default())
}

// ANCHOR: echo
/// Echoes every message; logs (and with `report`, tells the client about) the
/// heartbeat. Pongs are sent by the connection itself.
fn echo(upgraded: Upgraded, config: Config, report: bool, quiet: bool) {
    let id = upgraded.info.id;
    let mut ws = match accept(upgraded, config) {
        Ok(ws) => ws,
        Err(error) => return log(id, format_args!("cannot set up the connection: {error}")),
    };
    while let Some(event) = ws.read() {
        match event {
            Event::Message(message) => {
                if !quiet {
                    log(id, format_args!("{message} → echo"));
                }
                let _ = ws.with(|connection| connection.send_owned(message));
            }
            Event::Ping(payload) => {
                log(id, format_args!("{} → pong", Frame::ping(payload)));
            }
            Event::PingSent(payload) => {
                log(
                    id,
                    format_args!("quiet for a while: sent {}", Frame::ping(payload)),
                );
            }
            Event::Pong { payload, rtt } => {
                let millis = rtt.as_secs_f64() * 1000.0;
                log(
                    id,
                    format_args!("{} after {millis:.2} ms", Frame::pong(payload)),
                );
                if report {
                    let stats = ws.with(|connection| connection.stats());
                    let json = format!(
                        r#"{{"heartbeat":{{"pings_sent":{},"pongs_received":{},"rtt_ms":{millis:.3}}}}}"#,
                        stats.pings_sent, stats.pongs_received
                    );
                    let _ = ws.with(|connection| connection.send(&Message::text(json)));
                }
            }
            Event::UnsolicitedPong(payload) => {
                log(
                    id,
                    format_args!("unsolicited {} ignored (§5.5.3)", Frame::pong(payload)),
                );
            }
            Event::Close(frame) => {
                // Chapter 07 does this properly; here: answer with the same code, close TCP.
                log(id, format_args!("{frame} → close"));
                ws.with(|connection| {
                    let _ = connection.send_frame(&Frame::close(frame.close_code(), ""));
                    connection.close_tcp(Instant::now());
                });
            }
            Event::Failed(error) => {
                log(id, format_args!("failing the connection: {error}"));
                ws.with(|connection| {
                    let close = Frame::close(Some(error.close_code()), "");
                    let _ = connection.send_frame(&close);
                    connection.close_tcp(Instant::now());
                });
            }
            Event::Disconnected => {
                let stats = ws.with(|connection| connection.stats());
                log(
                    id,
                    format_args!(
                        "TCP closed; pings sent {}, pongs received {}, pings answered {}",
                        stats.pings_sent, stats.pongs_received, stats.pings_received
                    ),
                );
            }
        }
    }
}
// ANCHOR_END: echo

/// `0` (or a negative number) means none.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}
