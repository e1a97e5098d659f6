"""The phrase model: decoding, its stored arrays, and the guide's boundary rules on the bundled model."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import numpy as np
import pytest

import classifier
from classifier.model.persistence import load_weights
from classifier.model.phrases import PHRASE_SCORES, PhraseWeights
from classifier.model.weights import ScoringWeights
from classifier.pipeline import build_pipeline


def _weights(inside: list[float], begin: list[float], end: list[float], boundary: float) -> PhraseWeights:
    """Weights where word i has the single feature ``w{i}`` carrying the given scores."""
    n = len(inside)
    return PhraseWeights(
        [f"w{i}" for i in range(n)],
        np.column_stack([inside, begin, end]),
        np.zeros(len(PHRASE_SCORES)),
        bias=0.0,
        boundary_weight=boundary,
    )


def _brute_force(inside: np.ndarray, begin: np.ndarray, end: np.ndarray, boundary: float) -> float:
    return max(
        inside[a:b].sum() + boundary * (begin[a] + end[b - 1])
        for a, b in itertools.combinations(range(len(inside) + 1), 2)
    )


@pytest.mark.parametrize("seed", range(25))
def test_decoding_finds_the_best_scoring_range(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 25))
    inside, begin, end = rng.normal(size=(3, n))
    weights = _weights(inside.tolist(), begin.tolist(), end.tolist(), boundary=2.0)
    start, stop = weights.locate([[f"w{i}"] for i in range(n)], "cure_claim")
    assert 0 <= start < stop <= n
    found = inside[start:stop].sum() + 2.0 * (begin[start] + end[stop - 1])
    assert found == pytest.approx(_brute_force(inside, begin, end, 2.0))


def test_decoding_prefers_the_marked_boundaries() -> None:
    # Every word is a little inside, but words 2 and 4 are strong begin and end points.
    weights = _weights([0.1] * 7, [0, 0, 3, 0, 0, 0, 0], [0, 0, 0, 0, 3, 0, 0], boundary=1.0)
    assert weights.locate([[f"w{i}"] for i in range(7)], "cure_claim") == (2, 5)


def test_category_crossed_features_count() -> None:
    weights = PhraseWeights(
        ["w=cure", "cure_claim|w=cure"],
        np.array([[0.5, 0.0, 0.0], [1.5, 0.0, 0.0]]),
        np.zeros(3),
        bias=0.0,
        boundary_weight=0.0,
    )
    assert weights.scores([["w=cure"]], "cure_claim")[0, 0] == pytest.approx(2.0)
    assert weights.scores([["w=cure"]], "hype_language")[0, 0] == pytest.approx(0.5)


def test_empty_sentence_gives_an_empty_range() -> None:
    assert _weights([1.0], [0.0], [0.0], 1.0).locate([], "cure_claim") == (0, 0)


def _arrays() -> dict[str, np.ndarray]:
    return _weights([1.0, 2.0], [0.0, 1.0], [1.0, 0.0], 2.0).arrays()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.pop("weights"), "missing"),
        (lambda a: a.update(names=np.array([1, 2])), "string array"),
        (lambda a: a.update(weights=np.ones((3, 3))), "must be 2 x 3"),
        (lambda a: a.update(weights=np.full((2, 3), np.nan)), "NaN"),
        (lambda a: a.update(intercepts=np.ones(2)), "intercepts"),
        (lambda a: a.update(config=np.array("{not json")), "config is malformed"),
        (lambda a: a.update(config=np.array("{}")), "config is malformed"),
    ],
    ids=["missing-array", "names-not-strings", "wrong-shape", "nan", "intercepts", "bad-json", "no-keys"],
)
def test_malformed_arrays_are_refused(change, message: str) -> None:
    arrays = _arrays()
    change(arrays)
    with pytest.raises(ValueError, match=message):
        PhraseWeights.from_arrays(arrays)


def test_phrase_weights_survive_saving(tiny_model_dir: Path) -> None:
    weights, _ = load_weights(tiny_model_dir)
    assert weights.phrases is not None
    buffer = io.BytesIO()
    weights.save(buffer)
    buffer.seek(0)
    again = ScoringWeights.load(buffer)
    assert again.phrases is not None
    assert again.phrases.names == weights.phrases.names
    np.testing.assert_array_equal(again.phrases.weights, weights.phrases.weights)
    assert again.phrases.boundary_weight == weights.phrases.boundary_weight


@pytest.fixture(scope="module")
def bundled() -> classifier.Model:
    return classifier.load()


def _flag(model: classifier.Model, text: str, category: str) -> dict:
    flags = [f for f in model.score(text).flags if f.category == category]
    assert flags, f"no {category} flag on {text!r}: {model.score(text).to_dict()}"
    return flags[0].to_dict()


# The guide's boundary rules (datasets/GUIDE.md, "Boundaries"), and the cut-off
# phrases the reviewer-grade flags issue found: each phrase must hold the words
# that carry the claim, not stop in the middle of it.
@pytest.mark.parametrize(
    ("text", "category", "must_hold"),
    [
        ("Our stem cell therapy cures rheumatoid arthritis in weeks.", "cure_claim", ["cures", "arthritis"]),
        ("These exosome injections regrow the cartilage in your knee.", "cure_claim", ["cartilage"]),
        ("The procedure has no side effects whatsoever.", "absolute_safety", ["no side effects"]),
        ("You can expect zero risk of rejection with your own cells.", "absolute_safety", ["zero risk"]),
        ("We report a success rate of 85% for knee patients.", "unsourced_statistic", ["85%"]),
        ("9 out of 10 patients improve after one session.", "unsourced_statistic", ["9 out of 10"]),
        ("Our umbilical cord cells are pluripotent.", "pluripotency_misstatement", ["pluripotent"]),
        ("Our clinic offers an FDA approved stem cell therapy.", "regulatory_misstatement", ["FDA approved"]),
        ("After one injection I threw away my cane.", "testimonial_evidence", ["cane"]),
    ],
    ids=[
        "cure-object",
        "regrow-object",
        "negated-safety",
        "zero-risk",
        "number-with-rate",
        "count-out-of",
        "pluripotent",
        "fda-approved-not-fda-alone",
        "testimonial-object",
    ],
)
def test_phrase_holds_what_carries_the_claim(
    bundled: classifier.Model, text: str, category: str, must_hold: list[str]
) -> None:
    flag = _flag(bundled, text, category)
    assert text[flag["start"] : flag["end"]] == flag["text"]
    for words in must_hold:
        assert words in flag["text"], f"{flag['text']!r} lacks {words!r}"
    assert flag["text"][-1] not in ".,;:!?", flag["text"]


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("→ totally natural, zero side effects.", "totally natural, zero side effects"),
        ("✔ FORGET VIAGRA FOREVER!", "FORGET VIAGRA FOREVER"),
        ("6/ The research is overwhelming.", "The research is overwhelming"),
        ("a success rate of 85%.", "a success rate of 85%"),
        ('"It works," she said', 'It works," she said'),
    ],
    ids=["arrow-bullet", "check-bullet", "numbered-keeps-article", "percent-stays", "inner-quote-stays"],
)
def test_phrase_edges_lose_only_wordless_tokens(text: str, phrase: str) -> None:
    from classifier.flags.scoring import _TokenEdges

    doc = build_pipeline().make_doc(text)
    edges = _TokenEdges(doc)
    start, end = edges.trim_phrase(0, len(doc))
    assert doc.text[slice(*edges.characters(start, end))] == phrase
