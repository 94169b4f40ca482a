"""Handoff to humans: the queue, assignment and acknowledgement, transfers and call-backs."""
