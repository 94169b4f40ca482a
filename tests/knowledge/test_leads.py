"""Answer leads as a field, question phrases left out of keyword queries, and the dense
weight of long Vietnamese queries."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.retriever import Retriever
from knowledge.text import (
    QuestionPhrases,
    answer_lead,
    keyword_tokens,
    load_question_phrases,
)
from tandem.settings import ROOT, Settings

LONG_ANSWER = (
    "Chào bạn!\n"
    "Phí thường niên của thẻ tín dụng Sen Vàng là 300.000 đồng và được miễn năm đầu. "
    "Từ năm thứ hai, phí được miễn nếu bạn chi tiêu từ 50 triệu đồng mỗi năm. "
    "Bạn có thể xem biểu phí đầy đủ trên ứng dụng, mục Thẻ, hoặc gọi tổng đài để được "
    "nhân viên hướng dẫn chi tiết về các loại phí khác như phí rút tiền mặt và phí "
    "chuyển đổi ngoại tệ. Cảm ơn câu hỏi của bạn. Chúc bạn sức khỏe!"
)
ENTRIES = [
    {
        "id": "fees-annual",
        "questions": {},
        "answer": {"vi": LONG_ANSWER},
    },
    {
        "id": "cards-lost",
        "questions": {},
        "answer": {"vi": "Khi mất thẻ, hãy khóa thẻ ngay trong ứng dụng Sen Vàng Mobile."},
    },
]


def test_answer_lead_skips_greetings_and_stops_at_a_sentence() -> None:
    lead = answer_lead(LONG_ANSWER)
    assert lead.startswith("Phí thường niên")
    assert lead.endswith("mỗi năm.")  # first sentence is under 150 characters: add one
    assert len(lead) <= 300
    # A short answer is its own lead: no separate field.
    assert answer_lead("Khi mất thẻ, hãy khóa thẻ ngay trong ứng dụng.") == ""
    # Without sentence ends, the lead is cut at max_chars.
    assert len(answer_lead("x" * 1000)) == 300


def test_question_phrases() -> None:
    phrases = QuestionPhrases.of(["như thế nào", "được không"])
    assert phrases.remaining("phí như thế nào, được không ạ") == ["phí", "ạ"]
    bundled = load_question_phrases(ROOT / "knowledge" / "question_phrases.yaml")
    assert bundled.remaining("cho em hỏi phí thường niên như thế nào ạ") == ["phí thường niên"]
    assert not load_question_phrases(None)


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        # Syllables of "thế nào", "vậy", "tại sao", "vì sao", "làm sao" without accents,
        # which every Vietnamese query used to lose.
        ("thẻ tín dụng thế nào", ["thẻ tín dụng"]),
        ("vay tiêu dùng lãi bao nhiêu vậy", ["vay tiêu dùng lãi"]),
        ("tại sao tài khoản bị khoá", ["tài khoản bị khoá"]),
        ("vì sao ví điện tử không liên kết được", ["ví điện tử", "liên kết được"]),
        ("làm sao xem sao kê thẻ", ["xem sao kê thẻ"]),
        # Without accents: only phrases of two syllables or more, and "the" is kept.
        ("lam sao xem sao ke the vay", ["xem sao ke the vay"]),
    ],
)
def test_question_phrases_are_matched_whole_on_the_accented_text(
    query: str, kept: list[str]
) -> None:
    bundled = load_question_phrases(ROOT / "knowledge" / "question_phrases.yaml")
    assert bundled.remaining(query) == kept


def test_unaccented_queries_are_matched_on_their_restored_form() -> None:
    bundled = load_question_phrases(ROOT / "knowledge" / "question_phrases.yaml")
    typed = "the tin dung nhu the nao vay"
    assert bundled.remaining(typed, restored="thẻ tín dụng như thế nào vậy") == ["the tin dung"]
    # A restored form that does not line up with the typed words is not used.
    assert bundled.remaining(typed, restored="thẻ tín dụng") == ["the tin dung", "vay"]


def test_bad_question_phrases_file(tmp_path: Path) -> None:
    bad = tmp_path / "phrases.yaml"
    bad.write_text("phrases: {a: 1}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="phrases"):
        load_question_phrases(bad)


@pytest.fixture(scope="module")
def retriever() -> Retriever:
    settings = Settings(
        lead_field_weight=0.85,
        question_phrases_path=ROOT / "knowledge" / "question_phrases.yaml",
        dense_weight_vi_long=0.0,
        long_query_syllables=10,
    )
    retriever = Retriever.from_settings(settings)
    retriever.apply(retriever.prepare(ENTRIES))
    return retriever


def test_leads_are_a_field_of_their_own(retriever: Retriever) -> None:
    fields = sorted(r.field for r in retriever.rows.values() if r.entry_id == "fees-annual")
    assert fields == ["a", "l"]  # the short answer of cards-lost has no lead row
    # Leads are derived text: the accent model counts each answer once.
    assert retriever.accents.restore("phi thuong nien") == "phí thường niên"
    hits = retriever.search("phí thường niên thẻ tín dụng", k=2)
    assert hits[0].id == "fees-annual" and hits[0].answer == LONG_ANSWER

    retriever.apply(deletes=["fees-annual"])
    assert all(r.entry_id != "fees-annual" for r in retriever.rows.values())
    assert len(retriever.keyword["l"]) == 0
    retriever.apply(retriever.prepare(ENTRIES[:1]))


def test_question_phrases_leave_the_keyword_query(retriever: Retriever) -> None:
    polite = "cho em hỏi phí thường niên như thế nào ạ"
    kept = retriever.search(polite, k=1, mode="keyword")[0]
    saved = retriever.question_phrases
    try:
        retriever.question_phrases = QuestionPhrases()
        unfiltered = retriever.search(polite, k=1, mode="keyword")[0]
    finally:
        retriever.question_phrases = saved
    # The same answer, with a score no longer diluted by how the question was asked.
    assert kept.id == unfiltered.id == "fees-annual"
    assert kept.score > unfiltered.score
    # A query made only of such phrases keeps its words.
    assert retriever.search("như thế nào", k=1, mode="keyword")
    assert keyword_tokens("như thế nào")  # unchanged for other callers


def test_the_keyword_query_keeps_content_syllables(retriever: Retriever) -> None:
    tokens = retriever.keyword_query("cho em hỏi thẻ tín dụng vay được không, vì sao vậy ạ")
    assert {"the", "vay", "the_tin", "tin_dung"} <= set(tokens)
    assert not {"hoi", "duoc_khong", "vi_sao"} & set(tokens)
    # "tài" and "sao kê" stay beside "tại sao" and "làm sao".
    tokens = retriever.keyword_query("tại sao tài khoản không có sao kê, làm sao xem")
    assert {"tai", "tai_khoan", "sao", "sao_ke"} <= set(tokens)


def test_long_vietnamese_queries_use_their_own_weight(retriever: Retriever) -> None:
    # dense_weight_vi_long = 0: a query over 10 syllables ranks and scores as keywords do.
    long = "phí thường niên của thẻ tín dụng Sen Vàng năm thứ hai là bao nhiêu tiền"
    assert [(h.id, h.score) for h in retriever.search(long, k=2)] == [
        (h.id, h.score) for h in retriever.search(long, k=2, mode="keyword")
    ]
    short = "phí thường niên thẻ tín dụng"
    assert [h.score for h in retriever.search(short, k=2)] != [
        h.score for h in retriever.search(short, k=2, mode="keyword")
    ]
