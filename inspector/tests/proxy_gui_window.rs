//! `ws-inspector proxy --gui` for real: the window opens (on an Xvfb display), shows the
//! live source, and Ctrl-C still stops the proxy cleanly with a complete pcapng.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod proxy_support;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use proxy_support::{LIMIT, Process, json_lines, peer_script, python_echo_server, scratch};
use wsbook_peers::{peers_dir, python, run_with_timeout, workspace_root};

/// An Xvfb display, killed on drop.
struct Display {
    xvfb: Child,
    name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Starts Xvfb on a free display (installing it with `install-tools.sh gui` if needed).
fn display() -> Display {
    if Command::new("Xvfb").arg("-help").output().is_err()
        || Command::new("xdotool").arg("version").output().is_err()
    {
        let status = Command::new("flock")
            .arg(peers_dir().join(".install.lock"))
            .arg("bash")
            .arg(workspace_root().join("scripts/install-tools.sh"))
            .arg("gui")
            .stdin(Stdio::null())
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "this test needs Xvfb and xdotool: `bash scripts/install-tools.sh gui` failed"
        );
    }
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start Xvfb");
    // Xvfb writes the display number it chose on the descriptor given, once it is ready.
    let stdout = xvfb.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let number = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("Xvfb did not say which display it opened");
    Display {
        xvfb,
        name: format!(":{}", number.trim()),
    }
}

#[test]
fn the_window_opens_on_live_traffic_and_ctrl_c_still_closes_the_capture() {
    let server = python_echo_server();
    let display = display();
    let home = scratch("gui-home");
    std::fs::create_dir_all(&home).unwrap();
    let capture = scratch("gui.pcapng");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ws-inspector"));
    command
        .args(["proxy", "--listen", "127.0.0.1:0", "--upstream"])
        .arg(server.address.to_string())
        .arg("--gui")
        .arg("--write")
        .arg(&capture)
        .env("DISPLAY", &display.name)
        // Fresh settings for the window, and no stray Wayland display.
        .env("HOME", &home)
        .env("XDG_DATA_HOME", &home)
        .env_remove("WAYLAND_DISPLAY");
    let stdout = File::create(scratch("gui.stdout")).unwrap();
    let proxy = Process::start(command, Some(stdout));
    let address = proxy.address;

    let mut client = python();
    client
        .arg(peer_script("proxy_client.py"))
        .args([&format!("ws://{address}/"), "deflate"]);
    let (ok, _, err) = run_with_timeout(client, LIMIT);
    assert!(ok, "the client failed through the proxy:\n{err}");

    // The window is there, titled after the live source.
    let title = format!("live: ws://{address}");
    let deadline = Instant::now() + LIMIT;
    loop {
        let found = Command::new("xdotool")
            .args(["search", "--name", &title])
            .env("DISPLAY", &display.name)
            .output()
            .unwrap();
        if found.status.success() && !found.stdout.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no window titled {title:?}; the proxy's log:\n{}",
            proxy.log()
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let log = proxy.interrupt();
    assert!(log.contains("wrote "), "{log}");
    // Without --json the frames go to the window only.
    assert_eq!(std::fs::read_to_string(scratch("gui.stdout")).unwrap(), "");
    let mut decode = Command::new(env!("CARGO_BIN_EXE_ws-inspector"));
    decode.arg("decode").arg(&capture).arg("--json");
    let (ok, decoded, err) = run_with_timeout(decode, LIMIT);
    assert!(ok, "{err}");
    let events = json_lines(&decoded);
    let client_opcodes: Vec<u64> = events
        .iter()
        .filter(|e| e["kind"] == "frame" && e["from"] == "client")
        .map(|e| e["opcode"].as_u64().unwrap())
        .collect();
    assert_eq!(client_opcodes, [1, 1, 2, 1, 0, 0, 0, 2, 0, 0, 9, 8]);
}
