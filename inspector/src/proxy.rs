//! Live traffic: a TCP proxy that forwards a WebSocket conversation unchanged and decodes
//! both directions as they pass.
//!
//! Without root and without libpcap the only way to see live traffic is to stand in the
//! middle. The learner points a browser (or any client) at the proxy, the proxy opens one
//! connection to the real server for each client, and copies bytes both ways. It never
//! changes a byte: the HTTP Upgrade, the extensions the two ends agree on (even
//! permessage-deflate) and every frame reach the other end exactly as they were sent. On
//! the way through, each chunk is shown to the same decoder that reads capture files, so
//! `proxy` prints the same lines as `decode`.
//!
//! ```text
//!   client ──► [pump client→server] ──► server        each pump: read ≤ 256 KiB,
//!   client ◄── [pump server→client] ◄── server        observe, write it all, repeat
//!                      │ observations (bounded queue)
//!                      ▼
//!                [recorder thread]: decoder per connection → events → sink (stdout, GUI)
//!                                   synthesised TCP/IP packets → pcapng (--write)
//! ```
//!
//! Three properties matter, and each comes from a simple choice:
//!
//! - **Back-pressure.** A pump reads one buffer, then blocks in `write_all` until the
//!   other side has taken all of it. While it is blocked it reads nothing more, so the
//!   kernel's receive buffer fills and TCP flow control slows the sender down. The queue
//!   to the recorder is bounded too: if decoding falls behind, the pumps wait for it.
//!   Memory stays bounded whatever the traffic: a few read buffers per connection plus
//!   at most [`QUEUE_DEPTH`] chunks waiting to be decoded.
//! - **Half-close.** TCP lets one side say "I am done sending" (a FIN) and keep
//!   receiving. When a pump reads end-of-stream it calls `shutdown(Write)` on the other
//!   socket, which sends the same FIN onwards, and leaves the opposite direction running.
//!   A WebSocket closing handshake ends exactly like that: one side closes TCP first.
//! - **Order.** A chunk is handed to the recorder *before* it is forwarded, so a reply
//!   (which the other side can only send after receiving it) is always observed after the
//!   message it answers. The recorder therefore sees each conversation in a causal order,
//!   numbers packets, and the live output equals what `decode` says about the `--write`
//!   file.
//!
//! An error on either socket (a reset, an upstream that vanished) aborts that connection:
//! one log line says what happened, both sockets are shut down, and the proxy goes on
//! serving every other client.
//!
//! # Layout
//! - this file: [`Proxy`] (bind, start, stop), the accept loop, one upstream per client,
//!   the two pumps of each connection;
//! - [`record`]: the recorder thread: per-connection decoders, packet numbering, the
//!   synthesised pcapng, the [`EventSink`] that receives the decoded events;
//! - [`cli`]: the `ws-inspector proxy` subcommand (arguments, printing, the `--gui`
//!   window's feed, Ctrl-C).

pub mod cli;
pub mod record;

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::model::Side;
use crate::time::Timestamp;

pub use record::EventSink;
use record::Observation;

/// Bytes a pump reads at once. Also the most a pump holds: it forwards one buffer before
/// reading the next.
pub const READ_BUFFER: usize = 256 * 1024;

/// Observations queued for the recorder before the pumps wait for it (at most
/// `QUEUE_DEPTH × READ_BUFFER` bytes in flight, shared by all connections).
pub const QUEUE_DEPTH: usize = 32;

/// Read buffers a pump keeps for reuse once the recorder has finished with them.
const SPARE_BUFFERS: usize = 4;

/// How long to wait for the upstream server to accept a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the proxy sends the decoded traffic, and how it records it.
pub struct Recording<S> {
    /// Receives the decoded events.
    pub sink: S,
    /// Where to write the synthesised pcapng (`--write`), if anywhere.
    pub pcapng: Option<Box<dyn Write + Send>>,
    /// Decoding options (as for `decode`).
    pub options: crate::websocket::Options,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Recording<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("sink", &self.sink)
            .field("pcapng", &self.pcapng.as_ref().map(|_| "a writer"))
            .field("options", &self.options)
            .finish()
    }
}

/// A bound proxy, not yet serving.
#[derive(Debug)]
pub struct Proxy {
    listener: TcpListener,
    upstream: String,
}

impl Proxy {
    /// Binds `listen` (`HOST:PORT`, port 0 for a free one). Each client will be forwarded to
    /// `upstream` (`HOST:PORT`, resolved again for every client).
    pub fn bind(listen: &str, upstream: &str) -> io::Result<Proxy> {
        let listener = TcpListener::bind(listen)?;
        Ok(Proxy {
            listener,
            upstream: upstream.to_string(),
        })
    }

