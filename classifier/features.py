"""Sentence features from preprocessed spaCy docs.

Each sentence becomes two token sequences: its words (lower-case lemmas,
numbers folded to ``NUM``, words inside a negation scope prefixed ``NEG_``)
and its cues (``CUE_HEDGE``, ``CUE_CLAIM_cure_claim``, ``NEXT_SOURCE`` ...).
They are joined into one string, ``"words<TAB>cues"``, so that a plain
scikit-learn vectoriser can read them and keep readable feature names.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from spacy.attrs import LEMMA, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from classifier.pipeline.cues import CUES_KEY, CueKind

__all__ = ["DocumentFeatures", "SentenceAnalyzer", "SentenceFeatures", "document_features"]

_KEEP_PUNCT = frozenset({"%"})
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


def document_features(doc: Doc, *, cues_key: str = CUES_KEY) -> DocumentFeatures:
    """Features of every sentence of ``doc`` that holds at least one word.

    A disclosure cue counts unless it stands inside a negation scope
    ("no risk of infection" discloses nothing).
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
    features = []
    # A list item inherits the lead-in of its list: bullets after "Possible
    # risks include:" are disclosures, whatever words they hold.
    lead_in_discloses = False
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
        if first is not None and first.bullet:
            cues.add("CUE_BULLET")
            if lead_in_discloses:
                cues.add("CUE_LIST_DISCLOSURE")
        else:
            lead_in_discloses = discloses[index]
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
    return DocumentFeatures(features, has_disclosure)
