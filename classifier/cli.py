"""The ``classifier`` command line.

Each command is a thin Typer wrapper over a typed library function (which the
tests and notebooks call directly); the help texts below are written for users.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from functools import partial
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer

from classifier.errors import ClassifierError, Errors, RunError, WorkerError
from classifier.files import write_atomic
from classifier.output.rendering import FORMATS, printable
from classifier.read.inputs import MAX_BYTES, STDIN, Discovered, discover, display_path

HELP = """Find misleading health claims in clinic advertising.

Reads web pages and texts (stem-cell, exosome, PRP, NAD+, ozone, chelation,
hyperbaric oxygen clinics and more) and flags each risky phrase with a
category, a confidence, an explanation of why it is a problem and a
suggestion of how it could be said acceptably.

\b
Examples:
  classifier score page.html                 one page, a readable report
  classifier score site/ -o report.html      a folder, as an HTML report to work through
  classifier score site/ -o flags.csv -j 2   one CSV row per flag, in two processes
  classifier score - < page.txt              a text on standard input, JSON Lines out
  classifier evaluate --split realstyle      measure the bundled model on labelled pages

Run `classifier COMMAND --help` for the options of each command.
"""
#: Plain help (no Rich tables): flags are not shown as taking "<bool>", and examples keep their layout.
_PLAIN = {"rich_markup_mode": None, "context_settings": {"help_option_names": ["-h", "--help"]}}
app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP, **_PLAIN)
corpus_app = typer.Typer(
    no_args_is_help=True, help="Build, validate and describe the labelled corpus.", **_PLAIN
)
app.add_typer(corpus_app, name="corpus")
model_app = typer.Typer(
    no_args_is_help=True, help="Check a model directory against the bundled one, and pin it.", **_PLAIN
)
app.add_typer(model_app, name="model")

#: Where ``classifier corpus build`` writes, and what ``validate`` and ``stats`` read, by default.
DEFAULT_CORPUS = Path("datasets/corpus.jsonl")
#: ``--corpus`` of train, evaluate, evasion and baselines: default, the clone's corpus or the packaged one.
CorpusOption = Annotated[
    Path | None,
    typer.Option(
        metavar="FILE",
        help="Labelled corpus (JSON Lines). Default: datasets/corpus.jsonl in the current folder, "
        "else the corpus installed with the package.",
    ),
]
#: ``--model``, ``--split``, ``--json`` and ``--markdown`` of the commands that measure a model.
ModelOption = Annotated[
    Path | None, typer.Option(metavar="DIR", help="Model directory; default: the bundled model.")
]
SplitOption = Annotated[
    str,
    typer.Option(
        metavar="SPLIT",
        help="train, dev, test or realstyle (written apart from the training corpus, never tuned on).",
    ),
]
JsonOption = Annotated[
    Path | None, typer.Option("--json", metavar="FILE", help="Also write the results as JSON to FILE.")
]
MarkdownOption = Annotated[
    Path | None, typer.Option("--markdown", metavar="FILE", help="Also write the Markdown report to FILE.")
]
#: The output suffixes ``-o`` understands, and the format each one means.
SUFFIX_FORMATS = {
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
}
#: ``--trust-model``, beside every ``--model``.
TrustModel = Annotated[
    bool,
    typer.Option(
        "--trust-model",
        help="Load a --model whose card is not pinned (see `classifier model verify DIR`).",
        metavar="",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"classifier {metadata.version('classifier')}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool | None, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = None,
) -> None:
    """Flag misleading health claims in clinic advertising."""


def _infer_format(output: Path | None) -> str:
    """The format an ``-o`` suffix names (text on a terminal, else JSON Lines, without ``-o``).

    An unknown suffix is refused rather than guessed: ``-o report.pdf`` used to write JSON Lines.
    """
    if output is None:
        return "text" if sys.stdout.isatty() else "jsonl"
    suffix = output.suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        known = ", ".join(SUFFIX_FORMATS)
        raise _fail(
            f"cannot tell the output format from '{output.name}': its ending should be one of {known}, "
            f"or give --format ({', '.join(FORMATS)})"
        )
    return SUFFIX_FORMATS[suffix]


def _corpus(corpus: Path | None) -> Path:
    """The corpus a command reads: the one given, or :func:`~classifier.corpus.default_corpus`."""
    from classifier.corpus import default_corpus

    if corpus is not None:
        return corpus
    found = default_corpus()
    if found is None:
        raise _fail(
            "no corpus found: there is no datasets/corpus.jsonl here and none is installed with the "
            "package. Run from a clone of the repository, or give --corpus FILE (a corpus built by "
            "`classifier corpus build`)."
        )
    return found


def _fail(message: str, code: int = 2) -> typer.Exit:
    """Print one line on standard error (control characters escaped) and give the exit to raise."""
    typer.secho(f"error: {printable(display_path(message))}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _scorer(
    scheduler: str | None, read_on: str | None, jobs: int, **options: Any
) -> Callable[[Any, list[Discovered]], Iterator[dict[str, Any]]]:
    """How ``score`` turns inputs into records: local processes, or a Dask cluster (connected now,
    before any output is opened, so a wrong address leaves no file behind). ``options`` are
    ``score_inputs``'s ``max_bytes`` and ``keep_text``."""
    from classifier.run.batch import score_inputs

    if scheduler is None:
        if read_on is not None:
            raise _fail("--read-on applies only with --scheduler ADDRESS")
        return partial(score_inputs, jobs=jobs, **options)
    from classifier.run.cluster import READ_ON, connect, score_on_cluster

    if jobs != 1:
        raise _fail(
            "--jobs sets local processes and cannot be combined with --scheduler; "
            "the cluster's workers do the work: start more of them (dask worker --nworkers N ADDRESS)"
        )
    if read_on is not None and read_on not in READ_ON:
        raise _fail(f"--read-on takes {' or '.join(READ_ON)}, got '{read_on}'")
    try:
        client = connect(scheduler)
    except ClassifierError as error:
        raise _fail(str(error)) from error

    def on_cluster(model: Any, items: list[Discovered]) -> Iterator[dict[str, Any]]:
        with client:
            yield from score_on_cluster(
                client, model.loader(), items, read_on=read_on or "workers", **options
            )

    return on_cluster


