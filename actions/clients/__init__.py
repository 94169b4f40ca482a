"""Clients for the services the actions call (only the hub's internal API)."""
