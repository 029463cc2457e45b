//! Counting the bytes of a connection by wrapping it, not by changing it.
//!
//! The registry lists how many bytes each client sent and received. Chapter 06's
//! driver talks to its connection only through the [`SansIo`] trait: bytes in
//! (`receive`), bytes out (`take_outgoing`). So a wrapper that implements the same trait,
//! counts, and passes everything on to chapter 07's connection sees every byte on the
//! wire, and neither chapter 06 nor chapter 07 changes. That is one payoff of keeping
//! the protocol free of I/O: things can be stacked around it.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::SansIo;

/// Bytes that crossed one connection, readable from any thread while it runs.
#[derive(Debug, Default)]
pub struct Traffic {
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
}

impl Traffic {
    /// Bytes received from the peer (frames, after the handshake).
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in.load(Ordering::Relaxed)
    }

    /// Bytes handed to the socket for the peer (frames, after the handshake).
    pub fn bytes_out(&self) -> u64 {
        self.bytes_out.load(Ordering::Relaxed)
    }
}

// ANCHOR: metered
/// A sans-I/O connection whose bytes are counted in a shared [`Traffic`].
///
/// It dereferences to the connection inside, so `sender.with(|c| c.send(&message))`
/// reads the same as without it.
#[derive(Debug)]
pub struct Metered<C> {
    inner: C,
    traffic: Arc<Traffic>,
}

impl<C> Metered<C> {
    /// Wraps `inner`, counting into `traffic`.
    pub fn new(inner: C, traffic: Arc<Traffic>) -> Metered<C> {
        Metered { inner, traffic }
    }
}

impl<C: SansIo> SansIo for Metered<C> {
    type Event = C::Event;

    fn receive(&mut self, bytes: &[u8], now: Instant) {
        self.traffic
            .bytes_in
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.inner.receive(bytes, now);
    }

    fn take_outgoing(&mut self, out: &mut Vec<u8>) {
        let before = out.len();
        self.inner.take_outgoing(out);
        let added = out.len().saturating_sub(before) as u64;
        self.traffic.bytes_out.fetch_add(added, Ordering::Relaxed);
    }

    // The rest passes straight through.
    fn receive_eof(&mut self, now: Instant) {
        self.inner.receive_eof(now);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.inner.handle_timeout(now);
    }
    fn next_event(&mut self) -> Option<C::Event> {
        self.inner.next_event()
    }
    fn next_deadline(&self) -> Option<Instant> {
        self.inner.next_deadline()
    }
    fn wants_tcp_close(&self) -> bool {
        self.inner.wants_tcp_close()
    }
    fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}
// ANCHOR_END: metered

impl<C> Deref for Metered<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.inner
    }
}

impl<C> DerefMut for Metered<C> {
    fn deref_mut(&mut self) -> &mut C {
        &mut self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Connection, Frame, Message, Role, encode_frame};

    #[test]
    fn counts_what_goes_in_and_out() {
        let now = Instant::now();
        let traffic = Arc::new(Traffic::default());
        let mut connection = Connection::new(Role::Server, Config::default(), now);
        connection.open();
        let mut metered = Metered::new(connection, Arc::clone(&traffic));
        let hello = encode_frame(Role::Client, &Frame::text("hello"));
        metered.receive(&hello, now);
        assert_eq!(traffic.bytes_in(), 11, "2 header + 4 mask + 5 payload");
        assert!(matches!(
            metered.next_event(),
            Some(crate::Event::Message(_))
        ));
        metered.send(&Message::text("hello back")).unwrap();
        let mut out = Vec::new();
        metered.take_outgoing(&mut out);
        assert_eq!(out.len(), 12);
        assert_eq!(traffic.bytes_out(), 12, "2 header + 10 payload, unmasked");
    }
}
