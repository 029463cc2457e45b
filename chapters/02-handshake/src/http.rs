//! Sans-I/O parsing of an HTTP/1.1 message head: the request or status line and the
//! header fields, up to the empty line that ends them.
//!
//! Nothing here touches a socket. [`parse_request`] and [`parse_response`] take whatever
//! bytes have arrived so far and answer one of three things:
//! - `Ok(None)` — the head is not complete yet: read more and call again;
//! - `Ok(Some((head, n)))` — the head is complete and took `n` bytes; `buf[n..]` is
//!   whatever came after it (for a WebSocket, the first frames), which must not be lost;
//! - `Err(error)` — these bytes can never become a valid head.
//!
//! The same functions parse a live socket's bytes (see [`crate::reader`]) and bytes the
//! inspector reassembled from a capture, so they must be pure, bounded and never panic.
//! Syntax comes from RFC 9112 (HTTP/1.1 message syntax) and RFC 9110 (field values).

use std::borrow::Cow;
use std::fmt;

/// Upper bounds on a message head, checked while parsing so a peer cannot make us buffer
/// without end. A real browser's handshake is well under 1 KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadLimits {
    /// The whole head, start line through the empty line, in bytes.
    pub max_head_bytes: usize,
    /// Header field lines.
    pub max_headers: usize,
}

impl Default for HeadLimits {
    /// 8 KiB and 64 headers: generous for a handshake, small enough to refuse abuse.
    fn default() -> Self {
        HeadLimits {
            max_head_bytes: 8192,
            max_headers: 64,
        }
    }
}

/// Why bytes are not (or did not become) an HTTP head. [`HttpError::status`] is the status
/// a server answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpError {
    /// The head did not end within `limit` bytes (431 Request Header Fields Too Large).
    HeadTooLarge {
        /// [`HeadLimits::max_head_bytes`].
        limit: usize,
    },
    /// More than `limit` header lines (431 Request Header Fields Too Large).
    TooManyHeaders {
        /// [`HeadLimits::max_headers`].
        limit: usize,
    },
    /// The request line is not `METHOD SP request-target SP HTTP-version` (RFC 9112 §3).
    InvalidRequestLine(String),
    /// The status line is not `HTTP-version SP 3DIGIT SP reason` (RFC 9112 §4).
    InvalidStatusLine(String),
    /// The version is not `HTTP/DIGIT.DIGIT` (RFC 9112 §2.3).
    InvalidVersion(String),
    /// A header line with no colon, or whose name is not a token (RFC 9112 §5).
    InvalidHeaderLine(String),
    /// Whitespace between a header name and its colon, which RFC 9112 §5.1 says a server
    /// MUST reject with 400: proxies disagree about what such a line means.
    WhitespaceBeforeColon(String),
    /// A header line that starts with whitespace: obsolete line folding, which RFC 9112
    /// §5.2 lets a server reject with 400.
    ObsoleteLineFolding(String),
    /// A control character (NUL, a CR not before LF, DEL, ...) in the head (RFC 9110 §5.5).
    ControlCharacter {
        /// Its offset in the buffer.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// The peer closed the connection before the head was complete.
    ConnectionClosed {
        /// How many bytes had arrived.
        received: usize,
    },
    /// The head was not complete before the handshake deadline (408 Request Timeout).
    Timeout {
        /// The deadline that passed.
        after: std::time::Duration,
    },
    /// Reading from the socket failed.
    Io {
        /// The error's kind.
        kind: std::io::ErrorKind,
        /// The error's message.
        message: String,
    },
}

impl HttpError {
    /// The HTTP status a server answers this with: 431 for the limits, 408 for the
    /// deadline, 400 for everything malformed.
    pub fn status(&self) -> u16 {
        match self {
            HttpError::HeadTooLarge { .. } | HttpError::TooManyHeaders { .. } => 431,
            HttpError::Timeout { .. } => 408,
            _ => 400,
        }
    }

