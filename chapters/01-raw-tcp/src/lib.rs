//! ch01-raw-tcp (being written).
