//! The client's half of the opening handshake (RFC 6455 §4.1): send a request with a
//! fresh random key, then check that the server's answer proves it understood.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::handshake::accept_key;
use crate::http::{HeadLimits, HttpError, Response};
use crate::reader::{DEFAULT_HANDSHAKE_TIMEOUT, read_response_head};

/// How long [`connect`] waits for the TCP connection itself.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

// ANCHOR: generate_key
/// A fresh `Sec-WebSocket-Key`: 16 random bytes from the operating system, base64-encoded
/// (24 characters).
///
/// §4.1: "The request MUST include a header field with the name |Sec-WebSocket-Key|. The
/// value of this header field MUST be a nonce consisting of a randomly selected 16-byte
/// value that has been base64-encoded ... The nonce MUST be selected randomly for each
/// connection."
///
/// # Panics
/// If the operating system's random source fails, which on a working system it does not.
pub fn generate_key() -> String {
    let mut nonce = [0u8; 16];
    if let Err(error) = getrandom::fill(&mut nonce) {
        panic!("the operating system's random source failed: {error}");
    }
    BASE64.encode(nonce)
}
// ANCHOR_END: generate_key

// ANCHOR: client_request
/// The client's handshake request for `path` on `host` (`example.com:8080`), offering
/// `protocols` in order of preference. Returns the key it used (to check the answer) and
/// the bytes to send.
pub fn client_request(
    host: &str,
    path: &str,
    protocols: &[&str],
    extra_headers: &[(&str, &str)],
) -> (String, Vec<u8>) {
    let key = generate_key();
    let path = if path.is_empty() { "/" } else { path };
    let mut request = format!(
        "GET {path} HTTP/1.1\r\n\
         Host: {host}\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Key: {key}\r\n\
         Sec-WebSocket-Version: 13\r\n"
    );
    if !protocols.is_empty() {
        let _ = write!(
            request,
            "Sec-WebSocket-Protocol: {}\r\n",
            protocols.join(", ")
        );
    }
    for (name, value) in extra_headers {
        let _ = write!(request, "{name}: {value}\r\n");
    }
    request.push_str("\r\n");
    (key, request.into_bytes())
}
// ANCHOR_END: client_request

/// What a successful handshake agreed on, seen from the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHandshake {
    /// The key we sent.
    pub key: String,
    /// The server's `Sec-WebSocket-Accept` (it matched).
    pub accept: String,
    /// The subprotocol the server chose (one we offered), if any.
    pub protocol: Option<String>,
    /// The extensions the server's answer names; the caller checks they were offered
    /// ([`connect`] offers none and fails if any come back).
    pub extensions: Vec<String>,
    /// The whole 101 response.
    pub response: Response,
}

