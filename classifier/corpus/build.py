"""Build the corpus JSONL from authoring markup files, assigning splits by document.

Documents that share a near-duplicate sentence are kept in the same split;
each such group gets its split from a stable hash of its first id, so the
assignment does not change when unrelated documents are added.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from classifier.corpus.markup import parse_markup
from classifier.corpus.schema import CorpusDocument, SpanAnnotation
from classifier.corpus.sentences import near_duplicates, split_sentences

__all__ = ["build_corpus", "split_for"]

#: Share of documents in train and dev; the rest is test.
SPLIT_SHARES = (0.70, 0.15)


def split_for(key: str) -> str:
    """The split a group of documents goes to, from a stable hash of ``key``."""
    bucket = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < SPLIT_SHARES[0]:
        return "train"
    return "dev" if bucket < SPLIT_SHARES[0] + SPLIT_SHARES[1] else "test"


def _groups(texts: Sequence[str]) -> list[int]:
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ranges = split_sentences(texts)
    sentences = [[text[s:e] for s, e in spans] for text, spans in zip(texts, ranges, strict=True)]
    for pair in near_duplicates(sentences):
        a, b = root(pair.first[0]), root(pair.second[0])
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(len(texts))]


def build_corpus(sources: Sequence[Path]) -> list[CorpusDocument]:
    """Parse markup files and return documents with their splits, ordered by id."""
    parsed = []
    for path in sorted(sources):
        parsed.extend(parse_markup(path.read_text(encoding="utf-8"), str(path)))
    parsed.sort(key=lambda d: d.meta["id"])
    groups = _groups([d.text for d in parsed])
    documents = []
    for document, group in zip(parsed, groups, strict=True):
        meta = document.meta
        documents.append(
            CorpusDocument(
                id=meta["id"],
                genre=meta["genre"],
                treatment=meta["treatment"],
                condition=meta["condition"],
                register=meta["register"],
                split=split_for(parsed[group].meta["id"]),
                text=document.text,
                spans=[SpanAnnotation(s, e, label) for s, e, label in document.spans],
                doc_labels=["missing_disclosure"] if meta["missing_disclosure"] == "true" else [],
            )
        )
    return documents
