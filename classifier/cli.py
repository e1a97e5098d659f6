"""The ``classifier`` command: thin Typer wrappers over the library functions."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import IO, Annotated

import typer

from classifier.errors import ClassifierError
from classifier.reading import InputText, iter_inputs
from classifier.rendering import FORMATS, make_writer, record

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
corpus_app = typer.Typer(no_args_is_help=True, help="Build, validate and describe the labelled corpus.")
app.add_typer(corpus_app, name="corpus")

DEFAULT_CORPUS = Path("datasets/corpus.jsonl")


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
    if output is not None:
        suffix = output.suffix.lower().lstrip(".")
        return {"jsonl": "jsonl", "json": "jsonl", "csv": "csv", "txt": "text"}.get(suffix, "jsonl")
    return "text" if sys.stdout.isatty() else "jsonl"


@contextmanager
def _open_output(output: Path | None) -> Iterator[IO[str]]:
    """Standard output, or a temporary file renamed to ``output`` only when the run completes."""
    if output is None or str(output) == "-":
        yield sys.stdout
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
        os.replace(temporary, output)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


@app.command()
def score(
    paths: Annotated[
        list[str],
        typer.Argument(help="Files, directories (searched for .txt .md .html .htm) or - for stdin."),
    ],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option("--format", help=f"One of {', '.join(FORMATS)}; default from OUT or the terminal."),
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(help="One threshold for all categories instead of the tuned ones.")
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, help="Processes to score with.")] = 1,
    model: Annotated[Path | None, typer.Option(help="A model directory; default: the bundled model.")] = None,
    spacy_model: Annotated[
        str | None, typer.Option(help="An installed spaCy pipeline to preprocess with, e.g. en_core_web_sm.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
) -> None:
    """Score texts and write one record per input (exit 1 if any input could not be read)."""
    import classifier

    name = format or _infer_format(output)
    if name not in FORMATS:
        raise _fail(f"unknown format '{name}'; expected one of: {', '.join(FORMATS)}")
    if threshold is not None and not 0 <= threshold <= 1:
        raise _fail(f"--threshold must be in [0, 1], got {threshold}")
    try:
        loaded = classifier.load(model, threshold=threshold, spacy_model=spacy_model)
    except ClassifierError as error:
        raise _fail(str(error)) from error
    pending: deque[InputText] = deque()

    def texts() -> Iterator[str]:
        for item in iter_inputs(paths):
            pending.append(item)
            if item.text is not None:
                yield item.text

    counts: Counter[str] = Counter()
    progress = None
    if not quiet and sys.stderr.isatty():
        from tqdm import tqdm

        progress = tqdm(unit="file", file=sys.stderr, dynamic_ncols=True)
    with _open_output(output) as stream:
        writer = make_writer(name, stream)

        def emit(item: InputText, report: classifier.Report | None) -> None:
            counts["inputs"] += 1
            if item.error:
                counts["errors"] += 1
            elif report is not None and report.flags:
                counts["flagged"] += 1
                counts.update(f"category:{c}" for c in report.categories())
            writer.write(record(item.path, report, item.error))
            if progress is not None:
                progress.update(1)
                progress.set_postfix(errors=counts["errors"], refresh=False)

        for report in loaded.score_many(texts(), n_jobs=jobs):
            while pending[0].text is None:
                emit(pending.popleft(), None)
            emit(pending.popleft(), report)
        while pending:
            emit(pending.popleft(), None)
        writer.close()
    if progress is not None:
        progress.close()
    if not quiet:
        per_category = ", ".join(
            f"{key.split(':', 1)[1]} {n}" for key, n in sorted(counts.items()) if key.startswith("category:")
        )
        typer.echo(
            f"scored {counts['inputs'] - counts['errors']} of {counts['inputs']} input(s); "
            f"{counts['flagged']} flagged; {counts['errors']} error(s)"
            + (f"; documents per category: {per_category}" if per_category else ""),
            err=True,
        )
    if counts["errors"]:
        raise typer.Exit(1)


@app.command()
def train(
    corpus: Annotated[Path, typer.Option(help="Corpus JSON Lines file.")] = DEFAULT_CORPUS,
    output: Annotated[Path, typer.Option(help="Model directory to write.")] = Path("models/default"),
) -> None:
    """Train on the corpus's train split, tune thresholds on dev, and save the model."""
    from classifier.evaluation import format_metrics
    from classifier.training import train as train_model

    try:
        card = train_model(corpus, output, progress=lambda message: typer.echo(message, err=True))
    except ClassifierError as error:
        raise _fail(str(error)) from error
    typer.echo(f"saved {output}\n\nDev split (thresholds were chosen on it):\n")
    typer.echo(format_metrics(card["dev_metrics"]))


@app.command()
def evaluate(
    model: Annotated[Path | None, typer.Option(help="Model directory; default: the bundled model.")] = None,
    corpus: Annotated[Path, typer.Option(help="Corpus JSON Lines file.")] = DEFAULT_CORPUS,
    split: Annotated[str, typer.Option(help="train, dev or test.")] = "dev",
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Also write the metrics as JSON here.")
    ] = None,
) -> None:
    """Per-category precision, recall and F1 of a model on a labelled split."""
    import classifier
    from classifier.corpus import read_corpus
    from classifier.evaluation import evaluate_model, format_metrics

    try:
        documents = read_corpus(corpus, splits=[split])
        metrics = evaluate_model(classifier.load(model), documents)
    except ClassifierError as error:
        raise _fail(str(error)) from error
    typer.echo(f"Split: {split} ({corpus})\n")
    typer.echo(format_metrics(metrics))
    if json_output is not None:
        json_output.write_text(json.dumps({"split": split, **metrics}, indent=2) + "\n", encoding="utf-8")


@corpus_app.command("build")
def corpus_build(
    sources: Annotated[list[Path], typer.Argument(help="Authoring markup files (datasets/source/*.md).")],
    output: Annotated[Path, typer.Option(help="Corpus file to write.")] = DEFAULT_CORPUS,
) -> None:
    """Build the corpus JSONL from authoring markup, assigning splits by document."""
    from classifier.corpus.build import build_corpus
    from classifier.corpus.markup import MarkupError
    from classifier.corpus.schema import write_corpus

    try:
        documents = build_corpus(sources)
    except (MarkupError, OSError) as error:
        raise _fail(str(error)) from error
    write_corpus(documents, output)
    typer.echo(f"wrote {len(documents)} documents to {output}")


@corpus_app.command("validate")
def corpus_validate(
    corpus: Annotated[Path, typer.Argument(help="Corpus file.")] = DEFAULT_CORPUS,
    minimums: Annotated[bool, typer.Option(help="Check the coverage minimums too.")] = True,
) -> None:
    """Check schema, offsets, labels, splits and (by default) coverage; exit 1 on any problem."""
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
    corpus: Annotated[Path, typer.Argument(help="Corpus file.")] = DEFAULT_CORPUS,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Counts per category, genre, register, treatment, condition and split."""
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
    second: Annotated[Path, typer.Argument(help="The second, independent annotation (corpus format).")],
    corpus: Annotated[Path, typer.Option(help="The corpus holding the first annotation.")] = DEFAULT_CORPUS,
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
) -> None:
    """Inter-annotator agreement: span F1 and per-category Cohen's kappa over sentences."""
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
        json_output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    """Console-script entry point."""
    app()
