"""What scoring needs of a trained model, as plain arrays.

Training produces a scikit-learn Pipeline (:class:`TrainedModel`). Scoring
needs only its numbers: the vocabulary, the IDF weights, the stacked linear
models and their calibration, the per-category feature weights that place
and explain a flag, and the thresholds. :class:`ScoringWeights` holds them
and saves them as one ``.npz`` file that NumPy reads without pickles and
without importing scikit-learn, which halves the command-line cold start.
"""

from __future__ import annotations

import json
import math
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import numpy as np

from classifier.errors import Errors, ModelIntegrityError
from classifier.model.context import ContextWeights, feature_count
from classifier.model.linear import StackedLinear
from classifier.model.page import PageWeights
from classifier.model.phrases import PHRASE_SCORES, PhraseWeights
from classifier.model.vectors import SentenceIndexer
from classifier.taxonomy import SPAN_CATEGORIES

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

__all__ = ["MAX_UNCOMPRESSED_BYTES", "ScoringWeights", "TrainedModel", "passing"]


def passing(probabilities: np.ndarray, thresholds: np.ndarray, margin: float = 0.0) -> np.ndarray:
    """Sentences x categories: which categories are flagged.

    A category is flagged where its probability reaches its threshold; of a
    sentence's categories that do, those other than the one furthest over
    its threshold must reach their threshold plus ``margin``. One sentence
    rarely makes two kinds of claim, and a second category just over its
    threshold is more often the first one seen twice ("cures arthritis" as
    both cure_claim and unsupported_proof).
    """
    over = probabilities - thresholds
    passed = over >= 0
    if margin <= 0 or not passed.any():
        return passed
    leading = np.zeros_like(passed)
    leading[np.arange(len(over)), np.argmax(over, axis=1)] = True
    return passed & (leading | (over >= margin))


@dataclass
class TrainedModel:
    """What training produces and a model directory stores."""

    estimator: Pipeline
    categories: list[str]
    thresholds: dict[str, float]
    #: The page model (:mod:`classifier.model.page`) whose stance the sentence features carry, if any.
    page: Pipeline | None = None
    #: The phrase model (:mod:`classifier.model.phrases`) that places a flag inside its sentence, if any.
    phrases: PhraseWeights | None = None
    #: How far over its threshold a category must score to be flagged beside a sentence's leading
    #: category (see :func:`classifier.model.training.choose_runner_up_margin`).
    runner_up_margin: float = 0.0
    #: The context model (:mod:`classifier.model.context`) that rescores each sentence with its
    #: neighbours and its page, if any; thresholds then apply to its probabilities.
    context: ContextWeights | None = None


