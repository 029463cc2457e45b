//! The `ws-inspector` command line. `main.rs` only calls [`main`].

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};

use crate::display::human_line;
use crate::jsonl::JsonLinesWriter;
use crate::model::Event;
use crate::pipeline::{CaptureDecoder, Progress};
use crate::pool;
use crate::stats::{self, StatsCollector};
use crate::websocket::Options;

/// Decode WebSocket traffic (RFC 6455) from pcap/pcapng captures.
#[derive(Debug, Parser)]
#[command(name = "ws-inspector", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// A capture to open (`.pcap` or `.pcapng`, found by content).
    file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print every handshake and frame: one line each (JSON Lines with --json).
    Decode(DecodeArgs),
    /// Print per-connection counts.
    Stats(StatsArgs),
    /// Live traffic: forward clients to a server and decode both directions as they pass.
    Proxy(crate::proxy::cli::ProxyArgs),
    /// Draw one frame's RFC 6455 §5.2 bit diagram as SVG (the book's figures).
    Diagram(DiagramArgs),
}

#[derive(Debug, clap::Args)]
struct DiagramArgs {
    /// The capture file.
    file: PathBuf,
    /// The frame's number (the `index` of `decode --json`, counted from 0).
    #[arg(long, value_name = "N")]
    frame: u64,
    /// Where to write the SVG (`-` for stdout).
    #[arg(long, value_name = "OUT")]
    svg: PathBuf,
}

#[derive(Debug, clap::Args)]
struct DecodeArgs {
    /// The capture file.
    file: PathBuf,
    /// JSON Lines: one object per event, fields documented in the model module.
    #[arg(long)]
    json: bool,
    /// Only this connection (its number, as in `conn` / Wireshark's tcp.stream).
    #[arg(long, value_name = "N")]
    conn: Option<u32>,
    /// Only frames (and messages) with this opcode: a number (1, 0x9) or a name
    /// (text, binary, continuation, close, ping, pong).
    #[arg(long, value_name = "X", value_parser = parse_opcode)]
    opcode: Option<u8>,
    /// Payload bytes shown per frame (payload_hex, text). Default: 256 with --json,
    /// everything otherwise.
    #[arg(long, value_name = "N")]
    max_payload: Option<usize>,
    /// Also print each reassembled data message.
    #[arg(long)]
    messages: bool,
}

#[derive(Debug, clap::Args)]
struct StatsArgs {
    /// The capture file.
    file: PathBuf,
    /// JSON Lines: one object per connection.
    #[arg(long)]
    json: bool,
}

fn parse_opcode(value: &str) -> Result<u8, String> {
    let lower = value.to_ascii_lowercase();
    let number = match lower.as_str() {
        "continuation" | "cont" => Some(0),
        "text" => Some(1),
        "binary" => Some(2),
        "close" => Some(8),
        "ping" => Some(9),
        "pong" => Some(10),
        _ => None,
    };
    let number = number.or_else(|| match lower.strip_prefix("0x") {
        Some(hex) => u8::from_str_radix(hex, 16).ok(),
        None => lower.parse().ok(),
    });
    match number {
        Some(n) if n < 16 => Ok(n),
        _ => Err(format!(
            "{value:?} is not an opcode: use 0-15, 0x0-0xf or text, binary, continuation, close, ping, pong"
        )),
    }
}

/// Runs the command line; returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Decode(args)) => decode(&args),
        Some(Command::Stats(args)) => stats(&args),
        Some(Command::Proxy(args)) => crate::proxy::cli::run(&args),
        Some(Command::Diagram(args)) => {
            crate::diagram::command::run(&args.file, args.frame, &args.svg)
        }
        None => open_gui(cli.file.as_deref()),
    }
}

/// `ws-inspector [FILE]`: the GUI (on a capture built into the binary when no FILE).
pub fn open_gui(file: Option<&Path>) -> ExitCode {
    match crate::gui::run(file.map(Path::to_path_buf)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ws-inspector: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A progress bar on stderr, shown only for big files on a terminal.
struct ProgressBar {
    enabled: bool,
    last: Instant,
    drawn: bool,
}

impl ProgressBar {
    const MIN_FILE: u64 = 8 * 1024 * 1024;

    fn new(total: Option<u64>) -> Self {
        ProgressBar {
            enabled: io::stderr().is_terminal() && total.is_some_and(|t| t >= Self::MIN_FILE),
            last: Instant::now(),
            drawn: false,
        }
    }

    fn update(&mut self, progress: Progress) {
        if !self.enabled || self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let Some(fraction) = progress.fraction() else {
            return;
        };
        let width = 30;
        let done = (fraction * width as f64) as usize;
        let bar: String = "=".repeat(done) + &" ".repeat(width - done.min(width));
        eprint!(
            "\r[{bar}] {:3.0}%  {:.1} / {:.1} MB  {} packets",
            fraction * 100.0,
            progress.bytes_read as f64 / 1e6,
            progress.total_bytes.unwrap_or(0) as f64 / 1e6,
            progress.packets
        );
        self.drawn = true;
    }

    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r{}\r", " ".repeat(70));
            self.drawn = false;
        }
    }
}

