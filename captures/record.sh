#!/usr/bin/env bash
# Records the captures in captures/ again, from real peers on loopback, and regenerates
# their reference decodes in captures/expected/ with tshark.
#
#   sudo captures/record.sh              # every capture, each with its expected/NAME.tshark.tsv
#   sudo captures/record.sh NAME...      # only these (e.g. python-basic violations)
#   captures/record.sh expected          # only the tshark decodes of the files already here
#   captures/record.sh --list            # the capture names
#
# Needs root (tcpdump and dumpcap open raw sockets) and the peers:
#   bash scripts/install-tools.sh record     # chromium, tshark (dumpcap), tcpdump,
#                                            # target/peers/{py,node}
# Idempotent: each capture is written to a temporary folder and moved over the old
# file only when the peers finished cleanly and the capture tool dropped no packet;
# a failure leaves the previous file in place and exits non-zero.
#
# Every capture has its own TCP port and the capture filter is exactly that port, so
# nothing else on the machine ends up in a file. Snapshot length 262144 (the maximum):
# loopback packets can be 64 KiB and every byte is kept. The peers' scripts are in
# captures/scripts/; captures/README.md says what each file shows.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
scripts="$here/scripts"
PY="$root/target/peers/py/bin/python"
export NODE_PATH="$root/target/peers/node/node_modules"
SNAPLEN=262144

log() { echo "record: $*" >&2; }
die() { log "error: $*"; exit 1; }

tmp="$(mktemp -d)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

# --- helpers -------------------------------------------------------------------------

# wait_for FILE TEXT SECONDS: until FILE contains TEXT.
wait_for() {
    local file="$1" text="$2" deadline=$((SECONDS + $3))
    until grep -qF -- "$text" "$file" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { cat "$file" >&2 || true; die "timed out waiting for '$text' in $file"; }
        sleep 0.1
    done
}

# start_server NAME ARGS...: py_server.py in the background, waits for its listening line.
server_pid=""
start_server() {
    local name="$1"; shift
    "$PY" "$scripts/py_server.py" "$@" >"$tmp/$name.server.out" 2>"$tmp/$name.server.err" &
    server_pid=$!
    pids+=("$server_pid")
    wait_for "$tmp/$name.server.out" "listening on" 10
}
stop_server() {
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
}

# start_capture tcpdump|dumpcap NAME.EXT ARGS...: starts the capture tool writing
# $tmp/NAME.EXT with ARGS (interfaces, link types, filters) and waits until it captures.
cap_pid="" cap_tool="" cap_file=""
start_capture() {
    cap_tool="$1" cap_file="$2"; shift 2
    case "$cap_tool" in
        tcpdump) tcpdump -U -w "$tmp/$cap_file" "$@" 2>"$tmp/$cap_file.log" & ;;
        dumpcap) dumpcap -q -w "$tmp/$cap_file" "$@" 2>"$tmp/$cap_file.log" & ;;
    esac
    cap_pid=$!
    pids+=("$cap_pid")
    case "$cap_tool" in
        tcpdump) wait_for "$tmp/$cap_file.log" "listening on" 10 ;;
        dumpcap) wait_for "$tmp/$cap_file.log" "File:" 10 ;;
    esac
    sleep 0.5 # the socket is bound before the tool reports it; give it time to read
}
# stop_capture: lets the last FIN/ACK arrive, stops the tool, checks it dropped nothing
# and moves the file into captures/.
stop_capture() {
    sleep 0.5
    kill -INT "$cap_pid"
    wait "$cap_pid" || true
    local stats
    stats="$(cat "$tmp/$cap_file.log")"
    case "$cap_tool" in
        tcpdump) grep -q "^0 packets dropped by kernel" <<<"$stats" || { echo "$stats" >&2; die "$cap_file: tcpdump dropped packets"; } ;;
        dumpcap) ! grep -E "received/dropped.*: [0-9]+/[1-9]" <<<"$stats" >&2 || die "$cap_file: dumpcap dropped packets" ;;
    esac
    [ -s "$tmp/$cap_file" ] || die "$cap_file: empty capture"
    mv "$tmp/$cap_file" "$here/$cap_file"
    chmod 644 "$here/$cap_file"
    log "$cap_file: $(capinfos -c -M "$here/$cap_file" | sed -n 's/^Number of packets: *//p') packets, $(stat -c %s "$here/$cap_file") bytes"
    tshark_expected "$here/$cap_file"
}

# --- the captures --------------------------------------------------------------------