/// Why a client handshake failed. Each variant names the rule the server broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandshakeError {
    /// The URL is not `ws://host[:port][/path]`.
    InvalidUrl(String),
    /// `wss://` needs TLS, which this book does not implement.
    TlsNotSupported(String),
    /// The TCP connection could not be made.
    Connect {
        /// `host:port` as given.
        addr: String,
        /// Why.
        message: String,
    },
    /// Sending the request failed.
    Write(String),
    /// The server's answer was not a readable HTTP head (or did not come in time).
    Http(HttpError),
    /// The server answered with another status than 101 (§4.1: the client "handles the
    /// response per HTTP procedures"; it is not a WebSocket connection).
    NotSwitchingProtocols {
        /// The status, e.g. 404 or 426.
        status: u16,
        /// Its reason phrase.
        reason: String,
    },
    /// §4.1: the response lacks `Upgrade: websocket`.
    UpgradeNotWebSocket(Option<String>),
    /// §4.1: the response's `Connection` does not include `Upgrade`.
    ConnectionNotUpgrade(Option<String>),
    /// §4.1: the response has no `Sec-WebSocket-Accept`.
    MissingAccept,
    /// §4.1: `Sec-WebSocket-Accept` is not the value computed from our key: the server
    /// did not really read our handshake (or is not a WebSocket server).
    AcceptKeyMismatch {
        /// [`accept_key`] of the key we sent.
        expected: String,
        /// What the server sent.
        received: String,
    },
    /// §4.1: the server chose a subprotocol we did not offer.
    UnexpectedProtocol(String),
    /// §4.1: the server named an extension we did not offer.
    UnexpectedExtension(String),
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::InvalidUrl(why) => write!(f, "invalid WebSocket URL: {why}"),
            HandshakeError::TlsNotSupported(url) => {
                write!(
                    f,
                    "{url}: wss:// needs TLS, which this tutorial does not implement; use ws://"
                )
            }
            HandshakeError::Connect { addr, message } => {
                write!(f, "cannot connect to {addr}: {message}")
            }
            HandshakeError::Write(message) => write!(f, "sending the handshake failed: {message}"),
            HandshakeError::Http(error) => write!(f, "reading the server's answer failed: {error}"),
            HandshakeError::NotSwitchingProtocols { status, reason } => {
                write!(
                    f,
                    "the server answered {status} {reason}, not 101 Switching Protocols"
                )
            }
            HandshakeError::UpgradeNotWebSocket(got) => {
                write!(
                    f,
                    "§4.1: the response must carry Upgrade: websocket (got {got:?})"
                )
            }
            HandshakeError::ConnectionNotUpgrade(got) => {
                write!(
                    f,
                    "§4.1: the response's Connection header must include Upgrade (got {got:?})"
                )
            }
            HandshakeError::MissingAccept => {
                write!(f, "§4.1: the response has no Sec-WebSocket-Accept")
            }
            HandshakeError::AcceptKeyMismatch { expected, received } => {
                write!(
                    f,
                    "§4.1: Sec-WebSocket-Accept is {received:?}, expected {expected:?}"
                )
            }
            HandshakeError::UnexpectedProtocol(protocol) => {
                write!(
                    f,
                    "§4.1: the server chose subprotocol {protocol:?}, which was not offered"
                )
            }
            HandshakeError::UnexpectedExtension(extension) => {
                write!(
                    f,
                    "§4.1: the server named extension {extension:?}, which was not offered"
                )
            }
        }
    }
}

impl std::error::Error for HandshakeError {}

impl From<HttpError> for HandshakeError {
    fn from(error: HttpError) -> Self {
        HandshakeError::Http(error)
    }
}

