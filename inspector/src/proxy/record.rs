//! The recorder: one thread that turns what the pumps observed into decoded events and,
//! with `--write`, into a pcapng file.
//!
//! Everything the pumps see arrives here through one bounded queue, in the order the
//! pumps saw it. The recorder numbers packets exactly as the pcapng it writes will number
//! them (3 for the TCP handshake, one per segment of at most [`SEGMENT`] bytes, one per
//! FIN, a last ACK, one per reset), whether or not it writes the file, and feeds each
//! segment to the connection's decoder with that packet number and time. So the events
//! it prints are the events `ws-inspector decode` prints for the file it wrote.
//!
//! The proxy sees bytes, not packets: the Ethernet, IP and TCP headers in the file are
//! made up ([`crate::synth`]), with the real addresses and ports of the client and the
//! upstream server, correct sequence numbers and checksums, and the time each chunk was
//! read.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};

use crate::decoder::ConnectionDecoder;
use crate::model::{Event, Side};
use crate::pcapng::{self, ConnectionId};
use crate::synth::flags;
use crate::time::{PacketRef, Timestamp};
use crate::websocket::Options;

use super::{Chunk, Recording};

/// Largest TCP payload in one synthesised packet (a big read of the proxy becomes several
/// packets).
pub const SEGMENT: usize = pcapng::DEFAULT_MSS;

/// Receives the decoded events of every proxied connection.
///
/// `events` is called from the recorder thread with events in order; `idle` when the
/// recorder has drained its queue (a good moment to flush output or wake a window).
pub trait EventSink: Send + 'static {
    /// The next decoded events.
    fn events(&mut self, events: &[Event]);
    /// Nothing more is queued right now.
    fn idle(&mut self) {}
}

/// Collects every event (for tests and small tools).
impl EventSink for Vec<Event> {
    fn events(&mut self, events: &[Event]) {
        self.extend_from_slice(events);
    }
}

/// What a pump (or the proxy) tells the recorder.
#[derive(Debug)]
pub(crate) enum Observation {
    /// A client connected and its upstream connection is open.
    Opened {
        /// Connection number (0, 1, …), in the order the recorder receives them.
        conn: u32,
        /// The client's address.
        client: SocketAddr,
        /// The upstream server's address.
        server: SocketAddr,
        /// When.
        time: Timestamp,
    },
    /// Bytes `from` sent (already on their way to the other side).
    Data {
        /// Connection number.
        conn: u32,
        /// Sender.
        from: Side,
        /// When the proxy read them.
        time: Timestamp,
        /// The bytes, unchanged.
        bytes: Arc<Chunk>,
    },
    /// `from` finished sending (its FIN was passed on).
    Fin {
        /// Connection number.
        conn: u32,
        /// Sender of the FIN.
        from: Side,
        /// When.
        time: Timestamp,
    },
    /// The connection broke: `from`'s socket failed; both sides are being closed.
    Reset {
        /// Connection number.
        conn: u32,
        /// The side whose socket failed.
        from: Side,
        /// When.
        time: Timestamp,
    },
    /// The proxy is stopping: end every open conversation, flush, and reply on `done`.
    Stop {
        /// Told when everything is flushed.
        done: Sender<()>,
    },
}

#[derive(Debug)]
struct Conversation {
    recorded: Option<ConnectionId>,
    decoder: ConnectionDecoder,
    finished: [bool; 2],
}

struct Recorder<S> {
    sink: S,
    options: Options,
    pcapng: Option<pcapng::Writer<Box<dyn Write + Send>>>,
    conversations: BTreeMap<u32, Conversation>,
    /// Packets numbered so far: the number of the last packet written (or that would be).
    packets: u64,
    /// Times only move forward in the file, even if two pumps' clocks raced.
    last_time: Timestamp,
    /// Frames decoded so far, over all connections (the events' `index`).
    frames: u64,
    scratch: Vec<Event>,
}

