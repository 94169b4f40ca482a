"""Typed request parameters shared by the routers: database ids and bounded day ranges.

Without bounds, an id such as 99999999999999999999999 reaches the database driver and fails
there with a 500; bounded, it is a clear 422 before any query runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from pydantic import Field

# Integer primary keys are 32-bit on PostgreSQL (and SQLite's are 64-bit): the smaller bound.
MAX_DB_ID = 2**31 - 1

# In a JSON body.
DbIdField = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
# In a URL path.
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description="A database id.")]
Days = Annotated[int, Query(ge=1, le=3660, description="How many days back (at most ten years).")]
