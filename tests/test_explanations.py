"""Explanations, evidence, confidence and the sentence field (issue 12, "Measured today")."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from spacy.lang.en.stop_words import STOP_WORDS
from typer.testing import CliRunner

import classifier
from classifier.cli import app
from classifier.errors import InputError
from classifier.flags.explanations import (
    MAX_SHORT_LENGTH,
    Qualifiers,
    describe_feature,
    explain,
    format_evidence,
    patterns_of,
    select_pattern,
)
from classifier.flags.phrases import sentence_bounds
from classifier.flags.scoring import _qualifiers
from classifier.model.features import document_features
from classifier.pipeline.build import build_pipeline
from classifier.taxonomy import all_categories, get_category

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
LONG = "extraordinarily long hedging phrase that goes on"


@pytest.fixture(scope="module")
def model() -> classifier.Model:
    return classifier.load()


@pytest.fixture(scope="module")
def example_flags(model: classifier.Model) -> list[classifier.Flag]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.iterdir())]
    return [flag for report in model.score_many(texts) for flag in report.flags]


def _selecting(pattern, **extra) -> Qualifiers:
    """Qualifiers of a sentence that meets ``pattern``'s conditions, plus ``extra``."""
    when = pattern.when
    words = set(when.get("words", ())) | set(when.get("claim_words", ()))
    return Qualifiers(
        claim_words=list(when.get("claim_words", ())) + extra.pop("claim_words", []),
        negated_claim_words=list(when.get("negated", ())[:1]) + extra.pop("negated_claim_words", []),
        cues=frozenset(when.get("cues", ())),
        words=frozenset(words),
        text=" ".join(sorted(words)),
        **extra,
    )


def _variants(pattern) -> dict[str, Qualifiers]:
    return {
        "bare": _selecting(pattern),
        "hedge": _selecting(pattern, hedges=["may"]),
        "source": _selecting(pattern, sources=["randomised"]),
        "negated": _selecting(pattern, negated_claim_words=["cured"], negations=["not"]),
        "everything": _selecting(
            pattern,
            hedges=[LONG, "might"],
            sources=[LONG, "journal"],
            negations=["not"],
            negated_claim_words=[LONG, "approved"],
        ),
    }


ALL_PATTERNS = [
    pytest.param(category, pattern, id=f"{category}-{pattern.id}")
    for category in all_categories()
    for pattern in patterns_of(category)
]


def _check_grammar(text: str) -> None:
    assert text.endswith("."), text
    # Lower-case words only: "an FDA approval" is right.
    assert not re.search(r"\b[Aa] [aeio][a-z]", text), text
    assert not re.search(r"\b[Aa]n [bcdfgjklmnpqrstvwxz][a-z]", text), text
    assert not re.search(r"\b(\w+) \1\b", text, re.IGNORECASE), text
    assert not re.search(r"[{}]|\bNUM|\bCUE_|\bNEG_|[a-z]_[a-z]", text), text
    assert "  " not in text and ".." not in text, text


def _check_no_repetition(text: str) -> None:
    """No sentence of a short explanation says again what another said: no run of four words twice."""
    words = re.findall(r"[a-z]+", text.lower())
    runs = [" ".join(words[i : i + 4]) for i in range(len(words) - 3)]
    assert len(runs) == len(set(runs)), text


@pytest.mark.parametrize(("category", "pattern"), ALL_PATTERNS)
def test_every_template_renders_grammatical_short_and_full(category: str, pattern) -> None:
    chosen = get_category(category)
    variants = _variants(pattern) if not chosen.document_level else {"document": None}
    for name, qualifiers in variants.items():
        if qualifiers is not None:
            assert select_pattern(chosen, qualifiers) == pattern, (name, pattern.id)
        short = explain(chosen, qualifiers, ["pluripotent (+1.8)"])
        full = explain(chosen, qualifiers, ["pluripotent (+1.8)"], mode="full")
        _check_grammar(short)
        _check_grammar(full)
        _check_no_repetition(short)
        assert len(short) <= MAX_SHORT_LENGTH, (name, len(short), short)
        assert short.startswith(pattern.why) and full.startswith(pattern.why)
        assert pattern.fact in full and pattern.fact not in short
        assert "in this sentence or the next" not in short + full