    /// Whether an answer can still reach the peer: not after it closed or the socket failed.
    pub fn deserves_response(&self) -> bool {
        !matches!(
            self,
            HttpError::ConnectionClosed { .. } | HttpError::Io { .. }
        )
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::HeadTooLarge { limit } => {
                write!(f, "request head larger than {limit} bytes")
            }
            HttpError::TooManyHeaders { limit } => write!(f, "more than {limit} header fields"),
            HttpError::InvalidRequestLine(line) => {
                write!(
                    f,
                    "malformed request line {line:?} (expected METHOD /path HTTP/1.1)"
                )
            }
            HttpError::InvalidStatusLine(line) => {
                write!(
                    f,
                    "malformed status line {line:?} (expected HTTP/1.1 NNN reason)"
                )
            }
            HttpError::InvalidVersion(version) => write!(f, "malformed HTTP version {version:?}"),
            HttpError::InvalidHeaderLine(line) => write!(f, "malformed header line {line:?}"),
            HttpError::WhitespaceBeforeColon(line) => {
                write!(f, "whitespace between header name and colon in {line:?}")
            }
            HttpError::ObsoleteLineFolding(line) => {
                write!(
                    f,
                    "obsolete line folding (header line starts with whitespace): {line:?}"
                )
            }
            HttpError::ControlCharacter { offset, byte } => {
                write!(
                    f,
                    "control character 0x{byte:02x} at byte {offset} of the head"
                )
            }
            HttpError::ConnectionClosed { received } => {
                write!(
                    f,
                    "connection closed after {received} bytes, before the head was complete"
                )
            }
            HttpError::Timeout { after } => {
                write!(f, "head not complete within {:.1} s", after.as_secs_f64())
            }
            HttpError::Io { message, .. } => write!(f, "read failed: {message}"),
        }
    }
}

impl std::error::Error for HttpError {}

impl From<std::io::Error> for HttpError {
    fn from(error: std::io::Error) -> Self {
        HttpError::Io {
            kind: error.kind(),
            message: error.to_string(),
        }
    }
}

/// A parsed request head: `GET /chat HTTP/1.1` and its header fields, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ... (case-sensitive, RFC 9110 §9.1).
    pub method: String,
    /// The request target as sent, query included: `/chat?room=1`.
    pub target: String,
    /// `HTTP/1.1`.
    pub version: String,
    /// Header fields in arrival order, names as sent (compare them case-insensitively).
    pub headers: Vec<(String, String)>,
}

/// A parsed response head: `HTTP/1.1 101 Switching Protocols` and its header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `HTTP/1.1`.
    pub version: String,
    /// `101`.
    pub status: u16,
    /// `Switching Protocols` (may be empty; it means nothing to a program).
    pub reason: String,
    /// Header fields in arrival order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first value of header `name`, compared case-insensitively (`Upgrade` = `upgrade`).
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// Every element of a comma-separated list header, across repeated fields:
    /// `Connection: keep-alive, Upgrade` gives `keep-alive`, `Upgrade`.
    pub fn header_values(&self, name: &str) -> impl Iterator<Item = &str> {
        list_header(&self.headers, name)
    }

    /// How many times header `name` appears.
    pub fn header_count(&self, name: &str) -> usize {
        count_header(&self.headers, name)
    }

    /// The target without its query: `/chat?room=1` gives `/chat`.
    pub fn path(&self) -> &str {
        path_of(&self.target)
    }
}

impl Response {
    /// The first value of header `name`, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        first_header(&self.headers, name)
    }

    /// Every element of a comma-separated list header, across repeated fields.
    pub fn header_values(&self, name: &str) -> impl Iterator<Item = &str> {
        list_header(&self.headers, name)
    }

    /// How many times header `name` appears.
    pub fn header_count(&self, name: &str) -> usize {
        count_header(&self.headers, name)
    }
}

/// How many fields named `name` (case-insensitively) `headers` has.
fn count_header(headers: &[(String, String)], name: &str) -> usize {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .count()
}

/// The path part of a request target: everything before `?` (and `#`, which a client
/// should not send).
pub fn path_of(target: &str) -> &str {
    target.split(['?', '#']).next().unwrap_or(target)
}

fn first_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

fn list_header<'a, 'n>(
    headers: &'a [(String, String)],
    name: &'n str,
) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .flat_map(|(_, value)| split_list(value))
}

