"""The shipped known-word list is what build_known_words() makes from the installed data."""

from __future__ import annotations

from classifier.pipeline.normalization import build_known_words, known_words


def test_shipped_known_words_are_reproducible() -> None:
    assert known_words() == build_known_words()


def test_known_words_hold_common_and_domain_words() -> None:
    words = known_words()
    for word in ("very", "safe", "cures", "miracle", "pluripotent", "the"):
        assert word in words
    for respelt in ("n0", "cur3s", "acle"):
        assert respelt not in words
