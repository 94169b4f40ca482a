"""Every port and address is a setting: `tandem demo` starts the hub, Rasa and the action
server where the environment says, so two copies run side by side on one machine."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tandem.processes import write_endpoints
from tandem.rasa_model import is_stale
from tandem.settings import Settings
from tests.support.clients import Customer, wait_for
from tests.support.stack import APP_BIN, DEMO_PASSWORD, MODEL, RASA_BIN, ROOT, free_port, wait_http


def test_addresses_follow_the_ports(tmp_path: Path) -> None:
    settings = Settings(
        hub_port=8100, rasa_port=5105, action_port=5155, var_dir=tmp_path, _env_file=None
    )
    assert settings.hub_url == "http://127.0.0.1:8100"
    assert settings.rasa_url == "http://127.0.0.1:5105"
    assert settings.action_url == "http://127.0.0.1:5155/webhook"
    assert settings.database_url == f"sqlite:///{tmp_path / 'tandem.db'}"
    # An explicit address still wins over the derived one.
    elsewhere = Settings(rasa_url="http://rasa.internal:5005", _env_file=None)
    assert elsewhere.rasa_url == "http://rasa.internal:5005"

    endpoints = yaml.safe_load(write_endpoints(settings).read_text())
    assert endpoints["action_endpoint"]["url"] == "http://127.0.0.1:5155/webhook"
    assert endpoints["tracker_store"]["db"] == str(tmp_path / "rasa_tracker.db")


def _stop(proc: subprocess.Popen[bytes], grace_s: float = 120) -> None:
    """SIGTERM the process group we started, then SIGKILL if it outlives the grace time."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _kill_orphan(pid: int) -> None:
    """A child the demo left running (reparented, so not ours to wait for)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _alive_after(pid: int, timeout_s: float) -> bool:
    """Whether the process still exists once the deadline has passed (polling until then)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            # A zombie has ended; it only waits for a parent to collect its status.
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return False
        except (FileNotFoundError, ProcessLookupError):
            return False
        time.sleep(0.2)
    return True


@pytest.mark.rasa
@pytest.mark.timeout(900)  # Rasa's start-up alone can take minutes on a busy machine
def test_demo_listens_on_the_configured_ports(tmp_path: Path, shared_index_dir: Path) -> None:
    if not RASA_BIN.exists() or not MODEL.exists() or is_stale():
        pytest.fail("The Rasa environment or an up-to-date model is missing: run `make test`.")
    ports = {"hub": free_port(), "rasa": free_port(), "actions": free_port()}
    env = dict(os.environ)
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "TANDEM_MODE": "demo",
            "TANDEM_HUB_PORT": str(ports["hub"]),
            "TANDEM_RASA_PORT": str(ports["rasa"]),
            "TANDEM_ACTION_PORT": str(ports["actions"]),
            "TANDEM_VAR_DIR": str(tmp_path / "var"),
            "TANDEM_INDEX_DIR": str(shared_index_dir),
            "TANDEM_DEMO_PASSWORD": DEMO_PASSWORD,
        }
    )
    for name in ("TANDEM_HUB_URL", "TANDEM_RASA_URL", "TANDEM_ACTION_URL", "TANDEM_DATABASE_URL"):
        env.pop(name, None)
    demo = subprocess.Popen(
        [str(APP_BIN / "tandem"), "demo"],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "demo.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    pid_file = tmp_path / "var" / "demo-pids.json"
    pids: dict[str, int] = {}
    orphans: list[int] = []
    try:
        wait_http(f"http://127.0.0.1:{ports['actions']}/health", 240, demo)
        wait_http(f"http://127.0.0.1:{ports['rasa']}/", 300, demo)
        wait_http(f"http://127.0.0.1:{ports['hub']}/healthz", 300, demo)
        pids = json.loads(pid_file.read_text())
        assert pids["hub"] == demo.pid
        assert (tmp_path / "var" / "tandem.db").exists()

        # The three find each other at those addresses: an FAQ answer goes hub -> Rasa ->
        # action server -> the hub's knowledge API and back.
        hub = f"http://127.0.0.1:{ports['hub']}"
        deadline = time.monotonic() + 300
        while httpx.get(f"{hub}/healthz", timeout=10).json()["knowledge"] != "ready":
            assert time.monotonic() < deadline, "knowledge index did not load"
            time.sleep(0.5)
        customer = Customer(hub)
        customer.say("Phí thường niên thẻ Classic là bao nhiêu?").raise_for_status()
        answer = wait_for(
            lambda: [text for sender, text in customer.texts() if sender == "bot"], 120
        )
        assert "phí" in " ".join(answer).lower()
    finally:
        # Rasa and the action server run in process groups of their own: stopping them is
        # the demo's job on SIGTERM, asserted below.
        _stop(demo)
        # Children that outlive the demo are stopped here, so the suite leaks no process.
        orphans = [pid for name, pid in pids.items() if name != "hub" and _alive_after(pid, 60)]
        for pid in orphans:
            _kill_orphan(pid)
    assert demo.returncode == 0, "SIGTERM ends the demo cleanly"
    assert not orphans, "SIGTERM to the demo stops Rasa and the action server too"
    assert not pid_file.exists(), "the demo removes its pid file when it stops"
    for port in ports.values():
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