// ANCHOR: check_response
/// Checks the server's answer to a request sent with `key` offering `offered` subprotocols.
pub fn check_response(
    resp: &Response,
    key: &str,
    offered: &[&str],
) -> Result<ClientHandshake, HandshakeError> {
    // §4.1: "If the status code received from the server is not 101, the client handles
    // the response per HTTP [RFC2616] procedures." For us: no WebSocket connection.
    if resp.status != 101 {
        return Err(HandshakeError::NotSwitchingProtocols {
            status: resp.status,
            reason: resp.reason.clone(),
        });
    }
    // §4.1: "If the response lacks an |Upgrade| header field or the |Upgrade| header field
    // contains a value that is not an ASCII case-insensitive match for the value
    // "websocket", the client MUST _Fail the WebSocket Connection_."
    let upgrade = resp.header("Upgrade");
    if !upgrade.is_some_and(|value| value.eq_ignore_ascii_case("websocket")) {
        return Err(HandshakeError::UpgradeNotWebSocket(
            upgrade.map(str::to_string),
        ));
    }
    // §4.1: "If the response lacks a |Connection| header field or the |Connection| header
    // field doesn't contain a token that is an ASCII case-insensitive match for the value
    // "Upgrade", the client MUST _Fail the WebSocket Connection_."
    if !resp
        .header_values("Connection")
        .any(|value| value.eq_ignore_ascii_case("Upgrade"))
    {
        return Err(HandshakeError::ConnectionNotUpgrade(
            resp.header("Connection").map(str::to_string),
        ));
    }
    // §4.1: "If the response lacks a |Sec-WebSocket-Accept| header field or the
    // |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the
    // concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
    // string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading and trailing
    // whitespace, the client MUST _Fail the WebSocket Connection_."
    let Some(received) = resp.header("Sec-WebSocket-Accept") else {
        return Err(HandshakeError::MissingAccept);
    };
    let expected = accept_key(key);
    if received.trim() != expected {
        return Err(HandshakeError::AcceptKeyMismatch {
            expected,
            received: received.to_string(),
        });
    }
    // §4.1: "If the response includes a |Sec-WebSocket-Protocol| header field and this
    // header field indicates the use of a subprotocol that was not present in the
    // client's handshake (the server has indicated a subprotocol not requested by the
    // client), the client MUST _Fail the WebSocket Connection_."
    // (§4.2.2 allows the server a single value, so a list is refused as well.)
    let mut chosen = resp.header_values("Sec-WebSocket-Protocol");
    let protocol = chosen.next().map(str::to_string);
    if let Some(extra) = chosen.next() {
        return Err(HandshakeError::UnexpectedProtocol(extra.to_string()));
    }
    if let Some(protocol) = &protocol
        && !offered.contains(&protocol.as_str())
    {
        return Err(HandshakeError::UnexpectedProtocol(protocol.clone()));
    }
    let extensions = resp
        .header_values("Sec-WebSocket-Extensions")
        .map(str::to_string)
        .collect();
    Ok(ClientHandshake {
        key: key.to_string(),
        accept: expected,
        protocol,
        extensions,
        response: resp.clone(),
    })
}
// ANCHOR_END: check_response

/// A parsed `ws://` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUrl {
    /// `example.com`, `127.0.0.1` or `::1` (no brackets).
    pub host: String,
    /// 80 unless given.
    pub port: u16,
    /// The resource name (§3): path and query, `/chat?room=1`; at least `/`.
    pub resource: String,
}

impl WsUrl {
    /// The `Host` header value: `host:port`, brackets around an IPv6 address, the port
    /// left out when it is the default 80.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// Parses `ws://host[:port][/path][?query]` (RFC 6455 §3). `wss://` is refused with
/// [`HandshakeError::TlsNotSupported`].
pub fn parse_url(url: &str) -> Result<WsUrl, HandshakeError> {
    let invalid = |why: &str| HandshakeError::InvalidUrl(format!("{why}: {url:?}"));
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("ws://") {
        &url[5..]
    } else if lower.starts_with("wss://") {
        return Err(HandshakeError::TlsNotSupported(url.to_string()));
    } else {
        return Err(invalid("expected ws://host[:port]/path"));
    };
    // §3: "Fragment identifiers are meaningless in the context of WebSocket URIs and MUST
    // NOT be used on these URIs."
    if rest.contains('#') {
        return Err(invalid("a WebSocket URL has no #fragment"));
    }
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, resource) = rest.split_at(authority_end);
    let resource = match resource.chars().next() {
        None => "/".to_string(),
        Some('?') => format!("/{resource}"),
        Some(_) => resource.to_string(),
    };
    if authority.contains('@') {
        return Err(invalid("user:password@ is not supported"));
    }
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(invalid("unclosed [ in the IPv6 address"));
        };
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    let port = match port {
        None => 80,
        Some(port) => port
            .parse::<u16>()
            .map_err(|_| invalid("the port is not a number from 0 to 65535"))?,
    };
    if resource
        .chars()
        .any(|c| c.is_ascii_whitespace() || c.is_control())
    {
        return Err(invalid("whitespace in the path"));
    }
    Ok(WsUrl {
        host: host.to_string(),
        port,
        resource,
    })
}

