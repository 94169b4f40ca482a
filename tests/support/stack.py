"""Start the real hub, Rasa server and action server as subprocesses on free ports.

Tests talk to them over HTTP exactly as channels and browsers do in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tandem.processes import stop

ROOT = Path(__file__).resolve().parents[2]
APP_BIN = ROOT / ".venv" / "bin"
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL = ROOT / "models" / "rasa" / "tandem.tar.gz"
SERVICE_TOKEN = "test-service-token-0123456789"
DEMO_PASSWORD = "demo-test-password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(
    url: str,
    timeout_s: float,
    proc: subprocess.Popen[bytes] | None = None,
    ok: tuple[int, ...] | None = None,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            status = httpx.get(url, timeout=2).status_code
            if (status in ok) if ok else status < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout_s} s")


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None:
        stop(proc)


@dataclass
class HubProcess:
    """A hub subprocess with its own SQLite database (or the given URL)."""

    workdir: Path
    rasa_url: str = "http://127.0.0.1:9"  # nothing listens there: "Rasa is down"
    database_url: str | None = None
    index_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    # Each hub publishes into a corpus folder of its own, a copy of the tracked corpus made
    # at its start; False leaves the setting at its default (<var_dir>/corpus).
    own_corpus: bool = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "TANDEM_MODE": "demo",
                "TANDEM_DATABASE_URL": self.database_url or f"sqlite:///{self.workdir / 'hub.db'}",
                "TANDEM_RASA_URL": self.rasa_url,
                "TANDEM_RASA_TIMEOUT_S": "20",
                "TANDEM_SERVICE_TOKEN": SERVICE_TOKEN,
                "TANDEM_INDEX_DIR": str(self.index_dir or self.workdir / "index"),
                "TANDEM_HUB_URL": self.url,
            }
        )
        if self.own_corpus:
            env["TANDEM_CORPUS_DIR"] = str(self.workdir / "corpus")
        else:
            env.pop("TANDEM_CORPUS_DIR", None)
        env.update(self.extra_env)
        return env

    def init_db(self) -> None:
        subprocess.run(
            [str(APP_BIN / "tandem"), "db", "init", "--demo", "--password", DEMO_PASSWORD],
            env=self.env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    def start(self) -> HubProcess:
        log = (self.workdir / "hub.log").open("ab")
        self.proc = subprocess.Popen(
            [str(APP_BIN / "tandem"), "hub", "--port", str(self.port)],
            env=self.env(),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_http(f"{self.url}/healthz", 60, self.proc)
        return self

    def stop(self) -> None:
        _stop(self.proc)
        self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait_knowledge(self, timeout_s: float = 180) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            state = httpx.get(f"{self.url}/healthz", timeout=5).json()["knowledge"]
            if state == "ready":
                return
            if state != "loading":
                raise RuntimeError(f"knowledge failed: {state}")
            time.sleep(0.5)
        raise TimeoutError("knowledge index did not load")


@dataclass
class RasaStack:
    """Rasa server plus action server, the actions pointed at one hub URL."""

    workdir: Path
    hub_url: str
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    actions_proc: subprocess.Popen[bytes] | None = None
    rasa_proc: subprocess.Popen[bytes] | None = None

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "TANDEM_HUB_URL": self.hub_url,
                "TANDEM_SERVICE_TOKEN": SERVICE_TOKEN,
                "TF_CPP_MIN_LOG_LEVEL": "3",
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def start_actions(self) -> None:
        self.actions_proc = subprocess.Popen(
            [
                str(RASA_BIN),
                "run",
                "actions",
                "--port",
                str(self.action_port),
                "--actions",
                "actions",
            ],
            cwd=ROOT,
            env=self._env(),
            stdout=(self.workdir / "actions.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_http(f"{self.actions_url}/health", 120, self.actions_proc)

    def start_rasa(self) -> None:
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: {self.actions_url}/webhook\n")
        self.rasa_proc = subprocess.Popen(
            [
                str(RASA_BIN),
                "run",
                "-m",
                str(MODEL),
                "--enable-api",
                "--port",
                str(self.rasa_port),
                "--endpoints",
                str(endpoints),
                "--credentials",
                str(ROOT / "credentials.yml"),
            ],
            cwd=ROOT,
            env=self._env(),
            stdout=(self.workdir / "rasa.log").open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # /status answers while the model still loads; the REST channel's health route
        # answers only once Rasa serves messages.
        wait_http(f"{self.url}/webhooks/rest/", 300, self.rasa_proc, ok=(200,))

    @property
    def procs(self) -> list[subprocess.Popen[bytes]]:
        return [p for p in (self.actions_proc, self.rasa_proc) if p is not None]

    def start(self) -> RasaStack:
        self.start_actions()
        self.start_rasa()
        return self

    def kill_rasa(self) -> None:
        """kill -9, as a crash would."""
        if self.rasa_proc is not None:
            self.rasa_proc.kill()
            self.rasa_proc.wait()
            self.rasa_proc = None

    def kill_actions(self) -> None:
        if self.actions_proc is not None:
            self.actions_proc.kill()
            self.actions_proc.wait()
            self.actions_proc = None

    def stop(self) -> None:
        for proc in self.procs:
            _stop(proc)
