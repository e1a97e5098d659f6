"""From preprocessed docs to reports: predict, locate phrases, explain."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from classifier.errors import Errors, InputError
from classifier.flags.explanations import (
    ExplainMode,
    Qualifiers,
    check_explain_mode,
    explain,
    format_evidence,
)
from classifier.flags.phrases import Flag, locate_phrase, sentence_bounds
from classifier.flags.report import Report, document_risk
from classifier.model.features import NEGATED_PREFIX, DocumentFeatures, SentenceFeatures, document_features
from classifier.model.phrases import TokenTable, anchor_positions, phrase_features, token_cues
from classifier.model.vectors import IndexedBatch, SparseRows
from classifier.model.weights import ScoringWeights, passing
from classifier.pipeline.cues import CUES_KEY
from classifier.pipeline.tokenizer import original_offsets, original_text
from classifier.taxonomy import Category, get_category

__all__ = ["Scorer"]

_PHRASE_TRIM = frozenset(
    {"•", "-", "*", "·", ",", ";", ":", "(", ")", '"', "'", "and", "or", "the", "a", "an"}
)
_PHRASE_TRIM_IDS = np.array(sorted(get_string_id(text) for text in _PHRASE_TRIM), dtype=np.uint64)
_PERCENT = get_string_id("%")
#: A list number that the tokenizer keeps as one token: "6/", "2)", "10.".
_LIST_NUMBER = re.compile(r"\d{1,3}[/.)]$")


def _wordless(text: str) -> bool:
    """True for a token with no letter or digit: spaces, punctuation, bullets, symbols."""
    return not any(character.isalnum() for character in text)


class Scorer:
    """Score preprocessed docs with a trained model's weights.

    A flag is raised where a category's probability reaches its threshold
    (``threshold``, when given, for every category). ``min_confidence`` then
    leaves out of each report the flags scored below it; the report's risk
    still counts them. ``explain`` is ``"short"`` or ``"full"`` (see
    :func:`classifier.flags.explanations.explain`).
    """

    def __init__(
        self,
        weights: ScoringWeights,
        *,
        threshold: float | None = None,
        cues_key: str = CUES_KEY,
        explain: str = "short",
        min_confidence: float | None = None,
    ):
        if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
            raise InputError(Errors.E016.format(value=min_confidence))
        self.explain: ExplainMode = check_explain_mode(explain)
        self.min_confidence = min_confidence
        self.cues_key = cues_key
        self.categories = [get_category(name) for name in weights.categories]
        self.thresholds = np.array(
            [threshold if threshold is not None else weights.thresholds[c] for c in weights.categories]
        )
        self.indexer = weights.indexer
        self.linear = weights.linear
        self.weights = weights.feature_weights
        self.disclosure = get_category("missing_disclosure")
        self.page = weights.page.stance if weights.page is not None else None
        self.phrases = weights.phrases
        self.runner_up_margin = weights.runner_up_margin
        self.context = weights.context

    def _features(self, doc: Doc) -> DocumentFeatures:
        return document_features(doc, cues_key=self.cues_key, page=self.page)

    def score_docs(self, docs: Sequence[Doc]) -> list[Report]:
        """One Report per doc; every doc must have sentences, lemmas and cue spans."""
        return [report for report, _ in self.score_docs_with_spans(docs)]

    def score_docs_with_spans(self, docs: Sequence[Doc]) -> list[tuple[Report, list[Span]]]:
        """Like :meth:`score_docs`, with each flag also as a Span of the doc (label = category)."""
        per_doc = [self._features(doc) for doc in docs]
        sentences = [sentence for features in per_doc for sentence in features.sentences]
        ends = np.cumsum([len(features.sentences) for features in per_doc]).tolist()
        bounds = list(zip([0, *ends[:-1]], ends, strict=True))
        hits = self._hits(self.indexer.index_batch(sentences), sentences, bounds)
        results = []
        row = 0
        for doc, features in zip(docs, per_doc, strict=True):
            rows = len(features.sentences)
            found = self._flags(doc, features, hits.of_rows(row, row + rows))
            found.sort(key=lambda pair: (pair[0].start, pair[0].end, pair[0].category))
            report = self._assemble([flag for flag, _ in found], features.has_disclosure)
            results.append((report, [span for _, span in found]))
            row += rows
        return results

    def score_pieces(self, pieces: Iterable[tuple[int, Doc]]) -> Report:
        """One Report for a text scored as consecutive pieces.

        ``pieces`` yields ``(offset, doc)``: each doc holds the text that starts
        at ``offset`` in the whole text. Docs are consumed one at a time, so a
        very long text is scored in bounded memory.
        """
        flags: list[Flag] = []
        disclosed = False
        for offset, doc in pieces:
            document = self._features(doc)
            if not document.sentences:
                continue
            batch = self.indexer.index_batch(document.sentences)
            hits = self._hits(batch, document.sentences, [(0, len(document.sentences))])
            for flag, _ in self._flags(doc, document, hits):
                flags.append(replace(flag, start=flag.start + offset, end=flag.end + offset))
            disclosed = disclosed or document.has_disclosure
        flags.sort(key=lambda f: (f.start, f.end, f.category))
        return self._assemble(flags, disclosed)

    def sentence_probabilities(self, doc: Doc) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each scored sentence of ``doc`` as original-text offsets, and its per-category probabilities."""
        sentences = self._features(doc).sentences
        ranges = [original_offsets(doc, f.sentence.start_char, f.sentence.end_char) for f in sentences]
        if not sentences:
            return ranges, np.zeros((0, len(self.categories)))
        rows = self.indexer.tfidf(self.indexer.index_batch(sentences))
        return ranges, self._probabilities(rows, sentences, [(0, len(sentences))])

    def _probabilities(
        self, rows: SparseRows, sentences: Sequence[SentenceFeatures], bounds: Sequence[tuple[int, int]]
    ) -> np.ndarray:
        """Per-category probabilities of TF-IDF ``rows``: the sentence model's (the estimator's
        ``predict_proba``, computed faster), rescored in context when the model has a context
        model. ``bounds`` are the row ranges of the documents the sentences belong to."""
        probabilities = self.linear.predict_proba(rows)
        if self.context is None:
            return probabilities
        lengths = [len(features.sentence) for features in sentences]
        return self.context.predict_documents(probabilities, lengths, bounds)

    def _hits(
        self, batch: IndexedBatch, scored: Sequence[SentenceFeatures], bounds: Sequence[tuple[int, int]]
    ) -> _Hits:
        """Every (sentence, category) of ``batch`` at or above its threshold, with its score and
        evidence; ``scored`` are the batch's sentences and ``bounds`` their documents' rows."""
        if not len(batch):
            return _Hits([], [], [], [], [])
        rows = self.indexer.tfidf(batch)
        probabilities = self._probabilities(rows, scored, bounds)
        sentences, categories = np.nonzero(passing(probabilities, self.thresholds, self.runner_up_margin))
        scores = probabilities[sentences, categories]
        evidence = self._evidence(rows, sentences, categories)
        contributions = (
            self.indexer.contributions_many(batch, sentences, categories, self.weights)
            if self.phrases is None
            else [[] for _ in range(len(sentences))]
        )
        return _Hits(sentences.tolist(), categories.tolist(), scores.tolist(), evidence, contributions)

    def _evidence(
        self, rows: SparseRows, sentences: np.ndarray, categories: np.ndarray, limit: int = 5
    ) -> list[list[str]]:
        """For each hit, the ``limit`` features of its sentence that raise its category most (their
        contribution to the log-odds), described for readers with those weights (see
        :func:`format_evidence`).

        Ties in weight go to the later feature name. All hits of a batch are
        ranked at once: one sort instead of one per flag. Features that are
        not shown (stop words, number placeholders) make room for the next ones.
        """
        starts = rows.indptr[sentences]
        counts = rows.indptr[sentences + 1] - starts
        hit = np.repeat(np.arange(len(sentences)), counts)
        within = np.arange(len(hit)) - np.repeat(np.cumsum(counts) - counts, counts)
        at = np.repeat(starts, counts) + within
        features = rows.indices[at]
        # A feature's push on this sentence's log-odds: its coefficient (weight / idf) times its TF-IDF value.
        weights = self.weights[categories[hit], features] * rows.data[at] / self.indexer.idf[features]
        positive = weights > 0
        hit, features, weights = hit[positive], features[positive], weights[positive]
        order = np.lexsort((-self._term_rank[features], -weights, hit))
        hit, features, weights = hit[order], features[order], weights[order]
        top = np.arange(len(hit)) - np.searchsorted(hit, hit) < 4 * limit
        drivers: list[list[tuple[str, float]]] = [[] for _ in range(len(sentences))]
        terms = self.indexer.terms
        for index, feature, weight in zip(
            hit[top].tolist(), features[top].tolist(), weights[top].tolist(), strict=True
        ):
            drivers[index].append((terms[feature], weight))
        return [format_evidence(found, limit) for found in drivers]

    @cached_property
    def _term_rank(self) -> np.ndarray:
        """Each feature's place among the feature names in sorted order."""
        terms = self.indexer.terms
        rank = np.empty(len(terms), dtype=np.int64)
        rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
        return rank

    def _flags(self, doc: Doc, document: DocumentFeatures, hits: _Hits) -> list[tuple[Flag, Span]]:
        """One flag per hit of ``doc``; ``hits`` count sentences from the doc's first."""
        if not hits.sentences:
            return []
        features = document.sentences
        source = original_text(doc)
        tokens = _TokenEdges(doc)
        sentence_offsets: dict[int, tuple[int, int]] = {}
        cues = (TokenTable(doc), token_cues(doc, self.cues_key)) if self.phrases is not None else None
        return [
            self._flag(
                doc,
                source,
                tokens,
                cues,
                sentence_offsets,
                features,
                sentence_index,
                self.categories[category_index],
                score,
                evidence,
                contributions,
            )
            for sentence_index, category_index, score, evidence, contributions in zip(
                hits.sentences, hits.categories, hits.scores, hits.evidence, hits.contributions, strict=True
            )
        ]

    def _assemble(self, flags: list[Flag], disclosed: bool) -> Report:
        disclosure = self._missing_disclosure(flags, disclosed)
        if disclosure is not None:
            flags = [disclosure, *flags]
        risk = document_risk(flags)
        if self.min_confidence is not None:
            flags = [flag for flag in flags if flag.score >= self.min_confidence]
        return Report(risk=risk, flags=flags)

    def _phrase(
        self,
        doc: Doc,
        sentence: SentenceFeatures,
        cues: tuple[TokenTable, dict[int, tuple[str, ...]]] | None,
        category: Category,
        contributions: list[float],
    ) -> tuple[int, int]:
        """The flag's phrase as a word range of ``sentence``: from the phrase model, or (for a model
        saved without one) grown around the words that raised the category most.

        ``cues`` is the doc's token table and cue labels, given when there is a phrase model.
        """
        anchors = anchor_positions(sentence, category.id)
        if self.phrases is None or cues is None:
            return locate_phrase(contributions, anchors)
        table, labels = cues
        features = phrase_features(table, sentence, anchors, labels, category.id)
        return self.phrases.locate(features, category.id)

    def _flag(
        self,
        doc: Doc,
        source: str,
        edges: _TokenEdges,
        cues: tuple[TokenTable, dict[int, tuple[str, ...]]] | None,
        sentence_offsets: dict[int, tuple[int, int]],
        features: list[SentenceFeatures],
        sentence_index: int,
        category: Category,
        score: float,
        evidence: list[str],
        contributions: list[float],
    ) -> tuple[Flag, Span]:
        sentence = features[sentence_index]
        first, last = self._phrase(doc, sentence, cues, category, contributions)
        tokens = sentence.word_tokens
        whole = sentence.sentence.start, sentence.sentence.end
        if tokens and self.phrases is not None:
            first_token, last_token = edges.trim_phrase(tokens[first], tokens[max(first, last - 1)] + 1)
        elif tokens:
            first_token, last_token = edges.trim(tokens[first], tokens[max(first, last - 1)] + 1)
        else:
            first_token, last_token = whole
        start, end = original_offsets(doc, *edges.characters(first_token, last_token))
        if sentence_index not in sentence_offsets:
            s_range = original_offsets(doc, sentence.sentence.start_char, sentence.sentence.end_char)
            sentence_offsets[sentence_index] = sentence_bounds(source, *s_range)
        s_start, s_end = sentence_offsets[sentence_index]
        following = features[sentence_index + 1] if sentence_index + 1 < len(features) else None
        flag = Flag(
            category=category.id,
            start=start,
            end=end,
            text=source[start:end],
            sentence=source[s_start:s_end],
            score=round(score, 4),
            severity=category.severity,
            explanation=explain(
                category, _qualifiers(doc, sentence, following, category), evidence, mode=self.explain
            ),
            evidence=evidence,
            suggestion=category.suggestion,
        )
        return flag, Span(doc, first_token, last_token, label=category.id)

    def _missing_disclosure(self, flags: list[Flag], has_disclosure: bool) -> Flag | None:
        high = [flag.score for flag in flags if flag.severity == "high"]
        if not high or has_disclosure:
            return None
        category = self.disclosure
        return Flag(
            category=category.id,
            start=0,
            end=0,
            text="",
            sentence="",
            score=round(max(high), 4),
            severity=category.severity,
            explanation=explain(category, None, [], mode=self.explain),
            evidence=[
                f"{len(high)} high-severity claim(s)",
                "no statement of risks, experimental or regulatory status, or evidence limits",
            ],
            suggestion=category.suggestion,
        )


