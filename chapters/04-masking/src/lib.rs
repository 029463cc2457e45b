//! # Chapter 04 — masking
//!
//! Every frame a client sends is *masked*: its payload is XORed with a 4-byte key
//! that travels in the header (RFC 6455 §5.3). Masking is not encryption — the
//! key is right there — it exists so that an attacker's script in a browser cannot
//! choose the exact bytes that cross the network, which once let such scripts
//! poison the caches of proxies that misread the traffic (§10.3). That is why the
//! key must come from a strong random source, fresh for every frame.
//!
//! This chapter adds:
//! - [`apply_mask`], a fast word-at-a-time XOR (no `unsafe`), tested against its
//!   one-line twin [`apply_mask_bytewise`] for every length and offset, and able to
//!   continue a key across a payload split into pieces;
//! - [`random_mask_key`], from the operating system's random source;
//! - the role rules of §5.1 ([`check_masking`]): a server closes with 1002 on an
//!   unmasked client frame, a client fails the connection on a masked server frame;
//! - [`encode_frame`], which masks exactly when the sender is a client;
//! - for the chapter servers: [`fail_connection`] (a close frame with a code, then
//!   TCP closed so the peer still reads it) and the browser [`page`] every server from
//!   here on serves at `GET /`.
//!
//! # Layout
//! - [`mask`] — the XOR, fast and simple, and the key source.
//! - [`role`] — [`Role`], the §5.1 rules, [`encode_frame`], [`close_frame_bytes`].
//! - [`closing`] — [`fail_connection`], [`answer_close`], [`close_tcp`]: minimal endings
//!   until chapter 07's closing handshake.
//! - [`page`] — the browser page template ([`Page`]) with slots for later chapters.
//! - `main.rs` — the `ch04-masking` server: echoes single-frame messages, 1002 on an
//!   unmasked frame, the page at `GET /`.
//! - Everything from chapter 03 (frames) and 02 (handshake) is re-exported.
#![forbid(unsafe_code)]

pub mod closing;
pub mod mask;
pub mod page;
pub mod role;

pub use ch03_frames::*;
pub use closing::{answer_close, close_reply, close_tcp, fail_connection};
pub use mask::{apply_mask, apply_mask_bytewise, random_mask_key};
pub use page::Page;
pub use role::{
    MaskError, Role, check_masking, close_frame_bytes, encode_frame, is_single_frame_message,
    read_unmasked_frame,
};
