//! `ch07-close`: the complete echo server (text and binary, any fragmentation,
//! ping/pong, the closing handshake), and `ch07-close client ws://HOST:PORT/PATH`.
#![forbid(unsafe_code)]

use std::fmt::Write as _;
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use ch07_close::cli::{Cli, Parsed};
use ch07_close::{
    Config, Event, Frame, Heartbeat, Message, Page, Router, ServeOptions, Upgraded, accept,
    autobahn, close_code_meaning, connect_to, log,
};

/// What this chapter says on its page, above the shared controls (chapter 04's template).
const INTRO: &str = include_str!("intro.html");
/// Close presets and the last close's meaning.
const CONTROLS: &str = include_str!("controls.html");
/// The script behind them; it expects `CLOSE_MEANINGS`, see [`page_script`].
const SCRIPT: &str = include_str!("controls.js");

const ABOUT: &str = "Chapter 07: the closing handshake. The complete echo server: /echo echoes text and\n\
binary messages of any fragmentation, answers pings, pings quiet clients, and closes with the\n\
closing handshake of RFC 6455 §7 (server closes TCP first). / serves a page to try it.\n\
\n\
The client: `ch07-close client ws://HOST:PORT/PATH` sends each line of stdin as a text message,\n\
prints what comes back, and closes cleanly at end of input (`ch07-close client --help`).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("client") {
        return client(args[1..].to_vec());
    }
    server(args)
}

/// Options both modes share. The server pings by default, so that an idle
/// browser tab stays connected and a vanished one is noticed; the client does
/// not unless asked.
fn common(cli: Cli, ping_interval: &str) -> Cli {
    cli.option(
        "--ping-interval",
        "SECONDS",
        ping_interval,
        "ping a peer quiet for this long (0: never)",
    )
    .option(
        "--ping-timeout",
        "SECONDS",
        "10",
        "drop a peer whose pong is this late",
    )
    .option(
        "--close-timeout",
        "SECONDS",
        "5",
        "wait this long for the other half of the closing handshake",
    )
    .option(
        "--fragment-size",
        "BYTES",
        "0",
        "send messages in fragments of this size (0: whole)",
    )
}

fn config(args: &Parsed) -> Config {
    let heartbeat = match (
        seconds(args.get_parsed_or_exit("--ping-interval")),
        seconds(args.get_parsed_or_exit("--ping-timeout")),
    ) {
        (Some(interval), Some(timeout)) => Some(Heartbeat { interval, timeout }),
        _ => None,
    };
    let mut config = Config::default();
    config.connection.heartbeat = heartbeat;
    config.connection.fragment_size = args.get_parsed_or_exit("--fragment-size");
    config.close_timeout =
        seconds(args.get_parsed_or_exit("--close-timeout")).unwrap_or(Duration::from_secs(5));
    config
}

fn server(args: Vec<String>) -> ExitCode {
    let cli = common(
        Cli::new("ch07-close", ABOUT)
            .addr_option()
            .flag("--quiet", "log connections only, not every message"),
        "20",
    );
    let args = parse(&cli, args);
    let config = config(&args);
    let quiet = args.is_set("--quiet");
    let router = Router::new()
        .websocket("/echo", &[], move |upgraded| echo(upgraded, config, quiet))
        .page("/", "text/html; charset=utf-8", page());
    // No read timeout from chapter 01: the heartbeat (if enabled) is the idle policy.
    let options = ServeOptions {
        read_timeout: if config.connection.heartbeat.is_some() {
            None
        } else {
            Some(Duration::from_secs(60))
        },
        ..ServeOptions::default()
    };
    // Bind (printing `listening on ws://HOST:PORT`), serve, and exit 1 with a message on error.
    router.run(args.get("--addr"), options)
}

// ANCHOR: echo
/// The whole echo server: the connection answers pings and close frames and
/// fails the connection on broken rules by itself; this loop only echoes and logs.
fn echo(upgraded: Upgraded, config: Config, quiet: bool) {
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
            Event::Ping(payload) if !quiet => {
                log(id, format_args!("{} → pong", Frame::ping(payload)));
            }
            Event::PingSent(payload) => log(id, format_args!("sent {}", Frame::ping(payload))),
            Event::Pong { payload, rtt } => log(
                id,
                format_args!(
                    "{} after {:.2} ms",
                    Frame::pong(payload),
                    rtt.as_secs_f64() * 1e3
                ),
            ),
            Event::UnsolicitedPong(payload) => {
                log(
                    id,
                    format_args!("unsolicited {} ignored", Frame::pong(payload)),
                );
            }
            Event::CloseReceived { code, reason } => {
                let code = code.map_or_else(|| "no code".to_string(), |code| code.to_string());
                log(
                    id,
                    format_args!("close received: {code} {reason:?}; answered"),
                );
            }
            Event::Closed(info) => log(id, format_args!("CLOSED: {info}")),
            Event::Ping(_) => {}
        }
    }
}
// ANCHOR_END: echo

