//! The connection, sans-I/O: chapter 05's decoder plus everything that makes
//! one end of a WebSocket answer for itself — pongs, the heartbeat, an outgoing
//! queue, and a clock that is passed in.
//!
//! The application side is [`Connection::send`], [`Connection::ping`],
//! [`Connection::send_frame`] and [`Connection::close_tcp`]. The I/O side is the
//! [`SansIo`] trait: bytes in, time in, events and bytes out. The blocking
//! driver in [`crate::blocking`] does nothing but call the I/O side.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use ch05_fragmentation::{
    DecodeError, Decoder, Event as Decoded, Frame, FrameHeader, Limits, Message, OpCode, Role,
    apply_mask, encode_frame, random_mask_key,
};

use crate::blocking::FEED_SLICE;
use crate::blocking::SansIo;
use crate::heartbeat::{Beat, Heartbeat, PingStats, PingTracker};
use crate::outgoing::{MOVE_THRESHOLD, Outgoing};

/// How a [`Connection`] behaves. `Config::default()` is a server or client
/// with chapter 05's size limits and no heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Frame and message size limits (chapter 05).
    pub limits: Limits,
    /// Ping a quiet peer and drop one that does not answer; `None` never pings.
    pub heartbeat: Option<Heartbeat>,
    /// How many of the peer's pings may wait for a pong before the oldest is
    /// dropped in favour of the newer ones (§5.5.3). At least 1.
    pub max_pending_pongs: usize,
    /// Send messages in fragments of this many bytes; 0 sends one frame each.
    pub fragment_size: usize,
    /// After we close TCP, how long to wait for the peer to close its side.
    pub linger: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            limits: Limits::default(),
            heartbeat: None,
            max_pending_pongs: 16,
            fragment_size: 0,
            linger: Duration::from_secs(2),
        }
    }
}

// ANCHOR: event
/// What happened on a connection, for the application.
///
/// Control frames are handled here, so the application only *hears about*
/// pings and pongs; it never has to answer one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A whole text or binary message (chapter 05).
    Message(Message),
    /// The peer pinged us; the pong with the same payload is already queued.
    Ping(Vec<u8>),
    /// The heartbeat pinged the quiet peer with this payload.
    PingSent(Vec<u8>),
    /// The peer answered our ping after `rtt`.
    Pong {
        /// The payload, the same as our ping's.
        payload: Vec<u8>,
        /// Round-trip time: from queueing the ping to reading the pong.
        rtt: Duration,
    },
    /// A pong that answers no ping of ours; ignored (§5.5.3).
    UnsolicitedPong(Vec<u8>),
    /// The peer sent a close frame. The connection stops reading; answering it
    /// is up to the application in this chapter (chapter 07 does it for you).
    Close(Frame),
    /// The connection cannot go on: the peer broke a rule, or stopped answering.
    /// It reads nothing more; the application sends a close frame with
    /// [`ConnectionError::close_code`] and closes TCP.
    Failed(ConnectionError),
    /// The TCP connection is gone: the peer closed it, it broke, or it went
    /// silent past the socket's read timeout. The last event.
    Disconnected,
}
// ANCHOR_END: event

/// Why a connection cannot go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionError {
    /// The peer broke a rule of chapters 03–05 (masking, framing, UTF-8, sizes).
    Protocol(DecodeError),
    /// Our ping went unanswered for the heartbeat's timeout.
    Unresponsive {
        /// How long we waited.
        waited: Duration,
    },
}

impl ConnectionError {
    /// The status code to close with: the rule's code (1002, 1007, 1009), or
    /// 1011 for a peer that stopped answering (as Python's `websockets` does).
    pub fn close_code(&self) -> u16 {
        match self {
            ConnectionError::Protocol(error) => error.close_code(),
            ConnectionError::Unresponsive { .. } => 1011,
        }
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Protocol(error) => write!(f, "{error}"),
            ConnectionError::Unresponsive { waited } => write!(
                f,
                "the peer did not answer a ping within {:.1} s",
                waited.as_secs_f64()
            ),
        }
    }
}

impl std::error::Error for ConnectionError {}

