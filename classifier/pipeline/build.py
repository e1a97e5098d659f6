"""Assemble the preprocessing pipeline: normalise, segment, lemmatise, annotate cues."""

from __future__ import annotations

import spacy
from spacy.language import Language

from classifier.errors import Errors, InputError
from classifier.pipeline.lemmas import make_lemmatizer  # noqa: F401  (registers clinic_lemmas)
from classifier.pipeline.tokenizer import NormalizingTokenizer

__all__ = ["build_pipeline", "ensure_preprocessing"]


def ensure_preprocessing(nlp: Language) -> Language:
    """Add whatever of segmenter, lemmatizer and cue annotator ``nlp`` lacks, in place."""
    names = set(nlp.pipe_names)
    if not names & {"parser", "senter", "sentencizer", "clinic_sentences"}:
        nlp.add_pipe("clinic_sentences")
    if not names & {"lemmatizer", "clinic_lemmas"}:
        nlp.add_pipe("clinic_lemmas")
    if "claim_cues" not in names:
        nlp.add_pipe("claim_cues")
    return nlp


def build_pipeline(spacy_model: str | None = None) -> Language:
    """The preprocessing pipeline on ``spacy.blank("en")``, or on an installed full pipeline.

    Parameters
    ----------
    spacy_model
        Name of an installed spaCy pipeline such as ``"en_core_web_sm"``. Its
        parser supplies sentences and its lemmatizer the lemmas. Never required.
    """
    if spacy_model:
        try:
            nlp = spacy.load(spacy_model, exclude=["ner"])
        except OSError as error:
            raise InputError(Errors.E014.format(name=spacy_model)) from error
    else:
        nlp = spacy.blank("en")
    nlp.tokenizer = NormalizingTokenizer(nlp.tokenizer)
    return ensure_preprocessing(nlp)
