"""Build the corpus JSONL from authoring markup files, assigning splits by document.

Documents that share a near-duplicate sentence, or a run of
``SHARED_RUN_WORDS`` words, are kept in the same split where the group stays
small; each such group gets
its split from a stable hash of its first id, so the assignment does not
change when unrelated documents are added.

Groups hold at most ``MAX_GROUP`` documents; links beyond that are left to
rewording (see ``_groups``). Once given, a document's split is pinned in
``datasets/splits.json`` and later builds keep it.
Files in a folder named ``realstyle`` hold the realstyle evaluation split:
their documents always go to that split, whatever their hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from classifier.corpus.markup import parse_markup
from classifier.corpus.schema import CorpusDocument, SpanAnnotation
from classifier.corpus.sentences import near_duplicates, shared_runs, split_sentences

__all__ = ["HELD_OUT_FOLDER", "build_corpus", "read_pinned", "split_for", "write_pinned"]

#: Source files in a folder of this name form the split of the same name.
HELD_OUT_FOLDER = "realstyle"

#: Share of documents in train and dev; the rest is test.
SPLIT_SHARES = (0.70, 0.15)
#: The most documents one group of linked documents may hold (see ``_groups``).
MAX_GROUP = 20


def read_pinned(path: Path) -> dict[str, str]:
    """The pinned splits of a ``splits.json`` file (``{"id": "split", ...}``); empty if there is none."""
    if not path.is_file():
        return {}
    pinned = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(pinned, dict) or not all(isinstance(v, str) for v in pinned.values()):
        raise ValueError(f"{path} must map document ids to split names")
    return pinned


def write_pinned(documents: Sequence[CorpusDocument], path: Path) -> None:
    """Record every document's split, so that later builds keep it."""
    data = {d.id: d.split for d in sorted(documents, key=lambda d: d.id)}
    path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")


def split_for(key: str) -> str:
    """The split a group of documents goes to, from a stable hash of ``key``."""
    bucket = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    if bucket < SPLIT_SHARES[0]:
        return "train"
    return "dev" if bucket < SPLIT_SHARES[0] + SPLIT_SHARES[1] else "test"


def _groups(texts: Sequence[str]) -> list[int]:
    """A group number for each text: texts linked by a near-duplicate sentence or a shared run.

    Links are taken strongest first (near-duplicates, then pairs sharing the
    most runs); a link that would make a group larger than ``MAX_GROUP``
    documents is left out. Common phrases of the field ("embryonic and
    induced pluripotent stem cells ...") otherwise chain a third of the
    corpus into one group, which then takes the place of a whole evaluation
    split. The links left out are reported by ``classifier corpus
    validate`` when their documents land in different splits, and are
    resolved by rewording one of the two sentences.
    """
    parent = list(range(len(texts)))
    size = [1] * len(texts)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    ranges = split_sentences(texts)
    sentences = [[text[s:e] for s, e in spans] for text, spans in zip(texts, ranges, strict=True)]
    strength: dict[tuple[int, int], float] = {}
    for pair in near_duplicates(sentences):
        key = (pair.first[0], pair.second[0])
        strength[key] = strength.get(key, 0) + 1000
    for run in shared_runs(texts):
        key = (run.first, run.second)
        strength[key] = strength.get(key, 0) + run.count
    for first, second in sorted(strength, key=lambda key: (-strength[key], key)):
        a, b = root(first), root(second)
        if a != b and size[a] + size[b] <= MAX_GROUP:
            low, high = min(a, b), max(a, b)
            parent[high] = low
            size[low] += size[high]
    return [root(i) for i in range(len(texts))]


def build_corpus(sources: Sequence[Path], pinned: Mapping[str, str] | None = None) -> list[CorpusDocument]:
    """Parse markup files and return documents with their splits, ordered by id.

    ``pinned`` maps document ids to the split they were given before (see
    :func:`read_pinned`): such a document keeps its split, so that rewording a
    sentence, or adding documents, never moves a test document into train.
    A new document joins the split of the pinned documents of its group, or
    gets one by hash when its group has none.
    """
    pinned = dict(pinned or {})
    parsed = []
    held_out = set()
    for path in sorted(sources):
        found = parse_markup(path.read_text(encoding="utf-8"), str(path))
        if path.parent.name == HELD_OUT_FOLDER:
            held_out.update(document.meta["id"] for document in found)
        parsed.extend(found)
    parsed.sort(key=lambda d: d.meta["id"])
    pooled = [d for d in parsed if d.meta["id"] not in held_out]
    groups = _groups([d.text for d in pooled])
    group_split: dict[int, str] = {}
    for document, group in zip(pooled, groups, strict=True):
        if document.meta["id"] in pinned:
            group_split.setdefault(group, pinned[document.meta["id"]])
    split_of = {
        d.meta["id"]: pinned.get(d.meta["id"]) or group_split.get(g) or split_for(pooled[g].meta["id"])
        for d, g in zip(pooled, groups, strict=True)
    }
    documents = []
    for document in parsed:
        meta = document.meta
        documents.append(
            CorpusDocument(
                id=meta["id"],
                genre=meta["genre"],
                treatment=meta["treatment"],
                condition=meta["condition"],
                register=meta["register"],
                split=split_of.get(meta["id"], HELD_OUT_FOLDER),
                text=document.text,
                spans=[SpanAnnotation(s, e, label) for s, e, label in document.spans],
                doc_labels=["missing_disclosure"] if meta["missing_disclosure"] == "true" else [],
            )
        )
    return documents
