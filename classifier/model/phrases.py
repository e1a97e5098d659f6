"""The phrase model: which words of a flagged sentence make up the risky phrase.

The sentence model decides whether a sentence carries a category. This
token-level model then proposes the phrase inside it, learned from the
annotated spans of the corpus. Each word of the sentence gets three linear
scores over the same sparse features (its word and lemma, its neighbours, the
punctuation around it, its place in the sentence, the claim cues it belongs
to, its distance to the category's lexicon cues), all of them also crossed
with the category:

- ``inside``: the word belongs to the phrase;
- ``begin``: the phrase starts at this word;
- ``end``: the phrase ends at this word.

Decoding picks the contiguous word range ``[a, b)`` that maximises the sum of
the inside scores over its words (shifted by ``bias``) plus
``boundary_weight`` times the begin score of word ``a`` and the end score of
word ``b - 1``. Training fits three logistic regressions; scoring needs only
their weights, kept as plain arrays (:class:`PhraseWeights`) beside the
sentence model's.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat

import numpy as np
from spacy.attrs import IS_PUNCT, IS_SPACE, IS_STOP, IS_TITLE, LIKE_NUM, LOWER
from spacy.tokens import Doc

from classifier.model.features import SentenceFeatures
from classifier.pipeline.cues import CUES_KEY

__all__ = [
    "PHRASE_SCORES",
    "PhraseExample",
    "PhraseWeights",
    "TokenTable",
    "anchor_positions",
    "fit_phrase_weights",
    "phrase_features",
    "token_cues",
]

#: The three per-word scores, in the column order of :attr:`PhraseWeights.weights`.
PHRASE_SCORES = ("inside", "begin", "end")
_CLAIM_PREFIX = "CLAIM:"
#: Distance bins (in words) for the distance to the nearest lexicon cue and to the sentence's edges.
_DISTANCES = (1, 2, 3, 4, 6, 9)
_EDGE_DISTANCES = (1, 2, 3, 5, 8)


def _bin(value: float, edges: Sequence[float]) -> int:
    for number, edge in enumerate(edges):
        if value < edge:
            return number
    return len(edges)


def token_cues(doc: Doc, cues_key: str = CUES_KEY) -> dict[int, tuple[str, ...]]:
    """The cue labels (``CLAIM:cure_claim``, ``HEDGE`` ...) covering each token of ``doc``."""
    found: dict[int, list[str]] = defaultdict(list)
    if cues_key in doc.spans:
        for span in doc.spans[cues_key]:
            for token in range(span.start, span.end):
                found[token].append(span.label_)
    return {token: tuple(labels) for token, labels in found.items()}


class TokenTable:
    """What the phrase features read of a doc's tokens: one array read of the doc, then only the
    tokens of the sentences that hold a flag are looked at (Token objects cost more)."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.columns = doc.to_array([LOWER, IS_STOP, IS_TITLE, LIKE_NUM, IS_SPACE, IS_PUNCT])
        self.strings = doc.vocab.strings

    def word(self, i: int) -> tuple[str, bool, bool, bool]:
        """Token ``i``'s lower-case form, and whether it is a stop word, title-cased, number-like."""
        lower, stop, title, number, _, _ = self.columns[i].tolist()
        return self.strings[lower], bool(stop), bool(title), bool(number)

    def gap(self, start: int, end: int) -> list[str]:
        """What lies between two words, tokens ``[start, end)``: "NL" for a line break, the first
        three characters of punctuation or of a token with no letter or digit."""
        marks = []
        for i in range(max(start, 0), end):
            space, punct = self.columns[i, 4:].tolist()
            text = self.doc[i].text
            if space:
                if "\n" in text:
                    marks.append("NL")
            elif punct or not any(character.isalnum() for character in text):
                marks.append(text[:3])
        return marks


