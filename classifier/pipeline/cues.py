"""Cue annotation: hedges, negation scopes, sources, numbers and claim words.

Writes a SpanGroup to ``doc.spans[spans_key]`` whose labels are the cue kinds
below. The model consumes them as features, and explanations cite them.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from importlib import resources

import numpy
from spacy.attrs import LOWER
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from classifier.pipeline.tokenizer import doc_text

__all__ = ["CUES_KEY", "ClaimCues", "CueKind"]

#: Default ``doc.spans`` key of the cue annotations.
CUES_KEY = "claim_cues"


class CueKind:
    """Labels of cue spans. Claim-lexicon cues are ``CLAIM_PREFIX + category id``."""

    HEDGE = "HEDGE"
    NEGATION = "NEGATION"
    NEGATED = "NEGATED"
    SOURCE = "SOURCE"
    NUMBER = "NUMBER"
    PERCENT = "PERCENT"
    REPORTING = "REPORTING"
    DISCLOSURE = "DISCLOSURE"
    CONDITION = "CONDITION"
    CLAIM_PREFIX = "CLAIM:"


_ENDINGS = ("s", "es", "ed", "d", "ing")
_SOURCE_WORDS = [
    "randomised",
    "randomized",
    "placebo",
    "double-blind",
    "controlled trial",
    "peer-reviewed",
    "peer reviewed",
    "published in",
    "journal",
    "lancet",
    "nejm",
    "jama",
    "bmj",
    "versus",
    "compared with",
    "meta-analysis",
    "systematic review",
    "cochrane",
    "control group",
    "phase 1",
    "phase 2",
    "phase 3",
    "phase i",
    "phase ii",
    "phase iii",
    "sham",
]
_PEOPLE = [
    "patients",
    "participants",
    "people",
    "adults",
    "children",
    "subjects",
    "volunteers",
    "knees",
    "women",
    "men",
    "cases",
]
_YEAR = r"^(19|20)\d\d[a-z]?$"
# Identifiers found in the text with one regex pass (cheaper than a per-token regex pattern).
_IDENTIFIERS = re.compile(r"\b(?:doi\b:?|10\.\d{4,}/\S+|NCT\d{8}\b)", re.IGNORECASE)
_SOURCE_PATTERNS = [
    [{"LOWER": "et"}, {"LOWER": {"IN": ["al", "al."]}}],
    [{"ORTH": "("}, {"IS_TITLE": True, "OP": "*"}, {"ORTH": ",", "OP": "?"}, {"TEXT": {"REGEX": _YEAR}}],
    [{"IS_TITLE": True}, {"TEXT": {"REGEX": _YEAR}}],
    [{"LOWER": "n"}, {"ORTH": "="}, {"LIKE_NUM": True}],
    [
        {"LOWER": {"IN": ["trial", "study", "studies", "cohort", "review"]}},
        {"LOWER": {"IN": ["of", "with", "in", "involving", "enrolling"]}},
        {"LIKE_NUM": True},
        {"LOWER": {"IN": _PEOPLE}},
    ],
]


def _variants(phrase: str) -> list[str]:
    if " " in phrase or not phrase.isalpha():
        return [phrase]
    forms = [phrase] + [phrase + ending for ending in _ENDINGS]
    if phrase.endswith("e"):
        forms.append(phrase[:-1] + "ing")
    if phrase.endswith("y"):
        forms.append(phrase[:-1] + "ies")
    return forms


class ClaimCues:
    """Annotate cue spans; see :class:`CueKind` for the labels.

    Overlapping matches of one label keep the longest. Negation scope runs
    from a negation word to the next scope breaker (comma, "but", ...) or
    ``scope_size`` tokens; "X-free" negates the hyphenated word before it.
    """

    def __init__(
        self, nlp: Language, name: str = "claim_cues", *, spans_key: str = CUES_KEY, scope_size: int = 6
    ) -> None:
        self.name = name
        self.spans_key = spans_key
        self.scope_size = scope_size
        lexicon = json.loads(resources.files("classifier.data").joinpath("lexicon.json").read_text("utf-8"))
        self.breakers = frozenset(lexicon["scope_breakers"])
        self._free = nlp.vocab.strings.add("free")
        self._hyphen = nlp.vocab.strings.add("-")
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        groups: dict[str, Iterable[str]] = {
            CueKind.HEDGE: lexicon["hedge"],
            CueKind.NEGATION: lexicon["negation"],
            CueKind.REPORTING: lexicon["reporting"],
            CueKind.DISCLOSURE: lexicon["disclosure"],
            CueKind.CONDITION: lexicon["conditions"],
            CueKind.SOURCE: _SOURCE_WORDS,
        }
        for category, words in lexicon["claim"].items():
            groups[CueKind.CLAIM_PREFIX + category] = words
        make = nlp.tokenizer.tokenizer if hasattr(nlp.tokenizer, "tokenizer") else nlp.tokenizer
        for label, words in groups.items():
            forms = sorted({form for word in words for form in _variants(word.lower())})
            self.phrases.add(label, [make(form) for form in forms])
        self.patterns = Matcher(nlp.vocab)
        self.patterns.add(CueKind.SOURCE, _SOURCE_PATTERNS)
        self.patterns.add(
            CueKind.PERCENT,
            [
                [{"LIKE_NUM": True}, {"ORTH": "%"}],
                [{"LIKE_NUM": True}, {"LOWER": {"IN": ["percent", "per"]}}, {"LOWER": "cent", "OP": "?"}],
                [{"LIKE_NUM": True}, {"LOWER": "out"}, {"LOWER": "of"}, {"LIKE_NUM": True}],
                [{"LIKE_NUM": True}, {"LOWER": "in"}, {"LIKE_NUM": True}],
            ],
        )
        self.patterns.add(CueKind.NUMBER, [[{"LIKE_NUM": True}]])

    def __call__(self, doc: Doc) -> Doc:
        by_label: dict[int, list[Span]] = defaultdict(list)
        for label, start, end in [*self.phrases(doc, as_spans=False), *self.patterns(doc, as_spans=False)]:
            by_label[label].append(Span(doc, start, end, label=label))
        for match in _IDENTIFIERS.finditer(doc_text(doc)):
            span = doc.char_span(match.start(), match.end(), label=CueKind.SOURCE, alignment_mode="expand")
            if span is not None:
                by_label[span.label].append(span)
        spans = [span for group in by_label.values() for span in filter_spans(group)]
        spans.extend(self._negated_scopes(doc, spans))
        doc.spans[self.spans_key] = spans
        return doc

    def _negated_scopes(self, doc: Doc, cues: list[Span]) -> list[Span]:
        scopes = []
        negation = doc.vocab.strings[CueKind.NEGATION]
        for cue in cues:
            if cue.label != negation:
                continue
            end = cue.end
            limit = min(len(doc), cue.end + self.scope_size)
            while end < limit and doc[end].lower_ not in self.breakers and not doc[end].is_space:
                end += 1
            if end > cue.end:
                scopes.append(Span(doc, cue.end, end, label=CueKind.NEGATED))
        lower = doc.to_array(LOWER)
        for i in numpy.flatnonzero(lower == self._free).tolist():
            if i >= 2 and lower[i - 1] == self._hyphen:
                start = i - 2
                while start >= 2 and lower[start - 1] == self._hyphen:
                    start -= 2
                scopes.append(Span(doc, start, i + 1, label=CueKind.NEGATED))
        return scopes


@Language.factory(
    "claim_cues",
    default_config={"spans_key": CUES_KEY, "scope_size": 6},
    assigns=["doc.spans"],
)
def make_cues(nlp: Language, name: str, *, spans_key: str, scope_size: int) -> ClaimCues:
    """Factory for ``nlp.add_pipe("claim_cues")``."""
    return ClaimCues(nlp, name, spans_key=spans_key, scope_size=scope_size)
