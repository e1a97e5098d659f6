"""The labelled corpus: schema, loading, building from authoring markup, validation and stats."""

from classifier.corpus.schema import CorpusDocument, SpanAnnotation, default_corpus, read_corpus, write_corpus

__all__ = ["CorpusDocument", "SpanAnnotation", "default_corpus", "read_corpus", "write_corpus"]
