"""The public library contract (shared contract.md), on the bundled model."""

from __future__ import annotations

import json

import pytest

import classifier

TEXTS = [
    "Our umbilical cord stem cells are pluripotent and can become any cell in your body. "
    "The treatment is completely safe with no side effects, and 9 out of 10 patients walk again!!!",
    "Mesenchymal stromal cells are multipotent, not pluripotent. Risks include infection and bleeding. "
    "This treatment is not approved by the FDA and is offered only in a clinical trial.",
    "n\u200bo s\u0456de effects &amp; 100% guaranteed results \u2013 FDA\u2011approved lab!",
    "",
]


def test_flags_point_at_their_text(bundled: classifier.Model) -> None:
    for text in TEXTS:
        report = bundled.score(text)
        for flag in report.flags:
            assert flag.text == text[flag.start : flag.end]
            if flag.category in classifier.DOCUMENT_CATEGORIES:
                assert flag.start == flag.end == 0 and flag.text == ""
            else:
                assert flag.text and flag.text in flag.sentence
                assert flag.text.strip() == flag.text


def test_categories_severities_and_ranges(bundled: classifier.Model) -> None:
    allowed = set(classifier.SPAN_CATEGORIES) | set(classifier.DOCUMENT_CATEGORIES)
    for text in TEXTS:
        report = bundled.score(text)
        assert 0.0 <= report.risk <= 1.0
        assert [f.start for f in report.flags] == sorted(f.start for f in report.flags)
        for flag in report.flags:
            assert flag.category in allowed
            assert flag.severity == classifier.get_category(flag.category).severity
            assert 0.0 <= flag.score <= 1.0
            assert flag.explanation and flag.suggestion


def test_promotional_text_is_flagged_and_careful_text_is_not(bundled: classifier.Model) -> None:
    risky = bundled.score(TEXTS[0])
    careful = bundled.score(TEXTS[1])
    assert {"pluripotency_misstatement", "absolute_safety"} <= set(risky.categories())
    assert risky.risk > careful.risk
    assert not [f for f in careful.flags if f.severity == "high"]


def test_same_input_same_output(bundled: classifier.Model) -> None:
    assert bundled.score(TEXTS[0]) == bundled.score(TEXTS[0])


def test_to_dict_is_json_serialisable(bundled: classifier.Model) -> None:
    data = json.loads(json.dumps(bundled.score(TEXTS[0]).to_dict()))
    assert set(data) == {"risk", "flags"}
    assert set(data["flags"][0]) == {
        "category",
        "start",
        "end",
        "text",
        "sentence",
        "score",
        "severity",
        "explanation",
        "evidence",
        "suggestion",
    }


def test_score_many_keeps_order(bundled: classifier.Model) -> None:
    texts = TEXTS * 3
    many = list(bundled.score_many(iter(texts), batch_size=2))
    assert many == [bundled.score(t) for t in texts]


def test_score_many_in_two_processes_matches_one(bundled: classifier.Model) -> None:
    texts = TEXTS * 4
    assert list(bundled.score_many(texts, n_jobs=2, batch_size=3)) == list(bundled.score_many(texts))


def test_empty_text_has_no_flags(bundled: classifier.Model) -> None:
    assert bundled.score("") == classifier.Report(risk=0.0, flags=[])


@pytest.mark.parametrize("bad", [b"bytes", None, 42], ids=["bytes", "none", "int"])
def test_non_text_input_is_refused(bundled: classifier.Model, bad: object) -> None:
    with pytest.raises(classifier.InputError, match="Expected text as a str"):
        bundled.score(bad)  # type: ignore[arg-type]


def test_bad_threshold_and_jobs_are_refused(bundled: classifier.Model) -> None:
    with pytest.raises(classifier.InputError, match=r"Threshold must be a number in \[0, 1\], got 1.5"):
        classifier.load(threshold=1.5)
    with pytest.raises(classifier.InputError, match="n_jobs must be 1 or more"):
        list(bundled.score_many(["x"], n_jobs=0))


def test_missing_disclosure_needs_a_high_claim_and_no_disclosure(bundled: classifier.Model) -> None:
    promo = "Our stem cells cure autism and regrow damaged nerves. The therapy is completely safe."
    disclosed = promo + " Risks include infection, and the treatment is experimental."
    assert "missing_disclosure" in bundled.score(promo).categories()
    assert "missing_disclosure" not in bundled.score(disclosed).categories()


def test_unknown_category_lists_the_valid_ones() -> None:
    with pytest.raises(classifier.UnknownCategoryError, match="Expected one of: guaranteed_outcome"):
        classifier.get_category("miracle")
