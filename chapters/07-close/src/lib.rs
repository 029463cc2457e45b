//! # Chapter 07 — closing
//!
//! Until now a connection ended when TCP did, and neither side could tell a
//! finished conversation from a crash. RFC 6455 §7 adds a **closing handshake**:
//! one side sends a close frame (a status code and a reason), the other answers
//! with its own, and then TCP closes — the server first, so that it, not the
//! client, holds TCP's TIME_WAIT (§7.1.1). Both sides then know the conversation
//! ended on purpose, and why.
//!
//! This chapter adds:
//! - [`CloseCode`] and the close frame body: a 2-byte code and a UTF-8 reason of
//!   at most 123 bytes (§5.5.1); which codes may cross the wire (§7.4); one line
//!   about every registered code ([`close_code_meaning`]);
//! - the connection's four states, CONNECTING → OPEN → CLOSING → CLOSED, in a
//!   [`Connection`] that wraps chapter 06's: after sending a close no data goes
//!   out; after receiving one we answer (echoing the code) and read no more; the
//!   server closes TCP first; the client waits for that, then gives up after a
//!   timeout; the application learns the close code (1005 if the peer's close had
//!   none, 1006 if none came) and whether the close was clean;
//! - _Fail the WebSocket Connection_ (§7.1.7): every broken rule from chapters
//!   03–05 (1002, 1007, 1009) now takes one path — a close frame with the code,
//!   then TCP closes;
//! - a **client**: [`connect_to`], and the binary's `client` mode, which sends the
//!   lines of stdin as text messages and closes cleanly at end of input.
//!
//! It drives the new connection with chapter 06's [`WebSocket`] driver, unchanged.
//! With this chapter the echo server and the client pass Autobahn|Testsuite
//! (`scripts/autobahn.sh`).
//!
//! # Layout
//! - [`close`] — [`CloseCode`], [`close_code_meaning`], [`is_valid_on_wire`],
//!   [`parse_close_payload`], [`CloseError`].
//! - [`connection`] — [`State`], [`Connection`], [`Event`], [`CloseInfo`], [`Config`].
//! - [`client`] — [`accept`] and [`connect_to`]: a [`WebSocket`] for each side.
//! - [`autobahn`] — the client driver for Autobahn's fuzzing server.
//! - `main.rs` — `ch07-close` (the echo server), `ch07-close client ws://...`.
//! - Everything from chapters 01–06 is re-exported; [`Event`], [`Config`],
//!   [`Connection`], [`accept`] and [`connect_to`] are this chapter's versions.
#![forbid(unsafe_code)]

pub mod autobahn;
pub mod client;
pub mod close;
pub mod connection;

pub use ch06_ping_pong::*;

pub use client::{accept, connect_to};
pub use close::{
    CloseCode, CloseError, ClosePayload, check_outgoing_close, close_code_meaning,
    is_valid_on_wire, parse_close_payload,
};
pub use connection::{CloseInfo, CloseRequestError, Config, Connection, Event, State};
