//! The heartbeat: ping a peer that has gone quiet, time the pong, give up on a
//! peer that never answers.
//!
//! Everything here takes the current time as an argument (`now: Instant`) instead
//! of reading a clock, so a test can jump ten seconds ahead with `t0 + 10 s`
//! instead of sleeping for ten seconds.

use std::time::{Duration, Instant};

// ANCHOR: heartbeat
/// How often to check that the peer is still there.
///
/// §5.5.2: "A Ping frame MAY serve either as a keepalive or as a means to verify
/// that the remote endpoint is still responsive." Without it, a peer that vanished
/// without closing TCP (a laptop lid shut, a cable pulled, a NAT that forgot the
/// connection) looks exactly like a peer with nothing to say, forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// Send a ping when nothing has arrived from the peer for this long.
    pub interval: Duration,
    /// Give up on the peer when a ping has not been answered for this long.
    pub timeout: Duration,
}
// ANCHOR_END: heartbeat

impl Default for Heartbeat {
    /// Ping after 20 s of silence, give up 10 s later.
    fn default() -> Heartbeat {
        Heartbeat {
            interval: Duration::from_secs(20),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Counters for one connection, for logs and the browser page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PingStats {
    /// Pings we sent (heartbeat or on request).
    pub pings_sent: u64,
    /// Pongs that answered one of our pings.
    pub pongs_received: u64,
    /// Pings the peer sent us.
    pub pings_received: u64,
    /// Pings we did not answer because a later ping replaced them (§5.5.3 allows it).
    pub pings_coalesced: u64,
    /// Pongs that answered nothing we sent (§5.5.3: ignored).
    pub unsolicited_pongs: u64,
    /// The round-trip time of the latest answered ping.
    pub last_rtt: Option<Duration>,
}

/// The ping we are waiting to hear back about.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outstanding {
    payload: Vec<u8>,
    sent_at: Instant,
}

/// What the heartbeat wants done when the clock reaches its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Beat {
    /// Nothing yet.
    Wait,
    /// The peer has been quiet for `interval`: send a ping with this payload.
    SendPing(Vec<u8>),
    /// Our ping went unanswered for `timeout`: the peer is gone.
    PeerUnresponsive {
        /// How long ago the ping went out.
        waited: Duration,
    },
}

// ANCHOR: tracker
/// Remembers the ping in flight and the counters. At most one of our pings is
/// outstanding at a time, so a pong either answers it (same payload) or
/// answers nothing.
#[derive(Debug, Clone, Default)]
pub struct PingTracker {
    next_number: u64,
    outstanding: Option<Outstanding>,
    stats: PingStats,
}

impl PingTracker {
    /// No ping sent yet.
    pub fn new() -> PingTracker {
        PingTracker::default()
    }

    /// A payload for our next ping: `heartbeat 1`, `heartbeat 2`, ... Readable
    /// in a capture, and different every time, so a late pong for an old ping
    /// cannot be mistaken for the answer to the new one.
    pub fn next_payload(&mut self) -> Vec<u8> {
        self.next_number += 1;
        format!("heartbeat {}", self.next_number).into_bytes()
    }

    /// We sent a ping with `payload` at `now`; its pong is the one we wait for.
    pub fn ping_sent(&mut self, payload: Vec<u8>, now: Instant) {
        self.stats.pings_sent += 1;
        self.outstanding = Some(Outstanding {
            payload,
            sent_at: now,
        });
    }

    /// A pong arrived at `now`. Returns the round-trip time if it answers our
    /// outstanding ping.
    ///
    /// §5.5.3: "A Pong frame sent in response to a Ping frame must have identical
    /// "Application data" as found in the message body of the Ping frame being
    /// replied to." and "A Pong frame MAY be sent unsolicited. This serves as a
    /// unidirectional heartbeat. A response to an unsolicited Pong frame is not
    /// expected." So a pong that matches nothing is counted and otherwise ignored.
    pub fn pong_received(&mut self, payload: &[u8], now: Instant) -> Option<Duration> {
        match &self.outstanding {
            Some(ping) if ping.payload == payload => {
                let rtt = now.saturating_duration_since(ping.sent_at);
                self.outstanding = None;
                self.stats.pongs_received += 1;
                self.stats.last_rtt = Some(rtt);
                Some(rtt)
            }
            _ => {
                self.stats.unsolicited_pongs += 1;
                None
            }
        }
    }

