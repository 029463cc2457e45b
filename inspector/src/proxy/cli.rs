//! `ws-inspector proxy`: the command line around [`super::Proxy`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;

use crate::model::Event;

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
}

/// Prints events on stdout, one line each; flushes whenever the proxy goes idle so lines
/// show up as the traffic happens.
#[derive(Debug)]
pub struct Printer<W: Write> {
    out: W,
    json: bool,
    failed: bool,
}

impl<W: Write> Printer<W> {
    /// A printer writing to `out`, as JSON Lines if `json`.
    pub fn new(out: W, json: bool) -> Self {
        Printer {
            out,
            json,
            failed: false,
        }
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn write_event(&mut self, event: &Event) -> io::Result<()> {
        if self.json {
            serde_json::to_writer(&mut self.out, event)?;
            self.out.write_all(b"\n")
        } else {
            writeln!(self.out, "{}", crate::proxy::decode::human_line(event))
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
            if let Err(e) = self.write_event(event) {
                self.failed(&e);
                return;
            }
        }
    }

    fn idle(&mut self) {
        if !self.failed {
            if let Err(e) = self.out.flush() {
                self.failed(&e);
            }
        }
    }
}

/// Runs `ws-inspector proxy` until Ctrl-C.
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
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = interrupted.send(());
    }) {
        eprintln!("cannot catch Ctrl-C ({e}); the pcapng file may end abruptly if interrupted");
    }
    let sink = Printer::new(BufWriter::new(io::stdout()), args.json);
    let running = match proxy.start(Recording { sink, pcapng }) {
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