def _note(message: str) -> None:
    typer.echo(printable(display_path(message)), err=True)


def _listing(from_file: Path) -> list[str]:
    """The paths in a --from-file list: one per line (``\\n`` only), names kept byte for byte."""
    data = sys.stdin.buffer.read() if str(from_file) == "-" else from_file.read_bytes()
    return [os.fsdecode(line.strip(b" \t\r")) for line in data.split(b"\n") if line.strip(b" \t\r")]


def _model_sha256(card: dict) -> str:
    """The sha256 of the model card, which holds the hashes of the model's files: the model's identity."""
    return hashlib.sha256(json.dumps(card, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _identities(paths: list[Path]) -> set[tuple[int, int]]:
    found = set()
    for path in paths:
        try:
            status = os.stat(path)
        except OSError:
            continue
        found.add((status.st_dev, status.st_ino))
    return found


def _is_one_of(path: str, identities: set[tuple[int, int]]) -> bool:
    try:
        status = os.stat(path)
    except OSError:
        return False
    return (status.st_dev, status.st_ino) in identities


@app.command()
def score(
    paths: Annotated[
        list[str] | None,
        typer.Argument(metavar="PATH", hidden=True, show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="OUT",
            help="Write to OUT instead of standard output; its ending (.jsonl .csv .txt .html) "
            "chooses the format.",
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help=f"One of {', '.join(FORMATS)}. Default: from OUT's ending; without -o, text on a "
            "terminal and jsonl into a pipe.",
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            metavar="T",
            help="One decision threshold in [0, 1] for every category, instead of the tuned ones.",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, metavar="N", help="Score in N processes.")] = 1,
    model: Annotated[
        Path | None, typer.Option(metavar="DIR", help="Another model directory. Default: the bundled model.")
    ] = None,
    trust_model: TrustModel = False,
    include: Annotated[
        list[str] | None,
        typer.Option(metavar="GLOB", help="Take only these files from folders, e.g. '*.php' (repeatable)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(metavar="GLOB", help="Skip files or folders that match, e.g. 'archive/*' (repeatable)."),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            metavar="LIST",
            help="Also score the paths listed in LIST, one per line (- for stdin).",
        ),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            metavar="",
            help="Finish an interrupted run into the same OUT: keep its records, score only what is missing.",
        ),
    ] = False,
    max_bytes: Annotated[
        int,
        typer.Option(
            "--max-bytes",
            min=1,
            metavar="BYTES",
            help="Inputs larger than BYTES get an error record instead of being read.  [default: 100 MB]",
            show_default=False,
        ),
    ] = MAX_BYTES,
    spacy_model: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="An installed spaCy pipeline to preprocess with, e.g. en_core_web_sm."
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", metavar="", help="No progress bar and no summary line.")
    ] = False,
    explain: Annotated[
        str,
        typer.Option(
            metavar="short|full",
            help="Explanations of at most 300 characters, or full ones with the fact and its source.",
        ),
    ] = "short",
    min_confidence: Annotated[
        float | None,
        typer.Option(metavar="X", help="Leave out flags whose confidence (score) is below X, in [0, 1]."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS",
            help="Score on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
            "(needs the dask extra; see docs/dask.md).",
        ),
    ] = None,
    read_on: Annotated[
        str | None,
        typer.Option(
            metavar="workers|client",
            help="With --scheduler: who reads the files, the workers (shared storage) or this client.",
        ),
    ] = None,
) -> None:
    """Flag the risky claims in files, folders or standard input.

    PATH is a file, a folder (searched for .txt, .md, .html and .htm files) or
    - for standard input. Every input gets one record: its risk, its flags (each
    with category, severity, confidence, explanation and suggestion) or the
    error that kept it from being read. The run goes on past bad inputs.

    \b
    Examples:
      classifier score page.html
      classifier score site/ -o report.html
      classifier score site/ -o flags.csv --min-confidence 0.5
      classifier score site/ -o flags.jsonl -j 2      (stopped? add --resume)

    \b
    Exit status: 0 every input scored; 1 some inputs could not be read;
    2 wrong usage; 3 the run could not finish (output, disk or worker
    failure); 130 interrupted.
    """
    import classifier
    from classifier.output.writers import Output, run_files
    from classifier.run.batch import Summary

    if output is not None and output.is_dir():
        raise _fail(f"-o {output} is a directory; give the file to write, e.g. -o {output / 'report.jsonl'}")
    name = format or _infer_format(output)
    if name not in FORMATS:
        raise _fail(f"unknown format '{name}'; expected one of: {', '.join(FORMATS)}")
    if threshold is not None and not 0 <= threshold <= 1:
        raise _fail(f"--threshold must be in [0, 1], got {threshold}")
    if explain not in ("short", "full"):
        raise _fail(f"--explain must be short or full, got '{explain}'")
    if min_confidence is not None and not 0 <= min_confidence <= 1:
        raise _fail(f"--min-confidence must be in [0, 1], got {min_confidence}")
    given = list(paths or [])
    if from_file is not None:
        try:
            given.extend(_listing(from_file))
        except OSError as error:
            raise _fail(f"cannot read --from-file {from_file}: {error.strerror}") from error
    if not given:
        raise _fail("no inputs: give PATH arguments or --from-file LIST")
    scorer = _scorer(scheduler, read_on, jobs, max_bytes=max_bytes, keep_text=name == "html")
    found = list(discover(given, include=include or (), exclude=exclude or ()))
    if output is not None:
        # The output, and the files a run keeps beside it, are never read as inputs.
        ours = _identities(list(run_files(output)))
        if ours and any(p != STDIN and not os.path.isdir(p) and _is_one_of(p, ours) for p in given):
            raise _fail(Errors.E052.format(path=output))
        kept = [item for item in found if not (ours and _is_one_of(item.path, ours))]
        if len(kept) != len(found) and not quiet:
            skipped = len(found) - len(kept)
            _note(f"skipped {skipped} file(s) that are this run's output ({output}) or its run files")
        found = kept
    try:
        loaded = classifier.load(
            model,
            threshold=threshold,
            spacy_model=spacy_model,
            explain=explain,
            min_confidence=min_confidence,
            trust=trust_model,
        )
        run = {
            "inputs": [STDIN if p == STDIN else display_path(os.path.abspath(p)) for p in given],
            "model_sha256": _model_sha256(loaded.card),
            "threshold": threshold,
            "spacy_model": spacy_model,
            "explain": explain,
            "min_confidence": min_confidence,
        }
        target = Output(output, name, resume=resume, run=run)
    except RunError as error:
        raise _fail(str(error), 3) from error
    except ClassifierError as error:
        raise _fail(str(error)) from error
    if target.note and not quiet:
        _note(target.note)
    # This process lives for the batch: what exists now (libraries, model) stays,
    # so the garbage collector need not walk it again on every full collection.
    gc.freeze()
    skip = target.done.copy()
    failed = target.failed.copy()
    todo = []
    earlier_errors = 0
    for item in found:
        key = target.key(item.path)
        if skip[key] > 0:
            skip[key] -= 1
            if failed[key] > 0:
                failed[key] -= 1
                earlier_errors += 1
        else:
            todo.append(item)
    summary = Summary()
    progress = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(total=len(todo), unit="file", file=sys.stderr, dynamic_ncols=True)
    kept_note = (
        f" The records so far are kept in {target.partial}; run the same command with --resume to finish."
        if output is not None
        else ""
    )
    try:
        try:
            for item in scorer(loaded, todo):
                target.write(item)
                summary.add(item)
                if progress is not None:
                    progress.update(1)
                    progress.set_postfix(errors=summary.errors, refresh=False)
        except BaseException:
            with contextlib.suppress(ClassifierError):
                target.close(complete=False)
            raise
        target.close(complete=True)
    except KeyboardInterrupt:
        _note(
            f"\ninterrupted after {summary.inputs} of {len(todo)} input(s); the records written so far are "
            "complete." + (kept_note or " Run the same command with -o OUT to be able to --resume.")
        )
        raise typer.Exit(130) from None
    except WorkerError as error:
        raise _fail(str(error) + kept_note, 3) from None
    except RunError as error:
        raise _fail(str(error), 3) from None
    finally:
        if progress is not None:
            progress.close()
    if not quiet:
        resumed = sum(target.done.values())
        earlier = f", {earlier_errors} of them with errors" if earlier_errors else ""
        typer.echo(summary.line() + (f" ({resumed} already done{earlier})" if resumed else ""), err=True)
    if summary.errors or earlier_errors:
        raise typer.Exit(1)


