import re

import pytest

from classifier.normalization import normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text stays", "plain text stays"),
        ("no\u200b side\u200d effects", "no side effects"),
        ("n\u200bo side effects", "no side effects"),
        ("s\u0456de effects", "side effects"),
        ("\uff53afe and \ufb01ne", "safe and fine"),
        ("it\u2019s \u201csafe\u201d", 'it\'s "safe"'),
        ("risk&#8209;free &amp; safe", "risk-free & safe"),
        ("Amazing!!!! Really???", "Amazing! Really?"),
        ("caf\u00e9 stays", "caf\u00e9 stays"),
    ],
    ids=[
        "ascii",
        "zero-width",
        "zero-width-inside",
        "cyrillic-i",
        "fullwidth-ligature",
        "curly-quotes",
        "entities",
        "repeated-punctuation",
        "accents",
    ],
)
def test_normalize_text(text: str, expected: str) -> None:
    assert normalize(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "n\u200bo s\u0456de effects &amp; \uff53afe!!!",
        "caf\u00e9 \u201cmiracle\u201d\u2026 \ufb01x",
        "ascii only",
    ],
)
def test_every_word_maps_back_to_its_original_slice(text: str) -> None:
    normalized = normalize(text)
    for match in re.finditer(r"\w+", normalized.text):
        start, end = normalized.to_original(match.start(), match.end())
        assert normalize(text[start:end]).text == match.group()


def test_identity_when_nothing_changes() -> None:
    normalized = normalize("nothing to do here")
    assert normalized.starts is None
    assert normalized.to_original(3, 7) == (3, 7)
