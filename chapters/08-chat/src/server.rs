//! The server: three routes on one port, each connection on chapter 07's connection,
//! counted by [`Metered`], tracked in the [`Hub`].
//!
//! - `/` — the chat page.
//! - `/echo` — chapter 07's echo, for anything (no `Origin` check: it holds no one
//!   else's data).
//! - `/chat` — the chat: `Origin` checked ([`OriginPolicy`]), subprotocol `chat.v1` or
//!   none, a room from `?room=`, a nick from `?nick=`.
//!
//! A chat client has two threads: the connection's own (chapter 01), which reads and
//! acts on what the client says, and a writer that empties its [`Outbox`]. The limits
//! of the earlier chapters come from [`Settings`], which `main.rs` fills from the
//! command line.

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::chat::{self, DEFAULT_ROOM, Request, SUBPROTOCOL, Style};
use crate::hub::Hub;
use crate::metered::{Metered, Traffic};
use crate::origin::OriginPolicy;
use crate::outbox::{Item, Outbox, OutboxLimits};
use crate::{
    ClientInfo, Config, Connection, Event, HeadLimits, Heartbeat, Limits, MessageKind, Rejection,
    Role, Router, Sender, ServeOptions, Upgrade, Upgraded, WebSocket, log,
};

/// The chat page served at `/`.
pub const PAGE: &str = include_str!("page.html");

/// A connection as this chapter drives it: chapter 07's, with its bytes counted.
pub type ChatConnection = Metered<Connection>;

/// Everything the command line can change.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The largest message (and frame) accepted, in bytes; larger fails with 1009.
    pub max_message: u64,
    /// At most this many connections at once, handshakes included (chapter 01's cap).
    pub max_connections: usize,
    /// A client silent this long is pinged; one that still says nothing (not even the
    /// pong) within the same time again is dropped. Also the socket write timeout.
    pub idle_timeout: Duration,
    /// How long a client has to send its whole handshake (chapter 02).
    pub handshake_timeout: Duration,
    /// Who may open `/chat`.
    pub origins: OriginPolicy,
    /// How much may wait for one chat client before it is dropped as too slow.
    pub outbox: OutboxLimits,
    /// Log connections and room events only, not every message.
    pub quiet: bool,
}

impl Settings {
    /// The defaults of `main.rs`, for a server at `local`.
    pub fn defaults_for(local: std::net::SocketAddr) -> Settings {
        Settings {
            max_message: 1 << 20,
            max_connections: 1024,
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            origins: OriginPolicy::for_server(local, &[]),
            outbox: OutboxLimits::default(),
            quiet: false,
        }
    }

    // ANCHOR: config
    /// Chapter 07's connection settings from these limits.
    pub fn connection_config(&self) -> Config {
        let mut config = Config::default();
        config.connection.limits = Limits {
            max_frame_payload: self.max_message,
            max_message: self.max_message,
        };
        // Half the idle timeout of silence earns a ping; the other half is the time to
        // answer it. A browser tab that is open but quiet answers (browsers pong by
        // themselves), so only a dead or stuck peer is dropped.
        let half = self.idle_timeout / 2;
        config.connection.heartbeat = Some(Heartbeat {
            interval: half.max(Duration::from_millis(100)),
            timeout: half.max(Duration::from_millis(100)),
        });
        config
    }

    /// Chapter 01's accept-loop options from these limits.
    pub fn serve_options(&self) -> ServeOptions {
        ServeOptions {
            // With a heartbeat the connection always has a deadline of its own; this
            // read timeout only matters if it had none.
            read_timeout: Some(self.idle_timeout),
            // A client that reads nothing while we are blocked writing to it for this
            // long is gone.
            write_timeout: Some(self.idle_timeout),
            max_connections: Some(self.max_connections),
        }
    }
    // ANCHOR_END: config
}

// ANCHOR: router
/// The routes. `hub` is the registry every connection is tracked in.
pub fn router(settings: &Settings, hub: &Hub) -> Router {
    let config = settings.connection_config();
    let quiet = settings.quiet;
    let (echo_hub, chat_hub) = (hub.clone(), hub.clone());
    let origins = settings.origins.clone();
    let outbox = settings.outbox;
    Router::new()
        .limits(HeadLimits::default())
        .handshake_timeout(settings.handshake_timeout)
        .page("/", "text/html; charset=utf-8", PAGE)
        .websocket("/echo", &[], move |upgraded| {
            echo(upgraded, &echo_hub, config, quiet);
        })
        .websocket_checked(
            "/chat",
            &[SUBPROTOCOL],
            move |upgrade| check_chat(upgrade, &origins),
            move |upgraded| chat(upgraded, &chat_hub, config, outbox, quiet),
        )
}
// ANCHOR_END: router

