//! A bounded queue of messages waiting to be written to one client.
//!
//! Broadcasting is where a chat server meets its slowest client. Chapter 06's
//! [`Sender`](crate::Sender) writes under a lock, on the calling thread: fine for an
//! echo (a client that reads slowly only slows its own replies), fatal for a room. If
//! the thread relaying Ada's message wrote straight into Bob's socket and Bob had
//! stopped reading, it would wait (up to the write timeout) as soon as the kernel's
//! buffers for Bob were full, and everyone after Bob would wait with it.
//!
//! So each chat client gets an [`Outbox`] and a writer thread of its own. A broadcast
//! only *pushes* into each outbox, which never blocks: it takes a short lock, and
//! either queues the message or says [`PushError::Full`]. The writer thread pops and
//! writes, and if the socket stalls, only that thread waits.
//!
//! The queue is **bounded**, in messages and in bytes. An unbounded queue would only
//! move the problem: a client that never reads would make the server keep every
//! message for it, forever. RFC 6455 §10.4: "Implementations that have
//! implementation- and/or platform-specific limitations regarding the frame size or
//! total message size after reassembly from multiple frames MUST protect themselves
//! against exceeding those limits." When the queue is full the client is too slow to
//! keep up, and the server drops it: [`Outbox::close_now`] throws away what is queued
//! and asks the writer to send a close frame (1008, policy violation) next.
//!
//! Sans-I/O again: no socket here, only a queue, a lock and a condition variable;
//! `crate::server` runs the writer thread.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crate::Message;

/// How much may wait for one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLimits {
    /// Messages queued at most.
    pub max_messages: usize,
    /// Payload bytes queued at most (a message bigger than this on its own is still
    /// accepted into an empty queue, so that one large message cannot wedge a client).
    pub max_bytes: usize,
}

impl Default for OutboxLimits {
    /// 256 messages, 4 MiB.
    fn default() -> Self {
        OutboxLimits {
            max_messages: 256,
            max_bytes: 4 << 20,
        }
    }
}

/// What the writer thread should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// Write this message.
    Message(Arc<Message>),
    /// Start the closing handshake with this code and reason, then stop.
    Close {
        /// The close code (1008 for a client too slow to keep up).
        code: u16,
        /// The reason (at most 123 bytes, §5.5.1).
        reason: String,
    },
}

/// Why a message was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushError {
    /// The queue is at its limit: the client reads too slowly.
    Full {
        /// Messages queued.
        messages: usize,
        /// Bytes queued.
        bytes: usize,
    },
    /// The outbox is closing or finished: nothing more is sent.
    Closed,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Arc<Message>>,
    bytes: usize,
    close: Option<(u16, String)>,
    /// The close item was handed to the writer.
    close_taken: bool,
    finished: bool,
    peak_messages: usize,
    peak_bytes: usize,
}

/// Messages waiting for one client's writer thread.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    ready: Condvar,
    limits: OutboxLimits,
}

