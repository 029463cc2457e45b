//! Real, independent WebSocket implementations send fragmented messages and get them back
//! whole: Python `websockets` (`send(iterable)` sends one fragment per item) and Node `ws`
//! (`send(data, { fin: false })`). With `--fragment-size 3` the server fragments its echoes
//! and Python reports how many fragments it received — every 3-byte cut, even the ones
//! inside a character, reassembled by a real peer.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use wsbook_peers::{Server, node, python, run_with_timeout};

const BIN: &str = env!("CARGO_BIN_EXE_ch05-fragmentation");

const PYTHON: &str = r#"
import json, sys
from websockets.sync.client import connect
out = {}
with connect(sys.argv[1], open_timeout=10, close_timeout=5) as ws:
    ws.send(["Hel", "lo, w", "ö", "rld"])          # one text message in fragments
    out["text"] = ws.recv(timeout=10)
    ws.send([b"\x00\x01", b"\x02", b"\xfe\xff"])   # one binary message in fragments
    out["binary"] = ws.recv(timeout=10).hex()
    ws.send("€uro ✓ " * 3)                       # one frame; the server may fragment the echo
    fragments = list(ws.recv_streaming())
    out["fragments"] = len(fragments)
    out["reassembled"] = "".join(fragments)
    ws.close(1000)
    out["close_code"] = ws.close_code
print(json.dumps(out, ensure_ascii=False))
"#;

/// The server's log once it has closed the connection (its last line for a client).
fn log_after_close(server: &Server) -> String {
    assert!(
        server.wait_for_log("TCP closed", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    server.log()
}

fn run_python(server: &Server) -> serde_json::Value {
    let mut command = python();
    command.args(["-c", PYTHON, &server.url("/echo")]);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(30));
    assert!(
        ok,
        "python client failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    serde_json::from_str(stdout.trim()).unwrap()
}

#[test]
fn python_websockets_fragmented_messages_come_back_whole() {
    let server = Server::start(BIN, &[]);
    let out = run_python(&server);
    assert_eq!(out["text"], "Hello, wörld", "{out}");
    assert_eq!(out["binary"], "000102feff", "{out}");
    assert_eq!(
        out["fragments"], 1,
        "no --fragment-size: one frame per echo"
    );
    assert_eq!(out["reassembled"], "€uro ✓ €uro ✓ €uro ✓ ");
    assert_eq!(out["close_code"], 1000, "{out}");
    // websockets sends one frame per item and then ends the message with an empty
    // final continuation frame (it cannot know which item is the last): 4 + 1 frames.
    let log = log_after_close(&server);
    assert!(
        log.contains(r#"← TEXT message "Hello, wörld" [13 bytes, 5 frames]"#),
        "{log}"
    );
    assert!(
        log.contains("← BINARY message 00 01 02 fe ff [5 bytes, 4 frames]"),
        "{log}"
    );
}

#[test]
fn with_fragment_size_3_python_receives_and_reassembles_our_fragments() {
    let server = Server::start(BIN, &["--fragment-size", "3"]);
    let out = run_python(&server);
    assert_eq!(out["text"], "Hello, wörld", "{out}");
    assert_eq!(out["binary"], "000102feff", "{out}");
    // "€uro ✓ " is 3 + 3 + 1 + 3 + 1 = 11 bytes; three of them, 33 bytes: 11 fragments
    // of 3 bytes, and the cuts fall inside "€" and "✓".
    let expected = "€uro ✓ ".repeat(3);
    assert_eq!(expected.len(), 33);
    assert_eq!(out["fragments"], 11, "{out}");
    assert_eq!(out["reassembled"], expected.as_str(), "{out}");
    let log = log_after_close(&server);
    assert!(log.contains("in 11 frames of at most 3 bytes"), "{log}");
}

const NODE: &str = r"
const WebSocket = require('ws');
const ws = new WebSocket(process.env.WS_URL);
const received = [];
ws.on('open', () => {
  ws.send('Hel', { fin: false });
  ws.send('lo ', { fin: false });
  ws.send('from Node ws', { fin: true });
  ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
  ws.send(Buffer.from([3]), { binary: true, fin: true });
});
ws.on('message', (data, isBinary) => {
  received.push(isBinary ? { binary: data.toString('hex') } : { text: data.toString() });
  if (received.length === 2) ws.close(1000, 'done');
});
ws.on('close', (code) => { console.log(JSON.stringify({ received, code })); });
ws.on('error', (e) => { console.error(e); process.exit(1); });
setTimeout(() => { console.error('timeout', received); process.exit(1); }, 15000).unref();
";

#[test]
fn node_ws_fragmented_messages_come_back_whole() {
    let server = Server::start(BIN, &["--fragment-size", "4"]);
    let mut command = node();
    command
        .args(["-e", NODE])
        .env("WS_URL", server.url("/echo"));
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(30));
    assert!(ok, "node client failed\nstdout: {stdout}\nstderr: {stderr}");
    let out: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        out["received"],
        serde_json::json!([{ "text": "Hello from Node ws" }, { "binary": "010203" }]),
        "{out}"
    );
    assert_eq!(out["code"], 1000, "{out}");
    let log = log_after_close(&server);
    assert!(
        log.contains(r#"← TEXT message "Hello from Node ws" [18 bytes, 3 frames]"#),
        "{log}"
    );
    assert!(
        log.contains("← BINARY message 01 02 03 [3 bytes, 2 frames]"),
        "{log}"
    );
    assert!(log.contains("in 5 frames of at most 4 bytes"), "{log}");
}
