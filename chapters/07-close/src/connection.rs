//! The connection state machine: chapter 06's connection wrapped with the
//! closing handshake of §7 and the four states of §4 and §7.
//!
//! ```text
//!  CONNECTING ──handshake──▶ OPEN ──close sent or received──▶ CLOSING ──TCP closed──▶ CLOSED
//!       │                     │                                                        ▲
//!       └─────────────────────┴──── TCP lost, or fail the connection (§7.1.7) ─────────┘
//! ```
//!
//! Chapter 06's [`ch06_ping_pong::Connection`] does the bytes, pongs and the
//! heartbeat; this wrapper decides what a close frame, a broken rule or a lost
//! TCP connection mean, and when TCP gets closed.

use std::fmt;
use std::time::{Duration, Instant};

use ch06_ping_pong::{self as ch06, Frame, Message, PingStats, Role, SansIo, SendError};

use crate::close::{CloseCode, CloseError, check_outgoing_close, parse_close_payload};

// ANCHOR: state
/// The four states of a WebSocket connection (§4.1, §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// The opening handshake is in progress (chapter 02 does it).
    Connecting,
    /// Messages flow both ways.
    Open,
    /// A close frame has been sent or received; waiting for the rest of the
    /// closing handshake and for TCP to close.
    Closing,
    /// TCP is closed. Nothing more happens.
    Closed,
}
// ANCHOR_END: state

/// How a [`Connection`] behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Chapter 06's settings: size limits, heartbeat, fragment size, linger.
    pub connection: ch06::Config,
    /// How long to wait for the other half of the closing handshake: for the
    /// peer's close frame after ours, and (as a client) for the server to close
    /// TCP after the close frames crossed.
    pub close_timeout: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            connection: ch06::Config::default(),
            close_timeout: Duration::from_secs(5),
        }
    }
}

// ANCHOR: close_info
/// How the connection ended, as the application learns it (the `CloseEvent`
/// of a browser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseInfo {
    /// §7.1.5 "The WebSocket Connection Close Code": the code in the peer's
    /// close frame; 1005 if its close frame had none; 1006 if no close frame
    /// arrived at all (the connection was lost, or we failed it).
    pub code: CloseCode,
    /// §7.1.6 "The WebSocket Connection Close Reason": the peer's reason, or "".
    pub reason: String,
    /// The close frame we sent, if any: its code (`None` for an empty body) and reason.
    pub sent: Option<(Option<CloseCode>, String)>,
    /// §7.1.4 / the browser's `wasClean`: both close frames crossed before TCP closed.
    pub clean: bool,
    /// We failed the connection (§7.1.7): why.
    pub failure: Option<String>,
}
// ANCHOR_END: close_info

impl fmt::Display for CloseInfo {
    /// `clean close, code 1000 (normal closure) "bye"` or
    /// `unclean close, code 1006 (abnormal closure); we failed it: ...`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clean = if self.clean { "clean" } else { "unclean" };
        write!(f, "{clean} close, code {}", self.code)?;
        if !self.reason.is_empty() {
            write!(f, " {:?}", self.reason)?;
        }
        if let Some((code, reason)) = &self.sent {
            match code {
                Some(code) => write!(f, "; we sent {code}")?,
                None => write!(f, "; we sent a close without a code")?,
            }
            if !reason.is_empty() {
                write!(f, " {reason:?}")?;
            }
        }
        if let Some(failure) = &self.failure {
            write!(f, "; we failed it: {failure}")?;
        }
        Ok(())
    }
}

/// What happened on a connection, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole text or binary message.
    Message(Message),
    /// The peer pinged us; the pong is already queued.
    Ping(Vec<u8>),
    /// The heartbeat pinged the quiet peer.
    PingSent(Vec<u8>),
    /// The peer answered our ping after `rtt`.
    Pong {
        /// Its payload.
        payload: Vec<u8>,
        /// The round-trip time.
        rtt: Duration,
    },
    /// A pong that answers nothing of ours; ignored.
    UnsolicitedPong(Vec<u8>),
    /// The peer started the closing handshake; we answered. State: CLOSING.
    CloseReceived {
        /// Its code (`None`: an empty close frame).
        code: Option<CloseCode>,
        /// Its reason.
        reason: String,
    },
    /// The connection is CLOSED. Always the last event.
    Closed(CloseInfo),
}

