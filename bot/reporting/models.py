"""The reporting tables, defined with the rest of the schema in the store
(``bot/store/reporting_models.py``); reporting's modules import them from here."""

from __future__ import annotations

from bot.store.reporting_models import (
    ReportingConversation,
    ReportingEvent,
    ReportingHistogram,
    ReportingRollup,
)

__all__ = ["ReportingConversation", "ReportingEvent", "ReportingHistogram", "ReportingRollup"]
