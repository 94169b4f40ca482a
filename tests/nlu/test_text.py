"""Diacritic folding and normalisation."""

import unicodedata

from nlu.text import fold, fold_lower, has_vietnamese_diacritics, nfc


def test_fold_removes_vietnamese_diacritics() -> None:
    assert fold("Gặp người thật") == "Gap nguoi that"
    assert fold_lower("GẶP NGƯỜI THẬT") == "gap nguoi that"


def test_fold_handles_d_with_stroke() -> None:
    assert fold("Đà Nẵng, đường") == "Da Nang, duong"


def test_fold_accepts_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "thẻ tín dụng")
    assert fold(decomposed) == "the tin dung"
    assert nfc(decomposed) == "thẻ tín dụng"


def test_fold_keeps_length_of_nfc_text() -> None:
    text = "Tôi muốn khoá thẻ 1234"
    assert len(fold(text)) == len(nfc(text))


def test_fold_lower_collapses_whitespace() -> None:
    assert fold_lower("  Tôi   muốn \n gặp ") == "toi muon gap"


def test_vietnamese_only_letters() -> None:
    assert has_vietnamese_diacritics("tôi muốn")
    assert not has_vietnamese_diacritics("café au lait")
