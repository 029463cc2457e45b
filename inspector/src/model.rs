//! The events the decoder emits: the inspector's stable, serialisable model.
//!
//! The CLI prints them as JSON Lines, the GUI lists them, the proxy streams them. Field
//! names are part of the interface (scripts parse them): add fields, never rename.
//!
//! Every event has a `kind` and, where it belongs to a connection, `conn` (the TCP
//! connection's number, counted from 0 in order of appearance, like Wireshark's
//! `tcp.stream`), `packet` (the 1-based capture packet number, like `frame.number`),
//! `time`, `src`/`dst` (sender and receiver as `ip:port`) and `from` (`client`/`server`).

use std::borrow::Cow;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Which end of a WebSocket connection sent something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The end that sent the HTTP Upgrade request.
    Client,
    /// The end that answered `101 Switching Protocols`.
    Server,
}

impl Side {
    /// The other side.
    pub fn peer(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }

    /// `0` for the client, `1` for the server (for per-side arrays).
    pub fn index(self) -> usize {
        match self {
            Side::Client => 0,
            Side::Server => 1,
        }
    }

    /// `"client"` or `"server"`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Client => "client",
            Side::Server => "server",
        }
    }
}

/// A broken rule attached to a frame, message or handshake.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationRecord {
    /// The rule's name, e.g. `UnmaskedClientFrame`.
    pub rule: String,
    /// The RFC section, e.g. `5.1` (RFC 6455 unless it says `RFC 7692 …`).
    pub section: String,
    /// A sentence for humans.
    pub message: String,
}

/// Serialises bytes as a lowercase hex string.
pub mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `bytes` as hex.
    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex::encode(bytes))
    }

    /// Reads hex back into bytes.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

/// Serialises an optional 4-byte masking key as hex (or `null`).
pub mod hex_key {
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the key as 8 hex digits, or `null`.
    pub fn serialize<S: Serializer>(
        key: &Option<[u8; 4]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match key {
            Some(key) => serializer.serialize_str(&hex::encode(key)),
            None => serializer.serialize_none(),
        }
    }

    /// Reads the key back.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<[u8; 4]>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        let bytes = hex::decode(&text).map_err(serde::de::Error::custom)?;
        <[u8; 4]>::try_from(bytes.as_slice())
            .map(Some)
            .map_err(|_| serde::de::Error::custom("a masking key has 4 bytes"))
    }
}

/// The negotiated permessage-deflate parameters (RFC 7692 §7.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeflateParams {
    /// The client resets its compression context after each message.
    pub client_no_context_takeover: bool,
    /// The server resets its compression context after each message.
    pub server_no_context_takeover: bool,
    /// LZ77 window of the client's compressor, if limited (8..=15).
    pub client_max_window_bits: Option<u8>,
    /// LZ77 window of the server's compressor, if limited (8..=15).
    pub server_max_window_bits: Option<u8>,
}

/// The opening handshake of a WebSocket connection (RFC 6455 §4): request, response and
/// what they agreed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HandshakeEvent {
    /// Connection number.
    pub conn: u32,
    /// Packet where the request starts.
    pub packet: u64,
    /// Time of that packet.
    pub time: Timestamp,
    /// The client.
    pub src: SocketAddr,
    /// The server.
    pub dst: SocketAddr,
    /// Always `client` (the request's sender).
    pub from: Side,
    /// Request method (`GET`).
    pub method: String,
    /// Request target (`/chat`).
    pub target: String,
    /// `Host`.
    pub host: Option<String>,
    /// `Origin` (browsers send it).
    pub origin: Option<String>,
    /// `Sec-WebSocket-Key`.
    pub key: Option<String>,
    /// `Sec-WebSocket-Version`.
    pub version: Option<String>,
    /// `Sec-WebSocket-Protocol` offered by the client.
    pub requested_protocols: Option<String>,
    /// `Sec-WebSocket-Extensions` offered by the client.
    pub requested_extensions: Option<String>,
    /// Packet where the response starts (`None` if the capture has no response).
    pub response_packet: Option<u64>,
    /// Time of that packet.
    pub response_time: Option<Timestamp>,
    /// Response status (101 when the upgrade succeeded).
    pub status: Option<u16>,
    /// Response reason phrase.
    pub reason: Option<String>,
    /// `Sec-WebSocket-Accept` as sent.
    pub accept: Option<String>,
    /// The Accept value the key calls for (RFC 6455 §4.2.2).
    pub accept_expected: Option<String>,
    /// `accept == accept_expected`.
    pub accept_ok: bool,
    /// `Sec-WebSocket-Protocol` chosen by the server.
    pub protocol: Option<String>,
    /// `Sec-WebSocket-Extensions` accepted by the server.
    pub extensions: Option<String>,
    /// permessage-deflate parameters, when the server accepted the extension.
    pub deflate: Option<DeflateParams>,
    /// The connection switched to WebSocket (status 101).
    pub upgraded: bool,
    /// Broken handshake rules.
    pub violations: Vec<ViolationRecord>,
    /// The request head as text (for the GUI).
    pub request_head: String,
    /// The response head as text, when captured.
    pub response_head: Option<String>,
}