@pytest.mark.parametrize(("category", "pattern"), ALL_PATTERNS)
def test_explanation_agrees_with_the_sentence_qualifiers(category: str, pattern) -> None:
    chosen = get_category(category)
    if chosen.document_level:
        return
    negated = explain(chosen, _selecting(pattern, negated_claim_words=["cured"], negations=["not"]), [])
    assert "does not reverse" not in negated
    if pattern.negation == "claim":
        assert "itself the claim" in negated
    else:
        assert "reverses the claim" in negated
    # A negation that covers none of the category's claim words is not described at all.
    unrelated = explain(
        chosen, Qualifiers(negations=["not"], cues=frozenset(pattern.when.get("cues", ()))), []
    )
    assert "negation" not in unrelated.lower() and "itself the claim" not in unrelated
    hedged = explain(chosen, _selecting(pattern, hedges=["may"]), [])
    assert '"may"' in hedged
    sourced = explain(chosen, _selecting(pattern, sources=["randomised"]), [])
    assert '"randomised"' in sourced and pattern.missing not in sourced
    bare = explain(chosen, _selecting(pattern), [])
    assert "Hedged" not in bare and "Cites" not in bare


@pytest.mark.parametrize(
    ("text", "category", "negated", "plain", "scopes"),
    [
        pytest.param(
            "This treatment is not approved by the FDA.",
            "regulatory_misstatement",
            ["approved"],
            [],
            ["approved by the FDA"],
            id="not-approved",
        ),
        pytest.param(
            "The FDA doesn't regulate your own stem cells.",
            "regulatory_misstatement",
            ["regulate"],
            ["fda"],
            ["regulate your own stem cells"],
            id="not-regulated",
        ),
        pytest.param(
            "Our clinic is FDA approved.",
            "regulatory_misstatement",
            [],
            ["fda", "approved"],
            [],
            id="approved",
        ),
        pytest.param(
            "The injection has no side-effects.",
            "absolute_safety",
            ["side-effects"],
            [],
            ["side"],
            id="no-side-effects",
        ),
        pytest.param(
            "No cure exists, but our cells repair nerves.",
            "cure_claim",
            ["cure"],
            ["repair"],
            ["cure exists"],
            id="mixed",
        ),
    ],
)
def test_qualifiers_read_negation_from_the_cues(
    text: str, category: str, negated: list[str], plain: list[str], scopes: list[str]
) -> None:
    doc = build_pipeline(None)(text)
    sentence = document_features(doc).sentences[0]
    found = _qualifiers(doc, sentence, None, get_category(category))

    def words(runs: list[str]) -> list[str]:
        return [word.lower() for run in runs for word in run.split()]

    assert [word for word in words(found.negated_claim_words) if word != "fda"] == words(negated)
    assert words(found.claim_words) == words(plain)
    assert found.negated_phrases == scopes


def test_a_reversing_negation_is_never_called_one_that_does_not_reverse() -> None:
    doc = build_pipeline(None)("This treatment is not approved by the FDA.")
    category = get_category("regulatory_misstatement")
    qualifiers = _qualifiers(doc, document_features(doc).sentences[0], None, category)
    text = explain(category, qualifiers, [])
    assert '"approved"' in text and "reverses the claim" in text and "does not reverse" not in text


def test_negating_is_the_claim_for_absolute_safety_and_denied_oversight(model: classifier.Model) -> None:
    for text, category in [
        ("The procedure has zero complications and no side effects.", "absolute_safety"),
        ("The injection has no side effects.", "absolute_safety"),
        ("The FDA doesn't regulate your own stem cells.", "regulatory_misstatement"),
    ]:
        flags = [f for f in model.score(text).flags if f.category == category]
        assert flags, text
        assert "itself the claim" in flags[0].explanation
        assert "reverses" not in flags[0].explanation


@pytest.mark.parametrize(
    ("text", "pattern", "absent"),
    [
        pytest.param(
            "Our clinic offers FDA approved stem cell therapy.", "approval", "registration", id="approved"
        ),
        pytest.param(
            "Our FDA-registered lab prepares your cells.", "registration", "Ryoncil", id="registered"
        ),
        pytest.param("Our device is FDA-cleared.", "device_clearance", "registration", id="cleared"),
        pytest.param("Stem cell therapy is 100% legal in our country.", "legal", "registration", id="legal"),
    ],
)
def test_regulatory_sub_patterns_match_the_claim(
    model: classifier.Model, text: str, pattern: str, absent: str
) -> None:
    flags = [f for f in model.score(text).flags if f.category == "regulatory_misstatement"]
    assert flags, text
    chosen = next(p for p in patterns_of("regulatory_misstatement") if p.id == pattern)
    assert flags[0].explanation.startswith(chosen.why)
    assert absent.lower() not in flags[0].explanation.lower()


