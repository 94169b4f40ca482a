"""Identity guessing across sessions: can an attacker guess a customer's card digits and
date of birth by opening a new widget session for every try?

Usage:
    .venv/bin/python bench/identity_guess.py --attempts 1000 [--base-delay 1] \
        [--widget-attempts 6] [--max-seconds 170]

What runs: a real hub subprocess (``tandem hub``, demo mode, a fresh SQLite database with
the demo customers, a free port on 127.0.0.1), as the tests start it. The attacker knows
the target's registered phone (demo customer C002) and guesses last-4 / birth date pairs.

1. internal: for each attempt, a new widget session from one of several loopback addresses
   (127.0.x.y: the hub sees each as a client address) sends the customer's question, and
   the guess goes to ``POST /internal/identity/verify`` exactly as the action server would
   send it for that conversation. Driving the hub's API directly (not Rasa) is what lets
   1000 attempts run in a bounded time; the throttle under test is the hub's. A refused
   attempt (429) is patient up to ``--patience`` seconds: it waits out Retry-After once.
   ``--base-delay`` sets the hub's first wait (TANDEM_IDENTITY_BASE_DELAY_S, 30 s by
   default) so a patient attacker reaches the lockout within the run; the other limits
   are the defaults (5 failures per customer in 24 h, then locked for 1 h).
2. widget (``--widget-attempts`` N > 0, needs the trained Rasa model): N more attacks
   through the widget with the real Rasa server and action server, each in a new session
   from a new address: question, phone, guessed digits, guessed birth date, as a customer
   types them. Counts balances shown (``38.900.000``) and the bot's replies.

The LAST line printed is one JSON object: attempts, sessions, successful_guesses (target
0), locked_out_after (the attempt number at which the lockout started), status counts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.stack import (  # noqa: E402
    MODEL,
    RASA_BIN,
    SERVICE_TOKEN,
    HubProcess,
    RasaStack,
    free_port,
)

TARGET_PHONE = "0912345678"  # demo customer C002 (card 7305, born 1992-11-02)
TARGET = ("7305", "1992-11-02")
BALANCE = "38.900.000"
SESSION_WORKERS = 8


def address(n: int) -> str:
    """Attempt n's client address: 40 addresses, rotating, all on the loopback."""
    return f"127.0.1.{1 + n % 40}"


def guess(rng: random.Random) -> tuple[str, str]:
    """A random last-4 and birth date (1 in ~2 x 10^8 to be right)."""
    day = rng.randint(1, 28)
    return (
        f"{rng.randint(0, 9999):04d}",
        f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{day:02d}",
    )


