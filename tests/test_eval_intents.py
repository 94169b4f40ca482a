"""`tandem eval intents` end to end: real Rasa training on tiny CSVs, JSON on the last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "nlu" / "data"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

pytestmark = pytest.mark.skipif(not RASA_PYTHON.exists(), reason="Rasa environment missing")


def run_eval(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tandem.cli", "eval", "intents", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def flat(text: str) -> str:
    """Error text with the boxes and line wrapping of the terminal rendering removed."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.rasa
def test_eval_intents_reports_metrics() -> None:
    proc = run_eval("--train", str(DATA / "tiny_train.csv"), "--test", str(DATA / "tiny_test.csv"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in (
        "accuracy",
        "macro_f1",
        "n",
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "train_s",
    ):
        assert key in result
    assert result["n"] == 14
    assert result["accuracy"] >= 0.7
    assert result["in_scope_accuracy"] >= 0.7
    assert result["train_s"] > 0


def test_eval_intents_rejects_bad_header(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sentence,label\nhello,greet\n", encoding="utf-8")
    proc = run_eval("--train", str(bad), "--test", str(DATA / "tiny_test.csv"))
    assert proc.returncode != 0
    assert "text,intent" in flat(proc.stderr) and "line 1" in flat(proc.stderr)


def test_eval_intents_rejects_missing_file(tmp_path: Path) -> None:
    proc = run_eval("--train", str(tmp_path / "nope.csv"), "--test", str(DATA / "tiny_test.csv"))
    assert proc.returncode != 0
    assert "not found" in flat(proc.stderr)
