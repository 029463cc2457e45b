//! Echo benchmark: the chapter 07 server against a tungstenite server of the
//! same shape (a thread per connection, blocking `std::net`), measured in the
//! same run by the same load generator.
//!
//! # Layout
//! - [`servers`] — the tungstenite echo server, run as a child process of the
//!   `benchmarks` binary, as the `ch07-close` binary is: neither shares a
//!   process with the load generator.
//! - [`load`] — the load generator: N connections × M messages of S bytes, each
//!   echo awaited before the next message is sent.
#![forbid(unsafe_code)]

pub mod load;
pub mod servers;
