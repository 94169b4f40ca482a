"""Handoff to humans: the queue, assignment and acknowledgement, transfers and call-backs,
and the notes the hub writes into a hand-off packet."""