impl Outbox {
    /// An empty outbox.
    pub fn new(limits: OutboxLimits) -> Outbox {
        Outbox {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            limits,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every update below is complete before the lock is released: a poisoned
        // lock cannot hide a half-updated queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // ANCHOR: push
    /// Queues a message without ever waiting for the client.
    pub fn push(&self, message: Arc<Message>) -> Result<(), PushError> {
        let mut state = self.lock();
        if state.close.is_some() || state.finished {
            return Err(PushError::Closed);
        }
        let size = message.data.len();
        let too_many = state.queue.len() >= self.limits.max_messages;
        let too_big = !state.queue.is_empty() && state.bytes + size > self.limits.max_bytes;
        if too_many || too_big {
            return Err(PushError::Full {
                messages: state.queue.len(),
                bytes: state.bytes,
            });
        }
        state.bytes += size;
        state.queue.push_back(message);
        state.peak_messages = state.peak_messages.max(state.queue.len());
        state.peak_bytes = state.peak_bytes.max(state.bytes);
        drop(state);
        self.ready.notify_one();
        Ok(())
    }
    // ANCHOR_END: push

    /// Drops everything queued; the writer's next item is a close frame with `code`
    /// and `reason`. Later pushes fail with [`PushError::Closed`]. Only the first call
    /// counts.
    pub fn close_now(&self, code: u16, reason: &str) {
        let mut state = self.lock();
        if state.close.is_none() && !state.finished {
            state.queue.clear();
            state.bytes = 0;
            state.close = Some((code, reason.to_string()));
        }
        drop(state);
        self.ready.notify_one();
    }

    /// The connection is gone: the writer stops after what it is writing now.
    pub fn finish(&self) {
        self.lock().finished = true;
        self.ready.notify_all();
    }

    // ANCHOR: next
    /// Waits for the writer's next item; `None` once there is nothing more to do.
    pub fn next(&self) -> Option<Item> {
        let mut state = self.lock();
        loop {
            if state.finished {
                return None;
            }
            if let Some((code, reason)) = &state.close {
                if state.close_taken {
                    return None;
                }
                let item = Item::Close {
                    code: *code,
                    reason: reason.clone(),
                };
                state.close_taken = true;
                return Some(item);
            }
            if let Some(message) = state.queue.pop_front() {
                state.bytes -= message.data.len();
                return Some(Item::Message(message));
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
    // ANCHOR_END: next

    /// Messages queued now.
    pub fn len(&self) -> usize {
        self.lock().queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most messages and bytes ever queued at once.
    pub fn peak(&self) -> (usize, usize) {
        let state = self.lock();
        (state.peak_messages, state.peak_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;
    use std::time::Duration;

    fn text(s: &str) -> Arc<Message> {
        Arc::new(Message::text(s))
    }

    #[test]
    fn messages_come_out_in_order() {
        let outbox = Outbox::new(OutboxLimits::default());
        outbox.push(text("a")).unwrap();
        outbox.push(text("b")).unwrap();
        assert_eq!(outbox.next(), Some(Item::Message(text("a"))));
        assert_eq!(outbox.next(), Some(Item::Message(text("b"))));
        assert!(outbox.is_empty());
    }

    #[test]
    fn a_full_queue_refuses_without_waiting() {
        let outbox = Outbox::new(OutboxLimits {
            max_messages: 2,
            max_bytes: 1000,
        });
        outbox.push(text("a")).unwrap();
        outbox.push(text("b")).unwrap();
        assert_eq!(
            outbox.push(text("c")),
            Err(PushError::Full {
                messages: 2,
                bytes: 2
            })
        );
        let by_bytes = Outbox::new(OutboxLimits {
            max_messages: 100,
            max_bytes: 10,
        });
        by_bytes.push(text(&"x".repeat(50))).unwrap(); // alone: accepted
        assert!(matches!(
            by_bytes.push(text("y")),
            Err(PushError::Full { .. })
        ));
        assert_eq!(by_bytes.peak(), (1, 50));
    }

    #[test]
    fn close_now_jumps_the_queue_and_ends_it() {
        let outbox = Outbox::new(OutboxLimits::default());
        outbox.push(text("stale")).unwrap();
        outbox.close_now(1008, "too slow");
        outbox.close_now(1000, "ignored: the first close counts");
        assert_eq!(outbox.push(text("late")), Err(PushError::Closed));
        assert_eq!(
            outbox.next(),
            Some(Item::Close {
                code: 1008,
                reason: "too slow".into()
            })
        );
        assert_eq!(outbox.next(), None);
    }

    #[test]
    fn the_writer_wakes_for_a_push_and_for_finish() {
        let outbox = Arc::new(Outbox::new(OutboxLimits::default()));
        let writer = {
            let outbox = Arc::clone(&outbox);
            thread::spawn(move || {
                let mut got = Vec::new();
                while let Some(item) = outbox.next() {
                    got.push(item);
                }
                got
            })
        };
        thread::sleep(Duration::from_millis(20));
        outbox.push(text("hello")).unwrap();
        for _ in 0..500 {
            if outbox.is_empty() {
                break; // the writer took it
            }
            thread::sleep(Duration::from_millis(10));
        }
        outbox.finish();
        assert_eq!(writer.join().unwrap(), [Item::Message(text("hello"))]);
    }
}