/// Why a message or frame was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// A close frame has been sent (or TCP closed): §5.5.1 "After sending a
    /// Close frame, the endpoint MUST NOT send any further data."
    CloseSent,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a close frame was already sent; nothing more may follow it (§5.5.1)")
    }
}

impl std::error::Error for SendError {}

// ANCHOR: connection
/// One end of a WebSocket connection after the handshake, with no socket inside.
#[derive(Debug)]
pub struct Connection {
    role: Role,
    config: Config,
    decoder: Decoder,
    /// Encoded frames waiting to be written, in order.
    outgoing: Outgoing,
    /// Payloads of the peer's pings we still owe a pong, oldest first.
    pending_pongs: VecDeque<Vec<u8>>,
    pings: PingTracker,
    /// When bytes last arrived from the peer: "idle" is measured from here.
    last_heard: Instant,
    /// Events made by the clock or the socket rather than by decoding bytes.
    events: VecDeque<Event>,
    /// `false` once a close frame arrived, a rule was broken, or we closed TCP:
    /// later bytes from the peer are dropped unread.
    reading: bool,
    /// `false` once a close frame was queued or TCP closed: nothing more is sent.
    sending: bool,
    /// When the application asked to close TCP.
    tcp_closed_at: Option<Instant>,
    /// The peer closed TCP, or we gave up waiting for it: nothing more will happen.
    finished: bool,
}
// ANCHOR_END: connection

impl Connection {
    /// A connection for `role` whose handshake completed at `now`.
    pub fn new(role: Role, config: Config, now: Instant) -> Connection {
        Connection {
            role,
            config,
            decoder: Decoder::new(role, config.limits),
            outgoing: Outgoing::default(),
            pending_pongs: VecDeque::new(),
            pings: PingTracker::new(),
            last_heard: now,
            events: VecDeque::new(),
            reading: true,
            sending: true,
            tcp_closed_at: None,
            finished: false,
        }
    }

    /// Which end we are.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Ping and pong counters, and the latest round-trip time.
    pub fn stats(&self) -> PingStats {
        self.pings.stats()
    }

    /// `true` until a close frame was queued or TCP closed.
    pub fn can_send(&self) -> bool {
        self.sending
    }

    /// Queues a text or binary message (in fragments if so configured).
    pub fn send(&mut self, message: &Message) -> Result<(), SendError> {
        if !self.sending {
            return Err(SendError::CloseSent);
        }
        encode_into(
            self.role,
            message,
            self.config.fragment_size,
            self.outgoing.buffer(),
        );
        Ok(())
    }

    /// Like [`Connection::send`], but takes the message: a large payload sent
    /// whole is queued as it is, without a copy. What an echo server wants.
    pub fn send_owned(&mut self, message: Message) -> Result<(), SendError> {
        if !self.sending {
            return Err(SendError::CloseSent);
        }
        let whole =
            self.config.fragment_size == 0 || message.data.len() <= self.config.fragment_size;
        if !whole || message.data.len() < MOVE_THRESHOLD {
            return self.send(&message);
        }
        let mut header = FrameHeader::new(message.opcode(), message.data.len() as u64);
        header.mask = match self.role {
            Role::Client => Some(random_mask_key()),
            Role::Server => None,
        };
        header.write(self.outgoing.buffer());
        let mut payload = message.data;
        if let Some(key) = header.mask {
            apply_mask(&mut payload, key, 0);
        }
        self.outgoing.push_chunk(payload);
        Ok(())
    }

    /// Queues one frame as it is (masked if we are the client). A close frame
    /// seals the sending side: §5.5.1 "After sending a Close frame, the endpoint
    /// MUST NOT send any further data."
    pub fn send_frame(&mut self, frame: &Frame) -> Result<(), SendError> {
        if !self.sending {
            return Err(SendError::CloseSent);
        }
        self.outgoing.extend(&encode_frame(self.role, frame));
        if frame.header.opcode == OpCode::Close {
            self.sending = false;
            self.pending_pongs.clear();
        }
        Ok(())
    }

