//! The server's half of the opening handshake (RFC 6455 §4.2): check a request, then
//! answer `101 Switching Protocols` with the right `Sec-WebSocket-Accept`, or refuse with
//! a status that says what was wrong.
//!
//! Sans-I/O like [`crate::http`]: a [`Request`] in, an [`Upgrade`] or a [`Rejection`]
//! out, and bytes to send.

use std::fmt::{self, Write as _};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha1::{Digest, Sha1};

use crate::http::{HttpError, Request, is_token};

/// The GUID of RFC 6455 §1.3, appended to the client's key before hashing. It is a fixed
/// string no other protocol would use, so only a server that knows WebSocket can compute
/// the answer.
pub const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The only protocol version RFC 6455 defines (`Sec-WebSocket-Version: 13`).
pub const VERSION: u16 = 13;

// ANCHOR: accept_key
/// `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`.
///
/// §4.2.2: "the server has to take the value (as present in the header field, e.g., the
/// base64-encoded [RFC4648] version minus any leading and trailing whitespace) and
/// concatenate this with the Globally Unique Identifier (GUID, [RFC4122])
/// "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" ... A SHA-1 hash (160 bits) [FIPS.180-3],
/// base64-encoded (see Section 4 of [RFC4648]), of this concatenation is then returned in
/// the server's handshake."
///
/// ```
/// // The example from RFC 6455 §1.3.
/// assert_eq!(
///     ch02_handshake::accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/// );
/// ```
pub fn accept_key(client_key: &str) -> String {
    let mut sha1 = Sha1::new();
    // The key is hashed as the text the client sent: it is *not* base64-decoded first.
    sha1.update(client_key.trim().as_bytes());
    sha1.update(GUID.as_bytes());
    BASE64.encode(sha1.finalize())
}
// ANCHOR_END: accept_key

/// A request that passed every check of §4.2.1: what the server learned and will answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgrade {
    /// The request target, the WebSocket's "resource name" (§3): `/chat?room=1`.
    pub path: String,
    /// The `Host` header: the authority the client thinks it talks to.
    pub host: String,
    /// `Sec-WebSocket-Key` as sent.
    pub key: String,
    /// `Sec-WebSocket-Accept`: [`accept_key`] of `key`.
    pub accept: String,
    /// `Sec-WebSocket-Version`: always 13.
    pub version: u16,
    /// The subprotocol the server chose, if any (echoed in `Sec-WebSocket-Protocol`).
    pub protocol: Option<String>,
    /// The subprotocols the client offered, in its order of preference.
    pub offered_protocols: Vec<String>,
    /// The extensions the client offered (`permessage-deflate; client_max_window_bits`),
    /// recorded for the log; this chapter accepts none of them.
    pub extensions: Vec<String>,
    /// The `Origin` header, sent by browsers: which web page opened the connection.
    pub origin: Option<String>,
}

/// A refused handshake: the status, a one-line reason for humans, and any headers the
/// status requires (`Allow` for 405, `Sec-WebSocket-Version` for 426).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 400, 403, 404, 405, 408, 426 or 431.
    pub status: u16,
    /// One line, sent as the body: `Sec-WebSocket-Key must decode to 16 bytes, not 4`.
    pub reason: String,
    /// Extra header fields for this status.
    pub headers: Vec<(String, String)>,
}

impl Rejection {
    /// A rejection with no extra headers.
    pub fn new(status: u16, reason: impl Into<String>) -> Self {
        Rejection {
            status,
            reason: reason.into(),
            headers: Vec::new(),
        }
    }