/// Splits a comma-separated header value into its elements (RFC 9110 §5.6.1): trims
/// spaces and tabs around each, skips empty elements (`a, , b`), and does not split
/// inside a quoted string (`foo; x="a,b"` is one element).
pub fn split_list(value: &str) -> impl Iterator<Item = &str> {
    ListElements { rest: value }
}

#[derive(Debug)]
struct ListElements<'a> {
    rest: &'a str,
}

impl<'a> Iterator for ListElements<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        while !self.rest.is_empty() {
            let mut in_quotes = false;
            let mut escaped = false;
            let mut end = self.rest.len();
            for (index, c) in self.rest.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' if in_quotes => escaped = true,
                    '"' => in_quotes = !in_quotes,
                    ',' if !in_quotes => {
                        end = index;
                        break;
                    }
                    _ => {}
                }
            }
            let element = self.rest[..end].trim_matches([' ', '\t']);
            self.rest = self.rest.get(end + 1..).unwrap_or("");
            if !element.is_empty() {
                return Some(element);
            }
        }
        None
    }
}

/// Whether `s` is a `token` (RFC 9110 §5.6.2): one or more of
/// ``!#$%&'*+-.^_`|~``, digits and letters. Methods, header names and subprotocol names
/// are tokens.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

fn is_tchar(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Parses a request head from the start of `buf`. See the [module docs](self) for what
/// `Ok(None)` and the returned length mean.
pub fn parse_request(
    buf: &[u8],
    limits: &HeadLimits,
) -> Result<Option<(Request, usize)>, HttpError> {
    let Some(head) = split_head(buf, limits)? else {
        return Ok(None);
    };
    let (method, target, version) = parse_request_line(&head.start_line)?;
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        version: version.to_string(),
        headers: head.headers,
    };
    Ok(Some((request, head.consumed)))
}

/// Parses a response head from the start of `buf`. See the [module docs](self).
pub fn parse_response(
    buf: &[u8],
    limits: &HeadLimits,
) -> Result<Option<(Response, usize)>, HttpError> {
    let Some(head) = split_head(buf, limits)? else {
        return Ok(None);
    };
    let (version, status, reason) = parse_status_line(&head.start_line)?;
    let response = Response {
        version: version.to_string(),
        status,
        reason: reason.to_string(),
        headers: head.headers,
    };
    Ok(Some((response, head.consumed)))
}

/// A complete head, cut into its start line and header fields.
struct Head<'a> {
    start_line: Cow<'a, str>,
    headers: Vec<(String, String)>,
    consumed: usize,
}

/// Finds the end of the head (an empty line), checking each line as it completes, so
/// bytes that can never be HTTP (a TLS hello, binary noise) fail at once instead of
/// waiting for 8 KiB or the deadline.
fn split_head<'a>(buf: &'a [u8], limits: &HeadLimits) -> Result<Option<Head<'a>>, HttpError> {
    // Only the first max_head_bytes can belong to the head; that bounds all work here.
    let window = &buf[..buf.len().min(limits.max_head_bytes)];
    let mut start_line: Option<Cow<'a, str>> = None;
    let mut headers = Vec::new();
    let mut line_start = 0;
    loop {
        let rest = &window[line_start..];
        let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
            // The current line is incomplete: reject now if it already cannot be valid.
            check_line_bytes(rest, line_start, true)?;
            if buf.len() >= limits.max_head_bytes {
                return Err(HttpError::HeadTooLarge {
                    limit: limits.max_head_bytes,
                });
            }
            return Ok(None);
        };
        // RFC 9112 §2.2: lines end with CRLF, and "a recipient MAY recognize a single LF
        // as a line terminator and ignore any preceding CR". We do.
        let line = rest[..newline]
            .strip_suffix(b"\r")
            .unwrap_or(&rest[..newline]);
        check_line_bytes(line, line_start, false)?;
        line_start += newline + 1;
        // Every byte is now visible ASCII, space, tab, or >= 0x80 ("obs-text", RFC 9110
        // §5.5). Real handshakes are ASCII; anything else is kept, lossily, as UTF-8.
        let text = String::from_utf8_lossy(line);
        match start_line {
            None if line.is_empty() => {
                // RFC 9112 §2.2: "a server that is expecting to receive and parse a
                // request-line SHOULD ignore at least one empty line (CRLF) received
                // prior to the request-line".
            }
            None => start_line = Some(text),
            Some(start_line) if line.is_empty() => {
                return Ok(Some(Head {
                    start_line,
                    headers,
                    consumed: line_start,
                }));
            }
            Some(_) => {
                if headers.len() == limits.max_headers {
                    return Err(HttpError::TooManyHeaders {
                        limit: limits.max_headers,
                    });
                }
                headers.push(parse_header_line(&text)?);
            }
        }
    }
}

