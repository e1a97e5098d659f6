"""Sentence features from preprocessed spaCy docs.

Each sentence becomes two token sequences: its words (lower-case lemmas,
numbers folded to ``NUM``, words inside a negation scope prefixed ``NEG_``)
and its cues (``CUE_HEDGE``, ``CUE_CLAIM_cure_claim``, ``NEXT_SOURCE`` ...,
and ``SENSE_<n>``, the sense classes of its words: see :func:`word_senses`).
They are joined into one string, ``"words<TAB>cues"``, so that a plain
scikit-learn vectoriser can read them and keep readable feature names.
"""

from __future__ import annotations

import gzip
import json
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import NamedTuple

from spacy.attrs import IDX, LEMMA, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from classifier.pipeline.cues import CUES_KEY, CueKind
from classifier.pipeline.tokenizer import doc_text

__all__ = [
    "ARGUMENT_CUE_KINDS",
    "DocumentFeatures",
    "PageStance",
    "SentenceAnalyzer",
    "SentenceFeatures",
    "document_features",
    "word_senses",
]

#: Maps a page's terms (its words and cue kinds) to its stance token; see :mod:`classifier.model.page`.
PageStance = Callable[[Sequence[str]], str]

_KEEP_PUNCT = frozenset({"%"})
#: The sense classes of known words, built by ``scripts/build_word_senses.py``.
SENSES_FILE = "word_senses.json.gz"
SENSE_PREFIX = "SENSE_"


@cache
def word_senses() -> dict[str, str]:
    """Each known word's sense feature (``SENSE_<n>``): one of about a thousand classes of words
    whose MiniLM embeddings lie close together, so that "mend" looks like "heal" to the model
    even where the corpus never used it. Read from the package's data on first use."""
    with resources.files("classifier.data").joinpath(SENSES_FILE).open("rb") as raw:
        table = json.load(gzip.open(raw))["senses"]
    return {word: f"{SENSE_PREFIX}{number}" for word, number in table.items()}


