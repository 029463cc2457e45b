//! Interop: the real Python `websockets` client (`websockets.sync.client.connect`)
//! completes the opening handshake with the `ch02-handshake` binary. `websockets` checks
//! `Sec-WebSocket-Accept` itself and refuses a wrong one, so its success is a second,
//! independent opinion that our accept computation is right.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use ch02_handshake::accept_key;
use wsbook_peers::{Server, python, run_with_timeout};

/// Connects to argv[1] offering argv[2] (comma-separated subprotocols, may be empty) and
/// prints one JSON line about the handshake, or `{"error": ...}` and exits 1.
const CLIENT: &str = r#"
import json, sys
from websockets.sync.client import connect
url, offered = sys.argv[1], [p for p in sys.argv[2].split(",") if p]
try:
    with connect(url, subprotocols=offered or None, origin="http://localhost:9999",
                 open_timeout=5, close_timeout=1) as ws:
        print(json.dumps({
            "subprotocol": ws.subprotocol,
            "status": ws.response.status_code,
            "key": ws.request.headers["Sec-WebSocket-Key"],
            "accept": ws.response.headers["Sec-WebSocket-Accept"],
        }), flush=True)
except Exception as error:
    print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
    sys.exit(1)
"#;

/// Runs the Python client; returns its JSON line (and whether it exited 0).
fn python_connect(url: &str, offered: &str) -> (bool, String) {
    let mut command = python();
    command.args(["-c", CLIENT, url, offered]);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(30));
    assert!(
        stdout.trim_start().starts_with('{'),
        "the Python websockets client did not run (is target/peers/py installed?)\nstdout: {stdout}\nstderr: {stderr}"
    );
    (ok, stdout.trim().to_string())
}

/// The value of `"name": "..."` in a one-line JSON object (enough for these fixed shapes).
fn json_str<'a>(json: &'a str, name: &str) -> Option<&'a str> {
    let start = json.find(&format!("\"{name}\": \""))? + name.len() + 5;
    json[start..].split('"').next()
}

#[test]
fn python_client_completes_the_handshake_and_gets_its_preferred_subprotocol() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &["--hold", "0.3"]);
    let (ok, json) = python_connect(&server.url("/echo"), "chat.v2,chat.v1");
    assert!(
        ok,
        "python client failed: {json}\nserver log:\n{}",
        server.log()
    );
    assert!(json.contains(r#""subprotocol": "chat.v2""#), "{json}");
    assert!(json.contains(r#""status": 101"#), "{json}");
    // The accept the Python client received (and accepted) is the one RFC 6455 defines
    // for the key it generated.
    let key = json_str(&json, "key").unwrap();
    let accept = json_str(&json, "accept").unwrap();
    assert_eq!(accept, accept_key(key));
    assert!(server.wait_for_log(
        &format!("key {key}, accept {accept}, protocol chat.v2"),
        Duration::from_secs(5)
    ));
    assert!(
        server.wait_for_log("origin http://localhost:9999", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    // websockets offers permessage-deflate by default; we record it and decline it.
    assert!(server.log().contains(
        "extensions offered [permessage-deflate; client_max_window_bits] (none accepted)"
    ));
}

#[test]
fn python_client_without_subprotocols_gets_none() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &["--hold", "0.3"]);
    let (ok, json) = python_connect(&server.url("/echo?room=1"), "");
    assert!(
        ok,
        "python client failed: {json}\nserver log:\n{}",
        server.log()
    );
    assert!(json.contains(r#""subprotocol": null"#), "{json}");
    assert!(
        server.wait_for_log("GET /echo?room=1 HTTP/1.1 → 101", Duration::from_secs(5)),
        "{}",
        server.log()
    );
}

#[test]
fn python_client_sees_our_404_for_an_unknown_path() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch02-handshake"), &[]);
    let (ok, json) = python_connect(&server.url("/nope"), "");
    assert!(!ok, "{json}");
    assert!(
        json.contains("InvalidStatus") && json.contains("404"),
        "{json}"
    );
}