/// Rejects control characters: NUL and friends, DEL, and a CR that does not end the
/// line. (A trailing CR of an incomplete line may still be followed by its LF.)
fn check_line_bytes(line: &[u8], offset: usize, incomplete: bool) -> Result<(), HttpError> {
    for (index, &byte) in line.iter().enumerate() {
        let trailing_cr = byte == b'\r' && incomplete && index + 1 == line.len();
        let allowed = byte == b'\t' || byte >= 0x20 && byte != 0x7f || trailing_cr;
        if !allowed {
            return Err(HttpError::ControlCharacter {
                offset: offset + index,
                byte,
            });
        }
    }
    Ok(())
}

/// At most this many characters of a bad line go into an error message (and a log line).
const SHOWN: usize = 80;

fn shorten(line: &str) -> String {
    match line.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_string(),
    }
}

/// `GET /chat HTTP/1.1` → (`GET`, `/chat`, `HTTP/1.1`).
fn parse_request_line(line: &str) -> Result<(&str, &str, &str), HttpError> {
    // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HttpError::InvalidRequestLine(shorten(line)));
    };
    if !is_token(method) || target.is_empty() || target.contains('\t') {
        return Err(HttpError::InvalidRequestLine(shorten(line)));
    }
    check_version(version)?;
    Ok((method, target, version))
}

/// `HTTP/1.1 101 Switching Protocols` → (`HTTP/1.1`, 101, `Switching Protocols`).
fn parse_status_line(line: &str) -> Result<(&str, u16, &str), HttpError> {
    // RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    // (A missing final SP is accepted: some servers send `HTTP/1.1 101`.)
    let mut parts = line.splitn(3, ' ');
    let (Some(version), Some(code)) = (parts.next(), parts.next()) else {
        return Err(HttpError::InvalidStatusLine(shorten(line)));
    };
    check_version(version)?;
    let status = match code.parse::<u16>() {
        Ok(status)
            if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) && status >= 100 =>
        {
            status
        }
        _ => return Err(HttpError::InvalidStatusLine(shorten(line))),
    };
    Ok((version, status, parts.next().unwrap_or("")))
}

/// RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT
fn check_version(version: &str) -> Result<(), HttpError> {
    match version.strip_prefix("HTTP/").map(str::as_bytes) {
        Some([major, b'.', minor]) if major.is_ascii_digit() && minor.is_ascii_digit() => Ok(()),
        _ => Err(HttpError::InvalidVersion(shorten(version))),
    }
}

