"""Accents restored on Vietnamese typed without them, before the sentence model reads it.

The restorer is shared (`chattext.accents`): the shipped model must give the same answer
in the Rasa environment and in the application's, and must be read on first use only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from chattext.accents import (
    SHIPPED_PATH,
    AccentRestorer,
    canonical_tone,
    fold,
    restore_accents,
)
from nlu.e5_featurizer import E5Featurizer, E5LatentTermsFeaturizer, restore_unaccented
from tests.support.needs import require

ROOT = Path(__file__).resolve().parents[2]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
DEV_SET = ROOT / "tests" / "nlu" / "data" / "accents_dev.txt"

BANKING = {
    "the tin dung cua toi bi khoa": "thẻ tín dụng của tôi bị khóa",
    "toi muon gap nguoi that": "tôi muốn gặp người thật",
    "phi thuong nien bao nhieu": "phí thường niên bao nhiêu",
    "toi bi mat the": "tôi bị mất thẻ",
    "chuyen khoan nham cho nguoi khac roi": "chuyển khoản nhầm cho người khác rồi",
    "Lam sao de doi mat khau?": "Làm sao để đổi mật khẩu?",
}


@pytest.mark.parametrize(("typed", "meant"), sorted(BANKING.items()))
def test_the_shipped_model_restores_banking_phrases(typed: str, meant: str) -> None:
    assert restore_accents(typed) == meant


def test_the_corpus_spelling_of_khoa_is_the_one_restored() -> None:
    # The project writes both "khóa" and "khoá", mostly "khóa": both count as one spelling.
    assert canonical_tone("khoá") == "khóa"
    assert canonical_tone("thuý") == "thúy"
    assert canonical_tone("quý") == "quý"  # "qu" is a consonant: the tone stays on "y"
    assert canonical_tone("hoàn") == "hoàn"  # closed syllable: one placement only
    assert restore_accents("khoa the") == "khóa thẻ"


def test_text_with_marks_is_left_as_typed() -> None:
    for text in ("thẻ bi khoa", "tôi muốn gặp người thật", "Khoá thẻ giúp tôi"):
        assert restore_accents(text) == text


def test_unknown_syllables_case_digits_and_punctuation_are_kept() -> None:
    assert restore_accents("Toi bi tru 500k, xyzzq!!") == "Tôi bị trừ 500k, xyzzq!!"
    assert restore_accents("OTP ATM") == "OTP ATM"
    assert restore_accents("") == ""
    assert restore_accents("...") == "..."


def test_only_unaccented_vietnamese_is_restored_before_embedding() -> None:
    assert restore_unaccented("toi bi mat the") == "tôi bị mất thẻ"
    # English and messages that carry no language stay as they are.
    assert restore_unaccented("my card was stolen") == "my card was stolen"
    assert restore_unaccented("asdf qwer") == "asdf qwer"
    assert restore_unaccented("tôi bi mat the") == "tôi bi mat the"


def test_both_e5_featurizers_read_the_restored_text(tmp_path: Path) -> None:
    config = {"cache_dir": str(tmp_path)}
    dense = E5Featurizer({**E5Featurizer.get_default_config(), **config}, "e5")
    latent = E5LatentTermsFeaturizer(config, "latent")
    for featurizer in (dense, latent):
        assert featurizer._view("toi muon khoa the") == "tôi muốn khóa thẻ"
        assert featurizer._view("lock my card") == "lock my card"
    off = E5Featurizer(
        {**E5Featurizer.get_default_config(), **config, "restore_accents": False}, "e5"
    )
    assert off._view("toi muon khoa the") == "toi muon khoa the"


def test_saved_counts_load_back_the_same_model(tmp_path: Path) -> None:
    restorer = AccentRestorer()
    restorer.add("Cô giáo có thể mở thẻ tại chi nhánh.", weight=3)
    restorer.add("Tôi có thẻ tín dụng.")
    path = tmp_path / "model.json.gz"
    restorer.save(path)
    loaded = AccentRestorer.load(path)
    assert loaded.to_dict() == restorer.to_dict()
    assert loaded.restore("co giao co the tin dung") == restorer.restore("co giao co the tin dung")
    # Same counts, same bytes: rebuilding an unchanged model shows no difference.
    again = tmp_path / "again.json.gz"
    loaded.save(again)
    assert again.read_bytes() == path.read_bytes()


def test_a_lexicon_word_does_not_outvote_the_texts() -> None:
    restorer = AccentRestorer()
    restorer.add("Lúc nào tôi nhận được thẻ?")
    # A word list says "lục" exists, not how often it is written.
    for word in ("lục địa", "lục soát", "ngũ cốc"):
        restorer.add_lexicon_word(word)
    assert restorer.restore("luc nao") == "lúc nào"
    # It still teaches syllables no text had, with their neighbours.
    assert restorer.restore("ngu coc") == "ngũ cốc"


_PROBE = """
import json, sys
import chattext.accents as accents
loaded_at_import = accents.shipped_loaded()
texts = json.loads(sys.argv[1])
out = [accents.restore_accents(t) for t in texts]
print(json.dumps({"loaded_at_import": loaded_at_import,
                  "loaded_after": accents.shipped_loaded(), "out": out}))
"""


def _probe(python: Path | str, texts: list[str]) -> dict:
    done = subprocess.run(
        [str(python), "-c", _PROBE, json.dumps(texts)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _dev_texts() -> list[str]:
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_model_is_read_on_first_use_not_at_import() -> None:
    assert SHIPPED_PATH.exists()
    result = _probe(sys.executable, ["toi bi mat the"])
    assert result["loaded_at_import"] is False
    assert result["loaded_after"] is True
    assert result["out"] == ["tôi bị mất thẻ"]


def test_both_environments_restore_the_same_way() -> None:
    require(APP_PYTHON.exists(), "the application environment (.venv) is not built")
    texts = [fold(t) for t in _dev_texts()]
    here = _probe(sys.executable, texts)["out"]
    assert here == [restore_accents(t) for t in texts]
    assert _probe(APP_PYTHON, texts)["out"] == here


def test_the_development_set_is_held_apart_from_the_training_texts() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_accents
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    sources = build_accents.project_sources()
    assert sources and not any("tests" in p.relative_to(ROOT).parts for p in sources)

    def key(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).lower().split()).strip(" .?!")

    trained = {key(line) for path in sources for line in build_accents.sentences(path)}
    dev = _dev_texts()
    assert len(dev) >= 100
    assert not [line for line in dev if key(line) in trained]
