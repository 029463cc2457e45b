//! Which web pages may open a chat connection: the `Origin` allowlist.
//!
//! A browser lets *any* page open a WebSocket to *any* server: the same-origin policy
//! that stops a page from reading another site's HTTP responses does not apply to
//! WebSockets. And the browser sends the user's cookies for the target along with the
//! handshake. So a page on `evil.example` can open `ws://127.0.0.1:8080/chat` from
//! your browser, as you, and read everything the room says: *cross-site WebSocket
//! hijacking*. What the browser does add is an `Origin` header naming the page that
//! opened the connection, which page scripts cannot change. RFC 6455 §10.2:
//!
//! > "Servers that are not intended to process input from any web page but only for
//! > certain sites SHOULD verify the |Origin| field is an origin they expect. If the
//! > origin indicated is unacceptable to the server, then it SHOULD respond to the
//! > WebSocket handshake with a reply containing HTTP 403 Forbidden status code."
//!
//! So `/chat` accepts a handshake only if its `Origin` is on a list, which by default
//! holds this server's own origins (the page at `/` comes from there), and answers
//! anything else with a 403 that says which origin was refused and how to allow it.
//!
//! A request *without* `Origin` is allowed: browsers always send one (the Fetch
//! standard requires it for WebSocket handshakes), so its absence means a program —
//! Python, `websocat`, a test — and a program can write any `Origin` it likes anyway.
//! §10.2: "the |Origin| header field protects from the attack cases when the
//! untrusted party is typically the author of a JavaScript application that is
//! executing in the context of the trusted client", and only those.
//!
//! Checking the `Host` instead would not do: under DNS rebinding, `evil.example`
//! resolves to 127.0.0.1, and its page's requests carry `Host: evil.example:8080` and
//! `Origin: http://evil.example:8080` — consistent, and refused here only because
//! `http://evil.example:8080` is not on the list.

use std::net::SocketAddr;

use crate::{Rejection, Upgrade};

/// The origins allowed to open a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginPolicy {
    allowed: Vec<String>,
    any: bool,
}

impl OriginPolicy {
    /// Any origin (what `--allow-origin '*'` asks for): the check is off.
    pub fn allow_any() -> OriginPolicy {
        OriginPolicy {
            allowed: Vec::new(),
            any: true,
        }
    }

    /// Exactly these origins (`http://host:port`, compared ignoring ASCII case).
    pub fn only(origins: &[&str]) -> OriginPolicy {
        OriginPolicy {
            allowed: origins.iter().map(|o| normalise(o)).collect(),
            any: false,
        }
    }

    /// The origins a page served by this server at `local` has, plus `extra`
    /// (`--allow-origin`; `*` in it allows any).
    ///
    /// A page loaded from `http://127.0.0.1:8080/` has origin `http://127.0.0.1:8080`;
    /// the same server on a loopback address is also reachable as `localhost`. On port
    /// 80 the browser leaves the port out. A server bound to `0.0.0.0` cannot know the
    /// names it is reached by: list them with `--allow-origin`.
    ///
    /// ```
    /// use ch08_chat::origin::OriginPolicy;
    ///
    /// let policy = OriginPolicy::for_server("127.0.0.1:8080".parse().unwrap(), &[]);
    /// assert_eq!(policy.allowed(), ["http://127.0.0.1:8080", "http://localhost:8080"]);
    /// ```
    pub fn for_server(local: SocketAddr, extra: &[&str]) -> OriginPolicy {
        if extra.contains(&"*") {
            return OriginPolicy::allow_any();
        }
        let port = local.port();
        let mut hosts = Vec::new();
        let ip = local.ip();
        if ip.is_unspecified() || ip.is_loopback() {
            hosts.push(if ip.is_ipv4() || ip.is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                "[::1]".to_string()
            });
            hosts.push("localhost".to_string());
        } else {
            hosts.push(match local {
                SocketAddr::V4(v4) => v4.ip().to_string(),
                SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
            });
        }
        let mut allowed = Vec::new();
        for host in hosts {
            allowed.push(format!("http://{host}:{port}"));
            if port == 80 {
                allowed.push(format!("http://{host}"));
            }
        }
        allowed.extend(extra.iter().map(|o| normalise(o)));
        allowed.dedup();
        OriginPolicy {
            allowed,
            any: false,
        }
    }

    /// The allowed origins (empty if any is allowed).
    pub fn allowed(&self) -> &[String] {
        &self.allowed
    }

    /// Whether any origin is allowed.
    pub fn allows_any(&self) -> bool {
        self.any
    }

    // ANCHOR: check
    /// The route's check before the 101: `Err` is the 403 to send.
    pub fn check(&self, upgrade: &Upgrade) -> Result<(), Rejection> {
        // §10.2: "servers that are not intended to process input from any web page
        // but only for certain sites SHOULD verify the |Origin| field is an origin
        // they expect" ... "it SHOULD respond to the WebSocket handshake with a reply
        // containing HTTP 403 Forbidden status code."
        let Some(origin) = &upgrade.origin else {
            return Ok(()); // not a browser: see the module documentation
        };
        if self.any || self.allowed.contains(&normalise(origin)) {
            return Ok(());
        }
        Err(Rejection::forbidden(format!(
            "Origin {origin} may not open {path}: a page from another site could use your \
             browser to join this chat (RFC 6455 §10.2, cross-site WebSocket hijacking). \
             Allowed: {allowed}. To allow it, start the server with --allow-origin {origin}",
            path = upgrade.path,
            allowed = self.allowed.join(", "),
        )))
    }
    // ANCHOR_END: check
}

