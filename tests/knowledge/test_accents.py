"""Re-accenting unaccented Vietnamese queries from the corpus's own syllables."""

from __future__ import annotations

from knowledge.accents import AccentRestorer

CORPUS = [
    "Phí thường niên của thẻ tín dụng là 300.000 đồng.",
    "Tôi có thẻ tín dụng nhưng thẻ bị khóa.",
    "Cô giáo có thể mở thẻ tại chi nhánh.",
    "Bạn có thể khóa thẻ ngay trong ứng dụng.",
]


def _restorer() -> AccentRestorer:
    restorer = AccentRestorer()
    for text in CORPUS:
        restorer.add(text)
    return restorer


def test_restores_words_the_corpus_knows() -> None:
    restorer = _restorer()
    assert restorer.restore("phi thuong nien the tin dung") == "phí thường niên thẻ tín dụng"


def test_context_picks_between_spellings_of_one_syllable() -> None:
    restorer = _restorer()
    # "co" is "có" far more often, but after nothing and before "giáo" it is "cô".
    assert restorer.restore("co giao") == "cô giáo"
    # "the" after "có" is mostly "thể", but before "tín dụng" it is "thẻ".
    assert restorer.restore("ban co the khoa the") == "bạn có thể khóa thẻ"
    assert restorer.restore("toi co the tin dung") == "tôi có thẻ tín dụng"


def test_unknown_words_case_and_punctuation_are_kept() -> None:
    restorer = _restorer()
    assert restorer.restore("Phi, xyz 300k?") == "Phí, xyz 300k?"
    # Accented input is already what the customer meant.
    assert restorer.restore("thẻ bi khoa") == "thẻ bi khoa"


def test_english_and_unaccented_corpus_text_teach_nothing() -> None:
    restorer = AccentRestorer()
    restorer.add("the card fee")
    restorer.add("phi the")
    assert len(restorer) == 0
    assert restorer.restore("phi the") == "phi the"


def test_remove_forgets_what_add_learnt() -> None:
    restorer = _restorer()
    for text in CORPUS:
        restorer.remove(text)
    assert len(restorer) == 0
    assert restorer.restore("phi thuong nien") == "phi thuong nien"
    restorer.add(CORPUS[0])
    assert restorer.restore("phi thuong nien") == "phí thường niên"


def test_the_retriever_keeps_its_restorer_in_step_with_the_index() -> None:
    from knowledge.embedder import make_embedder
    from knowledge.retriever import Retriever
    from tandem.settings import Settings

    retriever = Retriever.from_settings(Settings(), make_embedder(Settings()))
    entry = {
        "id": "fees-annual",
        "questions": {"vi": ["Phí thường niên là bao nhiêu?"], "en": ["What is the annual fee?"]},
        "answer": {"vi": "Phí thường niên thẻ tín dụng là 300.000 đồng."},
    }
    retriever.apply(retriever.prepare([entry]))
    assert retriever.accents.restore("phi thuong nien the") == "phí thường niên thẻ"
    retriever.apply(deletes=["fees-annual"])
    assert len(retriever.accents) == 0
