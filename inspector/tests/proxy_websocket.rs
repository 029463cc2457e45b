//! A real client (Python `websockets`) talks through `ws-inspector proxy` to a real
//! server: the newest chapter echo server, and a Python `websockets` server with
//! permessage-deflate. The client must see exactly what it sees without the proxy; the
//! proxy's live output must list the conversation's frames and messages; the pcapng it
//! writes must decode, with ours and with tshark, to the same frames.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod proxy_support;

use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use proxy_support::{
    LIMIT, Process, chapter_echo_server, json_lines, peer_script, python_echo_server, scratch,
};
use serde_json::Value;
use wsbook_peers::{python, run_with_timeout, tshark};

fn run_client(url: &str, compression: &str) -> Value {
    let mut client = python();
    client
        .arg(peer_script("proxy_client.py"))
        .args([url, compression]);
    let (ok, out, err) = run_with_timeout(client, LIMIT);
    assert!(ok, "the Python client failed against {url}:\n{err}");
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("client printed {out:?}: {e}"))
}

/// A frame as both decoders report it: (packet of its last byte, connection, FIN,
/// opcode, MASK, payload length from the header).
type FrameRow = (u64, u64, bool, u64, bool, u64);

fn our_frames(events: &[Value]) -> Vec<FrameRow> {
    events
        .iter()
        .filter(|e| e["kind"] == "frame")
        .map(|f| {
            (
                f["packet_end"].as_u64().unwrap(),
                f["conn"].as_u64().unwrap(),
                f["fin"].as_bool().unwrap(),
                f["opcode"].as_u64().unwrap(),
                f["masked"].as_bool().unwrap(),
                f["payload_len"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn tshark_bool(value: &str) -> bool {
    matches!(value, "1" | "True" | "true")
}

/// tshark's view of the same capture: one row per packet that ends WebSocket frames,
/// several frames comma-separated; the 7-bit length field says when an extended one
/// follows.
fn tshark_frames(capture: &Path) -> Vec<FrameRow> {
    let mut command = tshark();
    command.arg("-r").arg(capture).args([
        "-o",
        "tcp.reassemble_out_of_order:TRUE",
        "-Y",
        "websocket",
        "-T",
        "fields",
        "-e",
        "frame.number",
        "-e",
        "tcp.stream",
        "-e",
        "websocket.fin",
        "-e",
        "websocket.opcode",
        "-e",
        "websocket.mask",
        "-e",
        "websocket.payload_length",
        "-e",
        "websocket.payload_length_ext_16",
        "-e",
        "websocket.payload_length_ext_64",
    ]);
    let (ok, out, err) = run_with_timeout(command, LIMIT);
    assert!(ok, "tshark failed on {}:\n{err}", capture.display());
    let mut frames = Vec::new();
    for line in out.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<Vec<&str>> = line
            .split('\t')
            .map(|f| f.split(',').filter(|v| !v.is_empty()).collect())
            .collect();
        let number: u64 = fields[0][0].parse().unwrap();
        let stream: u64 = fields[1][0].parse().unwrap();
        let mut ext16 = fields[6].iter();
        let mut ext64 = fields[7].iter();
        for (i, opcode) in fields[3].iter().enumerate() {
            let short: u64 = fields[5][i].parse().unwrap();
            let len = match short {
                126 => ext16.next().unwrap().parse().unwrap(),
                127 => ext64.next().unwrap().parse().unwrap(),
                n => n,
            };
            frames.push((
                number,
                stream,
                tshark_bool(fields[2][i]),
                opcode.parse().unwrap(),
                tshark_bool(fields[4][i]),
                len,
            ));
        }
    }
    frames
}

/// Data messages one side sent: (opcode, length after inflation, frames).
fn messages_from(events: &[Value], from: &str) -> Vec<(u64, u64, u64)> {
    events
        .iter()
        .filter(|e| e["kind"] == "message" && e["from"] == from)
        .map(|m| {
            (
                m["opcode"].as_u64().unwrap(),
                m["payload_len"].as_u64().unwrap(),
                m["frames"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn frames_from<'a>(events: &'a [Value], from: &str, opcode: u64) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["kind"] == "frame" && e["from"] == from && e["opcode"] == opcode)
        .collect()
}

/// The whole scenario against a server at `server` (`path` is its echo endpoint).
fn through_the_proxy(name: &str, server: SocketAddr, path: &str, compression: &str) {
    let direct = run_client(&format!("ws://{server}{path}"), compression);

    let output = scratch(&format!("{name}.jsonl"));
    let capture = scratch(&format!("{name}.pcapng"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_ws-inspector"));
    command
        .args(["proxy", "--listen", "127.0.0.1:0", "--upstream"])
        .arg(server.to_string())
        .args(["--json", "--messages", "--write"])
        .arg(&capture);
    let proxy = Process::start(command, Some(File::create(&output).unwrap()));
    let proxied = run_client(&format!("ws://{}{path}", proxy.address), compression);
    let log = proxy.interrupt();

    // 1. The client cannot tell the proxy is there.
    assert_eq!(
        direct, proxied,
        "the client saw something else through the proxy"
    );
    assert_eq!(proxied["pong"], true);
    assert_eq!(proxied["close_code"], 1000);
    assert!(log.contains("conn 0: closed"), "log:\n{log}");

    // 2. The proxy's live output lists the conversation.
    let live_text = std::fs::read_to_string(&output).unwrap();
    let live = json_lines(&live_text);
    let handshake = live
        .iter()
        .find(|e| e["kind"] == "handshake")
        .expect("no handshake in the proxy's output");
    assert_eq!(handshake["upgraded"], true);
    assert_eq!(handshake["accept_ok"], true);
    assert_eq!(handshake["extensions"], proxied["extensions"]);
    // websockets sends an iterable as its fragments followed by an empty final
    // continuation frame (it cannot know which piece is the last): 3 + 1 and 2 + 1 frames.
    let sent = vec![
        (1, 5, 1),
        (1, 300, 1),
        (2, 70_144, 1),
        (1, 18, 4),
        (2, 3, 3),
    ];
    assert_eq!(messages_from(&live, "client"), sent);
    let echoed: Vec<(u64, u64)> = messages_from(&live, "server")
        .into_iter()
        .map(|(opcode, len, _)| (opcode, len))
        .collect();
    let sent_shape: Vec<(u64, u64)> = sent.iter().map(|&(opcode, len, _)| (opcode, len)).collect();
    assert_eq!(echoed, sent_shape);
    let text_frames = frames_from(&live, "client", 1);
    assert_eq!(text_frames[0]["text"], "hello");
    let fragmented = text_frames
        .iter()
        .find(|f| f["text"] == "frag")
        .expect("the first fragment");
    assert_eq!(fragmented["fin"], false);
    let continuations: Vec<bool> = frames_from(&live, "client", 0)
        .iter()
        .map(|f| f["fin"].as_bool().unwrap())
        .collect();
    assert_eq!(continuations, [false, false, true, false, true]);
    let ping = frames_from(&live, "client", 9);
    assert_eq!(ping.len(), 1);
    assert_eq!(ping[0]["payload_hex"], hex::encode("are you there?"));
    let pong = frames_from(&live, "server", 10);
    assert_eq!(pong.len(), 1);
    assert_eq!(pong[0]["payload_hex"], hex::encode("are you there?"));
    let close = frames_from(&live, "client", 8);
    assert_eq!(close.len(), 1);
    assert_eq!(close[0]["close_code"], 1000);
    assert_eq!(close[0]["close_reason"], "bye");
    assert_eq!(frames_from(&live, "server", 8).len(), 1);
    for frame in live.iter().filter(|e| e["kind"] == "frame") {
        assert_eq!(frame["masked"], frame["from"] == "client", "{frame}");
        assert_eq!(
            frame["violations"].as_array().map(Vec::len),
            Some(0),
            "{frame}"
        );
        // With permessage-deflate, RSV1 marks the first frame of each (compressed)
        // data message; without it, RSV1 is never set.
        let deflated = proxied["extensions"].is_string();
        let starts_message = matches!(frame["opcode"].as_u64(), Some(1 | 2));
        assert_eq!(frame["rsv"][0], deflated && starts_message, "{frame}");
    }
    assert!(
        !live
            .iter()
            .any(|e| e["kind"] == "error" || e["kind"] == "gap"),
        "errors in the live decode:\n{live_text}"
    );

    // 3. The written capture decodes to exactly the same events...
    let mut decode = Command::new(env!("CARGO_BIN_EXE_ws-inspector"));
    decode
        .arg("decode")
        .arg(&capture)
        .args(["--json", "--messages"]);
    let (ok, decoded, err) = run_with_timeout(decode, LIMIT);
    assert!(ok, "decode failed on the proxy's capture:\n{err}");
    assert!(
        decoded == live_text,
        "decode of the capture differs from the live output\nlive:\n{live_text}\ndecoded:\n{decoded}"
    );
    // 4. ...and tshark finds the same frames in the same packets.
    assert_eq!(tshark_frames(&capture), our_frames(&live));
}

#[test]
fn python_client_through_the_proxy_to_the_newest_chapter_server() {
    let Some((binary, args, path)) = chapter_echo_server() else {
        // No chapter echoes yet (chapter 05 adds the first): the Python server stands in,
        // without compression so this test still covers a plain conversation.
        let server = python_echo_server();
        through_the_proxy("plain", server.address, "/", "none");
        return;
    };
    let mut command = Command::new(&binary);
    command.args(["--addr", "127.0.0.1:0"]).args(&args);
    let server = Process::start(command, None);
    through_the_proxy("chapter", server.address, path, "deflate");
}

#[test]
fn python_client_and_server_with_permessage_deflate_through_the_proxy() {
    let server = python_echo_server();
    through_the_proxy("deflate", server.address, "/", "deflate");
}
