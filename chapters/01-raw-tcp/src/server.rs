//! The accept loop: bind, accept, one thread per connection, timeouts, logging.
//!
//! Every later chapter serves through [`serve`]; only the handler changes.

use std::fmt::Display;
use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// How [`serve`] treats each connection.
///
/// The defaults are those of a tutorial server on your own machine:
/// - `read_timeout: Some(30 s)` — a peer that sends nothing for 30 s is dropped, so a
///   silent or vanished client cannot hold a thread forever. (Chapter 06's pings keep a
///   healthy WebSocket connection from looking idle.)
/// - `write_timeout: Some(30 s)` — a peer that stops *reading* cannot block us forever
///   once the kernel's send buffer is full.
/// - `max_connections: None` — no cap. Each connection costs a thread (a little memory and
///   a stack); that is fine on localhost, but a server facing the internet would set a cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeOptions {
    /// Applied with [`TcpStream::set_read_timeout`] before the handler runs; `None` waits forever.
    pub read_timeout: Option<Duration>,
    /// Applied with [`TcpStream::set_write_timeout`] before the handler runs; `None` waits forever.
    pub write_timeout: Option<Duration>,
    /// At most this many connections at once; the next one is accepted and closed at once.
    pub max_connections: Option<usize>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            read_timeout: Some(Duration::from_secs(30)),
            write_timeout: Some(Duration::from_secs(30)),
            max_connections: None,
        }
    }
}

/// What the server knows about a connection when it hands it to a handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnInfo {
    /// 1, 2, 3, ... in accept order; the `[conn N]` in the log.
    pub id: u64,
    /// The client's address.
    pub peer: SocketAddr,
}

/// Writes one line `[conn ID] MSG` to stderr. Logs go to stderr so stdout stays for
/// the one machine-readable line (`listening on ...`).
pub fn log(id: u64, msg: impl Display) {
    write_log_line(&format!("[conn {id}] {msg}\n"));
}

/// Writes one line `[server] MSG` to stderr, for events that belong to no connection.
pub fn log_server(msg: impl Display) {
    write_log_line(&format!("[server] {msg}\n"));
}

fn write_log_line(line: &str) {
    // One write_all of a whole line under the lock: lines from different threads never
    // interleave. Unlike `eprintln!`, a closed stderr is ignored instead of panicking.
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

// ANCHOR: bind
/// Binds `addr` (`HOST:PORT`; port 0 lets the OS pick a free port) and prints exactly one
/// line, `listening on ws://HOST:PORT`, with the port really bound, on stdout.
///
/// Tests and scripts start a server on port 0 and read that line to learn where it is.
pub fn bind(addr: &str) -> io::Result<TcpListener> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "listening on ws://{local}")?;
    stdout.flush()?;
    Ok(listener)
}
// ANCHOR_END: bind

/// Accepts connections forever, running `handler` for each on its own thread.
///
/// Before the handler runs, the stream gets the timeouts from `options` and `TCP_NODELAY`.
/// One log line is written when a connection opens and one when its thread ends. An
/// `accept` error is logged and the loop goes on; a panicking handler is caught and logged
/// and only its own connection is lost.
///
/// Returns only if the listener's address cannot be read at the start.
pub fn serve<H>(listener: TcpListener, options: ServeOptions, handler: H) -> io::Result<()>
where
    H: Fn(TcpStream, ConnInfo) + Send + Sync + 'static,
{
    // The handler is shared by every connection thread, hence the Arc (and `Sync`).
    let handler = Arc::new(handler);
    let open = Arc::new(AtomicUsize::new(0));
    let local = listener.local_addr()?;
    let mut next_id = 0;

    // ANCHOR: accept_loop
    for incoming in listener.incoming() {
        // accept() fails for reasons that belong to one connection (the client reset it
        // before we got to it) or to the moment (out of file descriptors). Neither is a
        // reason to stop serving everyone else: log, breathe, go on.
        let stream = match incoming {
            Ok(stream) => stream,
            Err(error) => {
                log_server(format_args!("accept on {local} failed: {error}"));
                thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        next_id += 1;
        let Ok(peer) = stream.peer_addr() else {
            log(next_id, "peer vanished before we could ask its address");
            continue;
        };
        let info = ConnInfo { id: next_id, peer };

        if let Some(max) = options.max_connections
            && open.load(Ordering::SeqCst) >= max
        {
            log(
                info.id,
                format_args!("{peer} refused: already at the cap of {max} open connections"),
            );
            continue; // dropping `stream` closes it
        }

        // A peer that goes silent must not hold its thread forever: every blocking read
        // or write gives up after the timeout with an error the handler sees.
        if let Err(error) = configure(&stream, &options) {
            log(
                info.id,
                format_args!("{peer} could not be configured: {error}"),
            );
            continue;
        }

        // One thread per connection: the simplest model that lets a slow client not
        // delay the others. (An async runtime scales further; this is easier to read.)
        let counted = OpenConnection::new(&open);
        let handler = Arc::clone(&handler);
        let spawned = thread::Builder::new()
            .name(format!("conn-{}", info.id))
            .spawn(move || {
                let _counted = counted;
                run_handler(&*handler, stream, info);
            });
        if let Err(error) = spawned {
            log(
                next_id,
                format_args!("{peer} dropped: cannot start a thread: {error}"),
            );
        }
    }
    // ANCHOR_END: accept_loop
    Ok(())
}

fn configure(stream: &TcpStream, options: &ServeOptions) -> io::Result<()> {
    stream.set_read_timeout(options.read_timeout)?;
    stream.set_write_timeout(options.write_timeout)?;
    // WebSocket messages are often small and interactive; without TCP_NODELAY the
    // kernel may hold a small write back for up to ~40 ms waiting to batch it (Nagle).
    stream.set_nodelay(true)
}

/// Runs the handler, logs the open and close lines, and contains a panic to this connection.
fn run_handler<H>(handler: &H, stream: TcpStream, info: ConnInfo)
where
    H: Fn(TcpStream, ConnInfo),
{
    let started = Instant::now();
    log(info.id, format_args!("{} connected", info.peer));
    let id = info.id;
    let peer = info.peer;
    // A bug in a handler must cost one connection, not the server. The stream is moved
    // into the handler, so unwinding closes it.
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| handler(stream, info)));
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(()) => log(id, format_args!("{peer} closed after {seconds:.1} s")),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(ToString::to_string)
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic".to_string())
                .replace('\n', " "); // keep the log one line per event
            log(
                id,
                format_args!("{peer} handler panicked ({message}); closed after {seconds:.1} s"),
            );
        }
    }
}

/// Counts a connection as open for as long as it lives (even if its thread panics).
struct OpenConnection(Arc<AtomicUsize>);

impl OpenConnection {
    fn new(open: &Arc<AtomicUsize>) -> Self {
        open.fetch_add(1, Ordering::SeqCst);
        OpenConnection(Arc::clone(open))
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}