    /// 400 Bad Request.
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Rejection::new(400, reason)
    }

    /// 403 Forbidden: a valid handshake the server refuses by policy (chapter 08 refuses
    /// pages from other sites, by their `Origin`).
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Rejection::new(403, reason)
    }

    /// 404 Not Found.
    pub fn not_found(reason: impl Into<String>) -> Self {
        Rejection::new(404, reason)
    }

    /// 405 Method Not Allowed, with the `Allow` header RFC 9110 §15.5.6 requires.
    pub fn method_not_allowed(reason: impl Into<String>, allow: &str) -> Self {
        Rejection::new(405, reason).with_header("Allow", allow)
    }

    /// 426 Upgrade Required, with `Upgrade: websocket` (RFC 9110 §15.5.22: the server
    /// "MUST send an Upgrade header field to indicate the required protocol(s)") and
    /// `Sec-WebSocket-Version: 13` (RFC 6455 §4.4).
    pub fn upgrade_required(reason: impl Into<String>) -> Self {
        Rejection::new(426, reason)
            .with_header("Upgrade", "websocket")
            .with_header("Connection", "Upgrade, close")
            .with_header("Sec-WebSocket-Version", &VERSION.to_string())
    }

    /// Adds a header field.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The complete HTTP response: status line, headers, and the reason as a plain-text
    /// body. It always closes the connection (`Connection: close`).
    pub fn to_http(&self) -> Vec<u8> {
        let body = format!("{}\n", self.reason.replace(['\r', '\n'], " "));
        let mut head = format!(
            "HTTP/1.1 {} {}\r\n",
            self.status,
            reason_phrase(self.status)
        );
        let _ = write!(
            head,
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n",
            body.len()
        );
        if !self
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("Connection"))
        {
            head.push_str("Connection: close\r\n");
        }
        for (name, value) in &self.headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        head.push_str("\r\n");
        head.push_str(&body);
        head.into_bytes()
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status,
            reason_phrase(self.status),
            self.reason
        )
    }
}

impl From<&HttpError> for Rejection {
    fn from(error: &HttpError) -> Self {
        Rejection::new(error.status(), error.to_string())
    }
}

impl From<HttpError> for Rejection {
    fn from(error: HttpError) -> Self {
        Rejection::from(&error)
    }
}

/// The standard reason phrase of the statuses this book uses.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

/// Whether `version` (`HTTP/1.1`) is at least HTTP/1.1.
fn at_least_http_1_1(version: &str) -> bool {
    match version.strip_prefix("HTTP/").map(str::as_bytes) {
        Some([major, b'.', minor]) => (*major, *minor) >= (b'1', b'1'),
        _ => false,
    }
}