/// Why a close was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseRequestError {
    /// The code or reason may not be sent.
    Invalid(CloseError),
    /// The connection is not OPEN (a close was already sent, or it is closed).
    NotOpen(State),
}

impl fmt::Display for CloseRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseRequestError::Invalid(error) => write!(f, "{error}"),
            CloseRequestError::NotOpen(state) => write!(f, "the connection is {state:?}, not Open"),
        }
    }
}

impl std::error::Error for CloseRequestError {}

// ANCHOR: connection
/// One end of a WebSocket connection with the full closing handshake.
#[derive(Debug)]
pub struct Connection {
    inner: ch06::Connection,
    role: Role,
    state: State,
    close_timeout: Duration,
    /// The close frame we sent: code and reason.
    close_sent: Option<(Option<CloseCode>, String)>,
    /// The peer's close frame: code and reason.
    close_received: Option<(Option<CloseCode>, String)>,
    /// We failed the connection, and why.
    failure: Option<String>,
    /// Waiting for the peer's close frame, or (client) for the server's FIN, until then.
    close_deadline: Option<Instant>,
    /// The time of the latest input, for decisions made while producing events.
    now: Instant,
}
// ANCHOR_END: connection

impl Connection {
    /// A connection for `role` in state CONNECTING.
    pub fn new(role: Role, config: Config, now: Instant) -> Connection {
        Connection {
            inner: ch06::Connection::new(role, config.connection, now),
            role,
            state: State::Connecting,
            close_timeout: config.close_timeout,
            close_sent: None,
            close_received: None,
            failure: None,
            close_deadline: None,
            now,
        }
    }

    /// The opening handshake succeeded: CONNECTING → OPEN.
    pub fn open(&mut self) {
        if self.state == State::Connecting {
            self.state = State::Open;
        }
    }

    /// The state it is in.
    pub fn state(&self) -> State {
        self.state
    }

    /// Which end we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Ping and pong counters (chapter 06).
    pub fn stats(&self) -> PingStats {
        self.inner.stats()
    }

    /// Queues a message. Only while OPEN: §5.5.1 "After sending a Close frame,
    /// the endpoint MUST NOT send any further data."
    pub fn send(&mut self, message: &Message) -> Result<(), SendError> {
        if self.state != State::Open || self.close_sent.is_some() {
            return Err(SendError::CloseSent);
        }
        self.inner.send(message)
    }

    /// Like [`Connection::send`], but takes the message, so that a large payload
    /// is queued without a copy (chapter 06's `send_owned`).
    pub fn send_owned(&mut self, message: Message) -> Result<(), SendError> {
        if self.state != State::Open || self.close_sent.is_some() {
            return Err(SendError::CloseSent);
        }
        self.inner.send_owned(message)
    }

    /// Pings the peer (the pong is reported with its round-trip time).
    pub fn ping(&mut self, payload: Vec<u8>, now: Instant) -> Result<(), SendError> {
        if self.state != State::Open {
            return Err(SendError::CloseSent);
        }
        self.inner.ping(payload, now)
    }

    // ANCHOR: close
    /// Starts the closing handshake: OPEN → CLOSING. The peer should answer with
    /// its own close frame within the close timeout.
    pub fn close(
        &mut self,
        code: u16,
        reason: &str,
        now: Instant,
    ) -> Result<(), CloseRequestError> {
        check_outgoing_close(code, reason).map_err(CloseRequestError::Invalid)?;
        if self.state != State::Open {
            return Err(CloseRequestError::NotOpen(self.state));
        }
        self.send_close(Some(code), reason);
        self.state = State::Closing;
        self.close_deadline = Some(now + self.close_timeout);
        Ok(())
    }
    // ANCHOR_END: close

    fn send_close(&mut self, code: Option<u16>, reason: &str) {
        // Ignoring the error is right: it means a close frame already went out.
        if self.inner.send_frame(&Frame::close(code, reason)).is_ok() {
            self.close_sent = Some((code.map(CloseCode::from), reason.to_string()));
        }
    }