# 1. Headless Chromium against Python websockets: permessage-deflate negotiated.
record_chromium_deflate() {
    start_server chromium --host 127.0.0.1 --port 8765 --compression deflate
    start_capture dumpcap chromium-deflate.pcapng -i lo -s "$SNAPLEN" -f "tcp port 8765"
    node "$scripts/chromium_client.js" ws://127.0.0.1:8765/chromium
    stop_server
    stop_capture
}

# 2. Python websockets client and server, no compression, tcpdump (pcap, microseconds).
record_python_basic() {
    start_server basic --host 127.0.0.1 --port 8766 --compression none
    start_capture tcpdump python-basic.pcap -i lo -s "$SNAPLEN" "tcp port 8766"
    "$PY" "$scripts/py_client.py" ws://127.0.0.1:8766/basic
    stop_server
    stop_capture
}

# 3. Node ws client and server: fragments, a ping between them, subprotocol, close 4000.
record_node_fragmented() {
    start_capture dumpcap node-fragmented.pcapng -i lo -s "$SNAPLEN" -f "tcp port 8767"
    node "$scripts/node_fragmented.js" 127.0.0.1 8767
    stop_capture
}

# 4. IPv6: Node ws client (deflate offered, 1 KiB threshold) against Python websockets on [::1].
record_ipv6() {
    start_server ipv6 --host ::1 --port 8768 --compression deflate
    start_capture dumpcap ipv6.pcapng -i lo -s "$SNAPLEN" -f "tcp port 8768"
    node "$scripts/node_client.js" "ws://[::1]:8768/ipv6"
    stop_server
    stop_capture
}

# 5. Hand-built protocol violations against Python websockets, one per connection.
record_violations() {
    start_server violations --host 127.0.0.1 --port 8769 --compression none
    start_capture dumpcap violations.pcapng -i lo -s "$SNAPLEN" -f "tcp port 8769"
    "$PY" "$scripts/violations.py" 127.0.0.1 8769
    stop_server
    stop_capture
}

# 6. `-i any`: Linux cooked v1 (SLL) link type, nanosecond pcap, a non-HTTP port (5555).
record_cooked_any() {
    start_server cooked --host 127.0.0.1 --port 5555 --compression deflate
    start_capture tcpdump cooked-any.pcap -i any -y LINUX_SLL --time-stamp-precision=nano -s "$SNAPLEN" "tcp port 5555"
    "$PY" "$scripts/wsclient.py" ws://127.0.0.1:5555/cooked cooked-any
    stop_server
    stop_capture
}

# 7. One pcapng, two interfaces with different link types: lo (Ethernet) sees port 5601,
#    any (Linux cooked v2, SLL2) sees port 5602; one connection on each, at the same time.
record_multi_interface() {
    start_server multi-a --host 127.0.0.1 --port 5601 --compression deflate
    local a_pid="$server_pid"
    start_server multi-b --host 127.0.0.1 --port 5602 --compression deflate
    start_capture dumpcap multi-interface.pcapng \
        -i lo -s "$SNAPLEN" -f "tcp port 5601" \
        -i any -y LINUX_SLL2 -s "$SNAPLEN" -f "tcp port 5602"
    # Both at once, so the two interfaces' packets interleave in the file.
    "$PY" "$scripts/wsclient.py" ws://127.0.0.1:5601/on-lo lo-ethernet &
    local c_pid=$!
    "$PY" "$scripts/wsclient.py" ws://127.0.0.1:5602/on-any any-sll2
    wait "$c_pid"
    stop_server
    server_pid="$a_pid"
    stop_server
    stop_capture
}