def test_direct_approval_claim_gets_the_approval_fact_with_its_date() -> None:
    category = get_category("regulatory_misstatement")
    qualifiers = Qualifiers(claim_words=["FDA", "approved"], words=frozenset({"fda", "approve"}))
    full = explain(category, qualifiers, [], mode="full")
    assert "Ryoncil" in full and "18 December 2024" in full and "children" in full
    assert "Hemacord" in full and "Omisirge, 2023" in full
    assert not full.startswith("Registration")


def test_pluripotency_long_form_holds_dominici_and_ryoncil() -> None:
    category = get_category("pluripotency_misstatement")
    for pattern in patterns_of(category.id):
        full = explain(category, _selecting(pattern), [], mode="full")
        assert "multipotent" in full and "Dominici" in full
        assert "Ryoncil" in full and "18 December 2024" in full


def test_unsourced_statistic_facts_are_about_bare_numbers_not_risk_disclosure(
    model: classifier.Model,
) -> None:
    category = get_category("unsourced_statistic")
    for pattern in patterns_of(category.id):
        full = explain(category, _selecting(pattern), [], mode="full")
        assert "Murdoch" not in full and "disclos" not in full
    rate = [f for f in model.score("85% of our patients improve.").flags if f.category == category.id]
    assert rate and "comparison group" in rate[0].explanation
    counted = select_pattern(
        category,
        Qualifiers(
            cues=frozenset({"CUE_NUMBER"}),
            words=frozenset({"treatment", "perform"}),
            text="Over 10,000 treatments performed",
        ),
    )
    assert counted.id == "count" and "testimonial" in counted.fact


def test_explanations_on_the_examples_are_short_and_varied(example_flags: list[classifier.Flag]) -> None:
    texts = [flag.explanation for flag in example_flags]
    assert texts and all(len(text) <= MAX_SHORT_LENGTH for text in texts)
    assert not any("in this sentence or the next" in text or "does not reverse" in text for text in texts)
    for text in texts:
        _check_grammar(text)


def test_evidence_holds_content_words_and_short_cue_descriptions(
    example_flags: list[classifier.Flag],
) -> None:
    span_flags = [flag for flag in example_flags if flag.category != "missing_disclosure"]
    assert span_flags
    for flag in span_flags:
        assert flag.evidence, flag
        for item in flag.evidence:
            label, weight = re.fullmatch(r"(.+) \(\+(\d+\.\d+)\)", item).groups()
            assert float(weight) > 0
            assert "#" not in label and not re.search(r"[A-Z]{2,}_|\|", label), item
            assert label not in STOP_WORDS, item
            assert not re.search(r"\ba [aeiou]", label), item
            words = label.removesuffix(", negated").split()
            if len(words) > 1 and not label.startswith(("a ", "an ", "the ")):
                assert words[0] not in {"by", "of", "the", "and", "over", "to", "with"}, item
                assert words[-1] not in {"by", "of", "the", "and", "over", "to", "with"}, item


@pytest.mark.parametrize(
    ("feature", "expected"),
    [
        pytest.param("and", None, id="stop-word"),
        pytest.param("by the", None, id="stop-bigram"),
        pytest.param("NUM", None, id="number"),
        pytest.param("over NUM", None, id="over-number"),
        pytest.param("NUM % of", None, id="percent-of"),
        pytest.param("pluripotent", "pluripotent", id="word"),
        pytest.param("NUM100 %", "100%", id="hundred-percent"),
        pytest.param("any cell", "any cell", id="claim-function-word"),
        pytest.param("NEG_side NEG_effect", "side effect, negated", id="negated"),
        pytest.param("no NEG_side NEG_effect", "no side effect", id="negation-in-words"),
        pytest.param("CUE_CLAIM_unsourced_statistic", "statistic wording", id="claim-cue"),
        pytest.param("CUE_CLAIM_absolute_safety", "safety wording", id="safety-cue"),
        pytest.param("PAGE_PROMO|CUE_CLAIM_cure_claim", "cure wording", id="page-joined"),
        pytest.param("PAGE_PROMO", "a promotional page", id="page"),
        pytest.param("SENSE_193", None, id="sense-class"),
    ],
)
def test_describe_feature(feature: str, expected: str | None) -> None:
    assert describe_feature(feature) == expected


