//! ws-inspector: decodes WebSocket traffic (work in progress).
#![forbid(unsafe_code)]

pub mod capture;
pub mod deflate;
pub mod ip;
pub mod link;
pub mod model;
pub mod pcap;
pub mod pcapng;
pub mod reassembly;
pub mod synth;
pub mod tcp;
pub mod time;
pub mod websocket;
