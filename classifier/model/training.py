"""Training: corpus -> sentence examples -> fitted estimator -> thresholds on dev -> model directory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from spacy.tokens import Doc

from classifier.corpus.schema import CorpusDocument, read_corpus
from classifier.errors import CorpusError, Errors
from classifier.model.context import ContextWeights, cross_validated_context, fit_context
from classifier.model.estimator import make_estimator
from classifier.model.features import ARGUMENT_CUE_KINDS, PageStance, SentenceFeatures, document_features
from classifier.model.page import PageWeights, make_page_estimator, page_string, promotes, stance_of
from classifier.model.persistence import save_model, update_card
from classifier.model.phrases import (
    PhraseExample,
    PhraseWeights,
    TokenTable,
    anchor_positions,
    fit_phrase_weights,
    phrase_features,
    token_cues,
)
from classifier.model.weights import TrainedModel, passing
from classifier.pipeline.build import build_pipeline
from classifier.pipeline.tokenizer import original_offsets
from classifier.taxonomy import SPAN_CATEGORIES

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = [
    "LEVERS",
    "TrainingConfig",
    "choose_runner_up_margin",
    "choose_thresholds",
    "fit_phrases",
    "phrase_examples",
    "sentence_examples",
    "train",
]

#: Feature families beyond a sentence's own words and claim cues, each of which
#: training can leave out (for the ablation in the README): the page's stance;
#: list and heading structure (the cues of a list's lead-in and of the heading above);
#: attribution (quotes, reporting, critics);
#: category arguments (which cells, prevalence or outcome, regulator's rules);
#: the register of selling (booking, ease, social proof, page furniture);
#: the sense classes of the words (``SENSE_<n>``, see :func:`classifier.model.features.word_senses`).
LEVERS: dict[str, tuple[str, ...]] = {
    "page": ("PAGE_",),
    "page_crosses": ("PAGE_CAREFUL|", "PAGE_MIXED|", "PAGE_PROMO|"),
    "structure": ("LEAD_", "HEAD_", "CUE_ITEM", "CUE_HEADING"),
    "attribution": ("QUOTED_", "CUE_QUOTED", "PREV_", "CUE_CRITIC", "CUE_REGULATOR"),
    "arguments": ("ARG_", *ARGUMENT_CUE_KINDS),
    "register": ("CUE_COMMERCE", "CUE_FURNITURE", "CUE_SOFT_BENEFIT", "CUE_EASE", "CUE_SOCIAL_PROOF"),
    "senses": ("SENSE_",),
}
#: Folds of the out-of-fold page stances of the training documents.
PAGE_FOLDS = 5
#: Folds of the cross-validated predictions thresholds are chosen on.
THRESHOLD_FOLDS = 4
#: Times the cross-validation is repeated, each with its own random grouping of documents into
#: folds; thresholds are chosen on the F1 curves averaged over the repeats.
THRESHOLD_REPEATS = 3

#: Threshold used for a category the dev split has no example of.
#: Grid steps on each side averaged when smoothing the dev F1 curve (0.05 of probability).
SMOOTHING = 5
#: How far under the smoothed F1 peak a threshold may sit (see :func:`choose_thresholds`).
PLATEAU = 0.005
FALLBACK_THRESHOLD = 0.5
_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


@dataclass(frozen=True)
class TrainingConfig:
    """Estimator settings; see :func:`classifier.model.estimator.make_estimator`."""

    ngram_max: int = 3
    min_df: int = 2
    C: float = 16.0
    calibration_folds: int = 3
    #: Whether each category's calibrated model is the mean of its calibration folds' models
    #: (each fitted on two thirds of the sentences) rather than one model fitted on all of
    #: them; see :func:`classifier.model.estimator.make_estimator`.
    calibration_ensemble: bool = True
    #: The feature families of :data:`LEVERS` that the model uses.
    levers: tuple[str, ...] = tuple(LEVERS)
    #: Whether thresholds come from cross-validated predictions over train and dev (four more fits
    #: per repeat, see ``threshold_repeats``) or from dev alone (quicker, for learning curves).
    cross_validated_thresholds: bool = True
    #: How many random groupings into folds the cross-validation of the thresholds is repeated
    #: with (see :func:`cross_validated_probabilities`); each costs ``THRESHOLD_FOLDS`` fits.
    threshold_repeats: int = THRESHOLD_REPEATS
    #: Whether a phrase model (:mod:`classifier.model.phrases`) is fitted on the gold spans to place
    #: each flag's phrase; without one, the phrase grows around the sentence model's evidence.
    phrase_model: bool = True
    #: Inverse regularisation of the phrase model's three logistic regressions.
    phrase_C: float = 1.0
    #: Whether, once thresholds are chosen on cross-validated predictions, the models are
    #: fitted on train and dev together rather than on train alone (dev's own figures are
    #: then in-sample). In cross-validation over train and dev, sentence micro F1 rose from
    #: 0.741 to 0.755 between training on 460 and on 537 documents, and one model fitted on
    #: all sentences (``calibration_ensemble=False``) gave 0.739 against 0.729. Both are off
    #: by default: with either, the page model's stance of a text of one sentence changed
    #: from one fit to the next (``No treatment is completely safe.`` went from mixed to
    #: promotional and was flagged as absolute_safety), and sentences of the real-world
    #: example article in ``../shared/examples`` dropped below their thresholds.
    refit_on_dev: bool = False
    #: Whether a context model (:mod:`classifier.model.context`) reads each sentence's probabilities
    #: again, with its neighbours' and its page's. It is fitted on cross-validated probabilities, so
    #: only with ``cross_validated_thresholds``; thresholds are then chosen on its own
    #: cross-validated probabilities. It raised cross-validated sentence micro F1 from 0.764 to
    #: 0.774 and 0.773 on two groupings (see the module's notes).
    context_model: bool = True
    #: Inverse regularisation of the context model's logistic regressions.
    context_C: float = 0.1


_NOT_ESTIMATOR_SETTINGS = (
    "levers",
    "cross_validated_thresholds",
    "threshold_repeats",
    "phrase_model",
    "phrase_C",
    "refit_on_dev",
    "context_model",
    "context_C",
)


def _lever_filter(levers: Sequence[str]) -> tuple[str, ...]:
    unknown = sorted(set(levers) - set(LEVERS))
    if unknown:
        raise ValueError(f"Unknown levers {unknown}; expected some of {list(LEVERS)}.")
    return tuple(marker for name, markers in LEVERS.items() if name not in levers for marker in markers)


def _as_string(features: SentenceFeatures, dropped: tuple[str, ...]) -> str:
    if not dropped:
        return features.as_string()
    cues = [cue for cue in features.cues if not any(marker in cue for marker in dropped)]
    return " ".join(features.words) + "\t" + " ".join(cues)


def sentence_examples(
    docs: Sequence[Doc],
    documents: Sequence[CorpusDocument],
    categories: Sequence[str] = SPAN_CATEGORIES,
    *,
    pages: Sequence[PageStance | None] | None = None,
    levers: Sequence[str] = tuple(LEVERS),
) -> tuple[list[str], np.ndarray]:
    """Feature strings of every sentence and its multi-label indicator row.

    ``docs`` are the preprocessed ``documents``; ``pages`` gives each its page
    stance function. A sentence carries a category when a gold span of it
    overlaps the sentence. Feature families not in ``levers`` are left out.
    """
    strings, truth, _ = _labelled_sentences(docs, documents, categories, pages=pages, levers=levers)
    return strings, truth


def _labelled_sentences(
    docs: Sequence[Doc],
    documents: Sequence[CorpusDocument],
    categories: Sequence[str] = SPAN_CATEGORIES,
    *,
    pages: Sequence[PageStance | None] | None = None,
    levers: Sequence[str] = tuple(LEVERS),
) -> tuple[list[str], np.ndarray, list[int]]:
    """:func:`sentence_examples`, and each sentence's length in tokens (what the context model reads)."""
    column = {name: i for i, name in enumerate(categories)}
    dropped = _lever_filter(levers)
    strings: list[str] = []
    rows: list[np.ndarray] = []
    lengths: list[int] = []
    stances = pages if pages is not None else [None] * len(docs)
    for document, doc, page in zip(documents, docs, stances, strict=True):
        for features in document_features(doc, page=page).sentences:
            start, end = original_offsets(doc, features.sentence.start_char, features.sentence.end_char)
            row = np.zeros(len(categories), dtype=np.int8)
            for span in document.spans:
                if span.start < end and start < span.end and span.label in column:
                    row[column[span.label]] = 1
            strings.append(_as_string(features, dropped))
            rows.append(row)
            lengths.append(len(features.sentence))
    return strings, np.asarray(rows, dtype=np.int8).reshape(-1, len(categories)), lengths


