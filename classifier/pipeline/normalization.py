"""Text normalisation that survives evasion while keeping every offset.

Clinics (and copy-pasted web pages) hide words from filters with look-alike
characters, zero-width characters, HTML entities and odd punctuation, and
with words spelt around a filter: digits for letters ("n0 side-effects",
"cur3s"), hyphens or dots inside a word ("mir-acle", "c.u.r.e") and spaced
letters ("s a f e"). The normaliser rewrites those to plain text in two
passes (characters, then words) and records, for every character of the
normalised text, which range of the original text it came from, so that
anything found in the normalised text maps back to the exact original slice.

A respelt word is only rewritten when the result is a known English word
(the forms and lemmas of spacy-lookups-data's lookup table, plus our claim
lexicon) and the original is not, so "B12", "10am", "side-effect" and
"COVID-19" stay as they are.
"""

from __future__ import annotations

import gzip
import html
import json
import re
import unicodedata
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

__all__ = ["NormalizedText", "OffsetMap", "normalize"]

# Cyrillic and Greek letters that look like Latin ones; replaced only when they
# stand next to a Latin letter or a digit, i.e. inside a word written in Latin script.
_CONFUSABLES = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "к": "k",
    "м": "m",
    "т": "t",
    "н": "h",
    "в": "b",
    "ԁ": "d",
    "ɡ": "g",
    "ո": "n",
    "А": "A",
    "В": "B",
    "Е": "E",
    "К": "K",
    "М": "M",
    "Н": "H",
    "О": "O",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "Х": "X",
    "У": "Y",
    "І": "I",
    "Ј": "J",
    "Ѕ": "S",
    "α": "a",
    "ο": "o",
    "ε": "e",
    "ι": "i",
    "κ": "k",
    "ν": "v",
    "ρ": "p",
    "τ": "t",
    "υ": "u",
    "Α": "A",
    "Β": "B",
    "Ε": "E",
    "Ι": "I",
    "Κ": "K",
    "Μ": "M",
    "Ν": "N",
    "Ο": "O",
    "Ρ": "P",
    "Τ": "T",
    "Χ": "X",
    "Υ": "Y",
    "Ζ": "Z",
}
_PUNCTUATION = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u00b4": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u2026": "...",
}
#: Terminal escape sequences (CSI, 7- and 8-bit; OSC, ended by BEL or ST; other two-byte
#: escapes) and the control characters other than tab and the line breaks (NEL, U+0085,
#: is kept like U+2028). A terminal shows none of them, so they are dropped: left in,
#: "\x1b[31mOur" was one token, and a claim wrapped in colour codes read as noise.
_CONTROLS = (
    r"\x1b\[[0-?]{0,32}[ -/]{0,8}[@-~]|\x9b[0-?]{0,32}[ -/]{0,8}[@-~]"
    r"|\x1b\][^\x07\x1b]{0,256}(?:\x07|\x1b\\)|\x1b[@-_]?"
    r"|[\x00-\x08\x0e-\x1f\x7f-\x9f]"
)
_SPECIAL = re.compile(
    _CONTROLS + r"|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
    r"|[\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u034f]"
    r"|([!?])\1+"
    r"|\.{4,}"
    r"|[^\x00-\x7f]"
)


@lru_cache(maxsize=4096)
def _translate(char: str) -> str:
    if char in _PUNCTUATION:
        return _PUNCTUATION[char]
    folded = unicodedata.normalize("NFKC", char)
    return "".join(_PUNCTUATION.get(c, c) for c in folded)


