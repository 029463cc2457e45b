#!/usr/bin/env bash
# Runs Autobahn|Testsuite against a chapter, and summarises the result.
#
#   scripts/autobahn.sh [server|client] [CHAPTER_PACKAGE]
#
#   server  (default) builds CHAPTER_PACKAGE (default ch07-close) in release mode, starts its
#           server on a free port and runs `wstest -m fuzzingclient` against ws://.../echo.
#   client  starts `wstest -m fuzzingserver` on a free port and runs the chapter's client
#           (`CHAPTER client --autobahn URL`, ch07-close only) through every case.
#
# All cases run except 12.* and 13.* (permessage-deflate, a later chapter). Reports go to
# target/autobahn/<mode>/<package>/reports (open index.html in a browser). Prints one line:
#
#   autobahn server: N OK, 0 NON-STRICT, 0 FAILED (I INFORMATIONAL, U UNIMPLEMENTED)
#
# and exits non-zero unless there are 0 NON-STRICT and 0 FAILED cases. A case counts as
# FAILED when its behavior is FAILED or its behaviorClose is not OK/INFORMATIONAL.
set -euo pipefail

mode="${1:-server}"
package="${2:-ch07-close}"
case "$mode" in
    server | client) ;;
    -h | --help)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "usage: $0 [server|client] [CHAPTER_PACKAGE]" >&2
        exit 2
        ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { echo "autobahn.sh: $*" >&2; }

bash scripts/install-tools.sh autobahn
wstest="$root/target/peers/autobahn/bin/wstest"

log "cargo build --release -p $package"
cargo build --release --quiet -p "$package"
binary="$root/target/release/$package"

work="$root/target/autobahn/$mode/$package"
rm -rf "$work"
mkdir -p "$work"
cd "$work"

children=()
cleanup() {
    for pid in "${children[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits (at most 20 s) until something listens on 127.0.0.1:$1.
wait_for_port() {
    for _ in $(seq 200); do
        if python3 -c "import socket, sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# A bound on the whole run: a hung case must fail CI, not hang it.
limit=900

if [ "$mode" = server ]; then
    "$binary" --addr 127.0.0.1:0 > server.out 2> server.log &
    children+=($!)
    url=""
    for _ in $(seq 200); do
        url="$(sed -n 's/^listening on \(ws:\/\/.*\)$/\1/p' server.out | head -1)"
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || { log "$package printed no 'listening on' line"; cat server.log >&2; exit 1; }
    cat > spec.json <<EOF
{
  "outdir": "./reports/servers",
  "servers": [{"agent": "$package", "url": "$url/echo"}],
  "cases": ["*"],
  "exclude-cases": ["12.*", "13.*"],
  "exclude-agent-cases": {}
}
EOF
    log "wstest -m fuzzingclient against $url/echo (log: $work/wstest.log)"
    timeout "$limit" "$wstest" -m fuzzingclient -s spec.json > wstest.log 2>&1 || {
        log "wstest failed or timed out; last lines:"
        tail -20 wstest.log >&2
        exit 1
    }
    index="reports/servers/index.json"
else
    port="$(free_port)"
    cat > spec.json <<EOF
{
  "url": "ws://127.0.0.1:$port",
  "outdir": "./reports/clients",
  "cases": ["*"],
  "exclude-cases": ["12.*", "13.*"],
  "exclude-agent-cases": {}
}
EOF
    "$wstest" -m fuzzingserver -s spec.json > wstest.log 2>&1 &
    children+=($!)
    wait_for_port "$port" || { log "wstest fuzzingserver did not start"; tail -20 wstest.log >&2; exit 1; }
    log "$package client --autobahn ws://127.0.0.1:$port (log: $work/client.log)"
    timeout "$limit" "$binary" client --autobahn "ws://127.0.0.1:$port" --agent "$package" > client.out 2> client.log || {
        log "the client failed or timed out; last lines:"
        tail -20 client.log >&2
        exit 1
    }
    index="reports/clients/index.json"
fi

[ -f "$index" ] || { log "no $index was written"; exit 1; }

python3 - "$index" "$package" "$mode" <<'EOF'
import json, sys

index, agent, mode = sys.argv[1:4]
with open(index) as f:
    results = json.load(f).get(agent, {})
if not results:
    print(f"autobahn {mode}: no results for agent {agent}", file=sys.stderr)
    sys.exit(1)

def case_key(case):
    return [int(part) for part in case.split(".")]

counts = {"OK": 0, "NON-STRICT": 0, "FAILED": 0, "INFORMATIONAL": 0, "UNIMPLEMENTED": 0}
bad = []
for case in sorted(results, key=case_key):
    result = results[case]
    behavior = result.get("behavior", "FAILED")
    close = result.get("behaviorClose", "FAILED")
    if behavior == "FAILED" or close not in ("OK", "INFORMATIONAL", "NON-STRICT"):
        outcome = "FAILED"
    elif "NON-STRICT" in (behavior, close):
        outcome = "NON-STRICT"
    elif behavior in ("UNIMPLEMENTED", "INFORMATIONAL"):
        outcome = behavior
    else:
        outcome = "OK"
    counts[outcome] += 1
    if outcome in ("FAILED", "NON-STRICT"):
        bad.append(f"  {case}: behavior {behavior}, behaviorClose {close}")

for line in bad[:40]:
    print(line, file=sys.stderr)
if len(bad) > 40:
    print(f"  ... and {len(bad) - 40} more", file=sys.stderr)
print(
    f"autobahn {mode}: {counts['OK']} OK, {counts['NON-STRICT']} NON-STRICT, {counts['FAILED']} FAILED "
    f"({counts['INFORMATIONAL']} INFORMATIONAL, {counts['UNIMPLEMENTED']} UNIMPLEMENTED) [{agent}]"
)
sys.exit(1 if counts["NON-STRICT"] or counts["FAILED"] else 0)
EOF
