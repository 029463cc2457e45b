//! `ws-inspector diagram FILE --frame N --svg OUT` on real captures: the SVG has every
//! field of the frame at its bits with its value and meaning.

use std::path::{Path, PathBuf};
use std::process::Command;

fn capture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../captures")
        .join(name)
}

/// Runs the subcommand and returns the SVG it wrote.
fn diagram(capture_name: &str, frame: u64) -> String {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("diagram-{capture_name}-{frame}.svg"));
    let output = Command::new(env!("CARGO_BIN_EXE_ws-inspector"))
        .arg("diagram")
        .arg(capture(capture_name))
        .args(["--frame", &frame.to_string(), "--svg"])
        .arg(&out)
        .output()
        .expect("ws-inspector runs");
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(&out).expect("the SVG was written")
}

/// The text of every `<text>` element, in order.
fn texts(svg: &str) -> Vec<String> {
    svg.split("<text ")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('>')? + 1;
            let end = rest.find("</text>")?;
            Some(
                rest[start..end]
                    .replace("&quot;", "\"")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

/// The legend row of `field`: field, bits, value, meaning.
fn legend_row(texts: &[String], field: &str) -> Vec<String> {
    let at = texts
        .iter()
        .rposition(|t| t == field)
        .unwrap_or_else(|| panic!("no legend row for {field}: {texts:?}"));
    texts[at..at + 4].to_vec()
}

#[test]
fn a_300_byte_server_text_with_a_16_bit_length() {
    // python-basic.pcap frame 12: the server's echo of the 300-byte text (packet 21).
    let svg = diagram("python-basic.pcap", 12);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    let texts = texts(&svg);
    assert!(
        texts[0].contains("frame 12 · packet 21 · server → client · TEXT · 300 bytes"),
        "{}",
        texts[0]
    );
    assert_eq!(
        legend_row(&texts, "FIN"),
        ["FIN", "bit 0", "1", "final fragment"]
    );
    assert_eq!(
        legend_row(&texts, "opcode"),
        ["opcode", "bits 4–7", "0x1", "text frame"]
    );
    assert_eq!(
        legend_row(&texts, "MASK"),
        ["MASK", "bit 8", "0", "not masked"]
    );
    assert_eq!(
        legend_row(&texts, "Payload len"),
        ["Payload len", "bits 9–15", "126", "16-bit length follows"]
    );
    assert_eq!(
        legend_row(&texts, "Extended payload length"),
        ["Extended payload length", "bits 16–31", "300", "300 bytes"]
    );
    assert_eq!(legend_row(&texts, "Payload data")[1], "bits 32–2431");
    // The opcode's bits are drawn under their columns: 0 0 0 1.
    assert!(svg.contains(">0x1<") && svg.contains(">text frame<"));
    assert!(
        !texts.iter().any(|t| t == "Masking-key"),
        "an unmasked frame has no key"
    );
}

#[test]
fn a_masked_client_close_shows_its_key_and_code() {
    // python-basic.pcap frame 13: the client's close 1001 "python client done", masked.
    let svg = diagram("python-basic.pcap", 13);
    let texts = texts(&svg);
    assert_eq!(
        legend_row(&texts, "opcode")[2..],
        ["0x8", "connection close"]
    );
    assert_eq!(legend_row(&texts, "MASK")[2], "1");
    assert_eq!(legend_row(&texts, "Payload len")[2..], ["20", "20 bytes"]);
    let key = legend_row(&texts, "Masking-key");
    assert_eq!(key[1], "bits 16–47");
    // The key, as the JSON decode reports it.
    let json = Command::new(env!("CARGO_BIN_EXE_ws-inspector"))
        .args(["decode", "--json"])
        .arg(capture("python-basic.pcap"))
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&json.stdout)
        .lines()
        .find(|l| l.contains("\"index\":13,"))
        .map(str::to_string)
        .expect("frame 13 in the JSON decode");
    let hex = line.split("\"mask_key\":\"").nth(1).unwrap()[..8].to_string();
    let spaced: Vec<String> = (0..4).map(|i| hex[i * 2..i * 2 + 2].to_string()).collect();
    assert_eq!(key[2], spaced.join(" "));
    let payload = legend_row(&texts, "Payload data");
    assert_eq!(payload[2], "1001 \"python client done\"");
    assert!(
        payload[3].contains("close 1001 = going away"),
        "{}",
        payload[3]
    );
}

#[test]
fn a_violation_is_marked_on_its_field() {
    // violations.pcapng frame 2: the client's unmasked text (§5.1), the first bad frame.
    let svg = diagram("violations.pcapng", 2);
    let texts = texts(&svg);
    let mask = legend_row(&texts, "MASK");
    assert_eq!(mask[2], "0");
    assert!(mask[3].contains("a client must mask"), "{mask:?}");
    assert!(
        svg.contains("#c01010"),
        "the broken field is outlined in red"
    );
}

#[test]
fn a_frame_that_does_not_exist_is_an_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_ws-inspector"))
        .arg("diagram")
        .arg(capture("python-basic.pcap"))
        .args(["--frame", "99", "--svg", "-"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no frame 99 (the capture has 15 frames"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}
