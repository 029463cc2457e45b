//! The registry of connected clients, and the rooms that broadcast among them.
//!
//! A server that only echoes never needs to know who else is connected. A chat does:
//! a message from one client goes to every client of its room. The seeds put it
//! plainly: the server must keep track of each client's socket. Chapter 02's
//! [`Registry`](crate::Registry) already lists each upgraded connection (id, address,
//! path, subprotocol, when it connected); the [`Hub`] keeps that [`ClientInfo`] and
//! adds what a chat needs: the bytes each client moved ([`Traffic`]), and, for chat
//! clients, a room, a nick, a dialect ([`Style`]) and an [`Outbox`].
//!
//! Everything sits behind one lock, and nothing done under it can wait for the
//! network: a broadcast renders the notice once per dialect and pushes it into each
//! outbox, which either takes it at once or reports the client as too slow. Too slow
//! clients are dropped on the spot (their outbox is closed with 1008 and the others
//! hear that they left), so a broadcast costs the same whether a reader is fast, slow
//! or gone. Log lines are written after the lock is released.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use crate::chat::{Notice, Person, Style, WhoEntry, check_nick, render, unix_millis};
use crate::metered::Traffic;
use crate::outbox::{Outbox, PushError};
use crate::{ClientInfo, Message, log};

/// The close code for a client whose outbox overflowed: §7.4.1 "1008 indicates that an
/// endpoint is terminating the connection because it has received a message that
/// violates its policy." Our policy: a chat client must keep up with its room.
pub const TOO_SLOW_CODE: u16 = 1008;

/// The close reason sent with [`TOO_SLOW_CODE`].
pub const TOO_SLOW_REASON: &str = "reading too slowly: outgoing queue full";

/// One registry entry, as [`Hub::list`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientStats {
    /// Id, address, path, subprotocol, connected-at (chapter 02).
    pub info: ClientInfo,
    /// Bytes received from it.
    pub bytes_in: u64,
    /// Bytes sent to it.
    pub bytes_out: u64,
    /// Its room and nick, if it is a chat client.
    pub chat: Option<(String, String)>,
}

#[derive(Debug)]
struct Client {
    info: ClientInfo,
    traffic: Arc<Traffic>,
    member: Option<Member>,
}

#[derive(Debug)]
struct Member {
    room: String,
    person: Person,
    style: Style,
    outbox: Arc<Outbox>,
}

/// Who a notice goes to, within a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum To {
    Everyone,
    AllBut(u64),
    Only(u64),
}

impl To {
    fn includes(self, id: u64) -> bool {
        match self {
            To::Everyone => true,
            To::AllBut(other) => id != other,
            To::Only(one) => id == one,
        }
    }
}

/// A client dropped for reading too slowly, for the log.
#[derive(Debug)]
struct Dropped {
    id: u64,
    nick: String,
    room: String,
    messages: usize,
    bytes: usize,
}

type Clients = BTreeMap<u64, Client>;

/// The registry of connected clients and their rooms. Cheap to clone; every clone
/// shares the same state.
#[derive(Debug, Clone, Default)]
pub struct Hub {
    clients: Arc<Mutex<Clients>>,
}

