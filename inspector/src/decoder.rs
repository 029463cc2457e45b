//! One TCP connection, sans-I/O: the bytes each side sent in, events out.
//!
//! This is the piece the proxy drives directly (it sees each side's bytes, no packets),
//! and the capture pipeline drives after TCP reassembly. It finds out whether the
//! connection is WebSocket at all, on any port: an HTTP request with
//! `Upgrade: websocket` (parsed by chapter 02) answered by `101 Switching Protocols`.
//! Then it hands each direction's bytes to a [`DirectionDecoder`].
//!
//! ```
//! use ws_inspector::time::{PacketRef, Timestamp};
//! use ws_inspector::{ConnectionDecoder, Event, Options, Side};
//!
//! let client = "127.0.0.1:50000".parse().unwrap();
//! let server = "127.0.0.1:8080".parse().unwrap();
//! let mut decoder = ConnectionDecoder::new(0, client, server, Options::default());
//! let mut events = Vec::new();
//! // Live traffic has no packet numbers: count the chunks read from each socket.
//! let at = |number| PacketRef { number, time: Timestamp::now() };
//! decoder.feed(
//!     Side::Client,
//!     b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!       Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
//!     at(1),
//!     &mut events,
//! );
//! decoder.feed(
//!     Side::Server,
//!     b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
//!       Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
//!     at(2),
//!     &mut events,
//! );
//! // RFC 6455 §5.7: a single-frame unmasked text message, in two reads.
//! decoder.feed(Side::Server, b"\x81\x05hel", at(3), &mut events);
//! decoder.feed(Side::Server, b"lo", at(4), &mut events);
//! assert!(matches!(&events[0], Event::Handshake(h) if h.accept_ok && h.target == "/chat"));
//! let Event::Frame(frame) = &events[1] else { panic!("a frame") };
//! assert_eq!((frame.text.as_deref(), frame.packet, frame.packet_end), (Some("hello"), 3, 4));
//! assert!(matches!(&events[2], Event::Message(m) if m.text.as_deref() == Some("hello")));
//! ```

use std::net::SocketAddr;

use ch07_close::{
    HandshakeError, HeadLimits, Request, Response, accept_key, check_response, parse_request,
    parse_response, validate_upgrade,
};

use crate::deflate;
use crate::model::{DeflateParams, ErrorEvent, Event, HandshakeEvent, Side, ViolationRecord};
use crate::time::PacketRef;
use crate::websocket::{DirectionDecoder, Endpoint, Options};

/// Bytes a side may send after its head before the handshake completes (a client may
/// pipeline frames behind its request) — beyond this the connection is given up.
const MAX_EARLY_BYTES: usize = 1 << 20;

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the HTTP request and response heads.
    Handshake,
    /// Upgraded: frames in both directions.
    WebSocket,
    /// Not WebSocket (another protocol, a plain HTTP exchange, a refused upgrade): its
    /// bytes are ignored.
    Ignored,
}

#[derive(Debug, Default)]
struct Head {
    bytes: Vec<u8>,
    first: Option<PacketRef>,
}

#[derive(Debug)]
struct PendingRequest {
    request: Request,
    at: PacketRef,
    head_text: String,
}

/// Decodes one TCP connection.
#[derive(Debug)]
pub struct ConnectionDecoder {
    conn: u32,
    /// Addresses by the caller's idea of who is who (`[client, server]`).
    addrs: [SocketAddr; 2],
    /// The request came from the side the caller called the server.
    swapped: bool,
    phase: Phase,
    heads: [Head; 2],
    request: Option<PendingRequest>,
    directions: [Option<DirectionDecoder>; 2],
    options: Options,
    head_limits: HeadLimits,
    frames: u64,
    /// The side that spoke first: the client, if this is a WebSocket connection.
    first_speaker: Option<Side>,
    deflate: Option<DeflateParams>,
    upgraded: bool,
}

impl ConnectionDecoder {
    /// A decoder for connection `conn` between `client` and `server` (as far as the
    /// caller knows: whoever sends the HTTP request turns out to be the client).
    pub fn new(conn: u32, client: SocketAddr, server: SocketAddr, options: Options) -> Self {
        ConnectionDecoder {
            conn,
            addrs: [client, server],
            swapped: false,
            phase: Phase::Handshake,
            heads: [Head::default(), Head::default()],
            request: None,
            directions: [None, None],
            options,
            head_limits: HeadLimits::default(),
            frames: 0,
            first_speaker: None,
            deflate: None,
            upgraded: false,
        }
    }

