//! Close frames: the status code and reason inside them (§5.5.1), which codes
//! may cross the wire (§7.4), and what each registered code means.

use std::fmt;

use ch06_ping_pong::Violation;

// ANCHOR: close_code
/// A close status code (§7.4.1), with the values RFC 6455 and the IANA registry
/// define, and `Other` for everything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// 1000: normal closure.
    Normal,
    /// 1001: going away (server shutting down, browser leaving the page).
    GoingAway,
    /// 1002: protocol error.
    ProtocolError,
    /// 1003: a kind of data the endpoint cannot accept.
    UnsupportedData,
    /// 1004: reserved, no meaning.
    Reserved,
    /// 1005: no status code was present (never sent on the wire).
    NoStatus,
    /// 1006: closed without a close frame (never sent on the wire).
    Abnormal,
    /// 1007: data inconsistent with the message type (text that is not UTF-8).
    InvalidPayload,
    /// 1008: a message violated the endpoint's policy.
    PolicyViolation,
    /// 1009: a message too big to process.
    MessageTooBig,
    /// 1010: the client needed an extension the server did not negotiate.
    MandatoryExtension,
    /// 1011: the server met an unexpected condition.
    InternalError,
    /// 1012: service restart (IANA registry, after RFC 6455).
    ServiceRestart,
    /// 1013: try again later (IANA registry, after RFC 6455).
    TryAgainLater,
    /// 1014: bad gateway (IANA registry, after RFC 6455).
    BadGateway,
    /// 1015: the TLS handshake failed (never sent on the wire).
    TlsHandshake,
    /// Any other value: 3000–4999 for applications, the rest unassigned.
    Other(u16),
}
// ANCHOR_END: close_code

impl From<u16> for CloseCode {
    fn from(code: u16) -> CloseCode {
        match code {
            1000 => CloseCode::Normal,
            1001 => CloseCode::GoingAway,
            1002 => CloseCode::ProtocolError,
            1003 => CloseCode::UnsupportedData,
            1004 => CloseCode::Reserved,
            1005 => CloseCode::NoStatus,
            1006 => CloseCode::Abnormal,
            1007 => CloseCode::InvalidPayload,
            1008 => CloseCode::PolicyViolation,
            1009 => CloseCode::MessageTooBig,
            1010 => CloseCode::MandatoryExtension,
            1011 => CloseCode::InternalError,
            1012 => CloseCode::ServiceRestart,
            1013 => CloseCode::TryAgainLater,
            1014 => CloseCode::BadGateway,
            1015 => CloseCode::TlsHandshake,
            other => CloseCode::Other(other),
        }
    }
}

impl From<CloseCode> for u16 {
    fn from(code: CloseCode) -> u16 {
        match code {
            CloseCode::Normal => 1000,
            CloseCode::GoingAway => 1001,
            CloseCode::ProtocolError => 1002,
            CloseCode::UnsupportedData => 1003,
            CloseCode::Reserved => 1004,
            CloseCode::NoStatus => 1005,
            CloseCode::Abnormal => 1006,
            CloseCode::InvalidPayload => 1007,
            CloseCode::PolicyViolation => 1008,
            CloseCode::MessageTooBig => 1009,
            CloseCode::MandatoryExtension => 1010,
            CloseCode::InternalError => 1011,
            CloseCode::ServiceRestart => 1012,
            CloseCode::TryAgainLater => 1013,
            CloseCode::BadGateway => 1014,
            CloseCode::TlsHandshake => 1015,
            CloseCode::Other(other) => other,
        }
    }
}

impl CloseCode {
    /// The code as a number.
    pub fn code(self) -> u16 {
        self.into()
    }

    /// One line for humans (the inspector shows it).
    pub fn meaning(self) -> &'static str {
        close_code_meaning(self.code())
    }

    /// Whether a close frame may carry this code (see [`is_valid_on_wire`]).
    pub fn is_valid_on_wire(self) -> bool {
        is_valid_on_wire(self.code())
    }
}

impl fmt::Display for CloseCode {
    /// `1000 (normal closure)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let meaning = self.meaning();
        let short = meaning.split(':').next().unwrap_or(meaning);
        write!(f, "{} ({short})", self.code())
    }
}