def phrase_features(
    table: TokenTable,
    sentence: SentenceFeatures,
    anchors: Sequence[int],
    cues: Mapping[int, tuple[str, ...]],
    category: str,
) -> list[list[str]]:
    """The feature names of each word of ``sentence`` (before crossing with the category).

    ``table`` is the doc's :class:`TokenTable`; ``anchors`` are the word
    positions of the category's lexicon cues; ``cues`` maps token positions to
    their cue labels (:func:`token_cues`).
    """
    tokens, words = sentence.word_tokens, sentence.words
    n = len(tokens)
    rows: list[list[str]] = []
    for i in range(n):
        token = tokens[i]
        lower, stop, title, number = table.word(token)
        before = words[i - 1] if i > 0 else "<s>"
        after = words[i + 1] if i + 1 < n else "</s>"
        word = words[i]
        names = [
            f"w={word}",
            f"o={lower}",
            f"p={before}",
            f"n={after}",
            f"pw={before}_{word}",
            f"wn={word}_{after}",
            "pos=first" if i == 0 else "pos=last" if i == n - 1 else "pos=mid",
            f"rel={4 * i // n}",
            f"left={_bin(i, _EDGE_DISTANCES)}",
            f"right={_bin(n - 1 - i, _EDGE_DISTANCES)}",
        ]
        if anchors:
            distance = min(abs(i - anchor) for anchor in anchors)
            side = "on" if distance == 0 else "after" if i > min(anchors) else "before"
            names.append(f"anc={side}{_bin(distance, _DISTANCES)}")
        else:
            names.append("anc=none")
        for label in cues.get(token, ()):
            if label.startswith(_CLAIM_PREFIX):
                label = "CLAIM_SAME" if label[len(_CLAIM_PREFIX) :] == category else "CLAIM_OTHER"
            names.append(f"cue={label}")
        previous = tokens[i - 1] if i > 0 else sentence.sentence.start - 1
        following = tokens[i + 1] if i + 1 < n else sentence.sentence.end
        names.extend(f"gapb={mark}" for mark in table.gap(previous + 1, token))
        names.extend(f"gapa={mark}" for mark in table.gap(token + 1, following))
        if stop:
            names.append("stop")
        if title:
            names.append("title")
        if number:
            names.append("num")
        rows.append(names)
    return rows


@dataclass(frozen=True)
class PhraseExample:
    """One annotated (sentence, category): each word's features and whether it is inside a gold span."""

    category: str
    features: list[list[str]]
    inside: list[int]

    def targets(self) -> np.ndarray:
        """Words x (inside, begin, end) indicators: begin and end mark the edges of each gold run."""
        inside = np.asarray(self.inside, dtype=np.int8)
        before = np.concatenate([[0], inside[:-1]])
        after = np.concatenate([inside[1:], [0]])
        return np.stack([inside, inside & (1 - before), inside & (1 - after)], axis=1)


def _crossed(features: list[list[str]], category: str) -> list[dict[str, float]]:
    """Each word's features, plain and crossed with the category, as DictVectorizer rows."""
    return [dict.fromkeys([*names, *(f"{category}|{name}" for name in names)], 1.0) for names in features]


def anchor_positions(sentence: SentenceFeatures, category: str) -> list[int]:
    """Word positions of the category's lexicon cues in ``sentence`` (its word tokens ascend)."""
    tokens = sentence.word_tokens
    found = []
    for token in sentence.anchors.get(category, ()):
        i = bisect_left(tokens, token)
        if i < len(tokens) and tokens[i] == token:
            found.append(i)
    return found