/// Opens a TCP connection to the URL's host and port, trying each address it resolves to.
fn connect_tcp(url: &WsUrl) -> Result<TcpStream, HandshakeError> {
    let addr = url.authority();
    let failed = |message: String| HandshakeError::Connect {
        addr: addr.clone(),
        message,
    };
    let candidates: Vec<SocketAddr> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|error| failed(error.to_string()))?
        .collect();
    let mut last_error = failed("the name resolved to no address".to_string());
    for candidate in candidates {
        match TcpStream::connect_timeout(&candidate, CONNECT_TIMEOUT) {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = failed(format!("{candidate}: {error}")),
        }
    }
    Err(last_error)
}

// ANCHOR: connect
/// Connects to `url` (`ws://host:port/path`), performs the handshake offering
/// `protocols`, and returns the open stream, what was agreed, and any bytes the server
/// sent after its 101 (its first frames), which belong to the frame layer.
pub fn connect(
    url: &str,
    protocols: &[&str],
) -> Result<(TcpStream, ClientHandshake, Vec<u8>), HandshakeError> {
    let url = parse_url(url)?;
    let mut stream = connect_tcp(&url)?;
    let _ = stream.set_nodelay(true);
    let (key, request) = client_request(&url.authority(), &url.resource, protocols, &[]);
    stream
        .write_all(&request)
        .map_err(|error| HandshakeError::Write(error.to_string()))?;
    let (response, leftover) = read_response_head(
        &mut stream,
        &HeadLimits::default(),
        DEFAULT_HANDSHAKE_TIMEOUT,
    )?;
    let handshake = check_response(&response, &key, protocols)?;
    // §4.1: an extension "that was not present in the client's handshake" fails the
    // connection, and we offered none.
    if let Some(extension) = handshake.extensions.first() {
        return Err(HandshakeError::UnexpectedExtension(extension.clone()));
    }
    Ok((stream, handshake, leftover))
}
// ANCHOR_END: connect

#[cfg(test)]
#[allow(clippy::unwrap_used)] // in tests a panic is the failure report
mod tests {
    use super::*;
    use crate::handshake::{response_101, validate_upgrade};
    use crate::http::{parse_request, parse_response};

    fn response(text: &str) -> Response {
        parse_response(text.as_bytes(), &HeadLimits::default())
            .unwrap()
            .unwrap()
            .0
    }

    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

