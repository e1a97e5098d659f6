"""The page-stance model and the context features sentences see (lead-ins, headings, quotes, page)."""

from __future__ import annotations

import numpy as np
import pytest
from spacy.language import Language

from classifier.corpus import CorpusDocument
from classifier.model.features import document_features
from classifier.model.page import PageWeights, make_page_estimator, promotes, stance_of
from classifier.pipeline.build import build_pipeline

PROMOTIONAL = [
    "Book your free consultation today. Our cells heal knees with no downtime. Call now.",
    "Thousands of happy patients trust our clinic. Packages from $4,900. Book online.",
    "Say goodbye to pain: our exosome drip restores energy. Limited time offer, call us.",
    "Our patients walk again. Financing available. Contact us on WhatsApp today.",
]
CAREFUL = [
    "The agency warns consumers that unapproved stem cell products can cause infections.",
    "Researchers are studying whether these cells are safe. Evidence is limited so far.",
    "Report adverse events to the regulator. Beware of clinics that promise cures.",
    "This leaflet explains the risks. Ask your doctor whether a clinical trial is right for you.",
]


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


def _doc(genre: str, spans: int) -> CorpusDocument:
    from classifier.corpus import SpanAnnotation

    return CorpusDocument(
        "x",
        genre,
        "prp",
        "back_pain",
        "clinical",
        "train",
        "It cures.",
        [SpanAnnotation(3, 8, "cure_claim")] * spans,
    )


@pytest.mark.parametrize(
    ("genre", "spans", "expected"),
    [
        ("clinic_landing_page", 0, True),
        ("regulator_consumer_alert", 3, False),
        ("news_report", 0, False),
        ("news_report", 2, True),
    ],
    ids=["seller", "regulator", "critical-news", "news-relaying-claims"],
)
def test_which_pages_count_as_promoting(genre: str, spans: int, expected: bool) -> None:
    assert promotes(_doc(genre, spans)) is expected


@pytest.mark.parametrize(
    ("probability", "stance"),
    [(0.1, "PAGE_CAREFUL"), (0.5, "PAGE_MIXED"), (0.9, "PAGE_PROMO")],
    ids=["careful", "mixed", "promo"],
)
def test_stance_cut_points(probability: float, stance: str) -> None:
    assert stance_of(probability) == stance


def test_page_weights_give_the_estimators_probability() -> None:
    texts = PROMOTIONAL + CAREFUL
    labels = [1] * len(PROMOTIONAL) + [0] * len(CAREFUL)
    strings = [" ".join(text.lower().replace(".", " ").split()) for text in texts]
    estimator = make_page_estimator(min_df=1).fit(strings, labels)
    weights = PageWeights.from_estimator(estimator)
    unseen = ["book", "a", "free", "consultation", "unknownword", "book"]
    expected = estimator.predict_proba([" ".join(unseen)])[0, 1]
    assert weights.probability(unseen) == pytest.approx(expected, abs=1e-9)
    restored = PageWeights.from_arrays(weights.arrays())
    assert restored.probability(unseen) == pytest.approx(expected, abs=1e-9)
    assert weights.probability([]) == pytest.approx(1 / (1 + np.exp(-weights.intercept)))


def _cues(nlp: Language, text: str, **kwargs: object) -> dict[str, tuple[str, ...]]:
    features = document_features(nlp(text), **kwargs)
    return {f.sentence.text.strip(): f.cues for f in features.sentences}


def test_list_items_carry_their_lead_in_and_stop_after_the_list(nlp: Language) -> None:
    text = (
        "After treatment, families tell us about:\n- clearer speech\n- calmer sleep\n\nPrices start at $500."
    )
    cues = _cues(nlp, text)
    for item in ("- clearer speech", "- calmer sleep"):
        assert {"CUE_ITEM", "LEAD_CUE_WE", "LEAD_CUE_SOCIAL_PROOF"} <= set(cues[item])
    assert not any(cue.startswith("LEAD_") for cue in cues["Prices start at $500."])


def test_sentences_carry_the_heading_above_them(nlp: Language) -> None:
    text = "Beware of miracle offers\nSome clinics sell cells that are not approved.\n"
    cues = _cues(nlp, text)
    assert "CUE_HEADING" in cues["Beware of miracle offers"]
    assert {"HEAD_CUE_CRITIC", "HEAD_CUE_CLAIM_hype_language"} <= set(
        cues["Some clinics sell cells that are not approved."]
    )


def test_a_claim_word_inside_quotation_marks_is_marked_quoted(nlp: Language) -> None:
    cues = _cues(nlp, 'The clinic claimed its cells "cure autism" in weeks.')
    [sentence] = cues.values()
    assert {"CUE_QUOTED", "QUOTED_cure_claim", "CUE_REPORTING"} <= set(sentence)
    [plain] = _cues(nlp, "Our cells cure autism in weeks.").values()
    assert "CUE_QUOTED" not in plain


def test_every_sentence_carries_its_pages_stance_alone_and_with_its_cues(nlp: Language) -> None:
    seen: list[list[str]] = []

    def stance(terms: list[str]) -> str:
        seen.append(list(terms))
        return "PAGE_CAREFUL"

    features = document_features(nlp("Our cells cure autism. Call today."), page=stance)
    assert features.stance == "PAGE_CAREFUL"
    assert "cure" in seen[0] and "CUE_CLAIM:cure_claim" not in seen[0]
    first = set(features.sentences[0].cues)
    assert {"PAGE_CAREFUL", "PAGE_CAREFUL|CUE_CLAIM_cure_claim"} <= first
