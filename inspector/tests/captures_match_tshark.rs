//! Every real capture in `captures/` decodes as tshark decodes it, frame by frame, and as
//! the checked-in summary says (`captures/expected/NAME.ws-inspector.jsonl`).
//!
//! Regenerate the summaries after an intended change with
//! `WSBOOK_BLESS=1 cargo test -p ws-inspector --test captures_match_tshark` and review the
//! diff.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap too

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ws_inspector::model::{Event, FrameEvent};
use ws_inspector::{CaptureDecoder, Options};

fn root() -> PathBuf {
    wsbook_peers::workspace_root()
}

fn captures() -> Vec<PathBuf> {
    let dir = root().join("captures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "pcap" || ext == "pcapng")
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "captures/ should hold the real captures: {files:?}"
    );
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

fn decode(path: &Path) -> Vec<Event> {
    CaptureDecoder::open(path, Options::default())
        .unwrap_or_else(|e| panic!("{e}"))
        .collect()
}

/// The tshark command the reference files were made with (captures/README.md).
fn tshark_fields() -> [&'static str; 10] {
    [
        "frame.number",
        "tcp.stream",
        "websocket.fin",
        "websocket.rsv",
        "websocket.opcode",
        "websocket.mask",
        "websocket.payload_length",
        "websocket.masking_key",
        "websocket.payload_length_ext_16",
        "websocket.payload_length_ext_64",
    ]
}

/// Our frames in tshark's shape: one row per packet where frames end, values of several
/// frames joined with commas, absent values left out.
fn our_rows(events: &[Event]) -> Vec<String> {
    let mut frames: Vec<&FrameEvent> = events
        .iter()
        .filter_map(|e| match e {
            // tshark lists a frame once its payload is complete; one the capture cut
            // short is ours alone (violations.pcapng, length-msb-set).
            Event::Frame(f) if f.missing == 0 => Some(f),
            _ => None,
        })
        .collect();
    frames.sort_by_key(|f| f.packet_end);
    let mut rows = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let packet = frames[i].packet_end;
        let group: Vec<&FrameEvent> = frames[i..]
            .iter()
            .take_while(|f| f.packet_end == packet)
            .copied()
            .collect();
        i += group.len();
        let column = |value: &dyn Fn(&FrameEvent) -> Option<String>| {
            group
                .iter()
                .filter_map(|f| value(f))
                .collect::<Vec<_>>()
                .join(",")
        };
        let seven_bit = |f: &FrameEvent| f.header[1] & 0x7f;
        let row = [
            packet.to_string(),
            column(&|f| Some(f.conn.to_string())),
            column(&|f| Some(u8::from(f.fin).to_string())),
            column(&|f| {
                let bits =
                    (u8::from(f.rsv[0]) << 2) | (u8::from(f.rsv[1]) << 1) | u8::from(f.rsv[2]);
                Some(format!("0x{bits:02x}"))
            }),
            column(&|f| Some(f.opcode.to_string())),
            column(&|f| Some(u8::from(f.masked).to_string())),
            column(&|f| Some(seven_bit(f).to_string())),
            column(&|f| f.mask_key.map(hex::encode)),
            column(&|f| (seven_bit(f) == 126).then(|| f.payload_len.to_string())),
            column(&|f| (seven_bit(f) == 127).then(|| f.payload_len.to_string())),
        ];
        // tshark prints one tcp.stream per packet even when several frames end there.
        let mut row = row.to_vec();
        row[1] = group[0].conn.to_string();
        rows.push(row.join("\t"));
    }
    rows
}

fn compare(what: &str, ours: &[String], theirs: &[String]) {
    for (index, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(
            a,
            b,
            "{what}: row {} differs (ours, then tshark's)",
            index + 1
        );
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "{what}: {} rows from us, {} from tshark",
        ours.len(),
        theirs.len()
    );
}

#[test]
fn every_capture_matches_the_checked_in_tshark_decode() {
    for capture in captures() {
        let reference = root()
            .join("captures/expected")
            .join(format!("{}.tshark.tsv", stem(&capture)));
        let text = std::fs::read_to_string(&reference)
            .unwrap_or_else(|e| panic!("{}: {e}", reference.display()));
        let theirs: Vec<String> = text.lines().skip(1).map(str::to_string).collect();
        let ours = our_rows(&decode(&capture));
        assert!(!ours.is_empty(), "{}: no frames", capture.display());
        compare(&capture.display().to_string(), &ours, &theirs);
    }
}

