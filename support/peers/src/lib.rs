//! Test support shared by every crate's integration tests.
//!
//! wsbook's rule is that a chapter is done when a *real* peer agrees with it, so the
//! tests talk to Python `websockets`, Node `ws`, headless Chromium and `tshark`. This
//! crate makes them available on a fresh machine: the first test that needs a peer runs
//! `scripts/install-tools.sh` (idempotent, under a file lock so parallel test binaries do
//! not race) which installs everything into `target/peers/`. A peer that cannot be
//! installed fails the test with a message that says so; nothing is silently skipped.
//!
//! It also starts chapter servers as child processes and reads their
//! `listening on ws://HOST:PORT` line, so tests use the real binaries on port 0, and
//! drives headless Chromium through playwright-core ([`browser`]).

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub mod browser;
pub use browser::{of_kind, run_in_chromium, run_page};

/// The workspace root (this crate lives in `support/peers`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("support/peers sits two levels below the workspace root")
        .to_path_buf()
}

/// Where the installed peers live: `target/peers`.
pub fn peers_dir() -> PathBuf {
    workspace_root().join("target").join("peers")
}

fn run_installer(extra: &[&str]) {
    let root = workspace_root();
    std::fs::create_dir_all(peers_dir()).expect("create target/peers");
    let lock = peers_dir().join(".install.lock");
    // flock(1) serialises concurrent installers (several test binaries, nextest).
    let status = Command::new("flock")
        .arg(&lock)
        .arg("bash")
        .arg(root.join("scripts/install-tools.sh"))
        .args(extra)
        .stdin(Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => panic!(
            "could not install the real peers this test needs (scripts/install-tools.sh {} exited with {s}); \
             see its output above",
            extra.join(" ")
        ),
        Err(e) => panic!("could not run scripts/install-tools.sh under flock: {e}"),
    }
}

/// Installs (once per process) the base peers: chromium, tshark, Python websockets, Node ws.
pub fn ensure_installed() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| run_installer(&[]));
}

/// Installs Autobahn|Testsuite as well and returns the `wstest` path.
pub fn wstest() -> PathBuf {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| run_installer(&["autobahn"]));
    peers_dir().join("autobahn/bin/wstest")
}

/// Python 3 from the venv that has `websockets` and `websocket-client`.
pub fn python() -> Command {
    ensure_installed();
    let mut cmd = Command::new(peers_dir().join("py/bin/python"));
    cmd.env("PYTHONUNBUFFERED", "1");
    cmd
}

/// `node` with `ws` and `playwright-core` resolvable (NODE_PATH points at target/peers/node).
pub fn node() -> Command {
    ensure_installed();
    let mut cmd = Command::new("node");
    cmd.env("NODE_PATH", peers_dir().join("node/node_modules"));
    cmd
}

/// The system Chromium, for Playwright's `executablePath`.
pub fn chromium() -> PathBuf {
    ensure_installed();
    PathBuf::from("/usr/bin/chromium")
}

/// The flags Chromium needs to run headless here (root, no network but loopback).
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// `tshark`, installed if needed.
pub fn tshark() -> Command {
    ensure_installed();
    Command::new("tshark")
}

/// Runs a command to completion with a time limit, returning (status ok, stdout, stderr).
/// A peer script that hangs fails the test instead of hanging it.
pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait on child") {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = out.join().unwrap_or_default();
    let mut err = err.join().unwrap_or_default();
    if status.is_none() {
        err = format!("{err}\n[killed after {limit:?}]");
    }
    (status.is_some_and(|s| s.success()), out, err)
}

/// A server binary running as a child process; killed on drop.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// The address from its `listening on ws://HOST:PORT` line.
    pub addr: SocketAddr,
    stderr_log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `binary` with `--addr 127.0.0.1:0` plus `args`, and waits (≤ 10 s) for its
    /// `listening on ws://HOST:PORT` line on stdout. Its stderr is collected (see [`Server::log`]).
    pub fn start(binary: &str, args: &[&str]) -> Server {
        let mut child = Command::new(binary)
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let stderr_log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr_log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = sink
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) else {
            let _ = child.kill();
            panic!("{binary} printed no `listening on` line within 10 s");
        };
        let addr = line
            .strip_prefix("listening on ws://")
            .and_then(|a| a.trim().parse().ok())
            .unwrap_or_else(|| panic!("{binary}: unexpected first line {line:?}"));
        Server {
            child,
            addr,
            stderr_log,
        }
    }

    /// The server's process id (for `/proc/PID/status`, `/proc/PID/fd`, ...).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `ws://HOST:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    /// What the server has logged on stderr so far.
    pub fn log(&self) -> String {
        self.stderr_log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits up to `limit` for `needle` to appear in the server's stderr log.
    pub fn wait_for_log(&self, needle: &str, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