@dataclass(frozen=True)
class OffsetMap:
    """Piecewise map from the characters of a rewritten text to those of its source.

    Segment ``k`` begins at character ``starts[k]`` of the rewritten text. A
    copied segment (``ends[k] == -1``) maps character for character onto the
    source from ``sources[k]`` on; a replacement of another length maps every
    one of its characters to the whole replaced range ``[sources[k], ends[k])``.
    Keeping segments, not one entry per character, makes a rewrite cost what
    its replacements cost, not what the text's length costs.
    """

    length: int
    source_length: int
    starts: list[int]
    sources: list[int]
    ends: list[int]

    def char_start(self, i: int) -> int:
        k = bisect_right(self.starts, i) - 1
        return self.sources[k] if self.ends[k] >= 0 else self.sources[k] + i - self.starts[k]

    def char_end(self, i: int) -> int:
        k = bisect_right(self.starts, i) - 1
        return self.ends[k] if self.ends[k] >= 0 else self.sources[k] + i - self.starts[k] + 1

    def to_source(self, start: int, end: int) -> tuple[int, int]:
        if end <= start:
            position = self.char_start(start) if start < self.length else self.source_length
            return position, position
        return self.char_start(start), self.char_end(end - 1)


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text with a map back to the original.

    ``maps`` holds one :class:`OffsetMap` per rewriting pass that changed
    something, the last pass first; it is empty when nothing changed.
    """

    text: str
    original: str
    maps: tuple[OffsetMap, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.maps)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalised range ``[start, end)`` to the original text."""
        for offsets in self.maps:
            start, end = offsets.to_source(start, end)
        return start, end


class _LatinWords:
    """Answers "is ``text[start:end]`` inside a word written in Latin script?" for one text.

    A word is a run of letters and digits (``str.isalnum``); it is Latin when it
    holds an ASCII letter or digit. Queries come in increasing order, so the run
    found for one look-alike letter is reused for the next one in the same run:
    every run is scanned once, and a text of look-alike letters costs time
    linear in its length (scanning the run anew for each letter was quadratic).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.run_start = self.run_end = -1
        self.latin = False

    def __call__(self, start: int, end: int) -> bool:
        if not self.run_start <= start < self.run_end or end > self.run_end:
            text = self.text
            run_start, run_end = start, end
            while run_start > 0 and text[run_start - 1].isalnum():
                run_start -= 1
            while run_end < len(text) and text[run_end].isalnum():
                run_end += 1
            self.run_start, self.run_end = run_start, run_end
            self.latin = _ASCII_ALNUM.search(text, run_start, run_end) is not None
        return self.latin


_ASCII_ALNUM = re.compile(r"[A-Za-z0-9]")


def _replacement(text: str, start: int, end: int, in_latin_word: _LatinWords) -> str:
    token = text[start:end]
    if unicodedata.category(token[0]) == "Cc":
        return token if token == "\x85" else ""  # NEL is kept, like U+2028
    if token.startswith("&"):
        return "".join(_translate(c) if not c.isascii() else c for c in html.unescape(token))
    if token.startswith("."):
        return "..."
    if token[0] in "!?":
        return token[0]
    category = unicodedata.category(token[0])
    if category in ("Cf", "Mn") and len(token) == 1:
        return ""
    if category == "Cs":
        return "\ufffd"  # a lone surrogate cannot be encoded (spaCy hashes strings as UTF-8)
    if token in _CONFUSABLES:
        return _CONFUSABLES[token] if in_latin_word(start, end) else token
    return _translate(token)


# Digits and signs used for letters, tried in this order ("1" may be "l" or "i").
_LEET = {"0": "o", "1": "li", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# Where a respelt word may be: a letter next to a digit or sign, a hyphen or dot
# between letters, or spaced single letters. The word around it is then checked.
_RESPELT_SEED = re.compile(
    r"[A-Za-z][013457@$]|[013457@$][A-Za-z]|[A-Za-z][-.][A-Za-z]|\b(?:[A-Za-z] ){2,}[A-Za-z]\b"
)
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@$.-_")
# Numbers with a unit, not respellings: 10am, 3D, 2nd, 5mg, 4x.
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|d|x|k|m|b|mg|ml|kg|g|cc|s|h|hrs?|min|yrs?|mm|cm|km|lbs?|iu|mcg)", re.IGNORECASE
)


def _respelt_words(text: str) -> Iterator[tuple[int, int]]:
    """Ranges of candidate respelt words, in order and without overlaps."""
    cursor = 0
    for seed in _RESPELT_SEED.finditer(text):
        if seed.start() < cursor:
            continue
        if " " in seed.group(0):
            start, end = seed.span()
        else:
            start, end = seed.start(), seed.end()
            while start > cursor and text[start - 1] in _WORD_CHARS:
                start -= 1
            while end < len(text) and text[end] in _WORD_CHARS:
                end += 1
            while start < end and text[start] in ".-_":
                start += 1
            while end > start and text[end - 1] in ".-_":
                end -= 1
        cursor = end
        yield start, end


#: Words rarer than this log-probability in spacy-lookups-data's table are not "known".
_COMMON = -15.0
_RARE = -16.0


#: Where :func:`known_words` comes from; rebuild it with :func:`write_known_words`.
KNOWN_WORDS_FILE = "known_words.json.gz"


@cache
def known_words() -> dict[str, float]:
    """Lower-case English words with a log-probability (see :func:`build_known_words`),
    read from the package's data on first use."""
    with resources.files("classifier.data").joinpath(KNOWN_WORDS_FILE).open("rb") as raw:
        return json.load(gzip.open(raw))


