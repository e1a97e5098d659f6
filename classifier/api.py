"""The library entry point: ``load()`` a model, then ``score`` texts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.language import Language

from classifier.errors import Errors, InputError
from classifier.flags.explanations import check_explain_mode
from classifier.flags.report import Report
from classifier.pipeline.build import build_pipeline
from classifier.pipeline.claims import REPORT_EXTENSION, SPANS_KEY, ClinicClaims

__all__ = ["Model", "load", "split_text"]


class Model:
    """A loaded classifier: a spaCy pipeline ending in the ``clinic_claims`` component.

    Use :func:`load` to make one. ``nlp`` is the spaCy pipeline, for spaCy users
    who want ``doc.spans["risk_flags"]`` directly.
    """

    #: Texts longer than this many characters are scored in pieces.
    piece_size: int = 100_000

    def __init__(
        self,
        nlp: Language,
        *,
        path: str,
        threshold: float | None,
        spacy_model: str | None,
        explain: str = "short",
        min_confidence: float | None = None,
        trust: bool = False,
    ) -> None:
        self.nlp = nlp
        self.path = path
        self.threshold = threshold
        self.spacy_model = spacy_model
        self.explain = explain
        self.min_confidence = min_confidence
        self.trust = trust

    @property
    def card(self) -> dict[str, Any]:
        """The model card: categories, thresholds, training data hash, versions, dev metrics."""
        component: ClinicClaims = self.nlp.get_pipe("clinic_claims")
        return dict(component.card)

    @property
    def spans_key(self) -> str:
        return SPANS_KEY

    def score(self, text: str) -> Report:
        """Score one text; flag offsets index into ``text`` itself.

        Texts longer than ``piece_size`` characters are scored in pieces cut at
        paragraph or sentence boundaries, with offsets into the whole text.
        """
        return self._score_batch([_check_text(text)])[0]

    def score_many(self, texts: Iterable[str], n_jobs: int = 1, batch_size: int = 32) -> Iterator[Report]:
        """Score an iterable of texts lazily, yielding Reports in input order.

        With ``n_jobs > 1`` batches are scored in that many processes, each
        holding one copy of the model; at most ``2 * n_jobs`` batches are in
        flight, so memory stays bounded on long streams.
        """
        if n_jobs < 1:
            raise InputError(f"n_jobs must be 1 or more, got {n_jobs}.")
        checked = (_check_text(text) for text in texts)
        if n_jobs == 1:
            while batch := list(islice(checked, batch_size)):
                yield from self._score_batch(batch)
            return
        yield from self._score_parallel(checked, n_jobs, batch_size)

    def _score_batch(self, texts: list[str]) -> list[Report]:
        short = (text for text in texts if len(text) <= self.piece_size)
        docs = self.nlp.pipe(short, batch_size=len(texts))
        return [
            self._score_long(text) if len(text) > self.piece_size else next(docs)._.get(REPORT_EXTENSION)
            for text in texts
        ]

    def _score_long(self, text: str) -> Report:
        pieces = list(split_text(text, self.piece_size))
        component: ClinicClaims = self.nlp.get_pipe("clinic_claims")
        with self.nlp.select_pipes(disable=["clinic_claims"]):
            docs = self.nlp.pipe((piece for _, piece in pieces), batch_size=1)
            return component.scorer.score_pieces(
                (offset, doc) for (offset, _), doc in zip(pieces, docs, strict=True)
            )

    def loader(self) -> Callable[[], Model]:
        """A picklable function that loads this same model again (for worker processes).

        A model directory is named by its absolute path, so a worker started
        in another folder (or on another machine sharing the storage) finds it.
        """
        return partial(
            load,
            str(Path(self.path).absolute()) if self.path else None,
            threshold=self.threshold,
            spacy_model=self.spacy_model,
            explain=self.explain,
            min_confidence=self.min_confidence,
            trust=self.trust,
        )

    def _score_parallel(self, texts: Iterator[str], n_jobs: int, batch_size: int) -> Iterator[Report]:
        from classifier.run.parallel import ordered_map

        chunks = iter(lambda: list(islice(texts, batch_size)), [])
        yield from ordered_map(_score_chunk, self, chunks, n_jobs)


def _score_chunk(model: Model, texts: list[str]) -> list[Report]:
    return model._score_batch(texts)


def split_text(text: str, size: int) -> Iterator[tuple[int, str]]:
    """Cut ``text`` into pieces of at most ``size`` characters, each with its offset.

    A cut falls at the last paragraph break before the limit, else the last
    line break, else the last sentence end, else the last space; only text
    with none of these is cut mid-word.
    """
    start = 0
    while len(text) - start > size:
        window = text[start : start + size]
        cut = -1
        for boundary in ("\n\n", "\n", ". ", "? ", "! ", " "):
            position = window.rfind(boundary)
            if position > size // 2:
                cut = position + len(boundary)
                break
        if cut <= 0:
            cut = size
        yield start, text[start : start + cut]
        start += cut
    yield start, text[start:]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError(Errors.E008.format(type=type(text).__name__))
    return text


def load(
    path: str | Path | None = None,
    *,
    threshold: float | None = None,
    spacy_model: str | None = None,
    explain: str = "short",
    min_confidence: float | None = None,
    trust: bool = False,
) -> Model:
    """Load a model directory (default: the model bundled with the package).

    A model directory runs no code: it holds only arrays and JSON, and every
    file must match the sha256 its card records. A card that is not pinned
    (the bundled model's is; see ``classifier model pin``) is refused with
    :class:`~classifier.errors.UntrustedModelError` unless ``trust`` is true.

    Parameters
    ----------
    path
        A directory written by ``classifier train``.
    threshold
        One decision threshold for every category, instead of the per-category
        thresholds chosen on the dev split.
    spacy_model
        An installed spaCy pipeline (e.g. ``"en_core_web_sm"``) to preprocess
        with, instead of the built-in blank English one.
    explain
        ``"short"`` (default): each flag's explanation says why, which qualifier
        was present or missing, and points to the fact, in at most 300
        characters. ``"full"``: also the fact with its source and the drivers.
    min_confidence
        Leave out flags whose score (the calibrated probability) is below this,
        on top of the per-category thresholds; each report's ``risk`` still
        counts them.
    trust
        Load a model whose card is not pinned, such as one you trained
        yourself. Check first what it changes with ``classifier model verify DIR``.
    """
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError(Errors.E013.format(value=threshold))
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise InputError(Errors.E016.format(value=min_confidence))
    check_explain_mode(explain)
    nlp = build_pipeline(spacy_model)
    config = {
        "model": str(path or ""),
        "threshold": threshold,
        "explain": explain,
        "min_confidence": min_confidence,
        "trust": trust,
    }
    nlp.add_pipe("clinic_claims", config=config)
    return Model(
        nlp,
        path=str(path or ""),
        threshold=threshold,
        spacy_model=spacy_model,
        explain=explain,
        min_confidence=min_confidence,
        trust=trust,
    )