// ANCHOR: meaning
/// One line about any close code: the registered ones (1000–1015) by name, the
/// rest by the range they fall in (§7.4.2).
pub fn close_code_meaning(code: u16) -> &'static str {
    match code {
        1000 => "normal closure: the connection did what it was for",
        1001 => "going away: a server shutting down or a browser leaving the page",
        1002 => "protocol error: the peer broke a rule of RFC 6455",
        1003 => "unsupported data: a kind of message the endpoint cannot accept",
        1004 => "reserved: no meaning defined, must not be sent",
        1005 => "no status received: the close frame had no code (never sent on the wire)",
        1006 => "abnormal closure: TCP closed without a close frame (never sent on the wire)",
        1007 => "invalid payload data: e.g. a text message that is not UTF-8",
        1008 => "policy violation: a message broke the endpoint's policy",
        1009 => "message too big: more than the endpoint will process",
        1010 => "mandatory extension: the server did not agree to an extension the client needs",
        1011 => "internal error: the server met an unexpected condition",
        1012 => "service restart: the server is restarting (IANA registry)",
        1013 => "try again later: the server is overloaded (IANA registry)",
        1014 => "bad gateway: a gateway got an invalid response upstream (IANA registry)",
        1015 => {
            "TLS handshake failure: the certificate could not be verified (never sent on the wire)"
        }
        0..=999 => "unused: codes below 1000 are not used",
        1016..=2999 => "reserved for future revisions of RFC 6455",
        3000..=3999 => "registered with IANA for libraries, frameworks and applications",
        4000..=4999 => "private use: meaning agreed between the two applications",
        _ => "not a close code: the range ends at 4999",
    }
}
// ANCHOR_END: meaning

// ANCHOR: valid_on_wire
/// Whether a close frame may carry `code`.
///
/// §7.4.1 defines 1000–1003 and 1007–1011 for use on the wire and says of 1005,
/// 1006 and 1015 that they "MUST NOT be set as a status code in a Close control
/// frame by an endpoint"; 1004 is reserved. §7.4.2: 0–999 "are not used",
/// 1000–2999 are "reserved for definition by this protocol" (so a code this RFC
/// does not define is not one a peer may send), 3000–4999 are for applications.
/// 1012–1014 were registered later; like Autobahn|Testsuite we hold to the RFC's
/// list and refuse them.
pub fn is_valid_on_wire(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}
// ANCHOR_END: valid_on_wire

/// What a close frame's body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosePayload {
    /// The status code; `None` when the body was empty.
    pub code: Option<CloseCode>,
    /// The reason, possibly empty.
    pub reason: String,
}

/// A rule a close frame's body breaks, or a close we refuse to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseError {
    /// A 1-byte body: too short for a code, too long for none (§5.5.1).
    OneBytePayload,
    /// A code that may not appear in a close frame (§7.4).
    InvalidCode(u16),
    /// The reason is not UTF-8 (§5.5.1).
    ReasonNotUtf8,
    /// The reason is over 123 bytes: with the code it would not fit a control
    /// frame's 125 (§5.5).
    ReasonTooLong(usize),
}

impl CloseError {
    /// The variant's name, as the inspector shows it.
    pub fn rule(&self) -> &'static str {
        match self {
            CloseError::OneBytePayload => "OneByteClosePayload",
            CloseError::InvalidCode(_) => "InvalidCloseCode",
            CloseError::ReasonNotUtf8 => "CloseReasonNotUtf8",
            CloseError::ReasonTooLong(_) => "CloseReasonTooLong",
        }
    }

    /// The section that states the rule.
    pub fn section(&self) -> &'static str {
        match self {
            CloseError::OneBytePayload | CloseError::ReasonNotUtf8 => "5.5.1",
            CloseError::InvalidCode(_) => "7.4",
            CloseError::ReasonTooLong(_) => "5.5",
        }
    }

    /// 1007 for a reason that is not UTF-8 (like any text), 1002 otherwise.
    pub fn close_code(&self) -> u16 {
        match self {
            CloseError::ReasonNotUtf8 => 1007,
            _ => 1002,
        }
    }
}

impl fmt::Display for CloseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloseError::OneBytePayload => {
                f.write_str("a close frame body of 1 byte: a code needs 2")
            }
            CloseError::InvalidCode(code) => write!(
                f,
                "close code {code} may not be sent ({})",
                close_code_meaning(*code)
            ),
            CloseError::ReasonNotUtf8 => f.write_str("the close reason is not UTF-8"),
            CloseError::ReasonTooLong(len) => {
                write!(f, "a close reason of {len} bytes; the limit is 123")
            }
        }
    }
}

impl std::error::Error for CloseError {}

impl From<CloseError> for Violation {
    fn from(error: CloseError) -> Violation {
        Violation {
            rule: error.rule(),
            section: error.section(),
            close_code: error.close_code(),
            message: error.to_string(),
        }
    }
}