    /// The peer pinged us (for the counters).
    pub fn ping_received(&mut self) {
        self.stats.pings_received += 1;
    }

    /// A ping of the peer's went unanswered because a later one replaced it.
    pub fn ping_coalesced(&mut self) {
        self.stats.pings_coalesced += 1;
    }

    /// What to do at `now`, given when we last heard anything from the peer.
    pub fn beat(&mut self, heartbeat: &Heartbeat, last_heard: Instant, now: Instant) -> Beat {
        match &self.outstanding {
            Some(ping) => {
                let waited = now.saturating_duration_since(ping.sent_at);
                if waited >= heartbeat.timeout {
                    Beat::PeerUnresponsive { waited }
                } else {
                    Beat::Wait
                }
            }
            None if now.saturating_duration_since(last_heard) >= heartbeat.interval => {
                Beat::SendPing(self.next_payload())
            }
            None => Beat::Wait,
        }
    }

    /// When [`PingTracker::beat`] will next have something to do.
    pub fn deadline(&self, heartbeat: &Heartbeat, last_heard: Instant) -> Instant {
        match &self.outstanding {
            Some(ping) => ping.sent_at + heartbeat.timeout,
            None => last_heard + heartbeat.interval,
        }
    }

    /// `true` while one of our pings waits for its pong.
    pub fn is_waiting(&self) -> bool {
        self.outstanding.is_some()
    }

    /// The counters so far.
    pub fn stats(&self) -> PingStats {
        self.stats
    }
}
// ANCHOR_END: tracker

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn heartbeat() -> Heartbeat {
        Heartbeat {
            interval: 10 * SECOND,
            timeout: 5 * SECOND,
        }
    }

    #[test]
    fn pings_only_after_the_interval_of_silence() {
        let t0 = Instant::now();
        let mut tracker = PingTracker::new();
        assert_eq!(tracker.beat(&heartbeat(), t0, t0 + 9 * SECOND), Beat::Wait);
        assert_eq!(tracker.deadline(&heartbeat(), t0), t0 + 10 * SECOND);
        assert_eq!(
            tracker.beat(&heartbeat(), t0, t0 + 10 * SECOND),
            Beat::SendPing(b"heartbeat 1".to_vec())
        );
    }

    #[test]
    fn a_matching_pong_gives_the_round_trip_time() {
        let t0 = Instant::now();
        let mut tracker = PingTracker::new();
        tracker.ping_sent(b"heartbeat 1".to_vec(), t0);
        assert!(tracker.is_waiting());
        let rtt = tracker.pong_received(b"heartbeat 1", t0 + Duration::from_millis(42));
        assert_eq!(rtt, Some(Duration::from_millis(42)));
        assert!(!tracker.is_waiting());
        assert_eq!(tracker.stats().last_rtt, Some(Duration::from_millis(42)));
        assert_eq!(tracker.stats().pongs_received, 1);
    }

    #[test]
    fn a_pong_with_another_payload_is_unsolicited() {
        let t0 = Instant::now();
        let mut tracker = PingTracker::new();
        assert_eq!(tracker.pong_received(b"hello", t0), None);
        tracker.ping_sent(b"heartbeat 1".to_vec(), t0);
        assert_eq!(tracker.pong_received(b"heartbeat 0", t0), None);
        assert!(tracker.is_waiting(), "the real ping is still outstanding");
        assert_eq!(tracker.stats().unsolicited_pongs, 2);
    }

    #[test]
    fn an_unanswered_ping_times_out() {
        let t0 = Instant::now();
        let mut tracker = PingTracker::new();
        tracker.ping_sent(b"heartbeat 1".to_vec(), t0);
        // Hearing other traffic does not answer the ping.
        let later = t0 + 4 * SECOND;
        assert_eq!(tracker.beat(&heartbeat(), later, later), Beat::Wait);
        assert_eq!(tracker.deadline(&heartbeat(), later), t0 + 5 * SECOND);
        assert_eq!(
            tracker.beat(&heartbeat(), later, t0 + 6 * SECOND),
            Beat::PeerUnresponsive { waited: 6 * SECOND }
        );
    }

    #[test]
    fn payloads_differ_from_ping_to_ping() {
        let mut tracker = PingTracker::new();
        assert_ne!(tracker.next_payload(), tracker.next_payload());
    }
}
