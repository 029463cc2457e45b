#!/usr/bin/env bash
# Speed and memory of `ws-inspector decode --json` against tshark, measured in the same run.
#
#   scripts/bench-inspector.sh [FRAMES]      # default 1100000 frames (~166 MB)
#
# Makes (once) a synthetic capture with inspector/examples/make_bench_capture.rs: eight
# WebSocket connections, over a million frames of mixed sizes in both directions, in
# 1448-byte TCP segments with some out of order and some retransmitted. Then times
#   ws-inspector decode --json FILE
#   tshark -r FILE -o tcp.reassemble_out_of_order:TRUE -Y websocket -T fields -e ...
# with the tshark fields that carry what our JSON lines carry (packet, time, stream,
# addresses and ports, the header bits, mask key, lengths, text, binary payload, close
# code and reason; tshark's fields output is faster than its -T json), checks both saw
# the same frames,
# and prints wall time, CPU time and peak RSS of each, the speed ratio and our peak RSS
# as a fraction of the file size. Goals: >= 20x faster than tshark, RSS <= 1.5x the file.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
frames="${1:-1100000}"
dir="target/bench"
mkdir -p "$dir"
capture="$dir/bench-$frames.pcapng"

echo "building (release)..." >&2
cargo build --release -q -p ws-inspector --bin ws-inspector --example make_bench_capture
if [ ! -s "$capture" ]; then
    target/release/examples/make_bench_capture "$capture" "$frames"
fi
if ! command -v tshark >/dev/null; then
    bash scripts/install-tools.sh
fi
command -v tshark >/dev/null || { echo "tshark is needed for the comparison" >&2; exit 1; }

# Runs a command with stdout to a file; prints "wall cpu peak_rss_kb".
measure() {
    local out="$1"; shift
    python3 - "$out" "$@" <<'PY'
import os, sys, time
out, argv = sys.argv[1], sys.argv[2:]
start = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.execvp(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
wall = time.monotonic() - start
if status != 0:
    sys.exit(f"{argv[0]} failed with status {status}")
print(f"{wall:.2f} {usage.ru_utime + usage.ru_stime:.2f} {usage.ru_maxrss}")
PY
}

size=$(stat -c %s "$capture")
theirs_out="$dir/tshark.tsv"
echo "ws-inspector decode --json $capture ..." >&2
# Timed with its output to /dev/null (tshark's is a few MB, ours several hundred: what is
# measured is decoding, not the disk). The frames are counted in a second, untimed run.
read -r ours_wall ours_cpu ours_rss < <(measure /dev/null target/release/ws-inspector decode --json "$capture")
echo "tshark ... (this takes a while)" >&2
fields=(websocket.opcode frame.number frame.time_epoch tcp.stream ip.src tcp.srcport ip.dst tcp.dstport
    websocket.fin websocket.rsv websocket.mask websocket.masking_key websocket.payload_length
    websocket.payload_length_ext_16 websocket.payload_length_ext_64 websocket.payload.text data.data
    websocket.payload.close.status_code websocket.payload.close.reason)
field_args=()
for field in "${fields[@]}"; do field_args+=(-e "$field"); done
read -r tshark_wall tshark_cpu tshark_rss < <(measure "$theirs_out" tshark -r "$capture" \
    -o tcp.reassemble_out_of_order:TRUE -Y websocket -T fields "${field_args[@]}")

ours_frames=$(target/release/ws-inspector decode --json --max-payload 0 "$capture" | grep -c '"kind":"frame"' || true)
# Column 1 is the opcode: one comma-separated value per frame that ends in the packet.
tshark_frames=$(awk -F'\t' '{ n += split($1, a, ",") } END { print n + 0 }' "$theirs_out")

python3 - "$size" "$frames" "$ours_frames" "$tshark_frames" "$ours_wall" "$ours_cpu" "$ours_rss" \
    "$tshark_wall" "$tshark_cpu" "$tshark_rss" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys
(size, frames, ours_frames, tshark_frames, ow, oc, orss, tw, tc, trss, cpus, load) = sys.argv[1:]
size, ours_frames, tshark_frames = int(size), int(ours_frames), int(tshark_frames)
ow, oc, orss, tw, tc, trss = float(ow), float(oc), int(orss), float(tw), float(tc), int(trss)
mb = size / 1e6
print(f"capture: {mb:.1f} MB, {ours_frames} WebSocket frames (tshark: {tshark_frames})")
print(f"machine: {cpus} CPUs, load average {load}")
print()
print("| decoder | wall s | CPU s | peak RSS MB | MB/s (wall) |")
print("|---|---:|---:|---:|---:|")
print(f"| ws-inspector decode --json | {ow:.2f} | {oc:.2f} | {orss/1024:.1f} | {mb/ow:.0f} |")
print(f"| tshark -Y websocket -T fields | {tw:.2f} | {tc:.2f} | {trss/1024:.1f} | {mb/tw:.1f} |")
print()
print(f"speed: {tw/ow:.1f}x tshark (wall), {tc/oc:.1f}x (CPU); goal >= 20x")
print(f"memory: peak RSS {orss*1024/size:.3f}x the file size (tshark {trss*1024/size:.2f}x); goal <= 1.5x")
if ours_frames != tshark_frames:
    print(f"WARNING: frame counts differ: ours {ours_frames}, tshark {tshark_frames}")
    sys.exit(1)
PY
