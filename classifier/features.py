"""Sentence features from preprocessed spaCy docs.

Each sentence becomes two token sequences: its words (lower-case lemmas,
numbers folded to ``NUM``, words inside a negation scope prefixed ``NEG_``)
and its cues (``CUE_HEDGE``, ``CUE_CLAIM_cure_claim``, ``NEXT_SOURCE`` ...).
They are joined into one string, ``"words<TAB>cues"``, so that a plain
scikit-learn vectoriser can read them and keep readable feature names.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span

from classifier.pipeline.cues import CUES_KEY, CueKind

__all__ = ["SentenceAnalyzer", "SentenceFeatures", "sentence_features"]

_KEEP_PUNCT = frozenset({"%"})
_BULLETS = frozenset({"•", "-", "*", "·", "–", "—", "▪", "●", "✓", "✔", "→", ">"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself"})
_FIRST_PERSON = frozenset({"we", "our", "us", "ours"})
NEGATED_PREFIX = "NEG_"


@dataclass(frozen=True)
class SentenceFeatures:
    """The model's view of one sentence."""

    sentence: Span
    words: tuple[str, ...]
    word_tokens: tuple[int, ...]
    cues: tuple[str, ...]

    def as_string(self) -> str:
        return " ".join(self.words) + "\t" + " ".join(self.cues)


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


def _word_form(token: object) -> str:
    if token.like_num:  # type: ignore[attr-defined]
        return "NUM100" if token.text == "100" else "NUM"  # type: ignore[attr-defined]
    return (token.lemma_ or token.text).lower()  # type: ignore[attr-defined]


def sentence_features(doc: Doc, *, cues_key: str = CUES_KEY) -> list[SentenceFeatures]:
    """One SentenceFeatures per sentence of ``doc`` that holds at least one word."""
    sentences = [s for s in doc.sents if not all(t.is_space or t.is_punct for t in s)]
    if not sentences:
        return []
    sentence_of = [-1] * len(doc)
    for index, sentence in enumerate(sentences):
        for i in range(sentence.start, sentence.end):
            sentence_of[i] = index
    negated = [False] * len(doc)
    cue_sets: list[set[str]] = [set() for _ in sentences]
    condition_counts = [0] * len(sentences)
    for span in doc.spans.get(cues_key, []):
        label = span.label_
        if label == CueKind.NEGATED:
            for i in range(span.start, span.end):
                negated[i] = True
            continue
        index = sentence_of[span.start]
        if index < 0:
            continue
        if label == CueKind.CONDITION:
            condition_counts[index] += 1
        elif label.startswith(CueKind.CLAIM_PREFIX):
            cue_sets[index].add("CUE_CLAIM_" + label[len(CueKind.CLAIM_PREFIX) :])
        else:
            cue_sets[index].add("CUE_" + label)
    for span in doc.spans.get(cues_key, []):
        if span.label_.startswith(CueKind.CLAIM_PREFIX) and negated[span.start]:
            index = sentence_of[span.start]
            if index >= 0:
                cue_sets[index].add("CUE_NEGCLAIM_" + span.label_[len(CueKind.CLAIM_PREFIX) :])
    features = []
    for index, sentence in enumerate(sentences):
        words: list[str] = []
        positions: list[int] = []
        cues = cue_sets[index]
        for token in sentence:
            if token.is_space or (token.is_punct and token.text not in _KEEP_PUNCT):
                if token.text == "!":
                    cues.add("CUE_EXCLAIM")
                elif token.text == '"':
                    cues.add("CUE_QUOTE")
                continue
            form = _word_form(token)
            if form in _SECOND_PERSON:
                cues.add("CUE_YOU")
            elif form in _FIRST_PERSON:
                cues.add("CUE_WE")
            words.append(NEGATED_PREFIX + form if negated[token.i] else form)
            positions.append(token.i)
        first = next((t for t in sentence if not t.is_space), None)
        if first is not None and first.text in _BULLETS:
            cues.add("CUE_BULLET")
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
        features.append(SentenceFeatures(sentence, tuple(words), tuple(positions), tuple(sorted(cues))))
    return features
