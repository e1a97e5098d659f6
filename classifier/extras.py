"""Optional dependencies, imported only when a feature needs them.

Heavy or optional packages (a distributed engine, for one) are not imported
with the package; a feature that needs one asks :func:`require` for it, and a
missing package becomes an error that names the extra to install.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from classifier.errors import Errors, MissingExtraError

__all__ = ["require"]


def require(module: str, *, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra`` (the pip extra that has it).

    ``purpose`` says which feature needs it, for the message (e.g. "Scoring on a Dask cluster").
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError(
            Errors.E060.format(purpose=purpose, module=error.name or module.split(".")[0], extra=extra)
        ) from error
