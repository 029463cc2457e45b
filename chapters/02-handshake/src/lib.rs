//! ch02-handshake (being written).
