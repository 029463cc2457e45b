//! Capture timestamps, and the reference to the packet a byte came from.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as a capture records it: seconds and nanoseconds since the Unix epoch.
///
/// Serialised as a JSON number of seconds (`1700000000.123456`), like tshark's
/// `frame.time_epoch`. (An `f64` keeps microseconds exactly; nanosecond captures lose
/// the last digits in JSON, never in the library.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    pub secs: i64,
    /// Nanoseconds, `0..1_000_000_000`.
    pub nanos: u32,
}

impl Timestamp {
    /// Builds a timestamp, carrying nanoseconds over 1 s into the seconds.
    pub fn new(secs: i64, nanos: u64) -> Self {
        Timestamp {
            secs: secs.saturating_add(i64::try_from(nanos / 1_000_000_000).unwrap_or(i64::MAX)),
            nanos: (nanos % 1_000_000_000) as u32,
        }
    }

    /// The time now (for live traffic, e.g. the proxy).
    pub fn now() -> Self {
        match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp::new(
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
                u64::from(d.subsec_nanos()),
            ),
            Err(_) => Timestamp::default(),
        }
    }

    /// Seconds as a float (what the JSON output carries).
    pub fn as_secs_f64(self) -> f64 {
        self.secs as f64 + f64::from(self.nanos) / 1e9
    }

    /// The inverse of [`Timestamp::as_secs_f64`], rounded to the microsecond.
    pub fn from_secs_f64(value: f64) -> Self {
        if !value.is_finite() {
            return Timestamp::default();
        }
        let secs = value.floor();
        let micros = ((value - secs) * 1e6).round() as u64;
        Timestamp::new(secs as i64, micros * 1000)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}", self.secs, self.nanos / 1000)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_secs_f64())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        f64::deserialize(deserializer).map(Timestamp::from_secs_f64)
    }
}

/// Where a byte came from: the capture packet's number (1-based, as Wireshark counts)
/// and its time. Live traffic uses a running chunk counter for `number`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketRef {
    /// 1-based packet number in the capture.
    pub number: u64,
    /// When the packet was captured.
    pub time: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_nanoseconds_into_seconds() {
        assert_eq!(
            Timestamp::new(5, 2_500_000_000),
            Timestamp {
                secs: 7,
                nanos: 500_000_000
            }
        );
    }

    #[test]
    fn round_trips_microseconds_through_f64() {
        let t = Timestamp::new(1_700_000_000, 123_456_000);
        assert_eq!(Timestamp::from_secs_f64(t.as_secs_f64()), t);
        assert_eq!(t.to_string(), "1700000000.123456");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "1700000000.123456");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }
}