#[test]
fn every_capture_matches_tshark_run_now() {
    for capture in captures() {
        let mut command = wsbook_peers::tshark();
        command.arg("-r").arg(&capture).args([
            "-o",
            "tcp.reassemble_out_of_order:TRUE",
            "-Y",
            "websocket",
            "-T",
            "fields",
        ]);
        for field in tshark_fields() {
            command.args(["-e", field]);
        }
        let (ok, stdout, stderr) = wsbook_peers::run_with_timeout(command, Duration::from_secs(60));
        assert!(ok, "tshark failed on {}: {stderr}", capture.display());
        let theirs: Vec<String> = stdout.lines().map(str::to_string).collect();
        let ours = our_rows(&decode(&capture));
        compare(
            &format!("{} (live tshark)", capture.display()),
            &ours,
            &theirs,
        );
    }
}

#[test]
fn every_capture_matches_its_expected_summary() {
    let bless = std::env::var_os("WSBOOK_BLESS").is_some();
    for capture in captures() {
        let output = Command::new(env!("CARGO_BIN_EXE_ws-inspector"))
            .args(["decode", "--json", "--messages", "--max-payload", "64"])
            .arg(&capture)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            capture.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let ours = String::from_utf8(output.stdout).unwrap();
        let expected_path = root()
            .join("captures/expected")
            .join(format!("{}.ws-inspector.jsonl", stem(&capture)));
        if bless {
            std::fs::write(&expected_path, &ours).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (make it with WSBOOK_BLESS=1 cargo test -p ws-inspector --test captures_match_tshark)",
                expected_path.display()
            )
        });
        for (line, (a, b)) in ours.lines().zip(expected.lines()).enumerate() {
            assert_eq!(
                a,
                b,
                "{}: line {} differs from {}",
                capture.display(),
                line + 1,
                expected_path.display()
            );
        }
        assert_eq!(
            ours.lines().count(),
            expected.lines().count(),
            "{}",
            capture.display()
        );
    }
}

#[test]
fn the_captures_show_what_their_readme_promises() {
    let dir = root().join("captures");
    // chromium-deflate: two connections (a page load, then the WebSocket), deflate on.
    let events = decode(&dir.join("chromium-deflate.pcapng"));
    let frames: Vec<&FrameEvent> = events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) => Some(f),
            _ => None,
        })
        .collect();
    assert!(frames.iter().all(|f| f.conn == 1));
    assert!(
        frames
            .iter()
            .filter(|f| f.opcode != 8)
            .all(|f| f.compressed && f.rsv[0])
    );
    let big = frames
        .iter()
        .find(|f| f.payload_len == 70_148)
        .expect("the 64-bit frame");
    assert_eq!((big.packet, big.packet_end), (28, 31));
    assert!(
        frames.iter().all(|f| f.violations.is_empty()),
        "real peers break no rule"
    );
    // violations: each case's rule, on the packet the README gives.
    let events = decode(&dir.join("violations.pcapng"));
    let rule_at = |packet: u64| -> Vec<String> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Frame(f) if f.packet == packet => Some(
                    f.violations
                        .iter()
                        .map(|v| v.rule.clone())
                        .collect::<Vec<_>>(),
                ),
                _ => None,
            })
            .flatten()
            .collect()
    };
    assert_eq!(rule_at(10), ["UnmaskedClientFrame"]);
    assert_eq!(rule_at(25), ["ReservedOpcode"]);
    assert_eq!(rule_at(40), ["ReservedBitSet"]);
    assert_eq!(rule_at(55), ["InvalidUtf8"]);
    assert_eq!(rule_at(70), ["FragmentedControlFrame"]);
    assert_eq!(rule_at(85), ["ControlFrameTooLong"]);
    assert_eq!(rule_at(100), ["ContinuationWithoutStart"]);
    assert_eq!(rule_at(115), ["NewMessageInsideFragmented"]);
    assert_eq!(rule_at(130), ["OneByteClosePayload"]);
    assert_eq!(rule_at(144), ["InvalidCloseCode"]);
    assert_eq!(rule_at(158), ["CloseReasonNotUtf8"]);
    assert_eq!(rule_at(172), ["LengthMsbSet", "FrameTooLarge"]);
    assert_eq!(rule_at(186), ["NonMinimalLength", "NonMinimalLength"]);
    // node-fragmented: the message around the ping.
    let events = decode(&dir.join("node-fragmented.pcapng"));
    let texts: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => m.text.clone(),
            _ => None,
        })
        .collect();
    assert!(
        texts.contains(&"Hello, fragmented world!".to_string()),
        "{texts:?}"
    );
}
