//! Python `websockets` (a real, independent implementation) sends a 70,000-byte binary
//! message — long enough for the 64-bit length form — to `/echo` and gets the same bytes
//! back; its close with 1000 is answered with 1000.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::time::Duration;

use wsbook_peers::{Server, python, run_with_timeout};

const CLIENT: &str = r#"
import hashlib, json, sys
from websockets.sync.client import connect
payload = bytes((i * 7 + i // 256) % 256 for i in range(70_000))
with connect(sys.argv[1], open_timeout=10, close_timeout=5, max_size=1 << 20) as ws:
    ws.send(payload)
    echo = ws.recv(timeout=10)
    ws.close(1000, "thanks")
    print(json.dumps({
        "type": type(echo).__name__,
        "length": len(echo),
        "same": echo == payload,
        "sha256": hashlib.sha256(echo).hexdigest(),
        "close_code": ws.close_code,
    }))
"#;

#[test]
fn a_70000_byte_binary_message_from_python_websockets_comes_back_intact() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch04-masking"), &[]);
    let mut command = python();
    command.args(["-c", CLIENT, &server.url("/echo")]);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(30));
    assert!(
        ok,
        "python client failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["type"], "bytes", "{result}");
    assert_eq!(result["length"], 70_000, "{result}");
    assert_eq!(result["same"], true, "{result}");
    assert_eq!(result["close_code"], 1000, "{result}");

    assert!(
        server.wait_for_log("TCP closed", std::time::Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let log = server.log();
    assert!(log.contains("← BINARY fin masked "), "{log}");
    assert!(log.contains(" [70000 bytes]\n"), "{log}");
    assert!(log.contains("→ BINARY fin "), "{log}");
    assert!(
        log.contains("→ CLOSE fin 1000 [2 bytes]; TCP closed"),
        "{log}"
    );
}