    #[test]
    fn keys_are_16_random_bytes() {
        let keys: Vec<String> = (0..100).map(|_| generate_key()).collect();
        for key in &keys {
            assert_eq!(key.len(), 24);
            assert_eq!(BASE64.decode(key).unwrap().len(), 16);
        }
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), keys.len(), "every key is fresh");
    }

    #[test]
    fn our_request_passes_our_validation_and_our_101_passes_our_check() {
        let (key, bytes) = client_request(
            "example.com:8080",
            "/chat?x=1",
            &["chat.v2", "chat.v1"],
            &[("Origin", "http://example.com")],
        );
        let (request, consumed) = parse_request(&bytes, &HeadLimits::default())
            .unwrap()
            .unwrap();
        assert_eq!(consumed, bytes.len());
        assert_eq!(request.header("Sec-WebSocket-Key"), Some(key.as_str()));
        assert_eq!(request.header("Origin"), Some("http://example.com"));
        let upgrade = validate_upgrade(&request, &["chat.v1"]).unwrap();
        assert_eq!(upgrade.path, "/chat?x=1");
        assert_eq!(upgrade.host, "example.com:8080");
        let answer = response_101(&upgrade);
        let (resp, _) = parse_response(&answer, &HeadLimits::default())
            .unwrap()
            .unwrap();
        let agreed = check_response(&resp, &key, &["chat.v2", "chat.v1"]).unwrap();
        assert_eq!(agreed.protocol.as_deref(), Some("chat.v1"));
        assert_eq!(agreed.accept, accept_key(&key));
    }

    #[test]
    fn accepts_the_rfc_example_response() {
        let resp = response(&format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: upgrade\r\n\
             Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
        ));
        let agreed = check_response(&resp, KEY, &["chat", "superchat"]).unwrap();
        assert_eq!(agreed.protocol.as_deref(), Some("chat"));
        assert!(agreed.extensions.is_empty());
    }

    #[test]
    fn each_broken_rule_has_its_error() {
        let ok_head =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
        let check = |text: String, offered: &[&str]| check_response(&response(&text), KEY, offered);

        assert_eq!(
            check(
                "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n".into(),
                &[]
            ),
            Err(HandshakeError::NotSwitchingProtocols {
                status: 426,
                reason: "Upgrade Required".into()
            })
        );
        assert_eq!(
            check(
                format!(
                    "HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"
                ),
                &[]
            ),
            Err(HandshakeError::UpgradeNotWebSocket(None))
        );
        assert_eq!(
            check(
                format!(
                    "HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {ACCEPT}\r\n\r\n"
                ),
                &[]
            ),
            Err(HandshakeError::ConnectionNotUpgrade(None))
        );
        assert_eq!(
            check(format!("{ok_head}\r\n"), &[]),
            Err(HandshakeError::MissingAccept)
        );
        assert_eq!(
            check(
                format!(
                    "{ok_head}Sec-WebSocket-Accept: {}\r\n\r\n",
                    accept_key("AAAAAAAAAAAAAAAAAAAAAA==")
                ),
                &[]
            ),
            Err(HandshakeError::AcceptKeyMismatch {
                expected: ACCEPT.into(),
                received: accept_key("AAAAAAAAAAAAAAAAAAAAAA==")
            })
        );
        assert_eq!(
            check(
                format!(
                    "{ok_head}Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: other\r\n\r\n"
                ),
                &["chat"]
            ),
            Err(HandshakeError::UnexpectedProtocol("other".into()))
        );
        assert_eq!(
            check(
                format!(
                    "{ok_head}Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: chat\r\n\r\n"
                ),
                &[]
            ),
            Err(HandshakeError::UnexpectedProtocol("chat".into())),
            "a protocol when none was offered"
        );
        assert_eq!(
            check(
                format!(
                    "{ok_head}Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Protocol: a, b\r\n\r\n"
                ),
                &["a", "b"]
            ),
            Err(HandshakeError::UnexpectedProtocol("b".into())),
            "only one protocol may be chosen"
        );
        let with_extension = check(
            format!("{ok_head}Sec-WebSocket-Accept: {ACCEPT}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
            &[],
        )
        .unwrap();
        assert_eq!(
            with_extension.extensions,
            ["permessage-deflate"],
            "recorded for the caller to judge"
        );
    }

    #[test]
    fn urls() {
        let url = parse_url("ws://example.com/chat?room=1").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.resource.as_str()),
            ("example.com", 80, "/chat?room=1")
        );
        assert_eq!(url.authority(), "example.com");
        let url = parse_url("WS://127.0.0.1:9001").unwrap();
        assert_eq!(
            (url.port, url.resource.as_str(), url.authority().as_str()),
            (9001, "/", "127.0.0.1:9001")
        );
        let url = parse_url("ws://[::1]:8080?x").unwrap();
        assert_eq!(
            (
                url.host.as_str(),
                url.resource.as_str(),
                url.authority().as_str()
            ),
            ("::1", "/?x", "[::1]:8080")
        );
        assert!(matches!(
            parse_url("wss://example.com/"),
            Err(HandshakeError::TlsNotSupported(_))
        ));
        assert!(
            parse_url("wss://example.com/")
                .unwrap_err()
                .to_string()
                .contains("TLS")
        );
        for bad in [
            "http://a/",
            "ws://",
            "ws://:80/",
            "ws://a:99999/",
            "ws://a:x/",
            "ws://a/#frag",
            "ws://u@a/",
            "ws://[::1/",
            "ws://a/b c",
        ] {
            assert!(
                matches!(parse_url(bad), Err(HandshakeError::InvalidUrl(_))),
                "{bad}"
            );
        }
    }
}
