//! Subprotocol negotiation with a real peer, Python's `websockets`: a client offering
//! `chat.v1` gets it (and JSON), a client offering nothing gets plain text, both share a
//! room, and each one's words reach the other in its own dialect. A client offering
//! only an unknown subprotocol is refused with 400 and a reason; a page from another
//! origin with 403; a binary message closes with 1003.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod common;

use std::time::Duration;

use common::start;
use wsbook_peers::{python, run_with_timeout};

const SCRIPT: &str = r#"
import asyncio, json, sys
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

URL = sys.argv[1]
out = {}

async def recv_json(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10))

async def main():
    ada = await websockets.connect(URL + "?room=py&nick=ada", subprotocols=["chat.v2", "chat.v1"])
    out["ada_protocol"] = ada.subprotocol
    out["ada_welcome"] = await recv_json(ada)

    bob = await websockets.connect(URL + "?room=py&nick=bob")
    out["bob_protocol"] = bob.subprotocol
    out["bob_welcome"] = await asyncio.wait_for(bob.recv(), 10)
    out["ada_sees_join"] = await recv_json(ada)

    await ada.send(json.dumps({"type": "message", "text": "hello, \"bob\" 👋"}))
    out["bob_hears_ada"] = await asyncio.wait_for(bob.recv(), 10)
    out["ada_hears_herself"] = await recv_json(ada)

    await bob.send("hi ada")
    out["ada_hears_bob"] = await recv_json(ada)
    out["bob_hears_himself"] = await asyncio.wait_for(bob.recv(), 10)

    await ada.send(json.dumps({"type": "nick", "nick": "Ada L."}))
    out["ada_renamed"] = await recv_json(ada)
    out["bob_sees_rename"] = await asyncio.wait_for(bob.recv(), 10)

    await ada.send(json.dumps({"type": "who"}))
    out["who"] = await recv_json(ada)

    await ada.send("this is not JSON")
    out["error"] = await recv_json(ada)

    try:
        await websockets.connect(URL, subprotocols=["chat.v2"])
        out["v2_only"] = "accepted"
    except InvalidStatus as e:
        out["v2_only"] = [e.response.status_code, e.response.body.decode()]

    try:
        await websockets.connect(URL, origin="http://evil.example")
        out["evil"] = "accepted"
    except InvalidStatus as e:
        out["evil"] = [e.response.status_code, e.response.body.decode()]

    await bob.send(b"\x00\x01")
    try:
        await asyncio.wait_for(bob.recv(), 10)
        out["binary"] = "not closed"
    except ConnectionClosed as e:
        out["binary"] = [e.rcvd.code, e.rcvd.reason]
    out["ada_sees_leave"] = await recv_json(ada)
    await ada.close()

asyncio.run(main())
print(json.dumps(out))
"#;

#[test]
fn python_negotiates_chat_v1_and_talks_to_a_plain_text_client() {
    let server = start(&[]);
    let mut command = python();
    command.args(["-c", SCRIPT, &server.url("/chat")]);
    let (ok, stdout, stderr) = run_with_timeout(command, Duration::from_secs(60));
    assert!(ok, "python failed: {stderr}\nserver log:\n{}", server.log());
    let out: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();

    // Negotiation: the first supported subprotocol in the client's list, or none.
    assert_eq!(out["ada_protocol"], "chat.v1");
    assert_eq!(out["bob_protocol"], serde_json::Value::Null);

    let welcome = &out["ada_welcome"];
    assert_eq!(welcome["type"], "welcome");
    assert_eq!(welcome["nick"], "ada");
    assert_eq!(welcome["room"], "py");
    assert_eq!(welcome["online"][0]["nick"], "ada");
    let bob_welcome = out["bob_welcome"].as_str().unwrap();
    assert!(
        bob_welcome.starts_with("* welcome, bob: room py, online: ada, bob."),
        "{bob_welcome}"
    );
    assert_eq!(out["ada_sees_join"]["type"], "join");
    assert_eq!(out["ada_sees_join"]["nick"], "bob");
    assert_eq!(out["ada_sees_join"]["protocol"], serde_json::Value::Null);

    // JSON in, plain text out, and the other way round.
    assert_eq!(out["bob_hears_ada"], "ada: hello, \"bob\" 👋");
    assert_eq!(out["ada_hears_herself"]["text"], "hello, \"bob\" 👋");
    assert_eq!(out["ada_hears_herself"]["nick"], "ada");
    assert!(out["ada_hears_herself"]["time"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(out["ada_hears_bob"]["type"], "message");
    assert_eq!(out["ada_hears_bob"]["nick"], "bob");
    assert_eq!(out["ada_hears_bob"]["text"], "hi ada");
    assert_eq!(out["bob_hears_himself"], "bob: hi ada");

    assert_eq!(out["ada_renamed"]["type"], "nick");
    assert_eq!(out["ada_renamed"]["old"], "ada");
    assert_eq!(out["ada_renamed"]["nick"], "Ada L.");
    assert_eq!(out["bob_sees_rename"], "* ada is now Ada L.");

    // The registry, through `who`: both clients with path, protocol and byte counts.
    let clients = out["who"]["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2, "{clients:?}");
    assert_eq!(clients[0]["nick"], "Ada L.");
    assert_eq!(clients[0]["protocol"], "chat.v1");
    assert!(
        clients[0]["path"]
            .as_str()
            .unwrap()
            .starts_with("/chat?room=py")
    );
    assert!(clients[0]["bytes_in"].as_u64().unwrap() > 50);
    assert!(clients[0]["bytes_out"].as_u64().unwrap() > 200);
    assert_eq!(clients[1]["protocol"], serde_json::Value::Null);

    assert_eq!(out["error"]["type"], "error");
    assert!(
        out["error"]["text"]
            .as_str()
            .unwrap()
            .starts_with("not a chat.v1 message")
    );

    assert_eq!(out["v2_only"][0], 400);
    assert!(
        out["v2_only"][1]
            .as_str()
            .unwrap()
            .contains("offered only chat.v2")
    );
    assert_eq!(out["evil"][0], 403);
    assert!(
        out["evil"][1]
            .as_str()
            .unwrap()
            .starts_with("Origin http://evil.example may not open /chat")
    );

    assert_eq!(out["binary"][0], 1003);
    assert_eq!(out["binary"][1], "chat messages are text");
    assert_eq!(out["ada_sees_leave"]["type"], "leave");
    assert_eq!(out["ada_sees_leave"]["nick"], "bob");
    assert_eq!(out["ada_sees_leave"]["reason"], "closed, 1003");
}
