"""The synchronous driver for a database URL (the hub's settings hold one URL for both)."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def sync_database_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return str(parsed.set(drivername="sqlite"))
    if parsed.drivername in ("postgresql", "postgresql+asyncpg"):
        return str(parsed.set(drivername="postgresql+psycopg"))
    return url
