//! The binary's command line: `--help` exits 0 with a usage text on stdout, a wrong
//! option exits 2 with the error on stderr, and `--addr 127.0.0.1:0` announces the port.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ch01-raw-tcp");

#[test]
fn help_prints_usage_and_exits_zero() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Usage: ch01-raw-tcp [OPTIONS]"), "{stdout}");
    assert!(stdout.contains("--addr HOST:PORT"), "{stdout}");
    assert!(stdout.contains("[default: 127.0.0.1:8080]"), "{stdout}");
}

#[test]
fn unknown_option_and_bad_value_exit_two() {
    let out = Command::new(BIN).arg("--adr").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown option --adr"));

    let out = Command::new(BIN)
        .args(["--read-timeout", "soon"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid value \"soon\" for --read-timeout")
    );
}

#[test]
fn port_zero_announces_the_real_port() {
    let server = wsbook_peers::Server::start(BIN, &[]);
    assert_ne!(server.addr.port(), 0);
    assert!(server.addr.ip().is_loopback());
    std::net::TcpStream::connect(server.addr).unwrap();
}

#[test]
fn an_address_in_use_is_an_error_exit() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN).args(["--addr", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on"));
}
