//! `ch01-raw-tcp`: a TCP echo server. Try it with `nc 127.0.0.1 8080`, then with a
//! browser's `new WebSocket("ws://127.0.0.1:8080/")` and read the log.
#![forbid(unsafe_code)]

use std::process::ExitCode;
use std::time::Duration;

use ch01_raw_tcp::cli::Cli;
use ch01_raw_tcp::{ServeOptions, bind, echo, serve};

fn main() -> ExitCode {
    let args = Cli::new(
        "ch01-raw-tcp",
        "Chapter 01: a raw TCP server that echoes every byte back, one thread per connection.\n\
         Not yet WebSocket: a browser's new WebSocket() sends an HTTP GET first, and the log shows it.",
    )
    .addr_option()
    .option("--read-timeout", "SECONDS", "30", "drop a client silent for this long (0: never)")
    .option("--max-connections", "N", "0", "refuse connections beyond N open ones (0: no limit)")
    .parse_env();

    let read_timeout: f64 = args.get_parsed_or_exit("--read-timeout");
    let max_connections: usize = args.get_parsed_or_exit("--max-connections");
    let defaults = ServeOptions::default();
    let options = ServeOptions {
        read_timeout: seconds(read_timeout),
        max_connections: (max_connections > 0).then_some(max_connections),
        ..defaults
    };

    let listener = match bind(args.get("--addr")) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", args.get("--addr"));
            return ExitCode::FAILURE;
        }
    };
    match serve(listener, options, echo::echo) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `0` (or a negative number) means no timeout; so does one too large for a `Duration`.
fn seconds(value: f64) -> Option<Duration> {
    if value > 0.0 {
        Duration::try_from_secs_f64(value).ok()
    } else {
        None
    }
}
