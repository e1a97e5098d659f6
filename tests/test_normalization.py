import re

import pytest

from classifier.pipeline.normalization import normalize


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
        ("N0 side effects, it cur3s pa1n", "NO side effects, it cures pain"),
        ("100% s@fe and pr0ven", "100% safe and proven"),
        ("ce11s and 5tem", "cells and stem"),
        ("a mir-acle c.u.r.e.", "a miracle cure."),
        ("s a f e and e f f e c t i v e", "safe and effective"),
        ("v e r y s a f e a n d f r e e", "very safe and free"),
        ("r\u0435g\u0435n3r\u0430t\u0435s \u04413lls", "regenerates cells"),
        ("B12 at 10am, 3D, 2nd, COVID-19, $500", "B12 at 10am, 3D, 2nd, COVID-19, $500"),
        ("side-effect free e.g. U.S.A. stem-cell", "side-effect free e.g. U.S.A. stem-cell"),
        ("x7q3 and @clinic", "x7q3 and @clinic"),
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
        "leet-digits",
        "leet-signs",
        "leet-ambiguous-one",
        "inner-hyphen-and-dots",
        "spaced-letters",
        "spaced-letter-words",
        "cyrillic-and-digits",
        "numbers-with-units-stay",
        "real-hyphenation-stays",
        "unknown-words-stay",
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
        "N0 s1de-effects, c.u.r.e and s a f e \u04413lls!!",
    ],
)
def test_every_word_maps_back_to_its_original_slice(text: str) -> None:
    normalized = normalize(text)
    for match in re.finditer(r"\w+", normalized.text):
        start, end = normalized.to_original(match.start(), match.end())
        assert normalize(text[start:end]).text == match.group()


def test_identity_when_nothing_changes() -> None:
    normalized = normalize("nothing to do here")
    assert not normalized.changed
    assert normalized.to_original(3, 7) == (3, 7)


def test_offsets_through_both_passes() -> None:
    # Pass one drops the zero-width space and expands the ellipsis; pass two reads "n0" as "no".
    text = "n\u200b0 \u2026ok"
    normalized = normalize(text)
    assert normalized.text == "no ...ok"
    single = [normalized.to_original(i, i + 1) for i in range(len(normalized.text))]
    assert single == [(0, 1), (2, 3), (3, 4), (4, 5), (4, 5), (4, 5), (5, 6), (6, 7)]
    assert normalized.to_original(0, 2) == (0, 3)
    assert normalized.to_original(len(normalized.text), len(normalized.text)) == (len(text), len(text))
