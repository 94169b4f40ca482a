"""The intake limits themselves (bot/pipeline/throttle.py): counted in blocks of
characters, a refusal charges nothing, and a Redis that cannot be reached never stops
customers from writing (each replica then counts on its own)."""

from __future__ import annotations

import pytest

from bot.pipeline.throttle import IntakeLimits, RateLimited
from tandem.settings import Settings
from tests.support.stack import free_port


def _settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "intake_visitor_messages_per_min": 3,
        "intake_visitor_chars_per_min": 1000,
        "intake_address_messages_per_min": 4,
        "intake_address_chars_per_min": 100_000,
    }
    return Settings(_env_file=None, **{**base, **values})  # type: ignore[arg-type]


async def test_a_refused_message_uses_up_nothing() -> None:
    limits = IntakeLimits(_settings())
    for _ in range(3):
        await limits.check("web:a", "10.0.0.1", "xin chào")
    with pytest.raises(RateLimited) as refused:
        await limits.check("web:a", "10.0.0.1", "xin chào")
    assert refused.value.reason == "visitor" and refused.value.retry_after >= 1
    # The address was not charged for the refused message: one more visitor still fits.
    await limits.check("web:b", "10.0.0.1", "xin chào")
    with pytest.raises(RateLimited) as by_address:
        await limits.check("web:c", "10.0.0.1", "xin chào")
    assert by_address.value.reason == "address"
    # Without an address (Telegram) only the visitor counts.
    for _ in range(3):
        await limits.check("telegram:42", None, "xin chào")


async def test_characters_are_counted_per_visitor() -> None:
    limits = IntakeLimits(_settings())
    await limits.check("web:a", None, "x" * 900)
    with pytest.raises(RateLimited):
        await limits.check("web:a", None, "x" * 200)
    await limits.check("web:a", None, "ok")  # one block still fits


async def test_unreachable_redis_falls_back_to_counting_here() -> None:
    limits = IntakeLimits(_settings(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    for _ in range(3):
        await limits.check("web:a", None, "xin chào")  # accepted, not a 500
    with pytest.raises(RateLimited):
        await limits.check("web:a", None, "xin chào")