    /// Pings the peer now; the pong's arrival is reported as [`Event::Pong`]
    /// with the round-trip time. (The heartbeat calls this by itself.)
    pub fn ping(&mut self, payload: Vec<u8>, now: Instant) -> Result<(), SendError> {
        self.send_frame(&Frame::ping(payload.clone()))?;
        self.pings.ping_sent(payload, now);
        Ok(())
    }

    /// Closes our side of TCP (after flushing what is queued), drops whatever
    /// else arrives, and waits at most `config.linger` for the peer to close its
    /// side. Waiting matters: closing a socket with unread bytes in it makes the
    /// kernel send a reset, which can destroy the last frames we sent.
    pub fn close_tcp(&mut self, now: Instant) {
        if self.tcp_closed_at.is_none() {
            self.tcp_closed_at = Some(now);
        }
        self.reading = false;
        self.sending = false;
        self.pending_pongs.clear();
    }

    // ANCHOR: pong
    /// Owes the peer a pong.
    fn queue_pong(&mut self, payload: Vec<u8>) {
        // §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame
        // in response, unless it already received a Close frame. It SHOULD respond
        // with Pong frame as soon as is practical." (After a close frame we stop
        // reading, so no ping gets here.)
        if !self.sending {
            return;
        }
        // §5.5.3: "If an endpoint receives a Ping frame and has not yet sent Pong
        // frame(s) in response to previous Ping frame(s), the endpoint MAY elect to
        // send a Pong frame for only the most recently processed Ping frame."
        // We answer every ping (Autobahn's case 2.10 checks that as a courtesy),
        // but a peer that floods pings faster than we write cannot make the queue
        // grow: past `max_pending_pongs` the oldest unanswered ping is dropped.
        if self.pending_pongs.len() >= self.config.max_pending_pongs.max(1) {
            self.pending_pongs.pop_front();
            self.pings.ping_coalesced();
        }
        self.pending_pongs.push_back(payload);
    }
    // ANCHOR_END: pong

    // ANCHOR: control
    /// A control frame arrived: handle it, and say what happened.
    fn control(&mut self, frame: Frame) -> Event {
        match frame.header.opcode {
            OpCode::Ping => {
                self.pings.ping_received();
                self.queue_pong(frame.payload.clone());
                Event::Ping(frame.payload)
            }
            // `last_heard` is when the bytes of this pong were received.
            OpCode::Pong => match self.pings.pong_received(&frame.payload, self.last_heard) {
                Some(rtt) => Event::Pong {
                    payload: frame.payload,
                    rtt,
                },
                None => Event::UnsolicitedPong(frame.payload),
            },
            // A close frame (reserved control opcodes never get past chapter 03's
            // check). §5.5.1: after its close frame the peer sends nothing more, so
            // we stop reading.
            _ => {
                self.reading = false;
                Event::Close(frame)
            }
        }
    }
    // ANCHOR_END: control

    fn heartbeat_active(&self) -> bool {
        self.config.heartbeat.is_some() && self.reading && self.sending
    }

    fn linger_deadline(&self) -> Option<Instant> {
        self.tcp_closed_at.map(|at| at + self.config.linger)
    }
}

// ANCHOR: encode_into
/// Appends `message`'s frames to `out` as `sender` sends them: the fast twin of
/// chapter 05's `encode_message`, which builds each frame in a new `Vec` and
/// collects them into another (echoing a 16 MiB message, those copies and
/// allocations cost more than the socket does). Here each frame's header and
/// payload go straight into the queue, masked in place for a client. The frames
/// are the ones chapter 05's `fragment` makes (tested below).
fn encode_into(sender: Role, message: &Message, fragment_size: usize, out: &mut Vec<u8>) {
    let data = message.data.as_slice();
    let piece_size = if fragment_size == 0 {
        data.len().max(1)
    } else {
        fragment_size
    };
    let pieces = data.len().div_ceil(piece_size).max(1);
    for index in 0..pieces {
        let start = (index * piece_size).min(data.len());
        let piece = &data[start..(start + piece_size).min(data.len())];
        let opcode = if index == 0 {
            message.opcode()
        } else {
            OpCode::Continuation
        };
        let mut header = FrameHeader::new(opcode, piece.len() as u64);
        header.fin = index == pieces - 1;
        header.mask = match sender {
            Role::Client => Some(random_mask_key()),
            Role::Server => None,
        };
        out.reserve(header.encoded_len() + piece.len());
        header.write(out);
        let payload_start = out.len();
        // In slices, for the reason given at `FEED_SLICE`: the payload lands
        // right behind a 2- to 14-byte header, never 64-byte aligned.
        for slice in piece.chunks(COPY_SLICE) {
            out.extend_from_slice(slice);
        }
        if let Some(key) = header.mask {
            apply_mask(&mut out[payload_start..], key, 0);
        }
    }
}

