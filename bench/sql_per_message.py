"""SQL statements and transactions the hub runs per customer message, and per idle minute.

Usage:
    .venv/bin/python bench/sql_per_message.py [--messages 8] [--idle-seconds 60] [--rasa]
        [--out FILE]

Counts, not time: the hub runs with bench/sqlcount/sitecustomize.py on its path, which
logs each statement with the asyncio task that ran it (tests/support/sql_statements.py
reads the log). Nothing is installed in the product; the counter exists only in this run.

What runs: by default a hub (`tandem db init --demo`, then `tandem hub`, as the tests'
tests/support/stack.py starts it) whose Rasa is a stand-in that answers every message
with one text (StandInRasa): the turn's statements are then the hub's alone and the same
from run to run. With ``--rasa`` the soak's stack instead (bench/soak_stack.py: the real
Rasa and action server), whose custom actions call the hub back for FAQ answers.

1. Idle: the hub with no customer for ``--idle-seconds``; every statement counts
   (scheduler, surveys, knowledge tick, the workers' and outbox sender's polls).
2. Messages: the hub restarted with its timed re-drive polls out of the way (they run in
   the workers' own tasks; ``--rasa`` sets this from the start, so its idle figures lack
   them). One widget visitor sends ``--messages`` questions over the HTTP API, one at a
   time (each waits for its replies). A message's statements are those logged from its
   send until the hub is quiet, without the periodic jobs' (told apart by their task). The first
   message also opens the conversation; ``per_message`` is the median of the others.

The last line printed is one JSON object: ``idle_statements_per_min``,
``idle_transactions_per_min``, ``idle_by_task`` (per minute), ``per_message`` (median
statements and transactions of a message after the first), ``first_message``,
``messages`` (each one's counts by task), ``by_shape`` (the median message's statements
by shape) and the run's context.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import run_record  # noqa: E402

from tests.support import sql_statements as sq  # noqa: E402
from tests.support.stack import HubProcess  # noqa: E402

# Ordinary questions that keep the conversation with the bot (no hand-off words).
TEXTS = [
    "xin chào",
    "cho tôi hỏi giờ làm việc của ngân hàng",
    "phí chuyển khoản là bao nhiêu",
    "làm sao để mở thẻ tín dụng",
    "cảm ơn bạn",
    "hello, how do I reset my card PIN",
    "what are your opening hours",
    "tôi muốn biết hạn mức thẻ",
]


class _StandInHub:
    """The hub with a stand-in Rasa (tests/support/stack.py's HubProcess)."""

    def __init__(self, workdir: Path, counts: Path) -> None:
        self.rasa = sq.StandInRasa().start()
        self.hub = HubProcess(
            workdir,
            rasa_url=self.rasa.url,
            index_dir=workdir / "index",
            extra_env={**sq.env(counts), **sq.stand_in_env(self.rasa)},
        )

    def start(self) -> str:
        self.hub.init_db()
        self.hub.start()
        self.hub.wait_knowledge()
        return self.hub.url

    def quiet(self) -> None:
        """Restart with the timed re-drive polls out of the message windows' way."""
        self.hub.extra_env.update(sq.QUIET_REDRIVE)
        self.hub.restart()
        self.hub.wait_knowledge()

    def stop(self) -> None:
        self.hub.stop()
        self.rasa.stop()


class _RasaStack:
    """The soak's stack (bench/soak_stack.py), with the counter on the hub."""

    def __init__(self, workdir: Path, counts: Path) -> None:
        import soak_stack

        from tandem import processes

        extra = {**sq.env(counts), **sq.QUIET_REDRIVE}
        # tandem/processes.py sets the children's PYTHONPATH itself: the hub is started
        # as start_hub does, with the counter's folder put first on its path.
        extra["PYTHONPATH"] = f"{extra['PYTHONPATH']}:{ROOT}"

        class Counted(soak_stack.Stack):
            def _spawn(self, name: str) -> Any:
                if name != "hub":
                    return super()._spawn(name)
                s = self.settings
                cmd = [str(processes.TANDEM_BIN), "hub", "--host", s.hub_host]
                return processes._spawn(
                    [*cmd, "--port", str(s.hub_port)], s, self.logs / "hub.log", extra
                )

        self.platforms = soak_stack.Platforms.start(["widget"])
        # No restart between the phases here (Rasa's loading is slow): the re-drive polls
        # are out of the way from the start, and missing from the idle figures.
        self.stack = Counted(workdir, self.platforms)

    def start(self) -> str:
        self.stack.start(420)
        return self.stack.settings.hub_url

    def quiet(self) -> None:
        pass

    def stop(self) -> None:
        self.stack.stop()
        self.platforms.stop()


def counts(statements: list[sq.Statement]) -> dict[str, Any]:
    out = sq.summary(statements)
    out.pop("by_shape")
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=8)
    parser.add_argument("--idle-seconds", type=float, default=60)
    parser.add_argument("--rasa", action="store_true", help="the real Rasa (soak stack)")
    parser.add_argument("--out", help="also write the result with its run context")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="tandem-sql-"))
    folder = workdir / "sqlcount"
    folder.mkdir()
    stack: Any = _RasaStack(workdir, folder) if args.rasa else _StandInHub(workdir, folder)
    result: dict[str, Any] = {}
    try:
        hub_url = stack.start()
        log = sq.Log(folder)
        time.sleep(5)  # start-up's own statements (orphan release, first ticks) are not idle
        log.skip()
        time.sleep(args.idle_seconds)
        idle = log.read()
        per_min = 60.0 / args.idle_seconds
        stack.quiet()
        time.sleep(5)
        log.skip()
        customer = sq.WidgetCustomer(hub_url)
        messages: list[dict[str, Any]] = []
        shapes: list[dict[str, int]] = []
        for n in range(args.messages):
            log.skip()
            response = customer.send(TEXTS[n % len(TEXTS)])
            own = sq.message_statements(log.until_quiet())
            messages.append({**counts(own), "replies": len(response.get("replies") or [])})
            shapes.append(sq.summary(own)["by_shape"])
        customer.close()
        later = messages[1:] or messages
        median = statistics.median_low([m["statements"] for m in later])
        typical = next(
            i for i, m in enumerate(messages) if m in later and m["statements"] == median
        )
        result = {
            "hub": "rasa" if args.rasa else "stand-in rasa",
            "idle_statements_per_min": round(len(idle) * per_min, 1),
            "idle_transactions_per_min": round(sum(s.begins for s in idle) * per_min, 1),
            "idle_by_task": {k: round(v * per_min, 1) for k, v in counts(idle)["by_task"].items()},
            "per_message": {
                "statements": median,
                "transactions": statistics.median_low([m["transactions"] for m in later]),
            },
            "first_message": {k: messages[0][k] for k in ("statements", "transactions")},
            "messages": messages,
            "by_shape": shapes[typical],
            "idle_seconds": args.idle_seconds,
            "nproc": os.cpu_count(),
            "load_avg_1m": round(os.getloadavg()[0], 1),
        }
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    run_record.report(args.out, result, argv)
    return result


if __name__ == "__main__":
    main()