// ANCHOR: check_chat
/// `/chat`'s own rules, before the 101: the `Origin`, the subprotocol and the room.
fn check_chat(upgrade: &Upgrade, origins: &OriginPolicy) -> Result<(), Rejection> {
    origins.check(upgrade)?;
    // §4.2.2: the server picks one of the client's subprotocols "or null". Chapter 02
    // picks chat.v1 when offered. A client that offers only others would get a
    // connection in a dialect it did not ask for; browsers refuse that connection
    // anyway ("Sent non-empty 'Sec-WebSocket-Protocol' header but no response was
    // received"), so say so plainly instead.
    if upgrade.protocol.is_none() && !upgrade.offered_protocols.is_empty() {
        return Err(Rejection::bad_request(format!(
            "/chat speaks the subprotocol {SUBPROTOCOL} (JSON), or plain text when none is \
             offered; this client offered only {}",
            upgrade.offered_protocols.join(", ")
        )));
    }
    if let Some(room) = chat::query_param(&upgrade.path, "room") {
        chat::check_room(&room).map_err(Rejection::bad_request)?;
    }
    Ok(())
}
// ANCHOR_END: check_chat

/// The registry entry of an upgraded connection: chapter 02's, if it has one.
fn client_info(upgraded: &Upgraded) -> ClientInfo {
    upgraded
        .registry
        .get(upgraded.info.id)
        .unwrap_or_else(|| ClientInfo {
            id: upgraded.info.id,
            peer: upgraded.info.peer,
            path: upgraded.upgrade.path.clone(),
            protocol: upgraded.upgrade.protocol.clone(),
            connected_at: std::time::SystemTime::now(),
        })
}

// ANCHOR: accept
/// Chapter 07's server connection, OPEN, with its bytes counted into `traffic`.
fn accept(
    upgraded: Upgraded,
    config: Config,
    traffic: &Arc<Traffic>,
) -> std::io::Result<WebSocket<ChatConnection>> {
    let mut connection = Connection::new(Role::Server, config, Instant::now());
    connection.open(); // chapter 02 already sent the 101
    let metered = Metered::new(connection, Arc::clone(traffic));
    WebSocket::new(upgraded.stream, &upgraded.leftover, metered)
}
// ANCHOR_END: accept

/// `/echo`: chapter 07's echo, tracked.
fn echo(upgraded: Upgraded, hub: &Hub, config: Config, quiet: bool) {
    let id = upgraded.info.id;
    let traffic = Arc::new(Traffic::default());
    let _tracked = hub.track(client_info(&upgraded), Arc::clone(&traffic));
    let mut ws = match accept(upgraded, config, &traffic) {
        Ok(ws) => ws,
        Err(error) => return log(id, format_args!("cannot set up the connection: {error}")),
    };
    while let Some(event) = ws.read() {
        match event {
            Event::Message(message) => {
                if !quiet {
                    log(id, format_args!("{message} → echo"));
                }
                let _ = ws.with(|connection| connection.send(&message));
            }
            Event::Closed(info) => log(
                id,
                format_args!(
                    "CLOSED: {info}; {} bytes in, {} bytes out",
                    traffic.bytes_in(),
                    traffic.bytes_out()
                ),
            ),
            _ => {}
        }
    }
}

