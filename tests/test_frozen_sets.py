"""The evaluation test sets are frozen, and training data stays apart from them.

A test set measures unseen text only while nothing is tuned on it. The hashes in
`tests/frozen_sets.sha256` pin the demo NLU test set and the bank FAQ test half: a change
to either means the figures measured on it are no longer comparable, so it needs a new set
(and a new entry in that file), not an edit. Tuning goes on the development sets
(`tests/nlu/data/demo_dev/`, `tests/knowledge/bank_faq/dev.jsonl`). Training examples
must not repeat test messages, which is what examples written from a test set's misses
tend to do.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from pathlib import Path

import yaml

from knowledge.corpus import load_corpus

ROOT = Path(__file__).resolve().parent.parent
HASHES = ROOT / "tests" / "frozen_sets.sha256"
NLU_TEST = ROOT / "tests" / "nlu" / "data" / "demo_test"
NLU_DEV = ROOT / "tests" / "nlu" / "data" / "demo_dev"
FAQ = ROOT / "tests" / "knowledge" / "bank_faq"
COPILOT_TEST = ROOT / "tests" / "copilot" / "conversations" / "test.yml"
STYLES = ("vi_diacritics", "vi_plain", "vi_chat", "en")
# Rasa's entity markup: [text](entity) or [text]{"entity": ...}
ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def fold(text: str) -> str:
    """How two messages are compared: NFC, lower case, runs of whitespace as one space."""
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def nlu_messages(files: list[Path]) -> dict[str, tuple[str, str]]:
    """Folded message -> (file name, intent) for every example in Rasa NLU YAML files."""
    out: dict[str, tuple[str, str]] = {}
    for path in files:
        for item in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            if "intent" not in item:
                continue
            for line in str(item.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out[fold(ENTITY.sub(r"\1", line[2:]))] = (path.name, item["intent"])
    return out


def faq_rows(name: str) -> list[dict]:
    lines = (FAQ / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def recorded_hashes() -> dict[str, str]:
    out = {}
    for line in HASHES.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            digest, path = line.split(maxsplit=1)
            out[path.strip()] = digest
    return out


def test_frozen_test_sets_are_unchanged() -> None:
    recorded = recorded_hashes()
    frozen = sorted(NLU_TEST.glob("*.yml")) + [FAQ / "test.jsonl", COPILOT_TEST]
    assert {str(p.relative_to(ROOT)) for p in frozen} == set(recorded), (
        "the frozen test sets are exactly the files listed in tests/frozen_sets.sha256"
    )
    for path in frozen:
        rel = str(path.relative_to(ROOT))
        # Line endings as committed (LF), so a checkout that converts them still matches.
        digest = hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()
        assert digest == recorded[rel], (
            f"{rel} changed. This test set is frozen: figures measured on it are only "
            "comparable while it stays as it is. Tune on the development set instead; a "
            "changed test set is a new set, with its own name, hash and first figure."
        )


def test_no_training_example_repeats_a_test_message() -> None:
    training = nlu_messages(sorted((ROOT / "data" / "nlu").glob("*.yml")))
    tests = nlu_messages(sorted(NLU_TEST.glob("*.yml")))
    tests.update({fold(r["query"]): ("bank_faq/test.jsonl", "") for r in faq_rows("test")})
    assert len(training) > 500 and len(tests) > 500
    repeated = sorted(
        f"{text!r} (training {training[text][0]}, test {where})"
        for text, (where, _intent) in tests.items()
        if text in training
    )
    assert not repeated, "training examples identical to test messages: " + "; ".join(repeated)


def test_development_sets_are_apart_from_test_and_training() -> None:
    dev = nlu_messages(sorted(NLU_DEV.glob("*.yml")))
    assert not set(dev) & set(nlu_messages(sorted(NLU_TEST.glob("*.yml"))))
    assert not set(dev) & set(nlu_messages(sorted((ROOT / "data" / "nlu").glob("*.yml"))))
    dev_faq = {fold(r["query"]) for r in faq_rows("dev")}
    assert not dev_faq & {fold(r["query"]) for r in faq_rows("test")}


def test_nlu_dev_set_covers_every_intent_in_every_style() -> None:
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    intents.discard("nlu_fallback")  # what the fallback predicts, never a message's label
    for style in STYLES:
        counts: dict[str, int] = {}
        for _text, (_file, intent) in nlu_messages([NLU_DEV / f"{style}.yml"]).items():
            counts[intent] = counts.get(intent, 0) + 1
        assert set(counts) == intents, style
        assert min(counts.values()) >= 10, (style, min(counts, key=counts.__getitem__))


def test_bank_faq_sets_are_labelled_with_corpus_entries() -> None:
    entries, _files = load_corpus(ROOT / "knowledge" / "corpus")
    questions = {fold(q) for e in entries.values() for qs in e["questions"].values() for q in qs}
    for name in ("dev", "test"):
        rows = faq_rows(name)
        in_scope = [r for r in rows if r["relevant"]]
        assert len(in_scope) >= 120 and len(rows) - len(in_scope) >= 20, name
        for style in STYLES:
            assert sum(r["style"] == style for r in in_scope) >= 30, (name, style)
        for row in rows:
            assert set(row) == {"query", "relevant", "lang", "style"}, row
            assert row["style"] in STYLES and row["lang"] == (
                "en" if row["style"] == "en" else "vi"
            )
            assert set(row["relevant"]) <= set(entries), row
            # Written as customers ask, not copied from the entries' own phrasings.
            assert fold(row["query"]) not in questions, row
