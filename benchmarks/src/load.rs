//! The load generator: N client threads, each with its own connection, each
//! sending M binary messages of S bytes and waiting for every echo before the
//! next. The clock runs from the moment all N are connected until the last echo
//! arrives. The client is tungstenite's (the same for both servers).

use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use tungstenite::{Bytes, Message};

/// One measurement's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Connections, each on its own thread.
    pub connections: usize,
    /// Messages per connection.
    pub messages: usize,
    /// Bytes per message.
    pub size: usize,
}

impl Shape {
    /// Messages in the whole run.
    pub fn total(&self) -> usize {
        self.connections * self.messages
    }
}

/// Runs `shape` against `url` (`ws://127.0.0.1:PORT/echo`); returns the time
/// from "all connected" to "last echo received". Fails (instead of hanging) if
/// the run takes longer than `limit`, or an echo is wrong.
pub fn run(url: &str, shape: Shape, limit: Duration) -> Result<Duration, String> {
    let start = Arc::new(Barrier::new(shape.connections + 1));
    let payload = Bytes::from(
        (0..shape.size)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let mut workers = Vec::with_capacity(shape.connections);
    for _ in 0..shape.connections {
        let start = Arc::clone(&start);
        let payload = payload.clone();
        let url = url.to_string();
        workers.push(thread::spawn(move || {
            client(&url, shape, &payload, &start, limit)
        }));
    }
    start.wait();
    let started = Instant::now();
    let mut first_error = None;
    for worker in workers {
        match worker.join() {
            Ok(Ok(())) => {}
            Ok(Err(error)) => first_error = first_error.or(Some(error)),
            Err(_) => first_error = first_error.or(Some("a client thread panicked".into())),
        }
    }
    let elapsed = started.elapsed();
    match first_error {
        Some(error) => Err(error),
        None => Ok(elapsed),
    }
}

fn client(
    url: &str,
    shape: Shape,
    payload: &Bytes,
    start: &Barrier,
    limit: Duration,
) -> Result<(), String> {
    let connected = connect(url);
    // Everyone waits at the barrier, connected or not, so `run` never hangs.
    start.wait();
    let mut ws = connected?;
    let deadline = Instant::now() + limit;
    for _ in 0..shape.messages {
        if Instant::now() > deadline {
            return Err(format!("over the time limit of {limit:?}"));
        }
        ws.send(Message::Binary(payload.clone()))
            .map_err(|e| format!("send: {e}"))?;
        loop {
            match ws.read().map_err(|e| format!("read: {e}"))? {
                Message::Binary(echo) if echo.len() == payload.len() => break,
                Message::Binary(echo) => {
                    return Err(format!(
                        "an echo of {} bytes for {}",
                        echo.len(),
                        payload.len()
                    ));
                }
                Message::Ping(_) | Message::Pong(_) => {}
                other => return Err(format!("unexpected {other:?}")),
            }
        }
    }
    let _ = ws.close(None);
    while ws.read().is_ok() {}
    Ok(())
}

type Client = tungstenite::WebSocket<TcpStream>;

fn connect(url: &str) -> Result<Client, String> {
    let addr = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not a ws:// URL: {url}"))?;
    let stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let (ws, _response) =
        tungstenite::client(url, stream).map_err(|e| format!("handshake: {e}"))?;
    Ok(ws)
}
