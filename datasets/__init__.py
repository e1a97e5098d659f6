"""The labelled corpus, shipped inside the wheel as ``classifier.datasets`` so that ``classifier
train`` and ``classifier evaluate`` find it outside a clone of the repository."""
