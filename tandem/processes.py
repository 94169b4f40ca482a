"""Start and stop the product's processes: Rasa, the action server and the hub."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from tandem.settings import ROOT, Settings

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"


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


def start_action_server(settings: Settings, log_dir: Path) -> subprocess.Popen[bytes]:
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
    )


def start_rasa(
    settings: Settings, model: Path, log_dir: Path, port: int = 5005
) -> subprocess.Popen[bytes]:
    return _spawn(
        [
            str(RASA_BIN),
            "run",
            "-m",
            str(model),
            "--port",
            str(port),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ],
        settings,
        log_dir / "rasa.log",
    )


def _spawn(cmd: list[str], settings: Settings, log_file: Path) -> subprocess.Popen[bytes]:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handle = log_file.open("ab")
    return subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=child_env(settings),
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
