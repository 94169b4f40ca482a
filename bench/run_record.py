"""What every benchmark result file carries beside its figures: when it ran, on which
commit and machine, under what load, with which command. bench/tables.py builds the
tables in docs/benchmarks.md from these files, so a figure without a file has no table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    """The CPU's model name (/proc/cpuinfo), as every result file records it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _commit() -> str:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")
    except OSError:
        return "unknown"


def describe_run(argv: list[str] | None = None) -> dict[str, Any]:
    """The run's context, taken when it ends (the load average is the last minute's)."""
    load = os.getloadavg()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "command": " ".join(
            [".venv/bin/python", os.path.relpath(sys.argv[0], ROOT), *(argv or sys.argv[1:])]
        ),
        "machine": {
            "nproc": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
        },
        "load_avg": [round(x, 1) for x in load],
    }


def write(path: str | Path, result: dict[str, Any], argv: list[str] | None = None) -> Path:
    """Write one run's result with its context; the figures stay under ``result``."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps({"run": describe_run(argv), "result": result}, ensure_ascii=False, indent=1)
        + "\n",
        encoding="utf-8",
    )
    return out


def report(out: str | Path | None, result: dict[str, Any], argv: list[str] | None = None) -> None:
    """A benchmark's ending: the result saved with its context when ``out`` is given (and
    there is one), and printed as the run's last line, one JSON object."""
    if out and result:
        write(out, result, argv)
    print(json.dumps(result, ensure_ascii=False), flush=True)


def add_labelled(
    path: str | Path,
    label: str,
    result: dict[str, Any],
    argv: list[str] | None = None,
    **shared: Any,
) -> Path:
    """Add one run of a comparison (before, after, repeats: "before-2") to a file that
    keeps the others, under its ``label`` with its own date, command and commit; ``shared``
    settings of the whole file sit beside the labels. The file's "run" is the last one's."""
    out = Path(path)
    old = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"result": {}}
    context = describe_run(argv)
    merged = {**shared, **old["result"]}
    merged[label] = {
        **result,
        "date": context["date"],
        "command": context["command"],
        "commit": context["commit"],
    }
    return write(out, merged, argv)
