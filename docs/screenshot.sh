#!/usr/bin/env bash
# Takes docs/inspector.png: ws-inspector at 1280×800 under Xvfb, on the built-in Chromium
# capture, with a frame selected and one diagram field explained.
#
#   bash scripts/install-tools.sh gui    # Xvfb, xdotool, imagemagick, GL
#   bash docs/screenshot.sh [OUT.png]
#
# Clicks go by position, so after a layout change look at the picture (and fix the
# positions below) before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/inspector.png}
DISPLAY_NUMBER=:93
cargo build --release -p ws-inspector
Xvfb "$DISPLAY_NUMBER" -screen 0 1280x800x24 -nolisten tcp &
XVFB=$!
export DISPLAY=$DISPLAY_NUMBER
HOME_DIR=$(mktemp -d)   # fresh settings: default panel sizes, no recent files
trap 'kill $APP $XVFB 2>/dev/null; rm -rf "$HOME_DIR"' EXIT
sleep 1
HOME=$HOME_DIR XDG_DATA_HOME=$HOME_DIR target/release/ws-inspector &
APP=$!
sleep 3
click() { xdotool mousemove "$1" "$2" click 1; sleep 0.6; }
click 700 313     # the browser's close frame (frame 11), masked
click 343 420     # its opcode field: the RFC's sentence appears below the diagram
xdotool mousemove 1279 799
sleep 1
import -window root "$OUT"
echo "wrote $OUT"
