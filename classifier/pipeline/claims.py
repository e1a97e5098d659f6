"""The whole classifier as a spaCy component: ``nlp.add_pipe("clinic_claims")``.

Flags are written to ``doc.spans[spans_key]`` (label = category id) and the
full Report, with scores and explanations, to ``doc._.clinic_report``. Docs
that lack sentences, lemmas or cue spans get them from the component's own
preprocessing, so it works on a bare ``spacy.blank("en")`` too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

__all__ = ["REPORT_EXTENSION", "SPANS_KEY", "ClinicClaims"]

SPANS_KEY = "risk_flags"
REPORT_EXTENSION = "clinic_report"


class ClinicClaims:
    """Score docs with a trained model directory (empty ``model``: the bundled one)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "clinic_claims",
        *,
        model: str = "",
        spans_key: str = SPANS_KEY,
        threshold: float | None = None,
        batch_size: int = 64,
        explain: str = "short",
        min_confidence: float | None = None,
        trust: bool = False,
    ) -> None:
        from classifier.flags.scoring import Scorer
        from classifier.model.persistence import load_weights

        if not Doc.has_extension(REPORT_EXTENSION):
            Doc.set_extension(REPORT_EXTENSION, default=None)
        self.name = name
        self.spans_key = spans_key
        self.batch_size = batch_size
        self.vocab = nlp.vocab
        self.model_path = model or str(default_model_path())
        weights, self.card = load_weights(self.model_path, trust=trust)
        self.scorer = Scorer(weights, threshold=threshold, explain=explain, min_confidence=min_confidence)
        self._preprocess: Language | None = None

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, stream: Iterable[Doc], *, batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(stream, size=batch_size or self.batch_size):
            docs = [self._prepared(doc) for doc in batch]
            for doc, (report, spans) in zip(docs, self.scorer.score_docs_with_spans(docs), strict=True):
                doc._.set(REPORT_EXTENSION, report)
                doc.spans[self.spans_key] = spans
                yield doc

    def _prepared(self, doc: Doc) -> Doc:
        from classifier.pipeline.cues import CUES_KEY

        if doc.has_annotation("SENT_START") and doc.has_annotation("LEMMA") and CUES_KEY in doc.spans:
            return doc
        if self._preprocess is None:
            import spacy

            from classifier.pipeline.build import ensure_preprocessing

            self._preprocess = ensure_preprocessing(spacy.blank("en", vocab=self.vocab))
        for name, component in self._preprocess.pipeline:
            if name == "clinic_sentences" and doc.has_annotation("SENT_START"):
                continue
            if name in ("lemmatizer", "clinic_lemmas") and doc.has_annotation("LEMMA"):
                continue
            doc = component(doc)
        return doc


def default_model_path() -> object:
    """The bundled model: inside the installed package, or in ``models/`` of a source checkout."""
    from importlib import resources

    try:
        return resources.files("classifier.models").joinpath("default")
    except ModuleNotFoundError:
        from pathlib import Path

        return Path(__file__).resolve().parents[2] / "models" / "default"


@Language.factory(
    "clinic_claims",
    default_config={
        "model": "",
        "spans_key": SPANS_KEY,
        "threshold": None,
        "batch_size": 64,
        "explain": "short",
        "min_confidence": None,
        "trust": False,
    },
    assigns=["doc.spans", f"doc._.{REPORT_EXTENSION}"],
)
def make_claims(
    nlp: Language,
    name: str,
    *,
    model: str,
    spans_key: str,
    threshold: float | None,
    batch_size: int,
    explain: str,
    min_confidence: float | None,
    trust: bool,
) -> ClinicClaims:
    """Factory for ``nlp.add_pipe("clinic_claims", config={"model": "models/x"})``.

    ``trust``: load a model whose card is not pinned (see :func:`classifier.load`).
    """
    return ClinicClaims(
        nlp,
        name,
        model=model,
        spans_key=spans_key,
        threshold=threshold,
        batch_size=batch_size,
        explain=explain,
        min_confidence=min_confidence,
        trust=trust,
    )
