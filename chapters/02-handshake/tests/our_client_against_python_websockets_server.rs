//! Interop: our client (`connect`) completes the opening handshake with a real Python
//! `websockets` server, which checks our request by its own rules, and the connection
//! then carries the server's first frame.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use ch02_handshake::{HandshakeError, accept_key, connect};
use wsbook_peers::python;

/// A websockets server on a free port speaking subprotocol chat.v1. It prints its port,
/// then one JSON line per request it receives (what it saw of our handshake), and sends
/// "hello from python" to every client that connects.
const SERVER: &str = r#"
import json
from websockets.sync.server import serve
def process_request(connection, request):
    print(json.dumps({
        "path": request.path,
        "key": request.headers.get("Sec-WebSocket-Key"),
        "protocol": request.headers.get("Sec-WebSocket-Protocol"),
        "version": request.headers.get("Sec-WebSocket-Version"),
    }), flush=True)
def handler(ws):
    ws.send("hello from python")
    try:
        ws.recv(timeout=5)
    except Exception:
        pass
with serve(handler, "127.0.0.1", 0, subprotocols=["chat.v1"], process_request=process_request) as server:
    print(server.socket.getsockname()[1], flush=True)
    server.serve_forever()
"#;

struct PythonServer {
    child: Child,
    port: u16,
    lines: mpsc::Receiver<String>,
}

impl PythonServer {
    fn start() -> Self {
        let mut child = python()
            .args(["-c", SERVER])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the Python websockets server: {e}"));
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(Duration::from_secs(20));
        let Ok(port) = first.as_deref().unwrap_or("").trim().parse() else {
            let _ = child.kill();
            panic!(
                "the Python websockets server did not print its port (got {first:?}); is target/peers/py installed?"
            );
        };
        PythonServer { child, port, lines }
    }

    fn url(&self, path: &str) -> String {
        format!("ws://127.0.0.1:{}{path}", self.port)
    }

    /// The next request the server reported.
    fn next_request(&self) -> String {
        self.lines.recv_timeout(Duration::from_secs(10)).unwrap()
    }
}

impl Drop for PythonServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn our_client_completes_the_handshake_with_python_websockets() {
    let server = PythonServer::start();
    let (mut stream, handshake, leftover) =
        connect(&server.url("/room?x=1"), &["chat.v2", "chat.v1"]).unwrap();
    assert_eq!(handshake.protocol.as_deref(), Some("chat.v1"));
    assert_eq!(handshake.response.status, 101);
    assert_eq!(handshake.accept, accept_key(&handshake.key));
    assert!(handshake.extensions.is_empty());

    // What the Python server saw: our path, our key, our subprotocol list, version 13.
    let seen = server.next_request();
    assert!(seen.contains(r#""path": "/room?x=1""#), "{seen}");
    assert!(
        seen.contains(&format!(r#""key": "{}""#, handshake.key)),
        "{seen}"
    );
    assert!(seen.contains(r#""protocol": "chat.v2, chat.v1""#), "{seen}");
    assert!(seen.contains(r#""version": "13""#), "{seen}");

    // The connection is open: the server's first frame arrives, an unmasked text frame
    // (0x81, length 17) — perhaps already in the bytes read with the 101.
    let expected = b"\x81\x11hello from python";
    let mut received = leftover;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut chunk = [0u8; 64];
    while received.len() < expected.len() {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "closed after {received:?}");
        received.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(&received[..expected.len()], expected);
}

#[test]
fn python_refuses_when_we_offer_no_subprotocol_it_speaks() {
    let server = PythonServer::start();
    let error = connect(&server.url("/"), &["other"]).unwrap_err();
    assert_eq!(
        error,
        HandshakeError::NotSwitchingProtocols {
            status: 400,
            reason: "Bad Request".into()
        }
    );
    assert!(server.next_request().contains(r#""protocol": "other""#));
}