@app.command()
def train(
    output: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="The new model's directory (required). Score with it by `classifier score --model DIR "
            "--trust-model`.",
        ),
    ],
    corpus: CorpusOption = None,
    without: Annotated[
        list[str] | None,
        typer.Option(
            metavar="LEVER",
            help="Leave out a feature family: page, page_crosses, structure, attribution, arguments, "
            "register, senses (repeatable).",
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", metavar="", help="Replace the model already in DIR (its card included)."),
    ] = False,
) -> None:
    """Train a new model on the corpus's train and dev splits.

    Thresholds, and the margin a sentence's second category needs, are chosen
    on 4-fold cross-validated predictions over train and dev (three random
    groupings into folds); the model is then fitted on train. On a corpus too
    small for that, thresholds are chosen on dev.

    The model is written to DIR; the bundled model is left alone unless DIR is
    its directory and --overwrite is given. Prints the dev-split figures
    (in-sample when dev was fitted on).

    \b
    Examples:
      classifier train --output models/mine
      classifier train --output models/no-page --without page
      classifier score site/ --model models/mine --trust-model
    """
    from classifier.evaluate.metrics import format_metrics
    from classifier.model.persistence import CARD_FILE
    from classifier.model.training import LEVERS, TrainingConfig
    from classifier.model.training import train as train_model
    from classifier.pipeline.claims import default_model_path

    unknown = sorted(set(without or ()) - set(LEVERS))
    if unknown:
        raise _fail(f"--without takes {', '.join(LEVERS)}; got {', '.join(unknown)}.")
    bundled = Path(str(default_model_path())).resolve()
    replacing_bundled = output.resolve() == bundled
    if (output / CARD_FILE).exists() and not overwrite:
        which = "the bundled model" if replacing_bundled else "a model"
        raise _fail(
            f"{output} already holds {which}; give a new --output DIR, or add --overwrite to replace it"
        )
    if output.exists() and not output.is_dir():
        raise _fail(f"--output {output} is a file; give a directory for the new model")
    corpus = _corpus(corpus)
    typer.echo(f"training on {corpus}", err=True)
    config = TrainingConfig(levers=tuple(name for name in LEVERS if name not in set(without or ())))
    try:
        card = train_model(
            corpus, output, config=config, progress=lambda message: typer.echo(message, err=True)
        )
    except ClassifierError as error:
        raise _fail(str(error)) from error
    if card["dev_metrics"].get("in_sample"):
        heading = (
            "Dev split (in-sample: the model was fitted on train and dev, so these figures are "
            "optimistic; `classifier evaluate --model DIR --trust-model --split test` measures it)"
        )
    else:
        heading = "Dev split (part of what the thresholds were chosen on)"
    typer.echo(f"saved {output}\n\n{heading}:\n")
    typer.echo(format_metrics(card["dev_metrics"]))
    if replacing_bundled:
        typer.echo(
            f"\nThis replaced the bundled model. Pin its new card with `classifier model pin {output}`, "
            "re-run `classifier baselines --update-card` (its comparison was not kept), and reinstall "
            "the package (`pip install .`) for an installed `classifier` to use it.",
            err=True,
        )
    else:
        typer.echo(
            f"\nThe model is not pinned. Use it with "
            f"`classifier score --model {output} --trust-model PATH...` "
            f"(library: classifier.load({str(output)!r}, trust=True)), "
            f"or pin it once with `classifier model pin {output}`.",
            err=True,
        )


