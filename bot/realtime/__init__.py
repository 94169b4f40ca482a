"""Realtime pushes to panels and widgets: the declared events and topics, the in-process
broker, its Redis fan-out across replicas, and agents' presence."""
