"""The cross-sell rules and the offer catalogue as the assist engine reads them: re-read when
either file changes, so a knowledge manager's edit applies without a restart, and a broken
edit keeps the last good rules (logged) instead of taking offers away from agents."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from knowledge.crosssell import RuleSet
from knowledge.crosssell_rules import RULES_PATH, load_rules

log = logging.getLogger(__name__)


class RulesFiles:
    def __init__(self, rules_path: Path | None = None, offers_path: Path | None = None) -> None:
        self.rules_path = rules_path or RULES_PATH
        self.offers_path = offers_path
        self.offers: dict[str, Any] = {}
        self._rules: RuleSet | None = None
        self._stamp: tuple[float, float] = (0.0, 0.0)

    def current(self) -> RuleSet:
        """The rules, re-read (with the offers) when either file changed since last read."""
        stamp = (_mtime(self.rules_path), _mtime(self.offers_path))
        if self._rules is None or stamp != self._stamp:
            offers = self._load_offers()
            try:
                self._rules = load_rules(self.rules_path, offer_ids=offers or None)
                self.offers = offers
            except ValueError:
                if self._rules is None:
                    raise
                log.exception("cross-sell rules not reloaded; keeping the last good ones")
            self._stamp = stamp
        return self._rules

    def _load_offers(self) -> dict[str, Any]:
        try:
            from knowledge.offers import load_offers
        except ImportError:  # catalogue not installed: titles fall back to offer ids
            return {}
        try:
            return dict(load_offers(self.offers_path))
        except Exception:
            log.exception("offer catalogue could not be read")
            return {}


def _mtime(path: Path | None) -> float:
    try:
        return path.stat().st_mtime if path else 0.0
    except OSError:
        return 0.0
