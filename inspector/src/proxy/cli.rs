//! `ws-inspector proxy`: the command line around [`super::Proxy`]: where the decoded
//! events go (the terminal through [`Printer`], the window through [`WindowFeed`]) and
//! how it stops (Ctrl-C, or the window closing).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::display::human_line;
use crate::jsonl::JsonLinesWriter;
use crate::model::Event;
use crate::websocket::Options;

use super::{EventSink, Proxy, Recording, Running};

/// Forward a WebSocket conversation and decode both directions as they pass.
///
/// Point a client (a browser, a script) at --listen; every client gets its own connection
/// to --upstream and every byte is forwarded unchanged. Prints one line per handshake and
/// frame on stdout (JSON Lines with --json, the schema of `decode --json`), or shows them
/// in the inspector window with --gui; connection events go to stderr. Ctrl-C (or closing
/// the window) stops it and closes the --write file cleanly.
#[derive(Debug, Clone, clap::Args)]
pub struct ProxyArgs {
    /// Address to accept clients on (HOST:PORT; port 0 picks a free port).
    #[arg(long, value_name = "HOST:PORT")]
    pub listen: String,
    /// The WebSocket server to forward each client to (HOST:PORT).
    #[arg(long, value_name = "HOST:PORT")]
    pub upstream: String,
    /// Also record the traffic as a pcapng file (synthesised Ethernet/IP/TCP around the
    /// real bytes) that Wireshark, tshark and `ws-inspector decode` read.
    #[arg(long, value_name = "FILE.pcapng")]
    pub write: Option<PathBuf>,
    /// Print JSON Lines (one object per event) instead of text.
    #[arg(long)]
    pub json: bool,
    /// Open the inspector window and add frames to it as they arrive (stdout stays
    /// quiet unless --json is given too).
    #[arg(long)]
    pub gui: bool,
    /// Payload bytes shown per frame (payload_hex, text). Default: 256 with --json,
    /// everything otherwise (as `decode`).
    #[arg(long, value_name = "N")]
    pub max_payload: Option<usize>,
    /// Also print each reassembled data message.
    #[arg(long)]
    pub messages: bool,
}

impl ProxyArgs {
    /// The decoding options these arguments ask for: those `decode` would use.
    pub fn options(&self) -> Options {
        Options {
            max_payload: self
                .max_payload
                .unwrap_or(if self.json { 256 } else { usize::MAX }),
            messages: self.messages,
            ..Options::default()
        }
    }
}

/// Prints events on stdout, one line each, with `decode`'s writers (its JSON Lines
/// writer, or the human line); flushes whenever the proxy goes idle, so lines show up as
/// the traffic happens.
#[derive(Debug)]
pub struct Printer<W: Write> {
    out: Output<W>,
    messages: bool,
    failed: bool,
}

#[derive(Debug)]
enum Output<W: Write> {
    Json(JsonLinesWriter<W>),
    Text(BufWriter<W>),
}

impl<W: Write> Printer<W> {
    /// A printer writing to `out` (it buffers), as JSON Lines if `json`; message events
    /// only if `messages` (like `decode --messages`).
    pub fn new(out: W, json: bool, messages: bool) -> Self {
        Printer {
            out: if json {
                Output::Json(JsonLinesWriter::new(out))
            } else {
                Output::Text(BufWriter::with_capacity(1 << 16, out))
            },
            messages,
            failed: false,
        }
    }

    fn write_event(&mut self, event: &Event) -> io::Result<()> {
        match &mut self.out {
            Output::Json(json) => json.write_event(event),
            Output::Text(text) => writeln!(text, "{}", human_line(event)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Output::Json(json) => json.flush(),
            Output::Text(text) => text.flush(),
        }
    }

    fn failed(&mut self, e: &io::Error) {
        if !self.failed {
            // A closed pipe (`| head`) ends the printing, not the proxying.
            eprintln!("cannot print decoded events ({e}); the proxy keeps forwarding");
            self.failed = true;
        }
    }
}

impl<W: Write + Send + 'static> EventSink for Printer<W> {
    fn events(&mut self, events: &[Event]) {
        if self.failed {
            return;
        }
        for event in events {
            if matches!(event, Event::Message(_)) && !self.messages {
                continue;
            }
            if let Err(e) = self.write_event(event) {
                self.failed(&e);
                return;
            }
        }
    }

    fn idle(&mut self) {
        if !self.failed
            && let Err(e) = self.flush()
        {
            self.failed(&e);
        }
    }
}

/// Sends the decoded events to the inspector window (`--gui`), in batches: a batch goes
/// when the proxy goes idle or when it is [`WINDOW_BATCH`] events long, so a fast stream
/// reaches the window in a few large updates rather than one per frame. The window reads
/// them with [`crate::gui::InspectorApp::watch`].
#[derive(Debug)]
pub struct WindowFeed {
    batch: Vec<Event>,
    feed: SyncSender<Vec<Event>>,
    closed: bool,
}

/// Events per batch for the window, at most.
pub const WINDOW_BATCH: usize = 4096;
/// Batches waiting for the window before the proxy waits for it.
const WINDOW_QUEUE: usize = 16;

impl WindowFeed {
    /// A feed, and the receiving end for the window.
    pub fn channel() -> (WindowFeed, Receiver<Vec<Event>>) {
        let (feed, receiver) = mpsc::sync_channel(WINDOW_QUEUE);
        let window = WindowFeed {
            batch: Vec::new(),
            feed,
            closed: false,
        };
        (window, receiver)
    }