    /// The address clients connect to.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Starts serving on background threads: the accept loop, two pumps per connection
    /// and the recorder, which owns `recording` until [`Running::stop`] gives it back.
    pub fn start<S: EventSink>(self, recording: Recording<S>) -> io::Result<Running<S>> {
        let local_addr = self.listener.local_addr()?;
        let (tap, observations) = mpsc::sync_channel(QUEUE_DEPTH);
        let recorder = thread::Builder::new()
            .name("proxy-recorder".to_string())
            .spawn(move || record::run(observations, recording))?;
        let shared = Arc::new(Shared {
            upstream: self.upstream,
            tap,
            stopping: AtomicBool::new(false),
            next_conn: Mutex::new(0),
            live: Mutex::new(HashMap::new()),
        });
        let accept_shared = Arc::clone(&shared);
        let listener = self.listener;
        let accept = thread::Builder::new()
            .name("proxy-accept".to_string())
            .spawn(move || accept_loop(&listener, &accept_shared))?;
        Ok(Running {
            local_addr,
            shared,
            accept: Some(accept),
            recorder: Some(recorder),
        })
    }
}

/// A proxy that is serving. Dropping it without [`Running::stop`] leaves it serving until
/// the process exits.
#[derive(Debug)]
pub struct Running<S> {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
    recorder: Option<JoinHandle<S>>,
}

impl<S> Running<S> {
    /// The address clients connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes every open connection, lets the recorder finish (open
    /// conversations get their FINs in the pcapng, decoders report what they still hold),
    /// flushes the pcapng, and returns the sink.
    pub fn stop(mut self) -> io::Result<S> {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop: it is blocked in accept() and sees the flag on return.
        let _ = TcpStream::connect_timeout(&wake_address(self.local_addr), Duration::from_secs(1));
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
        let open: Vec<Arc<Link>> = self
            .shared
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for link in open {
            link.close_both();
        }
        let (done, finished) = mpsc::channel();
        if self.shared.tap.send(Observation::Stop { done }).is_ok() {
            let _ = finished.recv_timeout(Duration::from_secs(30));
        }
        match self.recorder.take().map(JoinHandle::join) {
            Some(Ok(sink)) => Ok(sink),
            _ => Err(io::Error::other("the proxy's recorder thread panicked")),
        }
    }
}

/// An address that reaches a listener bound to `local` (a wildcard bind is reached on
/// loopback).
fn wake_address(local: SocketAddr) -> SocketAddr {
    let mut address = local;
    if address.ip().is_unspecified() {
        address.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    address
}

/// What the accept loop and every connection share.
#[derive(Debug)]
struct Shared {
    upstream: String,
    /// The bounded queue to the recorder.
    tap: SyncSender<Observation>,
    stopping: AtomicBool,
    /// Next connection number. Held while the `Opened` observation is queued, so
    /// connections reach the recorder in the order of their numbers.
    next_conn: Mutex<u32>,
    /// Open connections, to close them on stop.
    live: Mutex<HashMap<u32, Arc<Link>>>,
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                // Running out of file descriptors, a client that reset before accept():
                // the listener itself is fine, so keep serving (after a breath, so a
                // persistent error does not spin).
                eprintln!("accept failed: {e}");
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        let shared = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name("proxy-conn".to_string())
            .spawn(move || serve_client(client, &shared));
        if let Err(e) = spawned {
            eprintln!("cannot start a thread for a new client: {e}; dropping it");
        }
    }
}

/// Connects to `upstream`, trying each address it resolves to.
fn connect_upstream(upstream: &str) -> io::Result<TcpStream> {
    let mut last_error = io::Error::new(
        io::ErrorKind::NotFound,
        format!("{upstream} resolves to no address"),
    );
    for address in upstream.to_socket_addrs()? {
        match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(e) => last_error = e,
        }
    }
    Err(last_error)
}

/// If the two ends use different address families, shows the IPv4 one as an IPv4-mapped
/// IPv6 address, so a conversation has one family (as in a real capture).
fn same_family(client: SocketAddr, server: SocketAddr) -> (SocketAddr, SocketAddr) {
    let mapped = |address: SocketAddr| match address {
        SocketAddr::V4(v4) => SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port()),
        SocketAddr::V6(_) => address,
    };
    if client.is_ipv4() == server.is_ipv4() {
        (client, server)
    } else {
        (mapped(client), mapped(server))
    }
}