/// One WebSocket frame (RFC 6455 §5.2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrameEvent {
    /// Connection number.
    pub conn: u32,
    /// Frame number in the whole decode (0-based, every connection), for `--frame N`.
    pub index: u64,
    /// Packet that carries the frame's first byte.
    pub packet: u64,
    /// Time of that packet.
    pub time: Timestamp,
    /// Packet that carries the frame's last byte.
    pub packet_end: u64,
    /// Time of that packet.
    pub time_end: Timestamp,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Which side sent it.
    pub from: Side,
    /// FIN bit.
    pub fin: bool,
    /// RSV1, RSV2, RSV3.
    pub rsv: [bool; 3],
    /// The 4-bit opcode.
    pub opcode: u8,
    /// `TEXT`, `BINARY`, `CONTINUATION`, `CLOSE`, `PING`, `PONG` or `RESERVED(0xN)`.
    pub opcode_name: Cow<'static, str>,
    /// MASK bit.
    pub masked: bool,
    /// The masking key, hex.
    #[serde(with = "hex_key")]
    pub mask_key: Option<[u8; 4]>,
    /// Payload length from the header.
    pub payload_len: u64,
    /// The header's bytes as on the wire (2 to 14 bytes), hex.
    #[serde(rename = "header_hex", with = "hex_bytes")]
    pub header: Vec<u8>,
    /// The payload, unmasked, inflated when compressed, cut at the decoder's
    /// `max_payload` bytes.
    #[serde(rename = "payload_hex", with = "hex_bytes")]
    pub payload: Vec<u8>,
    /// The payload exactly as on the wire (masked, compressed), cut like `payload`; only
    /// when the decoder's `keep_wire_payload` option is on (the JSON field is left out
    /// when empty).
    #[serde(
        rename = "wire_payload_hex",
        with = "hex_bytes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub wire_payload: Vec<u8>,
    /// The frame belongs to a permessage-deflate compressed message.
    pub compressed: bool,
    /// The payload as text, for text messages and close reasons' frames (cut like `payload`).
    pub text: Option<String>,
    /// Close status code (close frames with a payload).
    pub close_code: Option<u16>,
    /// Close reason (close frames).
    pub close_reason: Option<String>,
    /// Payload bytes the capture did not have (a gap fell inside this frame).
    pub missing: u64,
    /// Rules this frame breaks.
    pub violations: Vec<ViolationRecord>,
}

/// A data message reassembled from its frames (RFC 6455 §5.4), after inflation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageEvent {
    /// Connection number.
    pub conn: u32,
    /// Packet of the first frame's first byte.
    pub packet: u64,
    /// Time of that packet.
    pub time: Timestamp,
    /// Packet of the last frame's last byte.
    pub packet_end: u64,
    /// Time of that packet.
    pub time_end: Timestamp,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Which side sent it.
    pub from: Side,
    /// 1 (text) or 2 (binary).
    pub opcode: u8,
    /// `TEXT` or `BINARY`.
    pub opcode_name: Cow<'static, str>,
    /// Number of frames.
    pub frames: usize,
    /// Message length (after inflation).
    pub payload_len: u64,
    /// The message, cut at `max_payload` bytes.
    #[serde(rename = "payload_hex", with = "hex_bytes")]
    pub payload: Vec<u8>,
    /// Was compressed with permessage-deflate.
    pub compressed: bool,
    /// Text messages: the text (cut like `payload`).
    pub text: Option<String>,
    /// Rules the message breaks (invalid UTF-8, inflation failure, …).
    pub violations: Vec<ViolationRecord>,
}

/// Bytes of a connection the capture does not have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GapEvent {
    /// Connection number.
    pub conn: u32,
    /// Packet at which the gap was noticed.
    pub packet: u64,
    /// Time of that packet.
    pub time: Timestamp,
    /// Sender of the missing bytes.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Which side sent the missing bytes (`None` before the handshake says who is who).
    pub from: Option<Side>,
    /// Number of bytes missing.
    pub missing: u64,
    /// Offset of the first missing byte in that direction's stream.
    pub stream_offset: u64,
}

/// Something could not be decoded: a damaged capture, a packet that cannot be parsed, a
/// lost frame boundary. Decoding goes on after it where it can.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    /// Connection number, when the error belongs to one.
    pub conn: Option<u32>,
    /// Packet number, when the error belongs to one.
    pub packet: Option<u64>,
    /// Time, when known.
    pub time: Option<Timestamp>,
    /// Sender, when known.
    pub src: Option<SocketAddr>,
    /// Receiver, when known.
    pub dst: Option<SocketAddr>,
    /// Which side, when known.
    pub from: Option<Side>,
    /// Byte offset in the capture file, for damaged files.
    pub offset: Option<u64>,
    /// The layer that gave up: `capture`, `link`, `ip`, `tcp`, `http`, `websocket`, `deflate`.
    pub layer: String,
    /// What happened.
    pub message: String,
}

/// Everything the decoder reports, in capture order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event {
    /// An opening handshake (boxed: it is much larger than the other events).
    Handshake(Box<HandshakeEvent>),
    /// A frame.
    Frame(FrameEvent),
    /// A whole data message.
    Message(MessageEvent),
    /// Missing bytes.
    Gap(GapEvent),
    /// An error.
    Error(ErrorEvent),
}

impl Event {
    /// The connection the event belongs to.
    pub fn conn(&self) -> Option<u32> {
        match self {
            Event::Handshake(e) => Some(e.conn),
            Event::Frame(e) => Some(e.conn),
            Event::Message(e) => Some(e.conn),
            Event::Gap(e) => Some(e.conn),
            Event::Error(e) => e.conn,
        }
    }

    /// The packet the event starts at.
    pub fn packet(&self) -> Option<u64> {
        match self {
            Event::Handshake(e) => Some(e.packet),
            Event::Frame(e) => Some(e.packet),
            Event::Message(e) => Some(e.packet),
            Event::Gap(e) => Some(e.packet),
            Event::Error(e) => e.packet,
        }
    }

    /// `handshake`, `frame`, `message`, `gap` or `error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Handshake(_) => "handshake",
            Event::Frame(_) => "frame",
            Event::Message(_) => "message",
            Event::Gap(_) => "gap",
            Event::Error(_) => "error",
        }
    }
}