def phrase_examples(docs: Sequence[Doc], documents: Sequence[CorpusDocument]) -> list[PhraseExample]:
    """One example per (sentence, category) with a gold span: each word is inside a span of the
    category or not. A span belongs to the sentence its first character is in; the words of the
    sentence it covers are inside (a span running into the next sentence is cut at its end)."""
    examples = []
    span_categories = set(SPAN_CATEGORIES)
    for doc, document in zip(docs, documents, strict=True):
        sentences = document_features(doc).sentences
        ranges = [original_offsets(doc, f.sentence.start_char, f.sentence.end_char) for f in sentences]
        gold: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for span in document.spans:
            if span.label not in span_categories:
                continue
            for number, (start, end) in enumerate(ranges):
                if start <= span.start < end:
                    gold.setdefault((number, span.label), []).append((span.start, span.end))
                    break
        if not gold:
            continue
        cues = token_cues(doc)
        table = TokenTable(doc)
        for (number, category), spans in sorted(gold.items()):
            sentence = sentences[number]
            if not sentence.word_tokens:
                continue
            words = [
                original_offsets(doc, doc[t].idx, doc[t].idx + len(doc[t])) for t in sentence.word_tokens
            ]
            inside = [int(any(s <= a and b <= e for s, e in spans)) for a, b in words]
            if not any(inside):
                continue
            features = phrase_features(table, sentence, anchor_positions(sentence, category), cues, category)
            examples.append(PhraseExample(category, features, inside))
    return examples


