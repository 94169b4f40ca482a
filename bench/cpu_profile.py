"""Where one customer message's CPU goes in the hub: a py-spy profile, split by part.

Usage:
    .venv/bin/python bench/cpu_profile.py [--messages 40] [--rate 250] [--label after]
        [--out FILE] [--keep-raw FILE] [--pythonpath TREE]

What runs: a hub (`tandem db init --demo`, then `tandem hub`, as tests/support/stack.py
starts it) whose Rasa is the stand-in of bench/sql_per_message.py (StandInRasa: every
message gets one fixed reply, no custom action), so the bot's turn is an echo and what is
left is the hub's own work. The intake limits are raised so one visitor may send the whole
batch. One widget visitor sends a warm-up message, then ``--messages`` questions over the
HTTP API, one at a time (each waits for its replies), while py-spy samples every thread of
the hub (``record -r RATE -f raw --threads --nonblocking``; idle threads are not sampled).
The hub's CPU is read from /proc (user + system of its process group) over the same
window, and, before it, for ``--idle-seconds`` with nobody writing.

A sample is put in one part by the frames on its stack (``PARTS``, first match wins);
ms per message = samples x (1000 / rate) / messages. The /proc figure is the one to trust:
py-spy misses or double-counts some samples on a loaded machine.

The last line printed is one JSON object: ``load_avg_1m`` (at the start),
``hub_cpu_ms_per_msg_proc``, ``idle_cpu_pct``, ``by_thread_ms_per_msg_proc`` (the same
/proc CPU per kind of thread: event loop, SQLite connections, knowledge searches),
``sampled_ms_per_msg`` (without ``waits_or_uvloop_ms_per_msg``: ``WAITS``),
``by_part_ms_per_msg`` and ``top_functions`` (the functions with
the most samples in their own code, ms per message).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import run_record  # noqa: E402
from cpu_per_message import cpu_s, group_cpu_s, stat_fields  # noqa: E402
from sql_per_message import TEXTS  # noqa: E402

from tests.support import sql_statements as sq  # noqa: E402
from tests.support.stack import HubProcess  # noqa: E402

PY_SPY = ROOT / ".venv" / "bin" / "py-spy"
# One visitor sends the whole batch without a pause: the per-visitor limits would refuse it.
RAISED_LIMITS = {
    "TANDEM_INTAKE_VISITOR_MESSAGES_PER_MIN": "100000",
    "TANDEM_INTAKE_VISITOR_CHARS_PER_MIN": "10000000",
    "TANDEM_INTAKE_ADDRESS_MESSAGES_PER_MIN": "100000",
    "TANDEM_INTAKE_ADDRESS_CHARS_PER_MIN": "10000000",
}

# (part, markers): a sample goes to the first part one of whose markers is in its stack.
# Order matters: the narrow parts (claims, the assist's flags) come before the wide ones
# (work items, assist hook) that contain them.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("knowledge searches (threads)", ("knowledge/search", "knowledge/index", "knowledge/embed")),
    ("SQLite statements (aiosqlite thread)", ("aiosqlite/core.py",)),
    ("work items: claims (leases)", ("bot/pipeline/workers.py>bot/pipeline/leases.py",)),
    ("outbox: claims (leases)", ("bot/pipeline/outbox.py>bot/pipeline/leases.py",)),
    ("reporting events (after-flush listener)", ("bot/reporting/",)),
    ("assist hook: flags (rule patterns)", ("bot/assist/live.py>flags", "rules.py")),
    ("assist hook: other", ("bot/assist/", "bot/copilot/")),
    (
        "router (bot turn, incl. its ORM work)",
        ("bot/pipeline/router.py", "bot/pipeline/rasa_client.py"),
    ),
    ("intake (widget API + Hub.receive)", ("bot/pipeline/intake.py", "bot/api/widget.py")),
    ("outbox + sender: other", ("bot/pipeline/outbox.py", "bot/channels/")),
    (
        "background loops (scheduler, kb, surveys, health)",
        ("bot/handoff/scheduler.py", "bot/kb/", "bot/cluster/jobs.py", "bot/pipeline/health.py"),
    ),
    ("work items: other", ("bot/pipeline/workers.py",)),
    ("websocket fan-out (broker, events)", ("bot/realtime/",)),
    ("logging", ("logging/__init__.py",)),
    ("SQLAlchemy ORM under greenlet (caller not visible)", ("sqlalchemy/",)),
]
OTHER = "FastAPI/uvicorn/asyncio without a project frame"
# Samples py-spy takes as active that are waits, or C code it cannot see into: the event
# loop in uvloop's run (polling, or its own C callbacks) and an aiosqlite thread at its
# queue's get. Counted apart and left out of the parts (as the first profile did).
WAITS = ("Runner.run (asyncio/runners.py:", "_connection_worker_thread (aiosqlite/core.py:59)")


def thread_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of a process, by thread id."""
    out: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        fields = stat_fields(task / "stat")
        if fields is not None:
            out[int(task.name)] = cpu_s(fields)
    return out


