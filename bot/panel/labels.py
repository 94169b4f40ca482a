"""The panel's label table (``static/labels.js``: reasons, forms, channels, audit actions
and more, in Vietnamese and English), read by the hub where it words the same codes itself
(the hand-off summary): one table, one owner. Its LABELS object is plain JSON."""

from __future__ import annotations

import functools
import json
from pathlib import Path

LABELS_JS = Path(__file__).resolve().parent / "static" / "labels.js"
_START = "export const LABELS = "


@functools.cache
def labels() -> dict[str, dict[str, dict[str, str]]]:
    source = LABELS_JS.read_text(encoding="utf-8")
    table, _ = json.JSONDecoder().raw_decode(source, source.index(_START) + len(_START))
    return dict(table)


def label(kind: str, code: str, language: str) -> str:
    """The code's label in the language; the code itself when the table has none."""
    return labels().get(kind, {}).get(code, {}).get(language, code)
