//! ws-inspector: decodes WebSocket traffic (see its issue; this crate grows there).
