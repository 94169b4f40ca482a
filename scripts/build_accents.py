"""Build the shipped accent-restoration model (`chattext/accents.json.gz`) offline.

It counts the syllables of the project's own Vietnamese texts: the FAQ corpus and the other
knowledge files, the NLU training data, the domain's responses and the texts of the
actions and of the hub. Test sets (`tests/`) and the evaluation data sets are never read.
With `--lexicon`, the word list shipped in the `pyvi` wheel (MIT) adds the spellings and
within-word syllable pairs of 31,000 Vietnamese words, each counted once, so syllables
the project never wrote can still be restored.

Usage (either environment; `--lexicon` needs pyvi, installed in the application's):
    .venv/bin/python scripts/build_accents.py [--lexicon] [--out chattext/accents.json.gz]
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chattext.accents import SHIPPED_PATH, AccentRestorer, has_marks  # noqa: E402

# Rasa's entity annotations: "[4821](card_last4)" -> "4821".
_ENTITY = re.compile(r"\[([^\]]*)\]\([^)]*\)|\[([^\]]*)\]\{[^}]*\}")
# How much more one sentence of the project's text counts than one lexicon word: the
# project's texts are what customers write about, the lexicon only fills gaps.
PROJECT_WEIGHT = 5


def project_sources(root: Path = ROOT) -> list[Path]:
    """The files the model is trained on (never anything under tests/)."""
    files = sorted((root / "knowledge" / "corpus").glob("*.yaml"))
    files += sorted((root / "knowledge").glob("*.yaml"))
    files += sorted((root / "data").glob("**/*.yml"))
    files += [root / "domain.yml", root / "actions" / "texts.py", root / "bot" / "texts.py"]
    return [f for f in files if f.exists()]


def _yaml_strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _yaml_strings(key)
            yield from _yaml_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _yaml_strings(item)


def _python_strings(source: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def sentences(path: Path) -> Iterator[str]:
    """The accented lines of text in one source file (list markers and entity marks off)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        strings: Iterator[str] = _python_strings(raw)
    else:
        import yaml

        strings = _yaml_strings(yaml.safe_load(raw))
    for text in strings:
        for line in text.splitlines():
            line = _ENTITY.sub(lambda m: m.group(1) or m.group(2) or "", line)
            line = line.strip().removeprefix("- ").strip()
            if line and has_marks(line):
                yield line


def lexicon_words() -> list[str]:
    """pyvi's word list (one word of one or more syllables per line)."""
    from importlib.resources import files

    text = files("pyvi").joinpath("models/words.txt").read_text(encoding="utf-8")
    return [w.strip() for w in text.splitlines() if w.strip()]


def build(
    lexicon: bool = False, project_weight: int = PROJECT_WEIGHT, root: Path = ROOT
) -> tuple[AccentRestorer, dict[str, int]]:
    restorer = AccentRestorer()
    stats = {"files": 0, "sentences": 0, "lexicon_words": 0}
    for path in project_sources(root):
        stats["files"] += 1
        for line in sentences(path):
            restorer.add(line, project_weight)
            stats["sentences"] += 1
    if lexicon:
        for word in lexicon_words():
            if has_marks(word):
                restorer.add_lexicon_word(word)
                stats["lexicon_words"] += 1
    return restorer, stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lexicon", action="store_true", help="add pyvi's word list")
    parser.add_argument("--project-weight", type=int, default=PROJECT_WEIGHT)
    parser.add_argument("--out", type=Path, default=SHIPPED_PATH)
    args = parser.parse_args(argv)
    restorer, stats = build(lexicon=args.lexicon, project_weight=args.project_weight)
    restorer.save(args.out)
    print(
        f"{args.out}: {len(restorer)} folded syllables from {stats['sentences']} lines in "
        f"{stats['files']} files, {stats['lexicon_words']} lexicon words, "
        f"{args.out.stat().st_size} bytes"
    )


if __name__ == "__main__":
    main()
