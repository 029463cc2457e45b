//! # Chapter 03 — frame bits
//!
//! After the handshake of chapter 02, the TCP connection carries *frames*. This
//! chapter reads and writes the frame header of RFC 6455 §5.2, bit by bit: FIN,
//! the three RSV bits, the 4-bit opcode, the MASK bit, and a payload length that
//! takes 7, 7+16 or 7+64 bits, followed by the masking key when MASK is set.
//!
//! Two ideas carry the rest of the book:
//!
//! - **Two-phase parsing.** [`parse`] looks at a buffer and answers either "here
//!   is a header, it took N bytes" or "I need N more bytes" — never an error for a
//!   short buffer. A blocking loop (see [`wire::read_frame`]) or the inspector's
//!   reassembled TCP stream drives it the same way.
//! - **Parse and validate are separate.** [`parse`] reports what the bytes say;
//!   [`FrameHeader::check`] names each §5.2 rule they break. A server turns a
//!   broken rule into a close code; the inspector shows it and keeps decoding.
//!
//! What this chapter does *not* do yet: unmask payloads (chapter 04), assemble
//! fragments into messages (chapter 05), answer pings (06) or close (07).
//!
//! # Layout
//! - [`frame`] — [`OpCode`], [`LengthForm`], [`FrameHeader`], [`parse`], `write`,
//!   the §5.2 checks, and [`Frame`] with its one-line `Display`.
//! - [`violation`] — [`Violation`], a broken rule in the shape every chapter shares.
//! - [`wire`] — read one whole frame from a blocking stream.
//! - Everything from chapter 02 (handshake, routes, the accept loop) is re-exported.
#![forbid(unsafe_code)]

pub mod frame;
pub mod violation;
pub mod wire;

pub use ch02_handshake::*;
pub use frame::{Frame, FrameError, FrameHeader, LengthForm, OpCode, Parsed, parse, write_preview};
pub use violation::Violation;