/// Origins compare as ASCII lowercase without a trailing slash (RFC 6454 §6.2 serializes
/// them lowercase; a hand-written `--allow-origin` may not be).
fn normalise(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upgrade(origin: Option<&str>) -> Upgrade {
        Upgrade {
            path: "/chat".into(),
            host: "127.0.0.1:8080".into(),
            key: String::new(),
            accept: String::new(),
            version: 13,
            protocol: None,
            offered_protocols: Vec::new(),
            extensions: Vec::new(),
            origin: origin.map(str::to_string),
        }
    }

    #[test]
    fn the_servers_own_pages_are_allowed_and_other_sites_get_403() {
        let policy = OriginPolicy::for_server("127.0.0.1:8080".parse().unwrap(), &[]);
        assert!(
            policy
                .check(&upgrade(Some("http://127.0.0.1:8080")))
                .is_ok()
        );
        assert!(
            policy
                .check(&upgrade(Some("http://LOCALHOST:8080")))
                .is_ok()
        );
        assert!(policy.check(&upgrade(None)).is_ok(), "not a browser");
        for foreign in [
            "http://evil.example",
            "http://127.0.0.1:9999",
            "https://127.0.0.1:8080",
            "null",
            "http://evil.example:8080",
        ] {
            let rejection = policy.check(&upgrade(Some(foreign))).unwrap_err();
            assert_eq!(rejection.status, 403, "{foreign}");
            assert!(
                rejection
                    .reason
                    .contains(&format!("Origin {foreign} may not open /chat"))
            );
            assert!(rejection.reason.contains("--allow-origin"));
            let http = String::from_utf8(rejection.to_http()).unwrap();
            assert!(http.starts_with("HTTP/1.1 403 Forbidden\r\n"), "{http}");
        }
    }

    #[test]
    fn extra_origins_and_the_wildcard() {
        let policy = OriginPolicy::for_server(
            "127.0.0.1:80".parse().unwrap(),
            &["http://chat.example/", "http://Other.example:8000"],
        );
        assert_eq!(
            policy.allowed(),
            [
                "http://127.0.0.1:80",
                "http://127.0.0.1",
                "http://localhost:80",
                "http://localhost",
                "http://chat.example",
                "http://other.example:8000"
            ]
        );
        assert!(policy.check(&upgrade(Some("http://chat.example"))).is_ok());
        assert!(
            policy
                .check(&upgrade(Some("http://other.example:8000")))
                .is_ok()
        );
        let any = OriginPolicy::for_server("127.0.0.1:80".parse().unwrap(), &["*"]);
        assert!(any.allows_any());
        assert!(any.check(&upgrade(Some("http://evil.example"))).is_ok());
        let v6 = OriginPolicy::for_server("[::1]:9000".parse().unwrap(), &[]);
        assert_eq!(v6.allowed(), ["http://[::1]:9000", "http://localhost:9000"]);
        let lan = OriginPolicy::for_server("192.168.1.5:9000".parse().unwrap(), &[]);
        assert_eq!(lan.allowed(), ["http://192.168.1.5:9000"]);
        assert_eq!(
            OriginPolicy::only(&["HTTP://A.example/"]).allowed(),
            ["http://a.example"]
        );
    }
}
