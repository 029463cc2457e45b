//! Decoding on a worker thread, so that a big capture never freezes the window.
//!
//! The worker runs the core's [`CaptureDecoder`] (an iterator of events that reads the
//! file lazily), compacts each event into an [`Item`] and sends them to the UI thread in
//! batches: the first batch as soon as a few rows exist (the table shows rows while the
//! rest of the file is read), then one every few milliseconds. It publishes how many
//! bytes it has read for the progress bar and wakes the UI with `request_repaint`.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use crate::model::Event;
use crate::pipeline::CaptureDecoder;
use crate::websocket::Options;

use super::store::Item;

/// A capture built into the binary, so the window has something to show with no file.
#[derive(Debug, PartialEq, Eq)]
pub struct Example {
    /// File name, as in `captures/`.
    pub name: &'static str,
    /// What it shows.
    pub about: &'static str,
    /// The capture's bytes.
    pub bytes: &'static [u8],
}

/// The captures built into the binary. The first one opens when no file is given.
pub static EXAMPLES: &[Example] = &[
    Example {
        name: "chromium-deflate.pcapng",
        about: "headless Chromium ↔ Python websockets, permessage-deflate, 16- and 64-bit lengths",
        bytes: include_bytes!("../../../captures/chromium-deflate.pcapng"),
    },
    Example {
        name: "python-basic.pcap",
        about: "Python websockets both ends: text, binary, ping/pong, close 1001",
        bytes: include_bytes!("../../../captures/python-basic.pcap"),
    },
    Example {
        name: "node-fragmented.pcapng",
        about: "Node ws: fragmented messages with pings in between, close 4000",
        bytes: include_bytes!("../../../captures/node-fragmented.pcapng"),
    },
    Example {
        name: "violations.pcapng",
        about: "13 connections, each breaking one RFC 6455 rule",
        bytes: include_bytes!("../../../captures/violations.pcapng"),
    },
];

/// Where a capture comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// One of [`EXAMPLES`].
    Example(&'static Example),
    /// A file on disk.
    File(PathBuf),
    /// Live traffic, decoded elsewhere (`ws-inspector proxy --gui`) and fed to
    /// [`Loader::live`]; the name says what is being watched.
    Live(String),
}

impl Source {
    /// A name for the title bar and the status line.
    pub fn name(&self) -> String {
        match self {
            Source::Example(example) => format!("{} (built in)", example.name),
            Source::File(path) => path.display().to_string(),
            Source::Live(name) => name.clone(),
        }
    }
}

/// Payload bytes kept per frame and message: enough for the hex view of any control
/// frame and the start of any data frame, without holding a whole 100 MB capture.
pub const MAX_PAYLOAD: usize = 64 * 1024;

/// What the worker sends.
#[derive(Debug)]
enum Update {
    Items(Vec<Item>),
    Done(Result<(), String>),
}

/// Progress counters the worker updates and the UI reads.
#[derive(Debug, Default)]
struct Shared {
    bytes_read: AtomicU64,
    total_bytes: AtomicU64,
    cancel: AtomicBool,
}

/// A running (or finished) decode.
#[derive(Debug)]
pub struct Loader {
    /// What is being decoded.
    pub source: Source,
    receiver: Receiver<Update>,
    shared: Arc<Shared>,
    /// When the decode started.
    pub started: Instant,
    /// When the first items reached the UI, since `started`.
    pub first_items: Option<Duration>,
    /// When the decode finished, since `started`.
    pub finished: Option<Duration>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl Drop for Loader {
    fn drop(&mut self) {
        // Opening another file abandons this decode: the worker stops at its next batch.
        self.shared.cancel.store(true, Ordering::Relaxed);
    }
}

impl Loader {
    /// Starts decoding `source` on a new thread; `wake` is called after each batch (the
    /// GUI passes `request_repaint`).
    pub fn start(source: Source, wake: impl Fn() + Send + 'static) -> Loader {
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let worker_shared = Arc::clone(&shared);
        let worker_source = source.clone();
        let spawned = std::thread::Builder::new()
            .name("ws-inspector-decode".to_string())
            .spawn(move || {
                let result = decode(&worker_source, &sender, &worker_shared, &wake);
                let _ = sender.send(Update::Done(result));
                wake();
            });
        Loader::running(source, receiver, shared, spawned, "the decoding thread")
    }