def fit_phrases(
    docs: Sequence[Doc], documents: Sequence[CorpusDocument], config: TrainingConfig
) -> PhraseWeights:
    """The phrase model fitted on the gold spans of ``documents``."""
    examples = phrase_examples(docs, documents)
    if not examples:
        raise CorpusError(
            "No annotated span lies inside a sentence of the train split; the phrase model has "
            "nothing to learn from. Check the corpus spans, or train with phrase_model=False."
        )
    return fit_phrase_weights(examples, C=config.phrase_C)


class _Examples(NamedTuple):
    """Sentence examples as :func:`sentence_examples` gives them, with each one's document number
    and length in tokens."""

    strings: list[str]
    truth: np.ndarray
    groups: list[int]
    lengths: list[int]


def _examples_by_document(
    docs: Sequence[Doc],
    documents: Sequence[CorpusDocument],
    pages: Sequence[PageStance] | None,
    config: TrainingConfig,
) -> _Examples:
    strings: list[str] = []
    rows: list[np.ndarray] = []
    groups: list[int] = []
    lengths: list[int] = []
    for number, (doc, document) in enumerate(zip(docs, documents, strict=True)):
        page = [pages[number]] if pages is not None else None
        x, y, n = _labelled_sentences([doc], [document], pages=page, levers=config.levers)
        strings.extend(x)
        rows.append(y)
        groups.extend([number] * len(x))
        lengths.extend(n)
    return _Examples(strings, np.vstack(rows), groups, lengths)


