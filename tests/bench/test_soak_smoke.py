"""A short soak: the benchmark's contract holds and, at this size, nothing is lost.

The soak (bench/soak.py) runs the real hub, Rasa and action server on free ports, with
customers on every channel (the widget's HTTP API and websocket, Telegram, Zalo and
Messenger against local servers speaking their APIs), and agents on the queue. Only counts
are asserted here; its timings belong in docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.stack import MODEL, RASA_BIN, ROOT

pytestmark = pytest.mark.rasa

KEYS = {
    "sent",
    "stored",
    "answered",
    "lost",
    "duplicated",
    "unanswered",
    "false_handoffs",
    "http_5xx",
    "p50_ms",
    "p95_ms",
    "raw_rasa_p50_ms",
    "raw_rasa_p95_ms",
    "overhead_p95",
    "msgs_per_s",
    # What a customer would sign: notices apart, hand-offs by reason against the ones the
    # scripts asked for, sample sizes beside percentiles, and the priority actually applied.
    "answered_in_store",
    "notices",
    "handoffs_by_reason",
    "expected_handoffs",
    "n_hub",
    "n_raw",
    "overhead_p50",
    "throughput_ratio",
    "niceness_applied",
}


@pytest.mark.timeout(1500)  # Rasa's start-up alone can take minutes on a busy machine
def test_soak_smoke() -> None:
    if not RASA_BIN.exists() or not MODEL.exists():
        pytest.fail("The Rasa environment or trained model is missing: run `make test`.")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "soak.py"),
            "--channels",
            "widget,telegram,zalo,messenger",
            "--customers",
            "5",
            "--messages",
            "2",
            "--max-seconds",
            "300",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # Generous: it only bounds a hung run (start-up has its own limit inside).
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert KEYS <= result.keys()
    assert result["sent"] == 10, result
    assert result["stored"] == 10, result
    assert result["lost"] == 0 and result["duplicated"] == 0 and result["http_5xx"] == 0, result
    assert result["raw_rasa_sent"] == 10, result
    # Customer 2 of 5 ends with a request for a person (bench/soak.py, scripts).
    assert result["expected_handoffs"] == 1, result
    assert result["answered"] <= result["answered_in_store"] <= result["stored"], result
    assert result["n_raw"] + result["raw_rasa_failed"] == 10, result
    # One customer per way in, each message stored once, whatever the channel.
    channels = result["by_channel"]
    assert set(channels) == {"web-http", "web-ws", "telegram", "zalo", "messenger"}, channels
    for name, figures in channels.items():
        assert figures["sent"] == 2 and figures["stored"] == 2, (name, figures)
        assert figures["answered"] <= figures["stored"], (name, figures)