def _emit(report: str, result: dict, json_output: Path | None, markdown_output: Path | None) -> None:
    """Print a Markdown ``report``; also write it and the JSON ``result`` where asked."""
    typer.echo(report, nl=False)
    if json_output is not None:
        write_atomic(json_output, (json.dumps(result, indent=2) + "\n").encode())
    if markdown_output is not None:
        write_atomic(markdown_output, report.encode())


@app.command()
def evaluate(
    model: ModelOption = None,
    trust_model: TrustModel = False,
    corpus: CorpusOption = None,
    split: SplitOption = "dev",
    json_output: JsonOption = None,
    markdown_output: MarkdownOption = None,
) -> None:
    """Measure a model on a labelled split of the corpus.

    Prints precision, recall and F1 per category, at sentence level and for the
    flagged phrases (overlapping and exact), any-risk figures, the share of
    careful pages' sentences flagged, a confusion table, calibration and the
    document-risk ROC AUC. realstyle holds pages written apart from the
    training corpus and is never tuned on.

    \b
    Examples:
      classifier evaluate --split realstyle
      classifier evaluate --model models/mine --trust-model --split test --json test.json
    """
    import classifier
    from classifier.corpus import read_corpus
    from classifier.evaluate.metrics import evaluate_model, format_metrics

    corpus = _corpus(corpus)
    try:
        documents = read_corpus(corpus, splits=[split])
        metrics = evaluate_model(classifier.load(model, trust=trust_model), documents)
    except ClassifierError as error:
        raise _fail(str(error)) from error
    report = f"Split: {split} ({corpus})\n\n{format_metrics(metrics)}\n"
    _emit(report, {"split": split, **metrics}, json_output, markdown_output)