    /// The connection number.
    pub fn conn(&self) -> u32 {
        self.conn
    }

    /// Where the connection is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The connection upgraded to WebSocket.
    pub fn was_websocket(&self) -> bool {
        self.upgraded
    }

    /// The real role of what the caller calls `side`, once the handshake said who is who.
    pub fn role_of(&self, side: Side) -> Option<Side> {
        (self.phase == Phase::WebSocket).then(|| self.role(side))
    }

    /// The real role of what the caller calls `side`.
    fn role(&self, side: Side) -> Side {
        if self.swapped { side.peer() } else { side }
    }

    /// Address of the real `role`.
    fn address(&self, role: Side) -> SocketAddr {
        let caller_side = if self.swapped { role.peer() } else { role };
        self.addrs[caller_side.index()]
    }

    fn error(&self, at: PacketRef, from: Option<Side>, layer: &str, message: String) -> Event {
        let (src, dst) = match from {
            Some(role) => (Some(self.address(role)), Some(self.address(role.peer()))),
            None => (None, None),
        };
        Event::Error(ErrorEvent {
            conn: Some(self.conn),
            packet: Some(at.number),
            time: Some(at.time),
            src,
            dst,
            from,
            offset: None,
            layer: layer.to_string(),
            message,
        })
    }

    /// Bytes the caller's `side` sent, from packet `at`.
    pub fn feed(&mut self, side: Side, bytes: &[u8], at: PacketRef, out: &mut Vec<Event>) {
        match self.phase {
            Phase::Ignored => {}
            Phase::WebSocket => {
                let role = self.role(side);
                let first = out.len();
                if let Some(direction) = &mut self.directions[role.index()] {
                    direction.feed(bytes, at, out);
                }
                self.number_frames(&mut out[first..]);
            }
            Phase::Handshake => {
                let head = &mut self.heads[side.index()];
                if head.first.is_none() {
                    head.first = Some(at);
                }
                head.bytes.extend_from_slice(bytes);
                let first_speaker = *self.first_speaker.get_or_insert(side);
                self.advance_handshake(first_speaker, at, out);
            }
        }
    }

    fn number_frames(&mut self, events: &mut [Event]) {
        for event in events {
            if let Event::Frame(frame) = event {
                frame.index = self.frames;
                self.frames += 1;
            }
        }
    }

    fn ignore(&mut self) {
        self.phase = Phase::Ignored;
        self.heads = [Head::default(), Head::default()];
        self.request = None;
    }

    /// `client`: the side that spoke first, which must be the client with its request.
    fn advance_handshake(&mut self, client: Side, at: PacketRef, out: &mut Vec<Event>) {
        if self.request.is_none() {
            let head = &self.heads[client.index()];
            match parse_request(&head.bytes, &self.head_limits) {
                Ok(None) => return,
                Ok(Some((request, used))) => {
                    let is_upgrade = request
                        .header_values("Upgrade")
                        .any(|value| value.eq_ignore_ascii_case("websocket"));
                    if !is_upgrade {
                        // A plain HTTP exchange (the page load before the WebSocket).
                        self.ignore();
                        return;
                    }
                    let first = head.first.unwrap_or(at);
                    let head_text = String::from_utf8_lossy(&head.bytes[..used]).into_owned();
                    self.heads[client.index()].bytes.drain(..used);
                    self.swapped = client == Side::Server;
                    self.request = Some(PendingRequest {
                        request,
                        at: first,
                        head_text,
                    });
                }
                Err(_) => {
                    // Not HTTP: another protocol on this port.
                    self.ignore();
                    return;
                }
            }
        }
        // The request is known; wait for the response from the other side.
        let server_side = if self.swapped {
            Side::Client
        } else {
            Side::Server
        };
        let client_side = server_side.peer();
        if self.heads[client_side.index()].bytes.len() > MAX_EARLY_BYTES {
            out.push(self.error(
                at,
                Some(Side::Client),
                "http",
                "the client sent over 1 MiB before the handshake's response: giving up on this connection".to_string(),
            ));
            self.emit_handshake(None, out);
            self.ignore();
            return;
        }
        loop {
            let head = &self.heads[server_side.index()];
            if head.bytes.is_empty() {
                return;
            }
            let first = head.first.unwrap_or(at);
            match parse_response(&head.bytes, &self.head_limits) {
                Ok(None) => return,
                Ok(Some((response, used))) => {
                    let head_text = String::from_utf8_lossy(&head.bytes[..used]).into_owned();
                    self.heads[server_side.index()].bytes.drain(..used);
                    if (100..200).contains(&response.status) && response.status != 101 {
                        // An interim response (100 Continue): the real one follows.
                        continue;
                    }
                    let upgraded = response.status == 101;
                    self.emit_handshake(Some((response, first, head_text)), out);
                    if upgraded {
                        self.start_websocket(client_side, server_side, out);
                    } else {
                        self.ignore();
                    }
                    return;
                }
                Err(error) => {
                    out.push(self.error(
                        first,
                        Some(Side::Server),
                        "http",
                        format!(
                            "the answer to the WebSocket request is not an HTTP response: {error}"
                        ),
                    ));
                    self.emit_handshake(None, out);
                    self.ignore();
                    return;
                }
            }
        }
    }

