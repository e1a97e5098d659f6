"""The labelled corpus: schema, loading, building from authoring markup, validation and stats."""

from classifier.corpus.schema import CorpusDocument, SpanAnnotation, read_corpus, write_corpus

__all__ = ["CorpusDocument", "SpanAnnotation", "read_corpus", "write_corpus"]
