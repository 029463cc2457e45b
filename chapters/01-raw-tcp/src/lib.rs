//! # Chapter 01 — raw TCP
//!
//! Before any WebSocket there is a TCP connection: an ordered, reliable stream of bytes in
//! each direction, with no idea where one message ends and the next begins. This chapter
//! builds the part of a server that every later chapter keeps and never rewrites:
//!
//! 1. **bind** an address and announce it (`listening on ws://127.0.0.1:8080`);
//! 2. **accept** connections in a loop, giving each its own thread, so one slow client
//!    never delays another;
//! 3. set **read and write timeouts**, so a client that goes silent cannot hold a thread
//!    forever;
//! 4. **log** one line when a connection opens and one when it ends.
//!
//! The chapter's server simply echoes bytes. That is a fine TCP server and not yet a
//! WebSocket server: point a browser's `new WebSocket("ws://127.0.0.1:8080/")` at it and
//! the log shows that the browser's first bytes are an HTTP request,
//! `GET / HTTP/1.1 ... Upgrade: websocket`. The browser waits for an HTTP answer,
//! `101 Switching Protocols`, gets its own request echoed back, and gives up (`onclose`
//! with code 1006). Chapter 02 writes that answer: the opening handshake.
//!
//! What it builds on: only `std::net`. There is no async runtime in this book; blocking
//! sockets and a thread per connection keep the control flow readable from top to bottom.
//!
//! # Layout
//!
//! - [`server`] — [`bind`], [`serve`] (the accept loop), [`ServeOptions`], [`ConnInfo`], [`log`].
//! - [`echo`] — the echo handler, which also says what a client's first bytes were.
//! - [`cli`] — a tiny `--addr HOST:PORT` argument parser every chapter's binary reuses.
//! - `main.rs` — the `ch01-raw-tcp` server: `cargo run -p ch01-raw-tcp -- --addr 127.0.0.1:0`.
#![forbid(unsafe_code)]

pub mod cli;
pub mod echo;
pub mod server;

pub use server::{ConnInfo, ServeOptions, bind, log, log_server, serve};

/// The address every chapter server listens on unless told otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
