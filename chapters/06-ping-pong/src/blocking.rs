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

use std::io::{self, Read, Write};
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
    out: Vec<u8>,
    write_failed: bool,
    shut_down: bool,
}

impl<C: SansIo> Shared<C> {
    // ANCHOR: flush
    /// Writes whatever the connection queued; shuts TCP down when it asks to.
    fn flush(&mut self) {
        self.connection.take_outgoing(&mut self.out);
        let must_write = !self.out.is_empty() && !self.write_failed;
        if must_write && self.writer.write_all(&self.out).is_err() {
            // The peer is gone (or stopped reading for the whole write timeout).
            // Tell the connection, and wake the reader, which may be blocked in
            // `read` on another thread.
            self.write_failed = true;
            let _ = self.writer.shutdown(Shutdown::Both);
            self.connection.receive_eof(Instant::now());
        }
        self.out.clear();
        if self.out.capacity() > 1 << 20 {
            self.out = Vec::new(); // do not keep a 16 MiB buffer for a quiet connection
        }
        if self.connection.wants_tcp_close() && !self.shut_down {
            // Our FIN: "no more bytes from us". We keep reading until the peer's
            // FIN so that closing never resets unread bytes (see `close_tcp`).
            self.shut_down = true;
            let _ = self.writer.shutdown(Shutdown::Write);
        }
    }
    // ANCHOR_END: flush
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
    eof: bool,
}

/// The longest a reader sleeps before it looks at the connection's deadlines again.
const MAX_WAIT: Duration = Duration::from_secs(1);

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
                let event = shared.connection.next_event();
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
        let result = match self.reader.set_read_timeout(Some(timeout)) {
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
                self.last_input = now;
                shared.connection.receive(&self.chunk[..n], now);
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
