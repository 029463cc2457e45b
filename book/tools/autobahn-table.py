#!/usr/bin/env python3
"""Turns the Autobahn|Testsuite reports of several chapters into one Markdown table: for each
group of test cases, how many cases each chapter's server passes.

    python3 book/tools/autobahn-table.py PACKAGE [PACKAGE...] > book/listings/conformance/table.md

Reads target/autobahn/server/<PACKAGE>/reports/servers/index.json, as scripts/autobahn.sh
leaves it. A case counts as passed ("OK") when its behavior is OK or INFORMATIONAL and its
closing behavior is OK or INFORMATIONAL — the same rule scripts/autobahn.sh applies, except
that NON-STRICT is shown as not passed here. Groups 12 and 13 (permessage-deflate) are not run.
"""

import json
import pathlib
import sys

GROUPS = {
    "1": "framing: text and binary, every length class",
    "2": "ping and pong",
    "3": "reserved bits",
    "4": "opcodes",
    "5": "fragmentation",
    "6": "UTF-8",
    "7": "closing",
    "9": "limits and performance",
    "10": "auto-fragmentation",
}


def outcome(result: dict) -> str:
    behavior = result.get("behavior", "FAILED")
    close = result.get("behaviorClose", "FAILED")
    if behavior in ("OK", "INFORMATIONAL") and close in ("OK", "INFORMATIONAL"):
        return "OK"
    if behavior == "UNIMPLEMENTED":
        return "UNIMPLEMENTED"
    if "NON-STRICT" in (behavior, close) and behavior != "FAILED":
        return "NON-STRICT"
    return "FAILED"


def main() -> int:
    packages = sys.argv[1:]
    if not packages:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(__file__).resolve().parents[2]
    per_package: dict[str, dict[str, list[str]]] = {}
    for package in packages:
        index = root / "target/autobahn/server" / package / "reports/servers/index.json"
        try:
            results = json.loads(index.read_text()).get(package, {})
        except (OSError, ValueError) as error:
            print(f"{index}: {error}", file=sys.stderr)
            return 1
        groups: dict[str, list[str]] = {}
        for case, result in results.items():
            groups.setdefault(case.split(".")[0], []).append(outcome(result))
        per_package[package] = groups
    print("| group | what it checks | " + " | ".join(f"`{p}`" for p in packages) + " |")
    print("|---|---|" + "--:|" * len(packages))
    totals = {p: [0, 0] for p in packages}
    for group, title in GROUPS.items():
        cells = []
        for package in packages:
            outcomes = per_package[package].get(group, [])
            ok = outcomes.count("OK")
            totals[package][0] += ok
            totals[package][1] += len(outcomes)
            cells.append(f"{ok} / {len(outcomes)}" if outcomes else "—")
        print(f"| {group} | {title} | " + " | ".join(cells) + " |")
    print("| **all** | | " + " | ".join(f"**{ok} / {n}**" for ok, n in totals.values()) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
