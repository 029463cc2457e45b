//! The heartbeat, with short intervals: a client that stops answering pings is
//! dropped after the timeout; a client that answers keeps echoing meanwhile.

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch06_ping_pong::{
    Config, Event, HeadLimits, Heartbeat, Message, client_request, connect_to, read_response_head,
};
use wsbook_peers::{Server, python, run_with_timeout};

#[test]
fn a_client_that_stops_answering_is_disconnected_after_the_timeout() {
    // Ping after 0.2 s of silence, give up 0.5 s after the ping.
    let server = Server::start(
        env!("CARGO_BIN_EXE_ch06-ping-pong"),
        &["--ping-interval", "0.2", "--ping-timeout", "0.5"],
    );

    // The silent client: completes the handshake, then never reads, so it never
    // answers the server's ping.
    let mut silent = TcpStream::connect(server.addr).unwrap();
    let (_key, request) = client_request(&server.addr.to_string(), "/echo", &[], &[]);
    std::io::Write::write_all(&mut silent, &request).unwrap();
    let started = Instant::now();

    // Meanwhile a real client (Python websockets answers pings by itself) echoes
    // a message every 50 ms for 2 s, and stays quiet long enough between bursts
    // to be pinged too.
    let script = r#"
import asyncio, sys, time, websockets
async def main():
    async with websockets.connect(sys.argv[1], ping_interval=None) as ws:
        n = 0
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            await ws.send(f"m{n}")
            assert await asyncio.wait_for(ws.recv(), 5) == f"m{n}"
            n += 1
            await asyncio.sleep(0.05 if n % 10 else 0.4)   # now and then, quiet past the interval
        print("echoed", n)
asyncio.run(main())
"#;
    let mut cmd = python();
    cmd.args(["-c", script, &server.url("/echo")]);
    let (ok, out, err) = run_with_timeout(cmd, Duration::from_secs(30));
    assert!(
        ok,
        "the answering client was dropped: {err}\n{}",
        server.log()
    );
    assert!(out.starts_with("echoed "), "{out}");

    // The silent client was dropped: its socket holds the 101, a ping, a close
    // frame with 1011, then end of stream.
    assert!(
        server.wait_for_log("did not answer a ping", Duration::from_secs(5)),
        "{}",
        server.log()
    );
    let dropped_after = started.elapsed();
    let (response, mut rest) =
        read_response_head(&mut silent, &HeadLimits::default(), Duration::from_secs(5)).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(response.status, 101);
    silent.read_to_end(&mut rest).unwrap(); // ends: the server closed TCP
    let text = String::from_utf8_lossy(&rest);
    assert!(text.contains("heartbeat 1"), "a ping was sent: {rest:?}");
    assert!(
        rest.windows(4).any(|w| w == [0x88, 0x02, 0x03, 0xF3]),
        "close 1011: {rest:?}"
    );
    assert!(
        dropped_after >= Duration::from_millis(700),
        "not before interval + timeout"
    );

    // The answering client was pinged and answered (the server measured a round trip).
    assert!(server.log().contains("PONG"), "{}", server.log());
}

#[test]
fn our_own_client_can_run_a_heartbeat_too() {
    let server = Server::start(
        env!("CARGO_BIN_EXE_ch06-ping-pong"),
        &["--ping-interval", "0"],
    );
    let config = Config {
        heartbeat: Some(Heartbeat {
            interval: Duration::from_millis(100),
            timeout: Duration::from_secs(2),
        }),
        ..Config::default()
    };
    let mut ws = connect_to(&server.url("/echo"), config).unwrap();
    let mut rtts = Vec::new();
    while rtts.len() < 3 {
        match ws.read() {
            Some(Event::PingSent(_)) => {}
            Some(Event::Pong { rtt, .. }) => rtts.push(rtt),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ws.with(|c| c.stats()).pongs_received, 3);
    ws.with(|c| c.send(&Message::text("done"))).unwrap();
    assert!(matches!(ws.read(), Some(Event::Message(m)) if m.as_text() == Some("done")));
}