fn serve_client(client: TcpStream, shared: &Arc<Shared>) {
    let client_addr = match client.peer_addr() {
        Ok(address) => address,
        Err(e) => {
            eprintln!("a client left before it could be served: {e}");
            return;
        }
    };
    let server = match connect_upstream(&shared.upstream) {
        Ok(server) => server,
        Err(e) => {
            let what = if e.kind() == io::ErrorKind::ConnectionRefused {
                "refused the connection"
            } else {
                "cannot be reached"
            };
            eprintln!(
                "client {client_addr}: upstream {} {what} ({e}); closing the client",
                shared.upstream
            );
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    };
    let server_addr = server
        .peer_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
    // WebSocket traffic is many small frames: send each as soon as it is read.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_copy, server_copy) = match (client.try_clone(), server.try_clone()) {
        (Ok(c), Ok(s)) => (c, s),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!(
                "client {client_addr}: cannot share its socket between threads ({e}); closing"
            );
            return;
        }
    };
    let (shown_client, shown_server) = same_family(client_addr, server_addr);
    let link = {
        let mut next = shared
            .next_conn
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let conn = *next;
        *next = next.wrapping_add(1);
        let link = Arc::new(Link {
            conn,
            client: client_copy,
            server: server_copy,
            aborted: AtomicBool::new(false),
            ended: AtomicU8::new(0),
            bytes: [AtomicU64::new(0), AtomicU64::new(0)],
        });
        let opened = Observation::Opened {
            conn,
            client: shown_client,
            server: shown_server,
            time: Timestamp::now(),
        };
        if shared.tap.send(opened).is_err() {
            return; // the proxy is stopping
        }
        link
    };
    shared
        .live
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(link.conn, Arc::clone(&link));
    if shared.stopping.load(Ordering::SeqCst) {
        link.close_both();
    }
    eprintln!("conn {}: {client_addr} -> {server_addr} open", link.conn);

    let (server_reader, client_writer) = match (server.try_clone(), client.try_clone()) {
        (Ok(s), Ok(c)) => (s, c),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!(
                "conn {}: cannot share a socket between threads ({e}); closing",
                link.conn
            );
            link.abort(Side::Server, shared, &e, "clone");
            forget(shared, &link);
            return;
        }
    };
    let back_link = Arc::clone(&link);
    let back_shared = Arc::clone(shared);
    let back = thread::Builder::new()
        .name(format!("proxy-{}-s2c", link.conn))
        .spawn(move || {
            pump(
                &back_link,
                Side::Server,
                server_reader,
                client_writer,
                &back_shared,
            );
        });
    if let Err(e) = back {
        eprintln!("conn {}: cannot start a thread ({e}); closing", link.conn);
        link.abort(Side::Server, shared, &e, "spawn");
        forget(shared, &link);
        return;
    }
    pump(&link, Side::Client, client, server, shared);
    if let Ok(back) = back {
        let _ = back.join();
    }
    forget(shared, &link);
}

fn forget(shared: &Shared, link: &Link) {
    shared
        .live
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&link.conn);
}

/// One proxied connection, shared by its two pumps.
#[derive(Debug)]
struct Link {
    conn: u32,
    /// Handles used only to shut the sockets down.
    client: TcpStream,
    server: TcpStream,
    /// Set by the first pump that hits an error; the other then ends quietly.
    aborted: AtomicBool,
    /// Directions that reached their end (0, 1 or 2).
    ended: AtomicU8,
    /// Bytes forwarded from the client and from the server.
    bytes: [AtomicU64; 2],
}

impl Link {
    fn name(side: Side) -> &'static str {
        match side {
            Side::Client => "client",
            Side::Server => "upstream",
        }
    }

    /// Shuts both sockets down, which wakes both pumps.
    fn close_both(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }

    /// The connection failed because `culprit`'s socket failed while we `did` something
    /// with it: one log line, a reset in the recording, both sockets closed. Only the
    /// first failure of a connection is reported.
    fn abort(&self, culprit: Side, shared: &Shared, error: &io::Error, did: &str) {
        if self.aborted.swap(true, Ordering::SeqCst) || shared.stopping.load(Ordering::SeqCst) {
            self.close_both();
            return;
        }
        let _ = shared.tap.send(Observation::Reset {
            conn: self.conn,
            from: culprit,
            time: Timestamp::now(),
        });
        self.close_both();
        eprintln!(
            "conn {}: {} gone ({did}: {error}); closing the {} ({} bytes client->server, {} bytes server->client)",
            self.conn,
            Self::name(culprit),
            Self::name(culprit.peer()),
            self.bytes[0].load(Ordering::Relaxed),
            self.bytes[1].load(Ordering::Relaxed),
        );
    }

    /// `from` finished sending (FIN). Logs it, and logs the close once both have.
    fn ended(&self, from: Side, shared: &Shared) {
        let _ = shared.tap.send(Observation::Fin {
            conn: self.conn,
            from,
            time: Timestamp::now(),
        });
        if self.ended.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!(
                "conn {}: {} finished sending (FIN), passed on to the {}",
                self.conn,
                Self::name(from),
                Self::name(from.peer())
            );
        } else {
            eprintln!(
                "conn {}: closed ({} bytes client->server, {} bytes server->client)",
                self.conn,
                self.bytes[0].load(Ordering::Relaxed),
                self.bytes[1].load(Ordering::Relaxed),
            );
        }
    }
}