/// The recorder thread's body: runs until [`Observation::Stop`] (or until every sender is
/// gone), then returns the sink.
pub(super) fn run<S: EventSink>(observations: Receiver<Observation>, recording: Recording<S>) -> S {
    let pcapng = match recording.pcapng.map(pcapng::Writer::new).transpose() {
        Ok(writer) => writer.map(|mut writer| {
            writer.mss = SEGMENT;
            writer
        }),
        Err(e) => {
            eprintln!("cannot start the pcapng file ({e}); not recording");
            None
        }
    };
    let mut recorder = Recorder {
        sink: recording.sink,
        options: recording.options,
        pcapng,
        conversations: BTreeMap::new(),
        packets: 0,
        last_time: Timestamp::default(),
        frames: 0,
        scratch: Vec::new(),
    };
    let mut next = observations.recv().ok();
    while let Some(observation) = next {
        if let Observation::Stop { done } = observation {
            recorder.stop();
            let _ = done.send(());
            return recorder.sink;
        }
        recorder.observe(observation);
        next = match observations.try_recv() {
            Ok(observation) => Some(observation),
            Err(TryRecvError::Empty) => {
                recorder.idle();
                observations.recv().ok()
            }
            Err(TryRecvError::Disconnected) => None,
        };
    }
    recorder.stop();
    recorder.sink
}

impl<S: EventSink> Recorder<S> {
    fn time(&mut self, time: Timestamp) -> Timestamp {
        self.last_time = self.last_time.max(time);
        self.last_time
    }

    /// Writes with the pcapng writer; on failure says so once and stops recording (the
    /// proxy keeps forwarding: losing the file must not break the conversation).
    fn record(
        &mut self,
        write: impl FnOnce(&mut pcapng::Writer<Box<dyn Write + Send>>) -> io::Result<()>,
    ) {
        if let Some(writer) = self.pcapng.as_mut()
            && let Err(e) = write(writer)
        {
            eprintln!("cannot write the pcapng file ({e}); recording stopped, proxying goes on");
            self.pcapng = None;
        }
    }

    /// One packet of a conversation with explicit flags (FIN, RST, bare ACK).
    fn control_packet(
        &mut self,
        recorded: Option<ConnectionId>,
        from: Side,
        packet_flags: u8,
        time: Timestamp,
    ) {
        self.packets += 1;
        let Some(id) = recorded else { return };
        self.record(|writer| {
            let Some(conversation) = writer.conversation(id) else {
                return Ok(());
            };
            let packet = if packet_flags & flags::FIN != 0 {
                conversation.fin(from)
            } else if packet_flags & flags::RST != 0 {
                let seq = match from {
                    Side::Client => conversation.client_next,
                    Side::Server => conversation.server_next,
                };
                conversation.packet_at(from, seq, packet_flags, &[])
            } else {
                conversation.ack(from)
            };
            writer.write_ip_packet(time, &packet)
        });
    }

    /// Hands the decoded events to the sink. A connection decoder counts its own frames;
    /// `index` counts over every connection, as `decode` does.
    fn emit(&mut self) {
        if self.scratch.is_empty() {
            return;
        }
        for event in &mut self.scratch {
            if let Event::Frame(frame) = event {
                frame.index = self.frames;
                self.frames += 1;
            }
        }
        self.sink.events(&self.scratch);
        self.scratch.clear();
    }

    fn observe(&mut self, observation: Observation) {
        match observation {
            Observation::Opened {
                conn,
                client,
                server,
                time,
            } => {
                let time = self.time(time);
                let mut recorded = None;
                self.record(|writer| {
                    recorded = Some(writer.open_connection(client, server, time)?);
                    Ok(())
                });
                // SYN, SYN-ACK, ACK.
                self.packets += 3;
                self.conversations.insert(
                    conn,
                    Conversation {
                        recorded,
                        decoder: ConnectionDecoder::new(conn, client, server, self.options),
                        finished: [false; 2],
                    },
                );
            }
            Observation::Data {
                conn,
                from,
                time,
                bytes,
            } => {
                let time = self.time(time);
                let Some(conversation) = self.conversations.get_mut(&conn) else {
                    return;
                };
                let recorded = conversation.recorded;
                for segment in bytes.chunks(SEGMENT) {
                    self.packets += 1;
                    let at = PacketRef {
                        number: self.packets,
                        time,
                    };
                    if let Some(conversation) = self.conversations.get_mut(&conn) {
                        conversation
                            .decoder
                            .feed(from, segment, at, &mut self.scratch);
                    }
                    self.emit();
                    if let Some(id) = recorded {
                        self.record(|writer| writer.write_data(id, from, segment, time));
                    }
                }
            }
            Observation::Fin { conn, from, time } => {
                let time = self.time(time);
                let Some(conversation) = self.conversations.get_mut(&conn) else {
                    return;
                };
                if conversation.finished[from.index()] {
                    return;
                }
                conversation.finished[from.index()] = true;
                let recorded = conversation.recorded;
                let both = conversation.finished == [true, true];
                self.control_packet(recorded, from, flags::FIN | flags::ACK, time);
                let at = PacketRef {
                    number: self.packets,
                    time,
                };
                if let Some(conversation) = self.conversations.get_mut(&conn) {
                    let first = self.scratch.len();
                    conversation
                        .decoder
                        .finish_side(from, at, &mut self.scratch);
                    log_cut_short(conn, &self.scratch[first..]);
                }
                if both {
                    self.finish(conn, at);
                    // The last FIN is acknowledged by the side that finished first.
                    self.control_packet(recorded, from.peer(), flags::ACK, time);
                }
                self.emit();
            }
            Observation::Reset { conn, from, time } => {
                let time = self.time(time);
                let Some(conversation) = self.conversations.get(&conn) else {
                    return;
                };
                let recorded = conversation.recorded;
                self.control_packet(recorded, from, flags::RST | flags::ACK, time);
                let at = PacketRef {
                    number: self.packets,
                    time,
                };
                self.finish(conn, at);
                self.emit();
            }
            Observation::Stop { .. } => {}
        }
    }

