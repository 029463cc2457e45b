//! `ch07-close client`: stdin lines out, echoes printed, a clean close at EOF.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use wsbook_peers::{Server, run_with_timeout};

const BIN: &str = env!("CARGO_BIN_EXE_ch07-close");

#[test]
fn lines_go_out_echoes_come_back_and_eof_closes_cleanly() {
    let server = Server::start(BIN, &[]);
    let mut child = Command::new(BIN)
        .args(["client", &server.url("/echo")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("first line\nsecond, with ünïcode\n".as_bytes())
        .unwrap();
    // stdin is closed now: the client closes after the echoes.
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(stdout, "first line\nsecond, with ünïcode\n");
    assert!(
        stderr.contains("closed: clean close, code 1000"),
        "{stderr}"
    );
    assert!(
        server.wait_for_log("CLOSED: clean close, code 1000", Duration::from_secs(5)),
        "{}",
        server.log()
    );
}

#[test]
fn help_and_bad_arguments() {
    for args in [&["--help"][..], &["client", "--help"]] {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        let (ok, out, _) = run_with_timeout(cmd, Duration::from_secs(10));
        assert!(ok);
        assert!(out.contains("Usage: ch07-close"), "{out}");
    }
    for args in [
        &["client"][..],
        &["client", "http://example.com/"],
        &["client", "ws://127.0.0.1:1/echo"],
        &["--nope"],
    ] {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        let (ok, _, err) = run_with_timeout(cmd, Duration::from_secs(20));
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
}
