"""spaCy preprocessing: the components and the pipeline that chains them.

Reading order: ``tokenizer`` (normalise, then tokenise) -> ``segmenter``
(sentences) -> ``lemmas`` (lookup lemmas) -> ``cues`` (hedges, negation,
sources, numbers, claim lexicon) -> ``claims`` (the trained model, writing
flags to ``doc.spans``).
"""

from classifier.pipeline.build import build_pipeline

__all__ = ["build_pipeline"]