    // ANCHOR: fail
    /// _Fail the WebSocket Connection_ (§7.1.7): the one path for every broken
    /// rule (1002, 1007, 1009) and for a peer that stopped answering (1011).
    ///
    /// "If _The WebSocket Connection is Established_ prior to the point where the
    /// endpoint is required to _Fail the WebSocket Connection_, the endpoint SHOULD
    /// send a Close frame with an appropriate status code (Section 7.4) before
    /// proceeding to _Close the WebSocket Connection_." and "An endpoint MUST NOT
    /// continue to attempt to process data (including a responding Close frame)
    /// from the remote endpoint after being instructed to _Fail the WebSocket
    /// Connection_."
    fn fail(&mut self, code: u16, why: String) {
        if self.state == State::Open {
            self.send_close(Some(code), "");
        }
        self.failure = Some(why);
        self.state = State::Closing;
        self.close_deadline = None;
        // Close TCP now, whichever side we are: there is no handshake to finish.
        self.inner.close_tcp(self.now);
    }
    // ANCHOR_END: fail

    // ANCHOR: on_close_frame
    /// The peer's close frame arrived (chapter 06 stopped reading after it).
    fn on_close_frame(&mut self, frame: &Frame) -> Option<Event> {
        let payload = match parse_close_payload(&frame.payload) {
            Ok(payload) => payload,
            Err(error) => {
                let code = error.close_code();
                self.fail(code, format!("§{} {error}", error.section()));
                return None;
            }
        };
        self.close_received = Some((payload.code, payload.reason.clone()));
        if self.state == State::Open {
            // §5.5.1: "If an endpoint receives a Close frame and did not previously
            // send a Close frame, the endpoint MUST send a Close frame in response.
            // (When sending a Close frame in response, the endpoint typically echos
            // the status code it received.)"
            self.send_close(payload.code.map(u16::from), "");
            self.state = State::Closing;
        }
        // Both close frames have now crossed.
        match self.role {
            // §7.1.1: "The underlying TCP connection, in most normal cases, SHOULD
            // be closed first by the server, so that it holds the TIME_WAIT state
            // and not the client".
            Role::Server => self.inner.close_tcp(self.now),
            // §7.1.1: the client "SHOULD wait for the server to close the
            // connection but MAY close the connection at any time after sending and
            // receiving a Close message, e.g., if it has not received a TCP Close
            // from the server in a reasonable time period."
            Role::Client => self.close_deadline = Some(self.now + self.close_timeout),
        }
        Some(Event::CloseReceived {
            code: payload.code,
            reason: payload.reason,
        })
    }
    // ANCHOR_END: on_close_frame

    /// TCP is closed: CLOSED, and how it ended.
    fn on_disconnected(&mut self) -> Event {
        self.state = State::Closed;
        self.close_deadline = None;
        let (code, reason) = match &self.close_received {
            // §7.1.5: "If this Close control frame contains no status code, _The
            // WebSocket Connection Close Code_ is considered to be 1005."
            Some((None, _)) => (CloseCode::NoStatus, String::new()),
            Some((Some(code), reason)) => (*code, reason.clone()),
            // "If _The WebSocket Connection is Closed_ and no Close control frame
            // was received by the endpoint (such as could occur if the underlying
            // transport connection is lost), _The WebSocket Connection Close Code_
            // is considered to be 1006."
            None => (CloseCode::Abnormal, String::new()),
        };
        Event::Closed(CloseInfo {
            code,
            reason,
            sent: self.close_sent.clone(),
            clean: self.close_sent.is_some()
                && self.close_received.is_some()
                && self.failure.is_none(),
            failure: self.failure.clone(),
        })
    }
}

// ANCHOR: sans_io
impl SansIo for Connection {
    type Event = Event;

    fn receive(&mut self, bytes: &[u8], now: Instant) {
        self.now = now;
        self.inner.receive(bytes, now);
    }

    fn receive_eof(&mut self, now: Instant) {
        self.now = now;
        self.inner.receive_eof(now);
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        if let Some(deadline) = self.close_deadline
            && now >= deadline
        {
            // The peer did not answer our close frame, or (client) the server did
            // not close TCP in time: close it ourselves.
            self.close_deadline = None;
            self.inner.close_tcp(now);
        }
        self.inner.handle_timeout(now);
    }

