"""What the hub's earlier handling-time sample cost the wait forecast.

Before migration 0015 the hub (bot/handoff/waits.py) read the handling times of the last
200 ended conversations by id, that is by when they started; it now reads the 200 that
ended last, which is what bench/routing_sim.py models. This runs routing_sim's simulation
with the earlier sample instead, so the two can be compared on the same seed: the
estimate does not change the routing, so the queue, the waits and the customers told a
wait are the same, and only the told figure differs from routing_sim's run.

Usage:
    .venv/bin/python bench/wait_sample_bias.py --conversations 10000 --occupancy 0.85 --seed 1
    [--out bench/results/wait_sample-DATE-NAME.json]

The last line printed is one JSON object: routing_sim's figures for the run
(``estimate_error`` among them) and ``sample``: over the estimates told, the mean of the
id-order sample the forecast was given and of the last-to-end sample it would have had
(the mean handling time of every chat ended so far beside them).
"""

from __future__ import annotations

import argparse
import heapq
import os
import statistics
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from routing_sim import RECENT, Sim, emit, run_settings  # first: it puts the repository on sys.path
from run_record import cpu_model

from bot.handoff import estimate, routing


class IdOrderSample:
    """The handling times of the ``size`` ended chats with the highest ids. The ended set
    only grows, so a chat that ends with a lower id than all those kept never enters: a
    min-heap on id is enough. Appended to as chats end, like routing_sim's deque."""

    def __init__(self, id_of: dict[float, int], size: int = RECENT) -> None:
        self.id_of = id_of  # handling time -> conversation id (log-normal: no ties)
        self.size = size
        self.heap: list[tuple[int, float]] = []
        self.last_to_end: deque[float] = deque(maxlen=size)  # what routing_sim keeps

    def append(self, handle_s: float) -> None:
        self.last_to_end.append(handle_s)
        heapq.heappush(self.heap, (self.id_of[handle_s], handle_s))
        if len(self.heap) > self.size:
            heapq.heappop(self.heap)

    def __iter__(self) -> Iterator[float]:
        return (handle_s for _, handle_s in self.heap)

    def __len__(self) -> int:
        return len(self.heap)


class IdOrderSim(Sim):
    """routing_sim's Sim, its forecast given the id-order sample."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(args)
        self.id_of: dict[float, int] = {}
        self.sample = IdOrderSample(self.id_of)
        self.recent_handle = self.sample  # type: ignore[assignment]
        self.told_means: list[tuple[float, float, float]] = []  # id order, last to end, all

    def arrive(self, i: int) -> None:
        super().arrive(i)
        # Before the chat can end: it ends only after an acknowledgement, a later event.
        self.id_of[self.convs[i].handle_s] = i

    def tell_estimate(self, conv: routing.Waiting) -> estimate.Forecast | None:
        if len(self.sample):
            self.told_means.append(
                (
                    statistics.fmean(self.sample),
                    statistics.fmean(self.sample.last_to_end),
                    self.mean_handle_s(),
                )
            )
        return super().tell_estimate(conv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--occupancy", type=float, default=0.85)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="also write the JSON object to this file")
    args = parser.parse_args()
    if args.conversations < 1:
        parser.error("--conversations must be at least 1")
    if not 0 < args.occupancy < 1:
        parser.error("--occupancy must be between 0 and 1")
    # routing_sim's defaults: 12 agents of capacity 3, the hub's estimate.
    sim_args = argparse.Namespace(**vars(args), agents=12, capacity=3, known_chat_ends=False)
    started, cpu_started = time.perf_counter(), time.process_time()
    sim = IdOrderSim(sim_args)
    figures = sim.run()
    by_id, last_to_end, every = zip(*sim.told_means, strict=True) if sim.told_means else ((),) * 3
    result = {
        "conversations": figures.pop("conversations"),
        "seconds": round(time.perf_counter() - started, 3),
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        **figures,
        "sample": {
            "read": "the last 200 ended conversations by id (the hub before migration 0015)",
            "estimates": len(by_id),
            "mean_handle_s_id_order": round(statistics.fmean(by_id), 2) if by_id else None,
            "mean_handle_s_last_to_end": (
                round(statistics.fmean(last_to_end), 2) if last_to_end else None
            ),
            "mean_handle_s_all_ended": round(statistics.fmean(every), 2) if every else None,
        },
        **run_settings(sim_args),
    }
    emit(result, args.out)


if __name__ == "__main__":
    main()
