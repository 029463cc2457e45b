//! The thin blocking layer around [`crate::http`]: read from a socket until a whole head
//! has arrived, within one overall deadline, keeping any bytes that came after it.

use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ch01_raw_tcp::echo::is_timeout;

use crate::http::{HeadLimits, HttpError, Request, Response, parse_request, parse_response};

/// How long a peer has to send its whole handshake head.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads a request head from `stream`: returns it and the bytes that arrived after it
/// (the client's first frames, if it did not wait for our 101).
///
/// `timeout` bounds the *whole* head, not each read. The stream's own read timeout is
/// restored before returning.
pub fn read_head(
    stream: &mut TcpStream,
    limits: &HeadLimits,
    timeout: Duration,
) -> Result<(Request, Vec<u8>), HttpError> {
    read_until_head(stream, limits, timeout, parse_request)
}

/// Reads a response head from `stream` (the client side); same rules as [`read_head`].
pub fn read_response_head(
    stream: &mut TcpStream,
    limits: &HeadLimits,
    timeout: Duration,
) -> Result<(Response, Vec<u8>), HttpError> {
    read_until_head(stream, limits, timeout, parse_response)
}

type Parser<T> = fn(&[u8], &HeadLimits) -> Result<Option<(T, usize)>, HttpError>;

// ANCHOR: read_head
fn read_until_head<T>(
    stream: &mut TcpStream,
    limits: &HeadLimits,
    timeout: Duration,
    parse: Parser<T>,
) -> Result<(T, Vec<u8>), HttpError> {
    let deadline = Instant::now() + timeout;
    let original_timeout = stream.read_timeout().ok().flatten();
    let mut buffer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let result = loop {
        // The head may arrive in one piece or one byte at a time: after every read, ask
        // the parser whether what we have is complete.
        match parse(&buffer, limits) {
            Ok(Some((head, consumed))) => {
                // Whatever followed the empty line belongs to the next layer: keep it.
                let leftover = buffer.split_off(consumed);
                break Ok((head, leftover));
            }
            Ok(None) => {}
            Err(error) => break Err(error),
        }
        // One deadline for the whole head. A per-read timeout alone is not enough: a
        // "slowloris" peer sending one byte every few seconds would reset it forever
        // and hold this thread.
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break Err(HttpError::Timeout { after: timeout });
        }
        if let Err(error) = stream.set_read_timeout(Some(remaining)) {
            break Err(error.into());
        }
        match stream.read(&mut chunk) {
            Ok(0) => {
                break Err(HttpError::ConnectionClosed {
                    received: buffer.len(),
                });
            }
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(error) if error.kind() == ErrorKind::Interrupted || is_timeout(&error) => {}
            Err(error) => break Err(error.into()),
        }
    };
    // Hand the stream back as we found it: the connection's normal read timeout.
    let _ = stream.set_read_timeout(original_timeout);
    result
}
// ANCHOR_END: read_head