/// The page: chapter 04's template, this chapter's intro and controls, and the
/// close-code table from [`close_code_meaning`] so the page explains codes with
/// the same words as the server and the inspector.
fn page() -> String {
    let mut script = String::from("const CLOSE_MEANINGS = {\n");
    for code in 1000..=1015 {
        let meaning = close_code_meaning(code)
            .replace('\\', "\\\\")
            .replace('"', "\\\"");
        let _ = writeln!(script, "  {code}: \"{meaning}\",");
    }
    script.push_str("};\n");
    script.push_str(SCRIPT);
    Page {
        title: "Chapter 07: closing",
        intro_html: INTRO,
        ws_path: "/echo",
        controls_html: CONTROLS,
        script: &script,
    }
    .render()
}

fn client(args: Vec<String>) -> ExitCode {
    let cli = common(
        Cli::new(
            "ch07-close client",
            "A WebSocket client: connects to URL (ws://HOST:PORT/PATH), sends each line of stdin as a\n\
             text message, prints each message that comes back on stdout (binary ones as a summary),\n\
             and at end of input closes with 1000 and waits for the server to close. Exits 0 if the\n\
             connection closed cleanly.\n\
             \n\
             With --autobahn URL it instead runs every case of Autobahn|Testsuite's fuzzing server\n\
             at URL (ws://127.0.0.1:9001) as an echo client, then asks it to write its reports.",
        )
        .positional("URL", "ws://HOST:PORT/PATH to connect to")
        .option("--autobahn", "URL", "", "run Autobahn's fuzzing server cases at URL instead")
        .option("--agent", "NAME", "wsbook", "the agent name Autobahn reports under"),
        "0",
    );
    let args = parse(&cli, args);
    let config = config(&args);
    if !args.get("--autobahn").is_empty() {
        return run_autobahn(args.get("--autobahn"), args.get("--agent"), config);
    }
    let [url] = args.positionals() else {
        eprintln!(
            "error: expected one URL, e.g. ws://127.0.0.1:8080/echo\n\n{}",
            args.usage()
        );
        return ExitCode::from(2);
    };
    run_client(url, config)
}

// ANCHOR: client
fn run_client(url: &str, config: Config) -> ExitCode {
    let mut ws = match connect_to(url, config) {
        Ok(ws) => ws,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("connected to {url}; each line you type is sent; end input (Ctrl-D) to close");
    // stdin on its own thread, so that messages from the server are printed while
    // we wait for the next line. It sends through a `Sender`.
    let sender = ws.sender();
    thread::spawn(move || {
        for line in io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender
                .with(|connection| connection.send(&Message::text(line)))
                .is_err()
            {
                return; // the connection is closing: nothing more to send
            }
        }
        let _ = sender.with(|connection| connection.close(1000, "", Instant::now()));
    });
    let mut stdout = io::stdout();
    while let Some(event) = ws.read() {
        match event {
            Event::Message(message) => {
                let line = match message.as_text() {
                    Some(text) => text.to_string(),
                    None => message.to_string(),
                };
                if writeln!(stdout, "{line}").is_err() {
                    let _ = ws.with(|connection| connection.close(1001, "", Instant::now()));
                }
            }
            Event::CloseReceived { code, reason } => {
                let code = code.map_or_else(|| "no code".to_string(), |code| code.to_string());
                eprintln!("the server closes: {code} {reason:?}");
            }
            Event::Closed(info) => {
                eprintln!("closed: {info}");
                return if info.clean {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                };
            }
            _ => {}
        }
    }
    ExitCode::FAILURE
}
// ANCHOR_END: client

fn run_autobahn(base: &str, agent: &str, config: Config) -> ExitCode {
    let result = autobahn::run_all(base, agent, config, |case, count, close| {
        eprintln!("case {case}/{count}: {close}");
    });
    match result {
        Ok(count) => {
            eprintln!("ran {count} cases; reports updated for agent {agent}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(cli: &Cli, args: Vec<String>) -> Parsed {
    match cli.parse_from(args) {
        Ok(parsed) => parsed,
        Err(ch07_close::cli::CliError::HelpRequested(usage)) => {
            print!("{usage}");
            std::process::exit(0);
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{}", cli.usage());
            std::process::exit(2);
        }
    }
}

/// `0` (or a negative number) means none.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}
