//! The reference echo server. (The chapter 07 server under test is the
//! `ch07-close` binary itself, run with `--quiet`.)

use std::io;
use std::net::TcpListener;
use std::thread;

use ch07_close::bind;
use tungstenite::Message;

/// The reference: tungstenite's blocking API, a thread per connection, echoing
/// text and binary messages (tungstenite answers pings and closes by itself).
pub fn serve_tungstenite(addr: &str) -> io::Result<()> {
    let listener: TcpListener = bind(addr)?; // prints `listening on ws://...` like ours
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // What chapter 01's accept loop does for ours: no Nagle delay.
        let _ = stream.set_nodelay(true);
        thread::spawn(move || {
            let Ok(mut ws) = tungstenite::accept(stream) else {
                return;
            };
            loop {
                match ws.read() {
                    Ok(message @ (Message::Text(_) | Message::Binary(_))) => {
                        if ws.send(message).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
    }
    Ok(())
}