    fn emit_handshake(
        &mut self,
        response: Option<(Response, PacketRef, String)>,
        out: &mut Vec<Event>,
    ) {
        let Some(pending) = self.request.take() else {
            return;
        };
        let request = &pending.request;
        let header = |name: &str| request.header(name).map(str::to_string);
        let key = header("Sec-WebSocket-Key");
        let requested_protocols = header("Sec-WebSocket-Protocol");
        let offered: Vec<&str> = request.header_values("Sec-WebSocket-Protocol").collect();
        let mut violations = Vec::new();
        // §4.2.1: the rules a server applies to the request (chapter 02).
        if let Err(rejection) = validate_upgrade(request, &offered) {
            violations.push(ViolationRecord {
                rule: "InvalidUpgradeRequest".to_string(),
                section: "4.2.1".to_string(),
                message: format!(
                    "a server answers {}: {}",
                    rejection.status, rejection.reason
                ),
            });
        }
        let accept_expected = key.as_deref().map(accept_key);
        let (
            status,
            reason,
            accept,
            protocol,
            extensions,
            response_packet,
            response_time,
            response_head,
        ) = match &response {
            Some((response, at, text)) => (
                Some(response.status),
                Some(response.reason.clone()),
                response.header("Sec-WebSocket-Accept").map(str::to_string),
                response
                    .header("Sec-WebSocket-Protocol")
                    .map(str::to_string),
                // The header may be repeated; its elements form one list (§9.1).
                Some(
                    response
                        .header_values("Sec-WebSocket-Extensions")
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .filter(|joined| !joined.is_empty()),
                Some(at.number),
                Some(at.time),
                Some(text.clone()),
            ),
            None => (None, None, None, None, None, None, None, None),
        };
        let upgraded = status == Some(101);
        if let (Some((response, _, _)), true) = (&response, upgraded) {
            // §4.1: the checks a client makes of the server's answer (chapter 02).
            if let Err(error) = check_response(response, key.as_deref().unwrap_or(""), &offered) {
                violations.push(ViolationRecord {
                    rule: handshake_rule(&error).to_string(),
                    section: "4.1".to_string(),
                    message: error.to_string(),
                });
            }
        }
        let accept_ok = match (&accept, &accept_expected) {
            (Some(accept), Some(expected)) => accept.trim() == expected,
            _ => false,
        };
        let deflate = if upgraded {
            extensions.as_deref().and_then(deflate::negotiated)
        } else {
            None
        };
        out.push(Event::Handshake(Box::new(HandshakeEvent {
            conn: self.conn,
            packet: pending.at.number,
            time: pending.at.time,
            src: self.address(Side::Client),
            dst: self.address(Side::Server),
            from: Side::Client,
            method: request.method.clone(),
            target: request.target.clone(),
            host: header("Host"),
            origin: header("Origin"),
            key,
            version: header("Sec-WebSocket-Version"),
            requested_protocols,
            requested_extensions: header("Sec-WebSocket-Extensions"),
            response_packet,
            response_time,
            status,
            reason,
            accept,
            accept_expected,
            accept_ok,
            protocol,
            extensions,
            deflate,
            upgraded,
            violations,
            request_head: pending.head_text,
            response_head,
        })));
        if upgraded {
            self.deflate = deflate;
        }
    }

    fn start_websocket(&mut self, client_side: Side, server_side: Side, out: &mut Vec<Event>) {
        self.phase = Phase::WebSocket;
        self.upgraded = true;
        let deflate = self.deflate;
        for role in [Side::Client, Side::Server] {
            let endpoint = Endpoint {
                conn: self.conn,
                from: role,
                src: self.address(role),
                dst: self.address(role.peer()),
            };
            let no_context_takeover = deflate.map(|params| match role {
                Side::Client => params.client_no_context_takeover,
                Side::Server => params.server_no_context_takeover,
            });
            self.directions[role.index()] = Some(DirectionDecoder::new(
                endpoint,
                self.options,
                no_context_takeover,
            ));
        }
        // Bytes that came behind the heads are the first frames.
        for (caller_side, role) in [(client_side, Side::Client), (server_side, Side::Server)] {
            let head = std::mem::take(&mut self.heads[caller_side.index()]);
            if !head.bytes.is_empty() {
                let at = head.first.unwrap_or_default();
                let first = out.len();
                if let Some(direction) = &mut self.directions[role.index()] {
                    direction.feed(&head.bytes, at, out);
                }
                self.number_frames(&mut out[first..]);
            }
        }
    }

    /// `missing` bytes the caller's `side` sent were not captured.
    pub fn gap(&mut self, side: Side, missing: u64, at: PacketRef, out: &mut Vec<Event>) {
        match self.phase {
            Phase::Ignored => {}
            Phase::WebSocket => {
                let role = self.role(side);
                let first = out.len();
                if let Some(direction) = &mut self.directions[role.index()] {
                    direction.gap(missing, at, out);
                }
                self.number_frames(&mut out[first..]);
            }
            Phase::Handshake => {
                if self.request.is_some() || !self.heads[side.index()].bytes.is_empty() {
                    out.push(self.error(
                        at,
                        None,
                        "http",
                        format!("{missing} bytes of the handshake are missing from the capture: cannot decode this connection"),
                    ));
                    self.emit_handshake(None, out);
                }
                self.ignore();
            }
        }
    }

    /// The caller's `side` finished sending (TCP FIN, or the end of the capture).
    pub fn finish_side(&mut self, side: Side, at: PacketRef, out: &mut Vec<Event>) {
        if self.phase == Phase::WebSocket {
            let role = self.role(side);
            let first = out.len();
            if let Some(direction) = &mut self.directions[role.index()] {
                direction.finish(at, out);
            }
            self.number_frames(&mut out[first..]);
        }
    }

    /// The connection is over: flushes what is pending in both directions.
    pub fn finish(&mut self, at: PacketRef, out: &mut Vec<Event>) {
        match self.phase {
            Phase::Handshake => {
                if self.request.is_some() {
                    // A request without an answer in the capture.
                    self.emit_handshake(None, out);
                }
                self.ignore();
            }
            Phase::WebSocket => {
                self.finish_side(Side::Client, at, out);
                self.finish_side(Side::Server, at, out);
            }
            Phase::Ignored => {}
        }
    }
}

/// The rule name for a client-side handshake check (chapter 02's error variants).
fn handshake_rule(error: &HandshakeError) -> &'static str {
    match error {
        HandshakeError::NotSwitchingProtocols { .. } => "NotSwitchingProtocols",
        HandshakeError::UpgradeNotWebSocket(_) => "UpgradeNotWebSocket",
        HandshakeError::ConnectionNotUpgrade(_) => "ConnectionNotUpgrade",
        HandshakeError::MissingAccept => "MissingAccept",
        HandshakeError::AcceptKeyMismatch { .. } => "AcceptKeyMismatch",
        HandshakeError::UnexpectedProtocol(_) => "UnexpectedProtocol",
        HandshakeError::UnexpectedExtension(_) => "UnexpectedExtension",
        _ => "InvalidHandshakeResponse",
    }
}