def build_known_words() -> dict[str, float]:
    """The common words of spacy-lookups-data's probability table, the forms and lemmas of its
    lemma table, and the words of our lexicon, each with a log-probability (one decimal)."""
    data = resources.files("spacy_lookups_data").joinpath("data")
    with data.joinpath("en_lexeme_prob.json.gz").open("rb") as raw:
        probabilities = json.load(gzip.open(raw))
    with data.joinpath("en_lemma_lookup.json.gz").open("rb") as raw:
        lemmas = json.load(gzip.open(raw))
    lexicon = json.loads(resources.files("classifier.data").joinpath("lexicon.json").read_text("utf-8"))
    groups = ("hedge", "negation", "reporting", "disclosure", "conditions")
    phrases = [p for key in groups for p in lexicon[key]]
    phrases += [p for group in lexicon["claim"].values() for p in group]
    words = {w: p for w, p in probabilities.items() if p >= _COMMON and w.isalpha() and w.islower()}
    for word in [*lemmas, *lemmas.values(), *(w for p in phrases for w in re.findall(r"[a-z]+", p.lower()))]:
        word = word.lower()
        if word.isalpha() and word not in words:
            words[word] = max(probabilities.get(word, _RARE), _RARE)
    return {word: round(words[word], 1) for word in sorted(words)}