/// Large payloads are copied this much at a time (see `blocking::FEED_SLICE`).
const COPY_SLICE: usize = FEED_SLICE;
// ANCHOR_END: encode_into

// ANCHOR: sans_io
impl SansIo for Connection {
    type Event = Event;

    fn receive(&mut self, bytes: &[u8], now: Instant) {
        if self.reading && !bytes.is_empty() {
            self.last_heard = now;
            self.decoder.feed(bytes);
        }
    }

    fn receive_eof(&mut self, _now: Instant) {
        // What arrived before the end is still decoded (`next_event` empties the
        // decoder before it reports `Disconnected`).
        if !self.finished {
            self.finished = true;
            self.sending = false;
            self.events.push_back(Event::Disconnected);
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Some(deadline) = self.linger_deadline()
            && now >= deadline
            && !self.finished
        {
            // The peer never closed its side; we stop waiting.
            self.finished = true;
            self.events.push_back(Event::Disconnected);
        }
        let Some(heartbeat) = self.config.heartbeat else {
            return;
        };
        if !self.heartbeat_active() {
            return;
        }
        match self.pings.beat(&heartbeat, self.last_heard, now) {
            Beat::Wait => {}
            Beat::SendPing(payload) => {
                if self.ping(payload.clone(), now).is_ok() {
                    self.events.push_back(Event::PingSent(payload));
                }
            }
            Beat::PeerUnresponsive { waited } => {
                self.reading = false;
                self.events
                    .push_back(Event::Failed(ConnectionError::Unresponsive { waited }));
            }
        }
    }

    fn next_event(&mut self) -> Option<Event> {
        // What the peer sent first, then what the clock or the socket said.
        if self.reading {
            match self.decoder.next_event() {
                Ok(None) => {}
                Ok(Some(Decoded::Message(message))) => return Some(Event::Message(message)),
                Ok(Some(Decoded::Control(frame))) => return Some(self.control(frame)),
                Err(error) => {
                    self.reading = false;
                    return Some(Event::Failed(ConnectionError::Protocol(error)));
                }
            }
        }
        self.events.pop_front()
    }

    fn take_outgoing(&mut self, out: &mut Vec<u8>) {
        // Pongs first: "as soon as is practical", even ahead of a large echo.
        for payload in self.pending_pongs.drain(..) {
            out.extend_from_slice(&encode_frame(self.role, &Frame::pong(payload)));
        }
        self.outgoing.take_bytes(out);
    }

    fn take_outgoing_chunks(&mut self, out: &mut Vec<Vec<u8>>) {
        let mut pongs = Vec::new();
        for payload in self.pending_pongs.drain(..) {
            pongs.extend_from_slice(&encode_frame(self.role, &Frame::pong(payload)));
        }
        if !pongs.is_empty() {
            out.push(pongs);
        }
        self.outgoing.take_chunks(out);
    }

    fn next_deadline(&self) -> Option<Instant> {
        let heartbeat = match self.config.heartbeat {
            Some(heartbeat) if self.heartbeat_active() => {
                Some(self.pings.deadline(&heartbeat, self.last_heard))
            }
            _ => None,
        };
        match (heartbeat, self.linger_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn wants_tcp_close(&self) -> bool {
        self.tcp_closed_at.is_some() || self.finished
    }

    fn is_finished(&self) -> bool {
        self.finished
    }
}
// ANCHOR_END: sans_io

#[cfg(test)]
mod tests {
    use super::*;
    use ch05_fragmentation::{MessageError, Parsed, parse};

    const SECOND: Duration = Duration::from_secs(1);

    fn server(heartbeat: Option<Heartbeat>, now: Instant) -> Connection {
        let config = Config {
            heartbeat,
            ..Config::default()
        };
        Connection::new(Role::Server, config, now)
    }

    fn from_client(frames: &[Frame]) -> Vec<u8> {
        frames
            .iter()
            .flat_map(|frame| encode_frame(Role::Client, frame))
            .collect()
    }

    fn all_events(connection: &mut Connection) -> Vec<Event> {
        std::iter::from_fn(|| connection.next_event()).collect()
    }

    /// The frames a server wrote, decoded.
    fn sent_frames(connection: &mut Connection) -> Vec<Frame> {
        let mut out = Vec::new();
        connection.take_outgoing(&mut out);
        let mut frames = Vec::new();
        let mut rest = out.as_slice();
        while let Parsed::Complete { header, header_len } = parse(rest) {
            let end = header_len + header.payload_len as usize;
            frames.push(Frame {
                header,
                payload: rest[header_len..end].to_vec(),
            });
            rest = &rest[end..];
        }
        assert!(rest.is_empty(), "trailing bytes");
        frames
    }

    #[test]
    fn encode_into_writes_what_chapter_05_writes() {
        use ch05_fragmentation::{Limits, encode_message};
        let messages = [
            Message::text(""),
            Message::text("Hello"),
            Message::binary(vec![7; 70_000]),
            Message::binary(vec![9; 3 * COPY_SLICE + 5]),
            Message::text("é".repeat(5_000)),
        ];
        for message in &messages {
            for fragment_size in [0, 1, 3, 125, 4096, 100_000] {
                let mut ours = vec![0xAA]; // appends, keeps what was there
                encode_into(Role::Server, message, fragment_size, &mut ours);
                let mut expected = vec![0xAA];
                expected.extend(encode_message(Role::Server, message, fragment_size));
                assert_eq!(ours, expected, "{message} in fragments of {fragment_size}");
                // A client's frames are masked with random keys: compare what a server decodes.
                let mut masked = Vec::new();
                encode_into(Role::Client, message, fragment_size, &mut masked);
                let mut decoder = Decoder::new(Role::Server, Limits::default());
                decoder.feed(&masked);
                match decoder.next_event() {
                    Ok(Some(Decoded::Message(back))) => assert_eq!(back.data, message.data),
                    other => panic!("{other:?}"),
                }
            }
        }
    }

    #[test]
    fn send_owned_queues_a_large_payload_without_copying_it() {
        let t0 = Instant::now();
        let mut connection = server(None, t0);
        let payload = vec![3u8; 100_000];
        let address = payload.as_ptr();
        connection.send_owned(Message::binary(payload)).unwrap();
        connection.send_owned(Message::text("small")).unwrap();
        let mut chunks = Vec::new();
        connection.take_outgoing_chunks(&mut chunks);
        assert_eq!(chunks.len(), 3, "header, payload, the small frame");
        assert_eq!(chunks[1].as_ptr(), address);
        // The same bytes as `send` would have queued.
        let mut expected = server(None, t0);
        expected.send(&Message::binary(vec![3u8; 100_000])).unwrap();
        expected.send(&Message::text("small")).unwrap();
        let mut bytes = Vec::new();
        expected.take_outgoing(&mut bytes);
        assert_eq!(chunks.concat(), bytes);
    }

    #[test]
    fn a_125_byte_ping_is_answered_with_the_same_payload() {
        let t0 = Instant::now();
        let mut connection = server(None, t0);
        let payload: Vec<u8> = (0..125).collect();
        connection.receive(&from_client(&[Frame::ping(payload.clone())]), t0);
        assert_eq!(all_events(&mut connection), [Event::Ping(payload.clone())]);
        assert_eq!(sent_frames(&mut connection), [Frame::pong(payload)]);
    }

    #[test]
    fn a_126_byte_ping_fails_the_connection_with_1002() {
        let t0 = Instant::now();
        let mut connection = server(None, t0);
        connection.receive(&from_client(&[Frame::ping(vec![0; 126])]), t0);
        let events = all_events(&mut connection);
        let [Event::Failed(error)] = events.as_slice() else {
            panic!("{events:?}")
        };
        assert_eq!(
            *error,
            ConnectionError::Protocol(DecodeError::Message(MessageError::ControlFrameTooLong {
                payload_len: 126
            }))
        );
        assert_eq!(error.close_code(), 1002);
        assert!(sent_frames(&mut connection).is_empty(), "no pong for it");
    }

    #[test]
    fn an_unsolicited_pong_changes_nothing() {
        let t0 = Instant::now();
        let heartbeat = Heartbeat {
            interval: 10 * SECOND,
            timeout: 5 * SECOND,
        };
        let mut connection = server(Some(heartbeat), t0);
        let deadline = connection.next_deadline();
        connection.receive(&from_client(&[Frame::pong(b"surprise".to_vec())]), t0);
        assert_eq!(
            all_events(&mut connection),
            [Event::UnsolicitedPong(b"surprise".to_vec())]
        );
        assert!(sent_frames(&mut connection).is_empty(), "nothing answered");
        assert_eq!(connection.next_deadline(), deadline);
        assert_eq!(connection.stats().unsolicited_pongs, 1);
        // ...and the connection carries on as before.
        connection.receive(&from_client(&[Frame::text("still here")]), t0);
        assert_eq!(
            all_events(&mut connection),
            [Event::Message(Message::text("still here"))]
        );
    }

    #[test]
    fn every_ping_is_answered_in_order_up_to_the_limit_then_only_the_latest() {
        let t0 = Instant::now();
        let config = Config {
            max_pending_pongs: 2,
            ..Config::default()
        };
        let mut connection = Connection::new(Role::Server, config, t0);
        let pings: Vec<Frame> = (0..5u8).map(|n| Frame::ping(vec![n])).collect();
        connection.receive(&from_client(&pings), t0);
        assert_eq!(all_events(&mut connection).len(), 5);
        // Five pings arrived before we could write: the two latest are answered.
        assert_eq!(
            sent_frames(&mut connection),
            [Frame::pong(vec![3]), Frame::pong(vec![4])]
        );
        assert_eq!(connection.stats().pings_coalesced, 3);
    }

    #[test]
    fn pongs_go_out_ahead_of_queued_messages() {
        let t0 = Instant::now();
        let mut connection = server(None, t0);
        connection.send(&Message::binary(vec![7; 1000])).unwrap();
        connection.receive(&from_client(&[Frame::ping(b"p".to_vec())]), t0);
        all_events(&mut connection);
        let frames = sent_frames(&mut connection);
        assert_eq!(frames[0], Frame::pong(b"p".to_vec()));
        assert_eq!(frames[1].header.opcode, OpCode::Binary);
    }

    #[test]
    fn the_heartbeat_pings_a_quiet_peer_and_measures_the_round_trip() {
        let t0 = Instant::now();
        let heartbeat = Heartbeat {
            interval: 10 * SECOND,
            timeout: 5 * SECOND,
        };
        let mut connection = server(Some(heartbeat), t0);
        assert_eq!(connection.next_deadline(), Some(t0 + 10 * SECOND));
        connection.handle_timeout(t0 + 9 * SECOND);
        assert!(all_events(&mut connection).is_empty());

        let ping_time = t0 + 10 * SECOND;
        connection.handle_timeout(ping_time);
        let payload = b"heartbeat 1".to_vec();
        assert_eq!(
            all_events(&mut connection),
            [Event::PingSent(payload.clone())]
        );
        assert_eq!(sent_frames(&mut connection), [Frame::ping(payload.clone())]);
        assert_eq!(connection.next_deadline(), Some(ping_time + 5 * SECOND));

        let pong_time = ping_time + Duration::from_millis(30);
        connection.receive(&from_client(&[Frame::pong(payload.clone())]), pong_time);
        assert_eq!(
            all_events(&mut connection),
            [Event::Pong {
                payload,
                rtt: Duration::from_millis(30)
            }]
        );
        // The next ping is due an interval after we last heard the peer.
        assert_eq!(connection.next_deadline(), Some(pong_time + 10 * SECOND));
        assert_eq!(connection.stats().pings_sent, 1);
        assert_eq!(connection.stats().last_rtt, Some(Duration::from_millis(30)));
    }

    #[test]
    fn a_busy_peer_is_not_pinged() {
        let t0 = Instant::now();
        let heartbeat = Heartbeat {
            interval: 10 * SECOND,
            timeout: 5 * SECOND,
        };
        let mut connection = server(Some(heartbeat), t0);
        for second in 1..30 {
            let now = t0 + second * SECOND;
            connection.receive(&from_client(&[Frame::text("tick")]), now);
            connection.handle_timeout(now);
            assert_eq!(
                all_events(&mut connection),
                [Event::Message(Message::text("tick"))]
            );
        }
        assert_eq!(connection.stats().pings_sent, 0);
    }

    #[test]
    fn a_peer_that_does_not_answer_fails_after_the_timeout() {
        let t0 = Instant::now();
        let heartbeat = Heartbeat {
            interval: 10 * SECOND,
            timeout: 5 * SECOND,
        };
        let mut connection = server(Some(heartbeat), t0);
        connection.handle_timeout(t0 + 10 * SECOND);
        all_events(&mut connection);
        connection.handle_timeout(t0 + 14 * SECOND);
        assert!(all_events(&mut connection).is_empty());
        connection.handle_timeout(t0 + 15 * SECOND);
        let events = all_events(&mut connection);
        assert_eq!(
            events,
            [Event::Failed(ConnectionError::Unresponsive {
                waited: 5 * SECOND
            })]
        );
        assert_eq!(
            ConnectionError::Unresponsive { waited: SECOND }.close_code(),
            1011
        );
        // The application answers the failure by closing.
        connection
            .send_frame(&Frame::close(Some(1011), "no pong"))
            .unwrap();
        connection.close_tcp(t0 + 15 * SECOND);
        assert!(connection.wants_tcp_close());
        assert_eq!(connection.next_deadline(), Some(t0 + 17 * SECOND));
        connection.handle_timeout(t0 + 17 * SECOND);
        assert!(connection.is_finished());
        assert_eq!(all_events(&mut connection), [Event::Disconnected]);
    }

    #[test]
    fn after_a_close_frame_nothing_is_read_and_nothing_more_is_sent() {
        let t0 = Instant::now();
        let mut connection = server(None, t0);
        connection.receive(
            &from_client(&[
                Frame::close(Some(1000), "bye"),
                Frame::ping(b"late".to_vec()),
            ]),
            t0,
        );
        let events = all_events(&mut connection);
        assert!(
            matches!(events.as_slice(), [Event::Close(frame)] if frame.close_code() == Some(1000))
        );
        connection
            .send_frame(&Frame::close(Some(1000), ""))
            .unwrap();
        assert_eq!(
            connection.send(&Message::text("too late")),
            Err(SendError::CloseSent)
        );
        assert_eq!(
            sent_frames(&mut connection),
            [Frame::close(Some(1000), "")],
            "no pong for the ping after the close, no message after our close"
        );
    }

    #[test]
    fn the_client_side_masks_and_pings_too() {
        let t0 = Instant::now();
        let config = Config {
            heartbeat: Some(Heartbeat {
                interval: SECOND,
                timeout: SECOND,
            }),
            ..Config::default()
        };
        let mut client = Connection::new(Role::Client, config, t0);
        client.handle_timeout(t0 + SECOND);
        let mut out = Vec::new();
        client.take_outgoing(&mut out);
        // A server decodes it: masked, a ping.
        let mut peer = server(None, t0);
        peer.receive(&out, t0);
        assert_eq!(
            all_events(&mut peer),
            [Event::Ping(b"heartbeat 1".to_vec())]
        );
    }

    #[test]
    fn end_of_stream_is_the_last_event() {
        let t0 = Instant::now();
        let mut connection = server(None, t0);
        connection.receive(&from_client(&[Frame::text("last words")]), t0);
        connection.receive_eof(t0);
        assert_eq!(
            all_events(&mut connection),
            [
                Event::Message(Message::text("last words")),
                Event::Disconnected
            ]
        );
        assert!(connection.is_finished());
    }
}
