"""Start the real hub as a subprocess for tests of the dialogue engine.

Only the standard library is used, so both the Rasa environment and the application
environment can import this module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TANDEM = ROOT / ".venv" / "bin" / "tandem"
SERVICE_TOKEN = "action-tests-token-0123456789"
DEMO_PASSWORD = "action-tests-password"
# The demo site's secret in demo mode (tandem/settings.py, DEMO_SECRET).
DEMO_SITE_SECRET = b"demo-only-not-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get_json(url: str, timeout_s: float = 3.0) -> dict:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - local hub
        return json.loads(response.read().decode("utf-8"))


def wait_until(
    check: Callable[[], object], timeout_s: float, proc: subprocess.Popen | None = None
) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if check():
                return True
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass
        time.sleep(0.5)
    return False


class Hub:
    """A running hub subprocess and its base URL."""

    def __init__(self, workdir: Path, token: str = SERVICE_TOKEN) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.env = {
            **os.environ,
            "TANDEM_MODE": "demo",
            "TANDEM_DATABASE_URL": f"sqlite:///{workdir / 'hub.db'}",
            "TANDEM_SERVICE_TOKEN": token,
            "TANDEM_INDEX_DIR": str(workdir / "index"),
            "TANDEM_HUB_URL": self.url,
            # Nothing listens there: these tests drive the actions, not Rasa.
            "TANDEM_RASA_URL": "http://127.0.0.1:9",
            # Demo mode with no SMS gateway: one-time codes land in <var_dir>/sms-outbox.jsonl.
            "TANDEM_VAR_DIR": str(workdir / "var"),
            # Every tracker here is one visitor ("test-user"): no waits between its checks,
            # and room for all the tests' failures. Customers keep the real lockout.
            "TANDEM_IDENTITY_BASE_DELAY_S": "0",
            "TANDEM_IDENTITY_VISITOR_LOCKOUT_FAILURES": "1000",
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        subprocess.run(
            [str(TANDEM), "db", "init", "--demo", "--password", DEMO_PASSWORD],
            env=self.env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        log = (self.workdir / "hub.log").open("ab")
        self.proc = subprocess.Popen(
            [str(TANDEM), "hub", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if not wait_until(lambda: get_json(f"{self.url}/healthz") is not None, 240, self.proc):
            self.stop()
            raise RuntimeError(f"hub did not start; see {self.workdir / 'hub.log'}")

    def _post(self, path: str, body: dict, token: str | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.url}{path}",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                **({"Authorization": f"Bearer {token}"} if token else {}),
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local hub
            return json.loads(response.read().decode("utf-8"))

    def signed_in_sender(self, customer_id: str) -> str:
        """A widget conversation the demo site signed for this customer; returns the Rasa
        sender id of it, which the hub accepts as that customer's own."""
        signature = hmac.new(DEMO_SITE_SECRET, customer_id.encode(), hashlib.sha256).hexdigest()
        session = self._post(
            "/api/widget/session",
            {"site": "demo-bank", "customer_id": customer_id, "signature": signature},
        )
        sent = self._post(
            "/api/widget/messages",
            {"text": "xin chào", "client_id": uuid.uuid4().hex},
            token=session["token"],
        )
        return f"c{sent['conversation_id']}-0-0"

    def sms_codes(self) -> list[tuple[str, str]]:
        """(phone, code) of every one-time code the hub has "sent", oldest first."""
        outbox = self.workdir / "var" / "sms-outbox.jsonl"
        if not outbox.exists():
            return []
        found = []
        for line in outbox.read_text(encoding="utf-8").splitlines():
            message = json.loads(line)
            match = re.search(r"\b(\d{6})\b", message["text"])
            if match:
                found.append((message["to"], match.group(1)))
        return found

    def knowledge_ready(self, timeout_s: float) -> bool:
        return wait_until(
            lambda: get_json(f"{self.url}/healthz").get("knowledge") == "ready",
            timeout_s,
            self.proc,
        )

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc = None
