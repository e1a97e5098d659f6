"""The spaCy preprocessing components, on small texts written here."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language

from classifier.pipeline import build_pipeline
from classifier.pipeline.cues import CUES_KEY, CueKind


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_pipeline()


def _cues(nlp: Language, text: str, label: str) -> list[str]:
    doc = nlp(text)
    return [span.text for span in doc.spans[CUES_KEY] if span.label_ == label]


def test_factories_are_registered_through_entry_points() -> None:
    blank = spacy.blank("en")
    for name in ("clinic_sentences", "claim_cues"):
        blank.add_pipe(name)
    assert blank.pipe_names == ["clinic_sentences", "claim_cues"]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("One claim. Another claim.", ["One claim.", "Another claim."]),
        ("Heading without stop\nBody text here.", ["Heading without stop", "Body text here."]),
        ("As shown by Lee et al. 2019 it works.", ["As shown by Lee et al. 2019 it works."]),
        ("  • Restores nerves\n  • Heals pain", ["• Restores nerves", "• Heals pain"]),
        ('He said "yes." Then left.', ['He said "yes."', "Then left."]),
        ('It works!" (Really.) Yes', ['It works!"', "(Really.)", "Yes"]),
        ("Done. 3 days later. ok then", ["Done. 3 days later. ok then"]),
        ('. "Hello', ['. "', "Hello"]),
    ],
    ids=[
        "punctuation",
        "line-break",
        "et-al",
        "bullets",
        "closing-quote",
        "brackets",
        "digit-lower",
        "lead-stop",
    ],
)
def test_sentence_segmentation(nlp: Language, text: str, sentences: list[str]) -> None:
    assert [s.text.strip() for s in nlp(text).sents if s.text.strip()] == sentences


def test_segmenter_keeps_existing_boundaries() -> None:
    blank = spacy.blank("en")
    blank.add_pipe("sentencizer")
    blank.add_pipe("clinic_sentences")
    doc = blank("first line\nsecond line. Third.")
    assert [s.text for s in doc.sents] == ["first line\nsecond line.", "Third."]


@pytest.mark.parametrize(
    ("text", "hedge"),
    [
        ("Stem cells may help some patients.", ["may", "some patients"]),
        ("Early studies suggest a small benefit.", ["early studies suggest"]),
        ("This is being studied in trials.", ["is being studied"]),
        ("This cures paralysis.", []),
        ("It can reverse autism.", []),
    ],
    ids=["may-some", "early-studies", "being-studied", "none", "can-is-not-a-hedge"],
)
def test_hedge_cues(nlp: Language, text: str, hedge: list[str]) -> None:
    assert sorted(c.lower() for c in _cues(nlp, text, CueKind.HEDGE)) == sorted(hedge)


@pytest.mark.parametrize(
    ("text", "negated"),
    [
        ("There are no significant side effects.", ["significant side effects"]),
        ("MSCs are not pluripotent, but useful.", ["pluripotent"]),
        ("It is completely risk-free.", ["risk-free"]),
        ("It has side effects.", []),
    ],
    ids=["no-side-effects", "not-pluripotent-stops-at-comma", "x-free", "no-negation"],
)
def test_negation_scope(nlp: Language, text: str, negated: list[str]) -> None:
    assert _cues(nlp, text, CueKind.NEGATED) == negated


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Smith et al. (2019) found a change.", CueKind.SOURCE, ["et al", "(2019"]),
        (
            "A randomised trial of 120 patients was run.",
            CueKind.SOURCE,
            ["randomised", "trial of 120 patients"],
        ),
        ("See NCT01234567 for details.", CueKind.SOURCE, ["NCT01234567"]),
        ("Success rates of 60 to 70% are common.", CueKind.PERCENT, ["70%"]),
        ("Nine out of ten patients improve.", CueKind.PERCENT, ["Nine out of ten"]),
        ("The rate was 85 percent.", CueKind.PERCENT, ["85 percent"]),
    ],
    ids=["et-al-year", "trial-size", "nct-number", "percent-sign", "out-of", "percent-word"],
)
def test_source_and_number_cues(nlp: Language, text: str, label: str, expected: list[str]) -> None:
    assert _cues(nlp, text, label) == expected


def test_claim_lexicon_cues(nlp: Language) -> None:
    found = _cues(nlp, "Our cells are pluripotent and cure paralysis.", CueKind.CLAIM_PREFIX + "cure_claim")
    assert found == ["cure"]
    assert _cues(nlp, "Our cells are pluripotent.", CueKind.CLAIM_PREFIX + "pluripotency_misstatement") == [
        "pluripotent"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two success rates were quoted.", ["success rates"]),
        ("It came with the success rate.", ["success rate"]),
        ("We noticed several warning signs.", ["warning signs"]),
    ],
    ids=["phrase-plural", "phrase-singular", "listed-plural-kept"],
)
def test_phrases_of_several_words_match_with_their_last_word_in_the_plural(
    nlp: Language, text: str, expected: list[str]
) -> None:
    from classifier.pipeline.cues import _variants

    label = "OUTCOME" if "success" in text else "CRITIC"
    assert [c.lower() for c in _cues(nlp, text, label)] == expected
    assert _variants("spinal cord injury") == ["spinal cord injury", "spinal cord injuries"]
    assert _variants("clinical trials") == ["clinical trials"]


def test_normalizing_tokenizer_keeps_the_way_back(nlp: Language) -> None:
    from classifier.pipeline.tokenizer import original_offsets

    text = "n\u200bo side effects"
    doc = nlp(text)
    assert doc.text == "no side effects"
    start, end = original_offsets(doc, doc[0].idx, doc[2].idx + len(doc[2]))
    assert text[start:end] == text


def test_lookup_lemmas_match_spacys_lookup_lemmatizer() -> None:
    from spacy.lookups import Lookups

    from classifier.pipeline.lemmas import lemma_table

    text = "patients were treated and the cells regenerated damaged nerves; mice are running studies."
    ours = spacy.blank("en")
    ours.add_pipe("clinic_lemmas")
    theirs = spacy.blank("en")
    lookups = Lookups()
    lookups.set_table("lemma_lookup", lemma_table())
    theirs.add_pipe("lemmatizer", config={"mode": "lookup"}).initialize(lookups=lookups)
    assert [t.lemma_ for t in ours(text)] == [t.lemma_ for t in theirs(text)]
    assert [t.lemma_ for t in ours("cells regenerated")] == ["cell", "regenerate"]
    # Unlike spaCy's, words in capitals fall back to the lower-case entry.
    assert [t.lemma_ for t in ours("CURES Patients")] == ["cure", "Patients"]


def test_list_items_under_a_risk_lead_in_are_marked(nlp: Language) -> None:
    from classifier.model.features import document_features

    text = (
        "Possible risks include the following.\n• Swelling at the site\n• Rejection by the immune system\n"
        "Our benefits:\n• Regrows cartilage\n"
    )
    cues = [set(s.cues) for s in document_features(nlp(text)).sentences]
    assert ["CUE_LIST_DISCLOSURE" in c for c in cues] == [False, True, True, False, False]


def test_cue_phrases_built_without_the_tokenizer_match_its_tokens(nlp: Language) -> None:
    import json
    from importlib import resources

    from classifier.pipeline import cues

    tokenizer = nlp.tokenizer.tokenizer if hasattr(nlp.tokenizer, "tokenizer") else nlp.tokenizer
    lexicon = json.loads(resources.files("classifier.data").joinpath("lexicon.json").read_text("utf-8"))
    words = set(cues._SOURCE_WORDS)
    for key in ("hedge", "negation", "reporting", "disclosure", "conditions"):
        words |= set(lexicon[key])
    for claim_words in lexicon["claim"].values():
        words |= set(claim_words)
    plain = [
        form
        for form in {f for w in words for f in cues._variants(w.lower())}
        if cues._PLAIN_WORDS.fullmatch(form) and not set(tokenizer.rules).intersection(form.split(" "))
    ]
    assert len(plain) > 1000
    assert [f for f in plain if [t.text for t in tokenizer(f)] != f.split(" ")] == []


def test_sentence_features_words_and_cues(nlp: Language) -> None:
    from classifier.model.features import document_features

    doc = nlp('Amazing!!! There is no risk for you. "Our cells" work.\n\n\n- Swelling may occur')
    sentences = document_features(doc).sentences
    assert [s.words for s in sentences] == [
        ("amazing",),
        ("there", "be", "no", "NEG_risk", "NEG_for", "NEG_you"),
        ("our", "cell", "work"),
        ("swelling", "may", "occur"),
    ]
    # Marks and pronouns count as cues, negated or not; a bullet is seen past the blank lines.
    assert "CUE_EXCLAIM" in sentences[0].cues
    assert "CUE_YOU" in sentences[1].cues
    assert {"CUE_QUOTE", "CUE_WE"} <= set(sentences[2].cues)
    assert "CUE_BULLET" in sentences[3].cues
    assert [doc[i].text for i in sentences[2].word_tokens] == ["Our", "cells", "work"]


def test_sentences_carry_the_sense_classes_of_their_words(nlp: Language) -> None:
    from classifier.model.features import SENSE_PREFIX, document_features, word_senses

    senses = word_senses()
    assert len(senses) > 50_000
    assert all(sense.startswith(SENSE_PREFIX) for sense in senses.values())
    # Inflections and near-synonyms share a class: that is what lets an unseen word count.
    assert senses["safe"] == senses["safer"] == senses["safety"]
    (sentence,) = document_features(nlp("The injection is completely safe.")).sentences
    expected = {senses[word] for word in sentence.words if word in senses}
    assert senses["safe"] in expected
    assert expected == {cue for cue in sentence.cues if cue.startswith(SENSE_PREFIX)}
    # Senses are not crossed with the page stance: they would add a thousand features per stance.
    (on_page,) = document_features(
        nlp("The injection is completely safe."), page=lambda terms: "PAGE_PROMO"
    ).sentences
    assert not any("|" + SENSE_PREFIX in cue for cue in on_page.cues)