def thread_kind(name: str) -> str:
    """A py-spy thread name as one of the hub's kinds of thread."""
    if name == "MainThread":
        return "event loop (main thread)"
    if "_connection_worker_thread" in name:
        return "SQLite connections (aiosqlite threads)"
    if name.startswith("knowledge"):
        return "knowledge searches and index (threads)"
    return "other threads"


def by_thread_ms(
    raw: str, before: dict[int, float], after: dict[int, float], messages: int
) -> dict[str, float]:
    """The /proc CPU of the window per kind of thread, ms per message (threads py-spy never
    saw active are named by nothing and count as other)."""
    names = {}
    for match in re.finditer(r"^thread \((\d+)\): ([^;]*);", raw, re.M):
        names[int(match[1])] = match[2]
    kinds: dict[str, float] = {}
    for tid, cpu in after.items():
        kind = thread_kind(names.get(tid, ""))
        kinds[kind] = kinds.get(kind, 0.0) + cpu - before.get(tid, 0.0)
    ranked = sorted(kinds.items(), key=lambda kv: -kv[1])
    return {k: round(v * 1000 / messages, 1) for k, v in ranked}


def _frames(line: str) -> tuple[list[str], int]:
    """One line of py-spy's raw (collapsed) output: its frames root first, and its count."""
    stack, _, count = line.rpartition(" ")
    return stack.split(";"), int(count)


def _file(frame: str) -> str:
    """ "claim (bot/pipeline/leases.py:88)" -> "bot/pipeline/leases.py"."""
    inside = frame[frame.rfind("(") + 1 : -1]
    return inside.rsplit(":", 1)[0].split("site-packages/")[-1].removeprefix(str(ROOT) + "/")


def part_of(frames: list[str]) -> str:
    files = [_file(f) for f in frames]
    names = [f.split(" (", 1)[0] for f in frames]
    for part, markers in PARTS:
        for marker in markers:
            if ">" in marker:  # "outer>inner": inner's file below outer's in the stack
                outer, inner = marker.split(">")
                first = next((i for i, f in enumerate(files) if outer in f), None)
                if first is not None and any(
                    inner in f or inner == n
                    for f, n in zip(files[first:], names[first:], strict=True)
                ):
                    return part
            elif any(marker in f for f in files):
                return part
    return OTHER


def leaf_name(frame: str) -> str:
    """ "claim (bot/pipeline/leases.py:88)" -> "claim (bot/pipeline/leases.py)"."""
    return f"{frame.split(' (', 1)[0]} ({_file(frame)})"


def count_samples(
    raw: str, part: Callable[[list[str]], str], waits: tuple[str, ...]
) -> tuple[Counter[str], Counter[str], int, int]:
    """py-spy's raw output counted: samples by part and by innermost function, the
    samples counted, and those left out as waits (innermost frame starting with ``waits``)."""
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = waited = 0
    for line in raw.splitlines():
        if not line.strip():
            continue
        frames, count = _frames(line)
        if frames[-1].startswith(waits):
            waited += count
            continue
        total += count
        parts[part(frames)] += count
        own[leaf_name(frames[-1])] += count
    return parts, own, total, waited


