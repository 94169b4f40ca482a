"""What a test needs from the machine: skipped on a developer's machine, a failure in CI.

CI installs every service and browser the suite uses, so a missing one there is a broken
set-up, never a reason to pass quietly.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def in_ci() -> bool:
    return bool(os.environ.get("CI"))


def require(present: bool, message: str) -> None:
    """Skip the test (fail it in CI) when what it needs is absent."""
    if present:
        return
    if in_ci():
        pytest.fail(f"{message} (CI installs it; a missing one is a broken set-up)")
    pytest.skip(message)


def require_module(name: str) -> ModuleType:
    """Import a module the test needs; skip (fail in CI) when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        require(False, f"the Python package {name!r} is not installed")
        raise  # unreachable: require() skipped or failed
