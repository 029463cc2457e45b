#!/usr/bin/env bash
# Builds the book and checks it, the way CI does:
#   1. installs mdbook 0.4 with `cargo install --locked` if it is missing (cached in ~/.cargo/bin);
#   2. checks book/src against the workspace (booklint sources): every chapter crate has a page,
#      every {{#include}} file and anchor exists, every `cargo ... -p NAME` names a package;
#   3. builds the book (`mdbook build book`, into target/book);
#   4. checks the generated HTML (booklint html): no unexpanded {{#...}}, no dead relative link
#      or image, no link to a missing #fragment.
# Exits non-zero on the first step that fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mdbook_series="0.4"
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"

if ! mdbook --version 2>/dev/null | grep -q "v$mdbook_series\."; then
    echo "book.sh: installing mdbook $mdbook_series (cargo install --locked, once)" >&2
    cargo install mdbook --locked --version "^$mdbook_series" >&2
fi
echo "book.sh: $(mdbook --version)" >&2

cargo build -q --locked -p wsbook-booklint
booklint=target/debug/booklint

"$booklint" sources
# mdBook logs an error for a missing include but still exits 0; the HTML check catches those.
rm -rf target/book
if ! mdbook build book 2> target/mdbook.log; then
    cat target/mdbook.log >&2
    echo "book.sh: mdbook build failed" >&2
    exit 1
fi
grep -v '\[INFO\]' target/mdbook.log >&2 || true
"$booklint" html target/book
echo "book.sh: the book is built in target/book (open target/book/index.html)" >&2
