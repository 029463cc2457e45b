//! §5.5.2/§5.5.3 against the real server binary: pings answered with the same
//! payload, a 126-byte ping refused with 1002, an unsolicited pong ignored.

use std::time::{Duration, Instant};

use ch06_ping_pong::{Config, Event, Frame, Message, connect_to};
use wsbook_peers::{Server, python, run_with_timeout};

fn server() -> Server {
    Server::start(env!("CARGO_BIN_EXE_ch06-ping-pong"), &[])
}

#[test]
fn a_125_byte_ping_comes_back_as_a_pong_with_the_same_payload() {
    let server = server();
    let mut ws = connect_to(&server.url("/echo"), Config::default()).unwrap();
    let payload: Vec<u8> = (0..125u8).map(|i| i.wrapping_mul(7)).collect();
    ws.with(|c| c.ping(payload.clone(), Instant::now()))
        .unwrap();
    match ws.read() {
        Some(Event::Pong { payload: back, rtt }) => {
            assert_eq!(back, payload);
            assert!(rtt < Duration::from_secs(5));
        }
        other => panic!("expected the pong, got {other:?}"),
    }
    assert!(server.wait_for_log("PING", Duration::from_secs(5)));
}

#[test]
fn a_126_byte_ping_is_a_protocol_error_1002() {
    let server = server();
    let mut ws = connect_to(&server.url("/echo"), Config::default()).unwrap();
    // Our encoder does not stop us: it is the server's job to refuse it.
    ws.with(|c| c.send_frame(&Frame::ping(vec![b'x'; 126])))
        .unwrap();
    match ws.read() {
        Some(Event::Close(frame)) => assert_eq!(frame.close_code(), Some(1002)),
        other => panic!("expected a close frame with 1002, got {other:?}"),
    }
    assert!(
        server.wait_for_log(
            "§5.5 control frame payload of 126 bytes",
            Duration::from_secs(5)
        ),
        "the server says why: {}",
        server.log()
    );
}

#[test]
fn an_unsolicited_pong_changes_nothing() {
    let server = server();
    let mut ws = connect_to(&server.url("/echo"), Config::default()).unwrap();
    ws.with(|c| c.send_frame(&Frame::pong(b"nobody asked".to_vec())))
        .unwrap();
    ws.with(|c| c.send(&Message::text("still echoing?")))
        .unwrap();
    match ws.read() {
        Some(Event::Message(message)) => assert_eq!(message.as_text(), Some("still echoing?")),
        other => panic!("expected the echo, got {other:?}"),
    }
    assert!(server.wait_for_log("unsolicited", Duration::from_secs(5)));
}

#[test]
fn python_websockets_pings_and_gets_its_payloads_back() {
    let server = server();
    let script = r#"
import asyncio, sys, time, websockets
async def main():
    async with websockets.connect(sys.argv[1]) as ws:
        for size in (0, 1, 125):
            payload = bytes(range(size))
            waiter = await ws.ping(payload)   # resolves when the pong with this payload arrives
            latency = await asyncio.wait_for(waiter, 5)
            print(f"pong {size} {latency:.6f}")
        await ws.send("after pings")
        print("echo", await asyncio.wait_for(ws.recv(), 5))
asyncio.run(main())
"#;
    let mut cmd = python();
    cmd.args(["-c", script, &server.url("/echo")]);
    let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(30));
    assert!(ok, "python failed: {err}\nserver log:\n{}", server.log());
    for size in [0, 1, 125] {
        assert!(out.contains(&format!("pong {size} ")), "{out}");
    }
    assert!(out.contains("echo after pings"), "{out}");
}
