"""Start and stop the product's processes: Rasa, the action server and the hub.

Every port and address comes from settings, so two copies run side by side on one machine:
Rasa reads the action server's address from an endpoints file generated for the run from
the project's `endpoints.yml` (which keeps the defaults for hand-run `rasa` commands).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import yaml

from bot.config.settings import ROOT, Settings

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
TANDEM_BIN = ROOT / ".venv" / "bin" / "tandem"


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "TANDEM_HUB_URL": settings.hub_url,
            "TANDEM_SERVICE_TOKEN": settings.service_token,
            "TANDEM_MODE": settings.mode,
            "TANDEM_HOTLINE": settings.hotline,
            "PYTHONPATH": str(ROOT),
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
    )
    return env


def write_endpoints(settings: Settings, path: Path | None = None) -> Path:
    """The project's endpoints.yml with this run's action server and tracker database."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
    endpoints["action_endpoint"] = {"url": settings.action_url}
    tracker = endpoints.get("tracker_store") or {}
    if tracker.get("dialect") == "sqlite":
        tracker["db"] = str(settings.var_dir / "rasa_tracker.db")
    path = path or settings.var_dir / "rasa-endpoints.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def start_action_server(settings: Settings, log_dir: Path) -> subprocess.Popen[bytes]:
    # rasa-sdk's server reads its bind address from SANIC_HOST only.
    return _spawn(
        [
            str(RASA_BIN),
            "run",
            "actions",
            "--port",
            str(settings.action_port),
            "--actions",
            "actions",
        ],
        settings,
        log_dir / "actions.log",
        {"SANIC_HOST": settings.action_host},
    )


def start_rasa(
    settings: Settings, model: Path, log_dir: Path, endpoints: Path | None = None
) -> subprocess.Popen[bytes]:
    return _spawn(
        [
            str(RASA_BIN),
            "run",
            "-m",
            str(model),
            "--interface",
            settings.rasa_host,
            "--port",
            str(settings.rasa_port),
            "--endpoints",
            str(endpoints or write_endpoints(settings)),
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        settings,
        log_dir / "rasa.log",
    )


def start_hub(settings: Settings, log_dir: Path) -> subprocess.Popen[bytes]:
    """The hub as its own process (`tandem demo` runs it in the foreground instead)."""
    return _spawn(
        [str(TANDEM_BIN), "hub", "--host", settings.hub_host, "--port", str(settings.hub_port)],
        settings,
        log_dir / "hub.log",
    )


def _spawn(
    cmd: list[str], settings: Settings, log_file: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handle = log_file.open("ab")
    env = child_env(settings)
    env.update(extra_env or {})
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def wait_http(url: str, timeout_s: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return False


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