/// Keeps a client in the [`Hub`] until dropped; then it leaves its room (if it is
/// still in one) and the registry, even if its handler panicked.
#[derive(Debug)]
pub struct Tracked {
    hub: Hub,
    id: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.hub.leave(self.id, "connection lost");
        self.hub.lock().remove(&self.id);
    }
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Hub {
        Hub::default()
    }

    fn lock(&self) -> MutexGuard<'_, Clients> {
        // No operation leaves the map half-updated when it panics (there is nothing to
        // panic about under the lock), so a poisoned lock is safe to use.
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lists a WebSocket client (any route) until the returned guard is dropped.
    pub fn track(&self, info: ClientInfo, traffic: Arc<Traffic>) -> Tracked {
        let id = info.id;
        self.lock().insert(
            id,
            Client {
                info,
                traffic,
                member: None,
            },
        );
        Tracked {
            hub: self.clone(),
            id,
        }
    }

    /// Every client, in connection order, with its byte counts.
    pub fn list(&self) -> Vec<ClientStats> {
        self.lock()
            .values()
            .map(|client| ClientStats {
                info: client.info.clone(),
                bytes_in: client.traffic.bytes_in(),
                bytes_out: client.traffic.bytes_out(),
                chat: client
                    .member
                    .as_ref()
                    .map(|m| (m.room.clone(), m.person.nick.clone())),
            })
            .collect()
    }

    /// The people in `room`, in connection order.
    pub fn room(&self, room: &str) -> Vec<Person> {
        members_of(&self.lock(), room)
    }

    // ANCHOR: join
    /// Client `id` (already tracked) joins `room` as `nick`: it gets a welcome with
    /// everyone online, the others get a join notice. Its messages go through `outbox`.
    pub fn join(&self, id: u64, room: &str, nick: &str, style: Style, outbox: Arc<Outbox>) {
        let mut clients = self.lock();
        let Some(client) = clients.get_mut(&id) else {
            return;
        };
        let person = Person {
            id,
            nick: nick.to_string(),
            protocol: client.info.protocol.clone(),
        };
        client.member = Some(Member {
            room: room.to_string(),
            person: person.clone(),
            style,
            outbox,
        });
        let online = members_of(&clients, room);
        let mut slow = deliver(
            &clients,
            room,
            &Notice::Welcome {
                you: &person,
                room,
                online: &online,
            },
            To::Only(id),
        );
        slow.extend(deliver(
            &clients,
            room,
            &Notice::Join(&person),
            To::AllBut(id),
        ));
        let dropped = drop_slow(&mut clients, slow);
        let count = online.len();
        drop(clients);
        log(
            id,
            format_args!("joined room {room} as {nick:?} ({count} online)"),
        );
        log_dropped(&dropped);
    }
    // ANCHOR_END: join

    // ANCHOR: say
    /// Client `id` said `text`: everyone in its room gets it, itself included (so that
    /// every client sees the room's one order of messages).
    pub fn say(&self, id: u64, text: &str) {
        let mut clients = self.lock();
        let Some(member) = clients.get(&id).and_then(|c| c.member.as_ref()) else {
            return;
        };
        let (room, from) = (member.room.clone(), member.person.clone());
        let notice = Notice::Message {
            from: &from,
            text,
            time_ms: unix_millis(SystemTime::now()),
        };
        let slow = deliver(&clients, &room, &notice, To::Everyone);
        let dropped = drop_slow(&mut clients, slow);
        drop(clients);
        log_dropped(&dropped);
    }
    // ANCHOR_END: say

    /// Client `id` wants to be called `nick`. `Err` says why it cannot (sent back to
    /// the client by the caller).
    pub fn rename(&self, id: u64, nick: &str) -> Result<(), String> {
        let nick = check_nick(nick)?;
        let mut clients = self.lock();
        let Some(member) = clients.get_mut(&id).and_then(|c| c.member.as_mut()) else {
            return Ok(());
        };
        let old = std::mem::replace(&mut member.person.nick, nick.clone());
        let (room, person) = (member.room.clone(), member.person.clone());
        let slow = deliver(
            &clients,
            &room,
            &Notice::Renamed {
                person: &person,
                old: &old,
            },
            To::Everyone,
        );
        let dropped = drop_slow(&mut clients, slow);
        drop(clients);
        log(id, format_args!("{old:?} is now {nick:?}"));
        log_dropped(&dropped);
        Ok(())
    }

    /// Sends client `id` the registry entries of its room.
    pub fn who(&self, id: u64) {
        let mut clients = self.lock();
        let Some(room) = clients
            .get(&id)
            .and_then(|c| c.member.as_ref())
            .map(|m| m.room.clone())
        else {
            return;
        };
        let entries: Vec<WhoEntry> = clients
            .values()
            .filter_map(|client| {
                let member = client.member.as_ref().filter(|m| m.room == room)?;
                Some(WhoEntry {
                    person: member.person.clone(),
                    path: client.info.path.clone(),
                    connected_ms: unix_millis(client.info.connected_at),
                    bytes_in: client.traffic.bytes_in(),
                    bytes_out: client.traffic.bytes_out(),
                })
            })
            .collect();
        let slow = deliver(&clients, &room, &Notice::Who(&entries), To::Only(id));
        let dropped = drop_slow(&mut clients, slow);
        drop(clients);
        log_dropped(&dropped);
    }

    /// Tells client `id` (only) that its last message was not understood.
    pub fn error(&self, id: u64, text: &str) {
        let mut clients = self.lock();
        let Some(room) = clients
            .get(&id)
            .and_then(|c| c.member.as_ref())
            .map(|m| m.room.clone())
        else {
            return;
        };
        let slow = deliver(&clients, &room, &Notice::Error(text), To::Only(id));
        let dropped = drop_slow(&mut clients, slow);
        drop(clients);
        log_dropped(&dropped);
    }

    /// Client `id` leaves its room (if it is in one); the others hear `reason`.
    pub fn leave(&self, id: u64, reason: &str) {
        let mut clients = self.lock();
        let Some(member) = clients.get_mut(&id).and_then(|c| c.member.take()) else {
            return;
        };
        let slow = deliver(
            &clients,
            &member.room,
            &Notice::Leave {
                person: &member.person,
                reason,
            },
            To::Everyone,
        );
        let dropped = drop_slow(&mut clients, slow);
        let left = members_of(&clients, &member.room).len();
        drop(clients);
        log(
            id,
            format_args!("left room {} ({reason}); {left} still online", member.room),
        );
        log_dropped(&dropped);
    }
}

