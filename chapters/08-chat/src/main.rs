//! `ch08-chat`: the chat server. `/` the page, `/chat` the chat, `/echo` an echo.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use ch08_chat::cli::{Cli, Parsed};
use ch08_chat::{Hub, OriginPolicy, Settings, bind, log_server, router};

const ABOUT: &str = "Chapter 08: a chat server. / serves a chat page (open it in two tabs); /chat is the\n\
chat (subprotocol chat.v1 for JSON messages, or none for plain lines of text; ?room=NAME&nick=NAME);\n\
/echo echoes. Each chat client has a bounded outgoing queue: one that reads too slowly is dropped\n\
with close code 1008. /chat only accepts pages from this server's own origin (403 otherwise);\n\
add others with --allow-origin.";

fn main() -> ExitCode {
    let cli = Cli::new("ch08-chat", ABOUT)
        .addr_option()
        .option(
            "--max-message",
            "BYTES",
            "1048576",
            "largest message or frame accepted; larger ones close with 1009",
        )
        .option(
            "--max-connections",
            "N",
            "1024",
            "most connections at once, handshakes included; more are closed at once",
        )
        .option(
            "--idle-timeout",
            "SECONDS",
            "60",
            "a client silent for half this long is pinged, and dropped if still silent after the rest",
        )
        .option(
            "--handshake-timeout",
            "SECONDS",
            "10",
            "time a client has to send its whole handshake (then 408)",
        )
        .option(
            "--allow-origin",
            "ORIGIN",
            "",
            "also let pages from ORIGIN (http://host:port) open /chat; repeatable; * allows any",
        )
        .option(
            "--max-queue",
            "MESSAGES",
            "256",
            "messages waiting for one chat client before it is dropped as too slow (1008)",
        )
        .flag("--quiet", "log connections and room events only, not every message");
    let args = cli.parse_env();
    // Every value is checked before anything is bound.
    let mut settings = settings(&args);

    let listener = match bind(args.get("--addr")) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.get("--addr"));
            return ExitCode::FAILURE;
        }
    };
    let local = match listener.local_addr() {
        Ok(local) => local,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    // The default allowlist is this server's own origins: known once it is bound.
    settings.origins = OriginPolicy::for_server(local, &args.get_all("--allow-origin"));
    if settings.origins.allows_any() {
        log_server("/chat accepts pages from any origin (--allow-origin *)");
    } else {
        log_server(format_args!(
            "/chat accepts pages from {} (and clients that send no Origin)",
            settings.origins.allowed().join(", ")
        ));
    }
    let hub = Hub::new();
    router(&settings, &hub).run_on(listener, settings.serve_options())
}

fn settings(args: &Parsed) -> Settings {
    let unbound = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let mut settings = Settings::defaults_for(unbound);
    settings.max_message = positive(args, "--max-message");
    settings.max_connections = positive::<usize>(args, "--max-connections");
    settings.idle_timeout = seconds(args, "--idle-timeout");
    settings.handshake_timeout = seconds(args, "--handshake-timeout");
    settings.outbox.max_messages = positive(args, "--max-queue");
    // A queue may hold a few of the largest messages, and never less than 1 MiB.
    settings.outbox.max_bytes = usize::try_from(settings.max_message.saturating_mul(4))
        .unwrap_or(usize::MAX)
        .max(1 << 20);
    settings.quiet = args.is_set("--quiet");
    settings
}

/// A number greater than zero, or exit 2 with the usage.
fn positive<T>(args: &Parsed, name: &str) -> T
where
    T: std::str::FromStr + PartialOrd + Default,
    T::Err: std::fmt::Display,
{
    let value: T = args.get_parsed_or_exit(name);
    if value <= T::default() {
        eprintln!("error: {name} must be greater than 0\n\n{}", args.usage());
        std::process::exit(2);
    }
    value
}

/// Seconds (fractions allowed) greater than zero, or exit 2 with the usage.
fn seconds(args: &Parsed, name: &str) -> Duration {
    let value: f64 = args.get_parsed_or_exit(name);
    match Duration::try_from_secs_f64(value) {
        Ok(duration) if !duration.is_zero() => duration,
        _ => {
            eprintln!(
                "error: {name} must be a number of seconds greater than 0\n\n{}",
                args.usage()
            );
            std::process::exit(2);
        }
    }
}