/// The bytes one read returned, shared by the pump (which forwards them) and the
/// recorder (which decodes them) without copying. Whoever finishes with it last sends the
/// buffer back to its pump for a later read, so a busy connection does not allocate.
#[derive(Debug)]
pub(crate) struct Chunk {
    buffer: Vec<u8>,
    len: usize,
    home: SyncSender<Vec<u8>>,
}

impl Deref for Chunk {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buffer[..self.len]
    }
}

impl Drop for Chunk {
    fn drop(&mut self) {
        // A full pool or a finished pump: the buffer is simply freed.
        let _ = self.home.try_send(std::mem::take(&mut self.buffer));
    }
}

/// A pump's read buffers: reused ones first, a new one when none is back yet.
struct Buffers {
    home: SyncSender<Vec<u8>>,
    spare: Receiver<Vec<u8>>,
}

impl Buffers {
    fn new() -> Self {
        let (home, spare) = mpsc::sync_channel(SPARE_BUFFERS);
        Buffers { home, spare }
    }

    fn take(&self) -> Vec<u8> {
        match self.spare.try_recv() {
            Ok(buffer) if buffer.len() == READ_BUFFER => buffer,
            _ => vec![0; READ_BUFFER],
        }
    }

    fn chunk(&self, buffer: Vec<u8>, len: usize) -> Chunk {
        Chunk {
            buffer,
            len,
            home: self.home.clone(),
        }
    }
}

/// Copies `from`'s bytes from `source` to `sink` until `from` finishes or a socket fails.
fn pump(link: &Link, from: Side, mut source: TcpStream, mut sink: TcpStream, shared: &Shared) {
    let buffers = Buffers::new();
    loop {
        let mut buffer = buffers.take();
        let read = match source.read(&mut buffer) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if !link.aborted.load(Ordering::SeqCst) {
                    link.abort(from, shared, &e, "read");
                }
                return;
            }
        };
        if link.aborted.load(Ordering::SeqCst) || shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        if read == 0 {
            // End of stream: `from` sent a FIN. Pass it on, keep the other direction open.
            link.ended(from, shared);
            if let Err(e) = sink.shutdown(Shutdown::Write)
                && e.kind() != io::ErrorKind::NotConnected
            {
                link.abort(from.peer(), shared, &e, "shutdown");
            }
            return;
        }
        let chunk = Arc::new(buffers.chunk(buffer, read));
        // Observe first, forward second: see the module documentation ("Order").
        let observed = Observation::Data {
            conn: link.conn,
            from,
            time: Timestamp::now(),
            bytes: Arc::clone(&chunk),
        };
        if shared.tap.send(observed).is_err() {
            return; // the recorder is gone: the proxy is stopping
        }
        if let Err(e) = sink.write_all(&chunk) {
            link.abort(from.peer(), shared, &e, "write");
            return;
        }
        link.bytes[from.index()].fetch_add(read as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_families_are_shown_as_ipv6() {
        let v4: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let v6: SocketAddr = "[::1]:50000".parse().unwrap();
        assert_eq!(same_family(v4, v4), (v4, v4));
        assert_eq!(same_family(v6, v6), (v6, v6));
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:8080".parse().unwrap();
        assert_eq!(same_family(v6, v4), (v6, mapped));
    }

    #[test]
    fn a_wildcard_listener_is_woken_on_loopback() {
        let any: SocketAddr = "0.0.0.0:9000".parse().unwrap();
        assert_eq!(wake_address(any), "127.0.0.1:9000".parse().unwrap());
        let any6: SocketAddr = "[::]:9000".parse().unwrap();
        assert_eq!(wake_address(any6), "[::1]:9000".parse().unwrap());
        let one: SocketAddr = "127.0.0.2:9000".parse().unwrap();
        assert_eq!(wake_address(one), one);
    }
}