def summarise(raw: str, rate: int, messages: int) -> dict[str, Any]:
    ms = 1000.0 / rate / messages
    parts, own, total, waits = count_samples(raw, part_of, WAITS)
    return {
        "sampled_ms_per_msg": round(total * ms, 1),
        "waits_or_uvloop_ms_per_msg": round(waits * ms, 1),
        "by_part_ms_per_msg": {k: round(v * ms, 1) for k, v in parts.most_common()},
        "top_functions": {k: round(v * ms, 1) for k, v in own.most_common(25)},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples a second")
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--label", default="after", help="the key of this run in --out")
    parser.add_argument("--out", help="add this run under --label to FILE (kept: other labels)")
    parser.add_argument("--gil", action="store_true", help="sample only the GIL's holder")
    parser.add_argument(
        "--native",
        action="store_true",
        help="also sample C frames (uvloop, SQLite, the interpreter); pauses the hub per sample",
    )
    parser.add_argument(
        "--pythonpath",
        help="put this source tree first on the hub's path (a `git archive` of an earlier "
        "commit, for its before-profile on the same machine and database)",
    )
    parser.add_argument("--keep-raw", help="also keep py-spy's raw output here")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-prof-"))
    load_at_start = round(os.getloadavg()[0], 1)
    rasa = sq.StandInRasa().start()
    hub = HubProcess(
        workdir,
        rasa_url=rasa.url,
        index_dir=workdir / "index",
        extra_env={
            **sq.stand_in_env(rasa),
            **RAISED_LIMITS,
            **({"PYTHONPATH": args.pythonpath} if args.pythonpath else {}),
        },
    )
    result: dict[str, Any] = {}
    try:
        hub.init_db()
        hub.start()
        hub.wait_knowledge()
        assert hub.proc is not None
        pgid = hub.proc.pid
        customer = sq.WidgetCustomer(hub.url)
        customer.send("xin chào")  # opens the conversation; the warm-up is not measured
        time.sleep(3)
        cpu0, t0 = group_cpu_s(pgid), time.monotonic()
        time.sleep(args.idle_seconds)
        idle_pct = (group_cpu_s(pgid) - cpu0) / (time.monotonic() - t0) * 100
        raw_path = workdir / "profile.txt"
        spy = subprocess.Popen(
            [str(PY_SPY), "record", "-r", str(args.rate), "-f", "raw", "--threads"]
            # Native frames need the process paused at each sample (it slows the hub down).
            + (["--native"] if args.native else ["--nonblocking"])
            + ["-p", str(hub.proc.pid), "-o", str(raw_path)]
            + (["--gil"] if args.gil else []),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2)  # py-spy attaches
        cpu0, threads0 = group_cpu_s(pgid), thread_cpu_s(pgid)
        for n in range(args.messages):
            customer.send(TEXTS[n % len(TEXTS)])
        time.sleep(1.0)  # the work a message leaves behind (assist hook, outbox) finishes
        cpu, threads1 = group_cpu_s(pgid) - cpu0, thread_cpu_s(pgid)
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
        customer.close()
        raw = raw_path.read_text()
        if args.keep_raw:
            shutil.copy(raw_path, args.keep_raw)
        result = {
            "load_avg_1m": load_at_start,
            "hub_cpu_ms_per_msg_proc": round(cpu * 1000 / args.messages, 1),
            "idle_cpu_pct": round(idle_pct, 1),
            "by_thread_ms_per_msg_proc": by_thread_ms(raw, threads0, threads1, args.messages),
            **summarise(raw, args.rate, args.messages),
        }
    finally:
        hub.stop()
        rasa.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.out and result:
        run_record.add_labelled(
            args.out, args.label, result, argv, n_messages=args.messages, sample_hz=args.rate
        )
    print(__import__("json").dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
