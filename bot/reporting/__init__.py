"""Reporting: events written from model events, incremental aggregates, surveys (NPS),
the live wall, the service measures of ``/api/metrics``, and the read-only reports API.

Usage: ``bot.reporting.setup`` is listed in ``bot.extensions``; the hub calls its
``install(app, wiring)`` at start-up, which subscribes the reporting listener to the hub's
database sessions (the store never calls reporting).
"""
