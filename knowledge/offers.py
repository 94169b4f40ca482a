"""The offer catalogue (``knowledge/offers.yaml``) used for cross-sell suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.corpus import CorpusError


@dataclass(frozen=True)
class Offer:
    id: str
    name: dict[str, str]
    pitch: dict[str, str]
    product: str
    tags: list[str] = field(default_factory=list)


def _offer(data: Any, where: str) -> Offer:
    if not isinstance(data, dict):
        raise CorpusError(f"{where}: expected a mapping")
    missing = [k for k in ("id", "name", "pitch", "product") if not data.get(k)]
    if missing:
        raise CorpusError(f"{where}: missing {', '.join(missing)}")
    for key in ("name", "pitch"):
        if not isinstance(data[key], dict) or not all(data[key].get(lang) for lang in ("vi", "en")):
            raise CorpusError(f"{where} (id {data['id']!r}): {key} needs vi and en texts")
    return Offer(
        id=str(data["id"]),
        name=dict(data["name"]),
        pitch=dict(data["pitch"]),
        product=str(data["product"]),
        tags=[str(t) for t in data.get("tags") or []],
    )


def load_offers(path: Path | None = None) -> dict[str, Offer]:
    """Offers by id, validated; the path defaults to the configured catalogue."""
    if path is None:
        from bot.config.settings import get_settings

        path = get_settings().offers_path
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not isinstance(items, list):
        raise CorpusError(f"{path}: expected a list of offers")
    offers: dict[str, Offer] = {}
    for i, data in enumerate(items, 1):
        offer = _offer(data, f"{path} offer {i}")
        if offer.id in offers:
            raise CorpusError(f"{path}: duplicate offer id {offer.id!r}")
        offers[offer.id] = offer
    return offers