def new_sender(hub_url: str, source: str) -> str:
    """A new widget session from `source` with the account question; its Rasa sender id."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=hub_url, timeout=60, transport=transport) as widget:
        token = widget.post("/api/widget/session", json={"site": "demo-bank"}).json()["token"]
        sent = widget.post(
            "/api/widget/messages",
            json={"text": "dư nợ thẻ của tôi bao nhiêu", "client_id": uuid.uuid4().hex},
            headers={"Authorization": f"Bearer {token}"},
        )
        sent.raise_for_status()
        return f"c{sent.json()['conversation_id']}-0-0"


def internal_attack(
    hub_url: str, attempts: int, patience_s: float, deadline: float
) -> dict[str, Any]:
    rng = random.Random(19)
    statuses: Counter[str] = Counter()
    successes = 0
    locked_at: int | None = None
    sessions = 0
    made = 0
    check_ms: list[float] = []
    internal = httpx.Client(
        base_url=hub_url, timeout=60, headers={"Authorization": f"Bearer {SERVICE_TOKEN}"}
    )
    # New sessions are opened a batch at a time in parallel (each waits on the hub's intake
    # and queueing, not on the check), and every guess still gets a session of its own.
    pool = ThreadPoolExecutor(max_workers=SESSION_WORKERS)
    pending: list[Future[str]] = []
    for n in range(1, attempts + 1):
        if time.monotonic() > deadline:
            break
        if not pending:
            pending = [
                pool.submit(new_sender, hub_url, address(k))
                for k in range(n, min(attempts, n + SESSION_WORKERS - 1) + 1)
            ]
        made = n
        sender = pending.pop(0).result()
        sessions += 1
        # Once the target is locked, every 10th try is the right pair, as if the attacker
        # had learnt it: a locked target is not checked at all.
        right = locked_at is not None and n % 10 == 0
        last4, dob = TARGET if right else guess(rng)
        body = {"sender_id": sender, "phone": TARGET_PHONE, "card_last4": last4, "dob": dob}
        began = time.perf_counter()
        response = internal.post("/internal/identity/verify", json=body)
        check_ms.append((time.perf_counter() - began) * 1000)
        if response.status_code == 429 and not response.json().get("locked"):
            wait = float(response.headers.get("retry-after", 1))
            if wait <= patience_s and time.monotonic() + wait < deadline:
                time.sleep(wait)  # a patient attacker, within bounds
                response = internal.post("/internal/identity/verify", json=body)
        answer = response.json()
        if response.status_code == 200:
            statuses["verified" if answer.get("verified") else "wrong"] += 1
            successes += bool(answer.get("verified"))
        else:
            statuses[f"refused_{response.status_code}"] += 1
            statuses["right_pair_refused"] += right
        if answer.get("locked") and locked_at is None:
            locked_at = n
    pool.shutdown(wait=False, cancel_futures=True)
    return {
        "attempts": made,
        "sessions": sessions,
        "successful_guesses": successes,
        "locked_out_after": locked_at,
        "statuses": dict(statuses),
        "addresses": min(made, 40),
        "check_ms_median": round(sorted(check_ms)[len(check_ms) // 2], 1) if check_ms else None,
        "check_ms_max": round(max(check_ms), 1) if check_ms else None,
    }


def widget_attack(hub: HubProcess, tries: int, deadline: float) -> dict[str, Any]:
    """The same attack typed into the widget, through real Rasa and the action server."""
    rng = random.Random(7)
    balances = 0
    replies: Counter[str] = Counter()
    made = 0
    locked_at: int | None = None
    for n in range(tries):
        if time.monotonic() > deadline:
            break
        made += 1
        transport = httpx.HTTPTransport(local_address=f"127.0.9.{1 + n}")
        with httpx.Client(base_url=hub.url, timeout=120, transport=transport) as widget:
            token = widget.post("/api/widget/session", json={"site": "demo-bank"}).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}
            last4, dob = guess(rng)
            day = "/".join(reversed(dob.split("-")))
            said = []
            for text in ("dư nợ thẻ của tôi bao nhiêu", TARGET_PHONE, last4, day):
                sent = widget.post(
                    "/api/widget/messages",
                    json={"text": text, "client_id": uuid.uuid4().hex},
                    headers=headers,
                )
                said += [r.get("text") or "" for r in sent.json().get("replies", [])]
            joined = " ".join(said)
            balances += BALANCE in joined
            if "mã xác minh 6 chữ số" in joined:
                replies["card_check_passed"] += 1  # a code was sent: the guess was right
            elif "quá nhiều lần" in joined:
                replies["locked"] += 1
                locked_at = locked_at or made
            else:
                replies["not_verified"] += 1
    return {
        "attempts": made,
        "sessions": made,
        "balances_shown": balances,
        "successful_guesses": replies["card_check_passed"],
        "refused_from_attempt": locked_at,
        "replies": dict(replies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--attempts", type=int, default=1000)
    parser.add_argument("--base-delay", type=float, default=1.0, help="hub's first wait, s")
    parser.add_argument("--patience", type=float, default=10.0, help="longest wait obeyed, s")
    parser.add_argument("--widget-attempts", type=int, default=0)
    parser.add_argument("--max-seconds", type=float, default=170.0, help="the whole run")
    args = parser.parse_args()
    started = time.monotonic()
    deadline = started + args.max_seconds

    with tempfile.TemporaryDirectory(prefix="identity-guess-") as tmp:
        workdir = Path(tmp)
        hub_port = free_port()
        use_rasa = args.widget_attempts > 0 and RASA_BIN.exists() and MODEL.exists()
        rasa = RasaStack(workdir, hub_url=f"http://127.0.0.1:{hub_port}") if use_rasa else None
        hub = HubProcess(
            workdir,
            rasa_url=rasa.url if rasa else "http://127.0.0.1:9",
            index_dir=workdir / "index",
            port=hub_port,
            extra_env={
                "TANDEM_IDENTITY_BASE_DELAY_S": str(args.base_delay),
                # Without Rasa (internal phase only), let the breaker open once and stay
                # open, so each new conversation is queued for a person at once instead of
                # retrying a Rasa that is not there.
                **({} if rasa else {"TANDEM_RASA_BREAKER_RESET_S": "3600"}),
                "TANDEM_VAR_DIR": str(workdir / "var"),
                **({"TANDEM_ACTIONS_URL": rasa.actions_url} if rasa else {}),
            },
        )
        hub.init_db()
        hub.start()
        try:
            result = internal_attack(hub.url, args.attempts, args.patience, deadline)
            result["seconds"] = round(time.monotonic() - started, 1)
            if rasa is not None:
                rasa.start()
                # With --attempts > 0 the widget attack meets the lockout the internal
                # attack started, as a real attacker would; with 0 it starts it.
                result["widget"] = widget_attack(hub, args.widget_attempts, deadline)
        finally:
            hub.stop()
            if rasa is not None:
                rasa.stop()

    result.update(
        {
            "bench": "identity_guess",
            "target": "C002 (by registered phone)",
            "base_delay_s": args.base_delay,
            "nproc": os.cpu_count(),
            "loadavg_1m": round(os.getloadavg()[0], 2),
        }
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
