//! The blocking driver: a few dozen lines of `std::net` around a sans-I/O
//! connection.
//!
//! [`WebSocket`] owns the reading half of a socket and runs on the connection's
//! own thread (chapter 01 gives every connection one). Its [`WebSocket::read`]
//! loop is all the I/O there is: wait for bytes *or* for the connection's next
//! deadline, hand over what happened, write what the connection wants written.
//! The heartbeat needs no thread of its own: the read simply times out at the
//! moment the next ping is due.
//!
//! Other threads send through a [`Sender`] (chapter 08 broadcasts with it).
//! Both share the connection and the writing half of the socket behind one
//! `Mutex`; the reading half is a `TcpStream::try_clone` of the same socket.
//!
//! Why a `Mutex` and not a writer thread with a channel: every frame we send must
//! pass through the connection's state (a close frame forbids the frames after
//! it, chapter 07 adds more such rules), so the connection must be reachable from
//! any sending thread anyway, and with the lock held the write order *is* the
//! queue order. A writer thread would need a second queue and a second place
//! where the rules live. The cost: a sender waits while another thread writes,
//! bounded by the socket's write timeout (chapter 01 sets 30 s).
//!
//! The driver is generic over the [`SansIo`] trait so that chapter 07 can drive
//! its richer connection (with the closing handshake) through the same loop.

use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ch05_fragmentation::echo::is_timeout;
use ch05_fragmentation::{HandshakeError, Role, Upgraded, connect};

use crate::connection::{Config, Connection};

// ANCHOR: sans_io_trait
/// The I/O side of a sans-I/O connection: what a driver feeds it and takes from it.
///
/// Nothing here touches a socket or reads a clock; time is passed in.
pub trait SansIo {
    /// What the connection reports to the application.
    type Event;
    /// Bytes arrived from the peer at `now`.
    fn receive(&mut self, bytes: &[u8], now: Instant);
    /// The peer closed TCP (or the socket broke, or went silent too long).
    fn receive_eof(&mut self, now: Instant);
    /// The clock reached (or passed) [`SansIo::next_deadline`].
    fn handle_timeout(&mut self, now: Instant);
    /// The next event, if any is ready.
    fn next_event(&mut self) -> Option<Self::Event>;
    /// Appends the bytes to write, in order, to `out`.
    fn take_outgoing(&mut self, out: &mut Vec<u8>);
    /// The same bytes as chunks, appended to `out`, so that a large payload can
    /// reach the socket without first being copied into one buffer. The driver
    /// calls this one; by default it is [`SansIo::take_outgoing`] in one chunk.
    fn take_outgoing_chunks(&mut self, out: &mut Vec<Vec<u8>>) {
        let mut bytes = Vec::new();
        self.take_outgoing(&mut bytes);
        if !bytes.is_empty() {
            out.push(bytes);
        }
    }
    /// When to call [`SansIo::handle_timeout`] if no bytes arrive first.
    fn next_deadline(&self) -> Option<Instant>;
    /// We are done sending: shut down our side of TCP (once everything is written).
    fn wants_tcp_close(&self) -> bool;
    /// Nothing more will happen; the socket can be dropped.
    fn is_finished(&self) -> bool;
}
// ANCHOR_END: sans_io_trait

/// The connection and the writing half of its socket, shared by the reader
/// thread and every [`Sender`].
#[derive(Debug)]
struct Shared<C> {
    connection: C,
    writer: TcpStream,
    /// Reused between writes.
    out: Vec<Vec<u8>>,
    write_failed: bool,
    shut_down: bool,
}

impl<C: SansIo> Shared<C> {
    // ANCHOR: flush
    /// Writes whatever the connection queued; shuts TCP down when it asks to.
    fn flush(&mut self) {
        self.connection.take_outgoing_chunks(&mut self.out);
        let must_write = !self.out.is_empty() && !self.write_failed;
        if must_write && write_all_chunks(&mut self.writer, &self.out).is_err() {
            // The peer is gone (or stopped reading for the whole write timeout).
            // Tell the connection, and wake the reader, which may be blocked in
            // `read` on another thread.
            self.write_failed = true;
            let _ = self.writer.shutdown(Shutdown::Both);
            self.connection.receive_eof(Instant::now());
        }
        self.out.clear();
        if self.connection.wants_tcp_close() && !self.shut_down {
            // Our FIN: "no more bytes from us". We keep reading until the peer's
            // FIN so that closing never resets unread bytes (see `close_tcp`).
            self.shut_down = true;
            let _ = self.writer.shutdown(Shutdown::Write);
        }
    }
    // ANCHOR_END: flush
}