def cross_validated_probabilities(
    strings: Sequence[str],
    truth: np.ndarray,
    groups: Sequence[int],
    settings: dict[str, Any],
    *,
    repeats: int = THRESHOLD_REPEATS,
) -> list[np.ndarray] | None:
    """Each sentence's probabilities from a model that did not see its document, once per repeat.

    ``THRESHOLD_FOLDS`` folds of whole documents, drawn ``repeats`` times
    with a different random grouping (seeds 0, 1, ...). Thresholds chosen on
    these predictions rest on every train and dev sentence rather than on dev
    alone: on the 631-document corpus the dev-only choice put one category's
    threshold at 0.80 and another's at 0.52 on curves of a few dozen dev
    positives. One grouping is not enough either: on the 1,122 train and dev
    documents of the 1,381-document corpus, thresholds chosen on one
    grouping and on another differed by 0.049 on average over the categories
    (0.30 at most), and on the mean curve of three groupings against another
    three by 0.026. None when some fold would leave a category with fewer
    than two training sentences.
    """
    from sklearn.model_selection import GroupKFold

    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    if len(set(groups)) < THRESHOLD_FOLDS:
        return None
    strings = np.asarray(strings, dtype=object)
    repeated = []
    for seed in range(repeats):
        held_out = np.zeros(truth.shape)
        folds = GroupKFold(THRESHOLD_FOLDS, shuffle=True, random_state=seed)
        for fit_rows, predict_rows in folds.split(strings, truth, groups):
            if truth[fit_rows].sum(axis=0).min() < 2:
                return None
            calibration = min(settings["calibration_folds"], int(truth[fit_rows].sum(axis=0).min()))
            estimator = make_estimator(**{**settings, "calibration_folds": calibration})
            estimator.fit(list(strings[fit_rows]), truth[fit_rows])
            held_out[predict_rows] = estimator.predict_proba(list(strings[predict_rows]))
        repeated.append(held_out)
    return repeated


def _fixed(stance: str) -> PageStance:
    return lambda terms: stance


def fit_page_model(
    docs: Sequence[Doc], documents: Sequence[CorpusDocument]
) -> tuple[Pipeline, list[PageStance]] | None:
    """The page model fitted on ``documents``, and each document's out-of-fold stance.

    The training documents' own stances come from models that did not see
    them (``PAGE_FOLDS``-fold cross-validation), so that the sentence model
    learns from stances as noisy as those of new pages. None when the
    documents hold only one kind of page.
    """
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = np.array([promotes(document) for document in documents], dtype=np.int8)
    counts = np.bincount(labels, minlength=2)
    if counts.min() < PAGE_FOLDS:
        return None
    strings = [page_string(document_features(doc).terms) for doc in docs]
    estimator = make_page_estimator()
    folds = StratifiedKFold(PAGE_FOLDS, shuffle=True, random_state=0)
    held_out = cross_val_predict(clone(estimator), strings, labels, cv=folds, method="predict_proba")[:, 1]
    estimator.fit(strings, labels)
    return estimator, [_fixed(stance_of(p)) for p in held_out]


def _runs(
    truth: np.ndarray, probabilities: np.ndarray | Sequence[np.ndarray], caller: str
) -> list[np.ndarray]:
    """``probabilities`` as a list of arrays (one array, or the repeats of
    :func:`cross_validated_probabilities`), each checked to be shaped like ``truth``."""
    runs = [probabilities] if isinstance(probabilities, np.ndarray) else list(probabilities)
    if not runs or any(run.shape != truth.shape for run in runs):
        raise ValueError(
            f"{caller} needs probabilities shaped like truth {truth.shape}; got {[run.shape for run in runs]}"
        )
    return runs