/// `Name: value` → (`Name`, `value`), value trimmed of spaces and tabs.
fn parse_header_line(line: &str) -> Result<(String, String), HttpError> {
    if line.starts_with([' ', '\t']) {
        return Err(HttpError::ObsoleteLineFolding(shorten(line)));
    }
    let Some((name, value)) = line.split_once(':') else {
        return Err(HttpError::InvalidHeaderLine(shorten(line)));
    };
    // RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad
    // Request), any received request message that contains whitespace between a header
    // field name and colon."
    if name.ends_with([' ', '\t']) {
        return Err(HttpError::WhitespaceBeforeColon(shorten(line)));
    }
    if !is_token(name) {
        return Err(HttpError::InvalidHeaderLine(shorten(line)));
    }
    Ok((
        name.to_string(),
        value.trim_matches([' ', '\t']).to_string(),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;

    const CHROME: &[u8] = b"GET /chat?room=1 HTTP/1.1\r\n\
        Host: 127.0.0.1:8080\r\n\
        Connection: Upgrade\r\n\
        Pragma: no-cache\r\n\
        Upgrade: websocket\r\n\
        Origin: http://127.0.0.1:8080\r\n\
        Sec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
        \r\n";

    fn limits() -> HeadLimits {
        HeadLimits::default()
    }

    #[test]
    fn parses_a_browser_handshake() {
        let (request, consumed) = parse_request(CHROME, &limits()).unwrap().unwrap();
        assert_eq!(consumed, CHROME.len());
        assert_eq!(request.method, "GET");
        assert_eq!(request.target, "/chat?room=1");
        assert_eq!(request.path(), "/chat");
        assert_eq!(request.version, "HTTP/1.1");
        assert_eq!(request.headers.len(), 8);
        assert_eq!(request.header("upgrade"), Some("websocket"));
        assert_eq!(
            request.header("SEC-WEBSOCKET-KEY"),
            Some("dGhlIHNhbXBsZSBub25jZQ==")
        );
        assert_eq!(request.header("Cookie"), None);
    }

    #[test]
    fn every_prefix_needs_more_bytes_and_the_rest_is_left_over() {
        let mut bytes = CHROME.to_vec();
        bytes.extend_from_slice(b"\x81\x85frame");
        for cut in 0..CHROME.len() {
            assert_eq!(
                parse_request(&bytes[..cut], &limits()),
                Ok(None),
                "prefix of {cut} bytes"
            );
        }
        let (_, consumed) = parse_request(&bytes, &limits()).unwrap().unwrap();
        assert_eq!(&bytes[consumed..], b"\x81\x85frame");
    }

    #[test]
    fn bare_lf_line_ends_and_leading_empty_lines_are_accepted() {
        let (request, consumed) = parse_request(b"\r\nGET / HTTP/1.1\nHost: a\n\nrest", &limits())
            .unwrap()
            .unwrap();
        assert_eq!(request.target, "/");
        assert_eq!(request.header("host"), Some("a"));
        assert_eq!(consumed, 26);
    }

    #[test]
    fn list_headers_split_across_fields_and_respect_quotes() {
        let (request, _) = parse_request(
            b"GET / HTTP/1.1\r\nConnection: keep-alive,\tUpgrade\r\nconnection: ,close,\r\n\
              Sec-WebSocket-Extensions: a; x=\"1,2\", b\r\n\r\n",
            &limits(),
        )
        .unwrap()
        .unwrap();
        let connection: Vec<_> = request.header_values("Connection").collect();
        assert_eq!(connection, ["keep-alive", "Upgrade", "close"]);
        let extensions: Vec<_> = request.header_values("sec-websocket-extensions").collect();
        assert_eq!(extensions, ["a; x=\"1,2\"", "b"]);
        assert_eq!(request.header_count("CONNECTION"), 2);
        assert_eq!(request.header_values("Nope").count(), 0);
    }

    #[test]
    fn parses_responses() {
        let bytes = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x00";
        let (response, consumed) = parse_response(bytes, &limits()).unwrap().unwrap();
        assert_eq!(
            (response.version.as_str(), response.status),
            ("HTTP/1.1", 101)
        );
        assert_eq!(response.reason, "Switching Protocols");
        assert_eq!(response.header("UPGRADE"), Some("websocket"));
        assert_eq!(&bytes[consumed..], b"\x81\x00");
        let (response, _) = parse_response(b"HTTP/1.1 404\r\n\r\n", &limits())
            .unwrap()
            .unwrap();
        assert_eq!((response.status, response.reason.as_str()), (404, ""));
        let (response, _) = parse_response(b"HTTP/1.0 400 Bad  Request \r\n\r\n", &limits())
            .unwrap()
            .unwrap();
        assert_eq!(response.reason, "Bad  Request ");
    }

    #[test]
    fn malformed_heads_name_their_problem() {
        type Case = (&'static [u8], fn(&HttpError) -> bool);
        let cases: &[Case] = &[
            (b"GET /\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidRequestLine(_))
            }),
            (b"GET  / HTTP/1.1\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidRequestLine(_))
            }),
            (b"G(T / HTTP/1.1\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidRequestLine(_))
            }),
            (b"GET / HTTP/1.1 x\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidRequestLine(_))
            }),
            (b"GET / HTTP/11\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidVersion(_))
            }),
            (b"GET / http/1.1\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidVersion(_))
            }),
            (b"GET / HTTP/1.1\r\nHost a\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidHeaderLine(_))
            }),
            (b"GET / HTTP/1.1\r\n: a\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidHeaderLine(_))
            }),
            (b"GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", |e| {
                matches!(e, HttpError::InvalidHeaderLine(_))
            }),
            (b"GET / HTTP/1.1\r\nHost : a\r\n\r\n", |e| {
                matches!(e, HttpError::WhitespaceBeforeColon(_))
            }),
            (b"GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", |e| {
                matches!(e, HttpError::ObsoleteLineFolding(_))
            }),
            (b"GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n", |e| {
                matches!(
                    e,
                    HttpError::ControlCharacter {
                        offset: 20,
                        byte: 0
                    }
                )
            }),
            (b"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", |e| {
                matches!(e, HttpError::ControlCharacter { byte: b'\r', .. })
            }),
        ];
        for (bytes, expected) in cases {
            let error = parse_request(bytes, &limits()).unwrap_err();
            assert!(
                expected(&error),
                "{:?} gave {error:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(error.status(), 400);
        }
        for bytes in [
            &b"HTTP/1.1 99 x\r\n\r\n"[..],
            b"HTTP/1.1 1011 x\r\n\r\n",
            b"HTTP/1.1 abc\r\n\r\n",
            b"ICY 200 OK\r\n\r\n",
        ] {
            assert!(
                parse_response(bytes, &limits()).is_err(),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
    }

    #[test]
    fn garbage_fails_before_a_line_is_complete() {
        // A TLS ClientHello on the plain port: no need to wait for more bytes.
        let error = parse_request(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc", &limits()).unwrap_err();
        assert_eq!(
            error,
            HttpError::ControlCharacter {
                offset: 0,
                byte: 0x16
            }
        );
        // A trailing CR may still get its LF.
        assert_eq!(parse_request(b"GET / HTTP/1.1\r", &limits()), Ok(None));
    }

    #[test]
    fn limits_are_enforced_with_431() {
        let small = HeadLimits {
            max_head_bytes: 64,
            max_headers: 2,
        };
        let error = parse_request(&[b'a'; 64], &small).unwrap_err();
        assert_eq!(error, HttpError::HeadTooLarge { limit: 64 });
        assert_eq!(error.status(), 431);
        assert_eq!(
            parse_request(&[b'a'; 63], &small),
            Ok(None),
            "below the limit: need more"
        );
        // A head that fits only if the limit were larger: the empty line is past byte 64.
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "x".repeat(50));
        assert_eq!(
            parse_request(long.as_bytes(), &small).unwrap_err(),
            HttpError::HeadTooLarge { limit: 64 }
        );
        let error =
            parse_request(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", &small).unwrap_err();
        assert_eq!(error, HttpError::TooManyHeaders { limit: 2 });
        assert_eq!(error.status(), 431);
        assert!(
            parse_request(b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", &small)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn non_ascii_values_are_kept_lossily() {
        let (request, _) =
            parse_request(b"GET / HTTP/1.1\r\nA: caf\xc3\xa9 \xff\r\n\r\n", &limits())
                .unwrap()
                .unwrap();
        assert_eq!(request.header("a"), Some("caf\u{e9} \u{fffd}"));
    }

    #[test]
    fn tokens() {
        assert!(is_token("chat.v1"));
        assert!(is_token("Sec-WebSocket-Key"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
        assert!(!is_token("a,b"));
        assert!(!is_token("é"));
    }

    #[test]
    fn split_list_edge_cases() {
        assert_eq!(split_list("").count(), 0);
        assert_eq!(split_list(" , ,, ").count(), 0);
        assert_eq!(split_list("a").collect::<Vec<_>>(), ["a"]);
        assert_eq!(split_list("a,b,").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(
            split_list(r#"x="a\",b", y"#).collect::<Vec<_>>(),
            [r#"x="a\",b""#, "y"]
        );
        assert_eq!(
            split_list("\"unterminated, still one").collect::<Vec<_>>(),
            ["\"unterminated, still one"]
        );
    }
}