/// Writes every chunk, in order, with as few system calls as it takes: one
/// `writev` hands the kernel a frame's header and its (uncopied) payload together.
fn write_all_chunks(writer: &mut TcpStream, chunks: &[Vec<u8>]) -> io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = chunks.iter().map(|chunk| IoSlice::new(chunk)).collect();
    let mut remaining = &mut slices[..];
    IoSlice::advance_slices(&mut remaining, 0); // skips empty chunks
    while !remaining.is_empty() {
        match writer.write_vectored(remaining) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(written) => IoSlice::advance_slices(&mut remaining, written),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// A WebSocket connection over a blocking `TcpStream`, driven by the thread
/// that calls [`WebSocket::read`].
#[derive(Debug)]
pub struct WebSocket<C> {
    reader: TcpStream,
    shared: Arc<Mutex<Shared<C>>>,
    chunk: Vec<u8>,
    /// The socket's read timeout when we got it: how long a connection with no
    /// deadline of its own may stay silent (chapter 01's `read_timeout`).
    idle_timeout: Option<Duration>,
    /// When bytes last arrived.
    last_input: Instant,
    /// The read timeout the socket has now.
    timeout_set: Option<Duration>,
    /// `chunk[fed..filled]` was read but not yet given to the connection.
    fed: usize,
    filled: usize,
    /// When those bytes were read.
    read_at: Instant,
    eof: bool,
}

/// The longest a reader sleeps before it looks at the connection's deadlines again.
const MAX_WAIT: Duration = Duration::from_secs(1);

/// What one read hands the connection at a time. The decoder copies every piece
/// it is given (into its buffer, then into the message), and pieces this small
/// are copied by `memcpy`'s vector loop. From 2112 bytes on, glibc switches to
/// `rep movsb`, which on some CPUs (AMD EPYC with glibc 2.36, this project's CI
/// machine) runs at a thirtieth of the speed when the destination is not 64-byte
/// aligned — and a payload behind a 10- or 14-byte header never is. Measured with
/// `benchmarks/`: it is the difference between losing to tungstenite on 1 MiB
/// messages and not. (See also `COPY_SLICE` in `connection.rs`.)
pub const FEED_SLICE: usize = 2 * 1024;

/// Sends on a [`WebSocket`] from any thread. Cheap to clone.
#[derive(Debug)]
pub struct Sender<C> {
    shared: Arc<Mutex<Shared<C>>>,
}

impl<C> Clone for Sender<C> {
    fn clone(&self) -> Self {
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }
}

fn lock<C>(shared: &Mutex<Shared<C>>) -> MutexGuard<'_, Shared<C>> {
    // A thread that panicked holding the lock leaves at worst a half-written
    // frame behind, and that connection is lost anyway: carry on.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<C: SansIo> Sender<C> {
    /// Runs `action` on the connection, then writes what it queued.
    ///
    /// ```
    /// use ch06_ping_pong::{Connection, Message, SendError, Sender};
    ///
    /// fn greet(sender: &Sender<Connection>) -> Result<(), SendError> {
    ///     sender.with(|connection| connection.send(&Message::text("hello")))
    /// }
    /// ```
    pub fn with<R>(&self, action: impl FnOnce(&mut C) -> R) -> R {
        let mut shared = lock(&self.shared);
        let result = action(&mut shared.connection);
        shared.flush();
        result
    }
}

impl<C: SansIo> WebSocket<C> {
    /// Drives `connection` over `stream`. `leftover` are bytes that arrived
    /// after the handshake (chapter 02's `Upgraded::leftover`): the peer's first
    /// frames.
    pub fn new(stream: TcpStream, leftover: &[u8], mut connection: C) -> io::Result<WebSocket<C>> {
        let writer = stream.try_clone()?;
        let idle_timeout = stream.read_timeout()?;
        connection.receive(leftover, Instant::now());
        Ok(WebSocket {
            reader: stream,
            shared: Arc::new(Mutex::new(Shared {
                connection,
                writer,
                out: Vec::new(),
                write_failed: false,
                shut_down: false,
            })),
            chunk: vec![0; 64 * 1024],
            idle_timeout,
            last_input: Instant::now(),
            timeout_set: None,
            fed: 0,
            filled: 0,
            read_at: Instant::now(),
            eof: false,
        })
    }