@app.command()
def evasion(
    model: ModelOption = None,
    trust_model: TrustModel = False,
    corpus: CorpusOption = None,
    split: SplitOption = "dev",
    seed: Annotated[int, typer.Option(metavar="N", help="Seed of the random perturbation choices.")] = 0,
    json_output: JsonOption = None,
    markdown_output: MarkdownOption = None,
) -> None:
    """Measure how well flags survive attempts to dodge them.

    Recall on a split's risky sentences as written and after each perturbation:
    digits for letters, look-alike letters, zero-width characters, hyphens and
    spaces, capitals, synonyms, a claim split over two sentences.
    """
    import classifier
    from classifier.corpus import read_corpus
    from classifier.evaluate.evasion import evasion_suite, format_evasion

    corpus = _corpus(corpus)
    try:
        documents = read_corpus(corpus, splits=[split])
        result = evasion_suite(classifier.load(model, trust=trust_model), documents, seed=seed)
    except ClassifierError as error:
        raise _fail(str(error)) from error
    report = f"Evasion suite, split: {split} ({corpus})\n\n{format_evasion(result)}\n"
    _emit(report, {"split": split, **result}, json_output, markdown_output)


@app.command()
def baselines(
    model: ModelOption = None,
    trust_model: TrustModel = False,
    corpus: CorpusOption = None,
    split: Annotated[
        str,
        typer.Option(
            metavar="SPLIT", help="The split to measure on: dev while choosing, test for the final table."
        ),
    ] = "dev",
    only: Annotated[
        list[str] | None,
        typer.Option(
            metavar="NAME", help="Run only these baselines (repeatable): keywords, spacy_textcat, embeddings."
        ),
    ] = None,
    json_output: JsonOption = None,
    markdown_output: MarkdownOption = None,
    update_card: Annotated[
        bool, typer.Option("--update-card", help="Also record the table in the model's card (`comparison`).")
    ] = False,
) -> None:
    """Compare the model with simple baselines on a split.

    Trains the baselines (keywords, a spaCy text classifier, sentence
    embeddings) on the train split with thresholds on dev, and reports F1 per
    category, macro F1 and throughput beside the model's.
    """
    import classifier
    from classifier.corpus import read_corpus
    from classifier.evaluate.baselines import BASELINES, compare, format_comparison

    names = only or list(BASELINES)
    unknown = sorted(set(names) - set(BASELINES))
    if unknown:
        raise typer.BadParameter(
            f"unknown baseline(s) {unknown}; choose from {sorted(BASELINES)}.", param_hint="--only"
        )
    corpus = _corpus(corpus)
    try:
        by_split = {name: read_corpus(corpus, splits=[name]) for name in {"train", "dev", split}}
        result = compare(
            classifier.load(model, trust=trust_model),
            by_split["train"],
            by_split["dev"],
            by_split[split],
            names,
            progress=lambda message: typer.echo(message, err=True),
        )
    except ClassifierError as error:
        raise _fail(str(error)) from error
    report = f"Baselines, split: {split} ({corpus})\n\n{format_comparison(result)}\n"
    _emit(report, {"split": split, **result}, json_output, markdown_output)
    if update_card:
        from classifier.model.persistence import update_card as record
        from classifier.pipeline.claims import default_model_path

        directory = Path(str(model or default_model_path()))
        record(directory, comparison={"split": split, **result})
        typer.echo(
            f"recorded in {directory / 'model_card.json'}; its sha256 changed, so pin it again: "
            f"classifier model pin {directory}",
            err=True,
        )