fn members_of(clients: &Clients, room: &str) -> Vec<Person> {
    clients
        .values()
        .filter_map(|c| c.member.as_ref())
        .filter(|m| m.room == room)
        .map(|m| m.person.clone())
        .collect()
}

// ANCHOR: deliver
/// Pushes `notice` into the outbox of each client of `room` that `to` includes, rendered
/// once per dialect. Never waits for a socket. Returns the clients whose outbox was full,
/// with what it held.
fn deliver(clients: &Clients, room: &str, notice: &Notice<'_>, to: To) -> Vec<(u64, usize, usize)> {
    let mut rendered: [Option<Arc<Message>>; 2] = [None, None];
    let mut slow = Vec::new();
    for (&id, client) in clients {
        let Some(member) = &client.member else {
            continue;
        };
        if member.room != room || !to.includes(id) {
            continue;
        }
        let slot = match member.style {
            Style::Json => &mut rendered[0],
            Style::Plain => &mut rendered[1],
        };
        let message = slot
            .get_or_insert_with(|| Arc::new(Message::text(render(notice, member.style))))
            .clone();
        match member.outbox.push(message) {
            Ok(()) | Err(PushError::Closed) => {}
            Err(PushError::Full { messages, bytes }) => slow.push((id, messages, bytes)),
        }
    }
    slow
}
// ANCHOR_END: deliver

// ANCHOR: drop_slow
/// Drops each too-slow client from its room: its outbox is emptied and will send a close
/// frame with 1008 next, and the room hears that it left — which may find more slow
/// clients, dropped in turn.
fn drop_slow(clients: &mut Clients, mut slow: Vec<(u64, usize, usize)>) -> Vec<Dropped> {
    let mut dropped = Vec::new();
    while let Some((id, messages, bytes)) = slow.pop() {
        let Some(member) = clients.get_mut(&id).and_then(|c| c.member.take()) else {
            continue; // already dropped by an earlier notice
        };
        member.outbox.close_now(TOO_SLOW_CODE, TOO_SLOW_REASON);
        slow.extend(deliver(
            clients,
            &member.room,
            &Notice::Leave {
                person: &member.person,
                reason: "dropped: too slow",
            },
            To::Everyone,
        ));
        dropped.push(Dropped {
            id,
            nick: member.person.nick,
            room: member.room,
            messages,
            bytes,
        });
    }
    dropped
}
// ANCHOR_END: drop_slow

