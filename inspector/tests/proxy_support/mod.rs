//! Shared by the proxy's integration tests: child processes (servers, the proxy) that
//! announce `listening on ws://HOST:PORT`, the chapter echo server, the Python one.
#![allow(dead_code, clippy::unwrap_used)] // each test binary uses its own subset

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use wsbook_peers::{python, run_with_timeout, workspace_root};

pub const LIMIT: Duration = Duration::from_secs(60);

pub fn peer_script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/peers")
        .join(name)
}

pub fn scratch(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{}-{name}", std::process::id()))
}

/// A child process killed on drop, whose stdout's first `listening on ws://` line gave
/// its address, and whose stderr is collected.
pub struct Process {
    child: Child,
    pub address: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl Process {
    /// Starts `command`, waiting up to 60 s for `listening on ws://HOST:PORT` on stdout
    /// (or on stderr when `stdout` is given: the proxy prints its events on stdout).
    pub fn start(mut command: Command, stdout: Option<File>) -> Process {
        let listening_on_stderr = stdout.is_some();
        command.stdin(Stdio::null()).stderr(Stdio::piped());
        match stdout {
            Some(file) => command.stdout(file),
            None => command.stdout(Stdio::piped()),
        };
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let stderr = child.stderr.take().unwrap();
        let sink = Arc::clone(&log);
        let stderr_tx = tx.clone();
        thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if listening_on_stderr {
                    let _ = stderr_tx.send(line.clone());
                }
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        if let Some(stdout) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + LIMIT;
        let address = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Ok(line) = rx.recv_timeout(left) else {
                let _ = child.kill();
                panic!(
                    "{command:?} printed no `listening on` line; its log:\n{}",
                    log.lock().unwrap()
                );
            };
            if let Some(rest) = line.strip_prefix("listening on ws://") {
                break rest.split(' ').next().unwrap().parse().unwrap();
            }
        };
        Process {
            child,
            address,
            log,
        }
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Ctrl-C, then waits (bounded) for a successful exit.
    pub fn interrupt(mut self) -> String {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "the proxy exited with {status} after Ctrl-C:\n{}",
                    self.log()
                );
                // Let the stderr reader catch up.
                thread::sleep(Duration::from_millis(100));
                return self.log();
            }
            assert!(
                Instant::now() < deadline,
                "the proxy did not stop on Ctrl-C:\n{}",
                self.log()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The newest chapter server that echoes (chapter 05 on), built with cargo, with the
/// arguments and path that make it echo. `None` while no such chapter exists.
pub fn chapter_echo_server() -> Option<(PathBuf, Vec<&'static str>, &'static str)> {
    // Each echoes on /echo; --fragment-size makes it send its echoes in fragments of
    // 1000 bytes, so fragmentation is exercised in both directions.
    let fragments: &[&str] = &["--fragment-size", "1000"];
    let chapters = [
        ("07-close", "ch07-close"),
        ("06-ping-pong", "ch06-ping-pong"),
        ("05-fragmentation", "ch05-fragmentation"),
    ];
    let root = workspace_root();
    let (_, package) = chapters
        .into_iter()
        .find(|(dir, _)| root.join("chapters").join(dir).join("src/main.rs").exists())?;
    eprintln!("using the chapter server {package}");
    let mut build = Command::new(env!("CARGO"));
    build.current_dir(&root).args([
        "build",
        "--message-format=json",
        "-p",
        package,
        "--bin",
        package,
    ]);
    let (ok, out, err) = run_with_timeout(build, Duration::from_secs(600));
    assert!(ok, "cargo build -p {package} failed:\n{err}");
    let executable = out
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo build -p {package} reported no executable"));
    Some((executable, fragments.to_vec(), "/echo"))
}

pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
        })
        .collect()
}

pub fn python_echo_server() -> Process {
    let mut command = python();
    command
        .arg(peer_script("echo_server.py"))
        .arg("127.0.0.1:0");
    Process::start(command, None)
}

/// Launches headless Chromium on `page_url`, runs `steps` (which define
/// `async function run(page, { waitFor, events })`, `events` being the chapter page's
/// `wsbook.events`) and returns what `run` returned.
pub fn run_page(page_url: &str, steps: &str) -> Value {
    const PRELUDE: &str = r"
const { chromium } = require('playwright-core');
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM, args: JSON.parse(process.env.CHROMIUM_ARGS) });
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  await page.goto(process.env.PAGE_URL);
  const waitFor = (kind, n) => page.waitForFunction(
    ([k, n]) => wsbook.events.filter((e) => e.kind === k).length >= n, [kind, n], { timeout: 20000 });
  const events = () => page.evaluate(() => wsbook.events);
  const result = await run(page, { waitFor, events });
  console.log(JSON.stringify({ result, pageErrors }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
";
    let quoted: Vec<String> = wsbook_peers::CHROMIUM_ARGS
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect();
    let mut command = wsbook_peers::node();
    command
        .args(["-e", &format!("{steps}\n{PRELUDE}")])
        .env("CHROMIUM", wsbook_peers::chromium())
        .env("CHROMIUM_ARGS", format!("[{}]", quoted.join(",")))
        .env("PAGE_URL", page_url);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(90));
    assert!(
        ok,
        "the Chromium script failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    let output: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        output["pageErrors"],
        serde_json::json!([]),
        "the page threw"
    );
    output["result"].clone()
}
