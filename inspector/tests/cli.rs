//! The `ws-inspector` binary: output, filters, exit codes and error messages.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use ch07_close::Frame;
use common::*;
use ws_inspector::Side;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ws-inspector"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch file under target/ (unique per test).
fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn two_connections() -> Vec<u8> {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:8080");
    b.open();
    b.upgrade("/one", None);
    b.send(Side::Client, &client_frame(&Frame::text("first")));
    b.send(Side::Server, &server_frame(&Frame::ping(b"hb".to_vec())));
    b.send(Side::Client, &client_frame(&Frame::pong(b"hb".to_vec())));
    b.send(Side::Server, &server_frame(&Frame::binary(vec![0xab; 300])));
    b.close();
    let first = b.bytes();
    // A second connection, appended as a second pcapng section.
    let mut b = Builder::new("10.0.0.1:40001", "10.0.0.2:8080");
    b.open();
    b.upgrade("/two", None);
    b.send(Side::Client, &client_frame(&Frame::text("second")));
    let mut bytes = first;
    bytes.extend(b.bytes());
    bytes
}

#[test]
fn help_works_everywhere() {
    for args in [&["--help"][..], &["decode", "--help"], &["stats", "--help"]] {
        let output = run(args);
        assert!(output.status.success(), "{args:?}");
        assert!(stdout(&output).contains("Usage"), "{args:?}");
    }
    assert!(stdout(&run(&["decode", "--help"])).contains("--max-payload"));
}

#[test]
fn decode_prints_one_line_per_event_with_the_chapters_display() {
    let file = scratch("human.pcapng", &two_connections());
    let output = run(&["decode", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2 + 5, "{text}");
    assert!(
        lines[0].contains("handshake") && lines[0].contains("GET /one → 101"),
        "{text}"
    );
    assert!(
        lines[1].contains(r#"TEXT fin masked "first" [5 bytes]"#),
        "{text}"
    );
    assert!(lines[2].contains(r#"PING fin "hb" [2 bytes]"#), "{text}");
    assert!(
        lines[4].contains("BINARY fin ab ab ab ab ab ab ab ab .. [300 bytes]"),
        "{text}"
    );
    // Without a subcommand, a FILE opens the window: with no display, that fails
    // cleanly (exit 1, a message), and a file that is not a capture fails before any
    // window is tried.
    let gui = bin()
        .arg(&file)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(gui.status.code(), Some(1));
    assert!(
        stderr(&gui).contains("cannot open the window"),
        "{}",
        stderr(&gui)
    );
    let missing = bin().arg("/nonexistent/capture.pcap").output().unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("/nonexistent/capture.pcap"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn json_lines_have_the_documented_fields() {
    let file = scratch("json.pcapng", &two_connections());
    let output = run(&[
        "decode",
        "--json",
        "--max-payload",
        "4",
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let values: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let frame = values
        .iter()
        .find(|v| v["kind"] == "frame" && v["opcode"] == 2)
        .unwrap();
    for field in [
        "kind",
        "conn",
        "packet",
        "time",
        "src",
        "dst",
        "from",
        "fin",
        "rsv",
        "opcode",
        "opcode_name",
        "masked",
        "mask_key",
        "payload_len",
        "payload_hex",
        "compressed",
        "text",
        "close_code",
        "close_reason",
        "violations",
    ] {
        assert!(frame.get(field).is_some(), "missing {field}: {frame}");
    }
    assert_eq!(frame["payload_hex"], "abababab", "cut at --max-payload");
    assert_eq!(frame["payload_len"], 300);
    assert_eq!(frame["from"], "server");
    assert_eq!(frame["rsv"], serde_json::json!([false, false, false]));
    let text = values
        .iter()
        .find(|v| v["kind"] == "frame" && v["opcode"] == 1)
        .unwrap();
    assert_eq!(text["text"], "firs");
    assert_eq!(text["masked"], true);
    assert_eq!(text["mask_key"].as_str().unwrap().len(), 8);
    // Messages only with --messages.
    assert!(values.iter().all(|v| v["kind"] != "message"));
    let with_messages = run(&["decode", "--json", "--messages", file.to_str().unwrap()]);
    assert!(stdout(&with_messages).contains(r#""kind":"message""#));
}

#[test]
fn conn_and_opcode_filters() {
    let file = scratch("filters.pcapng", &two_connections());
    let path = file.to_str().unwrap();
    let output = run(&["decode", "--json", "--conn", "1", path]);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|v| v["conn"] == 1));
    let output = run(&["decode", "--json", "--opcode", "ping", path]);
    let frames: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["kind"] == "frame")
        .collect();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0]["opcode_name"], "PING");
    let bad = run(&["decode", "--opcode", "chat", path]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("not an opcode"));
}

#[test]
fn stats_counts_per_connection() {
    let file = scratch("stats.pcapng", &two_connections());
    let output = run(&["stats", file.to_str().unwrap()]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("conn 0"), "{text}");
    assert!(text.contains("client: 2 frames, 1 messages"), "{text}");
    assert!(
        text.contains("server: 2 frames, 1 messages, 302 payload bytes (BINARY 1, PING 1)"),
        "{text}"
    );
    assert!(
        text.contains("2 WebSocket connections, 0 other TCP connections"),
        "{text}"
    );
    let json = run(&["stats", "--json", file.to_str().unwrap()]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&json).lines().next().unwrap()).unwrap();
    assert_eq!(first["from_server"]["opcodes"]["PING"], 1);
}

#[test]
fn not_a_capture_fails_naming_the_file_and_offset() {
    let file = scratch("notes.txt", b"these are not packets\n");
    let output = run(&["decode", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("notes.txt"), "{message}");
    assert!(message.contains("byte offset 0"), "{message}");
    assert!(message.contains("not a pcap or pcapng file"), "{message}");
    let missing = run(&["decode", "/nonexistent/capture.pcap"]);
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("/nonexistent/capture.pcap"));
}

#[test]
fn a_truncated_capture_prints_what_it_can_and_succeeds() {
    let bytes = two_connections();
    let file = scratch("truncated.pcapng", &bytes[..bytes.len() - 30]);
    let output = run(&["decode", file.to_str().unwrap()]);
    assert!(output.status.success(), "something was read, so exit 0");
    let message = stderr(&output);
    assert!(message.contains("truncated.pcapng"), "{message}");
    assert!(message.contains("byte offset"), "{message}");
    assert!(message.contains("truncated"), "{message}");
    let text = stdout(&output);
    assert!(text.contains(r#""first""#), "{text}");
    assert!(text.contains("error (capture)"), "{text}");
    // Damage in the very first block: nothing read, failure.
    let header_only = scratch("header-cut.pcapng", &bytes[..20]);
    let output = run(&["decode", header_only.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("header-cut.pcapng"));
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let mut b = Builder::new("10.0.0.1:40000", "10.0.0.2:8080");
    b.open();
    b.upgrade("/", None);
    let big = client_frame(&Frame::binary(vec![7; 60_000]));
    for _ in 0..200 {
        b.send(Side::Client, &big);
    }
    let bytes = b.bytes();
    assert!(bytes.len() > 10_000_000);
    let file = scratch("big.pcapng", &bytes);
    let output = run(&["decode", "--json", file.to_str().unwrap()]);
    assert!(output.status.success());
    assert_eq!(stderr(&output), "", "stderr is a pipe here: no bar");
    assert_eq!(stdout(&output).lines().count(), 201);
}
