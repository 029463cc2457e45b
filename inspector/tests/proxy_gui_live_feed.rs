//! `ws-inspector proxy --gui`: the window fills with frames as they pass through the
//! proxy, and stays responsive under a fast stream. Driven with egui_kittest (no display
//! needed); the proxy and its sink are the ones `--gui` uses.
#![allow(clippy::unwrap_used)] // in tests a panic is the failure report

mod proxy_support;

use std::net::SocketAddr;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use proxy_support::{LIMIT, Process, chapter_echo_server, peer_script, python_echo_server};
use ws_inspector::gui::InspectorApp;
use ws_inspector::gui::state::Settings;
use ws_inspector::model::{Event, FrameEvent, Side};
use ws_inspector::proxy::cli::WindowFeed;
use ws_inspector::proxy::{EventSink as _, Proxy, Recording};
use ws_inspector::time::Timestamp;
use wsbook_peers::{python, run_with_timeout};

fn window() -> Harness<'static, InspectorApp> {
    let app = InspectorApp::with_settings(Settings::default(), None);
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut InspectorApp| app.ui(ui), app)
}

/// Steps the window until `done` holds (or fails after `limit`); returns the slowest step.
fn step_until(
    harness: &mut Harness<'static, InspectorApp>,
    limit: Duration,
    done: impl Fn(&InspectorApp) -> bool,
) -> Duration {
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    while !done(harness.state()) {
        assert!(
            started.elapsed() < limit,
            "the window did not get there in {limit:?}"
        );
        let step = Instant::now();
        harness.step();
        slowest = slowest.max(step.elapsed());
        std::thread::sleep(Duration::from_millis(5));
    }
    slowest
}

#[test]
fn frames_appear_in_the_window_as_a_real_conversation_passes_through_the_proxy() {
    // The newest chapter server if there is one, else the Python one.
    let (server, path) = match chapter_echo_server() {
        Some((binary, args, path)) => {
            let mut command = Command::new(&binary);
            command.args(["--addr", "127.0.0.1:0"]).args(&args);
            (Process::start(command, None), path)
        }
        None => (python_echo_server(), "/"),
    };
    let (feed, window_feed) = WindowFeed::channel();
    let running = Proxy::bind("127.0.0.1:0", &server.address.to_string())
        .unwrap()
        .start(Recording {
            sink: feed,
            pcapng: None,
            options: ws_inspector::gui::worker::options(),
        })
        .unwrap();
    let proxy: SocketAddr = running.local_addr();

    let mut harness = window();
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .watch(&ctx, format!("live: ws://{proxy}"), window_feed);
    harness.run_steps(2);
    assert!(harness.state().capture.frames.is_empty());
    harness.get_by_label_contains("live");

    let mut client = python();
    client
        .arg(peer_script("proxy_client.py"))
        .args([&format!("ws://{proxy}{path}"), "none"]);
    let (ok, _, err) = run_with_timeout(client, LIMIT);
    assert!(ok, "the client failed through the proxy:\n{err}");

    // The client's close frame is among the last frames: wait for it in the window.
    step_until(&mut harness, LIMIT, |app| {
        app.capture
            .frames
            .iter()
            .any(|f| f.opcode == 8 && f.from == Side::Client)
    });
    let app = harness.state();
    let client_frames: Vec<u8> = app
        .capture
        .frames
        .iter()
        .filter(|f| f.from == Side::Client)
        .map(|f| f.opcode)
        .collect();
    // hello, 300 bytes, 70 144 bytes, 3+1 text fragments, 2+1 binary fragments, ping, close.
    assert_eq!(client_frames, [1, 1, 2, 1, 0, 0, 0, 2, 0, 0, 9, 8]);
    assert!(
        app.capture.messages.len() >= 10,
        "both directions' messages are listed"
    );
    // The first frame was selected when rows arrived: its row is in the table.
    assert_eq!(app.selected_frame().map(|f| f.index), Some(0));
    harness.run_steps(2);
    harness.get_by_label("frame 0 TEXT 5 bytes");

    drop(running.stop().unwrap());
    // The proxy stopped: the feed ends and the window says the source is done.
    step_until(&mut harness, LIMIT, |app| {
        app.loader
            .as_ref()
            .is_some_and(ws_inspector::gui::worker::Loader::is_done)
    });
}

fn frame(index: u64) -> Event {
    let src: SocketAddr = "127.0.0.1:50000".parse().unwrap();
    let dst: SocketAddr = "127.0.0.1:8080".parse().unwrap();
    Event::Frame(FrameEvent {
        conn: 0,
        index,
        packet: index + 1,
        time: Timestamp::new(1_700_000_000, index * 1000),
        packet_end: index + 1,
        time_end: Timestamp::new(1_700_000_000, index * 1000),
        src,
        dst,
        from: Side::Server,
        fin: true,
        rsv: [false; 3],
        opcode: 1,
        opcode_name: "TEXT".into(),
        masked: false,
        mask_key: None,
        payload_len: 2,
        header: vec![0x81, 0x02],
        payload: b"hi".to_vec(),
        wire_payload: Vec::new(),
        compressed: false,
        text: Some("hi".to_string()),
        close_code: None,
        close_reason: None,
        missing: 0,
        violations: Vec::new(),
    })
}

#[test]
fn a_fast_stream_reaches_the_window_in_batches_and_it_stays_responsive() {
    // 200 000 frames as fast as the proxy's sink can produce them.
    const FRAMES: u64 = 200_000;
    let (mut feed, window_feed) = WindowFeed::channel();
    let mut harness = window();
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .watch(&ctx, "live: a fast stream".to_string(), window_feed);
    // The first frame shown lays out fonts and every panel (slow in a debug build):
    // that happens once, before the stream, and is not measured.
    feed.events(&[frame(0)]);
    feed.idle();
    step_until(&mut harness, LIMIT, |app| app.capture.frames.len() == 1);
    harness.run_steps(3);
    let (sent, all_sent) = mpsc::channel();
    let producer = std::thread::spawn(move || {
        let mut batch = Vec::with_capacity(100);
        for index in 1..FRAMES {
            batch.push(frame(index));
            if batch.len() == 100 {
                feed.events(&batch);
                batch.clear();
            }
        }
        feed.events(&batch);
        feed.idle();
        let _ = sent.send(());
        // Dropping the feed ends the stream.
    });
    let slowest = step_until(&mut harness, Duration::from_secs(120), |app| {
        app.capture.frames.len() as u64 == FRAMES
    });
    eprintln!("slowest UI step while {FRAMES} frames streamed in: {slowest:?}");
    producer.join().unwrap();
    assert!(all_sent.try_recv().is_ok());
    // The UI thread takes batches within a per-frame budget: no step waits for the
    // stream. (Generous bound: a shared, loaded test machine; a step is ~10 ms.)
    assert!(
        slowest < Duration::from_millis(500),
        "a UI step took {slowest:?} while the stream arrived"
    );
    let frames = &harness.state().capture.frames;
    assert!(
        frames.iter().enumerate().all(|(i, f)| f.index == i as u64),
        "in order, none lost"
    );
}
