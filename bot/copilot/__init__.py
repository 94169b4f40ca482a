"""The agent copilot. Hand-off summary: ``summary`` (pure), ``summary_store`` (kept and
pushed at hand-off and transfer). Wrap-up codes: ``wrapup`` (the counting model),
``wrapup_store`` (the supervisors' list, suggestions, recorded choices). ``routes`` is
their API, ``evaluate`` is ``tandem eval copilot``. The canned replies and suggestion
feedback live beside them (``canned``, ``replies``, ``feedback``)."""
