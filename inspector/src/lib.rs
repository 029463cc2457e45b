//! # ws-inspector — see what a WebSocket connection is doing, byte by byte
//!
//! The chapters build the protocol; this crate *watches* it. It reads a packet capture
//! (or, through the proxy, live traffic), finds every WebSocket connection in it on any
//! port, and decodes each frame with the chapters' own code — chapter 02 parses the
//! handshake, chapter 03 the frame header, chapter 04 unmasks, chapter 05 reassembles
//! messages and checks the rules, chapter 07 reads close frames — so what the book
//! teaches is exactly what decodes real traffic. There is no second WebSocket parser
//! here. (The crate depends on chapter 07, which re-exports every chapter before it.)
//!
//! What an observer needs that an endpoint does not is the rest of this crate: reading
//! capture files, peeling the link, IP and TCP layers, putting TCP segments back in
//! order, noticing bytes the capture missed and finding the frame boundaries again, and
//! inflating permessage-deflate messages. And where an endpoint *fails the connection*
//! at the first broken rule, the inspector notes the rule with its RFC section and
//! keeps decoding.
//!
//! ```text
//! file ─► capture ─► link ─► ip ─► tcp ─► reassembly ─► decoder (handshake) ─► websocket ─► events
//!                                                                  └─ deflate
//! ```
//!
//! Two ways in:
//! - [`pipeline::CaptureDecoder`]: a capture file in, an iterator of [`model::Event`]s
//!   out, with [`pipeline::Progress`] for a progress bar or a GUI worker thread;
//! - [`decoder::ConnectionDecoder`]: sans-I/O, one connection's bytes per side in (the
//!   proxy's way, no packets involved), events out.
//!
//! # Layout
//! - [`capture`] — pcap and pcapng files, streamed, damage reported with its byte offset.
//! - [`link`] — Ethernet (+VLAN), Linux cooked v1/v2, BSD loopback, raw IP.
//! - [`ip`] — IPv4 and IPv6 (fragments reported, not reassembled).
//! - [`tcp`] — the TCP header.
//! - [`reassembly`] — one direction's byte stream from segments in any order; gaps.
//! - [`pipeline`] — TCP connections, and the [`pipeline::CaptureDecoder`] iterator.
//! - [`decoder`] — one connection: HTTP Upgrade detection, then both directions.
//! - [`websocket`] — one direction's frames and messages, violations, resynchronisation.
//! - [`deflate`] — permessage-deflate (RFC 7692).
//! - [`model`] — the events: the stable, serialisable output (JSON Lines fields).
//! - [`display`] — one human line per event.
//! - [`jsonl`] — JSON Lines output (the schema is the model's serde derive, written fast).
//! - [`diagram`] — the RFC 6455 §5.2 bit diagram of one frame, as data, and as SVG
//!   ([`diagram::svg`], for `ws-inspector diagram`).
//! - [`gui`] — the window (egui): connections, frame table, bit diagram, hex, payload.
//! - [`stats`] — per-connection counts.
//! - [`pool`] — optional buffer reuse for programs that decode millions of frames.
//! - [`time`] — timestamps and packet references.
//! - [`synth`], [`pcapng`], [`pcap`] — writing captures: synthesised Ethernet/IP/TCP
//!   with correct sequence numbers and checksums (tests, the benchmark, the proxy).
//! - [`proxy`] — live traffic: a forwarding proxy that decodes both directions as they
//!   pass and can record them as pcapng.
//! - [`cli`] — the `ws-inspector` command line.
#![forbid(unsafe_code)]

pub mod capture;
pub mod cli;
pub mod decoder;
pub mod deflate;
pub mod diagram;
pub mod display;
pub mod gui;
pub mod ip;
pub mod jsonl;
pub mod link;
pub mod model;
pub mod pcap;
pub mod pcapng;
pub mod pipeline;
pub mod pool;
pub mod proxy;
pub mod reassembly;
pub mod stats;
pub mod synth;
pub mod tcp;
pub mod time;
pub mod websocket;

pub use decoder::ConnectionDecoder;
pub use model::{Event, Side};
pub use pipeline::{CaptureDecoder, Progress};
pub use websocket::Options;
