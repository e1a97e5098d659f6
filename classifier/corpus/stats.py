"""Corpus statistics: counts per category, genre, register, split and more."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from classifier.corpus.schema import SPLITS, CorpusDocument
from classifier.pipeline.build import build_pipeline
from classifier.pipeline.cues import CUES_KEY, CueKind
from classifier.pipeline.tokenizer import original_offsets

__all__ = ["corpus_stats", "format_stats"]

_TOPICAL = (CueKind.HEDGE, CueKind.SOURCE, CueKind.DISCLOSURE, CueKind.NEGATION)


def corpus_stats(documents: Sequence[CorpusDocument]) -> dict[str, Any]:
    """Counts over the corpus.

    A hard-negative sentence carries no span yet contains a cue of the topic:
    a claim-lexicon word, a hedge, a negation, a source or a disclosure.
    """
    nlp = build_pipeline()
    sentences = hard_negatives = 0
    per_split_sentences: Counter[str] = Counter()
    for document, doc in zip(documents, nlp.pipe(d.text for d in documents), strict=True):
        cue_starts: dict[int, bool] = {}
        for span in doc.spans[CUES_KEY]:
            if span.label_.startswith(CueKind.CLAIM_PREFIX) or span.label_ in _TOPICAL:
                cue_starts[span.start] = True
        for sentence in doc.sents:
            if all(t.is_space or t.is_punct for t in sentence):
                continue
            sentences += 1
            per_split_sentences[document.split] += 1
            start, end = original_offsets(doc, sentence.start_char, sentence.end_char)
            flagged = any(s.start < end and start < s.end for s in document.spans)
            if not flagged and any(i in cue_starts for i in range(sentence.start, sentence.end)):
                hard_negatives += 1
    return {
        "documents": len(documents),
        "sentences": sentences,
        "hard_negative_sentences": hard_negatives,
        "spans": dict(Counter(s.label for d in documents for s in d.spans).most_common()),
        "doc_labels": dict(Counter(label for d in documents for label in d.doc_labels)),
        "split_documents": {split: sum(d.split == split for d in documents) for split in SPLITS},
        "split_sentences": {split: per_split_sentences[split] for split in SPLITS},
        "split_spans": {split: sum(len(d.spans) for d in documents if d.split == split) for split in SPLITS},
        "genre": dict(Counter(d.genre for d in documents).most_common()),
        "register": dict(Counter(d.register for d in documents).most_common()),
        "treatment": dict(Counter(d.treatment for d in documents).most_common()),
        "condition": dict(Counter(d.condition for d in documents).most_common()),
    }


def format_stats(stats: dict[str, Any]) -> str:
    """A plain-text printout of :func:`corpus_stats`."""
    lines = [
        f"documents: {stats['documents']}",
        f"sentences: {stats['sentences']}",
        f"hard-negative sentences: {stats['hard_negative_sentences']}",
    ]
    for key in (
        "spans",
        "doc_labels",
        "split_documents",
        "split_sentences",
        "split_spans",
        "genre",
        "register",
        "treatment",
        "condition",
    ):
        lines.append(f"{key} ({len(stats[key])}):")
        lines.extend(f"  {name:32s} {count}" for name, count in stats[key].items())
    return "\n".join(lines)
