#!/usr/bin/env bash
# Regenerates every listing the book includes (book/listings/) by running the real thing:
# the measurement on page 0, and each chapter server with a real browser against it.
# Commit what changed; the book never shows output that was typed by hand.
#
#   book/tools/regenerate.sh            # everything
#   book/tools/regenerate.sh 00 01      # only the listings whose directory starts with 00 or 01
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
listings=book/listings
only=("$@")

wanted() {
    [ ${#only[@]} -eq 0 ] && return 0
    for prefix in "${only[@]}"; do [[ "$1" == "$prefix"* ]] && return 0; done
    return 1
}
log() { echo "regenerate: $*" >&2; }

bash scripts/install-tools.sh
python=target/peers/py/bin/python
export NODE_PATH="$root/target/peers/node/node_modules"

# `cargo run -p PACKAGE -- ARGS` as the book shows it, run from the built binary.
command_output() { # OUT PACKAGE ARGS...
    local out=$1 package=$2
    shift 2
    cargo build -q -p "$package"
    { echo "\$ cargo run -p $package -- $*"; "target/debug/$package" "$@"; } > "$out"
}

# A chapter server with headless Chromium running a scenario against it.
browser_session() { # OUT SCENARIO PACKAGE SERVER_ARGS...
    local out=$1 scenario=$2 package=$3
    shift 3
    cargo build -q -p "$package"
    node book/tools/chromium-session.js "book/tools/scenarios/$scenario" "target/debug/$package" "$@" > "$out"
}

if wanted 00-why; then
    log "00-why: polling, long polling, streaming and WebSocket, measured (about 15 s)"
    "$python" book/tools/polling-vs-websocket.py "$listings/00-why"
fi

if wanted 01-raw-tcp; then
    log "01-raw-tcp"
    mkdir -p "$listings/01-raw-tcp"
    command_output "$listings/01-raw-tcp/help.txt" ch01-raw-tcp --help
    browser_session "$listings/01-raw-tcp/browser.txt" new-websocket.js ch01-raw-tcp --read-timeout 5
fi

if wanted 02-handshake; then
    log "02-handshake"
    mkdir -p "$listings/02-handshake"
    command_output "$listings/02-handshake/help.txt" ch02-handshake --help
    python3 book/tools/handshake-requests.py target/debug/ch02-handshake --hold 0.2 > "$listings/02-handshake/requests.txt"
    browser_session "$listings/02-handshake/browser.txt" handshake.js ch02-handshake --hold 1
    cargo build -q -p ws-inspector
    { echo "\$ ws-inspector decode --conn 1 captures/chromium-deflate.pcapng | head -1"
      target/debug/ws-inspector decode --conn 1 captures/chromium-deflate.pcapng | head -1
      echo
      echo "\$ ws-inspector decode --json --conn 1 captures/chromium-deflate.pcapng | head -1  # request_head, response_head"
      # Only prints two strings of ws-inspector's JSON: no decoding happens here.
      target/debug/ws-inspector decode --json --conn 1 captures/chromium-deflate.pcapng | head -1 \
          | python3 -c 'import json, sys; e = json.loads(sys.stdin.readline()); print(e["request_head"].replace("\r", "") + e["response_head"].replace("\r", ""), end="")'
    } > "$listings/02-handshake/capture.txt"
fi

# ws-inspector's one-line-per-frame decode of a capture.
inspector_decode() { # OUT CAPTURE
    cargo build -q -p ws-inspector
    target/debug/ws-inspector decode "$2" > "$1"
}

# A chapter server fed frames written by hand (book/tools/raw-frames.py).
raw_frames() { # OUT|- PACKAGE SERVER_ARGS... -- PATH STEPS...
    local out=$1 package=$2
    shift 2
    cargo build -q -p "$package"
    if [ "$out" = "-" ]; then
        python3 book/tools/raw-frames.py "target/debug/$package" "$@"
    else
        python3 book/tools/raw-frames.py "target/debug/$package" "$@" > "$out"
    fi
}

if wanted 03-frames; then
    log "03-frames"
    mkdir -p "$listings/03-frames"
    raw_frames "$listings/03-frames/raw.txt" ch03-frames -- /frames \
        "a masked text frame: the RFC's example=@text:Hello" \
        "300 bytes: the 16-bit length=@text:$(printf 'x%.0s' $(seq 300))" \
        "RSV1 set, no extension negotiated=c1 85 37 fa 21 3d 7f 9f 4d 51 58" \
        "a reserved opcode, 0x3=83 85 37 fa 21 3d 7f 9f 4d 51 58" \
        "a length of 5 written in the 16-bit form=81 fe 00 05 37 fa 21 3d 7f 9f 4d 51 58" \
        "a close frame=@close:1000:bye"
fi

if wanted 04-masking; then
    log "04-masking: sessions"
    mkdir -p "$listings/04-masking"
    raw_frames "$listings/04-masking/raw.txt" ch04-masking -- /echo \
        "a masked text frame=@text:Hello" \
        "a masked binary frame=@binary:0102ff" \
        "the same text, unmasked: a protocol error=81 05 48 65 6c 6c 6f"
    browser_session "$listings/04-masking/browser.txt" echo.js ch04-masking
fi

if wanted 05-fragmentation; then
    log "05-fragmentation: sessions"
    mkdir -p "$listings/05-fragmentation"
    raw_frames "$listings/05-fragmentation/raw.txt" ch05-fragmentation -- /echo \
        "the RFC's example, first fragment: text, FIN=0=@first:Hel" \
        "second and last fragment: continuation, FIN=1=@last:lo" \
        "a fragmented message with a ping in the middle: first=@first:Hello, " \
        "a ping between the fragments=@ping:between fragments" \
        "a continuation, FIN=0=@more:fragmented " \
        "the last continuation, FIN=1=@last:world!" \
        "a close frame=@close:1000:bye"
    raw_frames "$listings/05-fragmentation/fragmented-echo.txt" ch05-fragmentation --fragment-size 5 -- /echo \
        "one text frame of 17 bytes=@text:hello, fragments!"
    {
        raw_frames - ch05-fragmentation -- /echo \
            "a fragment whose text turns invalid: c0 is never valid UTF-8=@firstbytes:48656c6c6fc0" \
            "the rest of the message=@last:world"
        echo
        raw_frames - ch05-fragmentation -- /echo \
            "a continuation with no message to continue=@last:lo"
        echo
        raw_frames - ch05-fragmentation -- /echo \
            "a ping that is fragmented (FIN=0)=09 85 37 fa 21 3d 7f 9f 4d 51 58"
        echo
        raw_frames - ch05-fragmentation --max-message 10 -- /echo \
            "first fragment, 8 bytes=@first:12345678" \
            "8 more bytes: over --max-message 10=@last:12345678"
    } > "$listings/05-fragmentation/violations.txt"
    browser_session "$listings/05-fragmentation/browser.txt" large-message.js ch05-fragmentation --fragment-size 4096
    inspector_decode "$listings/05-fragmentation/inspector.txt" captures/node-fragmented.pcapng
fi

if wanted 06-ping-pong; then
    log "06-ping-pong: sessions (about 10 s)"
    mkdir -p "$listings/06-ping-pong"
    command_output "$listings/06-ping-pong/help.txt" ch06-ping-pong --help
    raw_frames "$listings/06-ping-pong/raw.txt" ch06-ping-pong --ping-interval 1 --ping-timeout 2 -- /echo \
        "a ping with a payload=@ping:are you there?" \
        "a ping with no payload=89 80 37 fa 21 3d" \
        "a pong nobody asked for=@pong:just so you know" \
        "a text message=@text:hello" \
        "silence: the server pings us=@wait:1.5" \
        "we answer its ping=@pong:heartbeat 1" \
        "silence again, and this time we do not answer=@wait:4"
    browser_session "$listings/06-ping-pong/browser.txt" heartbeat.js ch06-ping-pong --ping-interval 1
    inspector_decode "$listings/06-ping-pong/inspector.txt" captures/python-basic.pcap
fi

if wanted 07-close; then
    log "07-close: sessions"
    mkdir -p "$listings/07-close"
    command_output "$listings/07-close/help.txt" ch07-close --help
    raw_frames "$listings/07-close/raw.txt" ch07-close -- /echo \
        "a text message=@text:hello" \
        "a close frame: 1000, \"bye\"=@close:1000:bye" \
        "(after the close: a text message the server must not read)=@text:too late"
    {
        raw_frames - ch07-close -- /echo "a close frame with an empty body=@closeempty"
        echo
        raw_frames - ch07-close -- /echo "a close frame carrying 1005, which must never be sent=@close:1005:"
        echo
        raw_frames - ch07-close -- /echo "a close frame with a 1-byte body=88 81 37 fa 21 3d 34"
        echo
        raw_frames - ch07-close -- /echo "a close reason that is not UTF-8 (03 e8 ff)=88 83 37 fa 21 3d 34 12 de"
    } > "$listings/07-close/invalid-closes.txt"
    python3 book/tools/server-and-client.py --input $'hello\nwebsocket\n' \
        target/debug/ch07-close -- target/debug/ch07-close client '{url}/echo' > "$listings/07-close/client.txt"
    browser_session "$listings/07-close/browser.txt" close.js ch07-close
    { echo "frame  port   TCP flags"; tshark -r captures/python-basic.pcap -Y "frame.number >= 22" \
        -T fields -e frame.number -e tcp.srcport -e tcp.flags.str 2>/dev/null; } > "$listings/07-close/tcp-close.txt"
fi

if wanted 08-chat; then
    log "08-chat: sessions"
    mkdir -p "$listings/08-chat"
    command_output "$listings/08-chat/help.txt" ch08-chat --help
    python3 book/tools/handshake-requests.py --chat target/debug/ch08-chat > "$listings/08-chat/requests.txt"
    browser_session "$listings/08-chat/browser.txt" chat.js ch08-chat
    log "08-chat: the attack tests' figures (about 30 s)"
    cargo test -q -p ch08-chat \
        --test slowloris_does_not_delay_an_honest_echo \
        --test huge_heads_get_431_without_growing_memory \
        --test huge_length_frames_are_refused_from_the_header \
        --test fragment_bomb_costs_bounded_cpu_and_memory \
        --test abandoned_handshakes_leak_no_threads_or_fds \
        --test slow_reader_is_dropped_with_1008_and_slows_no_one \
        -- --nocapture 2>&1 | sed -n 's/^FIGURE //p' > "$listings/08-chat/attacks.txt"
fi

# The list of a chapter's tests (names only: stable from run to run).
test_list() { # OUT PACKAGE
    local out=$1 package=$2
    mkdir -p "$(dirname "$out")"
    cargo build -q --tests -p "$package"
    # cargo names each test binary on stderr ("Running tests/x.rs (...)"); keep those as headings.
    cargo test -p "$package" -- --list 2>&1 | awk '
        /^ *Running unittests / { heading = $3 " (unit tests)"; next }
        /^ *Running /           { heading = $2; next }
        /^ *Doc-tests /         { heading = "doc tests"; next }
        /: test$/ {
            if (heading != "") { printf "%s%s\n", sep, heading; sep = "\n"; heading = "" }
            sub(/: test$/, ""); print "    " $0
        }
    ' > "$out"
}

for chapter in 02-handshake 03-frames 04-masking 05-fragmentation 06-ping-pong 07-close 08-chat; do
    if wanted "$chapter" && [ -d "chapters/$chapter" ]; then
        log "$chapter: test list"
        test_list "$listings/$chapter/tests.txt" "ch${chapter}"
    fi
done

if wanted 04-masking; then
    log "04-masking: a masked and an unmasked frame from a real capture; the unmask benchmark"
    cargo build -q -p ws-inspector
    { echo "\$ tshark -r captures/python-basic.pcap -Y 'frame.number == 8 || frame.number == 9' -T fields -e frame.number -e tcp.payload"
      tshark -r captures/python-basic.pcap -Y 'frame.number == 8 || frame.number == 9' -T fields -e frame.number -e tcp.payload 2>/dev/null
      echo
      echo "\$ ws-inspector decode captures/python-basic.pcap | sed -n 2,3p"
      target/debug/ws-inspector decode captures/python-basic.pcap | sed -n 2,3p
    } > "$listings/04-masking/capture.txt"
    { echo "\$ cargo bench -p ch04-masking --bench unmask"; cargo bench -q -p ch04-masking --bench unmask 2>/dev/null; } > "$listings/04-masking/bench.txt"
fi

if wanted conformance; then
    # Each run builds the chapter in release mode and runs every Autobahn case but 12.* and
    # 13.*: minutes per chapter. scripts/autobahn.sh exits non-zero when cases fail, which
    # for the early chapters is the point, so its status is not checked here.
    # Chapter 4 is left out: it does not reassemble fragments, so each of the fragmented
    # cases 9.3.* and 9.4.* waits for Autobahn's timeout, and the run takes over half an hour.
    log "conformance: Autobahn|Testsuite against chapters 5 to 7 (several minutes)"
    mkdir -p "$listings/conformance"
    chapters=(ch05-fragmentation ch06-ping-pong ch07-close)
    for package in "${chapters[@]}"; do
        bash scripts/autobahn.sh server "$package" > "target/autobahn-$package.out" 2>&1 || true
    done
    bash scripts/autobahn.sh client ch07-close > target/autobahn-client-ch07-close.out 2>&1 || true
    python3 book/tools/autobahn-table.py "${chapters[@]}" > "$listings/conformance/table.md"
    for package in "${chapters[@]}"; do tail -1 "target/autobahn-$package.out"; done > "$listings/conformance/summary.txt"
    tail -1 target/autobahn-client-ch07-close.out >> "$listings/conformance/summary.txt"
fi

if wanted inspector; then
    log "inspector: decode, stats and JSON of real captures"
    mkdir -p "$listings/inspector"
    cargo build -q -p ws-inspector
    inspector=target/debug/ws-inspector
    { echo "\$ ws-inspector decode captures/chromium-deflate.pcapng"; "$inspector" decode captures/chromium-deflate.pcapng; } > "$listings/inspector/decode.txt"
    { echo "\$ ws-inspector stats captures/chromium-deflate.pcapng"; "$inspector" stats captures/chromium-deflate.pcapng; } > "$listings/inspector/stats.txt"
    { echo "\$ ws-inspector decode --json --max-payload 8 captures/python-basic.pcap | head -3"
      "$inspector" decode --json --max-payload 8 captures/python-basic.pcap | head -3; } > "$listings/inspector/json.txt"
    { echo "\$ ws-inspector decode --conn 0 captures/violations.pcapng"; "$inspector" decode --conn 0 captures/violations.pcapng
      echo "\$ ws-inspector decode --conn 3 captures/violations.pcapng"; "$inspector" decode --conn 3 captures/violations.pcapng; } > "$listings/inspector/violations.txt"
    { echo "\$ ws-inspector decode --messages captures/node-fragmented.pcapng"; "$inspector" decode --messages captures/node-fragmented.pcapng; } > "$listings/inspector/messages.txt"

    log "inspector: the live proxy in front of chapter 07's server, a Python client through it"
    cargo build -q -p ch07-close
    work=$(mktemp -d)
    target/debug/ch07-close --addr 127.0.0.1:8080 > "$work/server.out" 2> "$work/server.err" &
    server=$!
    "$inspector" proxy --listen 127.0.0.1:9000 --upstream 127.0.0.1:8080 --write "$work/session.pcapng" \
        > "$work/proxy.out" 2>&1 &
    proxy=$!
    for _ in $(seq 50); do grep -q "listening on" "$work/proxy.out" && grep -q "listening on" "$work/server.out" && break; sleep 0.1; done
    "$python" -c '
import asyncio
from websockets.asyncio.client import connect
async def main():
    async with connect("ws://127.0.0.1:9000/echo", compression=None) as ws:
        await ws.send("hello through the proxy")
        assert await ws.recv() == "hello through the proxy"
        await ws.close(1000, "done")
asyncio.run(main())'
    sleep 0.5
    kill -INT "$proxy"; wait "$proxy" || true
    kill "$server"; wait "$server" 2>/dev/null || true
    { echo "\$ ws-inspector proxy --listen 127.0.0.1:9000 --upstream 127.0.0.1:8080 --write session.pcapng"
      sed "s|$work/||" "$work/proxy.out"; } > "$listings/inspector/proxy.txt"
    { echo "\$ ws-inspector decode session.pcapng"; "$inspector" decode "$work/session.pcapng"; } > "$listings/inspector/proxy-decode.txt"
    rm -rf "$work"
fi

if wanted browser-api; then
    log "browser-api: every call of the WebSocket API against a recording proxy (about 20 s)"
    mkdir -p "$listings/browser-api"
    node book/tools/browser-api-on-the-wire.js > "$listings/browser-api/on-the-wire.txt"
fi

# The chapters' figures: one frame's RFC 6455 §5.2 bit diagram, drawn by `ws-inspector
# diagram` from a capture in captures/ (the same layout the GUI paints). --frame is the
# frame's `index` in `ws-inspector decode --json` (counted from 0, both directions); the
# captures' README says what each frame is, and recording again keeps the frames' order.
figure() { # NAME CAPTURE FRAME
    cargo build -q -p ws-inspector
    target/debug/ws-inspector diagram "captures/$2" --frame "$3" --svg "book/src/figures/$1.svg"
}

if wanted figures; then
    log "figures: bit diagrams of real frames (book/src/figures/)"
    mkdir -p book/src/figures
    figure ch03-greeting chromium-ch03.pcapng 0         # chapter 03's greeting, unmasked
    figure ch03-client-text chromium-ch03.pcapng 1      # Chromium's masked "hello from chromium"
    figure ch04-masked-text chromium-ch04.pcapng 0      # the same text, to chapter 04's echo
    figure ch04-64-bit-length chromium-ch04.pcapng 8    # the 70 000-byte binary message
    figure ch05-first-fragment node-fragmented.pcapng 2 # "Hello, ", FIN=0, opcode text
    figure ch05-ping-between node-fragmented.pcapng 3   # a ping while the message is open
    figure ch05-continuation node-fragmented.pcapng 5   # "fragmented ", FIN=0, opcode 0
    figure ch06-ping python-basic.pcap 8                # the server's ping "server ping"
    figure ch06-pong python-basic.pcap 9                # the client's masked pong
    figure ch07-close chromium-ch07.pcapng 10           # Chromium's close: 1000 "chromium done"
    figure ch08-length-msb-set violations.pcapng 56     # a 64-bit length with its MSB set
    figure inspector-masked-text python-basic.pcap 0    # the inspector page's example
    # The window itself: the README's screenshot (docs/screenshot.sh takes it under Xvfb).
    if [ -f docs/inspector.png ]; then cp docs/inspector.png book/src/figures/inspector-window.png; fi
fi

log "done; review with: git diff --stat $listings"