// ANCHOR: validate_upgrade
/// Checks a request against RFC 6455 §4.2.1 and picks a subprotocol (§4.2.2).
///
/// `supported_protocols` are the subprotocols this endpoint speaks; the first one *in the
/// client's order* that is supported is chosen.
pub fn validate_upgrade(req: &Request, supported_protocols: &[&str]) -> Result<Upgrade, Rejection> {
    // §4.2.1 (1): "An HTTP/1.1 or higher GET request, including a "Request-URI"".
    if req.method != "GET" {
        let reason = format!("a WebSocket handshake is a GET request, not {}", req.method);
        return Err(Rejection::method_not_allowed(reason, "GET"));
    }
    if !at_least_http_1_1(&req.version) {
        return Err(Rejection::bad_request(format!(
            "a WebSocket handshake needs HTTP/1.1 or later, not {}",
            req.version
        )));
    }
    if !req.target.starts_with('/') {
        return Err(Rejection::bad_request(format!(
            "the request target must be a path starting with /, not {:?}",
            req.target
        )));
    }

    // §4.2.1 (3): "An |Upgrade| header field containing the value "websocket", treated
    // as an ASCII case-insensitive value." No Upgrade at all is a plain HTTP request to a
    // WebSocket endpoint: 426 says what it should have asked for.
    if req.header("Upgrade").is_none() {
        return Err(Rejection::upgrade_required(
            "this is a WebSocket endpoint: connect with a WebSocket client (Upgrade: websocket)",
        ));
    }
    if !req
        .header_values("Upgrade")
        .any(|value| value.eq_ignore_ascii_case("websocket"))
    {
        let got = req.header("Upgrade").unwrap_or_default();
        return Err(Rejection::bad_request(format!(
            "the Upgrade header must contain websocket, got {got:?}"
        )));
    }

    // §4.2.1 (4): "A |Connection| header field that includes the token "Upgrade", treated
    // as an ASCII case-insensitive value."
    if !req
        .header_values("Connection")
        .any(|value| value.eq_ignore_ascii_case("Upgrade"))
    {
        let got = req.header("Connection").unwrap_or("nothing");
        return Err(Rejection::bad_request(format!(
            "the Connection header must include Upgrade, got {got:?}"
        )));
    }

    // §4.2.1 (2): "A |Host| header field containing the server's authority." RFC 9112
    // §3.2: a server "MUST respond with a 400 ... to any HTTP/1.1 request message that
    // lacks a Host header field and to any request message that contains more than one
    // Host header field line or a Host header field with an invalid field value."
    let host = match (req.header_count("Host"), req.header("Host")) {
        (1, Some(host)) if !host.is_empty() => host.to_string(),
        (0, _) => return Err(Rejection::bad_request("the Host header is missing")),
        (1, _) => return Err(Rejection::bad_request("the Host header is empty")),
        (n, _) => {
            return Err(Rejection::bad_request(format!(
                "the Host header appears {n} times"
            )));
        }
    };

    // §4.2.1 (5): "A |Sec-WebSocket-Key| header field with a base64-encoded (see Section 4
    // of [RFC4648]) value that, when decoded, is 16 bytes in length."
    // §11.3.1: "The |Sec-WebSocket-Key| header field MUST NOT appear more than once in an
    // HTTP request."
    let key = match (
        req.header_count("Sec-WebSocket-Key"),
        req.header("Sec-WebSocket-Key"),
    ) {
        (1, Some(key)) => key.to_string(),
        (0, _) => {
            return Err(Rejection::bad_request(
                "the Sec-WebSocket-Key header is missing",
            ));
        }
        (n, _) => {
            return Err(Rejection::bad_request(format!(
                "the Sec-WebSocket-Key header appears {n} times"
            )));
        }
    };
    match BASE64.decode(&key) {
        Ok(nonce) if nonce.len() == 16 => {}
        Ok(nonce) => {
            let reason = format!(
                "Sec-WebSocket-Key must decode to 16 bytes, not {}",
                nonce.len()
            );
            return Err(Rejection::bad_request(reason));
        }
        Err(error) => {
            return Err(Rejection::bad_request(format!(
                "Sec-WebSocket-Key {key:?} is not base64 ({error})"
            )));
        }
    }

    // §4.2.1 (6): "A |Sec-WebSocket-Version| header field, with a value of 13."
    // §4.4: "If this version does not match a version understood by the server, the server
    // MUST abort the WebSocket handshake described in Section 4.2 and instead send an
    // appropriate HTTP error code (such as 426 Upgrade Required) and a
    // |Sec-WebSocket-Version| header field indicating the version(s) the server is capable
    // of understanding."
    let versions: Vec<&str> = req.header_values("Sec-WebSocket-Version").collect();
    if versions != ["13"] {
        let got = if versions.is_empty() {
            "none".to_string()
        } else {
            versions.join(", ")
        };
        return Err(Rejection::upgrade_required(format!(
            "this server speaks WebSocket version 13, the request asked for {got}"
        )));
    }

    // §4.2.1 (7): "Optionally, an |Origin| header field." Recorded; chapter 08 decides
    // which origins to allow.
    let origin = req.header("Origin").map(str::to_string);

    // §4.2.1 (8): "Optionally, a |Sec-WebSocket-Protocol| header field, with a list of
    // values indicating which protocols the client would like to speak, ordered by
    // preference." §4.1: the elements "MUST be non-empty strings with characters in the
    // range U+0021 to U+007E not including separator characters ... and MUST all be
    // unique strings."
    let mut offered_protocols: Vec<String> = Vec::new();
    for protocol in req.header_values("Sec-WebSocket-Protocol") {
        if !is_token(protocol) {
            return Err(Rejection::bad_request(format!(
                "subprotocol {protocol:?} is not a token"
            )));
        }
        if offered_protocols.iter().any(|offered| offered == protocol) {
            return Err(Rejection::bad_request(format!(
                "subprotocol {protocol:?} is offered twice"
            )));
        }
        offered_protocols.push(protocol.to_string());
    }
    // §4.2.2: "Either a single value representing the subprotocol the server is ready to
    // use or null. The value chosen MUST be derived from the client's handshake,
    // specifically by selecting one of the values from the |Sec-WebSocket-Protocol| field".
    let protocol = offered_protocols
        .iter()
        .find(|offered| supported_protocols.contains(&offered.as_str()))
        .cloned();

    // §4.2.1 (9): "Optionally, a |Sec-WebSocket-Extensions| header field". Recorded, not
    // accepted: a server that does not echo an extension has declined it.
    let extensions = req
        .header_values("Sec-WebSocket-Extensions")
        .map(str::to_string)
        .collect();

    let accept = accept_key(&key);
    Ok(Upgrade {
        path: req.target.clone(),
        host,
        key,
        accept,
        version: VERSION,
        protocol,
        offered_protocols,
        extensions,
        origin,
    })
}
// ANCHOR_END: validate_upgrade

