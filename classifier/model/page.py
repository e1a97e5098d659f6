"""Page stance: a document-level estimate of whether a page promotes a treatment.

The same sentence means different things on a clinic's page and on a
regulator's: "the cells repair cartilage" is a claim in one and, often, a
quotation under criticism in the other. Each page is therefore scored first
by a small scikit-learn model, a logistic regression over the page's words
and cue kinds, for the probability that it promotes a treatment to its
reader. The probability is cut into three stances, and every sentence of the
page carries its page's stance as a feature (alone, and combined with the
sentence's cues), so that the sentence model can weigh the same cue
differently on promotional, mixed and careful pages.

Training labels come from the corpus metadata (:func:`promotes`). Scoring
reads :class:`PageWeights`, the model's numbers as plain arrays.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from classifier.corpus.schema import CorpusDocument

__all__ = [
    "CAREFUL_GENRES",
    "PAGE_STANCES",
    "PageWeights",
    "make_page_estimator",
    "page_string",
    "promotes",
    "stance_of",
]

#: The three page stances, from least to most promotional.
PAGE_STANCES = ("PAGE_CAREFUL", "PAGE_MIXED", "PAGE_PROMO")
#: Probability cut points between the stances.
_CUTS = (0.35, 0.65)

#: Genres written by someone other than a seller: regulators, hospitals,
#: societies, journals, reference works. News is neither: it may criticise a
#: clinic or relay its press release.
CAREFUL_GENRES = frozenset(
    {
        "hospital_patient_information",
        "clinical_trial_summary",
        "regulator_consumer_alert",
        "warning_letter",
        "advertising_ruling",
        "encyclopedia_article",
        "society_statement",
        "journal_abstract",
    }
)
#: Genres whose pages count as promotional only when they make a claim.
_UNDECIDED_GENRES = frozenset({"news_report", "patient_forum_post", "consumer_review", "faq", "blog_article"})


def promotes(document: CorpusDocument) -> bool:
    """Training label of the page model: does this page promote a treatment to its reader?

    Careful genres never do; sellers' genres always do; for news, forums,
    reviews, FAQs and blogs it depends on whether the page makes a claim.
    """
    if document.genre in CAREFUL_GENRES:
        return False
    if document.genre in _UNDECIDED_GENRES:
        return bool(document.spans)
    return True


def stance_of(probability: float) -> str:
    """The stance token for a page-model probability."""
    if probability < _CUTS[0]:
        return PAGE_STANCES[0]
    if probability < _CUTS[1]:
        return PAGE_STANCES[1]
    return PAGE_STANCES[2]


def page_string(terms: Sequence[str]) -> str:
    """A page's terms (words and cue kinds, no whitespace inside) as the page model's input string."""
    return " ".join(terms)


def _split(text: str) -> list[str]:
    return text.split()


def make_page_estimator(*, C: float = 1.0, min_df: int = 2, random_state: int = 0) -> Pipeline:
    """An unfitted page model: page strings in, probability of promoting out."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    return Pipeline(
        [
            (
                "features",
                TfidfVectorizer(
                    analyzer=_split, min_df=min_df, sublinear_tf=True, dtype=np.float64, lowercase=False
                ),
            ),
            (
                "classify",
                LogisticRegression(C=C, class_weight="balanced", max_iter=2000, random_state=random_state),
            ),
        ]
    )


@dataclass
class PageWeights:
    """The page model's numbers: enough to score a page without scikit-learn."""

    terms: list[str]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float

    def __post_init__(self) -> None:
        self._index = {term: i for i, term in enumerate(self.terms)}

    @classmethod
    def from_estimator(cls, estimator: Pipeline) -> PageWeights:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(estimator)
        vectorizer = estimator.named_steps["features"]
        classify = estimator.named_steps["classify"]
        return cls(
            terms=vectorizer.get_feature_names_out().tolist(),
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            coef=np.asarray(classify.coef_[0], dtype=np.float64),
            intercept=float(classify.intercept_[0]),
        )

    def probability(self, terms: Sequence[str]) -> float:
        """Probability that the page with these terms promotes a treatment (as ``predict_proba``)."""
        counts = Counter(index for term in terms if (index := self._index.get(term)) is not None)
        if not counts:
            return 1.0 / (1.0 + np.exp(-self.intercept))
        columns = np.fromiter(counts, dtype=np.intp, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[
            columns
        ]
        values /= np.sqrt(np.dot(values, values))
        decision = float(np.dot(values, self.coef[columns])) + self.intercept
        return float(1.0 / (1.0 + np.exp(-decision)))

    def stance(self, terms: Sequence[str]) -> str:
        """The stance token of the page with these terms."""
        return stance_of(self.probability(terms))

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            "terms": np.array(self.terms, dtype=str),
            "idf": self.idf,
            "coef": self.coef,
            "intercept": np.array([self.intercept]),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> PageWeights:
        return cls(
            terms=arrays["terms"].tolist(),
            idf=np.asarray(arrays["idf"], dtype=np.float64),
            coef=np.asarray(arrays["coef"], dtype=np.float64),
            intercept=float(arrays["intercept"][0]),
        )
