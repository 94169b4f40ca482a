"""Counting the hub's SQL statements per customer message (tests/hub/test_statement_budget.py,
bench/sql_per_message.py).

The hub runs with bench/sqlcount/sitecustomize.py on its path, which logs every statement
with the asyncio task that ran it. A customer message's statements are those logged from
its send until the hub is quiet again, less the periodic jobs' (named by their task: they
tick on their own clock, not the message's; the workers' timed polls are moved out of the
way with ``QUIET_REDRIVE``). ``StandInRasa`` answers as Rasa's REST channel
does, with a fixed reply and no custom action, so a turn's statements are the hub's alone.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SITECUSTOMIZE_DIR = ROOT / "bench" / "sqlcount"
SITE = "demo-bank"
# The tasks of the periodic jobs: bot.cluster.jobs.run_leased (scheduler, surveys, channel windows),
# the knowledge tick (bot.kb) and bot health's probe loop.
PERIODIC_TASKS = (
    "bot.handoff.scheduler:run_forever",
    "bot.reporting.surveys:run_forever",
    "bot.channels.platform:_closing_loop",
    "bot.kb:_tick",
    "bot.pipeline.health:BotHealth.run_forever",
)
# The timed re-drive polls of the workers and the outbox sender, out of a message's way.
QUIET_REDRIVE = {"TANDEM_REDRIVE_INTERVAL_S": "3600"}


def env(folder: Path) -> dict[str, str]:
    """The hub's extra environment that turns the counter on (and nothing else)."""
    return {"PYTHONPATH": str(SITECUSTOMIZE_DIR), "TANDEM_SQLCOUNT_DIR": str(folder)}


def stand_in_env(rasa: StandInRasa) -> dict[str, str]:
    """The stand-in is Rasa and the action server (its /health), so every turn is a good
    one: with the action server down the bot's turns count as failures (bot.pipeline.router)."""
    return {"TANDEM_RASA_URL": rasa.url, "TANDEM_ACTIONS_URL": rasa.url}


@dataclass
class Statement:
    t: float
    task: str
    sql: str

    @property
    def begins(self) -> bool:
        return self.sql.startswith("BEGIN")

    @property
    def periodic(self) -> bool:
        return self.task in PERIODIC_TASKS


@dataclass
class Log:
    """The statements logged into one folder, read on from where the last read stopped."""

    folder: Path
    offsets: dict[Path, int] = field(default_factory=dict)

    def read(self) -> list[Statement]:
        out: list[Statement] = []
        for path in sorted(self.folder.glob("sql-*.jsonl")):
            with path.open() as f:
                f.seek(self.offsets.get(path, 0))
                data = f.read()
            complete = data[: data.rfind("\n") + 1]  # a line being written waits its turn
            self.offsets[path] = self.offsets.get(path, 0) + len(complete.encode())
            out += [Statement(**json.loads(line)) for line in complete.splitlines() if line]
        return out

    def skip(self) -> None:
        self.read()

    def until_quiet(self, quiet_s: float = 1.5, limit_s: float = 30.0) -> list[Statement]:
        """Statements until no message-driven statement came for ``quiet_s``."""
        got: list[Statement] = []
        deadline = time.monotonic() + limit_s
        last = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            new = self.read()
            got += new
            if any(not s.periodic for s in new):
                last = time.monotonic()
            elif time.monotonic() - last >= quiet_s:
                break
        return got


def summary(statements: list[Statement]) -> dict[str, Any]:
    return {
        "statements": len(statements),
        "transactions": sum(1 for s in statements if s.begins),
        "by_task": dict(Counter(s.task for s in statements).most_common()),
        "by_shape": dict(Counter(s.sql[:160] for s in statements).most_common()),
    }


def message_statements(statements: list[Statement]) -> list[Statement]:
    """A message window's statements, without the periodic jobs'. The workers' and outbox
    sender's timed re-drive polls run in the same tasks as their message work: a hub
    measured per message runs with ``QUIET_REDRIVE`` so none falls into a window."""
    return [s for s in statements if not s.periodic]


class _RasaHandler(BaseHTTPRequestHandler):
    text = "Stand-in answer."
    # Connections stay open between requests, as Rasa's and the action server's (Sanic)
    # do: with HTTP/1.0 every call of the hub opened a new TCP connection, a cost the
    # real stack does not have.
    protocol_version = "HTTP/1.1"

    def _json(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._json({"status": "ok"})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.startswith("/model/parse"):
            self._json({"text": body.get("text"), "intent": {"name": "greet", "confidence": 1}})
        else:
            self._json([{"recipient_id": body.get("sender"), "text": self.text}])

    def log_message(self, *args: Any) -> None:
        pass


class StandInRasa:
    """Rasa's REST channel and HTTP API, answering every message with one fixed text, and
    the action server's health route."""

    @staticmethod
    def reply() -> str:
        return _RasaHandler.text

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _RasaHandler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StandInRasa:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class WidgetCustomer:
    """One widget visitor over the HTTP API (bearer token), as bench/soak_clients.py sends."""

    def __init__(self, hub_url: str) -> None:
        self.http = httpx.Client(base_url=hub_url, timeout=60)
        response = self.http.post("/api/widget/session", json={"site": SITE})
        response.raise_for_status()
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}
        self.sent = 0

    def send(self, text: str) -> dict[str, Any]:
        """Send one message and return the response (the hub waits for the bot's replies)."""
        self.sent += 1
        response = self.http.post(
            "/api/widget/messages",
            json={"text": text, "client_id": f"sql-{id(self)}-{self.sent}"},
            headers=self.headers,
        )
        response.raise_for_status()
        return dict(response.json())

    def close(self) -> None:
        self.http.close()