// ANCHOR: response_101
/// The server's answer to a valid handshake (§4.2.2, step 5):
///
/// ```text
/// HTTP/1.1 101 Switching Protocols
/// Upgrade: websocket
/// Connection: Upgrade
/// Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
/// Sec-WebSocket-Protocol: chat.v1        (only if one was chosen)
/// ```
///
/// After its empty line, both sides speak WebSocket frames (chapter 03).
pub fn response_101(up: &Upgrade) -> Vec<u8> {
    let mut response = String::from(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n",
    );
    let _ = write!(response, "Sec-WebSocket-Accept: {}\r\n", up.accept);
    if let Some(protocol) = &up.protocol {
        let _ = write!(response, "Sec-WebSocket-Protocol: {protocol}\r\n");
    }
    // No Sec-WebSocket-Extensions: this chapter declines every extension offered.
    response.push_str("\r\n");
    response.into_bytes()
}
// ANCHOR_END: response_101

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::http::{HeadLimits, parse_request, parse_response};

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

    fn request(lines: &[&str]) -> Request {
        let text = format!("{}\r\n\r\n", lines.join("\r\n"));
        parse_request(text.as_bytes(), &HeadLimits::default())
            .unwrap()
            .unwrap()
            .0
    }

    fn valid_with(replace: &str, with: Option<&str>) -> Request {
        let mut lines = vec![
            "GET /chat HTTP/1.1".to_string(),
            "Host: server.example.com".to_string(),
            "Upgrade: websocket".to_string(),
            "Connection: Upgrade".to_string(),
            format!("Sec-WebSocket-Key: {KEY}"),
            "Origin: http://example.com".to_string(),
            "Sec-WebSocket-Protocol: chat, superchat".to_string(),
            "Sec-WebSocket-Version: 13".to_string(),
        ];
        lines.retain(|line| !line.starts_with(replace));
        if let Some(with) = with {
            if replace.starts_with("GET") {
                lines.insert(0, with.to_string());
            } else {
                lines.push(with.to_string());
            }
        }
        let borrowed: Vec<&str> = lines.iter().map(String::as_str).collect();
        request(&borrowed)
    }

    #[test]
    fn rfc_example_accept_key() {
        // RFC 6455 §1.3 and §4.2.2.
        assert_eq!(accept_key(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(
            accept_key(&format!(" {KEY} ")),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
            "whitespace is ignored"
        );
        assert_eq!(GUID.len(), 36);
    }

    #[test]
    fn accepts_the_rfc_example_request() {
        // The client handshake of RFC 6455 §1.2.
        let up = validate_upgrade(&valid_with("x", None), &["superchat"]).unwrap();
        assert_eq!(up.path, "/chat");
        assert_eq!(up.host, "server.example.com");
        assert_eq!(up.key, KEY);
        assert_eq!(up.accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        assert_eq!(up.version, 13);
        assert_eq!(up.protocol.as_deref(), Some("superchat"));
        assert_eq!(up.offered_protocols, ["chat", "superchat"]);
        assert_eq!(up.origin.as_deref(), Some("http://example.com"));
        assert!(up.extensions.is_empty());

        let response = response_101(&up);
        let (parsed, consumed) = parse_response(&response, &HeadLimits::default())
            .unwrap()
            .unwrap();
        assert_eq!(consumed, response.len());
        assert_eq!(parsed.status, 101);
        assert_eq!(
            parsed.header("Sec-WebSocket-Accept"),
            Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        );
        assert_eq!(parsed.header("Sec-WebSocket-Protocol"), Some("superchat"));
        assert_eq!(parsed.header("Upgrade"), Some("websocket"));
        assert_eq!(parsed.header("Connection"), Some("Upgrade"));
        assert_eq!(parsed.header("Sec-WebSocket-Extensions"), None);
    }

    #[test]
    fn subprotocol_is_the_clients_first_supported_choice() {
        let req = valid_with("x", None); // offers chat, superchat
        assert_eq!(
            validate_upgrade(&req, &["superchat", "chat"])
                .unwrap()
                .protocol
                .as_deref(),
            Some("chat")
        );
        assert_eq!(validate_upgrade(&req, &["other"]).unwrap().protocol, None);
        assert_eq!(validate_upgrade(&req, &[]).unwrap().protocol, None);
        let up = validate_upgrade(&req, &["other"]).unwrap();
        assert!(
            !String::from_utf8(response_101(&up))
                .unwrap()
                .contains("Sec-WebSocket-Protocol")
        );
    }

    #[test]
    fn header_values_are_case_insensitive_and_lists() {
        let req = valid_with("Connection", Some("connection: keep-alive, UPGRADE"));
        let req = Request {
            headers: req
                .headers
                .into_iter()
                .map(|(n, v)| {
                    if n == "Upgrade" {
                        (n, "WebSocket".to_string())
                    } else {
                        (n, v)
                    }
                })
                .collect(),
            ..req
        };
        assert!(validate_upgrade(&req, &[]).is_ok());
    }

    #[test]
    fn extensions_are_recorded_not_accepted() {
        let req = valid_with(
            "x",
            Some("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo"),
        );
        let up = validate_upgrade(&req, &[]).unwrap();
        assert_eq!(
            up.extensions,
            ["permessage-deflate; client_max_window_bits", "x-foo"]
        );
        assert!(
            !String::from_utf8(response_101(&up))
                .unwrap()
                .contains("Extensions")
        );
    }

    fn rejected(req: &Request) -> Rejection {
        validate_upgrade(req, &["chat"]).unwrap_err()
    }

    #[test]
    fn each_rejection_has_its_status_and_headers() {
        let post = rejected(&valid_with("GET", Some("POST /chat HTTP/1.1")));
        assert_eq!(post.status, 405);
        assert_eq!(post.headers, [("Allow".to_string(), "GET".to_string())]);

        let old = rejected(&valid_with("GET", Some("GET /chat HTTP/1.0")));
        assert_eq!(old.status, 400);
        assert!(old.reason.contains("HTTP/1.1"));

        assert_eq!(
            rejected(&valid_with("GET", Some("GET chat HTTP/1.1"))).status,
            400
        );

        let plain = rejected(&valid_with("Upgrade", None));
        assert_eq!(plain.status, 426);
        assert!(
            plain
                .headers
                .contains(&("Upgrade".to_string(), "websocket".to_string()))
        );
        assert!(
            plain
                .headers
                .contains(&("Sec-WebSocket-Version".to_string(), "13".to_string()))
        );

        let h2c = rejected(&valid_with("Upgrade", Some("Upgrade: h2c")));
        assert_eq!((h2c.status, h2c.reason.contains("h2c")), (400, true));

        let connection = rejected(&valid_with("Connection", Some("Connection: keep-alive")));
        assert_eq!(
            (connection.status, connection.reason.contains("Connection")),
            (400, true)
        );
        assert_eq!(rejected(&valid_with("Connection", None)).status, 400);

        assert!(
            rejected(&valid_with("Host", None))
                .reason
                .contains("Host header is missing")
        );
        assert!(
            rejected(&valid_with("x", Some("Host: other")))
                .reason
                .contains("Host header appears 2 times")
        );

        assert!(
            rejected(&valid_with("Sec-WebSocket-Key", None))
                .reason
                .contains("missing")
        );
        let short = rejected(&valid_with(
            "Sec-WebSocket-Key",
            Some("Sec-WebSocket-Key: AAAAAA=="),
        ));
        assert_eq!(
            (short.status, short.reason.as_str()),
            (400, "Sec-WebSocket-Key must decode to 16 bytes, not 4")
        );
        let not_base64 = rejected(&valid_with(
            "Sec-WebSocket-Key",
            Some("Sec-WebSocket-Key: not base64!"),
        ));
        assert!(not_base64.reason.contains("is not base64"));
        let twice = rejected(&valid_with("x", Some(&format!("Sec-WebSocket-Key: {KEY}"))));
        assert!(twice.reason.contains("appears 2 times"));

        for version in [
            None,
            Some("Sec-WebSocket-Version: 8"),
            Some("Sec-WebSocket-Version: 13, 8"),
        ] {
            let wrong = rejected(&valid_with("Sec-WebSocket-Version", version));
            assert_eq!(wrong.status, 426, "{version:?}");
            assert!(
                wrong
                    .headers
                    .contains(&("Sec-WebSocket-Version".to_string(), "13".to_string()))
            );
        }

        let bad_token = rejected(&valid_with(
            "Sec-WebSocket-Protocol",
            Some("Sec-WebSocket-Protocol: chat, a/b"),
        ));
        assert!(bad_token.reason.contains("not a token"));
        let duplicate = rejected(&valid_with(
            "Sec-WebSocket-Protocol",
            Some("Sec-WebSocket-Protocol: chat, chat"),
        ));
        assert!(duplicate.reason.contains("offered twice"));
    }

    #[test]
    fn rejection_to_http_is_a_complete_response() {
        let bytes = Rejection::upgrade_required("need 13").to_http();
        let (response, consumed) = parse_response(&bytes, &HeadLimits::default())
            .unwrap()
            .unwrap();
        assert_eq!(
            (response.status, response.reason.as_str()),
            (426, "Upgrade Required")
        );
        assert_eq!(response.header("Sec-WebSocket-Version"), Some("13"));
        assert_eq!(response.header("Upgrade"), Some("websocket"));
        assert_eq!(response.header_count("Connection"), 1);
        assert_eq!(&bytes[consumed..], b"need 13\n");
        assert_eq!(response.header("Content-Length"), Some("8"));

        let bytes = Rejection::bad_request("two\r\nlines").to_http();
        let (response, consumed) = parse_response(&bytes, &HeadLimits::default())
            .unwrap()
            .unwrap();
        assert_eq!(response.header("Connection"), Some("close"));
        assert_eq!(
            &bytes[consumed..],
            b"two  lines\n",
            "the body stays one line"
        );
        assert_eq!(
            Rejection::from(HttpError::TooManyHeaders { limit: 64 }).status,
            431
        );
    }
}
