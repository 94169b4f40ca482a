"""Where a suggestion's latency goes (bench/suggestion_latency.py): the consecutive stages
between a customer message's commit and its suggestions on the agent's websocket, from the
marks the hub recorded and the times the agent saw.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import statistics
import time
from typing import Any


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered) + 0.5)) - 1))]


STAGES = [
    # (name, from, to); "a|b" would be the later of two marks. A message that stands alone
    # is searched and published before the state is read, so the stages need not add up.
    ("to_store", "sent", "stored"),  # the customer's POST until its row's timestamp
    ("commit", "stored", "committed"),
    ("hook_start", "committed", "hook_start"),
    ("read_state", "hook_start", "loaded"),
    ("search_queue", "search_submit", "search_thread_start"),
    ("search_run", "search_thread_start", "search_thread_end"),
    ("search_return", "search_thread_end", "searched"),
    ("to_publish", "searched", "published"),
    ("delivery", "published", "received"),
]


def _at(marks: dict[str, float], name: str) -> float | None:
    found = [marks[n] for n in name.split("|") if n in marks]
    return max(found) if len(found) == len(name.split("|")) else None


def stage_figures(recorded: dict[str, Any], timeline: dict[int, dict[str, float]]) -> dict:
    """p50/p95 of each stage over the measured messages, and the hub's event-loop lag."""
    marks = {int(k): v for k, v in (recorded.get("marks") or {}).items()}
    stages: dict[str, dict[str, float]] = {}
    for name, a, b in STAGES:
        spans = []
        for mid, seen in timeline.items():
            both = {**marks.get(mid, {}), **seen}
            start, end = _at(both, a), _at(both, b)
            if start is not None and end is not None:
                spans.append((end - start) * 1000)
        if spans:
            stages[name] = {
                "p50_ms": round(statistics.median(spans), 1),
                "p95_ms": round(percentile(spans, 0.95), 1),
            }
    lag = recorded.get("loop_lag_ms") or []
    out: dict[str, Any] = {"stages": stages}
    if lag:
        out["hub_loop_lag_ms"] = {
            "p50": round(statistics.median(lag), 1),
            "p95": round(percentile(lag, 0.95), 1),
            "max": round(max(lag), 1),
        }
    return out


class Stages:
    """Per-message timestamps along the hub's path, from the assist hook's own calls.

    The hook runs as one asyncio task per message, so a context variable set when it
    starts names the message in every call it makes; the search's thread is timed inside
    the executor call itself.
    """

    def __init__(self) -> None:
        self.current: contextvars.ContextVar[int | None] = contextvars.ContextVar(
            "message", default=None
        )
        self.marks: dict[int, dict[str, float]] = {}
        self.loop_lag_ms: list[float] = []

    def mark(self, name: str, at: float | None = None) -> None:
        mid = self.current.get()
        if mid is not None:
            self.marks.setdefault(mid, {}).setdefault(name, at if at is not None else time.time())

    def install(self) -> None:
        from bot.assist.live import AssistEngine
        from bot.pipeline.intake import Intake
        from bot.search.handle import KnowledgeHandle
        from bot.search.queue import ANSWER, DROPPED, SUGGESTION

        stages = self
        spawn = Intake._spawn

        def timed_spawn(intake: Any, coro: Any) -> None:
            # Intake starts the hooks right after its commit: the hook's own arguments
            # name the message.
            message = getattr(coro, "cr_frame", None) and coro.cr_frame.f_locals.get("message")
            if isinstance(message, dict) and "id" in message:
                stages.marks.setdefault(int(message["id"]), {}).setdefault("committed", time.time())
            spawn(intake, coro)

        on_inbound, load, publish = (
            AssistEngine.on_inbound,
            AssistEngine.load,
            AssistEngine._publish,
        )

        async def timed_on_inbound(engine: Any, conv: Any, message: dict[str, Any]) -> None:
            stages.current.set(int(message["id"]))
            stages.mark("hook_start")
            await on_inbound(engine, conv, message)

        async def timed_load(engine: Any, conv_id: int, *args: Any, **kwargs: Any) -> Any:
            state = await load(engine, conv_id, *args, **kwargs)
            stages.mark("loaded")
            return state

        def timed_publish(engine: Any, conv_id: int, event: dict[str, Any]) -> None:
            if event.get("type") == "suggestions":
                stages.mark("published")
            publish(engine, conv_id, event)

        async def timed_search(
            handle: Any,
            query: str,
            lang: str | None,
            k: int = 3,
            *,
            suggestion: bool = False,
            conversation_id: int | None = None,
        ) -> list[dict[str, Any]]:
            # KnowledgeHandle.search as it is, through its ordered queue, with the moments
            # the job was queued, started and finished on its thread marked.
            service = await handle.get()
            if service is None:
                return []
            stages.mark("search_submit")
            times: dict[str, float] = {}

            def run(*args: Any) -> Any:
                times["search_thread_start"] = time.time()
                try:
                    return service.search(*args)
                finally:
                    times["search_thread_end"] = time.time()

            priority = SUGGESTION if suggestion else ANSWER
            hits = await handle._pool().run(
                run, query, lang, k, priority=priority, key=conversation_id
            )
            for name, at in times.items():
                stages.mark(name, at)
            stages.mark("searched")
            if hits is DROPPED:
                return []
            return [dataclasses.asdict(hit) for hit in hits]

        Intake._spawn = timed_spawn  # type: ignore[method-assign,assignment]
        AssistEngine.on_inbound = timed_on_inbound  # type: ignore[method-assign,assignment]
        AssistEngine.load = timed_load  # type: ignore[method-assign,assignment]
        AssistEngine._publish = timed_publish  # type: ignore[method-assign,assignment]
        KnowledgeHandle.search = timed_search  # type: ignore[method-assign,assignment]

    async def sample_loop_lag(self, every_s: float = 0.05) -> None:
        """How late the event loop wakes a sleeper: time every task there waits for its turn."""
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(every_s)
            self.loop_lag_ms.append((time.perf_counter() - asked - every_s) * 1000)
