"""The conversation-level test set as a benchmark: how many of its multi-turn conversations
reach their outcome, overall, per style and per skill.

Usage:
    .venv/bin/python bench/conversations.py [--set test|dev] [--parallel 4] [--style en] \\
        [--skill fraud] [--transcripts] [--out bench/results/conversations-<date>.json]

``--set dev`` plays the development set (`tests/conversations/dev/`) instead, for tuning;
its results go to ``conversations-dev-<date>.json``.

What runs: the hub, Rasa server (the trained model in models/rasa/) and action server as
subprocesses on free ports in a temporary folder, started as the tests start them
(`tests/conversations/harness.py`); every conversation of `tests/conversations/*.yml` is
played through the widget's HTTP API, a widget session each, `--parallel` at a time, and
checked against its outcome (the same checks as `tests/conversations/test_conversations.py`).

Failed conversations are printed with what went wrong and the bot's actual replies. The
LAST line printed is one JSON object: date, machine, load, n, overall / style / skill pass
rates and the failed ids; it is also written to --out (default
bench/results/conversations-<UTC date>.json). `--table` prints the Markdown table for
docs/benchmarks.md from a results file instead of running.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conversations.harness import (  # noqa: E402
    DEV,
    HERE,
    STYLES,
    BotTexts,
    Player,
    check,
    faq_answers,
    load_set,
    running_stack,
    summary,
)


def machine() -> str:
    cpus = os.cpu_count() or 0
    return f"{platform.machine()}, {cpus} cores, Python {platform.python_version()}"


def table(result: dict[str, Any]) -> str:
    """docs/benchmarks.md's table of one run."""
    lines = [
        "| group | n | passed | pass rate |",
        "| --- | ---: | ---: | ---: |",
    ]

    def row(name: str, r: dict[str, Any]) -> None:
        lines.append(f"| {name} | {r['n']} | {r['passed']} | {r['rate']:.2f} |")

    row("**all**", result["overall"])
    for style in STYLES:
        if style in result["style"]:
            row(f"style: {style}", result["style"][style])
    for skill, r in result["skill"].items():
        row(f"skill: {skill}", r)
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument(
        "--set",
        choices=("test", "dev"),
        default="test",
        help="test: tests/conversations/*.yml (reported); dev: tests/conversations/dev/ (tuning)",
    )
    parser.add_argument("--style", action="append", choices=STYLES)
    parser.add_argument("--skill", action="append")
    parser.add_argument("--transcripts", action="store_true", help="print passing ones too")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--table", type=Path, help="print the Markdown table of a results file")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(args.table.read_text(encoding="utf-8"))))
        return 0

    folder = DEV if args.set == "dev" else HERE
    items = load_set(tuple(args.style) if args.style else STYLES, folder)
    if args.skill:
        items = [i for i in items if i["skill"] in args.skill]
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tandem-conversations-") as tmp:
        with running_stack(Path(tmp)) as hub:
            player = Player(hub)
            played = player.play_all(items, parallel=args.parallel)
    texts, answers = BotTexts.load(), faq_answers()
    results = {i["id"]: check(played[i["id"]], texts, answers) for i in items}
    for item in items:
        problems = results[item["id"]]
        if problems or args.transcripts:
            print(f"{'FAIL' if problems else 'PASS'} {item['id']}")
            for problem in problems:
                print(f"  ! {problem}")
            print(played[item["id"]].transcript())
    now = datetime.now(timezone.utc)
    result = {
        "bench": "conversations",
        "date": now.strftime("%Y-%m-%d %H:%M UTC"),
        "command": "bench/conversations.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "seconds": round(time.monotonic() - started, 1),
        "parallel": args.parallel,
        "set": args.set,
        "n": len(items),
        **summary(results, items),
    }
    name = "conversations" if args.set == "test" else "conversations-dev"
    out = args.out or ROOT / "bench" / "results" / f"{name}-{now:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