@corpus_app.command("build")
def corpus_build(
    sources: Annotated[list[Path], typer.Argument(metavar="SOURCE", hidden=True)],
    output: Annotated[Path, typer.Option(metavar="FILE", help="Corpus file to write.")] = DEFAULT_CORPUS,
    splits: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Pinned splits, read and then updated; default: splits.json beside the output.",
        ),
    ] = None,
) -> None:
    """Build the corpus from authoring markup files (SOURCE: datasets/source/*.md and
    datasets/realstyle/*.md), assigning splits by document."""
    from classifier.corpus.build import build_corpus, read_pinned, write_pinned
    from classifier.corpus.markup import MarkupError
    from classifier.corpus.schema import write_corpus

    splits = splits or output.parent / "splits.json"
    try:
        documents = build_corpus(sources, read_pinned(splits))
    except (MarkupError, OSError, ValueError) as error:
        raise _fail(str(error)) from error
    write_corpus(documents, output)
    write_pinned(documents, splits)
    typer.echo(f"wrote {len(documents)} documents to {output}")


@corpus_app.command("validate")
def corpus_validate(
    corpus: Annotated[Path, typer.Argument(metavar="CORPUS", hidden=True)] = DEFAULT_CORPUS,
    minimums: Annotated[bool, typer.Option(help="Check the coverage minimums too.")] = True,
) -> None:
    """Check a corpus file (default: datasets/corpus.jsonl): schema, offsets, labels, splits,
    runs of words shared across splits and (by default) coverage; exit 1 on any problem."""
    from classifier.corpus import read_corpus
    from classifier.corpus.validate import MINIMUMS, validate_corpus

    try:
        problems = validate_corpus(read_corpus(corpus), minimums=MINIMUMS if minimums else None)
    except ClassifierError as error:
        raise _fail(str(error)) from error
    for problem in problems:
        typer.echo(problem)
    typer.echo(f"{len(problems)} problem(s) in {corpus}", err=True)
    if problems:
        raise typer.Exit(1)


