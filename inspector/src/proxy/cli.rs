//! `ws-inspector proxy`: the command line around [`super::Proxy`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc;

use crate::display::human_line;
use crate::jsonl::JsonLinesWriter;
use crate::model::Event;
use crate::websocket::Options;

use super::{EventSink, Proxy, Recording};

/// Forward a WebSocket conversation and decode both directions as they pass.
///
/// Point a client (a browser, a script) at --listen; every client gets its own connection
/// to --upstream and every byte is forwarded unchanged. Prints one line per handshake and
/// frame on stdout (JSON Lines with --json, the schema of `decode --json`); connection
/// events go to stderr. Ctrl-C stops it and closes the --write file cleanly.
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
    /// Open the inspector window and add frames to it as they arrive.
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

/// Runs `ws-inspector proxy` until Ctrl-C.
pub fn run(args: &ProxyArgs) -> ExitCode {
    if args.gui {
        eprintln!(
            "--gui: the inspector window is not part of this build yet; use the printed lines"
        );
        return ExitCode::from(2);
    }
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
    let sink = Printer::new(io::stdout(), args.json, args.messages);
    let recording = Recording {
        sink,
        pcapng,
        options: args.options(),
    };
    let running = match proxy.start(recording) {
        Ok(running) => running,
        Err(e) => {
            eprintln!("cannot start the proxy: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "listening on ws://{} (forwarding to {})",
        running.local_addr(),
        args.upstream
    );
    let _ = wait_for_interrupt.recv();
    eprintln!("stopping: closing open connections and the capture");
    match running.stop() {
        Ok(mut printer) => {
            printer.idle();
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