fn log_dropped(dropped: &[Dropped]) {
    for d in dropped {
        log(
            d.id,
            format_args!(
                "{:?} dropped from room {}: outgoing queue full ({} messages, {} bytes waiting) \
                 → close {TOO_SLOW_CODE}",
                d.nick, d.room, d.messages, d.bytes
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::SUBPROTOCOL;
    use crate::outbox::{Item, OutboxLimits};

    fn info(id: u64, protocol: Option<&str>) -> ClientInfo {
        ClientInfo {
            id,
            peer: "127.0.0.1:5000".parse().unwrap(),
            path: "/chat".into(),
            protocol: protocol.map(str::to_string),
            connected_at: SystemTime::now(),
        }
    }

    /// A tracked client in `room` with its own outbox.
    fn member(
        hub: &Hub,
        id: u64,
        nick: &str,
        style: Style,
        limits: OutboxLimits,
    ) -> (Tracked, Arc<Outbox>) {
        let protocol = (style == Style::Json).then_some(SUBPROTOCOL);
        let tracked = hub.track(info(id, protocol), Arc::new(Traffic::default()));
        let outbox = Arc::new(Outbox::new(limits));
        hub.join(id, "lobby", nick, style, Arc::clone(&outbox));
        (tracked, outbox)
    }

    /// Everything queued in an outbox, as text.
    fn drain(outbox: &Outbox) -> Vec<String> {
        let mut out = Vec::new();
        while !outbox.is_empty() {
            match outbox.next() {
                Some(Item::Message(m)) => out.push(m.as_text().unwrap().to_string()),
                other => panic!("{other:?}"),
            }
        }
        out
    }

    #[test]
    fn join_say_rename_leave_in_both_dialects() {
        let hub = Hub::new();
        let limits = OutboxLimits::default();
        let (_ada, ada_box) = member(&hub, 1, "ada", Style::Json, limits);
        let (bob, bob_box) = member(&hub, 2, "bob", Style::Plain, limits);
        assert_eq!(
            drain(&ada_box),
            [
                r#"{"type":"welcome","id":1,"nick":"ada","room":"lobby","online":[{"id":1,"nick":"ada","protocol":"chat.v1"}]}"#,
                r#"{"type":"join","id":2,"nick":"bob","protocol":null}"#,
            ]
        );
        assert!(drain(&bob_box)[0].starts_with("* welcome, bob: room lobby, online: ada, bob."));

        hub.say(2, "hi ada");
        let said = drain(&ada_box);
        assert!(
            said[0].starts_with(r#"{"type":"message","id":2,"nick":"bob","text":"hi ada","time":"#)
        );
        assert_eq!(drain(&bob_box), ["bob: hi ada"], "the sender hears itself");

        hub.rename(1, " Ada ").unwrap();
        assert!(hub.rename(1, "").is_err());
        assert_eq!(drain(&bob_box), ["* ada is now Ada"]);
        assert_eq!(
            drain(&ada_box),
            [r#"{"type":"nick","id":1,"old":"ada","nick":"Ada"}"#]
        );

        hub.who(2);
        let who = drain(&bob_box);
        assert!(
            who[0].starts_with("* 2 online:\n  #1 Ada (chat.v1), 0 bytes in, 0 bytes out"),
            "{who:?}"
        );

        drop(bob); // the guard: leaves the room and the registry
        assert_eq!(
            drain(&ada_box),
            [r#"{"type":"leave","id":2,"nick":"bob","reason":"connection lost"}"#]
        );
        assert_eq!(hub.list().len(), 1);
        assert_eq!(hub.room("lobby").len(), 1);
    }

    #[test]
    fn the_registry_lists_every_client_with_its_bytes() {
        use crate::metered::Metered;
        use crate::{Config, Connection, Frame, Role, SansIo, encode_frame};
        use std::time::Instant;

        let hub = Hub::new();
        let traffic = Arc::new(Traffic::default());
        let mut echo = info(7, None);
        echo.path = "/echo".into();
        let _tracked = hub.track(echo.clone(), Arc::clone(&traffic));
        let mut connection = Connection::new(Role::Server, Config::default(), Instant::now());
        connection.open();
        let mut metered = Metered::new(connection, traffic);
        metered.receive(
            &encode_frame(Role::Client, &Frame::text("hi")),
            Instant::now(),
        );
        let listed = hub.list();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            listed[0].info, echo,
            "id, address, path, subprotocol, connected-at"
        );
        assert_eq!(listed[0].info.peer.to_string(), "127.0.0.1:5000");
        assert_eq!((listed[0].bytes_in, listed[0].bytes_out), (8, 0));
        assert_eq!(listed[0].chat, None, "an /echo client is in no room");
    }

    #[test]
    fn rooms_do_not_hear_each_other() {
        let hub = Hub::new();
        let _a = hub.track(info(1, None), Arc::new(Traffic::default()));
        let _b = hub.track(info(2, None), Arc::new(Traffic::default()));
        let a = Arc::new(Outbox::new(OutboxLimits::default()));
        let b = Arc::new(Outbox::new(OutboxLimits::default()));
        hub.join(1, "red", "a", Style::Plain, Arc::clone(&a));
        hub.join(2, "blue", "b", Style::Plain, Arc::clone(&b));
        drain(&a);
        drain(&b);
        hub.say(1, "in red");
        assert_eq!(drain(&a), ["a: in red"]);
        assert!(drain(&b).is_empty());
    }

    #[test]
    fn a_full_outbox_drops_that_client_only() {
        let hub = Hub::new();
        let roomy = OutboxLimits::default();
        let tiny = OutboxLimits {
            max_messages: 3,
            max_bytes: 1 << 20,
        };
        let (_ada, ada_box) = member(&hub, 1, "ada", Style::Plain, roomy);
        let (_slow, slow_box) = member(&hub, 2, "slow", Style::Plain, tiny);
        drain(&ada_box);
        // Nobody drains the slow outbox: welcome + 2 messages fill it, the 3rd overflows.
        for n in 0..5 {
            hub.say(1, &format!("message {n}"));
        }
        let ada_got = drain(&ada_box);
        assert_eq!(
            ada_got,
            [
                "ada: message 0",
                "ada: message 1",
                "ada: message 2",
                "* slow left (dropped: too slow)",
                "ada: message 3",
                "ada: message 4",
            ]
        );
        assert_eq!(
            slow_box.next(),
            Some(Item::Close {
                code: TOO_SLOW_CODE,
                reason: TOO_SLOW_REASON.into()
            }),
            "queued messages are dropped; the close frame goes next"
        );
        assert_eq!(slow_box.next(), None);
        assert_eq!(hub.room("lobby").len(), 1);
        assert_eq!(
            hub.list().len(),
            2,
            "still tracked until its connection ends"
        );
        assert!(TOO_SLOW_REASON.len() <= 123);
    }
}
