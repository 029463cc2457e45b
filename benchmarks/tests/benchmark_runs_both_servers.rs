//! A small run of the benchmark (debug build, a few hundred messages): both
//! servers start, every echo comes back the right size, and each row reports a
//! rate for both and their ratio.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Duration;

use wsbook_peers::run_with_timeout;

/// The `ch07-close` binary next to ours, built if `cargo test -p benchmarks`
/// alone did not build it.
fn ch07_binary() -> std::path::PathBuf {
    let binary =
        std::path::Path::new(env!("CARGO_BIN_EXE_benchmarks")).with_file_name("ch07-close");
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "-p", "ch07-close"])
            .status()
            .unwrap();
        assert!(status.success(), "cargo build -p ch07-close failed");
    }
    binary
}

#[test]
fn a_quick_run_measures_both_servers_on_every_row() {
    let ch07 = ch07_binary();
    let mut command = Command::new(env!("CARGO_BIN_EXE_benchmarks"));
    command.arg("--ch07-server").arg(&ch07);
    command.args([
        "--quick",
        "--rounds",
        "1",
        "--connections",
        "1,4",
        "--sizes",
        "64,65536",
        "--json",
    ]);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(120));
    assert!(ok, "{stderr}");
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 4, "{stdout}");
    for row in &rows {
        let ours = row["ch07_msgs_per_s"].as_f64().unwrap();
        let theirs = row["tungstenite_msgs_per_s"].as_f64().unwrap();
        assert!(ours > 0.0 && theirs > 0.0, "{row}");
        let ratio = row["ratio"].as_f64().unwrap();
        assert!((ratio - ours / theirs).abs() < 1e-9, "{row}");
    }
    let shapes: Vec<(u64, u64)> = rows
        .iter()
        .map(|row| {
            (
                row["connections"].as_u64().unwrap(),
                row["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(shapes, [(1, 64), (4, 64), (1, 65536), (4, 65536)]);
}

#[test]
fn help_describes_the_benchmark() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_benchmarks"));
    command.arg("--help");
    let (ok, stdout, _) = run_with_timeout(command, Duration::from_secs(10));
    assert!(ok);
    assert!(stdout.contains("tungstenite"), "{stdout}");
}
