//! The minimal ways a chapter server ends a connection until chapter 07 writes the
//! closing handshake properly: fail it with a close code, answer a client's close, and
//! close TCP without losing the last bytes we sent.

use crate::role::{Role, close_frame_bytes, encode_frame};
use ch03_frames::{Frame, OpCode};
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// How long [`close_tcp`] waits for the peer to close its side.
pub const LINGER: Duration = Duration::from_secs(1);

// ANCHOR: fail_connection
/// _Fail the WebSocket Connection_ (§7.1.7) as `sender`: send a close frame with
/// `code` and `reason`, then close TCP.
///
/// §7.1.7: "If _The WebSocket Connection is Established_ prior to the point where
/// the endpoint is required to _Fail the WebSocket Connection_, the endpoint SHOULD
/// send a Close frame with an appropriate status code before proceeding to _Close
/// the WebSocket Connection_." We do not wait for the peer's close frame: a peer
/// that broke the protocol is not trusted to finish the handshake.
pub fn fail_connection(
    stream: &mut TcpStream,
    sender: Role,
    code: u16,
    reason: &str,
) -> io::Result<()> {
    let sent = stream.write_all(&close_frame_bytes(sender, code, reason));
    close_tcp(stream);
    sent
}
// ANCHOR_END: fail_connection

/// The close frame a minimal endpoint sends back when the peer's close frame arrives:
/// the same status code, or an empty body if the peer sent none.
///
/// §5.5.1: "When sending a Close frame in response, the endpoint typically echos the
/// status code it received." Chapter 07 checks the code and the reason first (a
/// received 1005 or invalid UTF-8 in the reason is itself a protocol error); this
/// minimal answer does not.
pub fn close_reply(received: &Frame) -> Frame {
    debug_assert_eq!(received.header.opcode, OpCode::Close);
    Frame::close(received.close_code(), "")
}

/// Sends [`close_reply`] to `received` as `sender` and closes TCP.
pub fn answer_close(stream: &mut TcpStream, sender: Role, received: &Frame) -> io::Result<Frame> {
    let reply = close_reply(received);
    let sent = stream.write_all(&encode_frame(sender, &reply));
    close_tcp(stream);
    sent.map(|()| reply)
}

// ANCHOR: close_tcp
/// Closes TCP so that the peer still reads everything we sent.
///
/// Shutting down our sending side sends a FIN after the last bytes (our close
/// frame). If we closed the socket while the peer's unread bytes were still waiting
/// in our receive buffer, the kernel would send a TCP reset instead, and a reset
/// can destroy our close frame before the peer reads it. So we read and discard
/// what still arrives, for at most [`LINGER`] and 64 KiB, until the peer closes too.
/// §7.1.1 asks the server to close TCP first; this does that, politely.
pub fn close_tcp(stream: &mut TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let deadline = Instant::now() + LINGER;
    let mut discarded = 0;
    let mut sink = [0u8; 4096];
    while discarded < 64 * 1024 {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            return;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => discarded += n,
        }
    }
}
// ANCHOR_END: close_tcp

#[cfg(test)]
mod tests {
    use super::*;
    use crate::role::read_unmasked_frame;
    use std::net::TcpListener;

    #[test]
    fn close_reply_echoes_the_code_and_nothing_else() {
        let reply = close_reply(&Frame::close(Some(4000), "see you"));
        assert_eq!(reply.close_code(), Some(4000));
        assert_eq!(reply.payload, 4000u16.to_be_bytes());
        assert!(close_reply(&Frame::close(None, "")).payload.is_empty());
    }

    #[test]
    fn fail_connection_sends_the_close_frame_then_eof_even_with_unread_input() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut server, _) = listener.accept().unwrap();
        // Bytes the server never reads: without the linger they would cause a reset.
        client.write_all(&[0u8; 10_000]).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let failing = std::thread::spawn(move || {
            fail_connection(&mut server, Role::Server, 1002, "unmasked").unwrap();
        });
        client
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        let mut buf = Vec::new();
        let frame = read_unmasked_frame(&mut client, &mut buf, Role::Client, 125)
            .unwrap()
            .unwrap();
        assert_eq!(frame.close_code(), Some(1002));
        assert_eq!(&frame.payload[2..], b"unmasked");
        let mut rest = [0u8; 16];
        assert_eq!(client.read(&mut rest).unwrap(), 0, "then EOF");
        drop(client);
        failing.join().unwrap();
    }
}
