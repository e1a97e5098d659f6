"""Assemble the preprocessing pipeline: normalise, segment, lemmatise, annotate cues."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.lookups import Lookups, load_lookups

from classifier.errors import Errors, InputError
from classifier.pipeline.tokenizer import NormalizingTokenizer

__all__ = ["build_pipeline", "ensure_preprocessing"]


@cache
def _lemma_tables() -> Lookups:
    return load_lookups(lang="en", tables=["lemma_lookup"])


def _add_lemmatizer(nlp: Language) -> None:
    lemmatizer = nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    lemmatizer.initialize(lookups=_lemma_tables())


def ensure_preprocessing(nlp: Language) -> Language:
    """Add whatever of segmenter, lemmatizer and cue annotator ``nlp`` lacks, in place."""
    names = set(nlp.pipe_names)
    if not names & {"parser", "senter", "sentencizer", "clinic_sentences"}:
        nlp.add_pipe("clinic_sentences")
    if "lemmatizer" not in names:
        _add_lemmatizer(nlp)
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