fn open(file: &Path, options: Options) -> Result<CaptureDecoder<std::fs::File>, ExitCode> {
    CaptureDecoder::open(file, options).map_err(|error| {
        eprintln!("ws-inspector: {error}");
        ExitCode::FAILURE
    })
}

/// Exit status after a decode: failure only if the capture was damaged before a single
/// packet could be read.
fn finish_status(file: &Path, decoder: &CaptureDecoder<std::fs::File>) -> ExitCode {
    match decoder.capture_error() {
        Some(error) => {
            eprintln!("ws-inspector: {}: {error}", file.display());
            if decoder.progress().packets == 0 {
                ExitCode::FAILURE
            } else {
                eprintln!(
                    "ws-inspector: {} packets before the damage were decoded",
                    decoder.progress().packets
                );
                ExitCode::SUCCESS
            }
        }
        None => ExitCode::SUCCESS,
    }
}

/// Which events `decode` prints.
#[derive(Debug, Clone, Copy)]
struct Filter {
    conn: Option<u32>,
    opcode: Option<u8>,
    messages: bool,
}

impl Filter {
    fn keep(&self, event: &Event) -> bool {
        if self.conn.is_some() && event.conn() != self.conn {
            return false;
        }
        match event {
            Event::Frame(frame) => self.opcode.is_none_or(|op| op == frame.opcode),
            Event::Message(message) => {
                self.messages && self.opcode.is_none_or(|op| op == message.opcode)
            }
            _ => true,
        }
    }
}

/// The progress bar is updated every this many packets.
const PROGRESS_EVERY: u32 = 8192;

fn decode(args: &DecodeArgs) -> ExitCode {
    let max_payload = args
        .max_payload
        .unwrap_or(if args.json { 256 } else { usize::MAX });
    let options = Options {
        max_payload,
        messages: args.messages,
        ..Options::default()
    };
    let mut decoder = match open(&args.file, options) {
        Ok(decoder) => decoder,
        Err(code) => return code,
    };
    let filter = Filter {
        conn: args.conn,
        opcode: args.opcode,
        messages: args.messages,
    };
    // One thread decodes, formats and writes, handing each printed event's buffers back
    // to the decoder (see pool). A decoding thread feeding a printing thread was tried:
    // on two cores it cost more CPU (events crossing caches) and was slower whenever
    // anything else ran.
    let mut bar = ProgressBar::new(decoder.progress().total_bytes);
    let mut json = JsonLinesWriter::new(io::stdout().lock());
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut write_failed = false;
    let mut packets = 0u32;
    'packets: while let Some(events) = decoder.next_events() {
        for event in events.iter_mut() {
            if !filter.keep(event) {
                continue;
            }
            let result = if args.json {
                json.write_event(event)
            } else {
                writeln!(out, "{}", human_line(event))
            };
            pool::recycle_event(event);
            if result.is_err() {
                write_failed = true;
                break 'packets;
            }
        }
        packets = packets.wrapping_add(1);
        if packets.is_multiple_of(PROGRESS_EVERY) {
            bar.update(decoder.progress());
        }
    }
    write_failed |= json.flush().is_err() || out.flush().is_err();
    bar.clear();
    if write_failed {
        return ExitCode::SUCCESS;
    }
    finish_status(&args.file, &decoder)
}

fn stats(args: &StatsArgs) -> ExitCode {
    let options = Options {
        max_payload: 0,
        ..Options::default()
    };
    let mut decoder = match open(&args.file, options) {
        Ok(decoder) => decoder,
        Err(code) => return code,
    };
    let mut bar = ProgressBar::new(decoder.progress().total_bytes);
    let mut collector = StatsCollector::default();
    let mut counter = 0u32;
    while let Some(event) = decoder.next() {
        counter = counter.wrapping_add(1);
        if counter.is_multiple_of(4096) {
            bar.update(decoder.progress());
        }
        collector.observe(&event);
    }
    bar.clear();
    let other_errors = collector.other_errors;
    let (connections, others) = collector.finish(&decoder.connections());
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for connection in &connections {
        let _ = if args.json {
            serde_json::to_writer(&mut out, connection)
                .map_err(io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
        } else {
            writeln!(out, "{}", stats::human(connection))
        };
    }
    if !args.json {
        let _ = writeln!(
            out,
            "{} WebSocket connection{}, {} other TCP connection{}, {} packets{}",
            connections.len(),
            if connections.len() == 1 { "" } else { "s" },
            others,
            if others == 1 { "" } else { "s" },
            decoder.progress().packets,
            if other_errors > 0 {
                format!(", {other_errors} packet errors")
            } else {
                String::new()
            }
        );
    }
    finish_status(&args.file, &decoder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_by_name_and_number() {
        assert_eq!(parse_opcode("text"), Ok(1));
        assert_eq!(parse_opcode("PING"), Ok(9));
        assert_eq!(parse_opcode("0xA"), Ok(10));
        assert_eq!(parse_opcode("8"), Ok(8));
        assert!(parse_opcode("16").is_err());
        assert!(parse_opcode("chat").is_err());
    }

    #[test]
    fn clap_definition_is_valid() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }
}