    fn send(&mut self) {
        if self.batch.is_empty() || self.closed {
            return;
        }
        // Blocks while the window is WINDOW_QUEUE batches behind: memory stays bounded
        // and the traffic slows down with it, like every other consumer of the proxy.
        if self.feed.send(std::mem::take(&mut self.batch)).is_err() {
            self.closed = true; // the window was closed; the proxy is about to stop
            self.batch = Vec::new();
        }
    }
}

impl EventSink for WindowFeed {
    fn events(&mut self, events: &[Event]) {
        if self.closed {
            return;
        }
        self.batch.extend_from_slice(events);
        if self.batch.len() >= WINDOW_BATCH {
            self.send();
        }
    }

    fn idle(&mut self) {
        self.send();
    }
}

/// Where `ws-inspector proxy` sends the decoded events: the terminal, the window, or
/// both (`--gui --json`).
#[derive(Debug)]
struct Outputs {
    printer: Option<Printer<io::Stdout>>,
    window: Option<WindowFeed>,
}

impl EventSink for Outputs {
    fn events(&mut self, events: &[Event]) {
        if let Some(printer) = &mut self.printer {
            printer.events(events);
        }
        if let Some(window) = &mut self.window {
            window.events(events);
        }
    }

    fn idle(&mut self) {
        if let Some(printer) = &mut self.printer {
            printer.idle();
        }
        if let Some(window) = &mut self.window {
            window.idle();
        }
    }
}

/// Runs `ws-inspector proxy` until Ctrl-C (or, with `--gui`, until the window closes).
pub fn run(args: &ProxyArgs) -> ExitCode {
    let proxy = match Proxy::bind(&args.listen, &args.upstream) {
        Ok(proxy) => proxy,
        Err(e) => {
            eprintln!("cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let pcapng: Option<Box<dyn Write + Send>> = match &args.write {
        Some(path) => match File::create(path) {
            Ok(file) => Some(Box::new(BufWriter::with_capacity(1 << 20, file))),
            Err(e) => {
                eprintln!("cannot create {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let (interrupted, wait_for_interrupt) = mpsc::channel();
    let presses = AtomicU8::new(0);
    if let Err(e) = ctrlc::set_handler(move || {
        // The first Ctrl-C stops cleanly; a second one, if that takes too long, at once.
        if presses.fetch_add(1, Ordering::SeqCst) > 0 {
            std::process::exit(130);
        }
        let _ = interrupted.send(());
    }) {
        eprintln!("cannot catch Ctrl-C ({e}); the pcapng file may end abruptly if interrupted");
    }
    let (window, feed) = if args.gui {
        let (window, feed) = WindowFeed::channel();
        (Some(window), Some(feed))
    } else {
        (None, None)
    };
    let outputs = Outputs {
        // With --gui the window shows the frames; --json prints them as well.
        printer: (!args.gui || args.json)
            .then(|| Printer::new(io::stdout(), args.json, args.messages)),
        window,
    };
    let options = if args.gui {
        // What the window needs (payloads, messages, wire bytes), as for a file.
        Options {
            max_payload: args.max_payload.unwrap_or(crate::gui::worker::MAX_PAYLOAD),
            ..crate::gui::worker::options()
        }
    } else {
        args.options()
    };
    let recording = Recording {
        sink: outputs,
        pcapng,
        options,
    };
    let running = match proxy.start(recording) {
        Ok(running) => running,
        Err(e) => {
            eprintln!("cannot start the proxy: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listening = format!("ws://{}", running.local_addr());
    eprintln!("listening on {listening} (forwarding to {})", args.upstream);
    let Some(feed) = feed else {
        let _ = wait_for_interrupt.recv();
        return stop(running, args);
    };
    // The window needs this (the main) thread. Ctrl-C is watched on another one, which
    // stops the proxy and ends the process; closing the window stops it here.
    let running = Arc::new(Mutex::new(Some(running)));
    let for_interrupt = Arc::clone(&running);
    let stop_args = args.clone();
    let _watcher = thread::spawn(move || {
        if wait_for_interrupt.recv().is_ok() {
            let taken = for_interrupt.lock().ok().and_then(|mut slot| slot.take());
            if let Some(running) = taken {
                let code = stop(running, &stop_args);
                std::process::exit(i32::from(code != ExitCode::SUCCESS));
            }
        }
    });
    let name = format!("live: {listening}, forwarding to {}", args.upstream);
    let window_result = crate::gui::run_live(name, feed);
    if let Err(e) = &window_result {
        eprintln!("{e}");
    }
    let taken = running.lock().ok().and_then(|mut slot| slot.take());
    let Some(running) = taken else {
        // Ctrl-C got there first: it is stopping the proxy and will end the process.
        loop {
            thread::park();
        }
    };
    let code = stop(running, args);
    if window_result.is_err() {
        return ExitCode::FAILURE;
    }
    code
}

/// Stops the proxy: open connections closed, the capture completed and flushed.
fn stop(running: Running<Outputs>, args: &ProxyArgs) -> ExitCode {
    eprintln!("stopping: closing open connections and the capture");
    match running.stop() {
        Ok(mut outputs) => {
            outputs.idle();
            if let Some(path) = &args.write {
                eprintln!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
