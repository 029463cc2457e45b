//! Writing legacy pcap files (both byte orders, micro- or nanosecond timestamps), for
//! tests that prove the reader handles every variant.

use std::io::{self, Write};

use crate::time::Timestamp;

/// A legacy pcap writer.
#[derive(Debug)]
pub struct Writer<W: Write> {
    out: W,
    big_endian: bool,
    nanosecond: bool,
}

impl<W: Write> Writer<W> {
    /// Writes the 24-byte file header.
    pub fn new(mut out: W, linktype: u32, big_endian: bool, nanosecond: bool) -> io::Result<Self> {
        let magic: u32 = if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
        let fields: [u32; 4] = [0, 0, 262_144, linktype];
        let put32 = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let put16 = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        out.write_all(&put32(magic))?;
        out.write_all(&put16(2))?;
        out.write_all(&put16(4))?;
        for field in fields {
            out.write_all(&put32(field))?;
        }
        Ok(Writer {
            out,
            big_endian,
            nanosecond,
        })
    }

    /// Writes one packet record.
    pub fn write_packet(&mut self, time: Timestamp, data: &[u8]) -> io::Result<()> {
        let fraction = if self.nanosecond {
            time.nanos
        } else {
            time.nanos / 1000
        };
        let fields = [
            time.secs as u32,
            fraction,
            data.len() as u32,
            data.len() as u32,
        ];
        for field in fields {
            let bytes = if self.big_endian {
                field.to_be_bytes()
            } else {
                field.to_le_bytes()
            };
            self.out.write_all(&bytes)?;
        }
        self.out.write_all(data)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}