@corpus_app.command("stats")
def corpus_stats(
    corpus: Annotated[Path, typer.Argument(metavar="CORPUS", hidden=True)] = DEFAULT_CORPUS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Counts per category, genre, register, treatment, condition and split of a corpus file
    (default: datasets/corpus.jsonl)."""
    from classifier.corpus import read_corpus
    from classifier.corpus.stats import corpus_stats as compute
    from classifier.corpus.stats import format_stats

    try:
        stats = compute(read_corpus(corpus))
    except ClassifierError as error:
        raise _fail(str(error)) from error
    typer.echo(json.dumps(stats, indent=2) if as_json else format_stats(stats))


@corpus_app.command("agreement")
def corpus_agreement(
    second: Annotated[Path, typer.Argument(metavar="SECOND", hidden=True)],
    corpus: Annotated[
        Path, typer.Option(metavar="FILE", help="The corpus holding the first annotation.")
    ] = DEFAULT_CORPUS,
    json_output: Annotated[
        Path | None, typer.Option("--json", metavar="FILE", help="Also write the figures as JSON to FILE.")
    ] = None,
) -> None:
    """Inter-annotator agreement between the corpus and SECOND, an independent annotation of some
    of its documents (corpus format): span F1 and per-category Cohen's kappa over sentences."""
    from classifier.corpus import read_corpus
    from classifier.corpus.agreement import agreement

    try:
        double = read_corpus(second)
        ids = {d.id for d in double}
        result = agreement([d for d in read_corpus(corpus) if d.id in ids], double)
    except (ClassifierError, ValueError) as error:
        raise _fail(str(error)) from error
    typer.echo(f"documents {result['documents']}, sentences {result['sentences']}")
    typer.echo(
        f"span F1 (overlap) {result['span_overlap']['micro']['f1']:.3f}, "
        f"(exact) {result['span_exact']['micro']['f1']:.3f}"
    )
    typer.echo("| category | span F1 (overlap) | first | second | sentence kappa |\n|---|---|---|---|---|")
    for category, row in result["span_overlap"]["per_category"].items():
        kappa = result["sentence_kappa"][category]
        typer.echo(
            f"| {category} | {row['f1']:.3f} | {row['first']} | {row['second']} | "
            f"{'n/a' if kappa is None else f'{kappa:.3f}'} |"
        )
    if json_output is not None:
        write_atomic(json_output, (json.dumps(result, indent=2) + "\n").encode())


@model_app.command("verify")
def model_verify(
    directory: Annotated[Path, typer.Argument(metavar="DIR", hidden=True)],
) -> None:
    """Check every file of the model directory DIR against its card and show what it would change against
    the bundled model (categories, thresholds, vocabulary size, training data); exit 0 when its card is
    pinned, 1 when it is intact but not pinned, 2 when it is damaged or malformed."""
    from classifier.model.verify import compare_models, format_changes
    from classifier.pipeline.claims import default_model_path

    try:
        changes = compare_models(directory, Path(str(default_model_path())))
    except ClassifierError as error:
        raise _fail(str(error)) from error
    typer.echo(format_changes(changes), nl=False)
    if not changes.pinned:
        raise typer.Exit(1)


@model_app.command("pin")
def model_pin(
    directory: Annotated[Path, typer.Argument(metavar="DIR", hidden=True)],
) -> None:
    """Trust the model directory DIR's card from now on, after checking its files: records the card's sha256
    in the package (classifier/data/trusted_models.json). Run it on models/default after retraining."""
    from classifier.model.pins import BUNDLED_LABEL
    from classifier.model.verify import pin_model
    from classifier.pipeline.claims import default_model_path

    bundled = directory.resolve() == Path(str(default_model_path())).resolve()
    try:
        digest, where = pin_model(directory, BUNDLED_LABEL if bundled else str(directory.resolve()))
    except (ClassifierError, OSError) as error:
        raise _fail(str(error)) from error
    typer.echo(f"pinned {directory} (card sha256 {digest}) in {where}")


def main() -> None:
    """Console-script entry point."""
    app()
