"""Routing simulation: the hub's real routing rules (bot/handoff/routing.py) and its wait
estimate (bot/handoff/estimate.py), driven by a fake clock, with no hub and no network.

Usage:
    .venv/bin/python bench/routing_sim.py --conversations 10000 --occupancy 0.85 --seed 1
    [--agents 12] [--capacity 3] [--out bench/results/routing_sim-DATE-NAME.json]
    [--known-chat-ends]

The model:
- Poisson arrivals per priority class (urgent 15 %, high 25 %, normal 60 %), each with a
  skill from its hand-off reason: urgent fraud/retention, high cards/general, normal
  cards/general. The arrival rate gives the requested occupancy of the present agents'
  slots (agents × capacity × share of time present) at the mean handling time.
- Agents: every agent takes cards and general; every third also fraud, the next also
  retention. Each has a capacity (concurrent chats) and goes away for 5-15 minutes about
  every two hours (their unacknowledged offer returns to the queue at once).
- An offer is acknowledged after an exponential delay (mean 5 s), or, with probability
  5 %, missed: it returns to the queue after the acknowledgement time-out (60 s, urgent
  20 s) and the agent is cooled down for that conversation.
- Handling times are log-normal (mean 240 s, sigma 0.8), measured as chats end; the
  estimate uses the running mean of the measured ones.

The wait of a conversation is from entering the queue to the acknowledged offer. The
estimate is the one the hub would tell when the customer enters the queue (the first
figure they see, the hardest moment: later updates know more), from what the hub knows
then (bot/handoff/estimate.py ``queue_forecast``: agents' open chats and their ages,
unacknowledged offers, the queue, the handling times of the last 200 chats to end (as
the hub reads them, by when they ended), the last 200 acknowledgement times, the
missed-offer share and the last hour's arrivals by class and skill). Its error is measured
over the customers not offered an agent on entering (those are told a wait):
``estimate_error`` gives the median absolute error as a share of the true wait over all of
them (``estimate_median_abs_error_share``, the contract's figure, which hides nothing),
over waits of a minute or more and over two minutes, and below a minute in seconds, where
a share says little (told 8 s, waited 4 s is 100 %); also the share of true waits inside
the forecast's 10-90 % range. ``formula_estimate_error`` is the same for the earlier
single-formula estimate (``estimate_wait_s``), told to the same customers.
``--known-chat-ends`` gives the estimate each open chat's true remaining time, which the hub
cannot know: a bound on what better guesses of the chats' ends could bring.

The last line printed is one JSON object: conversations, seconds (this run's own time),
occupancy (measured: busy slot-time over present slot-time), wait_p50_s, wait_p90_s,
wait_max_s, service_level (objects keyed urgent/high/normal; service level = share
within the class's target wait), max_wait_with_free_capacity_s (target 0),
estimate_median_abs_error_share, and the Erlang C figures for the same load; also the CPU
time of one estimate (``estimate_cpu_ms``) and the estimator's settings.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import platform
import random
import sys
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from routing_figures import CLASS_MIX, MEAN_HANDLE_S, Conv, pct, summary  # noqa: E402

from bot.handoff import estimate, forecast, routing  # noqa: E402
from bot.handoff.routing import HIGH, NORMAL, URGENT  # noqa: E402

SKILL_MIX = {
    URGENT: (("fraud", 0.5), ("retention", 0.5)),
    HIGH: (("cards", 0.5), ("general", 0.5)),
    NORMAL: (("cards", 0.4), ("general", 0.6)),
}
HANDLE_SIGMA = 0.8
ACK_MEAN_S = 5.0
ACK_TIMEOUT_S = 60.0
URGENT_ACK_TIMEOUT_S = 20.0  # routing_urgent_ack_timeout_s
MISS_SHARE = 0.05
BREAK_EVERY_S = 7200.0
BREAK_MIN_S, BREAK_MAX_S = 300.0, 900.0
RATE_WINDOW_S = 3600.0
# Handling and acknowledgement times the estimate reads (bot/handoff/waits.py): handling
# times are appended as chats end, so these are the last RECENT to end, as in the hub.
RECENT = 200


class Sim:
    def __init__(self, args: argparse.Namespace) -> None:
        self.rng = random.Random(args.seed)
        self.rules = routing.Rules(default_capacity=args.capacity)
        self.n = args.conversations
        present_share = BREAK_EVERY_S / (BREAK_EVERY_S + (BREAK_MIN_S + BREAK_MAX_S) / 2)
        self.slots = args.agents * args.capacity
        self.rate = args.occupancy * self.slots * present_share / MEAN_HANDLE_S
        self.agents = [
            routing.Agent(
                id=i,
                skills=frozenset(
                    {"cards", "general"}
                    | ({"fraud"} if i % 3 == 0 else set())
                    | ({"retention"} if i % 3 == 1 else set())
                ),
            )
            for i in range(args.agents)
        ]
        self.by_agent = {a.id: a for a in self.agents}
        self.waiting: dict[int, routing.Waiting] = {}
        self.convs: dict[int, Conv] = {}
        self.offers: dict[int, int] = {}  # conversation -> agent holding its offer
        self.events: list[tuple[float, int, str, int, int]] = []
        self.seq = 0
        self.wakes: set[float] = set()  # wake-ups already scheduled
        self.now = 0.0
        self.arrivals: dict[int, deque[float]] = {c: deque() for c in CLASS_MIX}
        self.arrived_skills: deque[tuple[float, int, str]] = deque()
        self.handled: list[float] = []
        self.handled_sum = 0.0
        self.ack_s_sum = 0.0
        self.acks = 0
        self.recent_handle: deque[float] = deque(maxlen=RECENT)
        self.recent_ack: deque[float] = deque(maxlen=RECENT)
        self.recent_missed: deque[bool] = deque(maxlen=RECENT)
        self.chats: dict[int, dict[int, float]] = {a.id: {} for a in self.agents}
        self.busy_slot_s = 0.0
        self.present_slot_s = 0.0
        self.last_t = 0.0
        self.estimate_cpu_s: list[float] = []  # CPU time of each estimate told
        self.known_chat_ends = args.known_chat_ends

    def push(self, t: float, kind: str, a: int = -1, b: int = -1) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, a, b))

    def mean_handle_s(self) -> float:
        return self.handled_sum / len(self.handled) if self.handled else MEAN_HANDLE_S

    def higher_rate(self, priority: int) -> float:
        rate = 0.0
        for cls, times in self.arrivals.items():
            while times and times[0] < self.now - RATE_WINDOW_S:
                times.popleft()
            if cls > priority:
                rate += len(times) / max(min(self.now, RATE_WINDOW_S), 60.0)
        return rate

    def measured(self) -> forecast.Measured:
        """What the hub measures (bot/handoff/waits.py): recent handling and
        acknowledgement times, the share of missed offers, the last hour's arrivals."""
        while self.arrived_skills and self.arrived_skills[0][0] < self.now - RATE_WINDOW_S:
            self.arrived_skills.popleft()
        span = max(min(self.now, RATE_WINDOW_S), 60.0)
        counts: dict[tuple[int, str], int] = {}
        for _, cls, skill in self.arrived_skills:
            counts[(cls, skill)] = counts.get((cls, skill), 0) + 1
        return forecast.Measured(
            handle_s=tuple(self.recent_handle) or (MEAN_HANDLE_S,),
            ack_s=tuple(self.recent_ack) or (ACK_MEAN_S,),
            miss_share=(
                sum(self.recent_missed) / len(self.recent_missed) if self.recent_missed else 0.0
            ),
            ack_timeout_s=ACK_TIMEOUT_S,
            arrival_rates=tuple((c, k, n / span) for (c, k), n in counts.items()),
        )

    def tell_estimate(self, conv: routing.Waiting) -> estimate.Forecast | None:
        """The estimate as the hub computes it (bot/handoff/waits.py)."""
        offer_at = {
            agent_id: self.by_agent[agent_id].last_offer_at for agent_id in self.offers.values()
        }
        chat_starts = {a: list(chats.values()) for a, chats in self.chats.items()}
        left = (  # the open chats' true remaining times: only the bound is told them
            {
                a: [self.convs[c].handle_s - (self.now - start) for c, start in chats.items()]
                for a, chats in self.chats.items()
            }
            if self.known_chat_ends
            else None
        )
        started = time.thread_time()  # the estimate's cost, reading the measured facts too
        told = estimate.queue_forecast(
            conv,
            self.waiting.values(),
            self.agents,
            self.now,
            self.rules,
            chat_starts,
            offer_at,
            self.measured(),
            chat_left=left,
        )
        self.estimate_cpu_s.append(time.thread_time() - started)
        return told

    def formula_estimate(self, conv: routing.Waiting) -> float | None:
        """The single-formula estimate the hub told before the forecast (for comparison)."""
        skilled = [a for a in self.agents if a.present and routing.has_skill(a, conv.skill)]
        servers = sum(routing.capacity_of(a, self.rules) for a in skilled)
        free = sum(max(0, routing.capacity_of(a, self.rules) - a.load) for a in skilled)
        key = routing.order_key(conv, self.now, self.rules)
        # Ahead: the conversations before it that the same agents could take.
        ahead = sum(
            1
            for w in self.waiting.values()
            if w.id != conv.id
            and routing.order_key(w, self.now, self.rules) < key
            and any(routing.has_skill(a, w.skill) for a in skilled)
        )
        return estimate.estimate_wait_s(
            ahead,
            free,
            servers,
            self.mean_handle_s(),
            self.higher_rate(conv.priority),
            self.ack_s_sum / self.acks if self.acks else ACK_MEAN_S,
        )

    def route(self) -> None:
        for conv_id, agent_id in routing.route(
            self.waiting.values(), self.agents, self.now, self.rules
        ):
            agent = self.by_agent[agent_id]
            del self.waiting[conv_id]
            self.offers[conv_id] = agent_id
            agent.load += 1
            agent.offers += 1
            agent.last_offer_at = self.now
            timeout = (
                URGENT_ACK_TIMEOUT_S if self.convs[conv_id].priority == URGENT else ACK_TIMEOUT_S
            )
            if self.rng.random() < MISS_SHARE:
                self.recent_missed.append(True)
                self.push(self.now + timeout, "miss", conv_id, agent_id)
            else:
                self.recent_missed.append(False)
                delay = min(self.rng.expovariate(1 / ACK_MEAN_S), timeout - 1)
                self.push(self.now + delay, "ack", conv_id, agent_id)
        wake = routing.next_change(self.waiting.values(), self.now, self.rules)
        if wake is not None and wake not in self.wakes:
            self.wakes.add(wake)
            self.push(wake, "wake")

    def requeue(self, conv_id: int, agent_id: int, missed: bool) -> None:
        agent = self.by_agent[agent_id]
        agent.load -= 1
        agent.offers -= 1
        del self.offers[conv_id]
        conv = self.convs[conv_id]
        back = routing.Waiting(conv.id, conv.priority, conv.entered, conv.skill)
        if missed:
            back.missed[agent_id] = self.now
        self.waiting[conv_id] = back

    def advance(self, t: float) -> None:
        dt = t - self.last_t
        if dt > 0:
            present = [a for a in self.agents if a.present]
            self.present_slot_s += dt * sum(routing.capacity_of(a, self.rules) for a in present)
            self.busy_slot_s += dt * sum(a.load - a.offers for a in self.agents)
            for conv_id in routing.waiting_with_free_capacity(
                self.waiting.values(), self.agents, self.last_t, self.rules
            ):
                self.convs[conv_id].waited_free_s += dt
        self.last_t = t
        self.now = t

    def run(self) -> dict[str, object]:
        t = 0.0
        for i in range(self.n):
            t += self.rng.expovariate(self.rate)
            self.push(t, "arrive", i)
        for agent in self.agents:
            self.push(self.rng.expovariate(1 / BREAK_EVERY_S), "away", agent.id)
        done = 0
        while self.events and done < self.n:
            when, _, kind, a, b = heapq.heappop(self.events)
            self.advance(when)
            if kind == "arrive":
                self.arrive(a)
            elif kind == "ack" and self.offers.get(a) == b:
                agent = self.by_agent[b]
                agent.offers -= 1
                del self.offers[a]
                conv = self.convs[a]
                conv.wait_s = self.now - conv.entered
                self.ack_s_sum += self.now - agent.last_offer_at
                self.recent_ack.append(self.now - agent.last_offer_at)
                self.chats[b][a] = self.now
                self.acks += 1
                self.push(self.now + conv.handle_s, "end", a, b)
            elif kind == "miss" and self.offers.get(a) == b:
                self.requeue(a, b, missed=True)
            elif kind == "end":
                self.by_agent[b].load -= 1
                del self.chats[b][a]
                self.recent_handle.append(self.convs[a].handle_s)
                self.handled.append(self.convs[a].handle_s)
                self.handled_sum += self.convs[a].handle_s
                done += 1
            elif kind == "away":
                agent = self.by_agent[a]
                agent.present = False
                for conv_id, holder in list(self.offers.items()):
                    if holder == a and self.convs[conv_id].wait_s is None:
                        self.requeue(conv_id, a, missed=False)
                self.push(self.now + self.rng.uniform(BREAK_MIN_S, BREAK_MAX_S), "back", a)
            elif kind == "wake":
                self.wakes.discard(when)
            elif kind == "back":
                self.by_agent[a].present = True
                self.push(self.now + self.rng.expovariate(1 / BREAK_EVERY_S), "away", a)
            self.route()
        return summary(self)

    def arrive(self, i: int) -> None:
        r = self.rng.random()
        priority = URGENT if r < CLASS_MIX[URGENT] else HIGH if r < 0.4 else NORMAL
        skills, weights = zip(*SKILL_MIX[priority], strict=True)
        skill = str(self.rng.choices(skills, [float(w) for w in weights])[0])  # type: ignore[arg-type]
        mu = math.log(MEAN_HANDLE_S) - HANDLE_SIGMA**2 / 2
        conv = Conv(i, priority, skill, self.now, self.rng.lognormvariate(mu, HANDLE_SIGMA))
        self.convs[i] = conv
        self.arrivals[priority].append(self.now)
        self.arrived_skills.append((self.now, priority, skill))
        waiting = routing.Waiting(i, priority, self.now, skill)
        self.waiting[i] = waiting
        self.route()
        conv.offered_at_entry = i not in self.waiting
        if not conv.offered_at_entry:
            told = self.tell_estimate(waiting)
            if told is not None:
                conv.estimate_s, conv.low_s, conv.high_s = told.told_s, told.low_s, told.high_s
            conv.formula_s = self.formula_estimate(waiting)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--occupancy", type=float, default=0.85)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--agents", type=int, default=12)
    parser.add_argument("--capacity", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the JSON object to this file")
    parser.add_argument(
        "--known-chat-ends",
        action="store_true",
        help="a bound, not the hub: the estimate is told each open chat's true end",
    )
    args = parser.parse_args()
    if args.conversations < 1 or args.agents < 1 or args.capacity < 1:
        parser.error("--conversations, --agents and --capacity must be at least 1")
    if not 0 < args.occupancy < 1:
        parser.error("--occupancy must be between 0 and 1")
    started, cpu_started = time.perf_counter(), time.process_time()
    sim = Sim(args)
    result = sim.run()
    costs_ms = sorted(1000 * c for c in sim.estimate_cpu_s)
    result = {
        "conversations": result.pop("conversations"),
        "seconds": round(time.perf_counter() - started, 3),
        # On a shared machine the wall-clock time is mostly other jobs' turn.
        "cpu_seconds": round(time.process_time() - cpu_started, 3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "nproc": os.cpu_count(),
        **result,
        # What one estimate costs (CPU of the thread, so other jobs on the machine do not
        # count), and the estimator's settings.
        "estimate_cpu_ms": {
            "calls": len(costs_ms),
            "mean": round(sum(costs_ms) / max(1, len(costs_ms)), 3),
            "p50": round(pct(costs_ms, 0.5), 3),
            "p90": round(pct(costs_ms, 0.9), 3),
            "max": round(max(costs_ms, default=0.0), 3),
        },
        **run_settings(args),
    }
    emit(result, args.out)


def run_settings(args: argparse.Namespace) -> dict[str, object]:
    """The estimator's settings and the run's, as every routing result file records them."""
    return {
        "estimator": {
            "samples": estimate.SAMPLES,
            "tolerance": forecast.TOLERANCE,
            "known_chat_ends": args.known_chat_ends,
        },
        "agents": args.agents,
        "capacity": args.capacity,
        "seed": args.seed,
        "machine": f"{platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}",
        "date": datetime.now(timezone.utc).date().isoformat(),
    }


def emit(result: dict[str, object], out: Path | None) -> None:
    """Print the result as one JSON line, and write it to ``out`` too."""
    line = json.dumps(result, ensure_ascii=False)
    if out:
        out.write_text(line + "\n", encoding="utf-8")
    print(line)


if __name__ == "__main__":
    main()