def write_known_words(path: str) -> None:
    """Write :func:`build_known_words` to ``path`` (gzip'd JSON), reproducibly (no timestamp)."""
    payload = json.dumps(build_known_words(), separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as compressed:
        compressed.write(payload)


@cache
def _longest_known() -> int:
    return max(map(len, known_words()))


def _unleet(word: str, known: dict[str, float]) -> str | None:
    if len(word) > _longest_known():
        return None  # each candidate is as long as the word, so none can be known
    candidates = [""]
    for char in word:
        options = _LEET.get(char, char)
        candidates = [c + o for c in candidates for o in options][:8]
    for candidate in candidates:
        if candidate.isalpha() and candidate.lower() in known:
            return candidate.upper() if word.isupper() and len(word) > 1 else candidate
    return None


def _respelling(text: str, start: int, end: int) -> str:
    word = text[start:end]
    known = known_words()
    if word.lower() in known:
        return word
    pieces = re.split(r"([-. ])", word)
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if any(c in _LEET for c in piece) and piece.lower() not in known:
            if not _NUMBER_WITH_UNIT.fullmatch(piece):
                pieces[i] = _unleet(piece, known) or piece
    parts = pieces[0::2]
    joined = "".join(parts)
    if "." in word and all(len(p) == 1 and p.isupper() for p in parts):
        return word  # an abbreviation: U.S.A., N.H.S.
    if len(parts) > 1 and len(joined) >= 3 and joined.lower() in known:
        # "be-come" and "mir-acle" are joined; "side-effect" and "stem-cell" are real compounds.
        if " " in word or any(len(p) <= 2 or p.lower() not in known for p in parts):
            return joined
    if " " in word:  # several spaced words in a row: "v e r y s a f e" -> "very safe"
        return " ".join(_segment(joined, known) or [word])
    return "".join(pieces)


def _segment(letters: str, known: dict[str, float]) -> list[str] | None:
    """Split ``letters`` into the likeliest sequence of known words, if there is one.

    Dynamic programming over word ends with back-pointers (words of at most 20
    letters) in flat arrays, so time and memory are linear in ``len(letters)``.
    """
    size = len(letters)
    unreached = float("-inf")
    score = array("d", [0.0]) + array("d", [unreached]) * size
    back = array("q", [0]) * (size + 1)
    for end in range(1, size + 1):
        best = unreached
        for start in range(max(0, end - 20), end):
            before = score[start]
            piece = letters[start:end].lower()
            if before == unreached or (len(piece) == 1 and piece not in ("a", "i")):
                continue
            logprob = known.get(piece)
            if logprob is not None and before + logprob > best:
                best = before + logprob
                back[end] = start
        score[end] = best
    if score[size] == unreached:
        return None
    words: list[str] = []
    end = size
    while end > 0:
        words.append(letters[back[end] : end])
        end = back[end]
    return words[::-1]


def normalize(text: str) -> NormalizedText:
    """Normalise ``text``: NFKC, zero-width characters, look-alike letters,
    curly quotes and dashes, HTML entities, repeated ``!`` and ``?``, lone
    surrogates (to U+FFFD); then words respelt with digits, inner hyphens or
    dots, or spaced letters. Time and memory are linear in ``len(text)``."""
    in_latin_word = _LatinWords(text)
    characters = _rewrite(
        text,
        (m.span() for m in _SPECIAL.finditer(text)),
        lambda text, start, end: _replacement(text, start, end, in_latin_word),
    )
    words = _rewrite(characters.text, _respelt_words(characters.text), _respelling)
    return NormalizedText(text=words.text, original=text, maps=words.maps + characters.maps)


def _rewrite(
    text: str, ranges: Iterable[tuple[int, int]], replace: Callable[[str, int, int], str]
) -> NormalizedText:
    """Replace each of the ordered, disjoint ``ranges`` of ``text`` by ``replace(text, start, end)``,
    keeping the offset map."""
    pieces: list[str] = []
    starts: list[int] = []
    sources: list[int] = []
    ends: list[int] = []
    cursor = 0
    position = 0  # in the rewritten text
    changed = False
    for start, end in ranges:
        replacement = replace(text, start, end)
        if replacement == text[start:end]:
            continue
        changed = True
        if start > cursor:
            pieces.append(text[cursor:start])
            starts.append(position)
            sources.append(cursor)
            ends.append(-1)
            position += start - cursor
        if replacement:
            pieces.append(replacement)
            starts.append(position)
            sources.append(start)
            # Letter for letter ("n0" -> "no") keeps the fine map.
            ends.append(-1 if len(replacement) == end - start else end)
            position += len(replacement)
        cursor = end
    if not changed:
        return NormalizedText(text=text, original=text)
    if cursor < len(text):
        pieces.append(text[cursor:])
        starts.append(position)
        sources.append(cursor)
        ends.append(-1)
        position += len(text) - cursor
    offsets = OffsetMap(position, len(text), starts, sources, ends)
    return NormalizedText(text="".join(pieces), original=text, maps=(offsets,))