    /// A handle for sending from other threads.
    pub fn sender(&self) -> Sender<C> {
        Sender {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Runs `action` on the connection, then writes what it queued (see [`Sender::with`]).
    pub fn with<R>(&self, action: impl FnOnce(&mut C) -> R) -> R {
        let mut shared = lock(&self.shared);
        let result = action(&mut shared.connection);
        shared.flush();
        result
    }

    // ANCHOR: read
    /// Blocks until the connection has an event; `None` once it is finished.
    ///
    /// Pings are answered, heartbeats sent and deadlines kept while it waits, so
    /// a connection only makes progress while some thread is in `read`.
    pub fn read(&mut self) -> Option<C::Event> {
        loop {
            let deadline = {
                let mut shared = lock(&self.shared);
                let mut event = shared.connection.next_event();
                // Bytes already read go to the connection a slice at a time,
                // until one of them completes an event.
                while event.is_none() && self.fed < self.filled {
                    let end = self.filled.min(self.fed + FEED_SLICE);
                    shared
                        .connection
                        .receive(&self.chunk[self.fed..end], self.read_at);
                    self.fed = end;
                    event = shared.connection.next_event();
                }
                shared.flush(); // pongs, heartbeat pings, a close frame...
                if event.is_some() {
                    return event;
                }
                if shared.connection.is_finished() || self.eof {
                    return None;
                }
                shared.connection.next_deadline()
            };
            self.wait(deadline);
        }
    }

    /// Reads once, waiting at most until `deadline`, and tells the connection
    /// what happened: bytes, end of stream, or time.
    fn wait(&mut self, deadline: Option<Instant>) {
        let started = Instant::now();
        // With no deadline of its own, a connection may stay silent for the
        // socket's idle timeout (chapter 01's read timeout), then it counts as lost.
        let idle_deadline = match deadline {
            Some(_) => None,
            None => self.idle_timeout.map(|idle| self.last_input + idle),
        };
        // Never sleep longer than MAX_WAIT: a deadline that another thread set
        // (a close through a `Sender`) is noticed within that time.
        let wake_at = [deadline, idle_deadline, Some(started + MAX_WAIT)]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(started + MAX_WAIT);
        // Never 0: `set_read_timeout(Some(ZERO))` is an error.
        let timeout = wake_at
            .saturating_duration_since(started)
            .max(Duration::from_millis(1));
        let result = match self.set_timeout(timeout) {
            Ok(()) => self.reader.read(&mut self.chunk),
            Err(error) => Err(error),
        };
        let now = Instant::now();
        let mut shared = lock(&self.shared);
        match result {
            Ok(0) => {
                self.eof = true;
                shared.connection.receive_eof(now);
            }
            Ok(n) => {
                // `read` feeds them to the connection, a slice at a time.
                self.last_input = now;
                self.read_at = now;
                (self.fed, self.filled) = (0, n);
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) if is_timeout(&error) => {
                if idle_deadline.is_some_and(|idle| now >= idle) {
                    // Silent for the whole idle timeout.
                    self.eof = true;
                    shared.connection.receive_eof(now);
                } else {
                    shared.connection.handle_timeout(now);
                }
            }
            // The socket broke.
            Err(_) => {
                self.eof = true;
                shared.connection.receive_eof(now);
            }
        }
    }
    // ANCHOR_END: read

    /// `set_read_timeout`, skipped when the value has not changed (it is a
    /// system call, and most reads wait the same `MAX_WAIT`).
    fn set_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        if self.timeout_set != Some(timeout) {
            self.reader.set_read_timeout(Some(timeout))?;
            self.timeout_set = Some(timeout);
        }
        Ok(())
    }
}

// ANCHOR: accept
/// The server side: drives chapter 02's upgraded connection with this
/// chapter's [`Connection`].
pub fn accept(upgraded: Upgraded, config: Config) -> io::Result<WebSocket<Connection>> {
    let connection = Connection::new(Role::Server, config, Instant::now());
    WebSocket::new(upgraded.stream, &upgraded.leftover, connection)
}
// ANCHOR_END: accept

/// The client side: chapter 02's handshake to `url` (`ws://host:port/path`),
/// then this chapter's [`Connection`].
pub fn connect_to(url: &str, config: Config) -> Result<WebSocket<Connection>, HandshakeError> {
    let (stream, _handshake, leftover) = connect(url, &[])?;
    let connection = Connection::new(Role::Client, config, Instant::now());
    WebSocket::new(stream, &leftover, connection).map_err(|error| HandshakeError::Connect {
        addr: url.to_string(),
        message: error.to_string(),
    })
}
