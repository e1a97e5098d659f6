"""Find misleading health claims in clinic advertising.

import classifier
model = classifier.load()
report = model.score(text)
for flag in report.flags:
    print(flag.category, flag.text, flag.explanation)
"""

from importlib import metadata

from classifier.api import Model, load
from classifier.errors import (
    ClassifierError,
    CorpusError,
    InputError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
    UnknownCategoryError,
    UntrustedModelError,
)
from classifier.flags.phrases import Flag
from classifier.flags.report import Report
from classifier.taxonomy import DOCUMENT_CATEGORIES, SPAN_CATEGORIES, Category, get_category

__version__ = metadata.version("classifier")

__all__ = [
    "DOCUMENT_CATEGORIES",
    "SPAN_CATEGORIES",
    "Category",
    "ClassifierError",
    "CorpusError",
    "Flag",
    "InputError",
    "Model",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionError",
    "Report",
    "UnknownCategoryError",
    "UntrustedModelError",
    "__version__",
    "get_category",
    "load",
]