// ANCHOR: parse_close
/// Reads a received close frame's body.
///
/// §5.5.1: "If there is a body, the first two bytes of the body MUST be a 2-byte
/// unsigned integer (in network byte order) representing a status code with value
/// /code/ defined in Section 7.4. Following the 2-byte integer, the body MAY
/// contain UTF-8-encoded data with value /reason/". The body is at most 125
/// bytes: chapter 05 already refused longer control frames.
pub fn parse_close_payload(payload: &[u8]) -> Result<ClosePayload, CloseError> {
    let (code, reason) = match payload {
        [] => {
            return Ok(ClosePayload {
                code: None,
                reason: String::new(),
            });
        }
        [_] => return Err(CloseError::OneBytePayload),
        [high, low, reason @ ..] => (u16::from_be_bytes([*high, *low]), reason),
    };
    if !is_valid_on_wire(code) {
        return Err(CloseError::InvalidCode(code));
    }
    let reason = std::str::from_utf8(reason).map_err(|_| CloseError::ReasonNotUtf8)?;
    Ok(ClosePayload {
        code: Some(CloseCode::from(code)),
        reason: reason.to_string(),
    })
}
// ANCHOR_END: parse_close

/// Checks a close we are about to send: a code a peer would accept, a reason
/// that fits.
pub fn check_outgoing_close(code: u16, reason: &str) -> Result<(), CloseError> {
    if !is_valid_on_wire(code) {
        return Err(CloseError::InvalidCode(code));
    }
    if reason.len() > 123 {
        return Err(CloseError::ReasonTooLong(reason.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_the_enum() {
        for code in 0..=u16::MAX {
            assert_eq!(u16::from(CloseCode::from(code)), code);
        }
        assert_eq!(CloseCode::from(1000), CloseCode::Normal);
        assert_eq!(CloseCode::from(4321), CloseCode::Other(4321));
    }

    #[test]
    fn code_validation_table() {
        // (code, may it appear in a close frame?)
        let table = [
            (0, false),
            (999, false),
            (1000, true),
            (1001, true),
            (1002, true),
            (1003, true),
            (1004, false),
            (1005, false),
            (1006, false),
            (1007, true),
            (1008, true),
            (1009, true),
            (1010, true),
            (1011, true),
            (1012, false),
            (1013, false),
            (1014, false),
            (1015, false),
            (1016, false),
            (1100, false),
            (2000, false),
            (2999, false),
            (3000, true),
            (3999, true),
            (4000, true),
            (4999, true),
            (5000, false),
            (65535, false),
        ];
        for (code, valid) in table {
            assert_eq!(is_valid_on_wire(code), valid, "{code}");
            let parsed = parse_close_payload(&code.to_be_bytes());
            if valid {
                assert_eq!(parsed.unwrap().code, Some(CloseCode::from(code)));
            } else {
                let error = parsed.unwrap_err();
                assert_eq!(error, CloseError::InvalidCode(code));
                assert_eq!(error.close_code(), 1002);
            }
        }
    }

    #[test]
    fn bodies_of_each_shape() {
        assert_eq!(
            parse_close_payload(b""),
            Ok(ClosePayload {
                code: None,
                reason: String::new()
            })
        );
        assert_eq!(
            parse_close_payload(b"\x03"),
            Err(CloseError::OneBytePayload)
        );
        assert_eq!(
            parse_close_payload(b"\x03\xe8bye"),
            Ok(ClosePayload {
                code: Some(CloseCode::Normal),
                reason: "bye".into()
            })
        );
        let error = parse_close_payload(
            b"\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80",
        )
        .unwrap_err();
        assert_eq!(error, CloseError::ReasonNotUtf8);
        assert_eq!(error.close_code(), 1007);
        let mut longest = vec![0x03, 0xe8];
        longest.extend(std::iter::repeat_n(b'a', 123));
        assert_eq!(parse_close_payload(&longest).unwrap().reason.len(), 123);
    }

    #[test]
    fn outgoing_closes_are_checked() {
        assert_eq!(check_outgoing_close(1000, &"a".repeat(123)), Ok(()));
        assert_eq!(
            check_outgoing_close(1000, &"a".repeat(124)),
            Err(CloseError::ReasonTooLong(124))
        );
        assert_eq!(
            check_outgoing_close(1005, ""),
            Err(CloseError::InvalidCode(1005))
        );
    }

    #[test]
    fn every_registered_code_has_its_own_line() {
        let lines: std::collections::HashSet<_> = (1000..=1015).map(close_code_meaning).collect();
        assert_eq!(lines.len(), 16);
        assert_eq!(CloseCode::Normal.to_string(), "1000 (normal closure)");
        assert_eq!(CloseCode::Abnormal.to_string(), "1006 (abnormal closure)");
    }
}
