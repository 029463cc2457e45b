//! What the README promises a learner: run a chapter server, put the proxy in front, open
//! the chapter's page *through the proxy* in a browser, and watch the frames. Headless
//! Chromium loads the page from the proxy, its WebSocket goes through the proxy too, and
//! the proxy decodes the conversation.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod proxy_support;

use std::fs::File;
use std::process::Command;

use proxy_support::{Process, chapter_echo_server, json_lines, run_page, scratch};

const STEPS: &str = r"
async function run(page, { waitFor, events }) {
  await page.fill('#text', 'through the proxy');
  await page.click('#connect');
  await waitFor('open', 1);
  await page.click('#send-text');
  await waitFor('message', 1);
  await page.click('#close');
  await waitFor('close', 1);
  return { events: await events(), url: await page.inputValue('#url') };
}
";

#[test]
fn chromium_opens_the_chapter_page_and_its_websocket_through_the_proxy() {
    let (binary, args, path) =
        chapter_echo_server().expect("a chapter server with a page (chapter 05 or later)");
    let mut command = Command::new(&binary);
    command.args(["--addr", "127.0.0.1:0"]).args(&args);
    let server = Process::start(command, None);

    let output = scratch("chromium.jsonl");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ws-inspector"));
    command
        .args(["proxy", "--listen", "127.0.0.1:0", "--upstream"])
        .arg(server.address.to_string())
        .arg("--json");
    let proxy = Process::start(command, Some(File::create(&output).unwrap()));
    let proxy_address = proxy.address;
    let result = run_page(&format!("http://{proxy_address}/"), STEPS);
    let log = proxy.interrupt();

    // The page, served through the proxy, points its WebSocket at the proxy.
    assert_eq!(result["url"], format!("ws://{proxy_address}{path}"));
    let events = result["events"].as_array().unwrap();
    let message = events.iter().find(|e| e["kind"] == "message").unwrap();
    assert_eq!(message["data"], "through the proxy", "{events:#?}");
    let close = events.iter().find(|e| e["kind"] == "close").unwrap();
    assert_eq!(close["code"], 1000, "{events:#?}");
    assert_eq!(close["wasClean"], true, "{events:#?}");

    // Two connections: the page load (plain HTTP, not decoded) and the WebSocket.
    assert!(log.contains("conn 1:"), "{log}");
    let live = json_lines(&std::fs::read_to_string(&output).unwrap());
    let handshake = live.iter().find(|e| e["kind"] == "handshake").unwrap();
    assert_eq!(handshake["target"], path);
    assert_eq!(handshake["origin"], format!("http://{proxy_address}"));
    assert_eq!(handshake["upgraded"], true);
    assert_eq!(handshake["accept_ok"], true);
    let frames: Vec<(String, String, Option<String>)> = live
        .iter()
        .filter(|e| e["kind"] == "frame")
        .map(|f| {
            (
                f["from"].as_str().unwrap().to_string(),
                f["opcode_name"].as_str().unwrap().to_string(),
                f["text"].as_str().map(str::to_string),
            )
        })
        .collect();
    let text = Some("through the proxy".to_string());
    assert!(
        frames.contains(&("client".into(), "TEXT".into(), text.clone())),
        "{frames:?}"
    );
    assert!(
        frames.contains(&("server".into(), "TEXT".into(), text)),
        "{frames:?}"
    );
    let closes: Vec<_> = live
        .iter()
        .filter(|e| e["kind"] == "frame" && e["opcode_name"] == "CLOSE")
        .collect();
    assert_eq!(closes.len(), 2, "{frames:?}");
    assert_eq!(closes[0]["from"], "client");
    assert_eq!(closes[0]["close_code"], 1000);
    assert_eq!(closes[0]["close_reason"], "bye");
    assert!(
        !live.iter().any(|e| e["kind"] == "error"),
        "errors in the live decode: {live:#?}"
    );
}
