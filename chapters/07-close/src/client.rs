//! A [`WebSocket`] for each side of chapter 07's [`Connection`].

use std::io;
use std::time::Instant;

use ch06_ping_pong::{HandshakeError, Role, Upgraded, WebSocket, connect};

use crate::connection::{Config, Connection};

// ANCHOR: accept
/// The server side: chapter 02's upgraded connection, OPEN.
pub fn accept(upgraded: Upgraded, config: Config) -> io::Result<WebSocket<Connection>> {
    let mut connection = Connection::new(Role::Server, config, Instant::now());
    connection.open(); // chapter 02 already sent the 101
    WebSocket::new(upgraded.stream, &upgraded.leftover, connection)
}
// ANCHOR_END: accept

// ANCHOR: connect_to
/// The client side: CONNECTING while chapter 02's handshake runs, then OPEN.
pub fn connect_to(url: &str, config: Config) -> Result<WebSocket<Connection>, HandshakeError> {
    let mut connection = Connection::new(Role::Client, config, Instant::now());
    let (stream, _handshake, leftover) = connect(url, &[])?;
    connection.open();
    WebSocket::new(stream, &leftover, connection).map_err(|error| HandshakeError::Connect {
        addr: url.to_string(),
        message: error.to_string(),
    })
}
// ANCHOR_END: connect_to
