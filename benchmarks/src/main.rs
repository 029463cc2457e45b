//! `benchmarks`: the echo benchmark, chapter 07 against tungstenite.
//!
//! ```text
//! cargo build --release -p ch07-close -p benchmarks
//! target/release/benchmarks            # the full table
//! target/release/benchmarks --quick    # a smaller run
//! ```
#![forbid(unsafe_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use benchmarks::load::{self, Shape};
use benchmarks::servers;
use clap::{Parser, Subcommand};

/// Echo benchmark: N connections × M messages of S bytes, each echo awaited, against
/// the chapter 07 server and a tungstenite server of the same shape, in the same run.
/// Loopback only. Build with --release.
#[derive(Debug, Parser)]
#[command(name = "benchmarks")]
struct Args {
    #[command(subcommand)]
    command: Option<Server>,
    /// A smaller run (a twentieth of the messages), for a quick look.
    #[arg(long)]
    quick: bool,
    /// Measure each server this many times per row and keep its best.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Give up on a row after this many seconds.
    #[arg(long, default_value_t = 60)]
    time_limit: u64,
    /// Only these connection counts (comma-separated), e.g. `1,16`.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 16, 64])]
    connections: Vec<usize>,
    /// Only these message sizes in bytes (comma-separated), e.g. `64,16384`.
    #[arg(long, value_delimiter = ',', default_values_t = [64, 16 << 10, 1 << 20])]
    sizes: Vec<usize>,
    /// The chapter 07 server binary [default: `ch07-close` next to this program].
    #[arg(long)]
    ch07_server: Option<std::path::PathBuf>,
    /// Print JSON Lines (one object per row) instead of the table.
    #[arg(long)]
    json: bool,
}

/// Internal: run the reference server (the benchmark starts it as a child process).
#[derive(Debug, Subcommand)]
enum Server {
    /// The tungstenite echo server.
    ServeTungstenite {
        /// HOST:PORT (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: String,
    },
}

/// A server child process, killed on drop.
struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    /// CPU time (user + system) the server process has used so far, all its
    /// threads included, from `/proc/PID/stat` (in 1/100 s). `None` off Linux.
    fn cpu_time(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).ok()?;
        // Fields after the `(command)`, which may contain spaces: utime and stime
        // are the 14th and 15th fields of the line, the 12th and 13th after it.
        let after = stat.rsplit_once(')')?.1;
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 =
            fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(Duration::from_millis(ticks * 10))
    }
}

fn start(program: &std::path::Path, args: &[&str]) -> Result<Running, String> {
    let subcommand = program.display().to_string();
    let mut child = Command::new(program)
        .args(args)
        .args(["--addr", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {subcommand}: {e}"))?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    if let Some(base) = line.trim().strip_prefix("listening on ") {
        let url = format!("{base}/echo");
        return Ok(Running { child, url });
    }
    let _ = child.kill();
    Err(format!("{subcommand} said {line:?}"))
}

/// The rows: N ∈ {1, 16, 64} × S ∈ {64 B, 16 KiB, 1 MiB} by default. Each row
/// moves a bounded number of messages in total, split over its connections:
/// 40,000 small ones, 256 MiB worth of medium ones, and at least 1,024 of the
/// largest (1 GiB each way for 1 MiB messages, about a second on loopback).
fn shapes(args: &Args) -> Vec<Shape> {
    let mut rows = Vec::new();
    for &size in &args.sizes {
        let size = size.clamp(1, 16 << 20);
        let total = ((256 << 20) / size).clamp(1024, 40_000);
        for &connections in &args.connections {
            let connections = connections.clamp(1, 1000);
            let total = if args.quick { total / 20 } else { total };
            let messages = total.div_ceil(connections).max(2);
            rows.push(Shape {
                connections,
                messages,
                size,
            });
        }
    }
    rows
}

fn size_label(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Server::ServeTungstenite { addr }) = &args.command {
        return match servers::serve_tungstenite(addr) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        };
    }
    match benchmark(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn benchmark(args: &Args) -> Result<(), String> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; run with --release for meaningful numbers");
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let ch07_binary = args
        .ch07_server
        .clone()
        .unwrap_or_else(|| exe.with_file_name("ch07-close"));
    if !ch07_binary.exists() {
        return Err(format!(
            "{} not found: build it first (cargo build --release -p ch07-close), or pass --ch07-server PATH",
            ch07_binary.display()
        ));
    }
    let ch07 = start(&ch07_binary, &["--quiet"])?;
    let reference = start(&exe, &["serve-tungstenite"])?;
    let limit = Duration::from_secs(args.time_limit);
    let rounds = args.rounds.max(1);
    if !args.json {
        println!(
            "echo benchmark: N connections x M messages of S bytes, each echo awaited; best of {rounds}; loopback"
        );
        println!(
            "{:>3} {:>7} {:>6} {:>8} {:>14} {:>18} {:>17} {:>21}",
            "N",
            "S",
            "M",
            "total",
            "ch07 msgs/s",
            "tungstenite msgs/s",
            "ch07/tungstenite",
            "server CPU/msg t/ch07"
        );
    }
    let mut wins = 0;
    let rows = shapes(args);
    for shape in &rows {
        let mut best = [Duration::MAX, Duration::MAX];
        let mut best_cpu = [Duration::MAX, Duration::MAX];
        // Alternate the two servers (and which goes first) so that a burst of load
        // from elsewhere on the machine hits both alike.
        for round in 0..rounds {
            let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
            for index in order {
                let server = [&ch07, &reference][index];
                let cpu_before = server.cpu_time();
                let elapsed = load::run(&server.url, *shape, limit)
                    .map_err(|error| format!("{} at {shape:?}: {error}", server.url))?;
                best[index] = best[index].min(elapsed);
                if let (Some(before), Some(after)) = (cpu_before, server.cpu_time()) {
                    best_cpu[index] = best_cpu[index].min(after.saturating_sub(before));
                }
            }
        }
        // How much less CPU per message ours used than the reference (> 1: less).
        let cpu_ratio = best_cpu[1].as_secs_f64() / best_cpu[0].as_secs_f64().max(1e-9);
        let rate = |elapsed: Duration| shape.total() as f64 / elapsed.as_secs_f64();
        let (ours, theirs) = (rate(best[0]), rate(best[1]));
        let ratio = ours / theirs;
        if ratio >= 1.0 {
            wins += 1;
        }
        if args.json {
            let row = serde_json::json!({
                "connections": shape.connections, "size": shape.size, "messages_per_connection": shape.messages,
                "total": shape.total(), "ch07_msgs_per_s": ours, "tungstenite_msgs_per_s": theirs, "ratio": ratio,
                "ch07_server_cpu_s": best_cpu[0].as_secs_f64(), "tungstenite_server_cpu_s": best_cpu[1].as_secs_f64(),
            });
            println!("{row}");
        } else {
            println!(
                "{:>3} {:>7} {:>6} {:>8} {:>14.0} {:>18.0} {:>17.2} {:>21.2}",
                shape.connections,
                size_label(shape.size),
                shape.messages,
                shape.total(),
                ours,
                theirs,
                ratio,
                cpu_ratio
            );
        }
    }
    if !args.json {
        println!(
            "rows with ch07/tungstenite >= 1.00: {wins} of {}",
            rows.len()
        );
    }
    Ok(())
}