def choose_thresholds(
    truth: np.ndarray, probabilities: np.ndarray | Sequence[np.ndarray], categories: Sequence[str]
) -> dict[str, float]:
    """Per category, the lowest threshold on a 0.01 grid where smoothed F1 on the given data is
    within ``PLATEAU`` of its peak.

    ``probabilities`` is one array (sentences x categories) or several, such
    as the repeats of :func:`cross_validated_probabilities`; with several,
    the F1 curve is the mean of their curves.

    The F1 curve of a few hundred dev sentences is jagged: equal maxima can
    sit far apart (0.22 and 0.75 for one category of the 364-document
    corpus), and picking between them is then arbitrary. The curve is
    therefore smoothed with a moving average over +-``SMOOTHING`` grid steps.
    Its top is still a wide plateau, and where on it the threshold sits
    moved by up to 0.2 from one fit to the next. Of the plateau, the lowest
    point within ``PLATEAU`` of the peak is taken: in nested 4-fold
    cross-validation over the train and dev documents of the 1,381-document
    corpus this gave sentence micro F1 0.744 against 0.749 for the middle of
    the plateau (standard deviation over folds 0.01), any-risk F1 0.836
    against 0.832, and recall 0.774 against 0.736. Recall is what decides:
    the claims missed on pages written outside the team (the example article
    of ``../shared/examples``) were claims scored just under their
    thresholds, not careful sentences scored over them.
    """
    runs = _runs(truth, probabilities, "choose_thresholds")
    thresholds = {}
    window = np.ones(2 * SMOOTHING + 1)
    for j, name in enumerate(categories):
        positives = truth[:, j].sum()
        if positives == 0:
            thresholds[name] = FALLBACK_THRESHOLD
            continue
        curves = []
        for run in runs:
            predicted = run[:, j][:, None] >= _GRID[None, :]
            true_positive = (predicted & (truth[:, j][:, None] == 1)).sum(axis=0)
            curves.append(2 * true_positive / (predicted.sum(axis=0) + positives))
        f1 = np.mean(curves, axis=0)
        # Moving average that averages only the grid points that exist at the edges.
        smoothed = np.convolve(f1, window, mode="same") / np.convolve(np.ones_like(f1), window, mode="same")
        thresholds[name] = float(_GRID[np.flatnonzero(smoothed >= smoothed.max() - PLATEAU)[0]])
    return thresholds


#: Margins tried by :func:`choose_runner_up_margin`, and how much micro F1 a margin must gain.
_MARGINS = np.round(np.arange(0.0, 0.401, 0.05), 2)
MARGIN_MIN_GAIN = 0.002


