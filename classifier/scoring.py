"""From preprocessed docs to reports: predict, locate phrases, explain."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from spacy.tokens import Doc, Span

from classifier.estimator import category_weights
from classifier.explanations import Qualifiers, describe_feature, explain
from classifier.features import DocumentFeatures, SentenceFeatures, document_features
from classifier.flags import Flag, locate_phrase
from classifier.linear import StackedLinear
from classifier.pipeline.cues import CUES_KEY
from classifier.pipeline.tokenizer import original_offsets, original_text
from classifier.reports import Report, document_risk
from classifier.taxonomy import Category, get_category

__all__ = ["Scorer", "TrainedModel"]

_PHRASE_TRIM = frozenset(
    {"•", "-", "*", "·", ",", ";", ":", "(", ")", '"', "'", "and", "or", "the", "a", "an"}
)


@dataclass
class TrainedModel:
    """What training produces and a model directory stores."""

    estimator: Pipeline
    categories: list[str]
    thresholds: dict[str, float]


class Scorer:
    """Score preprocessed docs with a trained model."""

    def __init__(self, model: TrainedModel, *, threshold: float | None = None, cues_key: str = CUES_KEY):
        check_is_fitted(model.estimator)
        self.model = model
        self.cues_key = cues_key
        self.categories = [get_category(name) for name in model.categories]
        self.thresholds = np.array(
            [threshold if threshold is not None else model.thresholds[c] for c in model.categories]
        )
        vectorizer = model.estimator.named_steps["features"]
        self.vectorizer = vectorizer
        self.linear = StackedLinear(model.estimator)
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float32)
        self.ngram_max = vectorizer.analyzer.ngram_max
        self.weights = category_weights(model.estimator) * self.idf[np.newaxis, :]
        self.disclosure = get_category("missing_disclosure")

    def score_docs(self, docs: Sequence[Doc]) -> list[Report]:
        """One Report per doc; every doc must have sentences, lemmas and cue spans."""
        return [report for report, _ in self.score_docs_with_spans(docs)]

    def score_docs_with_spans(self, docs: Sequence[Doc]) -> list[tuple[Report, list[Span]]]:
        """Like :meth:`score_docs`, with each flag also as a Span of the doc (label = category)."""
        per_doc = [document_features(doc, cues_key=self.cues_key) for doc in docs]
        strings = [f.as_string() for features in per_doc for f in features.sentences]
        probabilities = self.predict_proba(strings)
        results = []
        row = 0
        for doc, features in zip(docs, per_doc, strict=True):
            block = probabilities[row : row + len(features.sentences)]
            row += len(features.sentences)
            results.append(self._report(doc, features, block))
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
            document = document_features(doc, cues_key=self.cues_key)
            strings = [f.as_string() for f in document.sentences]
            if not strings:
                continue
            probabilities = self.predict_proba(strings)
            for flag, _ in self._flags(doc, document, probabilities):
                flags.append(replace(flag, start=flag.start + offset, end=flag.end + offset))
            disclosed = disclosed or document.has_disclosure
        flags.sort(key=lambda f: (f.start, f.end, f.category))
        return self._assemble(flags, disclosed)

    def predict_proba(self, strings: Sequence[str]) -> np.ndarray:
        """Per-category probabilities of sentence feature strings (the estimator's, computed faster)."""
        if not strings:
            return np.zeros((0, len(self.categories)))
        return self.linear.predict_proba(self.vectorizer.transform(strings))

    def sentence_probabilities(self, doc: Doc) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each scored sentence of ``doc`` as original-text offsets, and its per-category probabilities."""
        sentences = document_features(doc, cues_key=self.cues_key).sentences
        ranges = [original_offsets(doc, f.sentence.start_char, f.sentence.end_char) for f in sentences]
        return ranges, self.predict_proba([f.as_string() for f in sentences])

    def _report(
        self, doc: Doc, document: DocumentFeatures, probabilities: np.ndarray
    ) -> tuple[Report, list[Span]]:
        found = self._flags(doc, document, probabilities)
        found.sort(key=lambda pair: (pair[0].start, pair[0].end, pair[0].category))
        report = self._assemble([flag for flag, _ in found], document.has_disclosure)
        return report, [span for _, span in found]

    def _flags(
        self, doc: Doc, document: DocumentFeatures, probabilities: np.ndarray
    ) -> list[tuple[Flag, Span]]:
        features = document.sentences
        hits = np.argwhere(probabilities >= self.thresholds)
        if not len(hits):
            return []
        source = original_text(doc)
        return [
            self._flag(
                doc,
                source,
                features,
                int(sentence_index),
                self.categories[category_index],
                int(category_index),
                float(probabilities[sentence_index, category_index]),
            )
            for sentence_index, category_index in hits
        ]

    def _assemble(self, flags: list[Flag], disclosed: bool) -> Report:
        disclosure = self._missing_disclosure(flags, disclosed)
        if disclosure is not None:
            flags = [disclosure, *flags]
        return Report(risk=document_risk(flags), flags=flags)

    def _contributions(self, words: tuple[str, ...], category_index: int) -> np.ndarray:
        weights = self.weights[category_index]
        values = np.zeros(len(words), dtype=np.float32)
        for n in range(1, self.ngram_max + 1):
            for i in range(len(words) - n + 1):
                index = self.vocabulary.get(" ".join(words[i : i + n]))
                if index is not None:
                    values[i : i + n] += weights[index] / n
        return values

    def _evidence(self, sentence: SentenceFeatures, category_index: int) -> list[str]:
        weights = self.weights[category_index]
        names = set(sentence.cues)
        words = sentence.words
        for n in range(1, self.ngram_max + 1):
            names.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        scored = [(weights[self.vocabulary[name]], name) for name in names if name in self.vocabulary]
        scored = [item for item in scored if item[0] > 0]
        scored.sort(reverse=True)
        return [describe_feature(name) for _, name in scored[:5]]

    @staticmethod
    def _anchors(sentence: SentenceFeatures, category: Category) -> list[int]:
        position = {token: i for i, token in enumerate(sentence.word_tokens)}
        return [position[t] for t in sentence.anchors.get(category.id, ()) if t in position]

    def _flag(
        self,
        doc: Doc,
        source: str,
        features: list[SentenceFeatures],
        sentence_index: int,
        category: Category,
        category_index: int,
        score: float,
    ) -> tuple[Flag, Span]:
        sentence = features[sentence_index]
        contributions = self._contributions(sentence.words, category_index)
        first, last = locate_phrase(contributions, self._anchors(sentence, category))
        tokens = sentence.word_tokens
        phrase = _trim(doc[tokens[first] : tokens[max(first, last - 1)] + 1]) if tokens else sentence.sentence
        start, end = original_offsets(doc, phrase.start_char, phrase.end_char)
        sentence_span = _trim(sentence.sentence)
        s_start, s_end = original_offsets(doc, sentence_span.start_char, sentence_span.end_char)
        following = features[sentence_index + 1] if sentence_index + 1 < len(features) else None
        evidence = self._evidence(sentence, category_index)
        flag = Flag(
            category=category.id,
            start=start,
            end=end,
            text=source[start:end],
            sentence=source[s_start:s_end],
            score=round(score, 4),
            severity=category.severity,
            explanation=explain(category, _qualifiers(sentence, following), evidence),
            evidence=evidence,
            suggestion=category.suggestion,
        )
        return flag, Span(doc, phrase.start, phrase.end, label=category.id)

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
            explanation=explain(category, None, []),
            evidence=[
                f"{len(high)} high-severity claim(s)",
                "no statement of risks, experimental or regulatory status, or evidence limits",
            ],
            suggestion=category.suggestion,
        )


def _qualifiers(sentence: SentenceFeatures, following: SentenceFeatures | None) -> Qualifiers:
    """Hedges, negations and sources of the sentence; hedges and sources of the next one too."""
    hedges = list(sentence.hedges) + list(following.hedges if following else ())
    sources = list(sentence.sources) + list(following.sources if following else ())
    return Qualifiers(hedges=hedges, negations=list(sentence.negations), sources=sources)


def _trim(span: Span) -> Span:
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].is_space or doc[start].lower_ in _PHRASE_TRIM or doc[start].is_punct):
        start += 1
    while end > start and (
        doc[end - 1].is_space
        or doc[end - 1].lower_ in _PHRASE_TRIM
        or (doc[end - 1].is_punct and doc[end - 1].text != "%")
    ):
        end -= 1
    return doc[start:end] if end > start else span