def test_format_evidence_merges_alike_features_and_shows_weights() -> None:
    drivers = [
        ("CUE_CLAIM_cure_claim", 2.0),
        ("the", 1.5),
        ("PAGE_PROMO|CUE_CLAIM_cure_claim", 0.5),
        ("repair", 0.8),
    ]
    assert format_evidence(drivers) == ["cure wording (+2.5)", "repair (+0.8)"]


def test_sentence_keeps_its_leading_article(model: classifier.Model) -> None:
    text = "The treatment is 100% safe and has no side effects."
    flags = [flag for flag in model.score(text).flags if flag.text]
    assert flags
    for flag in flags:
        assert flag.sentence == text
        assert text[flag.start : flag.end] == flag.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("The cells cure it.", "The cells cure it.", id="article"),
        pytest.param("  \n• The cells cure it.  \n", "The cells cure it.", id="bullet"),
        pytest.param("- A miracle!", "A miracle!", id="dash"),
        pytest.param("2. Our cells heal.", "Our cells heal.", id="number"),
        pytest.param("b) Our cells heal.", "Our cells heal.", id="letter"),
        pytest.param("-5% risk", "-5% risk", id="minus-sign"),
        pytest.param("   ", "", id="blank"),
    ],
)
def test_sentence_bounds(text: str, expected: str) -> None:
    start, end = sentence_bounds(text, 0, len(text))
    assert text[start:end] == expected


def test_flags_under_their_threshold_are_never_emitted(model: classifier.Model) -> None:
    texts = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.iterdir())]
    thresholds = model.card["thresholds"]
    for report in model.score_many(texts):
        for flag in report.flags:
            if flag.category != "missing_disclosure":
                assert flag.score >= round(thresholds[flag.category], 4) - 1e-4, flag
    strict = classifier.load(threshold=0.9)
    flags = [flag for report in strict.score_many(texts) for flag in report.flags]
    assert flags and all(flag.score >= 0.9 for flag in flags)


def test_min_confidence_filters_flags_but_not_the_risk(model: classifier.Model) -> None:
    text = (EXAMPLES / "knee_clinic_avoid_surgery.md").read_text(encoding="utf-8")
    everything = model.score(text)
    confident = classifier.load(min_confidence=0.9).score(text)
    assert confident.risk == everything.risk
    assert [f for f in everything.flags if f.score >= 0.9] == confident.flags
    assert len(confident.flags) < len(everything.flags)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        pytest.param({"explain": "long"}, "explanation mode 'long'", id="explain"),
        pytest.param({"min_confidence": 1.5}, "min_confidence must be", id="min-confidence"),
    ],
)
def test_load_refuses_bad_options(options: dict, match: str) -> None:
    with pytest.raises(InputError, match=match):
        classifier.load(**options)


def test_cli_explain_full_min_confidence_and_text_report(tmp_path: Path) -> None:
    runner = CliRunner()
    source = str(EXAMPLES / "cord_cell_clinic_autism_cp.txt")
    short, full = tmp_path / "short.jsonl", tmp_path / "full.jsonl"
    assert runner.invoke(app, ["score", source, "-o", str(short), "-q"]).exit_code == 0
    result = runner.invoke(
        app, ["score", source, "-o", str(full), "-q", "--explain", "full", "--min-confidence", "0.8"]
    )
    assert result.exit_code == 0, result.output
    short_flags = json.loads(short.read_text(encoding="utf-8"))["flags"]
    full_flags = json.loads(full.read_text(encoding="utf-8"))["flags"]
    assert full_flags and all(flag["score"] >= 0.8 for flag in full_flags)
    assert len(full_flags) < len(short_flags)
    assert all(len(flag["explanation"]) > MAX_SHORT_LENGTH for flag in full_flags if flag["sentence"])
    text = runner.invoke(app, ["score", source, "--format", "text", "-q"])
    assert re.search(r"(high|medium|low)-severity category · confidence \d\.\d\d", text.output)
    assert "score 0." not in text.output
    for bad in (["--explain", "long"], ["--min-confidence", "2"]):
        assert runner.invoke(app, ["score", source, "-q", *bad]).exit_code == 2
