#!/usr/bin/env bash
# Installs the reference tools and real peers wsbook's tests use, idempotently:
# a warm machine returns in about a second. Everything project-local lives under
# target/peers so it stays out of the way and `cargo clean` resets it.
#
#   scripts/install-tools.sh            # peers for the tests: chromium, tshark, python, node
#   scripts/install-tools.sh autobahn   # + Autobahn|Testsuite (python 2.7 venv)
#   scripts/install-tools.sh gui        # + Xvfb and friends for screenshots
#   scripts/install-tools.sh record     # + tcpdump for captures/record.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
peers="$root/target/peers"
mkdir -p "$peers"
log() { echo "install-tools: $*" >&2; }

apt_updated=0
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    if [ $apt_updated -eq 0 ]; then
        log "apt-get update"
        $sudo apt-get update -qq >&2
        apt_updated=1
    fi
    log "apt-get install ${missing[*]}"
    echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > "$peers/apt.log" 2>&1 || { cat "$peers/apt.log" >&2; log "apt-get install failed"; exit 1; }
}

base() {
    apt_install chromium tshark ca-certificates fonts-dejavu-core
    # Python peers: websockets (server and client), websocket-client.
    if ! "$peers/py/bin/python" -c 'import websockets, websocket' 2>/dev/null; then
        log "python venv with websockets"
        python3 -m venv "$peers/py"
        "$peers/py/bin/pip" install -q --disable-pip-version-check "websockets==15.0.1" websocket-client >&2
    fi
    # Node peers: ws, and playwright-core to drive the system chromium.
    if [ ! -f "$peers/node/node_modules/ws/package.json" ] || [ ! -f "$peers/node/node_modules/playwright-core/package.json" ]; then
        log "npm install ws playwright-core"
        mkdir -p "$peers/node"
        (cd "$peers/node" && { [ -f package.json ] || echo '{"name":"wsbook-peers","private":true}' > package.json; } \
            && npm install --silent --no-audit --no-fund ws@8 playwright-core@1 >&2)
    fi
}

autobahn() {
    if [ ! -x "$peers/autobahn/bin/wstest" ]; then
        log "Autobahn|Testsuite (python 2.7)"
        local py2
        py2="$(pyenv root 2>/dev/null)/versions/2.7.18/bin/python"
        [ -x "$py2" ] || { log "python 2.7 not found at $py2 (pyenv)"; exit 1; }
        "$py2" -m pip install -q "virtualenv<20.22" >&2
        "$py2" -m virtualenv -q "$peers/autobahn" >&2
        "$peers/autobahn/bin/pip" install -q autobahntestsuite==25.10.1 >&2
    fi
}

gui() { apt_install xvfb libgl1-mesa-dri libegl1 libxkbcommon-x11-0 imagemagick xdotool; }
record() { apt_install tcpdump; }

base
for extra in "$@"; do
    case "$extra" in
        autobahn) autobahn ;;
        gui) gui ;;
        record) record ;;
        *) log "unknown extra: $extra"; exit 2 ;;
    esac
done
