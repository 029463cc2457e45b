//! Unmask throughput beside memcpy of the same buffer, measured in the same run.
//!
//! `cargo bench -p ch04-masking` prints, for 1 KiB, 64 KiB and 1 MiB buffers, the
//! GB/s of `apply_mask`, of the one-line byte loop, and of `copy_from_slice`, and
//! the ratio fast/memcpy. Goal: ≥ 0.8× memcpy at 64 KiB and 1 MiB.

use ch04_masking::{apply_mask, apply_mask_bytewise};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Runs `f` repeatedly for about `budget`, returning bytes per second.
fn throughput(len: usize, budget: Duration, mut f: impl FnMut()) -> f64 {
    // Warm up, then time whole batches.
    for _ in 0..3 {
        f();
    }
    let mut iterations = 0u64;
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..16 {
            f();
        }
        iterations += 16;
    }
    (len as f64 * iterations as f64) / start.elapsed().as_secs_f64()
}

fn main() {
    let budget = Duration::from_millis(400);
    let key = [0x37, 0xfa, 0x21, 0x3d];
    println!(
        "{:>8}  {:>12}  {:>12}  {:>12}  {:>10}",
        "size", "unmask GB/s", "bytewise GB/s", "memcpy GB/s", "unmask/memcpy"
    );
    for len in [1024usize, 64 * 1024, 1024 * 1024] {
        let mut buf = vec![0x5Au8; len];
        let source = vec![0xA5u8; len];
        let fast = throughput(len, budget, || apply_mask(black_box(&mut buf), key, 1));
        let slow = throughput(len, budget, || {
            apply_mask_bytewise(black_box(&mut buf), key, 1);
        });
        let copy = throughput(len, budget, || {
            black_box(&mut buf).copy_from_slice(black_box(&source));
        });
        let label = match len {
            1024 => "1 KiB".to_string(),
            n if n < 1 << 20 => format!("{} KiB", n / 1024),
            n => format!("{} MiB", n >> 20),
        };
        println!(
            "{label:>8}  {:>12.2}  {:>12.2}  {:>12.2}  {:>10.2}x",
            fast / 1e9,
            slow / 1e9,
            copy / 1e9,
            fast / copy
        );
    }
}
