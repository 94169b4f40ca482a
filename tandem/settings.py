"""Settings live in the application: ``bot/config/settings.py``. This module re-exports them for
code that still imports ``tandem.settings``; the CLI imports the application's settings,
never the other way round (tests/test_layering.py)."""

from __future__ import annotations

from bot.config.secret_rules import (
    DEMO_SECRET,
    MAKE_SECRET,
    MIN_SECRET_BITS,
    ZXCVBN_MAX_CHARS,
    weak_secret_reason,
)
from bot.config.settings import ROOT, Settings, get_settings

__all__ = [
    "DEMO_SECRET",
    "MAKE_SECRET",
    "MIN_SECRET_BITS",
    "ROOT",
    "ZXCVBN_MAX_CHARS",
    "Settings",
    "get_settings",
    "weak_secret_reason",
]
