"""The soak's stack: the hub, Rasa and the action server on free ports in a temporary
folder (or scripts/cluster.sh's cluster), with local servers standing in for the
messaging platforms' APIs; killing and restarting one of them mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from soak_webhooks import TELEGRAM_SECRET, TimedBotApi, TimedGraphApi, TimedZaloApi

from tandem import processes
from tandem.rasa_model import model_path
from tandem.settings import Settings
from tests.channels.fake_bot_api import TOKEN as TELEGRAM_TOKEN
from tests.channels.fake_platforms import (
    GRAPH_APP_SECRET,
    GRAPH_PAGE_TOKEN,
    GRAPH_VERIFY_TOKEN,
    ZALO_APP_ID,
    ZALO_APP_SECRET,
    ZALO_OA_SECRET,
)
from tests.support.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "soak-demo-password"
SERVICE_TOKEN = "soak-service-token-0123456789"
CLUSTER_SCRIPT = ROOT / "scripts" / "cluster.sh"
CLUSTER_PORT = 28080


def log(text: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {text}", flush=True)


def rasa_answers(rasa_url: str) -> bool:
    """Rasa is loaded and answering: a warm-up message gets a reply (raises when it is not
    reachable yet)."""
    response = httpx.post(
        f"{rasa_url}/webhooks/rest/webhook",
        json={"sender": "soak-warmup", "message": "xin chào"},
        timeout=60,
    )
    return bool(response.json())


@dataclass
class Platforms:
    """The local servers standing in for the platforms' APIs: Telegram's always (the
    hub runs its webhook mode), Zalo's and Graph's when their channel is in the run."""

    telegram: TimedBotApi
    zalo: TimedZaloApi | None = None
    graph: TimedGraphApi | None = None

    @classmethod
    def start(cls, channels: list[str]) -> Platforms:
        return cls(
            TimedBotApi().start(),
            TimedZaloApi().start() if "zalo" in channels else None,
            TimedGraphApi().start() if "messenger" in channels else None,
        )

    def env(self) -> dict[str, str]:
        env = {
            "TANDEM_TELEGRAM_MODE": "webhook",
            "TANDEM_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "TANDEM_TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TANDEM_TELEGRAM_BASE_URL": self.telegram.base_url,
        }
        if self.zalo is not None:
            env.update(
                {
                    "TANDEM_ZALO_APP_ID": ZALO_APP_ID,
                    "TANDEM_ZALO_OA_SECRET_KEY": ZALO_OA_SECRET,
                    "TANDEM_ZALO_APP_SECRET": ZALO_APP_SECRET,
                    "TANDEM_ZALO_ACCESS_TOKEN": self.zalo.access_token,
                    "TANDEM_ZALO_REFRESH_TOKEN": self.zalo.refresh_token,
                    "TANDEM_ZALO_API_BASE": self.zalo.base_url,
                    "TANDEM_ZALO_OAUTH_BASE": self.zalo.base_url,
                }
            )
        if self.graph is not None:
            env.update(
                {
                    "TANDEM_MESSENGER_PAGE_TOKEN": GRAPH_PAGE_TOKEN,
                    "TANDEM_MESSENGER_APP_SECRET": GRAPH_APP_SECRET,
                    "TANDEM_MESSENGER_VERIFY_TOKEN": GRAPH_VERIFY_TOKEN,
                    "TANDEM_MESSENGER_GRAPH_BASE": self.graph.base_url,
                }
            )
        return env

    def stop(self) -> None:
        for server in (self.telegram, self.zalo, self.graph):
            if server is not None:
                server.stop()


@dataclass
class Stack:
    """Hub, Rasa and action server on free ports in one temporary folder."""

    workdir: Path
    platforms: Platforms
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    down: list[tuple[str, float, float]] = field(default_factory=list)  # name, from, to

    def __post_init__(self) -> None:
        env = {
            "TANDEM_MODE": "demo",
            "TANDEM_VAR_DIR": str(self.workdir),
            "TANDEM_HUB_PORT": str(free_port()),
            "TANDEM_RASA_PORT": str(free_port()),
            "TANDEM_ACTION_PORT": str(free_port()),
            "TANDEM_INDEX_DIR": str(self.workdir / "index"),
            "TANDEM_SERVICE_TOKEN": SERVICE_TOKEN,
            **self.platforms.env(),
            # Every soak customer comes from this machine's one address, where on the
            # internet each has their own: lift the per-address intake limits (the
            # per-visitor ones stay, and a soak customer keeps within them).
            "TANDEM_INTAKE_ADDRESS_MESSAGES_PER_MIN": "1000000",
            "TANDEM_INTAKE_ADDRESS_CHARS_PER_MIN": "1000000000",
            "PYTHONPATH": str(ROOT),
        }
        for name in (
            "TANDEM_HUB_URL",
            "TANDEM_RASA_URL",
            "TANDEM_ACTION_URL",
            "TANDEM_DATABASE_URL",
        ):
            os.environ.pop(name, None)
        os.environ.update(env)  # the children inherit it (tandem/processes.py)
        self.settings = Settings(_env_file=None)
        self.logs = self.workdir / "logs"

    def start(self, timeout_s: float) -> None:
        subprocess.run(
            [str(processes.TANDEM_BIN), "db", "init", "--demo", "--password", PASSWORD],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        for name in ("actions", "rasa", "hub"):
            self.procs[name] = self._spawn(name)
        deadline = time.monotonic() + timeout_s
        for name in ("actions", "rasa", "hub"):
            if not self.wait_ready(name, deadline):
                raise RuntimeError(f"{name} did not start; see {self.logs}")
        while time.monotonic() < deadline:
            state = httpx.get(f"{self.settings.hub_url}/healthz", timeout=10).json()
            if state.get("knowledge") == "ready":
                return
            time.sleep(0.5)
        raise RuntimeError("the hub's knowledge index did not load")

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        if name == "actions":
            return processes.start_action_server(self.settings, self.logs)
        if name == "rasa":
            return processes.start_rasa(self.settings, model_path(), self.logs)
        return processes.start_hub(self.settings, self.logs)

    def wait_ready(self, name: str, deadline: float) -> bool:
        proc = self.procs[name]
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if name == "actions":
                    ok = httpx.get(f"{self.actions_base}/health", timeout=5).status_code == 200
                elif name == "rasa":
                    ok = rasa_answers(self.settings.rasa_url)
                else:
                    ok = httpx.get(f"{self.settings.hub_url}/healthz", timeout=5).status_code < 500
                if ok:
                    return True
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.5)
        return False

    @property
    def actions_base(self) -> str:
        return f"http://127.0.0.1:{self.settings.action_port}"

    def kill_and_restart(self, name: str, timeout_s: float) -> None:
        """SIGKILL the process group we started, start it again, wait until it answers."""
        started = time.time()
        proc = self.procs[name]
        log(f"kill -9 {name} (pid {proc.pid})")
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        self.procs[name] = self._spawn(name)
        ready = self.wait_ready(name, time.monotonic() + timeout_s)
        log(f"{name} {'back' if ready else 'NOT back'} after {time.time() - started:.1f} s")
        self.down.append((name, started, time.time()))

    def stop(self) -> None:
        for proc in self.procs.values():
            processes.stop(proc)


class ClusterStack(Stack):
    """The same, as a cluster: scripts/cluster.sh's hubs, Rasa servers, PostgreSQL and Redis
    behind HAProxy. Clients use the balanced addresses."""

    def __init__(self, workdir: Path, platforms: Platforms, hubs: int) -> None:
        super().__init__(workdir, platforms)
        self.hubs = hubs
        self.env = {
            **os.environ,
            "CLUSTER_DIR": str(ROOT / "var" / "soak-cluster"),
            "CLUSTER_PORT": str(CLUSTER_PORT),
            "CLUSTER_PORT_BASE": str(CLUSTER_PORT + 20),
            "CLUSTER_HUBS": str(hubs),
            "CLUSTER_DB": "tandem_soak",
            "TANDEM_DEMO_PASSWORD": PASSWORD,
        }
        for name in ("TANDEM_VAR_DIR", "TANDEM_INDEX_DIR", "TANDEM_SERVICE_TOKEN"):
            self.env.pop(name, None)
        self.settings = Settings(
            _env_file=None,
            hub_url=f"http://127.0.0.1:{CLUSTER_PORT}",
            rasa_url=f"http://127.0.0.1:{CLUSTER_PORT + 1}",
            action_url=f"http://127.0.0.1:{CLUSTER_PORT + 2}/webhook",
        )
        self.logs = Path(self.env["CLUSTER_DIR"]) / "logs"

    def _script(self, *args: str) -> None:
        subprocess.run([str(CLUSTER_SCRIPT), *args], env=self.env, check=True, cwd=ROOT)

    def start(self, timeout_s: float) -> None:
        self._script("stop")
        subprocess.run(
            [str(CLUSTER_SCRIPT), "start", "--fresh"],
            env=self.env,
            check=True,
            cwd=ROOT,
            timeout=timeout_s,
        )
        url_file = Path(self.env["CLUSTER_DIR"]) / "database.url"
        self.settings.database_url = url_file.read_text().strip()
        self.wait_ready("rasa", time.monotonic() + timeout_s)

    def wait_ready(self, name: str, deadline: float) -> bool:
        while time.monotonic() < deadline:
            try:
                if name == "rasa":
                    ok = rasa_answers(self.settings.rasa_url)
                else:
                    ok = (
                        httpx.get(f"{self.settings.hub_url}/healthz", timeout=5).json()["realtime"]
                        == "redis"
                    )
                if ok:
                    return True
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        return False

    @property
    def actions_base(self) -> str:
        return f"http://127.0.0.1:{CLUSTER_PORT + 2}"

    def kill_and_restart(self, name: str, timeout_s: float) -> None:
        target = {"hub": "hub-1", "rasa": "rasa-1", "actions": "actions-1"}.get(name, name)
        started = time.time()
        log(f"kill -9 {target}")
        self._script("kill", target)
        self._script("restart", target)
        port = {"hub-1": CLUSTER_PORT + 21, "rasa-1": CLUSTER_PORT + 41}.get(target)
        deadline = time.monotonic() + timeout_s
        ready = False
        while time.monotonic() < deadline and not ready:
            try:
                if port is not None:
                    ready = httpx.get(f"http://127.0.0.1:{port}/", timeout=5).status_code < 500
                else:
                    ready = self.wait_ready("hub", deadline)
            except httpx.HTTPError:
                time.sleep(0.5)
        log(f"{target} {'back' if ready else 'NOT back'} after {time.time() - started:.1f} s")
        # Recorded under the replica's name: its twin serves meanwhile, so a hand-off for a
        # bot failure in this window still counts as false (false_handoffs).
        self.down.append((target, started, time.time()))

    def stop(self) -> None:
        self._script("stop")
