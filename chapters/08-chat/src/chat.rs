//! The chat's own protocol, on top of WebSocket messages: what a client may ask, what
//! the server tells everyone, in two dialects chosen by subprotocol negotiation.
//!
//! RFC 6455 §1.9: "The client can request that the server use a specific subprotocol by
//! including the |Sec-WebSocket-Protocol| field in its handshake. If it is specified,
//! the server needs to include the same field and one of the selected subprotocol
//! values in its response for the connection to be established." WebSocket itself
//! only moves messages; *what* a message means is the subprotocol's business.
//!
//! - **`chat.v1`** ([`Style::Json`]): every message is one JSON object with a `type`.
//!   A client sends `{"type":"message","text":"hi"}`, `{"type":"nick","nick":"ada"}`
//!   or `{"type":"who"}`; the server sends `welcome`, `join`, `leave`, `nick`,
//!   `message` (`{"type":"message","id":3,"nick":"ada","text":"hi","time":...}`),
//!   `who` and `error` objects. A page can keep a list of who is online from them.
//! - **no subprotocol** ([`Style::Plain`]): for a client that offers none (`websocat`,
//!   a quick script): each text message is a line said in the room, `/nick NAME` and
//!   `/who` are commands, and the server sends readable lines (`ada: hi`,
//!   `* bob joined`).
//!
//! Both kinds of client share a room; each notice is written once per dialect.
//! Everything here is pure: strings in, strings out.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::json::{self, Object, Value};

/// The subprotocol this server speaks at `/chat`.
pub const SUBPROTOCOL: &str = "chat.v1";

/// The room a client joins when its URL names none.
pub const DEFAULT_ROOM: &str = "lobby";

/// The longest nick, in characters.
pub const MAX_NICK_CHARS: usize = 32;

/// Which dialect a client speaks: decided once, by the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `chat.v1`: JSON objects.
    Json,
    /// No subprotocol: plain lines of text.
    Plain,
}

impl Style {
    /// The dialect for the subprotocol the handshake agreed on.
    pub fn of(protocol: Option<&str>) -> Style {
        match protocol {
            Some(SUBPROTOCOL) => Style::Json,
            _ => Style::Plain,
        }
    }
}

/// A client of a room, as others see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The connection id: unique, unlike nicks.
    pub id: u64,
    /// The nick it chose (or `guest-ID`).
    pub nick: String,
    /// Its subprotocol, if any.
    pub protocol: Option<String>,
}

impl Person {
    fn to_json(&self) -> String {
        Object::new()
            .number("id", self.id)
            .string("nick", &self.nick)
            .optional_string("protocol", self.protocol.as_deref())
            .finish()
    }
}

/// One line of the `who` answer: a client of the room and its registry entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoEntry {
    /// Who.
    pub person: Person,
    /// The path it connected to.
    pub path: String,
    /// When it connected, in milliseconds since 1970.
    pub connected_ms: u64,
    /// Bytes received from it.
    pub bytes_in: u64,
    /// Bytes sent to it.
    pub bytes_out: u64,
}

/// What a client asks the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Say `text` to the room.
    Say(String),
    /// Change nick.
    Nick(String),
    /// List the room's clients.
    Who,
}

// ANCHOR: parse_request
/// Reads one text message from a client in its dialect. `Err` is a sentence for the
/// client saying what was wrong; the connection stays open.
pub fn parse_request(style: Style, text: &str) -> Result<Request, String> {
    match style {
        Style::Json => {
            let value =
                json::parse(text).map_err(|error| format!("not a chat.v1 message: {error}"))?;
            let field = |name: &str| value.get(name).and_then(Value::as_str);
            match field("type") {
                Some("message") => match field("text") {
                    Some(text) if !text.is_empty() => Ok(Request::Say(text.to_string())),
                    _ => Err("a message needs a non-empty \"text\" string".into()),
                },
                Some("nick") => match field("nick") {
                    Some(nick) => Ok(Request::Nick(nick.to_string())),
                    None => Err("a nick request needs a \"nick\" string".into()),
                },
                Some("who") => Ok(Request::Who),
                Some(other) => Err(format!(
                    "unknown type {other:?}: chat.v1 clients send message, nick or who"
                )),
                None => Err("expected a JSON object with a \"type\" string".into()),
            }
        }
        Style::Plain => {
            if let Some(nick) = text.strip_prefix("/nick ") {
                Ok(Request::Nick(nick.to_string()))
            } else if text.trim_end() == "/who" {
                Ok(Request::Who)
            } else if let Some(said) = text.strip_prefix("//") {
                Ok(Request::Say(format!("/{said}")))
            } else if text.starts_with('/') {
                Err(
                    "unknown command: use /nick NAME or /who (start a line with // to say /)"
                        .into(),
                )
            } else if text.is_empty() {
                Err("nothing to say".into())
            } else {
                Ok(Request::Say(text.to_string()))
            }
        }
    }
}
// ANCHOR_END: parse_request

