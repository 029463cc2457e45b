//! # Chapter 08 — a chat server
//!
//! Chapters 01–07 built one WebSocket connection, completely: handshake, frames,
//! masking, messages, ping and pong, the closing handshake. A real server holds many
//! connections at once and makes them talk to each other, and it meets people who are
//! not on its side. This capstone chapter adds nothing to the protocol; it adds what a
//! server around the protocol needs:
//!
//! - **routes** on one port: `/` serves the chat page, `/echo` is chapter 07's echo,
//!   `/chat` is the chat (chapter 02's router does the dispatching);
//! - a **registry** of connected clients — id, address, path, subprotocol,
//!   connected-at (chapter 02's [`ClientInfo`]) and the bytes each moved, counted by
//!   wrapping chapter 07's sans-I/O connection in [`Metered`];
//! - **rooms** and **broadcast**, with join and leave notices ([`Hub`]);
//! - **subprotocol negotiation**: `chat.v1` clients speak JSON, clients that offer no
//!   subprotocol speak plain lines, and both share a room ([`chat`]);
//! - **back-pressure**: each chat client has a writer thread and a bounded [`Outbox`];
//!   a client too slow to read its room is dropped with close code 1008, and never
//!   slows the others (RFC 6455 §10.4);
//! - an **`Origin` allowlist** for `/chat`, on by default, answering 403 to pages from
//!   other sites (cross-site WebSocket hijacking, §10.2; [`OriginPolicy`]);
//! - the earlier chapters' **limits** on the command line: `--max-message` (ch05's
//!   1009), `--max-connections` (ch01's cap), `--idle-timeout` (ch06's heartbeat),
//!   `--handshake-timeout` (ch02's deadline), `--allow-origin`.
//!
//! Its tests attack the server on loopback — slowloris, huge heads, frames announcing
//! 2^63 bytes, a million empty fragments, a thousand abandoned handshakes — and print
//! what each costs it: time, peak memory, threads, file descriptors.
//!
//! What it builds on: everything, through chapter 07 (re-exported). Two small hooks
//! were added where they belong: chapter 02's router lets a route refuse a valid
//! handshake ([`Router::websocket_checked`], with 403 Forbidden), and chapter 01's
//! command-line parser reads repeated options (`Parsed::get_all`).
//!
//! # Layout
//! - [`chat`] — the `chat.v1` and plain-text dialects: [`Request`](chat::Request),
//!   [`Notice`](chat::Notice), [`render`](chat::render), [`parse_request`](chat::parse_request).
//! - [`json`] — just enough JSON, std only.
//! - [`hub`] — [`Hub`]: the registry, rooms, broadcast, dropping slow clients.
//! - [`outbox`] — [`Outbox`]: one client's bounded queue.
//! - [`metered`] — [`Metered`] and [`Traffic`]: bytes in and out.
//! - [`origin`] — [`OriginPolicy`]: who may open `/chat`.
//! - [`server`] — [`Settings`], [`router`]: the routes and the handlers.
//! - `main.rs` — the `ch08-chat` binary; `page.html` — the chat page.
#![forbid(unsafe_code)]

pub mod chat;
pub mod hub;
pub mod json;
pub mod metered;
pub mod origin;
pub mod outbox;
pub mod server;

pub use ch07_close::*;

pub use hub::{ClientStats, Hub, TOO_SLOW_CODE, Tracked};
pub use metered::{Metered, Traffic};
pub use origin::OriginPolicy;
pub use outbox::{Outbox, OutboxLimits};
pub use server::{Settings, router};