@dataclass(frozen=True, slots=True)
class _Hits:
    """Hits of a batch as parallel lists, sentence by sentence (NumPy's nonzero order):
    each hit's sentence, category, score, evidence and per-word contributions."""

    sentences: list[int]
    categories: list[int]
    scores: list[float]
    evidence: list[list[str]]
    contributions: list[list[float]]

    def of_rows(self, start: int, end: int) -> _Hits:
        """The hits of sentences ``[start, end)``, numbered from ``start``."""
        first, last = bisect_left(self.sentences, start), bisect_left(self.sentences, end)
        return _Hits(
            [sentence - start for sentence in self.sentences[first:last]],
            self.categories[first:last],
            self.scores[first:last],
            self.evidence[first:last],
            self.contributions[first:last],
        )


def _qualifiers(
    doc: Doc, sentence: SentenceFeatures, following: SentenceFeatures | None, category: Category
) -> Qualifiers:
    """What the sentence's cues say about its ``category`` claim: hedges and sources of the
    sentence and the next one, its negations, and the category's cue words inside and outside
    a negation scope, and the words of each scope (a word is negated when the features prefixed
    it, as the model saw it)."""
    hedges = list(sentence.hedges) + list(following.hedges if following else ())
    sources = list(sentence.sources) + list(following.sources if following else ())
    positions = {token: i for i, token in enumerate(sentence.word_tokens)}
    claim, negated = [], []
    run: list[int] = []
    for token in [*sorted(set(sentence.anchors.get(category.id, ()))), -2]:
        if run and token != run[-1] + 1:
            text = doc[run[0] : run[-1] + 1].text
            word = positions.get(run[0])
            inside = word is not None and sentence.words[word].startswith(NEGATED_PREFIX)
            (negated if inside else claim).append(text)
            run = []
        run.append(token)
    scopes: list[list[int]] = []  # runs of consecutive negated words, as token positions
    previous = -2
    for index, (word, token) in enumerate(zip(sentence.words, sentence.word_tokens, strict=True)):
        if word.startswith(NEGATED_PREFIX):
            if scopes and previous == index - 1:
                scopes[-1].append(token)
            else:
                scopes.append([token])
            previous = index
    words = frozenset(word.removeprefix(NEGATED_PREFIX) for word in sentence.words)
    return Qualifiers(
        hedges=hedges,
        negations=list(sentence.negations),
        sources=sources,
        claim_words=claim,
        negated_claim_words=negated,
        negated_phrases=[doc[scope[0] : scope[-1] + 1].text for scope in scopes],
        cues=frozenset(sentence.cues),
        words=words,
        text=sentence.sentence.text,
    )