_BULLETS = frozenset({"•", "-", "*", "·", "–", "—", "▪", "●", "✓", "✔", "→", ">"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself"})
_FIRST_PERSON = frozenset({"we", "our", "us", "ours"})
_PERSON_CUES = {word: "CUE_YOU" for word in _SECOND_PERSON} | {word: "CUE_WE" for word in _FIRST_PERSON}
_PERSONS = frozenset(_PERSON_CUES)
NEGATED_PREFIX = "NEG_"
_QUALIFIERS = frozenset({CueKind.HEDGE, CueKind.NEGATION, CueKind.SOURCE})


@dataclass(frozen=True)
class SentenceFeatures:
    """The model's view of one sentence, and the cues explanations cite."""

    sentence: Span
    words: tuple[str, ...]
    word_tokens: tuple[int, ...]
    cues: tuple[str, ...]
    hedges: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    anchors: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def as_string(self) -> str:
        return " ".join(self.words) + "\t" + " ".join(self.cues)


@dataclass(frozen=True)
class DocumentFeatures:
    """Sentence features of a doc, and whether it discloses risks or status anywhere."""

    sentences: list[SentenceFeatures]
    has_disclosure: bool
    #: The page's words and cue kinds, what the page model reads.
    terms: list[str] = field(default_factory=list)
    #: The page's stance token, when a page model was given.
    stance: str | None = None


class SentenceAnalyzer:
    """Analyzer for TfidfVectorizer: word n-grams up to ``ngram_max`` plus cue tokens."""

    def __init__(self, ngram_max: int = 3) -> None:
        self.ngram_max = ngram_max

    def __call__(self, text: str) -> list[str]:
        words_part, _, cues_part = text.partition("\t")
        words = words_part.split()
        grams = list(words)
        for n in range(2, self.ngram_max + 1):
            grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        grams.extend(cues_part.split())
        return grams

    def __repr__(self) -> str:
        return f"SentenceAnalyzer(ngram_max={self.ngram_max})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SentenceAnalyzer) and other.ngram_max == self.ngram_max

    def __hash__(self) -> int:
        return hash(self.ngram_max)


_EXCLAIM, _QUOTE, _HUNDRED = (get_string_id(text) for text in ("!", '"', "100"))
_KEEP_PUNCT_IDS = frozenset(get_string_id(text) for text in _KEEP_PUNCT)
_BULLET_IDS = frozenset(get_string_id(text) for text in _BULLETS)
_MARKS = {_EXCLAIM: "CUE_EXCLAIM", _QUOTE: "CUE_QUOTE"}


class _TokenView(NamedTuple):
    """What the features read of one token; the same for every token of one (orth, lemma)."""

    form: str | None  # the word form, or None for spaces and punctuation that are left out
    blank: bool  # space or punctuation
    space: bool
    mark: str | None  # the cue an omitted "!" or '"' adds
    bullet: bool


# Token views by (orth id, lemma id). String ids are the same in every vocab
# (symbols or hashes of the strings), and lexical flags depend on the orth
# alone, so one cache serves every pipeline.
_VIEWS: dict[tuple[int, int], _TokenView] = {}
_VIEWS_LIMIT = 500_000


def _token_view(key: tuple[int, int], vocab: Vocab) -> _TokenView:
    orth, lemma = key
    lexeme = vocab[orth]
    if lexeme.is_space or (lexeme.is_punct and orth not in _KEEP_PUNCT_IDS):
        form = None
    elif lexeme.like_num:
        form = "NUM100" if orth == _HUNDRED else "NUM"
    else:
        form = ((vocab.strings[lemma] if lemma else "") or lexeme.orth_).lower()
    view = _TokenView(
        form, lexeme.is_space or lexeme.is_punct, lexeme.is_space, _MARKS.get(orth), orth in _BULLET_IDS
    )
    if len(_VIEWS) >= _VIEWS_LIMIT:
        _VIEWS.clear()
    _VIEWS[key] = view
    return view


_CONTEXT_CUES = frozenset(
    {
        "CUE_REPORTING",
        "CUE_CRITIC",
        "CUE_REGULATOR",
        "CUE_DISCLOSURE",
        "CUE_WE",
        "CUE_YOU",
        "CUE_SOCIAL_PROOF",
    }
)
#: Cues that say what a claim word is about (its arguments): joined with each claim cue of the
#: sentence, they let a linear model tell "2% of adults live with it" from "85% of our patients
#: improve", embryonic from cord cells called pluripotent, a regulator's rule from an approval
#: claim, a disease process from a cure, page furniture from a promise.
#: The context cues that say what a claim is about: which cells, a prevalence or an outcome, a
#: disease process, a regulator's rules, ethics review, textbook wording.
ARGUMENT_CUE_KINDS = (
    "CUE_ADULT_CELLS",
    "CUE_PLURI_CELLS",
    "CUE_PREVALENCE",
    "CUE_OUTCOME",
    "CUE_DISEASE_PROCESS",
    "CUE_REG_RULE",
    "CUE_ETHICS",
    "CUE_TEXTBOOK",
)
_ARGUMENT_CUES = frozenset(ARGUMENT_CUE_KINDS) | {
    "CUE_REGULATOR",
    "CUE_FURNITURE",
    "CUE_COMMERCE",
    "CUE_NEGATION",
    "CUE_HEDGE",
    "CUE_DISCLOSURE",
    "CUE_CRITIC",
    "CUE_REPORTING",
    "CUE_WE",
    "CUE_YOU",
}
_NUMBER_CUES = ("CUE_PERCENT", "CUE_NUMBER")
#: The category arguments of the real-world accuracy issue, as patterns over a sentence's cues:
#: a feature fires when the sentence holds the claim cue, one of the ``present`` cues and none of
#: the ``absent`` ones. Which cells are called pluripotent; whether a number is a treatment
#: outcome or a prevalence; whether approval is claimed for the clinic's own treatment or a
#: regulator describes its rules; whether a cure verb describes a disease process.
_ARGUMENT_PATTERNS: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {
    "ARG_PATTERN_pluripotent_adult_cells": (
        "CUE_CLAIM_pluripotency_misstatement",
        frozenset({"CUE_ADULT_CELLS", "CUE_WE", "CUE_YOU"}),
        frozenset({"CUE_PLURI_CELLS", "CUE_REPORTING", "CUE_CRITIC", "CUE_QUOTED"}),
    ),
    "ARG_PATTERN_pluripotent_embryonic_cells": (
        "CUE_CLAIM_pluripotency_misstatement",
        frozenset({"CUE_PLURI_CELLS"}),
        frozenset({"CUE_ADULT_CELLS", "CUE_WE", "CUE_YOU"}),
    ),
    "ARG_PATTERN_number_outcome": (
        "CUE_PERCENT",
        frozenset({"CUE_OUTCOME", "CUE_WE"}),
        frozenset({"CUE_PREVALENCE", "CUE_REPORTING", "CUE_CRITIC", "CUE_QUOTED"}),
    ),
    "ARG_PATTERN_number_prevalence": (
        "CUE_PERCENT",
        frozenset({"CUE_PREVALENCE"}),
        frozenset({"CUE_OUTCOME", "CUE_WE", "CUE_YOU"}),
    ),
    "ARG_PATTERN_approval_own_treatment": (
        "CUE_CLAIM_regulatory_misstatement",
        frozenset({"CUE_WE", "CUE_YOU"}),
        frozenset({"CUE_REG_RULE", "CUE_ETHICS", "CUE_CRITIC"}),
    ),
    "ARG_PATTERN_regulator_rules": (
        "CUE_CLAIM_regulatory_misstatement",
        frozenset({"CUE_REG_RULE", "CUE_ETHICS"}),
        frozenset({"CUE_WE", "CUE_YOU"}),
    ),
    "ARG_PATTERN_disease_process": (
        "CUE_CLAIM_cure_claim",
        frozenset({"CUE_DISEASE_PROCESS"}),
        frozenset({"CUE_WE", "CUE_YOU"}),
    ),
}
_SENTENCE_END = frozenset(".!?;,")
_NEWLINE = re.compile("\n")


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where a sentence sits on the page: its own line, a heading, a lead-in ending in ":"."""

    line_start: bool
    line_end: bool
    last_char: str
    #: A blank line comes before it: a list or heading scope ends there.
    paragraph_start: bool


def _layout(text: str, start: int, end: int) -> _Layout:
    before = text[max(0, start - 80) : start]
    gap = before[len(before.rstrip()) :]
    own = text[start:end]
    stripped = own.rstrip()
    after = text[end : end + 80].lstrip(" \t")
    return _Layout(
        line_start=not before.strip(" \t") or "\n" in gap,
        line_end="\n" in own[len(stripped) :] or not after or after.startswith("\n"),
        last_char=stripped[-1:],
        paragraph_start=gap.count("\n") >= 2,
    )


def _context(cues: set[str]) -> set[str]:
    """The cues of a lead-in or heading that the lines under it inherit."""
    return {cue for cue in cues if cue in _CONTEXT_CUES or cue.startswith("CUE_CLAIM_")}


def document_features(
    doc: Doc, *, cues_key: str = CUES_KEY, page: PageStance | None = None
) -> DocumentFeatures:
    """Features of every sentence of ``doc`` that holds at least one word.

    A disclosure cue counts unless it stands inside a negation scope
    ("no risk of infection" discloses nothing).

    Besides its own words and cues, a sentence sees its context:

    - a list item under a lead-in ending in ":" carries the lead-in's context
      cues (``LEAD_...``): "Patients tell us about:" makes each item a
      patient report;
    - a sentence under a heading carries the heading's context cues
      (``HEAD_...``);
    - a sentence after one that reports or criticises a claim carries
      ``PREV_REPORTING`` or ``PREV_CRITIC``; a claim cue inside quotation
      marks adds ``QUOTED_`` and the category;
    - each claim cue (and number) is joined to the cues that say what it is
      about (``ARG_CLAIM_unsourced_statistic&PREVALENCE``);
    - with ``page``, every sentence carries the page's stance token alone
      and joined to each of its cues (``PAGE_CAREFUL|CUE_CLAIM_cure_claim``).
    """
    # Tokens are read as (orth, lemma) arrays and looked up in a cache:
    # iterating Token objects costs more than the rest of this function.
    keys = zip(*doc.to_array([ORTH, LEMMA]).T.tolist(), strict=True) if len(doc) else ()
    views = [_VIEWS.get(key) or _token_view(key, doc.vocab) for key in keys]
    forms = [view.form for view in views]
    blank = [view.blank for view in views]
    space = [view.space for view in views]
    sentences = [s for s in doc.sents if False in blank[s.start : s.end]]
    sentence_of = [-1] * len(doc)
    for index, sentence in enumerate(sentences):
        sentence_of[sentence.start : sentence.end] = [index] * len(sentence)
    cue_spans = [(span.label_, span.start, span.end, span) for span in doc.spans.get(cues_key, [])]
    negated = [False] * len(doc)
    for label, start, end, _ in cue_spans:
        if label == CueKind.NEGATED:
            negated[start:end] = [True] * (end - start)
    quoted = _quoted_tokens(doc, views)
    senses = word_senses()
    cue_sets: list[set[str]] = [set() for _ in sentences]
    qualifiers: list[dict[str, list[str]]] = [defaultdict(list) for _ in sentences]
    anchors: list[dict[str, list[int]]] = [defaultdict(list) for _ in sentences]
    condition_counts = [0] * len(sentences)
    discloses = [False] * len(sentences)
    has_disclosure = False
    for label, start, end, span in cue_spans:
        index = sentence_of[start]
        if label == CueKind.DISCLOSURE and not negated[start]:
            has_disclosure = True
            if index >= 0:
                discloses[index] = True
        if label == CueKind.NEGATED or index < 0:
            continue
        if label == CueKind.CONDITION:
            condition_counts[index] += 1
        elif label.startswith(CueKind.CLAIM_PREFIX):
            category = label[len(CueKind.CLAIM_PREFIX) :]
            cue_sets[index].add(("CUE_NEGCLAIM_" if negated[start] else "CUE_CLAIM_") + category)
            if start in quoted:
                cue_sets[index].update(("CUE_QUOTED", "QUOTED_" + category))
            anchors[index][category].extend(range(start, end))
        else:
            cue_sets[index].add("CUE_" + label)
            if label in _QUALIFIERS:
                qualifiers[index][label].append(span.text)
    # Whole-doc list operations: a Python loop over the tokens costs several times more.
    word_at = [i for i, form in enumerate(forms) if form is not None]
    doc_words = plain_words = [forms[i] for i in word_at]
    if True in negated:
        pairs = zip(plain_words, word_at, strict=True)
        doc_words = [NEGATED_PREFIX + word if negated[i] else word for word, i in pairs]
    for i in [i for i, view in enumerate(views) if view.mark is not None and view.form is None]:
        if sentence_of[i] >= 0:
            cue_sets[sentence_of[i]].add(views[i].mark)
    text = doc_text(doc)
    own_cues = [frozenset(cues) for cues in cue_sets]
    terms = plain_words + [cue for cues in own_cues for cue in cues]
    stance = page(terms) if page is not None and sentences else None
    features = []
    # A list item inherits the lead-in of its list: bullets after "Possible
    # risks include:" are disclosures, whatever words they hold.
    lead_in_discloses = False
    lead_in: set[str] = set()
    heading: set[str] = set()
    previous: frozenset[str] = frozenset()
    for index, sentence in enumerate(sentences):
        start, end = sentence.start, sentence.end
        cues = cue_sets[index]
        first_word, last_word = bisect_left(word_at, start), bisect_left(word_at, end)
        words = doc_words[first_word:last_word]
        positions = word_at[first_word:last_word]
        plain = plain_words[first_word:last_word]
        if not _PERSONS.isdisjoint(plain):
            cues.update(_PERSON_CUES[word] for word in plain if word in _PERSON_CUES)
        first = views[start] if not space[start] else None
        if first is None and False in space[start:end]:
            first = views[space.index(False, start, end)]
        layout = _layout(text, sentence.start_char, sentence.end_char)
        if layout.paragraph_start:
            lead_in = set()
        bullet = first is not None and first.bullet
        item = bullet or bool(lead_in and layout.line_start and layout.line_end and len(words) <= 20)
        if bullet:
            cues.add("CUE_BULLET")
            if lead_in_discloses:
                cues.add("CUE_LIST_DISCLOSURE")
        else:
            lead_in_discloses = discloses[index]
        if item:
            cues.add("CUE_ITEM")
            cues.update(lead_in)
        else:
            lead_in = set()
        cues.update(heading)
        if "CUE_REPORTING" in previous:
            cues.add("PREV_REPORTING")
        if "CUE_CRITIC" in previous:
            cues.add("PREV_CRITIC")
        if layout.last_char == ":":
            lead_in = {"LEAD_" + cue for cue in _context(cues)}
        elif (
            layout.line_start
            and layout.line_end
            and not item
            and layout.last_char not in _SENTENCE_END
            and len(words) <= 10
        ):
            cues.add("CUE_HEADING")
            heading = {"HEAD_" + cue for cue in _context(cues)}
        previous = own_cues[index]
        claims = [cue for cue in cues if cue.startswith("CUE_CLAIM_")] + [
            c for c in _NUMBER_CUES if c in cues
        ]
        arguments = [cue for cue in cues if cue in _ARGUMENT_CUES]
        cues.update([f"ARG_{claim[4:]}&{argument[4:]}" for claim in claims for argument in arguments])
        cues.update(
            [
                name
                for name, (claim, present, absent) in _ARGUMENT_PATTERNS.items()
                if claim in cues and not present.isdisjoint(cues) and absent.isdisjoint(cues)
            ]
        )
        if len(words) <= 4:
            cues.add("CUE_SHORT")
        if condition_counts[index] >= 3:
            cues.add("CUE_CONDITIONS_MANY")
        elif condition_counts[index] == 2:
            cues.add("CUE_CONDITIONS_TWO")
        if index + 1 < len(sentences):
            following = cue_sets[index + 1]
            for cue in ("CUE_HEDGE", "CUE_SOURCE"):
                if cue in following:
                    cues.add("NEXT_" + cue[4:])
        if stance is not None:
            cues.update([f"{stance}|{cue}" for cue in cues if cue.startswith(("CUE_", "QUOTED_"))])
            cues.add(stance)
        cues.update([senses[word] for word in plain if word in senses])
        found = qualifiers[index]
        features.append(
            SentenceFeatures(
                sentence,
                tuple(words),
                tuple(positions),
                tuple(sorted(cues)),
                hedges=tuple(found[CueKind.HEDGE]),
                negations=tuple(found[CueKind.NEGATION]),
                sources=tuple(found[CueKind.SOURCE]),
                anchors={category: tuple(tokens) for category, tokens in anchors[index].items()},
            )
        )
    return DocumentFeatures(features, has_disclosure, terms, stance)


def _quoted_tokens(doc: Doc, views: list[_TokenView]) -> set[int]:
    """Tokens between an opening and a closing quotation mark on the same line."""
    marks = [i for i, view in enumerate(views) if view.mark == "CUE_QUOTE"]
    if len(marks) < 2:
        return set()
    text = doc_text(doc)
    breaks = [match.start() for match in _NEWLINE.finditer(text)]
    offsets = doc.to_array(IDX).tolist()
    inside: set[int] = set()
    opened: int | None = None
    line_of_open = -1
    for i in marks:
        line = bisect_left(breaks, offsets[i])
        if opened is not None and line == line_of_open:
            inside.update(range(opened + 1, i))
            opened = None
        else:
            opened, line_of_open = i, line
    return inside
