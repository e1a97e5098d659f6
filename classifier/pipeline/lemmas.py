"""Lookup lemmatisation for a whole doc at once.

spaCy's ``lemmatizer`` in lookup mode asks the table once per token. This
component reads the English ``lemma_lookup`` table of spacy-lookups-data the
same way (by the token's text, falling back to the text itself), but keeps a
per-word cache and writes every lemma of a doc with one ``Doc.from_array``,
which makes it several times faster. One difference: a word in capitals that
is not in the table as written is also looked up in lower case, so "CURES"
gets the lemma "cure" (shouting in capitals is a common way to sell).
"""

from __future__ import annotations

from functools import cache

import numpy
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.lookups import Table, load_lookups
from spacy.tokens import Doc

__all__ = ["LookupLemmatizer", "lemma_table"]


@cache
def lemma_table() -> Table:
    """The English lookup table of spacy-lookups-data (loaded once per process)."""
    return load_lookups(lang="en", tables=["lemma_lookup"]).get_table("lemma_lookup")


class LookupLemmatizer:
    """Set ``token.lemma`` from the lookup table (as written; words in capitals also lower-cased);
    words not in it are their own lemma."""

    def __init__(self, nlp: Language, name: str = "clinic_lemmas", *, overwrite: bool = False) -> None:
        self.name = name
        self.overwrite = overwrite
        self.table = lemma_table()
        self.strings = nlp.vocab.strings
        self._lemma_of: dict[int, int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc) or (not self.overwrite and doc.has_annotation("LEMMA")):
            return doc
        lemma_of = self._lemma_of
        lemmas = [lemma_of.get(orth) or self._lookup(orth) for orth in doc.to_array(ORTH).tolist()]
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype=numpy.uint64).reshape(-1, 1))
        return doc

    def _lookup(self, orth: int) -> int:
        text = self.strings[orth]
        found = self.table.get(text)
        if found is None and text.isupper():
            found = self.table.get(text.lower())
        lemma = self.strings.add(found if found is not None else text)
        self._lemma_of[orth] = lemma
        return lemma


@Language.factory("clinic_lemmas", default_config={"overwrite": False}, assigns=["token.lemma"])
def make_lemmatizer(nlp: Language, name: str, *, overwrite: bool) -> LookupLemmatizer:
    """Factory for ``nlp.add_pipe("clinic_lemmas")``; keeps existing lemmas unless ``overwrite``."""
    return LookupLemmatizer(nlp, name, overwrite=overwrite)
