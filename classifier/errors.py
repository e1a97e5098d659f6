"""Exceptions callers can catch, and the messages they carry.

Every message states what was expected, what was received and what to do.
"""

from __future__ import annotations

__all__ = [
    "ClassifierError",
    "CorpusError",
    "Errors",
    "InputError",
    "MissingExtraError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionError",
    "OutputBusyError",
    "OutputError",
    "ResumeError",
    "RunError",
    "UnknownCategoryError",
    "UntrustedModelError",
    "WorkerError",
]


class Errors:
    """Message templates, one named constant per failure."""

    E001 = (
        "No model found at '{path}': expected a directory holding 'model_card.json' and "
        "the files it lists. Train one with `classifier train --output {path}` or call "
        "`classifier.load()` for the bundled model."
    )
    E002 = (
        "The model file '{path}' does not match its model card: sha256 {actual} was found, "
        "{expected} was recorded. The file was changed or damaged after training; retrain "
        "it with `classifier train` or restore the original file."
    )
    E003 = (
        "The model at '{path}' was saved with {package} {saved}, but {package} {installed} is "
        "installed. Install {package}=={saved} or retrain the model with `classifier train`."
    )
    E004 = (
        "The model card '{path}' is not a JSON object with the keys {keys}: {detail}. Restore the "
        "original card or retrain the model with `classifier train`."
    )
    E005 = "Unknown category '{name}'. Expected one of: {allowed}."
    E007 = (
        "Corpus file '{path}', line {line}: {detail}. Fix the record; the datasets/GUIDE.md "
        "annotation guide describes the format."
    )
    E008 = "Expected text as a str, got {type}. Decode bytes first (for example data.decode('utf-8'))."
    E009 = "Cannot read '{path}': {detail}."
    E010 = "No split named '{split}' in the corpus. Expected one of: {allowed}."
    E011 = "The corpus has no documents in split '{split}'. Check the 'split' field of {path}."
    E012 = "Unknown output format '{name}'. Expected one of: {allowed}."
    E013 = "Threshold must be a number in [0, 1], got {value}."
    E014 = (
        "The spaCy pipeline '{name}' is not installed. Install it (for example "
        "`python -m spacy download {name}` on a machine with internet access) or leave "
        "`spacy_model` unset to use the built-in blank English pipeline."
    )
    E015 = "Unknown explanation mode '{value}'. Expected one of: {allowed}."
    E016 = "min_confidence must be a number in [0, 1], got {value}."
    # Optional packages and the Dask cluster (E060-E069).
    E060 = (
        "{purpose} needs the optional package '{module}', which is not installed. "
        "Install the extra: pip install 'classifier[{extra}]' (from a source tree: pip install '.[{extra}]')."
    )
    E061 = (
        "Cannot use the Dask scheduler at '{address}': {detail}. Start one with `dask scheduler` and "
        "workers with `dask worker {address}`, or check the address (for example tcp://10.0.0.5:8786)."
    )
    E062 = "The Dask cluster stopped answering before the run finished ({detail}); the run cannot finish."
    # Output files and runs (E050-E059).
    E050 = (
        "Cannot resume '{path}': {detail}. --resume only continues a file this tool wrote (it keeps "
        "'{sidecar}' beside it); the file was left untouched. Run without --resume to start again, "
        "or choose another -o."
    )
    E051 = (
        "Another run is writing '{path}' (it holds the lock '{lock}'). Wait for it to finish, "
        "or choose another -o."
    )
    E052 = (
        "The output '{path}' is also an input; writing it would destroy it. Choose an -o outside the inputs."
    )
    E053 = "Cannot write the output '{path}': {detail}.{kept} Fix the cause, then run again{resume}."
    E054 = (
        "A worker process stopped before finishing its inputs ({detail}); the run cannot finish. "
        "Run again, with fewer --jobs if memory is short."
    )
    E030 = (
        "The model file '{path}' is not usable: {detail}. Restore the original file or retrain the "
        "model with `classifier train`."
    )
    E031 = (
        "The model at '{path}' is not pinned as trusted: its card (sha256 {digest}) is neither the "
        "bundled model's nor one pinned with `classifier model pin`. Run `classifier model verify {path}` "
        "to see what it would change, then pass --trust-model (library: "
        "`classifier.load(path, trust=True)`) if you trust its source."
    )
    E032 = (
        "The model at '{path}' was saved in an older format that stored a pickle ('model.joblib'), "
        "which is never read because unpickling runs code: its card lacks 'files'. Retrain the model "
        "with `classifier train --output {path}`."
    )
    E033 = (
        "The estimator file '{path}' holds types that are not on the list this package trusts: "
        "{types}. Expected only scikit-learn and NumPy types and {allowed}. Retrain the model with "
        "`classifier train` instead of loading this file."
    )


class ClassifierError(Exception):
    """Base class of every error this package raises on purpose."""


class MissingExtraError(ClassifierError, ModuleNotFoundError):
    """An optional dependency is not installed; the message names the extra that provides it."""


class ModelNotFoundError(ClassifierError, FileNotFoundError):
    """A model directory is missing or incomplete."""


class ModelIntegrityError(ClassifierError):
    """A model file does not match the hash its card records, or is malformed (the message names it)."""


class ModelVersionError(ClassifierError):
    """A model was saved with library versions that differ from the installed ones."""


class UnknownCategoryError(ClassifierError, KeyError):
    """A category id is not in the taxonomy."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class CorpusError(ClassifierError, ValueError):
    """A corpus file does not follow the dataset schema."""


class InputError(ClassifierError, ValueError):
    """An input given to the library or the command line is not usable."""


class RunError(ClassifierError):
    """A batch run could not finish (its output, the disk or a worker failed); exit status 3."""


class OutputError(RunError):
    """An output file, or its folder, could not be written."""


class WorkerError(RunError):
    """A worker process of a parallel run died."""


class ResumeError(InputError):
    """``--resume`` was asked to continue a file this tool did not write, or wrote for another run."""


class OutputBusyError(InputError):
    """Another run holds the lock of the same output file."""


class UntrustedModelError(ClassifierError):
    """A model directory is intact but its card is not pinned, and trust was not given."""
