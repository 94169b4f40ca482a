"""Statement counter for the benchmarks and the statement-budget test, never the product.

Python imports ``sitecustomize`` at start from the first folder on its path that has one,
so a hub started with ``PYTHONPATH=bench/sqlcount`` and ``TANDEM_SQLCOUNT_DIR=<folder>``
appends one JSON line per SQL statement it executes to ``<folder>/sql-<pid>.jsonl``:

    {"t": monotonic seconds, "task": the asyncio task's coroutine, "sql": statement shape}

``task`` names the loop that ran the statement (``Workers._loop``, ``run_leased``, a
request handler...), which is how a reader tells a message's own statements from the
periodic jobs' (tests/support/sql_statements.py). A transaction is its ``BEGIN`` (bot.store.db
begins every one explicitly). Without the variable this module does nothing.
"""

from __future__ import annotations

import os
import sys

# Only the hub (`tandem hub`): the Rasa and action-server processes inherit the variable
# too when a benchmark sets it for all its children, and have SQLAlchemy of their own.
_HUB = len(sys.argv) > 1 and sys.argv[0].endswith("tandem") and sys.argv[1] == "hub"
if os.environ.get("TANDEM_SQLCOUNT_DIR") and _HUB:
    import asyncio
    import json
    import re
    import threading
    import time
    from typing import Any

    _LIST = re.compile(r"\?(, \?)+")
    _lock = threading.Lock()
    _out: Any = None

    def _task_name() -> str:
        try:
            task = asyncio.current_task()
        except RuntimeError:  # no running loop: a worker thread or a sync caller
            return f"thread:{threading.current_thread().name}"
        if task is None:
            return "no-task"
        coro = task.get_coro()
        frame = getattr(coro, "cr_frame", None)
        module = frame.f_globals.get("__name__", "?") if frame is not None else "?"
        return f"{module}:{getattr(coro, '__qualname__', type(coro).__name__)}"

    def _before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        global _out
        shape = _LIST.sub("?, ...", " ".join(statement.split()))[:240]
        line = json.dumps({"t": time.monotonic(), "task": _task_name(), "sql": shape})
        with _lock:
            if _out is None:
                folder = os.environ["TANDEM_SQLCOUNT_DIR"]
                _out = open(  # noqa: SIM115 - kept open for the life of the process
                    os.path.join(folder, f"sql-{os.getpid()}.jsonl"), "a", buffering=1
                )
            _out.write(line + "\n")

    try:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", _before)
    except ImportError:  # an interpreter without SQLAlchemy (the Rasa environment)
        pass