    /// The conversation is over: the decoder reports what it still holds.
    fn finish(&mut self, conn: u32, at: PacketRef) {
        let Some(mut conversation) = self.conversations.remove(&conn) else {
            return;
        };
        let first = self.scratch.len();
        conversation.decoder.finish(at, &mut self.scratch);
        log_cut_short(conn, &self.scratch[first..]);
    }

    fn idle(&mut self) {
        self.sink.idle();
        self.record(pcapng::Writer::flush);
    }

    /// Ends every open conversation as if both sides had sent their FIN (so tools read
    /// complete conversations), reports what the decoders still hold, flushes.
    fn stop(&mut self) {
        let time = self.time(Timestamp::now());
        let open: Vec<u32> = self.conversations.keys().copied().collect();
        for conn in open {
            for side in [Side::Client, Side::Server] {
                let already = self
                    .conversations
                    .get(&conn)
                    .is_none_or(|c| c.finished[side.index()]);
                if !already {
                    self.observe(Observation::Fin {
                        conn,
                        from: side,
                        time,
                    });
                }
            }
        }
        self.idle();
    }
}

/// A WebSocket error reported when a stream ended is data cut short (someone left in the
/// middle of a frame or message): worth a line in the log as well as in the output.
fn log_cut_short(conn: u32, events: &[Event]) {
    for event in events {
        if let Event::Error(error) = event
            && error.layer == "websocket"
        {
            let who = error.from.map_or("a peer", Side::name);
            eprintln!(
                "conn {conn}: the {who} stopped in the middle of a frame: {}",
                error.message
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    use ch07_close::{Frame, Role, encode_frame};

    use super::*;
    use crate::pipeline::CaptureDecoder;
    use crate::proxy::Buffers;

    /// A `Write` whose bytes the test can read after the recorder is done with it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    const REQUEST: &[u8] =
        b"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const RESPONSE: &[u8] =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

    fn client(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    const SERVER: SocketAddr = SocketAddr::V4(std::net::SocketAddrV4::new(
        std::net::Ipv4Addr::LOCALHOST,
        8080,
    ));

    /// Runs the recorder over `script` (a `Stop` is appended) and returns the events it
    /// emitted and those `decode` finds in the pcapng it wrote.
    fn record(script: Vec<Observation>) -> (Vec<Event>, Vec<Event>) {
        let (tap, observations) = mpsc::sync_channel(script.len() + 1);
        for observation in script {
            tap.send(observation).unwrap();
        }
        let (done, _finished) = mpsc::channel();
        tap.send(Observation::Stop { done }).unwrap();
        let file = Shared::default();
        let live = run(
            observations,
            Recording {
                sink: Vec::new(),
                pcapng: Some(Box::new(file.clone())),
                options: Options::default(),
            },
        );
        let bytes = file.0.lock().unwrap().clone();
        let decoded: Vec<Event> = CaptureDecoder::new(bytes.as_slice(), None, Options::default())
            .unwrap()
            .collect();
        (live, decoded)
    }

    struct Script {
        buffers: Buffers,
        observations: Vec<Observation>,
        clock: i64,
    }

    impl Script {
        fn new() -> Self {
            Script {
                buffers: Buffers::new(),
                observations: Vec::new(),
                clock: 1_700_000_000,
            }
        }

        fn time(&mut self) -> Timestamp {
            self.clock += 1;
            Timestamp::new(self.clock, 0)
        }

        fn open(&mut self, conn: u32, port: u16) {
            let time = self.time();
            self.observations.push(Observation::Opened {
                conn,
                client: client(port),
                server: SERVER,
                time,
            });
        }

        fn data(&mut self, conn: u32, from: Side, bytes: &[u8]) {
            let mut buffer = self.buffers.take();
            buffer[..bytes.len()].copy_from_slice(bytes);
            let time = self.time();
            self.observations.push(Observation::Data {
                conn,
                from,
                time,
                bytes: Arc::new(self.buffers.chunk(buffer, bytes.len())),
            });
        }

        fn frame(&mut self, conn: u32, from: Side, frame: &Frame) {
            let role = match from {
                Side::Client => Role::Client,
                Side::Server => Role::Server,
            };
            self.data(conn, from, &encode_frame(role, frame));
        }

        fn fin(&mut self, conn: u32, from: Side) {
            let time = self.time();
            self.observations
                .push(Observation::Fin { conn, from, time });
        }

        fn reset(&mut self, conn: u32, from: Side) {
            let time = self.time();
            self.observations
                .push(Observation::Reset { conn, from, time });
        }
    }

    fn frames(events: &[Event]) -> Vec<(u32, u64, Side, u8, u64)> {
        events
            .iter()
            .filter_map(|event| match event {
                Event::Frame(f) => Some((f.conn, f.index, f.from, f.opcode, f.payload_len)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn live_events_are_the_events_decode_finds_in_the_written_file() {
        let mut script = Script::new();
        script.open(0, 50_000);
        script.open(1, 50_001);
        for conn in [0, 1] {
            script.data(conn, Side::Client, REQUEST);
            script.data(conn, Side::Server, RESPONSE);
        }
        script.frame(0, Side::Client, &Frame::text("hello"));
        // 100 000 bytes in one read: four synthesised segments.
        let big = Frame::binary(vec![7; 100_000]);
        let wire = encode_frame(Role::Server, &big);
        script.data(1, Side::Server, &wire);
        script.frame(0, Side::Server, &Frame::text("hello"));
        script.frame(1, Side::Client, &Frame::close(Some(1000), "bye"));
        script.frame(1, Side::Server, &Frame::close(Some(1000), "bye"));
        script.fin(1, Side::Server);
        script.fin(1, Side::Client);
        // Connection 0 breaks in the middle of a frame from the server.
        script.data(0, Side::Server, &[0x82, 0x7e, 0x01, 0x00, 1, 2, 3]);
        script.reset(0, Side::Server);
        let (live, decoded) = record(script.observations);
        assert_eq!(live, decoded);
        assert_eq!(
            frames(&live),
            [
                (0, 0, Side::Client, 1, 5),
                (1, 1, Side::Server, 2, 100_000),
                (0, 2, Side::Server, 1, 5),
                (1, 3, Side::Client, 8, 5),
                (1, 4, Side::Server, 8, 5),
                (0, 5, Side::Server, 2, 256),
            ]
        );
        // The big frame spans packets: 3 + 3 handshakes, 4 heads, 1 text, then 4 segments.
        let Some(Event::Frame(big)) = live
            .iter()
            .find(|e| matches!(e, Event::Frame(f) if f.payload_len == 100_000))
        else {
            panic!("no big frame");
        };
        assert_eq!((big.packet, big.packet_end), (12, 15));
        let cut = live.iter().any(|e| matches!(e, Event::Error(error) if error.conn == Some(0) && error.layer == "websocket"));
        assert!(cut, "the frame cut by the reset is reported: {live:#?}");
    }

    #[test]
    fn stopping_ends_open_conversations_so_the_file_is_complete() {
        let mut script = Script::new();
        script.open(0, 50_000);
        script.data(0, Side::Client, REQUEST);
        script.data(0, Side::Server, RESPONSE);
        script.frame(0, Side::Client, &Frame::text("still open"));
        let (live, decoded) = record(script.observations);
        assert_eq!(live, decoded);
        assert_eq!(frames(&live), [(0, 0, Side::Client, 1, 10)]);
    }
}
