"""Expand the chat abbreviations customers type ("ko dc", "quen mk") into plain words.

The list is data (``knowledge/abbreviations.yaml``) that knowledge managers extend. Words
are matched whole, case-insensitively and with or without diacritics. An abbreviation can
mean something else in context ("mk" is "mình", but "mật khẩu" next to "quên" or "app"),
and a rule can look at the word just before or after it ("sđt mk": my phone number).
Vietnamese abbreviations are left alone in a message that is clearly English.

Usage::

    expander = load_abbreviations()
    expander.expand("quen mk app thi lam j")      # "quen mat khau app thi lam gi"
    expander.expansion("ko", context="ko dc")     # "không"
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from chattext.fold import fold_lower
from chattext.language import EN, detect_language, has_vietnamese_diacritics

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "abbreviations.yaml"
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SPECIAL_FOLDS = str.maketrans({"đ": "d", "Đ": "D"})


class AbbreviationsError(ValueError):
    """The abbreviations file is not valid; the message says where."""


def _marked(word: str) -> bool:
    """True when the word carries Vietnamese vowel or tone marks ("ạ", "mún"; not "đc")."""
    text = unicodedata.normalize("NFC", word).lower().translate(_SPECIAL_FOLDS)
    return fold_key(text) != " ".join(text.split())


def fold_key(word: str) -> str:
    """Lower case without diacritics: the form abbreviations are looked up by."""
    return fold_lower(word)


def _same_word(typed: str, written: tuple[str, ...], folded: tuple[str, ...]) -> bool:
    """A neighbour typed with marks must be spelt as written ("đăng" is not "đang"); one
    typed without them matches the folded form."""
    if not typed:
        return False
    if _marked(typed):
        return unicodedata.normalize("NFC", typed).lower() in written
    return fold_key(typed) in folded


@dataclass(frozen=True)
class ContextRule:
    """`then` applies when one of `triggers` occurs in the message (`where` "any"), or is
    the word just before (`where` "after") or just after (`where` "before") the
    abbreviation."""

    triggers: tuple[str, ...]  # folded words or phrases
    then: str
    where: str = "any"
    written: tuple[str, ...] = ()  # the triggers as written, lower-cased

    def holds(self, words: str, previous: str, following: str) -> bool:
        if self.where == "after":
            return _same_word(previous, self.written, self.triggers)
        if self.where == "before":
            return _same_word(following, self.written, self.triggers)
        return any(f" {t} " in words for t in self.triggers)


# The YAML key of each kind of rule.
_RULE_KEYS = {"when_any": "any", "after_any": "after", "before_any": "before"}


@dataclass
class Abbreviations:
    plain: dict[str, str] = field(default_factory=dict)
    contextual: dict[str, list[ContextRule]] = field(default_factory=dict)
    # Keys written with vowel or tone marks ("mún"), lower-cased: a word typed with marks
    # is an abbreviation only when it is spelt exactly so. Folding it first made the
    # courtesy particle "ạ" the key "a" ("anh").
    marked: frozenset[str] = frozenset()

    def expansion(
        self, word: str, context: str = "", previous: str = "", following: str = ""
    ) -> str | None:
        """The expansion of one word in a message (`context`), between the words `previous`
        and `following` when they are known, or None if it is no abbreviation."""
        if _marked(word) and unicodedata.normalize("NFC", word).lower() not in self.marked:
            return None
        key = fold_key(word)
        rules = self.contextual.get(key)
        if rules:
            words = f" {' '.join(_WORD.findall(fold_key(context)))} "
            for rule in rules:
                if rule.holds(words, previous, following):
                    return rule.then
        return self.plain.get(key)

    def applies_to(self, text: str) -> bool:
        """Vietnamese chat shorthand is not expanded in a clearly English message."""
        return detect_language(text) != EN

    def expand(self, text: str) -> str:
        """The text with every abbreviation replaced by its expansion."""
        if not self.plain and not self.contextual:
            return text
        if not self.applies_to(text):
            return text
        # Unaccented text gets unaccented expansions, so it stays one consistent spelling.
        plain = not has_vietnamese_diacritics(text)
        out: list[str] = []
        last = 0
        previous_is_number = False
        matches = list(_WORD.finditer(text))
        for index, match in enumerate(matches):
            word = match.group()
            out.append(text[last : match.start()])
            replacement = None
            # "500k" or "500 k" is an amount, not "không".
            if not (previous_is_number and len(word) == 1):
                previous = matches[index - 1].group() if index else ""
                following = matches[index + 1].group() if index + 1 < len(matches) else ""
                replacement = self.expansion(word, text, previous, following)
                if replacement and plain:
                    replacement = fold_key(replacement)
            out.append(replacement or word)
            last = match.end()
            previous_is_number = word.isdigit()
        out.append(text[last:])
        return "".join(out)


def _parse(raw: object, source: str) -> Abbreviations:
    if not isinstance(raw, dict):
        raise AbbreviationsError(f"{source}: expected a mapping at the top level")
    plain: dict[str, str] = {}
    marked: set[str] = set()
    for key, value in (raw.get("abbreviations") or {}).items():
        if not isinstance(value, str) or not value.strip():
            raise AbbreviationsError(f"{source}: abbreviation {key!r} needs a text expansion")
        plain[fold_key(str(key))] = value.strip()
        if _marked(str(key)):
            marked.add(unicodedata.normalize("NFC", str(key)).lower())
    contextual: dict[str, list[ContextRule]] = {}
    for key, rules in (raw.get("contextual") or {}).items():
        if not isinstance(rules, list):
            raise AbbreviationsError(f"{source}: contextual {key!r} needs a list of rules")
        parsed = []
        for rule in rules:
            kinds = [k for k in _RULE_KEYS if isinstance(rule, dict) and rule.get(k)]
            if not isinstance(rule, dict) or not rule.get("then") or len(kinds) != 1:
                raise AbbreviationsError(
                    f"{source}: contextual {key!r} needs then and one of {', '.join(_RULE_KEYS)}"
                )
            given = [str(t) for t in rule[kinds[0]]]
            parsed.append(
                ContextRule(
                    tuple(fold_key(t) for t in given),
                    str(rule["then"]).strip(),
                    _RULE_KEYS[kinds[0]],
                    tuple(unicodedata.normalize("NFC", t).lower() for t in given),
                )
            )
        contextual[fold_key(str(key))] = parsed
        if _marked(str(key)):
            marked.add(unicodedata.normalize("NFC", str(key)).lower())
    return Abbreviations(plain, contextual, frozenset(marked))


def load_abbreviations(path: Path | str | None = None) -> Abbreviations:
    """Read the abbreviations file (the bundled one by default); a missing file means none."""
    source = Path(path) if path else DEFAULT_PATH
    if not source.exists():
        return Abbreviations()
    return _parse(yaml.safe_load(source.read_text(encoding="utf-8")) or {}, str(source))


@lru_cache(maxsize=1)
def default_abbreviations() -> Abbreviations:
    """The bundled list, read once per process."""
    return load_abbreviations()


def expand_abbreviations(text: str) -> str:
    """`text` with the bundled abbreviations expanded: the one call search queries need."""
    return default_abbreviations().expand(text)