// ANCHOR: chat
/// `/chat`: join the room, relay what the client says, leave.
fn chat(upgraded: Upgraded, hub: &Hub, config: Config, limits: OutboxLimits, quiet: bool) {
    let id = upgraded.info.id;
    let style = Style::of(upgraded.upgrade.protocol.as_deref());
    let target = upgraded.upgrade.path.clone();
    let room = chat::query_param(&target, "room").unwrap_or_else(|| DEFAULT_ROOM.to_string());
    let traffic = Arc::new(Traffic::default());
    let tracked = hub.track(client_info(&upgraded), Arc::clone(&traffic));
    let mut ws = match accept(upgraded, config, &traffic) {
        Ok(ws) => ws,
        Err(error) => return log(id, format_args!("cannot set up the connection: {error}")),
    };

    // The writer: the only thread that writes chat messages to this client.
    let outbox = Arc::new(Outbox::new(limits));
    let writer = {
        let (outbox, sender) = (Arc::clone(&outbox), ws.sender());
        thread::Builder::new()
            .name(format!("writer-{id}"))
            .spawn(move || write_outbox(&outbox, &sender))
    };
    let writer = match writer {
        Ok(writer) => writer,
        Err(error) => {
            log(id, format_args!("cannot start a writer thread: {error}"));
            let _ = ws.with(|c| c.close(1013, "server overloaded", Instant::now()));
            while ws.read().is_some() {}
            return;
        }
    };

    let requested = chat::query_param(&target, "nick").filter(|nick| !nick.is_empty());
    let (nick, nick_error) = match requested.as_deref().map(chat::check_nick) {
        Some(Ok(nick)) => (nick, None),
        Some(Err(why)) => (format!("guest-{id}"), Some(why)),
        None => (format!("guest-{id}"), None),
    };
    hub.join(id, &room, &nick, style, Arc::clone(&outbox));
    if let Some(why) = nick_error {
        hub.error(id, &why);
    }

    let mut reason = String::from("connection lost");
    while let Some(event) = ws.read() {
        match event {
            Event::Message(message) if message.kind == MessageKind::Binary => {
                // §7.4.1: "1003 indicates that an endpoint is terminating the connection
                // because it has received a type of data it cannot accept (e.g., an
                // endpoint that understands only text data MAY send this if it
                // receives a binary message)."
                log(
                    id,
                    format_args!("{message}: a chat carries text only → close 1003"),
                );
                let _ = ws.with(|c| c.close(1003, "chat messages are text", Instant::now()));
            }
            Event::Message(message) => {
                let text = message.as_text().unwrap_or_default();
                if !quiet {
                    log(id, format_args!("{message}"));
                }
                match chat::parse_request(style, text) {
                    Ok(Request::Say(said)) => hub.say(id, &said),
                    Ok(Request::Nick(nick)) => {
                        if let Err(why) = hub.rename(id, &nick) {
                            hub.error(id, &why);
                        }
                    }
                    Ok(Request::Who) => hub.who(id),
                    Err(why) => hub.error(id, &why),
                }
            }
            Event::CloseReceived { code, .. } => {
                reason = match code {
                    Some(code) => format!("closed, {}", code.code()),
                    None => "closed".to_string(),
                };
                hub.leave(id, &reason);
            }
            Event::Closed(info) => {
                log(
                    id,
                    format_args!(
                        "CLOSED: {info}; {} bytes in, {} bytes out",
                        traffic.bytes_in(),
                        traffic.bytes_out()
                    ),
                );
                // (A close frame from the client already led to `leave` above.)
                reason = match (&info.failure, &info.sent) {
                    // We failed the connection: a broken rule (1002, 1007), a message
                    // over --max-message (1009), no pong in time (1011).
                    (Some(_), Some((Some(code), _))) => format!("dropped, {}", code.code()),
                    _ => format!("connection lost ({})", info.code.code()),
                };
            }
            _ => {}
        }
    }
    hub.leave(id, &reason);
    outbox.finish();
    let _ = writer.join();
    drop(tracked);
}
// ANCHOR_END: chat

// ANCHOR: write_outbox
/// The writer thread: write each queued message; on [`Item::Close`], start the closing
/// handshake and stop. Only this thread waits if the client reads slowly.
fn write_outbox(outbox: &Outbox, sender: &Sender<ChatConnection>) {
    while let Some(item) = outbox.next() {
        match item {
            Item::Message(message) => {
                if sender.with(|c| c.send(&message)).is_err() {
                    // A close frame went out (nothing may follow it, §5.5.1), or the
                    // socket broke. Either way nothing more will be written: refuse
                    // further pushes, rather than let them pile up until the client
                    // looks too slow.
                    outbox.finish();
                    return;
                }
            }
            Item::Close { code, reason } => {
                let _ = sender.with(|c| c.close(code, &reason, Instant::now()));
                return;
            }
        }
    }
}
// ANCHOR_END: write_outbox
