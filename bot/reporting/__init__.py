"""Reporting: events written from model events, incremental aggregates, surveys (NPS),
the live wall, the service measures of ``/api/metrics``, and the read-only reports API.

Usage: ``bot.reporting.setup`` is listed in ``bot.extensions``; the hub calls its
``install(app)`` at start-up. The
database listener itself is installed by ``bot.store.db.Database``.
"""
