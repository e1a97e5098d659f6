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
from spacy.attrs import IS_TITLE, LIKE_NUM, LOWER, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id
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
    #: Further labels come from the lexicon's "context" groups (CRITIC, REGULATOR, PREVALENCE ...).


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
_YEAR = re.compile(r"(?<![\w.])(?:19|20)\d\d[a-z]?(?![\w])")
# Identifiers found in the text with one regex pass (cheaper than a per-token regex pattern).
_IDENTIFIERS = re.compile(r"\b(?:doi\b:?|10\.\d{4,}/\S+|NCT\d{8}\b)", re.IGNORECASE)
_PLAIN_WORDS = re.compile(r"[a-z]+(?: [a-z]+)*")
_STUDY_WORDS = ("trial", "study", "studies", "cohort", "review")
_STUDY_LINKS = ("of", "with", "in", "involving", "enrolling")


class _Ids:
    """String ids (the same in every vocab) of the words the token patterns test."""

    def __init__(self) -> None:
        def ids(*words: str) -> frozenset[int]:
            return frozenset(get_string_id(word) for word in words)

        self.et, self.al = ids("et"), ids("al", "al.")
        self.open_paren, self.comma = get_string_id("("), get_string_id(",")
        self.n, self.equals = get_string_id("n"), get_string_id("=")
        self.study, self.link, self.people = ids(*_STUDY_WORDS), ids(*_STUDY_LINKS), ids(*_PEOPLE)
        self.percent_sign, self.percent_word = get_string_id("%"), ids("percent", "per")
        self.cent, self.out, self.of, self.in_ = (get_string_id(w) for w in ("cent", "out", "of", "in"))


_ID = _Ids()


_SOURCE, _PERCENT, _NUMBER = (
    get_string_id(kind) for kind in (CueKind.SOURCE, CueKind.PERCENT, CueKind.NUMBER)
)


def _token_patterns(doc: Doc) -> Iterable[tuple[int, int, int]]:
    """Source, percentage and number patterns, read from token attribute arrays.

    These few fixed patterns are tested directly on arrays of LOWER, ORTH,
    LIKE_NUM and IS_TITLE: spaCy's token ``Matcher`` costs about as much per
    token as the tokenizer itself. Overlaps are resolved by the caller, which
    keeps the longest match per label.

    - SOURCE: "et al"; "(" title-case words, an optional comma, a year
      ("(Smith, 2019", "(2019"); a title-case word and a year ("Lancet 2021");
      "n = 40"; "trial of 40 patients".
    - PERCENT: "70%", "85 percent", "85 per cent", "nine out of ten", "1 in 3".
    - NUMBER: every number-like token.
    """
    if not len(doc):
        return
    lower, orth, like_num, title = (
        column.tolist() for column in doc.to_array([LOWER, ORTH, LIKE_NUM, IS_TITLE]).T
    )
    size = len(lower)

    def at(array: list[int], i: int) -> int:
        return array[i] if i < size else 0

    for i in range(size - 1):
        if lower[i] in _ID.et and lower[i + 1] in _ID.al:
            yield _SOURCE, i, i + 2
        elif lower[i] == _ID.n and orth[i + 1] == _ID.equals and at(like_num, i + 2):
            yield _SOURCE, i, i + 3
        elif (
            lower[i] in _ID.study
            and lower[i + 1] in _ID.link
            and at(like_num, i + 2)
            and at(lower, i + 3) in _ID.people
        ):
            yield _SOURCE, i, i + 4
    text = doc_text(doc)
    for match in _YEAR.finditer(text):
        year = doc.char_span(match.start(), match.end())
        if year is None or len(year) != 1:
            continue
        y = year.start
        j = y - 1
        if j >= 0 and orth[j] == _ID.comma:
            j -= 1
        while j >= 0 and title[j]:
            j -= 1
        if j >= 0 and orth[j] == _ID.open_paren:
            yield _SOURCE, j, y + 1
        elif y >= 1 and title[y - 1]:
            yield _SOURCE, y - 1, y + 1
    for i in [i for i, value in enumerate(like_num) if value]:
        yield _NUMBER, i, i + 1
        following = at(lower, i + 1)
        if at(orth, i + 1) == _ID.percent_sign:
            yield _PERCENT, i, i + 2
        elif following in _ID.percent_word:
            yield _PERCENT, i, i + 3 if at(lower, i + 2) == _ID.cent else i + 2
        elif following == _ID.out and at(lower, i + 2) == _ID.of and at(like_num, i + 3):
            yield _PERCENT, i, i + 4
        elif following == _ID.in_ and at(like_num, i + 2):
            yield _PERCENT, i, i + 3


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


def _variants(phrase: str) -> list[str]:
    """The forms a lexicon phrase is matched in: a single word with the usual endings, a phrase
    of several words also with its last word in the plural ("warning letter", "warning letters")."""
    if " " in phrase:
        head, last = phrase.rsplit(" ", 1)
        if last.isalpha() and len(last) > 2 and not last.endswith("s"):
            return [phrase, f"{head} {_plural(last)}"]
        return [phrase]
    if not phrase.isalpha():
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
        for kind in (CueKind.SOURCE, CueKind.PERCENT, CueKind.NUMBER):
            nlp.vocab.strings.add(kind)
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
        # Context cues: who is speaking (critics, regulators, sellers, page
        # furniture) and what a sentence is about (which cells, a prevalence
        # or an outcome, a disease process), for the model to weigh.
        groups.update(lexicon["context"])
        tokenizer = nlp.tokenizer.tokenizer if hasattr(nlp.tokenizer, "tokenizer") else nlp.tokenizer
        special = set(getattr(tokenizer, "rules", None) or ())

        def make(form: str) -> Doc:
            # Plain lower-case words split on spaces exactly as the tokenizer
            # splits them, unless one is a tokenizer special case ("cannot");
            # building those docs directly saves a third of the model's load time.
            words = form.split(" ")
            if _PLAIN_WORDS.fullmatch(form) and not special.intersection(words):
                return Doc(nlp.vocab, words=words)
            return tokenizer(form)

        for label, words in groups.items():
            forms = sorted({form for word in words for form in _variants(word.lower())})
            self.phrases.add(label, [make(form) for form in forms])

    def __call__(self, doc: Doc) -> Doc:
        by_label: dict[int, list[Span]] = defaultdict(list)
        for label, start, end in [*self.phrases(doc, as_spans=False), *_token_patterns(doc)]:
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