class _TokenEdges:
    """What placing a phrase reads of a doc's tokens, as lists (Token objects cost more)."""

    def __init__(self, doc: Doc) -> None:
        columns = doc.to_array([IS_SPACE, IS_PUNCT, LOWER, ORTH, IDX, LENGTH]).T
        space, punct, lower, orth, offset, length = columns
        dropped = (space != 0) | (lower[:, np.newaxis] == _PHRASE_TRIM_IDS).any(axis=1)
        # A phrase starts after spaces, punctuation and the words of _PHRASE_TRIM,
        # and ends before them too, except before "%".
        self.lead = (dropped | (punct != 0)).tolist()
        self.tail = (dropped | ((punct != 0) & (orth != _PERCENT))).tolist()
        self.starts = offset.tolist()
        self.ends = (offset + length).tolist()
        self.doc = doc

    def trim(self, start: int, end: int) -> tuple[int, int]:
        """Tokens ``[start, end)`` without the dropped tokens at either edge (all of them if all are)."""
        first, last = start, end
        while first < last and self.lead[first]:
            first += 1
        while last > first and self.tail[last - 1]:
            last -= 1
        return (first, last) if last > first else (start, end)

    def trim_phrase(self, start: int, end: int) -> tuple[int, int]:
        """Tokens ``[start, end)`` of a phrase the phrase model chose, without the tokens at its edges
        that hold no letter or digit ("%" stays at its end) and without a leading list number ("6/")."""
        doc = self.doc
        first, last = start, end
        while first < last - 1 and (_wordless(doc[first].text) or _LIST_NUMBER.match(doc[first].text)):
            first += 1
        while last > first + 1 and _wordless(doc[last - 1].text) and doc[last - 1].text != "%":
            last -= 1
        return first, last

    def characters(self, start: int, end: int) -> tuple[int, int]:
        """The character range of tokens ``[start, end)`` in ``doc.text``."""
        return self.starts[start], self.ends[end - 1]