def choose_runner_up_margin(
    truth: np.ndarray,
    probabilities: np.ndarray | Sequence[np.ndarray],
    thresholds: Mapping[str, float],
    categories: Sequence[str],
) -> float:
    """The margin over its threshold that a sentence's further categories need (see
    :func:`classifier.model.weights.passing`), chosen for sentence micro F1 on the given
    predictions (the mean over several, such as the repeats of
    :func:`cross_validated_probabilities`), with ``thresholds`` fixed.

    The smallest margin of the grid with the best F1 is taken, and none
    unless it gains at least ``MARGIN_MIN_GAIN`` over no margin. In 4-fold
    cross-validation over the 1,122 train and dev documents of the
    1,381-document corpus, with thresholds chosen on other groupings' curves,
    a margin of 0.2 raised sentence micro F1 from 0.747 to 0.754 on each of
    three groupings: the second category of a sentence had been right less
    than half the time.
    """
    runs = _runs(truth, probabilities, "choose_runner_up_margin")
    cut = np.array([thresholds[name] for name in categories])
    positive = truth == 1

    def micro_f1(margin: float) -> float:
        values = []
        for run in runs:
            flagged = passing(run, cut, margin)
            true_positive = int((flagged & positive).sum())
            denominator = int(flagged.sum()) + int(positive.sum())
            values.append(2 * true_positive / denominator if denominator else 0.0)
        return float(np.mean(values))

    scores = [micro_f1(float(margin)) for margin in _MARGINS]
    best = int(np.argmax(scores))
    return float(_MARGINS[best]) if scores[best] - scores[0] >= MARGIN_MIN_GAIN else 0.0


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def train(
    corpus: str | Path,
    output: str | Path,
    *,
    config: TrainingConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Fit the models on the train and dev splits, choose thresholds, save to ``output``;
    returns the model card.

    Thresholds are chosen on cross-validated predictions over the train and
    dev documents (:func:`cross_validated_probabilities`); the models are then
    fitted on train (on train and dev with ``config.refit_on_dev``). When the corpus
    is too small for cross-validation, or ``cross_validated_thresholds`` is
    off, the models are fitted on train alone and thresholds are chosen on
    dev. The test and realstyle splits are never read.
    """
    config = config or TrainingConfig()
    say = progress or (lambda message: None)
    corpus = Path(corpus)
    documents = read_corpus(corpus, splits=("train", "dev"))
    by_split = {name: [d for d in documents if d.split == name] for name in ("train", "dev")}
    for name, members in by_split.items():
        if not members:
            raise CorpusError(Errors.E011.format(split=name, path=corpus))
    _lever_filter(config.levers)
    nlp = build_pipeline()
    say(f"preprocessing {len(by_split['train'])} train and {len(by_split['dev'])} dev documents")
    docs = {name: list(nlp.pipe(d.text for d in members)) for name, members in by_split.items()}
    fitted = None
    if config.cross_validated_thresholds:
        fitted = _fit_on_train_and_dev(docs, by_split, config, say)
        if fitted is None:
            say("too few documents for cross-validated thresholds: choosing them on dev")
    if fitted is None:
        fitted = _fit_on_train(docs, by_split, config, say)
    model, fitted_on, chosen_on, examples = fitted
    card = {
        "training_data": {
            "path": corpus.name,
            "sha256": _sha256(corpus),
            "train_documents": len(by_split["train"]),
            "train_sentences": examples["train"],
            "dev_documents": len(by_split["dev"]),
            "dev_sentences": examples["dev"],
            "fitted_on": fitted_on,
            "train_spans": examples["spans"],
        },
        "config": asdict(config),
        "thresholds_chosen_on": chosen_on,
    }
    save_model(model, output, card)
    say("evaluating on dev")
    from classifier.api import load
    from classifier.evaluate.metrics import evaluate_model

    card["dev_metrics"] = evaluate_model(load(output, trust=True), by_split["dev"])
    card["dev_metrics"]["in_sample"] = "dev" in fitted_on
    return update_card(output, dev_metrics=card["dev_metrics"])


#: What the two ways of fitting return: the model, the splits it was fitted on, what its
#: thresholds were chosen on, and counts for the card.
_Fitted = tuple[TrainedModel, list[str], str, dict[str, Any]]


def _fit_on_train_and_dev(
    docs: dict[str, list[Doc]],
    by_split: dict[str, list[CorpusDocument]],
    config: TrainingConfig,
    say: Callable[[str], None],
) -> _Fitted | None:
    """Thresholds from cross-validated predictions over train and dev; the models then fitted
    on train (and dev, with ``config.refit_on_dev``). None when cross-validation is impossible."""
    names = ["train", "dev"] if config.refit_on_dev else ["train"]
    all_docs = [*docs["train"], *docs["dev"]]
    all_documents = [*by_split["train"], *by_split["dev"]]
    page_model: Pipeline | None = None
    pages: list[PageStance] | None = None
    if "page" in config.levers and (page := fit_page_model(all_docs, all_documents)) is not None:
        page_model, pages = page
    x, y, groups, lengths = _examples_by_document(all_docs, all_documents, pages, config)
    settings = _estimator_settings(config)
    say(
        f"choosing thresholds on {THRESHOLD_FOLDS}-fold cross-validated predictions, "
        f"repeated {config.threshold_repeats} times ({THRESHOLD_FOLDS * config.threshold_repeats} fits)"
    )
    held_out = cross_validated_probabilities(x, y, groups, settings, repeats=config.threshold_repeats)
    if held_out is None:
        return None
    n_train = len(by_split["train"])
    rows = np.asarray(groups) < n_train if names == ["train"] else np.ones(len(x), dtype=bool)
    context: ContextWeights | None = None
    if config.context_model:
        say("fitting the context model on the cross-validated probabilities")
        # On the out-of-fold probabilities of the sentences the sentence model is fitted on (train,
        # or train and dev with refit_on_dev), so that dev stays unseen by both.
        context = fit_context(held_out, y, lengths, groups, C=config.context_C, rows=rows)
        held_out = cross_validated_context(
            held_out, y, lengths, groups, C=config.context_C, folds=THRESHOLD_FOLDS
        )
    thresholds = choose_thresholds(y, held_out, SPAN_CATEGORIES)
    margin = choose_runner_up_margin(y, held_out, thresholds, SPAN_CATEGORIES)
    say(f"runner-up categories of a sentence need their threshold plus {margin:.2f}")
    _check_positives(y[rows], config)
    say(f"fitting on {int(rows.sum())} sentences of {' and '.join(names)}")
    fit_x = [string for string, keep in zip(x, rows, strict=True) if keep]
    estimator = make_estimator(**_estimator_settings(config, y[rows])).fit(fit_x, y[rows])
    fit_docs = all_docs if names == ["train", "dev"] else docs["train"]
    fit_documents = all_documents if names == ["train", "dev"] else by_split["train"]
    phrases = _phrases(fit_docs, fit_documents, config, say)
    if names == ["train"] and page_model is not None:
        # The page model must not have seen the documents it was not fitted on.
        page = fit_page_model(docs["train"], by_split["train"])
        page_model = page[0] if page is not None else None
    model = TrainedModel(
        estimator=estimator,
        categories=list(SPAN_CATEGORIES),
        thresholds=thresholds,
        page=page_model,
        phrases=phrases,
        runner_up_margin=margin,
        context=context,
    )
    train_rows = np.asarray(groups) < n_train
    counts = {
        "train": int(train_rows.sum()),
        "dev": int((~train_rows).sum()),
        "spans": {c: int(n) for c, n in zip(SPAN_CATEGORIES, y[rows].sum(axis=0), strict=True)},
    }
    chosen_on = (
        f"{THRESHOLD_FOLDS}-fold cross-validated predictions over the train and dev documents, "
        f"F1 curves averaged over {config.threshold_repeats} random groupings into folds"
    )
    return model, names, chosen_on, counts


def _fit_on_train(
    docs: dict[str, list[Doc]],
    by_split: dict[str, list[CorpusDocument]],
    config: TrainingConfig,
    say: Callable[[str], None],
) -> _Fitted:
    """The models fitted on train alone, with thresholds chosen on dev."""
    page_model: Pipeline | None = None
    train_pages: list[PageStance] | None = None
    dev_pages: list[PageStance] | None = None
    if "page" in config.levers and (page := fit_page_model(docs["train"], by_split["train"])) is not None:
        page_model, train_pages = page
        dev_pages = [PageWeights.from_estimator(page_model).stance] * len(docs["dev"])
    x_train, y_train, _, _ = _examples_by_document(docs["train"], by_split["train"], train_pages, config)
    x_dev, y_dev, _, _ = _examples_by_document(docs["dev"], by_split["dev"], dev_pages, config)
    _check_positives(y_train, config)
    say(f"fitting on {len(x_train)} sentences of train")
    estimator = make_estimator(**_estimator_settings(config, y_train)).fit(x_train, y_train)
    dev_probabilities = estimator.predict_proba(x_dev)
    thresholds = choose_thresholds(y_dev, dev_probabilities, SPAN_CATEGORIES)
    model = TrainedModel(
        estimator=estimator,
        categories=list(SPAN_CATEGORIES),
        thresholds=thresholds,
        runner_up_margin=choose_runner_up_margin(y_dev, dev_probabilities, thresholds, SPAN_CATEGORIES),
        page=page_model,
        phrases=_phrases(docs["train"], by_split["train"], config, say),
    )
    counts = {
        "train": len(x_train),
        "dev": len(x_dev),
        "spans": {c: int(n) for c, n in zip(SPAN_CATEGORIES, y_train.sum(axis=0), strict=True)},
    }
    return model, ["train"], "dev", counts


def _estimator_settings(config: TrainingConfig, truth: np.ndarray | None = None) -> dict[str, Any]:
    """The estimator's keyword arguments; with ``truth``, calibration folds no more than the
    rarest category's positive sentences."""
    settings = {key: value for key, value in asdict(config).items() if key not in _NOT_ESTIMATOR_SETTINGS}
    if truth is not None:
        settings["calibration_folds"] = min(config.calibration_folds, int(truth.sum(axis=0).min()))
    return settings


def _check_positives(truth: np.ndarray, config: TrainingConfig) -> None:
    positives = truth.sum(axis=0)
    if int(positives.min()) < 2:
        scarce = [c for c, n in zip(SPAN_CATEGORIES, positives, strict=True) if n < 2]
        raise CorpusError(
            f"Categories {scarce} have fewer than 2 training sentences; "
            "calibration needs at least 2 per category. Add annotated documents to the train split."
        )


def _phrases(
    docs: Sequence[Doc],
    documents: Sequence[CorpusDocument],
    config: TrainingConfig,
    say: Callable[[str], None],
) -> PhraseWeights | None:
    if not config.phrase_model:
        return None
    say("fitting the phrase model on the gold spans")
    return fit_phrases(docs, documents, config)