    /// Hands over the items that have arrived, spending at most `budget` (the rest stays
    /// queued for the next UI frame). `take` receives each batch.
    pub fn receive(&mut self, budget: Duration, mut take: impl FnMut(Vec<Item>)) {
        let start = Instant::now();
        while start.elapsed() < budget {
            match self.receiver.try_recv() {
                Ok(Update::Items(items)) => {
                    self.first_items
                        .get_or_insert_with(|| self.started.elapsed());
                    take(items);
                }
                Ok(Update::Done(result)) => {
                    self.finished = Some(self.started.elapsed());
                    self.error = result.err();
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
    }

    /// Shows events decoded elsewhere as they arrive (the proxy's live traffic): a thread
    /// turns each batch from `feed` into rows, gathers what arrives within
    /// [`BATCH_INTERVAL`] (up to [`MAX_BATCH`] rows) into one update, and wakes the UI
    /// once per update, so a fast stream costs the window a few updates per frame at
    /// most, not one per WebSocket frame. The feed ends (the loader is done) when its
    /// sender is dropped.
    pub fn live(
        source: Source,
        feed: Receiver<Vec<Event>>,
        wake: impl Fn() + Send + 'static,
    ) -> Loader {
        let (sender, receiver) = mpsc::channel();
        let shared = Arc::new(Shared::default());
        let worker_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("ws-inspector-live".to_string())
            .spawn(move || {
                follow(&feed, &sender, &worker_shared, &wake);
                let _ = sender.send(Update::Done(Ok(())));
                wake();
            });
        Loader::running(source, receiver, shared, spawned, "the live feed's thread")
    }

    /// A loader fed by the thread `spawned` (or, if it could not start, one that is
    /// finished with that error).
    fn running(
        source: Source,
        receiver: Receiver<Update>,
        shared: Arc<Shared>,
        spawned: std::io::Result<std::thread::JoinHandle<()>>,
        thread: &str,
    ) -> Loader {
        let mut loader = Loader {
            source,
            receiver,
            shared,
            started: Instant::now(),
            first_items: None,
            finished: None,
            error: None,
        };
        if let Err(error) = spawned {
            loader.error = Some(format!("cannot start {thread}: {error}"));
            loader.finished = Some(Duration::ZERO);
        }
        loader
    }

    /// The source is live traffic.
    pub fn is_live(&self) -> bool {
        matches!(self.source, Source::Live(_))
    }

    /// The decode is over and every item has been received.
    pub fn is_done(&self) -> bool {
        self.finished.is_some()
    }

    /// Fraction of the file read, `0.0..=1.0`.
    pub fn fraction(&self) -> f32 {
        let total = self.shared.total_bytes.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.shared.bytes_read.load(Ordering::Relaxed) as f64 / total as f64).min(1.0) as f32
    }
}

/// The decoding options the window needs (also for a live feed's decoder).
pub fn options() -> Options {
    Options {
        max_payload: MAX_PAYLOAD,
        // Compressed frames' bytes as they were on the wire, for the hex view (the
        // payload the events carry is inflated).
        keep_wire_payload: true,
        ..Options::default()
    }
}

fn decode(
    source: &Source,
    sender: &Sender<Update>,
    shared: &Shared,
    wake: &dyn Fn(),
) -> Result<(), String> {
    let options = options();
    match source {
        Source::Example(example) => {
            let decoder =
                CaptureDecoder::new(example.bytes, Some(example.bytes.len() as u64), options)
                    .map_err(|error| format!("{}: {error}", example.name))?;
            pump(decoder, sender, shared, wake);
        }
        Source::File(path) => {
            let decoder = CaptureDecoder::open(path, options).map_err(|error| error.to_string())?;
            pump(decoder, sender, shared, wake);
        }
        Source::Live(name) => {
            return Err(format!(
                "{name}: live traffic comes from `ws-inspector proxy --gui`"
            ));
        }
    }
    Ok(())
}

/// The live feed's thread: rows from each batch, one update per [`BATCH_INTERVAL`] (or
/// per [`MAX_BATCH`] rows, if the stream is faster).
fn follow(feed: &Receiver<Vec<Event>>, sender: &Sender<Update>, shared: &Shared, wake: &dyn Fn()) {
    while let Ok(events) = feed.recv() {
        let mut items: Vec<Item> = events.into_iter().map(Item::from_event).collect();
        let gathering = Instant::now();
        while gathering.elapsed() < BATCH_INTERVAL && items.len() < MAX_BATCH {
            match feed.recv_timeout(BATCH_INTERVAL.saturating_sub(gathering.elapsed())) {
                Ok(more) => items.extend(more.into_iter().map(Item::from_event)),
                Err(_) => break,
            }
        }
        if shared.cancel.load(Ordering::Relaxed) || sender.send(Update::Items(items)).is_err() {
            return;
        }
        wake();
    }
}

/// Items per batch before the first one is sent (small: first rows fast).
const FIRST_BATCH: usize = 256;
/// Time between batches after that.
const BATCH_INTERVAL: Duration = Duration::from_millis(10);
/// The most items in one batch: the UI thread stores a batch in one go, so a batch must
/// take well under a frame (16 ms) to store.
const MAX_BATCH: usize = 4096;

fn pump<R: Read>(
    mut decoder: CaptureDecoder<R>,
    sender: &Sender<Update>,
    shared: &Shared,
    wake: &dyn Fn(),
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut sent_any = false;
    let mut last_send = Instant::now();
    let mut count = 0u64;
    let publish = |decoder: &CaptureDecoder<R>| {
        let progress = decoder.progress();
        shared
            .bytes_read
            .store(progress.bytes_read, Ordering::Relaxed);
        shared
            .total_bytes
            .store(progress.total_bytes.unwrap_or(0), Ordering::Relaxed);
    };
    while let Some(event) = decoder.next() {
        batch.push(Item::from_event(event));
        count += 1;
        let due = if sent_any {
            batch.len() >= MAX_BATCH
                || (count.is_multiple_of(256) && last_send.elapsed() >= BATCH_INTERVAL)
        } else {
            batch.len() >= FIRST_BATCH
        };
        if due {
            publish(&decoder);
            if shared.cancel.load(Ordering::Relaxed)
                || sender
                    .send(Update::Items(std::mem::take(&mut batch)))
                    .is_err()
            {
                return;
            }
            sent_any = true;
            last_send = Instant::now();
            wake();
        }
    }
    publish(&decoder);
    if !batch.is_empty() {
        let _ = sender.send(Update::Items(batch));
    }
}