/// A nick as chosen by a client, trimmed; `Err` says why it cannot be used.
pub fn check_nick(nick: &str) -> Result<String, String> {
    let nick = nick.trim();
    let chars = nick.chars().count();
    if chars == 0 {
        return Err("a nick cannot be empty".into());
    }
    if chars > MAX_NICK_CHARS {
        return Err(format!(
            "a nick has at most {MAX_NICK_CHARS} characters, not {chars}"
        ));
    }
    if nick.chars().any(char::is_control) {
        return Err("a nick cannot contain control characters".into());
    }
    Ok(nick.to_string())
}

/// A room name from a URL: 1–32 of `A-Z a-z 0-9 - _ .`.
pub fn check_room(room: &str) -> Result<String, String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if room.is_empty() || room.len() > 32 || !room.chars().all(allowed) {
        return Err(format!(
            "room {room:?}: use 1 to 32 of the characters A-Z a-z 0-9 - _ ."
        ));
    }
    Ok(room.to_string())
}

/// The value of `name` in the query of a request target (`/chat?room=x&nick=Ada%20L`),
/// percent-decoded (`+` is a space, as a browser's form encoding writes it). `None` if
/// absent or not valid UTF-8 once decoded.
pub fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if percent_decode(key)? == name {
            percent_decode(value)
        } else {
            None
        }
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None; // (from_str_radix alone would take "%+1")
                }
                out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Milliseconds since 1970, for `time` fields.
pub fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64)
}