    fn next_event(&mut self) -> Option<Event> {
        loop {
            let event = match self.inner.next_event()? {
                ch06::Event::Message(message) => Event::Message(message),
                ch06::Event::Ping(payload) => Event::Ping(payload),
                ch06::Event::PingSent(payload) => Event::PingSent(payload),
                ch06::Event::Pong { payload, rtt } => Event::Pong { payload, rtt },
                ch06::Event::UnsolicitedPong(payload) => Event::UnsolicitedPong(payload),
                ch06::Event::Close(frame) => match self.on_close_frame(&frame) {
                    Some(event) => event,
                    None => continue,
                },
                ch06::Event::Failed(error) => {
                    self.fail(error.close_code(), error.to_string());
                    continue;
                }
                ch06::Event::Disconnected => self.on_disconnected(),
            };
            return Some(event);
        }
    }

    fn take_outgoing(&mut self, out: &mut Vec<u8>) {
        self.inner.take_outgoing(out);
    }

    fn take_outgoing_chunks(&mut self, out: &mut Vec<Vec<u8>>) {
        self.inner.take_outgoing_chunks(out);
    }

    fn next_deadline(&self) -> Option<Instant> {
        match (self.inner.next_deadline(), self.close_deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn wants_tcp_close(&self) -> bool {
        self.inner.wants_tcp_close()
    }

    fn is_finished(&self) -> bool {
        self.state == State::Closed
    }
}
// ANCHOR_END: sans_io

#[cfg(test)]
mod tests {
    use super::*;
    use ch06_ping_pong::{Heartbeat, Parsed, encode_frame, parse};

    const SECOND: Duration = Duration::from_secs(1);

    fn open(role: Role, now: Instant) -> Connection {
        let mut connection = Connection::new(role, Config::default(), now);
        assert_eq!(connection.state(), State::Connecting);
        connection.open();
        assert_eq!(connection.state(), State::Open);
        connection
    }

    fn from_peer(of: Role, frames: &[Frame]) -> Vec<u8> {
        frames
            .iter()
            .flat_map(|frame| encode_frame(of.peer(), frame))
            .collect()
    }

    fn all_events(connection: &mut Connection) -> Vec<Event> {
        std::iter::from_fn(|| connection.next_event()).collect()
    }

    /// The one event left must be `Closed`.
    fn closed(connection: &mut Connection) -> CloseInfo {
        let events = all_events(connection);
        match events.as_slice() {
            [Event::Closed(info)] => info.clone(),
            _ => panic!("expected only Closed, got {events:?}"),
        }
    }

    fn sent_frames(connection: &mut Connection) -> Vec<Frame> {
        let mut out = Vec::new();
        connection.take_outgoing(&mut out);
        let mut frames = Vec::new();
        let mut rest = out.as_slice();
        while let Parsed::Complete { header, header_len } = parse(rest) {
            let end = header_len + header.payload_len as usize;
            let mut payload = rest[header_len..end].to_vec();
            if let Some(key) = header.mask {
                ch06_ping_pong::apply_mask(&mut payload, key, 0);
            }
            let mut header = header;
            header.mask = None;
            frames.push(Frame { header, payload });
            rest = &rest[end..];
        }
        frames
    }

    #[test]
    fn the_peer_closes_the_server_echoes_the_code_and_closes_tcp_first() {
        let t0 = Instant::now();
        let mut server = open(Role::Server, t0);
        server.receive(
            &from_peer(Role::Server, &[Frame::close(Some(4001), "done")]),
            t0,
        );
        assert_eq!(
            all_events(&mut server),
            [Event::CloseReceived {
                code: Some(CloseCode::Other(4001)),
                reason: "done".into()
            }]
        );
        assert_eq!(server.state(), State::Closing);
        assert_eq!(sent_frames(&mut server), [Frame::close(Some(4001), "")]);
        assert!(server.wants_tcp_close(), "the server closes TCP at once");
        assert!(!server.is_finished());
        server.receive_eof(t0);
        let info = closed(&mut server);
        assert_eq!(server.state(), State::Closed);
        assert!(server.is_finished());
        assert_eq!(info.code, CloseCode::Other(4001));
        assert_eq!(info.reason, "done");
        assert!(info.clean);
    }

    #[test]
    fn the_client_closes_then_waits_for_the_server_to_close_tcp() {
        let t0 = Instant::now();
        let mut client = open(Role::Client, t0);
        client.close(1000, "bye", t0).unwrap();
        assert_eq!(client.state(), State::Closing);
        assert_eq!(sent_frames(&mut client), [Frame::close(Some(1000), "bye")]);
        assert_eq!(
            client.send(&Message::text("too late")),
            Err(SendError::CloseSent)
        );
        assert_eq!(
            client.close(1000, "again", t0),
            Err(CloseRequestError::NotOpen(State::Closing))
        );
        // The server's echo.
        client.receive(
            &from_peer(Role::Client, &[Frame::close(Some(1000), "")]),
            t0,
        );
        assert!(matches!(
            all_events(&mut client).as_slice(),
            [Event::CloseReceived {
                code: Some(CloseCode::Normal),
                ..
            }]
        ));
        assert!(
            !client.wants_tcp_close(),
            "the client waits for the server's FIN"
        );
        assert_eq!(client.next_deadline(), Some(t0 + 5 * SECOND));
        // The server closes TCP.
        client.receive_eof(t0 + SECOND);
        let info = closed(&mut client);
        assert!(info.clean);
        assert_eq!(info.code, CloseCode::Normal);
        assert_eq!(info.sent, Some((Some(CloseCode::Normal), "bye".into())));
    }

    #[test]
    fn a_client_gives_up_on_a_server_that_never_closes_tcp() {
        let t0 = Instant::now();
        let mut client = open(Role::Client, t0);
        client.receive(
            &from_peer(Role::Client, &[Frame::close(Some(1001), "")]),
            t0,
        );
        all_events(&mut client);
        assert_eq!(sent_frames(&mut client), [Frame::close(Some(1001), "")]);
        client.handle_timeout(t0 + 5 * SECOND);
        assert!(
            client.wants_tcp_close(),
            "closes TCP itself after the timeout"
        );
        client.receive_eof(t0 + 5 * SECOND);
        let info = closed(&mut client);
        assert!(info.clean, "both close frames crossed");
        assert_eq!(info.code, CloseCode::GoingAway);
    }

    #[test]
    fn a_peer_that_never_answers_our_close_is_cut_off_unclean_1006() {
        let t0 = Instant::now();
        let mut server = open(Role::Server, t0);
        server.close(1001, "shutting down", t0).unwrap();
        sent_frames(&mut server);
        server.handle_timeout(t0 + 4 * SECOND);
        assert!(!server.wants_tcp_close());
        server.handle_timeout(t0 + 5 * SECOND);
        assert!(server.wants_tcp_close());
        server.receive_eof(t0 + 5 * SECOND);
        let info = closed(&mut server);
        assert!(!info.clean);
        assert_eq!(info.code, CloseCode::Abnormal);
    }

    #[test]
    fn an_empty_close_frame_is_answered_empty_and_reported_as_1005() {
        let t0 = Instant::now();
        let mut server = open(Role::Server, t0);
        server.receive(&from_peer(Role::Server, &[Frame::close(None, "")]), t0);
        all_events(&mut server);
        assert_eq!(sent_frames(&mut server), [Frame::close(None, "")]);
        server.receive_eof(t0);
        let info = closed(&mut server);
        assert_eq!(info.code, CloseCode::NoStatus);
        assert!(info.clean);
    }

    #[test]
    fn broken_rules_fail_the_connection_with_their_code() {
        let cases: [(Vec<u8>, u16); 5] = [
            // An unmasked client frame (§5.1).
            (Frame::text("hi").to_bytes_unmasked(), 1002),
            // Invalid UTF-8 in a text message (§8.1).
            (
                from_peer(
                    Role::Server,
                    &[Frame::new(ch06_ping_pong::OpCode::Text, vec![0xC0, 0x80])],
                ),
                1007,
            ),
            // A close code that may not be sent (§7.4).
            (
                from_peer(Role::Server, &[Frame::close(Some(1005), "")]),
                1002,
            ),
            // A close reason that is not UTF-8 (§5.5.1).
            (
                from_peer(
                    Role::Server,
                    &[Frame::new(
                        ch06_ping_pong::OpCode::Close,
                        vec![3, 232, 0xFF],
                    )],
                ),
                1007,
            ),
            // A 1-byte close body.
            (
                from_peer(
                    Role::Server,
                    &[Frame::new(ch06_ping_pong::OpCode::Close, vec![3])],
                ),
                1002,
            ),
        ];
        for (bytes, code) in cases {
            let t0 = Instant::now();
            let mut server = open(Role::Server, t0);
            server.receive(&bytes, t0);
            assert!(all_events(&mut server).is_empty());
            assert_eq!(server.state(), State::Closing);
            assert_eq!(sent_frames(&mut server), [Frame::close(Some(code), "")]);
            assert!(
                server.wants_tcp_close(),
                "fail = close frame, then close TCP"
            );
            server.receive_eof(t0);
            let info = closed(&mut server);
            assert!(!info.clean);
            assert_eq!(info.code, CloseCode::Abnormal);
            assert_eq!(
                info.sent,
                Some((Some(CloseCode::from(code)), String::new()))
            );
            assert!(info.failure.is_some());
        }
    }

    #[test]
    fn the_message_too_big_goes_through_the_same_path_as_1009() {
        let t0 = Instant::now();
        let config = Config {
            connection: ch06::Config {
                limits: ch06_ping_pong::Limits {
                    max_frame_payload: 10,
                    max_message: 10,
                },
                ..ch06::Config::default()
            },
            ..Config::default()
        };
        let mut server = Connection::new(Role::Server, config, t0);
        server.open();
        server.receive(&from_peer(Role::Server, &[Frame::binary(vec![0; 11])]), t0);
        all_events(&mut server);
        assert_eq!(sent_frames(&mut server), [Frame::close(Some(1009), "")]);
    }

    #[test]
    fn an_unresponsive_peer_is_failed_with_1011() {
        let t0 = Instant::now();
        let config = Config {
            connection: ch06::Config {
                heartbeat: Some(Heartbeat {
                    interval: SECOND,
                    timeout: SECOND,
                }),
                ..ch06::Config::default()
            },
            ..Config::default()
        };
        let mut server = Connection::new(Role::Server, config, t0);
        server.open();
        server.handle_timeout(t0 + SECOND);
        assert!(matches!(
            all_events(&mut server).as_slice(),
            [Event::PingSent(_)]
        ));
        server.handle_timeout(t0 + 2 * SECOND);
        all_events(&mut server);
        let frames = sent_frames(&mut server);
        assert_eq!(frames.last(), Some(&Frame::close(Some(1011), "")));
        assert!(server.wants_tcp_close());
    }

    #[test]
    fn tcp_lost_without_a_close_is_1006() {
        let t0 = Instant::now();
        let mut client = open(Role::Client, t0);
        client.receive(&from_peer(Role::Client, &[Frame::text("partial")]), t0);
        client.receive_eof(t0);
        let events = all_events(&mut client);
        assert_eq!(events[0], Event::Message(Message::text("partial")));
        let Event::Closed(info) = &events[1] else {
            panic!("{events:?}")
        };
        assert_eq!(info.code, CloseCode::Abnormal);
        assert!(!info.clean);
        assert_eq!(client.state(), State::Closed);
    }

    #[test]
    fn after_receiving_close_nothing_more_is_read() {
        let t0 = Instant::now();
        let mut server = open(Role::Server, t0);
        server.receive(
            &from_peer(
                Role::Server,
                &[
                    Frame::close(Some(1000), ""),
                    Frame::text("ignored"),
                    Frame::ping(vec![1]),
                ],
            ),
            t0,
        );
        let events = all_events(&mut server);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(sent_frames(&mut server), [Frame::close(Some(1000), "")]);
    }

    #[test]
    fn invalid_closes_are_refused_before_sending() {
        let t0 = Instant::now();
        let mut connection = open(Role::Client, t0);
        assert_eq!(
            connection.close(1006, "", t0),
            Err(CloseRequestError::Invalid(CloseError::InvalidCode(1006)))
        );
        assert_eq!(
            connection.close(1000, &"x".repeat(124), t0),
            Err(CloseRequestError::Invalid(CloseError::ReasonTooLong(124)))
        );
        assert_eq!(connection.state(), State::Open);
        assert!(sent_frames(&mut connection).is_empty());
    }
}
