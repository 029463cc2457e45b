//! # Chapter 06 — ping and pong
//!
//! Chapter 05 already decodes ping and pong frames, even between the fragments
//! of a message, and hands them to the caller. This chapter *answers* them, and
//! uses them: a server that pings a quiet peer learns whether it is still there
//! and how long a round trip takes.
//!
//! The rules (RFC 6455 §5.5.2, §5.5.3):
//! - answer every ping with a pong carrying the same payload, as soon as
//!   practical (we write pongs ahead of anything already queued);
//! - if several pings arrive before we get to answer, answering only the latest
//!   is allowed (we answer up to 16 in order, then keep only the newest);
//! - a pong that answers nothing is allowed too (a one-way heartbeat): it is
//!   counted and ignored.
//!
//! The **heartbeat**: when nothing has arrived from the peer for `interval`, we
//! ping it; if the pong does not come within `timeout`, the peer is gone (a
//! laptop closed, a cable pulled, a NAT that forgot us — none of which closes
//! TCP) and we drop the connection. The pong's arrival gives the round-trip time.
//!
//! This is where the **connection** appears: a sans-I/O [`Connection`] holds
//! chapter 05's decoder, an outgoing queue, the ping state and the timers, and
//! takes the time as an argument, so tests run ten minutes of heartbeat in
//! microseconds. A small blocking driver, [`WebSocket`], runs it over a
//! `TcpStream` on the connection's own thread, waking at the connection's next
//! deadline; a [`Sender`] lets other threads send. Chapter 07 wraps this
//! `Connection` with the closing handshake and drives it with the same
//! [`WebSocket`].
//!
//! What it builds on: chapter 05's [`Decoder`] and [`fragment`]; chapter
//! 02's router and handshake (for the server and [`connect_to`]).
//!
//! # Layout
//! - [`heartbeat`] — [`Heartbeat`] (interval, timeout), [`PingTracker`]: the ping in
//!   flight, round-trip times, counters.
//! - [`connection`] — [`Connection`], its [`Event`]s, [`Config`], [`ConnectionError`].
//! - [`outgoing`] — the queue of bytes to write; an owned large payload is moved in, not copied.
//! - [`blocking`] — the [`SansIo`] trait, the [`WebSocket`] driver, [`Sender`],
//!   [`accept`] and [`connect_to`].
//! - `main.rs` — the `ch06-ping-pong` echo server with a heartbeat, and a page
//!   showing the pings it sends and the round-trip times it measures.
//! - Everything from chapters 01–05 is re-exported. (This crate's [`Event`] is the
//!   connection's; chapter 05's decoder event is `decoder::Event`.)
#![forbid(unsafe_code)]

pub mod blocking;
pub mod connection;
pub mod heartbeat;
pub mod outgoing;

pub use ch05_fragmentation::*;

pub use blocking::{SansIo, Sender, WebSocket, accept, connect_to};
pub use connection::{Config, Connection, ConnectionError, Event, SendError};
pub use heartbeat::{Beat, Heartbeat, PingStats, PingTracker};
pub use outgoing::Outgoing;
