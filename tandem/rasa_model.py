"""Train the Rasa model only when its inputs changed.

The fingerprint covers everything Rasa trains from (config, domain, training data and the
custom NLU components), so an unchanged project starts in seconds.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from bot.config.settings import ROOT

MODEL_DIR = ROOT / "models" / "rasa"
MODEL_NAME = "tandem"
FINGERPRINT = MODEL_DIR / "fingerprint.txt"
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"


def training_inputs() -> list[Path]:
    files = [ROOT / "config.yml", ROOT / "domain.yml"]
    files += sorted((ROOT / "data").rglob("*.yml"))
    files += sorted((ROOT / "nlu").rglob("*.py"))
    # The tokenizer expands chat abbreviations from this data file and package; the e5
    # featurizers restore accents with the shipped model.
    files += sorted((ROOT / "chattext").rglob("*.py")) + [ROOT / "knowledge" / "abbreviations.yaml"]
    files += [ROOT / "chattext" / "accents.json.gz"]
    return [f for f in files if f.is_file()]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in training_inputs():
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def model_path() -> Path:
    return MODEL_DIR / f"{MODEL_NAME}.tar.gz"


def is_stale() -> bool:
    if not model_path().exists() or not FINGERPRINT.exists():
        return True
    return FINGERPRINT.read_text().strip() != fingerprint()


def train(force: bool = False) -> Path:
    if not force and not is_stale():
        print(f"Rasa model is up to date: {model_path().relative_to(ROOT)}")
        return model_path()
    if not RASA_BIN.exists():
        sys.exit("The Rasa environment is missing; run scripts/setup.sh (make demo does).")
    print("Training the Rasa model (changed training data, config or components)...", flush=True)
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(RASA_BIN), "train", "--out", str(MODEL_DIR), "--fixed-model-name", MODEL_NAME],
        cwd=ROOT,
        check=True,
    )
    FINGERPRINT.write_text(fingerprint())
    return model_path()