def fit_phrase_weights(
    examples: Sequence[PhraseExample], *, C: float = 1.0, bias: float = 0.0, boundary_weight: float = 2.0
) -> PhraseWeights:
    """Fit the inside, begin and end logistic regressions on ``examples``."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    if not examples:
        raise ValueError("fit_phrase_weights needs at least one annotated (sentence, category) example")
    rows = [row for example in examples for row in _crossed(example.features, example.category)]
    targets = np.vstack([example.targets() for example in examples])
    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(rows)
    columns, intercepts = [], []
    for k, name in enumerate(PHRASE_SCORES):
        if len(set(targets[:, k].tolist())) < 2:
            raise ValueError(f"the phrase model's {name!r} targets hold one class only: annotate more spans")
        fitted = LogisticRegression(C=C, max_iter=3000).fit(matrix, targets[:, k])
        columns.append(fitted.coef_[0])
        intercepts.append(float(fitted.intercept_[0]))
    return PhraseWeights(
        names=list(vectorizer.get_feature_names_out()),
        weights=np.stack(columns, axis=1),
        intercepts=np.asarray(intercepts),
        bias=bias,
        boundary_weight=boundary_weight,
    )


class PhraseWeights:
    """The phrase model's numbers: one weight per feature name and score, and the decoding settings."""

    def __init__(
        self,
        names: Sequence[str],
        weights: np.ndarray,
        intercepts: np.ndarray,
        *,
        bias: float,
        boundary_weight: float,
    ) -> None:
        weights = np.asarray(weights, dtype=np.float64)
        intercepts = np.asarray(intercepts, dtype=np.float64)
        if weights.shape != (len(names), len(PHRASE_SCORES)) or intercepts.shape != (len(PHRASE_SCORES),):
            raise ValueError(
                f"phrase weights must be {len(names)} x {len(PHRASE_SCORES)} with "
                f"{len(PHRASE_SCORES)} intercepts; got {weights.shape} and {intercepts.shape}"
            )
        if not (np.isfinite(weights).all() and np.isfinite(intercepts).all()):
            raise ValueError("phrase weights hold NaN or infinite values")
        self.names = list(names)
        self.weights = weights
        self.intercepts = intercepts
        self.bias = float(bias)
        self.boundary_weight = float(boundary_weight)
        #: The weights with a last row of zeros, where unknown names point.
        self._table = np.vstack([weights, np.zeros((1, len(PHRASE_SCORES)))])
        # Plain feature names, and per category the names crossed with it ("cure_claim|w=cure").
        self._index: dict[str, int] = {}
        self._crossed: dict[str, dict[str, int]] = defaultdict(dict)
        for number, name in enumerate(self.names):
            category, bar, inner = name.partition("|")
            if bar and "=" not in category:
                self._crossed[category][inner] = number
            else:
                self._index[name] = number

    def scores(self, features: list[list[str]], category: str) -> np.ndarray:
        """Words x (inside, begin, end) decision values for a sentence's features.

        Each name is looked up twice (plain, and crossed with ``category``); a name the model does
        not know points at the table's last row, which is zeros.
        """
        names = [name for row in features for name in row]
        missing = len(self._table) - 1
        plain = np.fromiter(map(self._index.get, names, repeat(missing)), dtype=np.intp, count=len(names))
        crossed = self._crossed.get(category, {})
        joined = np.fromiter(map(crossed.get, names, repeat(missing)), dtype=np.intp, count=len(names))
        values = self._table[plain] + self._table[joined]
        starts = np.cumsum([0, *(len(row) for row in features[:-1])])
        return self.intercepts + np.add.reduceat(values, starts, axis=0)

    def locate(self, features: list[list[str]], category: str) -> tuple[int, int]:
        """The word range ``[start, end)`` of the best-scoring phrase (see the module docstring).

        One pass: for each end word, the best start at or before it is a running maximum.
        """
        if not features:
            return 0, 0
        scores = self.scores(features, category)
        inside = scores[:, 0] + self.bias
        opening = self.boundary_weight * scores[:, 1] - (np.cumsum(inside) - inside)
        best_start = np.maximum.accumulate(opening)
        closing = np.cumsum(inside) + self.boundary_weight * scores[:, 2]
        end = int(np.argmax(best_start + closing))
        start = int(np.argmax(opening[: end + 1] == best_start[end]))
        return start, end + 1

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays :meth:`from_arrays` reads (no object arrays: NumPy loads them without pickles)."""
        config = {"bias": self.bias, "boundary_weight": self.boundary_weight}
        return {
            "names": np.array(self.names, dtype=str),
            # Single precision halves the stored size; scores are summed in double precision after loading.
            "weights": self.weights.astype(np.float32),
            "intercepts": self.intercepts,
            "config": np.array(json.dumps(config)),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray]) -> PhraseWeights:
        """The weights saved by :meth:`arrays`; raises ValueError naming what is malformed."""
        missing = [name for name in ("names", "weights", "intercepts", "config") if name not in arrays]
        if missing:
            raise ValueError(f"phrase arrays {missing} are missing")
        names = arrays["names"]
        if names.dtype.kind != "U" or names.ndim != 1:
            raise ValueError(
                f"phrase feature names must be a 1-d string array, not {names.dtype} {names.shape}"
            )
        try:
            config = json.loads(str(arrays["config"]))
            bias, boundary_weight = float(config["bias"]), float(config["boundary_weight"])
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"phrase config is malformed: {error}") from error
        return cls(
            names.tolist(),
            arrays["weights"],
            arrays["intercepts"],
            bias=bias,
            boundary_weight=boundary_weight,
        )
