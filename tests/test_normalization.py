import re
import subprocess
import sys
from pathlib import Path

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


# Pathological texts (issue 11): each took minutes or many gigabytes before
# normalisation was made linear. Each is checked two ways: the Python work of
# normalize() (line events traced in the normalisation module) grows linearly
# from n to 4n, and a size that used to take minutes finishes in a subprocess
# under a generous timeout and a memory limit.

PATHOLOGICAL = {
    "spaced-letters": lambda n: ("a " * (n // 2 + 1))[:n],
    "cyrillic-look-alikes": lambda n: ("\u0430\u0435\u043e\u0440\u0441" * (n // 5 + 1))[:n],
    "cyrillic-and-other-letters": lambda n: ("\u0436\u0430" * (n // 2 + 1))[:n],
    "letters-and-digits": lambda n: ("a1" * (n // 2 + 1))[:n],
    "spaced-words": lambda n: ("s a f e a n d e f f e c t i v e " * (n // 32 + 1))[:n],
}


def _work(function: object, *args: object) -> int:
    """Line events executed in the normalisation module while ``function(*args)`` runs."""
    import classifier.pipeline.normalization as module

    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):
        return local if frame.f_code.co_filename == module.__file__ else None

    sys.settrace(tracer)
    try:
        function(*args)  # type: ignore[operator]
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("shape", list(PATHOLOGICAL), ids=list(PATHOLOGICAL))
def test_normalisation_work_grows_linearly(shape: str) -> None:
    make = PATHOLOGICAL[shape]
    normalize(make(100))  # load the word list outside the count
    small, large = _work(normalize, make(2_000)), _work(normalize, make(8_000))
    assert large <= 5 * small, f"{shape}: {small} line events at 2,000 characters, {large} at 8,000"


_SUBPROCESS = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
sys.path.insert(0, sys.argv[1])
from tests.test_normalization import PATHOLOGICAL
from classifier.pipeline.normalization import normalize
text = PATHOLOGICAL[sys.argv[2]](int(sys.argv[3]))
normalized = normalize(text)
start, end = normalized.to_original(0, len(normalized.text))
assert (start, end) == (0, len(text)), (start, end)
print(len(normalized.text))
"""


@pytest.mark.parametrize("shape", list(PATHOLOGICAL), ids=list(PATHOLOGICAL))
def test_a_megabyte_of_pathological_text_normalises(shape: str) -> None:
    # Before: 100 KB of spaced letters took 84 s and 12.2 GB; 20,000 Cyrillic
    # letters 60 s; 1/4 MB of "a1a1" 55 s. Now each megabyte takes seconds.
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", _SUBPROCESS, str(root), shape, str(2**20)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_lone_surrogates_become_replacement_characters() -> None:
    text = "no side\udc80 effects \ud83d\ude00 x\ud800"
    normalized = normalize(text)
    assert normalized.text == "no side\ufffd effects \ufffd\ufffd x\ufffd"
    normalized.text.encode("utf-8")
    assert normalized.to_original(7, 8) == (7, 8)


def test_segmentation_of_long_spaced_runs_picks_known_words() -> None:
    text = "v e r y s a f e " * 500
    assert normalize(text).text == "very safe " * 499 + "very safe "


def test_respelt_words_longer_than_any_known_word_stay() -> None:
    word = "c" + "0" * 60 + "l"
    assert normalize(f"so {word} here").text == f"so {word} here"


@pytest.mark.parametrize("shape", list(PATHOLOGICAL), ids=list(PATHOLOGICAL))
def test_normalisation_memory_grows_linearly(shape: str) -> None:
    import tracemalloc

    make = PATHOLOGICAL[shape]
    normalize(make(100))
    peaks = []
    for size in (4_000, 16_000):
        text = make(size)
        tracemalloc.start()
        normalize(text)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] <= 6 * peaks[0], (
        f"{shape}: peak {peaks[0]:,} bytes at 4,000 characters, {peaks[1]:,} at 16,000"
    )


def test_the_tokenizer_cuts_runs_longer_than_max_run_and_keeps_the_text() -> None:
    import spacy

    from classifier.pipeline.tokenizer import MAX_RUN, NormalizingTokenizer

    tokenizer = NormalizingTokenizer(spacy.blank("en").tokenizer)
    text = "before " + "=+" * 1_500 + "x" * 2_500 + " after"
    doc = tokenizer(text)
    assert doc.text == text
    assert max(len(token) for token in doc) <= MAX_RUN
    assert [t.text for t in doc[:1]] == ["before"] and doc[-1].text == "after"


def test_the_tail_suffix_search_splits_ordinary_text_as_spacy_does() -> None:
    import spacy

    from classifier.pipeline.tokenizer import NormalizingTokenizer

    text = (
        "Results (n=40) were \u201cproven\u201d... 85%! Dr. Smith's 5mg, U.S.A. (2019); e.g. www.x.com/a?b=c."
    )
    plain = spacy.blank("en").tokenizer
    bounded = NormalizingTokenizer(spacy.blank("en").tokenizer)
    assert [t.text for t in bounded(text)] == [t.text for t in plain(normalize(text).text)]
    assert bounded.tokenizer.explain("(word)...") == plain.explain("(word)...")


_PUNCTUATION_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
import spacy
from classifier.pipeline.tokenizer import NormalizingTokenizer
tokenizer = NormalizingTokenizer(spacy.blank("en").tokenizer)
for unit in ("=", "(", "+$", "\u20ac%", "'s"):
    text = unit * (int(sys.argv[2]) // len(unit))
    assert tokenizer(text).text == text
"""


def test_a_long_run_of_punctuation_tokenises_in_bounded_time() -> None:
    # spaCy's tokenizer alone takes 5-10 s on 4,000 "=" and grows with the square of the run.
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", _PUNCTUATION_RUN, str(root), str(100_000)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[31mOur stem cells cure paralysis.\x1b[0m", "Our stem cells cure paralysis."),
        ("no side\x1b]0;owned\x07 effects", "no side effects"),
        ("cu\x07re\x9b1m", "cure"),
        ("tab\there\nline\r\n\x85end", "tab\there\nline\r\n\x85end"),
    ],
    ids=["colour-codes", "window-title", "bell-and-8-bit-csi", "tabs-and-line-breaks-kept"],
)
def test_terminal_escapes_and_control_characters_are_dropped(text: str, expected: str) -> None:
    normalized = normalize(text)
    assert normalized.text == expected
    if "cure" in expected:  # the word maps back onto its letters (and whatever was dropped inside it)
        start = expected.index("cure")
        assert normalize(text[slice(*normalized.to_original(start, start + 4))]).text == "cure"
