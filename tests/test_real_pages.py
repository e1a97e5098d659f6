"""The classes of error seen on real third-party pages, pinned on the bundled model.

Each sentence is ours, written for the class of error it stands for (see the
real-world accuracy issue). They pin behaviour; they are not the measure:
that is `classifier evaluate --split realstyle` and the independent set.
"""

from __future__ import annotations

import pytest

import classifier

# Sentences a careful page writes, each with the category it must not be flagged with.
CAREFUL = [
    pytest.param(
        "The FDA regulates stem cell products and requires approval before marketing.",
        "regulatory_misstatement",
        id="regulator-speaking-for-itself",
    ),
    pytest.param(
        "The FDA requires approval before stem cell products are marketed.",
        "regulatory_misstatement",
        id="regulator-rule-reworded",
    ),
    pytest.param(
        "The study was approved by the research ethics committee.",
        "regulatory_misstatement",
        id="ethics-approval",
    ),
    pytest.param(
        "Other cells of the body are generated from stem cells.",
        "pluripotency_misstatement",
        id="textbook-biology",
    ),
    pytest.param("Around 2% of adults live with the condition.", "unsourced_statistic", id="prevalence"),
    pytest.param("No treatment is completely safe.", "absolute_safety", id="negated-warning"),
    pytest.param(
        "Ask your doctor about the potential dangers before you travel for treatment.",
        "hype_language",
        id="potential-dangers",
    ),
]

# Page furniture: nothing on these lines is a claim.
FURNITURE = [
    pytest.param("Home | About us | Treatments | Pricing | Contact", id="menu"),
    pytest.param("1420 Harbour Street, Suite 210, Halifax, NS B3J 1A1", id="address"),
    pytest.param(
        "We use cookies to improve your experience. By continuing to browse you accept our cookie policy.",
        id="cookie-banner",
    ),
    pytest.param("Last reviewed: 14 March 2025", id="date"),
]

# Claims real clinic pages make, each with the categories one of which must be flagged.
CLAIMS = [
    pytest.param(
        "Many of our patients notice a difference after the first session.",
        {"unsupported_proof", "testimonial_evidence"},
        id="soft-efficacy",
    ),
    pytest.param(
        "Relief is finally within reach.", {"unsupported_proof", "hype_language"}, id="soft-promise"
    ),
    pytest.param("A quick in-office treatment with no downtime.", {"absolute_safety"}, id="safety-framing"),
    pytest.param("Trusted by Olympic medallists.", {"testimonial_evidence"}, id="social-proof"),
    pytest.param(
        "Our stem cell therapy is guaranteed to cure your arthritis.",
        {"cure_claim", "guaranteed_outcome"},
        id="blatant-short-claim",
    ),
]

CAREFUL_PAGE = """U.S. Food and Drug Administration
Consumer Updates > Regenerative medicine

Important information about unapproved stem cell products

{sentence}

Stem cell products that are not approved may cause serious harm, including infections and blindness.
Report problems to the agency's safety reporting programme.
"""


#: Careful sentences that, with no page around them, the bundled model still flags (each is
#: left alone on a regulator's page, the next test). Strict: a fix makes the test fail here.
KNOWN_ALONE = {
    "prevalence": "a bare percentage with no page around it still reads as an outcome figure",
    # "negated-warning" and "regulator-speaking-for-itself" were known limitations of the previous
    # bundled model (0.568 for absolute_safety against 0.39, and 0.357 for
    # regulatory_misstatement against 0.32); the model with the context model leaves both alone.
}

ALONE = [
    param
    if param.id not in KNOWN_ALONE
    else pytest.param(
        *param.values,
        id=param.id,
        marks=pytest.mark.xfail(strict=True, reason=f"known limitation: {KNOWN_ALONE[param.id]}"),
    )
    for param in CAREFUL
]


@pytest.mark.parametrize(("sentence", "category"), ALONE)
def test_a_careful_sentence_alone_is_not_flagged(
    bundled: classifier.Model, sentence: str, category: str
) -> None:
    assert category not in {flag.category for flag in bundled.score(sentence).flags}


@pytest.mark.parametrize(("sentence", "category"), CAREFUL)
def test_a_careful_sentence_on_a_regulator_page_is_not_flagged(
    bundled: classifier.Model, sentence: str, category: str
) -> None:
    text = CAREFUL_PAGE.format(sentence=sentence)
    start = text.index(sentence)
    flags = [f for f in bundled.score(text).flags if start <= f.start < start + len(sentence)]
    assert flags == []


@pytest.mark.parametrize("line", FURNITURE)
def test_page_furniture_is_not_flagged(bundled: classifier.Model, line: str) -> None:
    assert bundled.score(line).flags == []


@pytest.mark.parametrize(("sentence", "categories"), CLAIMS)
def test_a_real_page_claim_is_flagged(bundled: classifier.Model, sentence: str, categories: set[str]) -> None:
    assert categories & {flag.category for flag in bundled.score(sentence).flags}


def test_each_list_item_under_a_patient_report_lead_in_is_a_testimonial(bundled: classifier.Model) -> None:
    items = ["clearer speech", "calmer sleep", "fewer seizures"]
    text = "After treatment, families tell us about:\n" + "".join(f"- {item}\n" for item in items)
    report = bundled.score(text)
    for item in items:
        start = text.index(item)
        found = {f.category for f in report.flags if start <= f.start < start + len(item)}
        assert "testimonial_evidence" in found, item


def test_a_news_sentence_that_quotes_a_claim_to_criticise_it_is_not_flagged(
    bundled: classifier.Model,
) -> None:
    text = (
        "Health regulators warned on Tuesday that the clinic falsely claimed its injections "
        '"cure autism" and were "completely safe".'
    )
    assert [f for f in bundled.score(text).flags if f.category != "missing_disclosure"] == []
