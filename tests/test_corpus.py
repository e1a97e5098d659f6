"""Corpus schema, authoring markup, validator and the real corpus."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from classifier.corpus import CorpusDocument, SpanAnnotation, read_corpus
from classifier.corpus.markup import MarkupError, parse_markup
from classifier.corpus.stats import corpus_stats
from classifier.corpus.validate import validate_corpus
from classifier.errors import CorpusError

from .conftest import REPO

CORPUS = REPO / "datasets" / "corpus.jsonl"


def _doc(
    text: str,
    spans: list[tuple[int, int, str]],
    split: str = "train",
    id: str = "x-1",
    doc_labels: list[str] | None = None,
) -> CorpusDocument:
    return CorpusDocument(
        id=id,
        genre="faq",
        treatment="prp",
        condition="autism",
        register="clinical",
        split=split,
        text=text,
        spans=[SpanAnnotation(*s) for s in spans],
        doc_labels=doc_labels or [],
    )


def test_markup_gives_offsets_into_plain_text() -> None:
    source = (
        "### doc\nid: z-1\ngenre: faq\ntreatment: prp\ncondition: autism\nregister: clinical\n"
        "missing_disclosure: true\ntext:\n"
        "It [[cure_claim: cures autism]] and is [[absolute_safety: safe]].\n### end\n"
    )
    [document] = parse_markup(source)
    assert document.text == "It cures autism and is safe."
    assert [document.text[s:e] for s, e, _ in document.spans] == ["cures autism", "safe"]
    assert [label for _, _, label in document.spans] == ["cure_claim", "absolute_safety"]


def test_markup_errors_name_the_block() -> None:
    source = (
        "### doc\nid: z-1\ngenre: faq\ntreatment: prp\ncondition: autism\nregister: clinical\n"
        "missing_disclosure: false\ntext:\nbroken [[cure_claim: cures\n### end\n"
    )
    with pytest.raises(MarkupError, match=r"block 1 \(z-1\): unbalanced"):
        parse_markup(source)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"id": "a"}, "missing fields"),
        ({"split": "holdout"}, "split 'holdout' is not one of"),
        (
            {"spans": [{"start": 5, "end": 999, "label": "cure_claim"}]},
            "not a non-empty range inside the text",
        ),
        ({"extra": 1}, "unknown fields"),
    ],
    ids=["missing", "split", "span-range", "extra-field"],
)
def test_schema_errors(tmp_path: Path, record: dict, message: str) -> None:
    base = _doc("It cures autism.", []).to_dict()
    data = {"id": "a"} if record == {"id": "a"} else {**base, **record}
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(CorpusError, match=message):
        read_corpus(path)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (_doc("It cures autism.", [(4, 8, "cure_claim")]), "not on token boundaries"),
        (_doc("It cures autism.", [(3, 15, "cure_claim"), (9, 15, "cure_all")]), "overlaps"),
        (_doc("It cures autism.", [(3, 15, "miracle")]), "not a span category"),
        (
            _doc("It cures autism.", [(3, 15, "hype_language")], doc_labels=["missing_disclosure"]),
            "needs at least one high-severity span",
        ),
        (dataclasses.replace(_doc("x", []), genre="poem"), "genre 'poem' is not one of"),
    ],
    ids=["token-boundary", "overlap", "label", "disclosure-without-high-span", "vocabulary"],
)
def test_validator_finds_record_problems(document: CorpusDocument, message: str) -> None:
    problems = validate_corpus([document], minimums=None)
    assert any(message in p for p in problems), problems


def test_validator_finds_near_duplicates_across_splits_only() -> None:
    first = _doc("Our cells heal damaged knees in only two short visits.", [], id="a", split="train")
    near = _doc("Our cells heal damaged knees in only two short visits!", [], id="b", split="test")
    assert any("near-duplicate" in p for p in validate_corpus([first, near], minimums=None))
    same_split = dataclasses.replace(near, split="train")
    assert validate_corpus([first, same_split], minimums=None) == []


def test_validator_finds_runs_of_eight_words_shared_across_splits_only() -> None:
    shared = "the clinic will refund nothing if the cells fail"
    first = _doc(f"Please note that {shared} to help you.", [], id="a", split="train")
    second = _doc(f"Be warned: {shared}, as reviewers found.", [], id="b", split="test")
    problems = validate_corpus([first, second], minimums=None)
    assert any(
        "share a run of 8 words" in p and "'the clinic will refund nothing if the cells'" in p
        for p in problems
    )
    assert validate_corpus([first, dataclasses.replace(second, split="train")], minimums=None) == []
    seven = _doc(
        "Be warned: the clinic will refund nothing if, as reviewers found.", [], id="c", split="test"
    )
    assert not any("share a run" in p for p in validate_corpus([first, seven], minimums=None))


def test_build_keeps_documents_sharing_a_run_together_and_realstyle_apart(tmp_path: Path) -> None:
    from classifier.corpus.build import build_corpus

    def block(id: str, text: str) -> str:
        return (
            f"### doc\nid: {id}\ngenre: faq\ntreatment: prp\ncondition: back_pain\nregister: clinical\n"
            f"missing_disclosure: false\ntext:\n{text}\n### end\n"
        )

    run = "injections are given in a clean treatment room by our nurses"
    (tmp_path / "realstyle").mkdir()
    (tmp_path / "a.md").write_text(
        block("x-001", f"At our clinic {run}.") + block("x-002", f"Here {run} daily.")
    )
    (tmp_path / "realstyle" / "b.md").write_text(block("x-003", "A page nobody else wrote."))
    documents = {d.id: d for d in build_corpus(sorted(tmp_path.rglob("*.md")))}
    assert documents["x-001"].split == documents["x-002"].split != "realstyle"
    assert documents["x-003"].split == "realstyle"


def test_stats_count_hard_negatives() -> None:
    documents = [
        _doc("It cures autism. Results vary between patients. Hello there.", [(3, 15, "cure_claim")])
    ]
    stats = corpus_stats(documents)
    assert stats["sentences"] == 3
    assert stats["hard_negative_sentences"] == 1
    assert stats["spans"] == {"cure_claim": 1}


def test_the_corpus_is_valid_and_meets_every_coverage_minimum() -> None:
    # The full minimums of the corpus issue: 300 documents, 6,000 sentences,
    # 150 spans per category (300 for high severity), 2,000 hard negatives, coverage.
    problems = validate_corpus(read_corpus(CORPUS))
    assert problems == []


def test_the_corpus_matches_its_sources() -> None:
    from classifier.corpus.build import build_corpus, read_pinned

    sources = sorted((CORPUS.parent / "source").glob("*.md")) + sorted(
        (CORPUS.parent / "realstyle").glob("*.md")
    )
    assert build_corpus(sources, read_pinned(CORPUS.parent / "splits.json")) == read_corpus(CORPUS)


def test_pinned_documents_keep_their_split_and_new_ones_join_their_group(tmp_path: Path) -> None:
    from classifier.corpus.build import build_corpus, read_pinned, write_pinned

    def block(id: str, text: str) -> str:
        return (
            f"### doc\nid: {id}\ngenre: faq\ntreatment: prp\ncondition: back_pain\nregister: clinical\n"
            f"missing_disclosure: false\ntext:\n{text}\n### end\n"
        )

    source = tmp_path / "a.md"
    source.write_text(block("x-001", "Knees and hips are joints."))
    [first] = build_corpus([source])
    other = "train" if first.split != "train" else "test"
    write_pinned([dataclasses.replace(first, split=other)], tmp_path / "splits.json")
    run = "injections are given in a clean treatment room by our nurses"
    source.write_text(block("x-001", f"At our clinic {run}.") + block("x-002", f"Here {run} daily."))
    documents = build_corpus([source], read_pinned(tmp_path / "splits.json"))
    assert [d.split for d in documents] == [other, other]


def test_the_realstyle_split_has_the_shape_of_the_real_pages_it_stands_for() -> None:
    from classifier.model.page import CAREFUL_GENRES

    documents = read_corpus(CORPUS, splits=["realstyle"])
    assert len(documents) >= 80
    assert sum(d.genre in CAREFUL_GENRES for d in documents) >= 0.4 * len(documents)
    families = {"stem cells", "exosomes", "prp", "nad_plus", "ozone", "chelation", "hyperbaric_oxygen"}
    found = {d.treatment if d.treatment in families else "stem cells" for d in documents if d.treatment}
    assert found == families
    assert {d.id for d in documents}.isdisjoint(
        d.id for d in read_corpus(CORPUS, splits=["train", "dev", "test"])
    )


def test_coverage_minimums_are_enforced() -> None:
    from classifier.corpus.validate import Minimums

    documents = [_doc("It cures autism.", [(3, 15, "cure_claim")])]
    problems = validate_corpus(
        documents,
        minimums=Minimums(
            documents=2,
            sentences=1,
            spans_per_category=1,
            spans_per_high_category=1,
            hard_negative_sentences=0,
            genres=1,
            conditions=1,
            treatments=1,
            registers=1,
        ),
    )
    assert "coverage: documents 1 < 2" in problems
    assert "coverage: absolute_safety spans 0 < 1" in problems
    assert not any("cure_claim spans" in p for p in problems)
