#!/usr/bin/env bash
# Create or refresh both virtualenvs from the pinned files. Idempotent: an environment is
# reinstalled only when its pinned files changed (a stamp records their hash).
#   .venv       the application (hub, knowledge, CLI, tests)
#   .venv-rasa  Rasa 3.6.21 and the action server (its pins clash with the application's)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
pyver=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
case "$pyver" in
  3.10|3.11) ;;
  *) echo "Tandem needs Python 3.10 or 3.11 (found $pyver). Set PYTHON=/path/to/python3.11." >&2; exit 1 ;;
esac

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# --- application environment ----------------------------------------------------------
app_lock=requirements/app-lock-py${pyver/./}.txt
app_stamp=$(stamp_of "$app_lock" pyproject.toml)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.tandem-stamp 2>/dev/null)" != "$app_stamp" ]; then
  echo "==> Installing the application environment (.venv)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  # torch first: on 3.11 pip finds the local CPU build, so nothing pulls CUDA wheels.
  .venv/bin/pip install --quiet "$(grep -E '^torch==' "$app_lock")"
  .venv/bin/pip install --quiet -r "$app_lock"
  .venv/bin/pip install --quiet --no-deps -e .
  echo "$app_stamp" > .venv/.tandem-stamp
fi

# --- Rasa environment -----------------------------------------------------------------
rasa_stamp=$(stamp_of requirements/rasa-lock.txt requirements/rasa-extra.txt)
if [ ! -x .venv-rasa/bin/rasa ] || [ "$(cat .venv-rasa/.tandem-stamp 2>/dev/null)" != "$rasa_stamp" ]; then
  echo "==> Installing the Rasa environment (.venv-rasa); this takes a few minutes the first time"
  [ -x .venv-rasa/bin/python ] || "$PYTHON" -m venv .venv-rasa
  .venv-rasa/bin/pip install --quiet --upgrade pip
  if [ "$pyver" = "3.10" ]; then
    # Rasa supports 3.10 officially: let pip resolve its own dependencies.
    .venv-rasa/bin/pip install --quiet rasa==3.6.21 rasa-sdk==3.6.2
  else
    # Rasa 3.6 declares Python <3.11 but runs on 3.11: install it without the check,
    # then its dependency set, pinned (requirements/rasa-lock.txt), without resolution.
    .venv-rasa/bin/pip install --quiet --no-deps --ignore-requires-python rasa==3.6.21 rasa-sdk==3.6.2
    .venv-rasa/bin/pip install --quiet --no-deps -r requirements/rasa-lock.txt
  fi
  .venv-rasa/bin/pip install --quiet -r requirements/rasa-extra.txt
  echo "$rasa_stamp" > .venv-rasa/.tandem-stamp
fi
