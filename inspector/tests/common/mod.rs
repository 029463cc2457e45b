//! Builds synthetic captures for the integration tests: real Ethernet/IP/TCP packets
//! (correct sequence numbers and checksums) carrying a WebSocket conversation, in any
//! order we like.
#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;

use ch07_close::{Frame, Role, accept_key, encode_frame};
use ws_inspector::model::{Event, FrameEvent, GapEvent, HandshakeEvent, MessageEvent};
use ws_inspector::pcapng::Writer;
use ws_inspector::synth::TcpConversation;
use ws_inspector::time::Timestamp;
use ws_inspector::{CaptureDecoder, Options, Side};

pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The opening handshake's two heads, with optional response extensions.
pub fn handshake(path: &str, response_extensions: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    );
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        accept_key(KEY)
    );
    if let Some(extensions) = response_extensions {
        response.push_str("Sec-WebSocket-Extensions: ");
        response.push_str(extensions);
        response.push_str("\r\n");
    }
    response.push_str("\r\n");
    (request.into_bytes(), response.into_bytes())
}

pub fn client_frame(frame: &Frame) -> Vec<u8> {
    encode_frame(Role::Client, frame)
}

pub fn server_frame(frame: &Frame) -> Vec<u8> {
    encode_frame(Role::Server, frame)
}

/// A capture being written: packets go out in the order the test writes them.
pub struct Builder {
    pub writer: Writer<Vec<u8>>,
    pub conv: TcpConversation,
    tick: u64,
}

impl Builder {
    pub fn new(client: &str, server: &str) -> Self {
        let client: SocketAddr = client.parse().unwrap();
        let server: SocketAddr = server.parse().unwrap();
        Builder {
            writer: Writer::new(Vec::new()).unwrap(),
            conv: TcpConversation::new(client, server, 1_000, 2_000_000_000),
            tick: 0,
        }
    }

    pub fn time(&mut self) -> Timestamp {
        self.tick += 1;
        Timestamp::new(1_700_000_000, self.tick * 1_000)
    }

    pub fn write(&mut self, packet: &[u8]) {
        let time = self.time();
        self.writer.write_ip_packet(time, packet).unwrap();
    }

    pub fn open(&mut self) {
        for packet in self.conv.open() {
            self.write(&packet);
        }
    }

    pub fn send(&mut self, from: Side, bytes: &[u8]) {
        let packet = self.conv.send(from, bytes);
        self.write(&packet);
    }

    /// The handshake, request then response.
    pub fn upgrade(&mut self, path: &str, extensions: Option<&str>) {
        let (request, response) = handshake(path, extensions);
        self.send(Side::Client, &request);
        self.send(Side::Server, &response);
    }

    pub fn close(&mut self) {
        let packets = [
            self.conv.fin(Side::Client),
            self.conv.fin(Side::Server),
            self.conv.ack(Side::Client),
        ];
        for packet in packets {
            self.write(&packet);
        }
    }

    pub fn bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap()
    }
}

pub fn decode(bytes: &[u8]) -> Vec<Event> {
    decode_with(bytes, Options::default())
}

pub fn decode_with(bytes: &[u8], options: Options) -> Vec<Event> {
    CaptureDecoder::new(bytes, Some(bytes.len() as u64), options)
        .expect("a capture")
        .collect()
}

pub fn frames(events: &[Event]) -> Vec<&FrameEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Frame(f) => Some(f),
            _ => None,
        })
        .collect()
}

pub fn messages(events: &[Event]) -> Vec<&MessageEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

pub fn handshakes(events: &[Event]) -> Vec<&HandshakeEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Handshake(h) => Some(&**h),
            _ => None,
        })
        .collect()
}

pub fn gaps(events: &[Event]) -> Vec<&GapEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Gap(g) => Some(g),
            _ => None,
        })
        .collect()
}

pub fn errors(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Error(e) => Some(format!("[{}] {}", e.layer, e.message)),
            _ => None,
        })
        .collect()
}

pub fn texts(events: &[Event]) -> Vec<String> {
    messages(events)
        .iter()
        .filter_map(|m| m.text.clone())
        .collect()
}
