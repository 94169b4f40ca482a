"""Database models, engine and migrations. The hub is the only owner of these tables."""
