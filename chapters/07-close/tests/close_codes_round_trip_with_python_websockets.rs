//! Real peers: Python `websockets` as a client of our server and as the server
//! our client talks to. Close codes and reasons cross in both directions.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::Duration;

use ch07_close::{CloseCode, Config, Event, Message, State, connect_to};
use wsbook_peers::{Server, python, run_with_timeout};

#[test]
fn python_client_closes_with_codes_and_reasons_and_our_server_echoes_the_code() {
    let server = Server::start(env!("CARGO_BIN_EXE_ch07-close"), &[]);
    let script = r#"
import asyncio, sys, websockets
async def main():
    for code, reason in [(1000, "bye"), (1001, ""), (3000, "réason"), (4999, "x" * 123)]:
        async with websockets.connect(sys.argv[1]) as ws:
            await ws.send("text")
            assert await ws.recv() == "text"
            await ws.send(b"\x00\xff")
            assert await ws.recv() == b"\x00\xff"
            await ws.close(code, reason)
            # What the server answered with (its close frame), and whether it came after ours.
            p = ws.protocol
            print(code, p.close_rcvd.code, repr(p.close_rcvd.reason), p.close_rcvd_then_sent)
asyncio.run(main())
"#;
    let mut cmd = python();
    cmd.args(["-c", script, &server.url("/echo")]);
    let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(30));
    assert!(ok, "{err}\n{}", server.log());
    for code in [1000, 1001, 3000, 4999] {
        assert!(out.contains(&format!("{code} {code} '' False")), "{out}");
    }
    assert!(
        server.wait_for_log("\"réason\"", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    assert!(
        server.log().contains(&format!("\"{}\"", "x".repeat(123))),
        "{}",
        server.log()
    );
}

/// Starts a Python `websockets` server running `handler` (an async function of
/// `ws`), and returns it with its URL.
fn python_server(handler: &str) -> (Child, String) {
    let script = format!(
        r#"
import asyncio, websockets
{handler}
async def main():
    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"ws://127.0.0.1:{{port}}/", flush=True)
        await asyncio.sleep(60)
asyncio.run(main())
"#
    );
    let mut child = python()
        .args(["-c", &script])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("ws://"), "python server said {line:?}");
    (child, line.trim().to_string())
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn our_client_closes_a_python_server_with_a_code_and_reason() {
    let (child, url) = python_server(
        r#"
async def handler(ws):
    async for message in ws:
        await ws.send(message)
    print("server saw", ws.close_code, ws.close_reason, flush=True)
"#,
    );
    let _kill = Kill(child);
    let mut ws = connect_to(&url, Config::default()).unwrap();
    assert_eq!(ws.with(|c| c.state()), State::Open);
    ws.with(|c| c.send(&Message::text("héllo"))).unwrap();
    assert!(matches!(ws.read(), Some(Event::Message(m)) if m.as_text() == Some("héllo")));
    ws.with(|c| c.close(4000, "client reason", std::time::Instant::now()))
        .unwrap();
    assert_eq!(ws.with(|c| c.state()), State::Closing);
    let mut events = Vec::new();
    while let Some(event) = ws.read() {
        events.push(event);
    }
    let Some(Event::Closed(info)) = events.last() else {
        panic!("{events:?}")
    };
    // websockets echoes the code (and the reason) and closes TCP first.
    assert_eq!(info.code, CloseCode::Other(4000), "{info}");
    assert!(info.clean, "{info}");
    assert_eq!(ws.with(|c| c.state()), State::Closed);
}

#[test]
fn a_python_server_closes_and_our_client_reports_its_code_and_reason() {
    let (child, url) = python_server(
        r#"
async def handler(ws):
    await ws.send("going")
    await ws.close(4001, "server reason")
"#,
    );
    let _kill = Kill(child);
    let mut ws = connect_to(&url, Config::default()).unwrap();
    let mut events = Vec::new();
    while let Some(event) = ws.read() {
        events.push(event);
    }
    assert_eq!(events[0], Event::Message(Message::text("going")));
    assert_eq!(
        events[1],
        Event::CloseReceived {
            code: Some(CloseCode::Other(4001)),
            reason: "server reason".into()
        }
    );
    let Event::Closed(info) = &events[2] else {
        panic!("{events:?}")
    };
    assert!(info.clean, "{info}");
    assert_eq!(info.code, CloseCode::Other(4001));
    assert_eq!(info.reason, "server reason");
    assert_eq!(
        info.sent,
        Some((Some(CloseCode::Other(4001)), String::new())),
        "we echoed the code"
    );
}

#[test]
fn a_python_server_that_sends_an_invalid_close_code_is_failed_with_1002() {
    // websockets refuses to send 1005 itself, so write the frame by hand.
    let (child, url) = python_server(
        r#"
async def handler(ws):
    ws.transport.write(b"\x88\x02\x03\xed")   # close 1005, which may not be sent
    await asyncio.sleep(2)
    print("server saw", ws.close_code, flush=True)
"#,
    );
    let _kill = Kill(child);
    let mut ws = connect_to(&url, Config::default()).unwrap();
    let mut events = Vec::new();
    while let Some(event) = ws.read() {
        events.push(event);
    }
    let Some(Event::Closed(info)) = events.last() else {
        panic!("{events:?}")
    };
    assert!(!info.clean);
    assert_eq!(
        info.sent,
        Some((Some(CloseCode::ProtocolError), String::new())),
        "{info}"
    );
    assert!(
        info.failure.as_deref().unwrap_or("").contains("1005"),
        "{info}"
    );
}