@dataclass
class ScoringWeights:
    """A trained model's numbers, enough to score and explain."""

    categories: list[str]
    thresholds: dict[str, float]
    indexer: SentenceIndexer
    linear: StackedLinear
    #: categories x features: each feature's weight (the mean of the category's linear models)
    #: times its IDF; derived from ``linear`` and the IDF, never stored.
    feature_weights: np.ndarray
    page: PageWeights | None = None
    #: Places each flag's phrase; without it, the phrase grows around the strongest evidence.
    phrases: PhraseWeights | None = None
    #: A sentence's categories other than the one furthest over its threshold are flagged only
    #: when they reach their threshold plus this margin.
    runner_up_margin: float = 0.0
    #: Rescores each sentence with its neighbours and its page; without it, the sentence model's
    #: probabilities are final.
    context: ContextWeights | None = None

    @classmethod
    def from_trained(cls, model: TrainedModel) -> ScoringWeights:
        """Extract the numbers of a fitted model; refuses an unfitted one."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(model.estimator)
        vectorizer = model.estimator.named_steps["features"]
        indexer = SentenceIndexer.from_vectorizer(vectorizer)
        linear = StackedLinear.from_estimator(model.estimator)
        return cls(
            categories=list(model.categories),
            thresholds=dict(model.thresholds),
            indexer=indexer,
            linear=linear,
            feature_weights=_feature_weights(linear, indexer.idf),
            page=PageWeights.from_estimator(model.page) if model.page is not None else None,
            phrases=model.phrases,
            runner_up_margin=model.runner_up_margin,
            context=model.context,
        )

    def save(self, target: str | Path | BinaryIO) -> None:
        """Write the weights as a compressed ``.npz`` file."""
        indexer = self.indexer
        config = {
            "categories": self.categories,
            "thresholds": self.thresholds,
            "runner_up_margin": self.runner_up_margin,
            "ngram_max": indexer.ngram_max,
            "sublinear_tf": indexer.sublinear_tf,
            "norm": indexer.norm,
            "prune": indexer.prune,
        }
        np.savez_compressed(
            target,
            config=np.array(json.dumps(config)),
            terms=np.array(indexer.terms, dtype=str),
            idf=indexer.idf,
            # The coefficients in single precision, like the phrase weights: a smaller file, with
            # probabilities within 1e-6 of the estimator's (test_persistence checks it).
            **{
                f"linear_{name}": array.astype(np.float32) if name == "coef" else array
                for name, array in self.linear.arrays().items()
            },
            **{f"page_{name}": array for name, array in (self.page.arrays() if self.page else {}).items()},
            **{
                f"phrase_{name}": array
                for name, array in (self.phrases.arrays() if self.phrases else {}).items()
            },
            **{
                f"context_{name}": array
                for name, array in (self.context.arrays() if self.context else {}).items()
            },
        )

    @classmethod
    def load(cls, source: str | Path | BinaryIO, *, path: str | Path | None = None) -> ScoringWeights:
        """Read weights written by :meth:`save`, checking every array (no pickles are read).

        ``path`` names the file in error messages when ``source`` is an open file.
        Raises :class:`~classifier.errors.ModelIntegrityError`, naming the file and
        what is wrong, for anything but a well-formed scoring file: not an ``.npz``
        archive, a missing array, a wrong shape or dtype, a NaN weight, a threshold
        outside [0, 1], or arrays that would take more than
        :data:`MAX_UNCOMPRESSED_BYTES` once decompressed.
        """
        archive = _Archive.open(source, path if path is not None else source)
        with archive:
            return archive.weights(cls)


#: The most a scoring file's arrays may take once decompressed (the bundled one takes about 20 MB).
MAX_UNCOMPRESSED_BYTES = 1 << 30
_LINEAR = tuple(f"linear_{name}" for name in StackedLinear.ARRAYS)
_PAGE = ("page_terms", "page_idf", "page_coef", "page_intercept")
_PHRASE = ("phrase_names", "phrase_weights", "phrase_intercepts", "phrase_config")
_CONTEXT = ("context_coef", "context_intercept")
_REQUIRED = ("config", "terms", "idf", *_LINEAR)
#: What reading a damaged archive member can raise (zip, zlib and .npy header errors).
_READ_ERRORS = (OSError, EOFError, ValueError, zipfile.BadZipFile, zlib.error, NotImplementedError)
_KINDS = {"f": "floating-point", "U": "text"}


class _Archive:
    """The arrays of one scoring file, each checked as it is read."""

    def __init__(self, arrays: np.lib.npyio.NpzFile, path: str | Path | BinaryIO) -> None:
        self.arrays = arrays
        self.path = path

    @classmethod
    def open(cls, source: str | Path | BinaryIO, path: str | Path | BinaryIO) -> _Archive:
        try:
            arrays = np.load(source, allow_pickle=False)
        except _READ_ERRORS as error:
            raise _invalid(path, f"it is not a NumPy .npz archive ({error})") from error
        if not isinstance(arrays, np.lib.npyio.NpzFile):
            raise _invalid(path, "it holds a single array, not an .npz archive of named arrays")
        archive = cls(arrays, path)
        try:
            archive.check_members()
        except BaseException:
            arrays.close()
            raise
        return archive

    def __enter__(self) -> _Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.arrays.close()

    def fail(self, detail: str) -> ModelIntegrityError:
        return _invalid(self.path, detail)

    def check_members(self) -> None:
        size = sum(info.file_size for info in self.arrays.zip.infolist())
        if size > MAX_UNCOMPRESSED_BYTES:
            raise self.fail(f"its arrays take {size} bytes decompressed, more than {MAX_UNCOMPRESSED_BYTES}")
        missing = [name for name in _REQUIRED if name not in self.arrays.files]
        if missing:
            raise self.fail(f"the arrays {missing} are missing")
        page = [name in self.arrays.files for name in _PAGE]
        if any(page) and not all(page):
            raise self.fail(f"the page model needs all of {list(_PAGE)}, found only some")
        phrase = [name in self.arrays.files for name in _PHRASE]
        if any(phrase) and not all(phrase):
            raise self.fail(f"the phrase model needs all of {list(_PHRASE)}, found only some")
        context = [name in self.arrays.files for name in _CONTEXT]
        if any(context) and not all(context):
            raise self.fail(f"the context model needs all of {list(_CONTEXT)}, found only some")

    def array(
        self, name: str, kind: str, shape: tuple[int | None, ...], *, finite: bool = True
    ) -> np.ndarray:
        """The array ``name``, of dtype kind ``kind`` and ``shape`` (None: any length)."""
        try:
            value = self.arrays[name]
        except _READ_ERRORS as error:
            raise self.fail(f"the array '{name}' cannot be read ({error})") from error
        if value.dtype.kind != kind:
            raise self.fail(f"the array '{name}' should hold {_KINDS[kind]} values, not {value.dtype}")
        if value.ndim != len(shape) or any(
            wanted is not None and wanted != n for wanted, n in zip(shape, value.shape, strict=True)
        ):
            wanted = "(" + ", ".join("any" if w is None else str(w) for w in shape) + ")"
            raise self.fail(f"the array '{name}' should have shape {wanted}, not {value.shape}")
        if kind == "f" and finite and not np.isfinite(value).all():
            raise self.fail(f"the array '{name}' holds NaN or infinite values")
        return value

    def terms(self, name: str) -> list[str]:
        terms = self.array(name, "U", (None,)).tolist()
        if len(set(terms)) != len(terms):
            raise self.fail(f"the array '{name}' repeats terms")
        return terms

    def config(self) -> dict[str, Any]:
        raw = self.array("config", "U", ())
        try:
            config = json.loads(str(raw))
        except json.JSONDecodeError as error:
            raise self.fail(f"the array 'config' is not JSON ({error})") from error
        if not isinstance(config, dict):
            raise self.fail(f"the array 'config' should be a JSON object, not {type(config).__name__}")
        for key, allowed in _CONFIG.items():
            if key not in config:
                raise self.fail(f"the array 'config' lacks '{key}'")
            if not allowed(config[key]):
                raise self.fail(f"'config' has {key} = {config[key]!r}, expected {_CONFIG_WANTED[key]}")
        categories, thresholds = config["categories"], config["thresholds"]
        unknown = [name for name in categories if name not in SPAN_CATEGORIES]
        if unknown or len(set(categories)) != len(categories):
            raise self.fail(
                f"'config' lists the categories {categories}; expected distinct ids of "
                f"{list(SPAN_CATEGORIES)}"
            )
        if set(thresholds) != set(categories):
            raise self.fail(
                f"'config' has thresholds for {sorted(thresholds)}, expected {sorted(categories)}"
            )
        # Scoring files written before the margin existed have none: no margin.
        margin = config.setdefault("runner_up_margin", 0.0)
        if not (_number(margin) and 0 <= margin <= 1):
            raise self.fail(f"'config' has runner_up_margin = {margin!r}, expected a number in [0, 1]")
        return config

    def weights(self, cls: type[ScoringWeights]) -> ScoringWeights:
        config = self.config()
        n_categories = len(config["categories"])
        terms = self.terms("terms")
        n_terms = len(terms)
        intercept = self.array("linear_intercept", "f", (None,))
        n_members = len(intercept)
        constant = self.array("linear_constant", "f", (n_categories,), finite=False)
        fixed = constant[~np.isnan(constant)]
        if not ((fixed >= 0) & (fixed <= 1)).all():
            raise self.fail("the array 'linear_constant' holds values outside [0, 1]")
        linear = StackedLinear(
            coef=self.array("linear_coef", "f", (n_terms, n_members)),
            intercept=intercept,
            slope=self.array("linear_slope", "f", (n_members,)),
            offset=self.array("linear_offset", "f", (n_members,)),
            average=self.array("linear_average", "f", (n_members, n_categories)),
            constant=constant,
        )
        page = None
        if "page_terms" in self.arrays.files:
            page_terms = self.terms("page_terms")
            page = PageWeights(
                terms=page_terms,
                idf=np.asarray(self.array("page_idf", "f", (len(page_terms),)), dtype=np.float64),
                coef=np.asarray(self.array("page_coef", "f", (len(page_terms),)), dtype=np.float64),
                intercept=float(self.array("page_intercept", "f", (1,))[0]),
            )
        phrases = None
        if "phrase_names" in self.arrays.files:
            names = self.terms("phrase_names")
            scores = len(PHRASE_SCORES)
            arrays = {
                "names": np.array(names, dtype=str),
                "weights": self.array("phrase_weights", "f", (len(names), scores)),
                "intercepts": self.array("phrase_intercepts", "f", (scores,)),
                "config": self.array("phrase_config", "U", ()),
            }
            try:
                phrases = PhraseWeights.from_arrays(arrays)
            except ValueError as error:
                raise self.fail(str(error)) from error
        context = None
        if "context_coef" in self.arrays.files:
            width = feature_count(n_categories)
            stored = self.arrays["context_coef"].shape
            if stored == (n_categories, n_categories + 2):
                raise self.fail(
                    "its context model has the inputs of an earlier release; retrain the model "
                    "with `classifier train --output DIR`"
                )
            context = ContextWeights(
                coef=np.asarray(self.array("context_coef", "f", (n_categories, width)), dtype=np.float64),
                intercept=np.asarray(self.array("context_intercept", "f", (n_categories,)), dtype=np.float64),
            )
        idf = self.array("idf", "f", (n_terms,))
        return cls(
            categories=list(config["categories"]),
            thresholds={k: float(v) for k, v in config["thresholds"].items()},
            indexer=SentenceIndexer(
                terms,
                idf,
                ngram_max=config["ngram_max"],
                sublinear_tf=config["sublinear_tf"],
                norm=config["norm"],
                prune=config["prune"],
            ),
            linear=linear,
            feature_weights=_feature_weights(linear, idf),
            page=page,
            phrases=phrases,
            runner_up_margin=float(config["runner_up_margin"]),
            context=context,
        )


def _feature_weights(linear: StackedLinear, idf: np.ndarray) -> np.ndarray:
    """Each category's feature weights times the features' IDF, in single precision."""
    return (linear.category_weights() * np.asarray(idf, dtype=np.float64)[np.newaxis, :]).astype(np.float32)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


_CONFIG: dict[str, Callable[[Any], bool]] = {
    "categories": lambda v: isinstance(v, list) and all(isinstance(c, str) for c in v),
    "thresholds": lambda v: isinstance(v, dict) and all(_number(t) and 0 <= t <= 1 for t in v.values()),
    "ngram_max": lambda v: isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 10,
    "sublinear_tf": lambda v: isinstance(v, bool),
    "norm": lambda v: v in ("l2", None),
    "prune": lambda v: isinstance(v, bool),
}
_CONFIG_WANTED = {
    "categories": "a list of category ids",
    "thresholds": "an object of numbers in [0, 1]",
    "ngram_max": "an integer from 1 to 10",
    "sublinear_tf": "true or false",
    "norm": '"l2" or null',
    "prune": "true or false",
}


def _invalid(path: object, detail: str) -> ModelIntegrityError:
    return ModelIntegrityError(Errors.E030.format(path=path, detail=detail))
