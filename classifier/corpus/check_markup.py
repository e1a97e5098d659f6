"""Check authoring files: ``python -m classifier.corpus.check_markup FILE...``.

Prints per-file and total counts of documents, rough sentences and spans per
label, and every problem found (unknown labels or vocabulary, inconsistent
``missing_disclosure``). Exits 1 when a problem is found.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

from classifier.corpus.markup import MarkupError, parse_markup
from classifier.taxonomy import SPAN_CATEGORIES, get_category

SPAN_LABELS = {name: get_category(name).severity for name in SPAN_CATEGORIES}


def rough_sentences(text: str) -> int:
    count = 0
    for line in text.splitlines():
        line = line.strip()
        if line:
            count += len([s for s in re.split(r"(?<=[.!?])\s+", line) if s.strip()])
    return count


def main(paths: list[str]) -> int:
    vocab = json.loads(resources.files("classifier.data").joinpath("corpus_vocab.json").read_text())
    allowed = {
        "genre": vocab["genres"],
        "treatment": vocab["treatments"],
        "condition": vocab["conditions"],
        "register": vocab["registers"],
    }
    totals: Counter[str] = Counter()
    problems = []
    ids: set[str] = set()
    docs = sentences = 0
    for path in paths:
        try:
            documents = parse_markup(Path(path).read_text(encoding="utf-8"), path)
        except MarkupError as error:
            problems.append(str(error))
            continue
        for doc in documents:
            docs += 1
            sentences += rough_sentences(doc.text)
            where = f"{path} {doc.meta['id']}"
            if doc.meta["id"] in ids:
                problems.append(f"{where}: duplicate id")
            ids.add(doc.meta["id"])
            for key, values in allowed.items():
                if doc.meta[key] not in values:
                    problems.append(f"{where}: {key} {doc.meta[key]!r} not in {values}")
            if doc.meta["missing_disclosure"] not in ("true", "false"):
                problems.append(f"{where}: missing_disclosure must be true or false")
            high = False
            for start, end, label in doc.spans:
                if label not in SPAN_LABELS:
                    problems.append(f"{where}: unknown label {label!r} on {doc.text[start:end]!r}")
                    continue
                totals[label] += 1
                high = high or SPAN_LABELS[label] == "high"
            if doc.meta["missing_disclosure"] == "true" and not high:
                problems.append(f"{where}: missing_disclosure true needs at least one high-severity span")
    print(f"documents: {docs}  rough sentences: {sentences}  spans: {sum(totals.values())}")
    for label in SPAN_LABELS:
        print(f"  {label:28s} {totals[label]}")
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
