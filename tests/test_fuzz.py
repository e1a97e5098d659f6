"""Random Unicode through normalize() and Model.score (issue 11): offsets stay exact, nothing raises.

The alphabet mixes what hostile or careless pages hold: lone surrogates,
control and bidirectional characters, zero-width characters, Cyrillic and
Greek look-alikes, fullwidth letters, HTML entities, digits for letters and
the words the model flags.
"""

from __future__ import annotations

import json

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import classifier  # noqa: E402
from classifier.pipeline.normalization import normalize  # noqa: E402

SPECIAL = (
    [chr(c) for c in range(0x00, 0x20)]
    + ["\x7f", "\x85", "\u00a0", "\u00ad", "\u034f", "\u061c"]
    + [chr(c) for c in range(0x200B, 0x2010)]  # zero-width, LRM, RLM
    + [chr(c) for c in range(0x2028, 0x202F)]  # line and paragraph separators, bidi embeddings
    + [chr(c) for c in range(0x2066, 0x206A)]  # bidi isolates
    + ["\ufeff", "\ufffd", "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00"]  # lone surrogates
    + list("\u0430\u0435\u043e\u0440\u0441\u0443\u0445\u0456\u03bf\u03b1\u0391\u039f")  # look-alikes
    + [chr(c) for c in range(0xFF21, 0xFF3B)]  # fullwidth capitals
    + ["\ufb01", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026", "\u00e9", "e\u0301"]
)
WORDS = [
    "stem", "cells", "cure", "cures", "no side effects", "100% safe", "pluripotent", "FDA-approved",
    "guaranteed", "s a f e", "c.u.r.e", "mir-acle", "n0", "cur3s", "&amp;", "&#8209;", "&nbsp;", "!!!",
    "????", "....", "patients", ". ", "\n", "\n\n", " ", "-", "a1a1", "(2019)", "et al.", "85%",
]  # fmt: skip
pieces = st.one_of(
    st.sampled_from(SPECIAL),
    st.sampled_from(WORDS),
    st.characters(codec=None, categories=None),  # any code point, surrogates included
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8),
)
texts = st.lists(pieces, max_size=60).map("".join)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(texts)
def test_normalize_maps_every_range_back_into_the_text(text: str) -> None:
    normalized = normalize(text)
    size = len(normalized.text)
    normalized.text.encode("utf-8")  # no lone surrogate is left for spaCy to choke on
    for start in range(size + 1):
        for end in (start, min(size, start + 1), min(size, start + 5), size):
            begin, finish = normalized.to_original(start, end)
            assert 0 <= begin <= finish <= len(text)


@pytest.fixture(scope="module")
def model() -> classifier.Model:
    return classifier.load()


@FUZZ
@given(text=texts)
def test_score_flags_are_exact_slices_of_the_input(model: classifier.Model, text: str) -> None:
    report = model.score(text)
    assert 0.0 <= report.risk <= 1.0
    for flag in report.flags:
        assert 0 <= flag.start <= flag.end <= len(text)
        assert flag.text == text[flag.start : flag.end]
    assert [f.start for f in report.flags] == sorted(f.start for f in report.flags)
    json.dumps(report.to_dict())
