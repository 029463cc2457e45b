//! # Chapter 05 — fragmentation
//!
//! A WebSocket application sends *messages*; the wire carries *frames*. Usually
//! one message is one frame, but §5.4 lets a sender cut a message into fragments:
//! the first frame has the message's opcode (text or binary) and FIN = 0, the
//! following ones have opcode 0 (continuation), and the last has FIN = 1. A sender
//! that does not know the length in advance, or that does not want a huge message
//! to hold up a ping, fragments.
//!
//! This chapter turns frames into messages, sans-I/O:
//! - [`Assembler`] applies the §5.4 rules (a continuation needs a message to
//!   continue, a new message cannot start inside another) and the §5.5 rules for
//!   control frames (at most 125 bytes, never fragmented, allowed *between*
//!   fragments — otherwise a ping would wait behind a large message);
//! - [`Utf8Validator`] checks text as it arrives, across fragment boundaries, and
//!   fails on the first impossible byte (§8.1, close code 1007);
//! - [`Limits`] refuses a frame or message that is too large from its header
//!   alone (§10.4, close code 1009): a 2^63-byte length allocates nothing;
//! - [`Decoder`] puts chapters 03–05 together: bytes in, [`Event`]s out.
//!
//! # Layout
//! - [`utf8`] — the incremental validator.
//! - [`message`] — [`Message`], [`Limits`], [`MessageError`], [`Assembler`].
//! - [`decoder`] — [`Decoder`], [`Event`], [`DecodeError`], blocking [`read_event`].
//! - [`send`] — sending a message, whole or in fragments of a given size.
//! - Everything from chapters 02–04 is re-exported.
#![forbid(unsafe_code)]

pub mod decoder;
pub mod message;
pub mod send;
pub mod utf8;

pub use ch04_masking::*;
pub use decoder::{DecodeError, Decoder, Event, ReadError, read_event};
pub use message::{Assembler, Limits, Message, MessageError, MessageKind, Pushed};
pub use send::{encode_message, fragment};
pub use utf8::{Utf8Error, Utf8Validator};
