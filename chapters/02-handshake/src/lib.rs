//! # Chapter 02 — the opening handshake
//!
//! Chapter 01 showed that a browser's `new WebSocket()` starts with an HTTP request:
//!
//! ```text
//! GET /echo HTTP/1.1
//! Host: 127.0.0.1:8080
//! Upgrade: websocket
//! Connection: Upgrade
//! Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==
//! Sec-WebSocket-Version: 13
//! ```
//!
//! This chapter answers it (RFC 6455 §4). The server checks the request, computes
//! `Sec-WebSocket-Accept` = base64(SHA-1(key + GUID)) to prove it understood, and answers
//! `HTTP/1.1 101 Switching Protocols`. After that empty line the same TCP connection
//! carries WebSocket frames (chapter 03). A request that is not a valid handshake gets a
//! status that says why: 400, 405 (not GET), 426 (not a WebSocket request, or a version
//! other than 13), 431 (head too large), 404 (no such route), 408 (too slow).
//!
//! The client side is here too: a random key, the request, and the checks a client must
//! make of the answer, ending in [`connect`].
//!
//! What it builds on: chapter 01's accept loop, timeouts and logging ([`serve`],
//! [`bind`], [`log`]), re-exported here so this crate is everything so far. New
//! dependencies: `sha1` and `base64` for the accept key, `getrandom` for the key's 16
//! random bytes.
//!
//! The parsing is **sans-I/O**: [`parse_request`] takes bytes and says "need more",
//! "here is the head and its length", or "invalid", so the inspector can run it on bytes
//! from a capture. A thin blocking layer ([`read_head`]) drives it from a socket.
//!
//! # Layout
//!
//! - [`http`] — HTTP/1.1 head parsing: [`parse_request`], [`parse_response`], [`HeadLimits`], [`HttpError`].
//! - [`handshake`] — the server's rules: [`accept_key`], [`validate_upgrade`], [`response_101`], [`Rejection`].
//! - [`client`] — the client's side: [`generate_key`], [`client_request`], [`check_response`], [`connect`].
//! - [`reader`] — [`read_head`]: read a head from a socket within one deadline, keeping the bytes after it.
//! - [`server`] — [`Router`] (paths to WebSocket handlers or pages), [`Registry`], [`handle_connection`].
//! - `main.rs` — the `ch02-handshake` server: `/echo` completes the handshake, `/` explains.
#![forbid(unsafe_code)]

pub mod client;
pub mod handshake;
pub mod http;
pub mod reader;
pub mod server;

// Chapter 01, re-exported: this crate is the whole protocol so far.
pub use ch01_raw_tcp::{
    ConnInfo, DEFAULT_ADDR, ServeOptions, bind, cli, echo, log, log_server, serve,
};

pub use client::{
    ClientHandshake, HandshakeError, WsUrl, check_response, client_request, connect, generate_key,
    parse_url,
};
pub use handshake::{
    GUID, Rejection, Upgrade, VERSION, accept_key, reason_phrase, response_101, validate_upgrade,
};
pub use http::{
    HeadLimits, HttpError, Request, Response, is_token, parse_request, parse_response, split_list,
};
pub use reader::{DEFAULT_HANDSHAKE_TIMEOUT, read_head, read_response_head};
pub use server::{
    ClientInfo, Registration, Registry, Router, UpgradeCheck, Upgraded, WebSocketHandler,
    handle_connection,
};