# 8. Headless Chromium against the book's chapter servers (chapters/03-frames onward):
#    the page the server itself serves at GET /, then the same exchange as chromium-deflate
#    (the chapter servers do not negotiate permessage-deflate, so the frames are plain).
#    Port 89NN for chapter NN; the file is chromium-chNN.pcapng.
#    A chapter is skipped (with a message) until it has a server binary (src/main.rs,
#    src/bin/ or a [[bin]] section).
#    Every chapter server from 04 on echoes at /echo (chapter 08 keeps that route beside /chat).
#    Chapter 03's server does not echo: it greets with one text frame and logs what it
#    reads, so Chromium (mode `greeting`) waits for the greeting, sends one text and closes
#    at /frames; that server drops TCP instead of answering the close (chapter 07's job).
record_chapters() {
    local dir n pkg path mode found=0
    for dir in "$root"/chapters/0[3-9]-*/; do
        [ -f "$dir/Cargo.toml" ] || continue
        if [ ! -f "$dir/src/main.rs" ] && ! compgen -G "$dir/src/bin/*.rs" >/dev/null \
            && ! grep -q '^\[\[bin\]\]' "$dir/Cargo.toml"; then
            log "chapter $(basename "$dir"): no server binary yet, skipped"
            continue
        fi
        found=1
        n="$(basename "$dir" | cut -c1-2)"
        pkg="$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$dir/Cargo.toml" | head -1)"
        log "chapter $n ($pkg)"
        (cd "$root" && cargo build -q -p "$pkg")
        (cd "$root" && exec cargo run -q -p "$pkg" -- --addr "127.0.0.1:89$n") \
            >"$tmp/ch$n.server.out" 2>"$tmp/ch$n.server.err" &
        server_pid=$!
        pids+=("$server_pid")
        wait_for "$tmp/ch$n.server.out" "listening on ws://127.0.0.1:89$n" 30
        start_capture dumpcap "chromium-ch$n.pcapng" -i lo -s "$SNAPLEN" -f "tcp port 89$n"
        path=/echo mode=exchange
        [ "$n" = 03 ] && path=/frames mode=greeting
        node "$scripts/chromium_client.js" "ws://127.0.0.1:89$n$path" "http://127.0.0.1:89$n/" "$mode"
        stop_server
        stop_capture
    done
    [ "$found" = 1 ] || log "chapters: no chapter server from 03 on yet, nothing recorded"
}

# --- reference decodes ---------------------------------------------------------------

# The command captures/README.md documents. tshark finds HTTP by its heuristic on any
# port, follows the Upgrade and dissects the frames; one row per packet that carries
# (the end of) at least one WebSocket frame, several frames in one packet give
# comma-separated values. payload_length is the 7-bit field (126/127 mean "see the
# extended length"), so the two extended-length fields follow it.
tshark_expected() {
    local file="$1" name
    name="$(basename "$file")"
    name="${name%.*}"
    mkdir -p "$here/expected"
    tshark -r "$file" -o tcp.reassemble_out_of_order:TRUE -Y websocket -T fields -E header=y \
        -e frame.number -e tcp.stream -e websocket.fin -e websocket.rsv -e websocket.opcode \
        -e websocket.mask -e websocket.payload_length -e websocket.masking_key \
        -e websocket.payload_length_ext_16 -e websocket.payload_length_ext_64 \
        >"$tmp/$name.tshark.tsv" 2>"$tmp/$name.tshark.err" || { cat "$tmp/$name.tshark.err" >&2; die "tshark failed on $file"; }
    [ "$(wc -l <"$tmp/$name.tshark.tsv")" -gt 1 ] || die "tshark found no WebSocket frame in $file"
    mv "$tmp/$name.tshark.tsv" "$here/expected/$name.tshark.tsv"
    chmod 644 "$here/expected/$name.tshark.tsv"
    log "expected/$name.tshark.tsv: $(($(wc -l <"$here/expected/$name.tshark.tsv") - 1)) packets with WebSocket frames"
}

record_expected() {
    local f
    for f in "$here"/*.pcap "$here"/*.pcapng; do
        [ -e "$f" ] && tshark_expected "$f"
    done
}

# --- main ----------------------------------------------------------------------------

all=(chromium-deflate python-basic node-fragmented ipv6 violations cooked-any multi-interface chapters)

if [ "${1:-}" = "--list" ]; then printf '%s\n' "${all[@]}" expected; exit 0; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,20p' "$0"; exit 0; fi
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")

for name in "${names[@]}"; do
    if [ "$name" != expected ]; then
        [ "$(id -u)" -eq 0 ] || die "recording needs root (tcpdump/dumpcap): sudo $0 $*"
        command -v tcpdump >/dev/null && command -v dumpcap >/dev/null && command -v capinfos >/dev/null \
            || die "tcpdump/dumpcap missing: bash scripts/install-tools.sh record"
        [ -x "$PY" ] && [ -d "$NODE_PATH/ws" ] && [ -d "$NODE_PATH/playwright-core" ] \
            || die "peers missing: bash scripts/install-tools.sh record"
        break
    fi
done
command -v tshark >/dev/null || die "tshark missing: bash scripts/install-tools.sh"

for name in "${names[@]}"; do
    case "$name" in
        chromium-deflate) record_chromium_deflate ;;
        python-basic) record_python_basic ;;
        node-fragmented) record_node_fragmented ;;
        ipv6) record_ipv6 ;;
        violations) record_violations ;;
        cooked-any) record_cooked_any ;;
        multi-interface) record_multi_interface ;;
        chapters) record_chapters ;;
        expected) record_expected ;;
        *) die "unknown capture '$name' (see --list)" ;;
    esac
done
