"""The corpus record format (JSON Lines, one document per line) and its loader.

{"id": "a-001", "genre": "faq", "treatment": "prp", "condition": "back_pain",
 "register": "clinical", "split": "train", "text": "...",
 "spans": [{"start": 10, "end": 22, "label": "cure_claim"}],
 "doc_labels": ["missing_disclosure"]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from classifier.errors import CorpusError, Errors

__all__ = [
    "CORPUS_IN_CLONE",
    "SPLITS",
    "CorpusDocument",
    "SpanAnnotation",
    "default_corpus",
    "read_corpus",
    "write_corpus",
]

#: Where a source checkout keeps the built corpus, relative to the repository root.
CORPUS_IN_CLONE = Path("datasets") / "corpus.jsonl"

#: ``realstyle`` is an evaluation split written by a separate writer in the shapes of real
#: pages; it is never used for training, thresholds or model selection.
SPLITS = ("train", "dev", "test", "realstyle")
_FIELDS: dict[str, type] = {
    "id": str,
    "genre": str,
    "treatment": str,
    "condition": str,
    "register": str,
    "split": str,
    "text": str,
    "spans": list,
    "doc_labels": list,
}


def default_corpus() -> Path | None:
    """The corpus ``train`` and ``evaluate`` read when given none.

    ``datasets/corpus.jsonl`` of the current folder when there is one (a clone
    of the repository, where it may have just been rebuilt), else the corpus
    shipped inside the installed package; None when neither exists.
    """
    if CORPUS_IN_CLONE.is_file():
        return CORPUS_IN_CLONE
    from importlib import resources

    try:
        packaged = resources.files("classifier.datasets").joinpath("corpus.jsonl")
    except ModuleNotFoundError:
        return None
    return Path(str(packaged)) if packaged.is_file() else None


@dataclass(frozen=True)
class SpanAnnotation:
    start: int
    end: int
    label: str


@dataclass(frozen=True)
class CorpusDocument:
    id: str
    genre: str
    treatment: str
    condition: str
    register: str
    split: str
    text: str
    spans: list[SpanAnnotation] = field(default_factory=list)
    doc_labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _parse(record: Any, path: Path, line: int) -> CorpusDocument:
    def fail(detail: str) -> CorpusError:
        return CorpusError(Errors.E007.format(path=path, line=line, detail=detail))

    if not isinstance(record, dict):
        raise fail(f"expected a JSON object, got {type(record).__name__}")
    missing = [key for key in _FIELDS if key not in record]
    if missing:
        raise fail(f"missing fields {missing}")
    extra = sorted(set(record) - set(_FIELDS))
    if extra:
        raise fail(f"unknown fields {extra}; expected only {list(_FIELDS)}")
    for key, kind in _FIELDS.items():
        if not isinstance(record[key], kind):
            raise fail(f"field '{key}' must be {kind.__name__}, got {type(record[key]).__name__}")
    if record["split"] not in SPLITS:
        raise fail(f"split {record['split']!r} is not one of {list(SPLITS)}")
    spans = []
    for span in record["spans"]:
        if not isinstance(span, dict) or set(span) != {"start", "end", "label"}:
            raise fail(f"each span needs exactly start, end and label; got {span!r}")
        if not (
            isinstance(span["start"], int)
            and isinstance(span["end"], int)
            and 0 <= span["start"] < span["end"] <= len(record["text"])
        ):
            raise fail(
                f"span {span!r} is not a non-empty range inside the text (length {len(record['text'])})"
            )
        spans.append(SpanAnnotation(span["start"], span["end"], str(span["label"])))
    return CorpusDocument(**{**record, "spans": spans, "doc_labels": [str(x) for x in record["doc_labels"]]})


def read_corpus(path: str | Path, splits: Iterable[str] | None = None) -> list[CorpusDocument]:
    """Read a corpus JSONL file, checking every record's schema; optionally keep some splits."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(
            f"No corpus file at '{path}'. Expected a JSON Lines file such as datasets/corpus.jsonl."
        )
    wanted = set(splits) if splits is not None else None
    if wanted is not None and not wanted <= set(SPLITS):
        unknown = sorted(wanted - set(SPLITS))
        raise CorpusError(Errors.E010.format(split=", ".join(unknown), allowed=", ".join(SPLITS)))
    documents = []
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusError(Errors.E007.format(path=path, line=line_number, detail=error)) from error
            document = _parse(record, path, line_number)
            if wanted is None or document.split in wanted:
                documents.append(document)
    return documents


def write_corpus(documents: Iterable[CorpusDocument], path: str | Path) -> None:
    """Write documents as JSON Lines, one per line, in the order given."""
    with Path(path).open("w", encoding="utf-8") as handle:
        for document in documents:
            handle.write(json.dumps(document.to_dict(), ensure_ascii=False) + "\n")