// ANCHOR: notice
/// What the server tells clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice<'a> {
    /// To a client that just joined: who it is, and who is there.
    Welcome {
        /// The new client.
        you: &'a Person,
        /// Its room.
        room: &'a str,
        /// Everyone in the room, itself included.
        online: &'a [Person],
    },
    /// To the others: someone joined.
    Join(&'a Person),
    /// To the others: someone left (closed, lost, or dropped as too slow).
    Leave {
        /// Who.
        person: &'a Person,
        /// Why, in a few words.
        reason: &'a str,
    },
    /// To everyone: someone changed nick (`person` has the new one).
    Renamed {
        /// Who, with the new nick.
        person: &'a Person,
        /// The old nick.
        old: &'a str,
    },
    /// To everyone, the sender included: a chat message.
    Message {
        /// Who said it.
        from: &'a Person,
        /// What.
        text: &'a str,
        /// When the server received it, in milliseconds since 1970.
        time_ms: u64,
    },
    /// To one client: the room's clients with their registry entries.
    Who(&'a [WhoEntry]),
    /// To one client: its last message was not understood.
    Error(&'a str),
}
// ANCHOR_END: notice

// ANCHOR: render
/// The text message that carries `notice` to a client speaking `style`.
pub fn render(notice: &Notice<'_>, style: Style) -> String {
    match style {
        Style::Json => render_json(notice),
        Style::Plain => render_plain(notice),
    }
}

fn render_json(notice: &Notice<'_>) -> String {
    match *notice {
        Notice::Welcome { you, room, online } => Object::new()
            .string("type", "welcome")
            .number("id", you.id)
            .string("nick", &you.nick)
            .string("room", room)
            .raw("online", &json::array(online.iter().map(Person::to_json)))
            .finish(),
        Notice::Join(person) => Object::new()
            .string("type", "join")
            .number("id", person.id)
            .string("nick", &person.nick)
            .optional_string("protocol", person.protocol.as_deref())
            .finish(),
        Notice::Leave { person, reason } => Object::new()
            .string("type", "leave")
            .number("id", person.id)
            .string("nick", &person.nick)
            .string("reason", reason)
            .finish(),
        Notice::Renamed { person, old } => Object::new()
            .string("type", "nick")
            .number("id", person.id)
            .string("old", old)
            .string("nick", &person.nick)
            .finish(),
        Notice::Message {
            from,
            text,
            time_ms,
        } => Object::new()
            .string("type", "message")
            .number("id", from.id)
            .string("nick", &from.nick)
            .string("text", text)
            .number("time", time_ms)
            .finish(),
        Notice::Who(entries) => {
            let clients = entries.iter().map(|entry| {
                Object::new()
                    .number("id", entry.person.id)
                    .string("nick", &entry.person.nick)
                    .optional_string("protocol", entry.person.protocol.as_deref())
                    .string("path", &entry.path)
                    .number("connected", entry.connected_ms)
                    .number("bytes_in", entry.bytes_in)
                    .number("bytes_out", entry.bytes_out)
                    .finish()
            });
            Object::new()
                .string("type", "who")
                .raw("clients", &json::array(clients))
                .finish()
        }
        Notice::Error(text) => Object::new()
            .string("type", "error")
            .string("text", text)
            .finish(),
    }
}

fn render_plain(notice: &Notice<'_>) -> String {
    let nicks = |people: &[Person]| {
        people
            .iter()
            .map(|p| p.nick.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match *notice {
        Notice::Welcome { you, room, online } => format!(
            "* welcome, {}: room {room}, online: {}. Lines you send are said to the room; \
             /nick NAME renames you, /who lists everyone.",
            you.nick,
            nicks(online)
        ),
        Notice::Join(person) => format!("* {} joined", person.nick),
        Notice::Leave { person, reason } => format!("* {} left ({reason})", person.nick),
        Notice::Renamed { person, old } => format!("* {old} is now {}", person.nick),
        Notice::Message { from, text, .. } => format!("{}: {text}", from.nick),
        Notice::Who(entries) => {
            let lines: Vec<String> = entries
                .iter()
                .map(|entry| {
                    format!(
                        "  #{} {} ({}), {} bytes in, {} bytes out",
                        entry.person.id,
                        entry.person.nick,
                        entry.person.protocol.as_deref().unwrap_or("plain text"),
                        entry.bytes_in,
                        entry.bytes_out
                    )
                })
                .collect();
            format!("* {} online:\n{}", entries.len(), lines.join("\n"))
        }
        Notice::Error(text) => format!("* error: {text}"),
    }
}
// ANCHOR_END: render

#[cfg(test)]
mod tests {
    use super::*;

    fn ada() -> Person {
        Person {
            id: 3,
            nick: "Ada".into(),
            protocol: Some(SUBPROTOCOL.into()),
        }
    }

    #[test]
    fn the_dialect_follows_the_negotiated_subprotocol() {
        assert_eq!(Style::of(Some("chat.v1")), Style::Json);
        assert_eq!(Style::of(None), Style::Plain);
    }

    #[test]
    fn json_requests() {
        assert_eq!(
            parse_request(Style::Json, r#"{"type":"message","text":"hi \"you\""}"#),
            Ok(Request::Say("hi \"you\"".into()))
        );
        // A nick in a message is ignored: the server says who spoke.
        assert_eq!(
            parse_request(
                Style::Json,
                r#"{"type":"message","nick":"root","text":"x"}"#
            ),
            Ok(Request::Say("x".into()))
        );
        assert_eq!(
            parse_request(Style::Json, r#"{"type":"nick","nick":"Ada"}"#),
            Ok(Request::Nick("Ada".into()))
        );
        assert_eq!(
            parse_request(Style::Json, r#"{"type":"who"}"#),
            Ok(Request::Who)
        );
        for bad in [
            "hello",
            "{}",
            r#"{"type":"message"}"#,
            r#"{"type":"message","text":""}"#,
            r#"{"type":"dance"}"#,
            r#"["type","message"]"#,
        ] {
            assert!(parse_request(Style::Json, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_requests() {
        assert_eq!(
            parse_request(Style::Plain, "hello"),
            Ok(Request::Say("hello".into()))
        );
        assert_eq!(
            parse_request(Style::Plain, "{\"type\":\"who\"}"),
            Ok(Request::Say("{\"type\":\"who\"}".into())),
            "JSON is just text to a plain client"
        );
        assert_eq!(
            parse_request(Style::Plain, "/nick Ada"),
            Ok(Request::Nick("Ada".into()))
        );
        assert_eq!(parse_request(Style::Plain, "/who"), Ok(Request::Who));
        assert_eq!(
            parse_request(Style::Plain, "//slash"),
            Ok(Request::Say("/slash".into()))
        );
        assert!(parse_request(Style::Plain, "/dance").is_err());
        assert!(parse_request(Style::Plain, "").is_err());
    }

    #[test]
    fn nicks_and_rooms_are_checked() {
        assert_eq!(check_nick("  Ada Lovelace "), Ok("Ada Lovelace".into()));
        assert_eq!(check_nick("日本語"), Ok("日本語".into()));
        assert!(check_nick("  ").is_err());
        assert!(check_nick("a\nb").is_err());
        assert!(check_nick(&"x".repeat(33)).is_err());
        assert_eq!(check_room("room-1"), Ok("room-1".into()));
        assert!(check_room("a b").is_err());
        assert!(check_room("").is_err());
        assert!(check_room(&"r".repeat(33)).is_err());
    }

    #[test]
    fn query_parameters_are_percent_decoded() {
        let target = "/chat?room=lobby&nick=Ada%20L%C3%B6+x#frag";
        assert_eq!(query_param(target, "room").as_deref(), Some("lobby"));
        assert_eq!(query_param(target, "nick").as_deref(), Some("Ada Lö x"));
        assert_eq!(query_param(target, "other"), None);
        assert_eq!(query_param("/chat", "room"), None);
        assert_eq!(query_param("/chat?nick=%", "nick"), None);
        assert_eq!(query_param("/chat?nick=%ff", "nick"), None, "not UTF-8");
        assert_eq!(query_param("/chat?nick=%+1", "nick"), None);
        assert_eq!(query_param("/chat?nick", "nick").as_deref(), Some(""));
    }

    #[test]
    fn notices_in_json() {
        let ada = ada();
        let bob = Person {
            id: 4,
            nick: "bob".into(),
            protocol: None,
        };
        let online = [ada.clone(), bob.clone()];
        assert_eq!(
            render(
                &Notice::Welcome {
                    you: &ada,
                    room: "lobby",
                    online: &online
                },
                Style::Json
            ),
            r#"{"type":"welcome","id":3,"nick":"Ada","room":"lobby","online":[{"id":3,"nick":"Ada","protocol":"chat.v1"},{"id":4,"nick":"bob","protocol":null}]}"#
        );
        assert_eq!(
            render(
                &Notice::Message {
                    from: &bob,
                    text: "hi \"all\"",
                    time_ms: 7
                },
                Style::Json
            ),
            r#"{"type":"message","id":4,"nick":"bob","text":"hi \"all\"","time":7}"#
        );
        assert_eq!(
            render(
                &Notice::Leave {
                    person: &bob,
                    reason: "closed"
                },
                Style::Json
            ),
            r#"{"type":"leave","id":4,"nick":"bob","reason":"closed"}"#
        );
    }

    #[test]
    fn notices_in_plain_text() {
        let ada = ada();
        assert_eq!(
            render(
                &Notice::Message {
                    from: &ada,
                    text: "hi",
                    time_ms: 0
                },
                Style::Plain
            ),
            "Ada: hi"
        );
        assert_eq!(render(&Notice::Join(&ada), Style::Plain), "* Ada joined");
        assert_eq!(
            render(
                &Notice::Renamed {
                    person: &ada,
                    old: "guest-3"
                },
                Style::Plain
            ),
            "* guest-3 is now Ada"
        );
    }
}
